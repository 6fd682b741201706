"""Findings cite the law as it stood on their night (expectations/legal/bases.yaml)."""

import datetime as dt
from pathlib import Path

import pytest

from portalwatch.errors import SuiteError
from portalwatch.profile import load_profile
from portalwatch.validate.legal import Citation, Instrument, LegalBasis
from portalwatch.validate.suites import load_suites

from test_suites import GOOD

ROOT = Path(__file__).resolve().parents[1]
PROFILE = load_profile(ROOT / "profiles" / "vungtau-2022" / "profile.yaml")
D = dt.date

ND43, ND42, ND224 = "Nghị định số 43/2011/NĐ-CP", "Nghị định số 42/2022/NĐ-CP", "Nghị định số 224/2026/NĐ-CP"
LAW = "Luật Tiếp cận thông tin năm 2016"


@pytest.fixture(scope="module")
def rules():
    return {rule.rule: rule for suite in load_suites(PROFILE) for rule in suite.rules}


@pytest.mark.parametrize("day, expected", [
    (D(2022, 6, 13), f"khoản 1 Điều 10 {ND43}; điểm đ khoản 1 Điều 19 {LAW}"),
    (D(2022, 8, 14), f"khoản 1 Điều 10 {ND43}; điểm đ khoản 1 Điều 19 {LAW}"),
    (D(2022, 8, 15), f"điểm e khoản 1 Điều 4 {ND42}; điểm đ khoản 1 Điều 19 {LAW}"),
    (D(2026, 6, 30), f"điểm e khoản 1 Điều 4 {ND42}; điểm đ khoản 1 Điều 19 {LAW}"),
    (D(2026, 7, 1), f"điểm đ khoản 1 Điều 19 {LAW}"),
    (D(2026, 12, 1), f"điểm đ khoản 1 Điều 19 {LAW}"),
])
def test_a_rule_cites_the_decree_in_force_on_each_side_of_a_changeover(rules, day, expected):
    assert rules["unit_field_present"].legal_basis.on(day) == expected


def test_articles_of_one_decree_are_cited_together(rules):
    basis = rules["leader_phone_current_plan"].legal_basis
    assert basis.on(D(2023, 3, 1)) == \
        f"điểm e khoản 1 Điều 4, khoản 2 Điều 7 {ND42} (cập nhật kịp thời khi có thay đổi)"
    assert basis.on(D(2026, 12, 1)) == f"khoản 3 Điều 9 {ND224} (cập nhật ngay khi có thay đổi)"
    # a repeated article is cited once, its notes together
    assert rules["unit_email_official"].legal_basis.on(D(2022, 6, 13)) == \
        f"khoản 1 Điều 10 {ND43} (thư điện tử chính thức); điểm đ khoản 1 Điều 19 {LAW}"


def test_articles_of_one_decree_are_cited_together_though_another_instrument_comes_between(rules):
    # unit_information cites Decree 43 Art. 10(1) and the Law's Art. 19; kept_current Decree 43 Art. 17
    assert rules["unit_phone_current_plan"].legal_basis.on(D(2022, 6, 17)) == \
        f"khoản 1 Điều 10, Điều 17 {ND43}; điểm đ khoản 1 Điều 19 {LAW}"


@pytest.mark.parametrize("day", [D(2021, 2, 4), D(2022, 8, 14), D(2022, 8, 15), D(2025, 9, 8), D(2026, 6, 30),
                                 D(2026, 7, 1), D(2026, 12, 1), D(2031, 1, 1)])
def test_no_bundled_rule_cites_a_decree_out_of_force(rules, day):
    in_force = {ND43: D(2011, 8, 1) <= day <= D(2022, 8, 14), ND42: D(2022, 8, 15) <= day <= D(2026, 6, 30),
                ND224: day >= D(2026, 7, 1)}
    for name, rule in rules.items():
        text = rule.legal_basis.on(day)
        assert text, name
        for decree, valid in in_force.items():
            assert (decree in text) <= valid, (name, day, text)


def test_a_night_before_every_instrument_cites_the_first():
    old = Instrument("a", "Luật A", start=D(2010, 1, 1), end=D(2015, 12, 31))
    new = Instrument("b", "Luật B", start=D(2016, 1, 1))
    basis = LegalBasis((Citation("Điều 1", old), Citation("Điều 2", new)))
    assert basis.on(D(2005, 1, 1)) == "Điều 1 Luật A"
    assert basis.on(D(2020, 1, 1)) == "Điều 2 Luật B"
    assert basis.gap() is None
    assert LegalBasis((Citation("Điều 1", old),)).gap() == D(2016, 1, 1)


def test_findings_of_a_sample_night_cite_the_law_of_that_night(nights):
    """The sample portal's night 1 is 13/6/2022: Decree 43/2011 then, never Decree 42/2022."""
    findings = nights[1].findings
    assert findings
    assert all(ND42 not in f.legal_basis and ND224 not in f.legal_basis for f in findings)
    assert any(ND43 in f.legal_basis for f in findings)


#: test_suites' minimal suite, its legal basis to be filled in (braces doubled for str.format)
SUITE = GOOD.replace("{", "{{").replace("}", "}}").replace('legal_basis: "NĐ 42/2022/NĐ-CP"', "legal_basis: {basis}")

BASES = """\
instruments:
  old: {{title: "Nghị định số 1/2020/NĐ-CP", from: 2020-01-01, until: {until}}}
  new: {{title: "Nghị định số 2/2024/NĐ-CP", from: 2024-01-01}}
duties:
  publish:
    - {{in: old, cite: "Điều 3"}}
    - {{in: new, cite: "Điều 5"}}
"""


def _folder(tmp_path, basis: str, bases: str | None = None) -> Path:
    (tmp_path / "s.yaml").write_text(SUITE.format(basis=basis), encoding="utf-8")
    if bases is not None:
        (tmp_path / "legal").mkdir()
        (tmp_path / "legal" / "bases.yaml").write_text(bases, encoding="utf-8")
    return tmp_path


def test_a_suite_folder_may_bring_its_own_bases(tmp_path):
    [suite] = load_suites(PROFILE, _folder(tmp_path, "[publish]", BASES.format(until="2023-12-31")))
    basis = suite.rules[0].legal_basis
    assert basis.on(D(2022, 1, 1)) == "Điều 3 Nghị định số 1/2020/NĐ-CP"
    assert basis.on(D(2024, 1, 1)) == "Điều 5 Nghị định số 2/2024/NĐ-CP"


def test_plain_text_is_cited_on_every_night_and_bundled_duties_serve_a_folder_without_bases(tmp_path):
    [suite] = load_suites(PROFILE, _folder(tmp_path, '"Điều 9 Quy chế của thành phố"'))
    assert suite.rules[0].legal_basis.on(D(2012, 1, 1)) == "Điều 9 Quy chế của thành phố"
    (tmp_path / "s.yaml").write_text(SUITE.format(basis="[kept_current]"), encoding="utf-8")
    [suite] = load_suites(PROFILE, tmp_path)
    assert ND224 in suite.rules[0].legal_basis.on(D(2026, 12, 1))


@pytest.mark.parametrize("basis, bases, message", [
    ("[publsh]", BASES.format(until="2023-12-31"), r"s\.yaml.*rules\[0\]\.legal_basis.*unknown duty 'publsh'"),
    ("[publish]", BASES.format(until="2022-12-31"),
     r"rules\[0\]\.legal_basis.*from 01/01/2023 none of the duties publish cites an instrument in force"),
    ("[]", BASES.format(until="2023-12-31"), r"rules\[0\]\.legal_basis.*expected a text, or a list of duties"),
    ("[publish]", BASES.format(until="2019-12-31"), r"bases\.yaml.*instruments\.old\.until.*'until' is before"),
    ("[publish]", BASES.format(until="31/12/2023"), r"bases\.yaml.*instruments\.old\.until.*YYYY-MM-DD"),
    ("[publish]", BASES.format(until="2023-12-31").replace("in: new", "in: newer"),
     r"bases\.yaml.*duties\.publish\[1\]\.in.*unknown instrument 'newer'"),
])
def test_mistakes_in_legal_bases_are_named(tmp_path, basis, bases, message):
    with pytest.raises(SuiteError, match=message):
        load_suites(PROFILE, _folder(tmp_path, basis, bases))


def test_a_finding_keeps_its_key_across_a_changeover():
    """The law changing is not a new problem: the finding's key (its history, its alerts) stays."""
    from portalwatch.findings.build import build_findings
    from portalwatch.profile.registry import Registry, Unit
    from portalwatch.validate.gx import Failure

    suite = next(s for s in load_suites(PROFILE) if s.name == "units_required")
    registry = Registry(units={"u1": Unit("u1", "Ủy ban nhân dân Phường 1", "ward")})
    failure = Failure(suite, 0, "phone", {"unit_id": "u1", "page_url": "http://portal.test/u1"}, None)
    before, after = (build_findings([failure], "p", registry, night=day)[0]
                     for day in (D(2026, 6, 30), D(2026, 7, 1)))
    assert before.key == after.key
    assert ND42 in before.legal_basis and ND42 not in after.legal_basis
