"""The required-fields suites, run by Great Expectations, and the findings they become."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from portalwatch.findings.build import build_findings
from portalwatch.findings.model import read_findings, write_findings
from portalwatch.normalise.frames import build_frames
from portalwatch.profile import load_profile
from portalwatch.profile.registry import Registry, Unit
from portalwatch.validate.facts import NightContext, derive_facts
from portalwatch.validate.gx import run_suites
from portalwatch.validate.suites import load_suites

ROOT = Path(__file__).resolve().parents[1]
PROFILE = load_profile(ROOT / "profiles" / "vungtau-2022" / "profile.yaml")
REGISTRY = Registry(units={
    "phuong-7": Unit("phuong-7", "Ủy ban nhân dân Phường 7", "ward"),
    "phuong-8": Unit("phuong-8", "Ủy ban nhân dân Phường 8", "ward"),
    "phuong-9": Unit("phuong-9", "Ủy ban nhân dân Phường 9", "ward"),
})


def _unit(name, **fields):
    base = {"unit_name": name, "intro": "Giới thiệu.", "address": "1 Lê Lợi", "phone": "(0254) 3 900 107",
            "fax": "(0254) 3 900 108", "email": "p@vungtau.baria-vungtau.gov.vn", "leaders": [],
            "updated": "01/06/2022", "page_url": f"http://portal.test/{name}", "http_status": 200, "link_text": name}
    base.update(fields)
    return base


def _ctx(index_ok: bool) -> NightContext:
    """The night of 13/06/2022 with the sample portal's contact rules; ``index_ok`` false leaves the
    completeness checks aside (they are tested with the sample portal)."""
    return NightContext(night=dt.date(2022, 6, 13), area_codes=("254",), old_area_codes={"64": "254"},
                        email_domains=("baria-vungtau.gov.vn",), placeholders=PROFILE.checks.placeholders,
                        index_ok=index_ok)


def _person(unit, name, n, **fields):
    base = {"unit_name": unit, "person_name": name, "position": "Chủ tịch", "office_phone": f"0254 3900 17{n}",
            "mobile": f"0912 000 17{n}", "email": f"p{n}@vungtau.baria-vungtau.gov.vn",
            "page_url": "http://portal.test/db",
            "http_status": 200, "link_text": ""}
    base.update(fields)
    return base


@pytest.fixture(scope="module")
def facts():
    units = [
        _unit("Ủy ban nhân dân Phường 7", email=None, fax="Đang cập nhật"),
        _unit("UBND Phường 8", phone="...", address=" "),
        _unit("Phường 9", http_status=404, intro=None, phone=None),     # unreachable: no field finding
        _unit("Phường 99", email=None),                                  # unknown unit: not validated
    ]
    people = [
        _person("UBND Phường 7", "Trần Thị Bình", 1, mobile=""),
        _person("UBND Phường 7", "Lê Văn Cường", 2, email="xxx"),
        _person("UBND Phường 8", "Phạm Văn Dũng", 3),
    ]
    frames = build_frames(units, people, PROFILE, REGISTRY)
    assert [u["name"] for u in frames.unmatched] == ["Phường 99"]
    ctx = _ctx(index_ok=False)
    return derive_facts(frames.units, frames.directory, REGISTRY, None, ctx)


@pytest.fixture(scope="module")
def findings(facts):
    return build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY, night=dt.date(2022, 6, 13))


def test_data_docs_list_the_last_nights_of_every_suite_and_keep_every_result(tmp_path, facts, monkeypatch):
    """Data Docs are built once a night for that night's results. The index lists, for every suite
    that had rows, the results of the last `DOCS_NIGHTS` nights only (it loads each result it lists,
    so a night must not cost more with every night kept); every result and its page stay. The
    project reads no config variables file (Great Expectations would parse it at nearly every store
    access)."""
    import re

    import great_expectations as gx
    import yaml

    import portalwatch.validate.gx as gx_module

    monkeypatch.setattr(gx_module, "DOCS_NIGHTS", 2)
    suites = load_suites(PROFILE)
    project = tmp_path / "gx"
    for _ in range(3):
        run_suites(suites, facts, project)
    site = project / "gx" / "uncommitted" / "data_docs" / "local_site"
    index = (site / "index.html").read_text(encoding="utf-8")
    checked = [s.name for s in suites if len(facts[s.frame])]
    assert len(checked) >= 3
    for name in checked:
        listed = set(re.findall(rf'validations/{name}/[^"\s]+\.html', index))
        assert len(listed) == 2, (name, listed)
        assert len(list((project / "gx" / "uncommitted" / "validations" / name).rglob("*.json"))) == 3
        assert len(list((site / "validations" / name).rglob("*.html"))) == 3
        assert (site / "expectations" / f"{name}.html").is_file()
    config = yaml.safe_load((project / "gx" / "great_expectations.yml").read_text(encoding="utf-8"))
    assert config["config_variables_file_path"] is None
    index_builder = config["data_docs_sites"]["local_site"]["site_index_builder"]
    assert index_builder["validation_results_limit"] == 2 * len(checked)
    reopened = gx.get_context(mode="file", project_root_dir=str(project))
    assert {s.name for s in reopened.suites.all()} >= set(checked)


def test_directory_facts_count_other_people_sharing_a_contact_and_place_each_person_on_the_roster():
    """A contact is shared when another person shows it (the same person listed twice for two posts
    is not); a person's roster status comes from the entries of the same name in the same unit only."""
    from portalwatch.profile.roster import Roster, RosterEntry

    people = [
        _person("UBND Phường 7", "Trần Thị Bình", 1, mobile="0912 555 001"),
        _person("UBND Phường 7", "Trần Thị  BÌNH", 1, position="Bí thư", mobile="0912.555.001"),  # herself again
        _person("UBND Phường 7", "Lê Văn Cường", 2, mobile="0912 555 001"),            # her mobile
        _person("UBND Phường 8", "Phạm Văn Dũng", 3, mobile="0912 555 001",            # hers, and Cường's e-mail
                email="p2@vungtau.baria-vungtau.gov.vn"),
        _person("UBND Phường 8", "Võ Thị Em", 4),                                       # left office
        _person("UBND Phường 8", "Đỗ Văn Giang", 5, mobile="0912 555 005"),            # takes office later
        _person("UBND Phường 9", "Lê Văn Cường", 6),                                    # a namesake elsewhere
        _person("UBND Phường 9", "...", 7, mobile="0912 555 005"),      # a placeholder name: still someone else
    ]
    roster = Roster([
        RosterEntry("phuong-7", "Trần Thị Bình", "Chủ tịch", dt.date(2020, 1, 1), None),
        RosterEntry("phuong-7", "Lê Văn Cường", "Phó Chủ tịch", dt.date(2020, 1, 1), None),
        RosterEntry("phuong-8", "Võ Thị Em", "Phó Chủ tịch", dt.date(2019, 1, 1), dt.date(2022, 5, 31)),
        RosterEntry("phuong-8", "Đỗ Văn Giang", "Chủ tịch", dt.date(2022, 7, 1), None),
    ])
    frames = build_frames([], people, PROFILE, REGISTRY)
    ctx = _ctx(index_ok=False)
    directory = derive_facts(frames.units, frames.directory, REGISTRY, roster, ctx)["directory"]
    assert list(directory["mobile_shared"]) == [2, 2, 2, 2, 0, 1, 0, 1]
    assert list(directory["email_shared"]) == [0, 0, 1, 1, 0, 0, 0, 0]
    assert list(directory["roster_status"]) == ["active", "active", "active", "unknown", "left", "not_yet",
                                                "unknown", "unknown"]


def test_a_contact_the_roster_gives_as_a_persons_own_is_not_their_fault():
    """Two people list one mobile: when the roster says whose it is, that person's row is right
    (compared as numbers: the roster's "0912 555 001" is the site's "0912.555.001"; e-mails in any
    case) and only the others are counted; without the roster's word every row counts the others."""
    from portalwatch.profile.roster import Roster, RosterEntry

    people = [
        _person("UBND Phường 7", "Trần Thị Bình", 1, mobile="0912.555.001", email="Binh@Vungtau.Baria-Vungtau.gov.vn"),
        _person("UBND Phường 7", "Lê Văn Cường", 2, mobile="0912 555 001",               # copied her mobile
                email="binh@vungtau.baria-vungtau.gov.vn"),                               # and her e-mail
        _person("UBND Phường 8", "Phạm Văn Dũng", 3, mobile="0912 555 003"),
        _person("UBND Phường 8", "Võ Thị Em", 4, mobile="0912 555 003"),                 # nobody's own per roster
    ]
    roster = Roster([
        RosterEntry("phuong-7", "Trần Thị Bình", "Chủ tịch", dt.date(2020, 1, 1), None,
                    mobile="0912 555 001", email="binh@vungtau.baria-vungtau.gov.vn"),
        RosterEntry("phuong-7", "Lê Văn Cường", "Phó Chủ tịch", dt.date(2020, 1, 1), None, mobile="0912 555 002"),
        RosterEntry("phuong-8", "Phạm Văn Dũng", "Chủ tịch", dt.date(2020, 1, 1), None),
    ])
    frames = build_frames([], people, PROFILE, REGISTRY)
    ctx = _ctx(index_ok=False)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, roster, ctx)
    directory = facts["directory"]
    assert list(directory["mobile_shared"]) == [0, 1, 1, 1]
    assert list(directory["email_shared"]) == [0, 1, 0, 0]
    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY, night=ctx.night)
    assert {(f.subject, f.field) for f in findings if f.category == "duplicate_contact"} == {
        ("Lê Văn Cường", "mobile"), ("Lê Văn Cường", "email"), ("Phạm Văn Dũng", "mobile"), ("Võ Thị Em", "mobile")}


def test_a_shared_contact_names_who_else_lists_it_three_at_most_then_a_count():
    """A duplicate's message says with whom the value is shared (so the unit knows which rows to
    compare) in a sentence with its noun ("trùng với số điện thoại di động của ..."): the others in
    directory order, three at most, then how many more."""
    from portalwatch.profile.roster import Roster, RosterEntry

    people = [
        _person("UBND Phường 7", "Trần Thị Bình", 1, mobile="0912.555.001", email="binh@vungtau.baria-vungtau.gov.vn"),
        _person("UBND Phường 7", "Lê Văn Cường", 2, mobile="0912 555 001", email="binh@vungtau.baria-vungtau.gov.vn"),
    ] + [_person("UBND Phường 9", f"Người {n}", 2 + n, mobile="0912 555 009") for n in range(1, 6)]
    roster = Roster([RosterEntry("phuong-7", "Trần Thị Bình", "Chủ tịch", dt.date(2020, 1, 1), None,
                                 mobile="0912 555 001")])
    frames = build_frames([], people, PROFILE, REGISTRY)
    ctx = _ctx(index_ok=False)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, roster, ctx)
    directory = facts["directory"]
    assert list(directory["mobile_shared_with"]) == [
        None, ("Trần Thị Bình",), ("Người 2", "Người 3", "Người 4"), ("Người 1", "Người 3", "Người 4"),
        ("Người 1", "Người 2", "Người 4"), ("Người 1", "Người 2", "Người 3"), ("Người 1", "Người 2", "Người 3")]
    assert list(directory["email_shared_with"][:2]) == [("Lê Văn Cường",), ("Trần Thị Bình",)]

    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY, night=ctx.night)
    shared = {(f.subject, f.field): f for f in findings if f.category == "duplicate_contact"}
    copied = shared["Lê Văn Cường", "mobile"]
    assert copied.message_vi == ('Số điện thoại di động của Lê Văn Cường (Ủy ban nhân dân Phường 7), "0912 555 001", '
                                 'trùng với số điện thoại di động của Trần Thị Bình trong danh bạ.')
    assert copied.message_en == ('The mobile number of Lê Văn Cường (Ủy ban nhân dân Phường 7), "0912 555 001", '
                                 'is also listed for Trần Thị Bình.')
    assert copied.suggestion == ("Kiểm tra số điện thoại di động của Lê Văn Cường và của Trần Thị Bình, rồi gửi "
                                 "số điện thoại di động đúng của Lê Văn Cường cho Ban biên tập.")
    email = shared["Trần Thị Bình", "email"]          # the roster gives no e-mail: both rows are told
    assert email.message_vi == ('Địa chỉ thư điện tử của Trần Thị Bình (Ủy ban nhân dân Phường 7), '
                                '"binh@vungtau.baria-vungtau.gov.vn", trùng với địa chỉ thư điện tử của Lê Văn Cường '
                                'trong danh bạ.')
    many = shared["Người 1", "mobile"]
    assert many.message_vi.endswith(
        '"0912 555 009", trùng với số điện thoại di động của Người 2, Người 3, Người 4 và 1 người khác trong danh bạ.')
    assert many.message_en.endswith("is also listed for Người 2, Người 3, Người 4 and 1 other.")


def test_a_contact_shared_with_another_units_person_names_that_unit():
    """A ward's clerk told that a deputy's mobile is "also listed for Vũ Kim Yến" cannot tell that she
    is of the city's People's Committee: someone of another unit is named with the unit; someone of
    the same unit is not, as the message already names it."""
    people = [_person("UBND Phường 7", "Trần Thị Bình", 1, mobile="0912 555 001"),
              _person("UBND Phường 7", "Lê Văn Cường", 2, mobile="0912 555 001"),
              _person("UBND Phường 9", "Ngô Văn Hải", 3, mobile="0912 555 001")]
    frames = build_frames([], people, PROFILE, REGISTRY)
    ctx = _ctx(index_ok=False)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, None, ctx)
    assert list(facts["directory"]["mobile_shared_with"]) == [
        ("Lê Văn Cường", "Ngô Văn Hải (Ủy ban nhân dân Phường 9)"),
        ("Trần Thị Bình", "Ngô Văn Hải (Ủy ban nhân dân Phường 9)"),
        ("Trần Thị Bình (Ủy ban nhân dân Phường 7)", "Lê Văn Cường (Ủy ban nhân dân Phường 7)")]
    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY, night=ctx.night)
    hai = next(f for f in findings if f.subject == "Ngô Văn Hải" and f.category == "duplicate_contact")
    assert hai.message_vi.endswith("trùng với số điện thoại di động của Trần Thị Bình (Ủy ban nhân dân Phường 7) "
                                   "và Lê Văn Cường (Ủy ban nhân dân Phường 7) trong danh bạ.")


@pytest.mark.parametrize("names, total, vi, en", [
    (("An",), 1, "An", "An"),
    (("An", "Bình"), 2, "An và Bình", "An and Bình"),
    (("An", "Bình", "Chi"), 3, "An, Bình và Chi", "An, Bình and Chi"),
    (("An", "Bình", "Chi"), 5, "An, Bình, Chi và 2 người khác", "An, Bình, Chi and 2 others"),
    (None, 0, "", ""),
])
def test_the_others_sharing_a_contact_are_named_then_counted(names, total, vi, en):
    from portalwatch.findings.build import named_people

    assert (named_people(names, total, "vi"), named_people(names, total, "en")) == (vi, en)


def test_a_night_parses_each_phone_number_once_however_big_the_directory():
    """Deriving the facts reads every number the night normalised: none is parsed again, also
    when the directory holds more numbers than a cache of fixed size would keep (70,000 here)."""
    from portalwatch import night as stages
    from portalwatch.normalise.phones import PHONES, parse_phones

    config = stages.Config(profile=PROFILE, registry=REGISTRY, suites=[], roster=None)
    people = [_person("UBND Phường 7", f"Người {i}", 0, office_phone=f"0254 3{i:06d}", mobile=None, email=None)
              for i in range(70_000)]
    parse_phones("0909 123 456")                       # left from an earlier night: emptied first
    frames = stages.normalise([], people, config)
    assert len(PHONES) == PHONES.parsed == 70_000      # tonight's numbers, each parsed once
    ctx = NightContext(night=dt.date(2022, 6, 13), region="VN", area_codes=("254",), old_area_codes={"64": "254"},
                       email_domains=(), placeholders=PROFILE.checks.placeholders, index_ok=False)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, None, ctx)
    assert PHONES.parsed == 70_000, "a number was parsed again"
    assert (facts["directory"]["office_phone_status"] == "ok").all()


def test_numbers_parsed_on_an_earlier_night_are_not_parsed_again(tmp_path, monkeypatch, caplog):
    """The night's numbers are kept beside the portal's nights: the next night parses only the new
    ones and gives the same frames; the file keeps tonight's numbers only, and one written by
    another version of the parser, or unreadable, is parsed around, never trusted."""
    import json

    from portalwatch import night as stages
    from portalwatch.normalise import phones
    from portalwatch.normalise.phones import PHONES

    config = stages.Config(profile=PROFILE, registry=REGISTRY, suites=[], roster=None)
    cache = stages.phone_cache(tmp_path, config)
    numbers = ["0254 3852 361", "(0254) 3.852.362", "ĐT: 0254 3852 363 - Fax: 0254 3852 364", "064 3852 365",
               "0912 000 101", "01689 000 102", "12345", "0254 3852 366; 0912 000 103"]
    people = [_person("UBND Phường 7", f"Người {i}", 0, office_phone=n, mobile="0912 000 199", email=None)
              for i, n in enumerate(numbers)]
    first = stages.normalise([], people, config, cache=cache)
    assert PHONES.parsed == len(numbers) + 1 and cache.is_file()

    real = phones._parse_phones
    monkeypatch.setattr(phones, "_parse_phones", lambda text, region: pytest.fail(f"{text!r} parsed again"))
    again = stages.normalise([], people, config, cache=cache)
    assert PHONES.parsed == 0
    pd.testing.assert_frame_equal(again.directory, first.directory)

    monkeypatch.setattr(phones, "_parse_phones", real)
    fewer = people[:2] + [_person("UBND Phường 7", "Người mới", 0, office_phone="0254 3852 399", mobile=None,
                                  email=None)]
    stages.normalise([], fewer, config, cache=cache)
    assert PHONES.parsed == 1, "only the new number is parsed"
    kept = json.loads(cache.read_text(encoding="utf-8"))["regions"]["VN"]
    assert set(kept) == {numbers[0], numbers[1], "0912 000 199", "0254 3852 399"}, "tonight's numbers only"

    def tamper(version, packed):
        cache.write_text(json.dumps({"version": version, "regions": {"VN": {t: packed for t in kept}}}),
                         encoding="utf-8")

    fresh = stages.normalise([], fewer, config)
    for version, packed in (("another-parser", "+84999;;;"), (PHONES.version, "+84999"),
                            (PHONES.version, ["+84999"])):
        tamper(version, packed)
        trusted = stages.normalise([], fewer, config, cache=cache)
        assert PHONES.parsed == 4, f"{packed!r} of version {version} is parsed around"
        pd.testing.assert_frame_equal(trusted.directory, fresh.directory)
    cache.write_text("{not json", encoding="utf-8")
    stages.normalise([], fewer, config, cache=cache)
    assert PHONES.parsed == 4 and str(cache) in caplog.text
    assert json.loads(cache.read_text(encoding="utf-8"))["version"] == PHONES.version, "written again"


def test_each_suite_is_checked_on_its_own_columns_with_its_own_checkpoint(tmp_path, facts, monkeypatch):
    """Ops can re-run one suite from the kept project; and a suite's batch holds only the columns
    its rules read (Great Expectations filters the whole batch for every expectation)."""
    import great_expectations as gx

    given: dict[str, list[str]] = {}
    run = gx.Checkpoint.run

    def spy(self, *args, batch_parameters=None, **kwargs):
        given[self.name] = list(batch_parameters["dataframe"].columns)
        return run(self, *args, batch_parameters=batch_parameters, **kwargs)

    monkeypatch.setattr(gx.Checkpoint, "run", spy)
    suites = load_suites(PROFILE)
    project = tmp_path / "gx"
    run_suites(suites, facts, project)
    context = gx.get_context(mode="file", project_root_dir=str(project))
    checked = [s for s in suites if len(facts[s.frame])]
    assert len(checked) >= 3
    for suite in checked:
        checkpoint = context.checkpoints.get(f"portalwatch_{suite.name}")
        assert [d.suite.name for d in checkpoint.validation_definitions] == [suite.name]
        read = {rule.column_for(f, suite) for rule in suite.rules for f in rule.fields}
        assert set(given[checkpoint.name]) == read, suite.name
        # the kept suite states every rule on every field, as the YAML does
        kept = context.suites.get(suite.name)
        stated = sorted((rule.rule, f) for rule in suite.rules for f in rule.fields)
        assert sorted((e.meta["rule"], e.meta["field"]) for e in kept.expectations) == stated, suite.name


def test_findings_are_exactly_the_seeded_problems(findings):
    got = {(f.unit_id, f.subject, f.field, f.category) for f in findings}
    assert got == {
        ("phuong-7", "unit", "email", "missing"),
        ("phuong-7", "unit", "fax", "placeholder"),
        ("phuong-8", "unit", "phone", "placeholder"),
        ("phuong-8", "unit", "address", "missing"),
        ("phuong-7", "Trần Thị Bình", "mobile", "missing"),
        ("phuong-7", "Lê Văn Cường", "email", "placeholder"),
    }


def test_finding_carries_evidence_and_legal_basis(findings):
    fax = next(f for f in findings if f.field == "fax")
    assert fax.value == "Đang cập nhật"
    assert fax.unit_name == "Ủy ban nhân dân Phường 7"   # the registry's name, not the page's
    assert fax.url == "http://portal.test/Ủy ban nhân dân Phường 7"
    assert fax.severity == "high"
    # 13/6/2022: Decree 43/2011 was in force (Decree 42/2022 only from 15/8/2022)
    assert fax.legal_basis == ("khoản 1 Điều 10 Nghị định số 43/2011/NĐ-CP; "
                               "điểm đ khoản 1 Điều 19 Luật Tiếp cận thông tin năm 2016")
    assert fax.message_vi == 'Trang giới thiệu của Ủy ban nhân dân Phường 7 chỉ ghi "Đang cập nhật" ở mục số fax.'
    assert "fax number" in fax.message_en
    assert "Ban biên tập" in fax.suggestion


def test_a_unit_missing_from_the_index_shows_no_value_seen():
    """Nothing was seen of a unit without a page: its finding says so (no value), not "nan"."""
    units = [_unit("Ủy ban nhân dân Phường 7")]
    frames = build_frames(units, [], PROFILE, REGISTRY)
    ctx = _ctx(index_ok=True)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, None, ctx)
    missing = [f for f in build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY,
                                         night=ctx.night)
               if f.category == "unit_missing"]
    assert {f.unit_id for f in missing} == set(REGISTRY.units) - {"phuong-7"}
    assert all(f.value is None and "nan" not in f.message_vi + f.message_en + f.expected for f in missing)


def test_keys_are_stable_and_distinct(findings):
    keys = [f.key for f in findings]
    assert len(set(keys)) == len(keys)
    from portalwatch.findings.model import finding_key
    email = next(f for f in findings if f.field == "email" and f.subject == "unit")
    assert email.key == finding_key("vungtau-2022", "phuong-7", "unit", "email", "unit_field_present")


def test_findings_jsonl_round_trip_is_nfc_utf8(tmp_path, findings):
    path = write_findings(findings, tmp_path / "findings.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(findings)
    assert "Ủy ban nhân dân" in lines[0]  # not \\u-escaped
    assert {tuple(sorted(json.loads(line))) for line in lines} == {tuple(sorted(findings[0].to_dict()))}
    assert read_findings(path) == sorted(findings, key=lambda f: (f.unit_id, f.subject, f.field, f.rule))


def test_leaders_that_differ_between_the_page_and_the_directory_are_named_on_each_side():
    """"(+1 chỉ có trong danh bạ)" told the unit the lists differ, not whom to add or remove: each
    side's names are given, three at most and then a count."""
    units = [_unit("UBND Phường 7", leaders=["Trần Thị Bình", "Lê Văn An"])]
    people = [_person("UBND Phường 7", name, n) for n, name in
              enumerate(["Trần Thị Bình", "Ngô Văn Cao", "Đỗ Thị Dung", "Phan Văn Em", "Vũ Thị Gấm"], start=1)]
    frames = build_frames(units, people, PROFILE, REGISTRY)
    ctx = _ctx(index_ok=False)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, None, ctx)
    assert list(facts["units"]["leaders_mismatch"]) == [
        "trên trang, không có trong danh bạ: Lê Văn An; "
        "trong danh bạ, không có trên trang: Ngô Văn Cao, Đỗ Thị Dung, Phan Văn Em và 1 người khác"]
    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY, night=ctx.night)
    leaders = next(f for f in findings if f.rule == "unit_leaders_agree_with_directory")
    assert leaders.message_vi == ("Danh sách lãnh đạo trên trang của Ủy ban nhân dân Phường 7 không khớp với Danh bạ "
                                  "điện thoại: trên trang, không có trong danh bạ: Lê Văn An; trong danh bạ, không có "
                                  "trên trang: Ngô Văn Cao, Đỗ Thị Dung, Phan Văn Em và 1 người khác.")



def test_a_leader_who_left_is_told_once_not_again_as_a_leaders_mismatch():
    """A leader who left, still in the directory, is the leader_left finding; the page-versus-
    directory finding does not name them again."""
    from portalwatch.profile.roster import Roster, RosterEntry

    units = [_unit("UBND Phường 7", leaders=["Trần Thị Bình"])]
    people = [_person("UBND Phường 7", "Trần Thị Bình", 1), _person("UBND Phường 7", "Đỗ Văn Hải", 2)]
    roster = Roster([RosterEntry("phuong-7", "Trần Thị Bình", "Chủ tịch", dt.date(2020, 1, 1), None),
                     RosterEntry("phuong-7", "Đỗ Văn Hải", "Phó Chủ tịch", dt.date(2020, 1, 1), dt.date(2022, 5, 31))])
    frames = build_frames(units, people, PROFILE, REGISTRY)
    ctx = _ctx(index_ok=False)
    facts = derive_facts(frames.units, frames.directory, REGISTRY, roster, ctx)
    assert list(facts["units"]["leaders_mismatch"]) == [None]
    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, REGISTRY, night=ctx.night)
    assert [(f.subject, f.category) for f in findings if f.category in ("leader_left", "inconsistent")] == [
        ("Đỗ Văn Hải", "leader_left")]
    # without the roster, nothing says he left: the lists differ, and the finding names him
    facts = derive_facts(frames.units, frames.directory, REGISTRY, None, ctx)
    assert list(facts["units"]["leaders_mismatch"]) == ["trong danh bạ, không có trên trang: Đỗ Văn Hải"]
    # on the page only, no directory finding tells of him: this one does
    on_page = build_frames([_unit("UBND Phường 7", leaders=["Trần Thị Bình", "Đỗ Văn Hải"])], people[:1], PROFILE,
                           REGISTRY)
    facts = derive_facts(on_page.units, on_page.directory, REGISTRY, roster, ctx)
    assert list(facts["units"]["leaders_mismatch"]) == ["trên trang, không có trong danh bạ: Đỗ Văn Hải"]
