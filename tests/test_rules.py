"""Every rule of expectations/ with a passing and a failing case, in the messy formats portals use.

One synthetic night is built with a unit (or a person) per case and validated once through Great
Expectations; each case then asserts what its unit got.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from portalwatch.findings.build import build_findings
from portalwatch.normalise.frames import build_frames
from portalwatch.profile import load_profile
from portalwatch.profile.registry import Registry, Unit
from portalwatch.profile.roster import Roster, RosterEntry
from portalwatch.validate.facts import NightContext, derive_facts, email_status, phone_status
from portalwatch.validate.gx import run_suites
from portalwatch.validate.suites import load_suites

ROOT = Path(__file__).resolve().parents[1]
PROFILE = load_profile(ROOT / "profiles" / "vungtau-2022" / "profile.yaml")
NIGHT = dt.date(2022, 6, 13)
CTX = NightContext(night=NIGHT, area_codes=("254",), old_area_codes={"64": "254"},
                   email_domains=("baria-vungtau.gov.vn",), placeholders=PROFILE.checks.placeholders,
                   index_url="http://portal.test/he-thong-chinh-tri", directory_url="http://portal.test/danh-ba")

GOOD_UNIT = {"intro": "Giới thiệu.", "address": "1 Lê Lợi", "phone": "(0254) 3852 361", "fax": "(0254) 3852 362",
             "email": "u@vungtau.baria-vungtau.gov.vn", "updated": "01/06/2022", "leaders": []}

# case id -> (fields of its unit page, the (field, category) findings expected for it)
UNIT_CASES: dict[str, tuple[dict, set]] = {
    "good": ({}, set()),
    "phone-two-numbers": ({"phone": "0254 3852 363 - 0913 000 001"}, set()),
    "phone-with-fax-label": ({"phone": "ĐT: 0254 3852 364 - Fax: 0254 3852 365", "fax": "0254 3852 365"}, set()),
    "phone-84-254": ({"phone": "(84-254) 3727.444"}, set()),
    "phone-plus84": ({"phone": "+84 254 3852 366"}, set()),
    "phone-old-064": ({"phone": "064.3852.367"}, {("phone", "old_numbering")}),
    "fax-old-064": ({"fax": "(064) 3852 368"}, {("fax", "old_numbering")}),
    "phone-garbage": ({"phone": "liên hệ văn phòng"}, {("phone", "invalid_phone")}),
    "phone-too-short": ({"phone": "0254 385"}, {("phone", "invalid_phone")}),
    "phone-other-area": ({"phone": "(028) 3822 9999"}, {("phone", "invalid_phone")}),
    "phone-placeholder": ({"phone": "Đang cập nhật"}, {("phone", "placeholder")}),
    "phone-missing": ({"phone": None}, {("phone", "missing")}),
    "email-gmail": ({"email": "phuong9@gmail.com"}, {("email", "unofficial_email")}),
    "email-subdomain-ok": ({"email": "Email: P9@Vungtau.Baria-Vungtau.gov.vn"}, set()),
    "email-broken": ({"email": "p9 at vungtau"}, {("email", "invalid_email")}),
    "fax-same-as-phone": ({"phone": "0254 3852 369", "fax": "(0254) 3852 369"}, {("fax", "inconsistent")}),
    "updated-old": ({"updated": "15/01/2021"}, {("updated_at", "stale")}),
    "updated-just-in-limit": ({"updated": "20/12/2021"}, set()),
    "leaders-disagree": ({"leaders": ["Người Không Có"]}, {("leaders", "inconsistent")}),
}

DIRECTORY_CASES: dict[str, tuple[dict, set]] = {
    "Nguyễn Văn Tốt": ({}, set()),
    "Trần Văn Cũ": ({"mobile": "0168 9000 123"}, {("mobile", "old_numbering")}),
    "Lê Thị Sai": ({"mobile": "0912 00"}, {("mobile", "invalid_phone")}),
    "Phạm Văn Yahoo": ({"email": "pham@yahoo.com"}, {("email", "unofficial_email")}),
    "Hồ Văn Trùng": ({"mobile": "0912 000 999"}, {("mobile", "duplicate_contact")}),
    "Hồ Thị Trùng": ({"mobile": "0912.000.999"}, {("mobile", "duplicate_contact")}),
    "Võ Văn Nghỉ": ({}, {("person", "leader_left")}),
}


def _unit_id(case: str) -> str:
    return f"u-{case}"


@pytest.fixture(scope="module")
def outcome():
    units = {_unit_id(c): Unit(_unit_id(c), f"Đơn vị {c}", "office") for c in UNIT_CASES}
    units["u-dir"] = Unit("u-dir", "Phòng Danh bạ", "office")
    units["u-unlisted"] = Unit("u-unlisted", "Phòng Vắng Mặt", "office")
    units["u-gone"] = Unit("u-gone", "Phòng Mất Trang", "office")
    units["u-error"] = Unit("u-error", "Phòng Lỗi Máy Chủ", "office")
    registry = Registry(units=units)
    unit_records = []
    for case, (fields, _) in UNIT_CASES.items():
        record = {**GOOD_UNIT, **fields, "unit_name": f"Đơn vị {case}", "page_url": f"http://portal.test/{case}",
                  "http_status": 200, "link_text": ""}
        unit_records.append(record)
    unit_records.append({"unit_name": None, "link_text": "Phòng Mất Trang", "page_url": "http://portal.test/gone",
                         "http_status": 404})
    unit_records.append({"unit_name": None, "link_text": "Phòng Lỗi Máy Chủ", "page_url": "http://portal.test/err",
                         "http_status": 503})
    unit_records.append({**GOOD_UNIT, "unit_name": "Phòng Danh bạ", "page_url": "http://portal.test/dir",
                         "http_status": 200, "link_text": "", "leaders": list(DIRECTORY_CASES)})
    people, entries = [], []
    for n, (name, (fields, _)) in enumerate(DIRECTORY_CASES.items()):
        people.append({"unit_name": "Phòng Danh bạ", "person_name": name, "position": "Phó Trưởng phòng",
                       "office_phone": f"0254 3900 2{n:02d}", "mobile": f"0912 000 2{n:02d}",
                       "email": f"p{n}@vungtau.baria-vungtau.gov.vn", "page_url": "http://portal.test/danh-ba",
                       **fields})
        left = dt.date(2022, 5, 31) if name == "Võ Văn Nghỉ" else None
        entries.append(RosterEntry("u-dir", name, "Phó Trưởng phòng", dt.date(2020, 1, 1), left))
    people.append({"unit_name": "Đơn vị leaders-disagree", "person_name": "Người Có Trong Danh Bạ",
                   "position": "Trưởng phòng", "office_phone": "0254 3900 299", "mobile": "0912 000 299",
                   "email": "ld@vungtau.baria-vungtau.gov.vn", "page_url": "http://portal.test/danh-ba"})
    entries.append(RosterEntry("u-dir", "Đặng Văn Mới", "Trưởng phòng", dt.date(2022, 6, 1), None))
    entries.append(RosterEntry("u-dir", "Tạ Văn Sắp", "Phó Trưởng phòng", dt.date(2022, 7, 1), None))
    frames = build_frames(unit_records, people, PROFILE, registry)
    facts = derive_facts(frames.units, frames.directory, registry, Roster(entries), CTX)
    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, registry, night=NIGHT)
    return findings, facts


def _got(findings, unit_id, subject="unit"):
    return {(f.field, f.category) for f in findings if f.unit_id == unit_id and f.subject == subject}


@pytest.mark.parametrize("case", list(UNIT_CASES))
def test_unit_rules(outcome, case):
    findings, _ = outcome
    assert _got(findings, _unit_id(case)) == UNIT_CASES[case][1]


@pytest.mark.parametrize("person", list(DIRECTORY_CASES))
def test_directory_rules(outcome, person):
    findings, _ = outcome
    assert _got(findings, "u-dir", person) == DIRECTORY_CASES[person][1]


def test_roster_person_not_listed_is_leader_missing_but_not_before_taking_office(outcome):
    findings, _ = outcome
    assert _got(findings, "u-dir", "Đặng Văn Mới") == {("person", "leader_missing")}
    assert _got(findings, "u-dir", "Tạ Văn Sắp") == set()


def test_leader_findings_quote_what_the_directory_shows_of_them(outcome):
    """A leader who left is quoted as the directory shows the row ("name – position"); one in
    office who is missing shows nothing, since nothing of theirs is displayed. The messages still
    name the position, and the keys (history) are those of the same person, field and rule."""
    from portalwatch.findings.model import finding_key

    findings, _ = outcome
    left = next(f for f in findings if f.subject == "Võ Văn Nghỉ")
    assert left.value == "Võ Văn Nghỉ – Phó Trưởng phòng"
    assert left.message_vi == ("Danh bạ vẫn ghi Võ Văn Nghỉ (Phó Trưởng phòng, Phòng Danh bạ), người đã thôi giữ "
                               "chức vụ theo danh sách nhân sự chủ chốt.")
    assert left.key == finding_key(PROFILE.name, "u-dir", "Võ Văn Nghỉ", "person", "leader_still_in_office")
    missing = next(f for f in findings if f.subject == "Đặng Văn Mới")
    assert missing.value is None
    assert missing.message_vi == ("Danh bạ điện thoại chưa có Đặng Văn Mới (Trưởng phòng, Phòng Danh bạ) theo danh "
                                  "sách nhân sự chủ chốt.")
    assert "(Trưởng phòng, Phòng Danh bạ)" in missing.message_en
    assert missing.key == finding_key(PROFILE.name, "u-dir", "Đặng Văn Mới", "person", "leader_listed")


def test_completeness(outcome):
    findings, _ = outcome
    assert _got(findings, "u-unlisted") == {("page", "unit_missing")}
    assert _got(findings, "u-gone") == {("page", "page_unreachable")}
    gone = next(f for f in findings if f.unit_id == "u-gone")
    assert gone.value == "HTTP 404" and gone.url == "http://portal.test/gone"
    assert _got(findings, "u-error") == set(), "a 5xx is the portal's problem (ops), not the unit's"


def test_old_number_finding_suggests_the_new_number(outcome):
    findings, _ = outcome
    finding = next(f for f in findings if f.unit_id == "u-dir" and f.subject == "Trần Văn Cũ")
    assert finding.value == "0168 9000 123"
    assert finding.suggestion == "Gửi Ban biên tập đề nghị sửa số điện thoại di động của Trần Văn Cũ thành 0389 000 123."
    assert finding.message_vi.startswith("Số điện thoại di động của Trần Văn Cũ")


def test_stale_message_counts_whole_working_days(outcome):
    import re

    findings, _ = outcome
    stale = next(f for f in findings if f.unit_id == _unit_id("updated-old"))
    assert re.search(r"ngày 15/01/2021, cách đây \d+ ngày làm việc\.$", stale.message_vi), stale.message_vi
    assert stale.value == "15/01/2021", "the site's own text stays the evidence"


def test_stale_counts_working_days(outcome):
    findings, facts = outcome
    import numpy as np

    units = facts["units"].set_index("unit_id")
    age = units.loc[_unit_id("updated-just-in-limit"), "updated_age_wd"]
    weekdays = int(np.busday_count(dt.date(2021, 12, 21), NIGHT + dt.timedelta(days=1)))
    # 20/12/2021 -> 13/06/2022 holds 125 weekdays, of which 9 are days off: 3/1 (New Year observed),
    # 31/1-4/2 (Tết), 11/4 (Hùng Kings observed), 2/5 and 3/5 (30/4 and 1/5 observed)
    assert weekdays == 125 and age == 116 and _got(findings, _unit_id("updated-just-in-limit")) == set()


def test_checks_stand_aside_when_the_index_or_directory_was_not_read():
    from portalwatch.validate.facts import _registry, _roster

    ctx = NightContext(night=NIGHT, index_ok=False, directory_ok=False)
    assert _registry(pd.DataFrame(columns=["unit_id", "http_status", "page_url"]), [], ctx).empty
    assert _roster(pd.DataFrame(columns=["unit_id", "person_name"]), Roster([]), ctx).empty


@pytest.mark.parametrize("raw, status", [
    ("0254 3852 361", "ok"), ("064 3852 361", "old_numbering"), ("0123 456", "invalid"), (None, None),
    ("...", None), ("(028) 3822 9999", "other_area"), ("0913 000 001", "ok"),
])
def test_phone_status(raw, status):
    assert phone_status(raw, CTX)[0] == status


@pytest.mark.parametrize("raw, status", [
    ("u@vungtau.baria-vungtau.gov.vn", "ok"), ("u@gmail.com", "unofficial"), ("không có", "invalid"),
    ("xxx", None), (None, None), ("a@baria-vungtau.gov.vn; b@yahoo.com", "unofficial"),
])
def test_email_status(raw, status):
    assert email_status(raw, CTX) == status


def test_section_duties():
    """The weekly schedule must reach the current week; an expired draft must not be listed as open."""
    from portalwatch.normalise.frames import SECTION_COLUMNS

    def item(section, duty, **kw):
        return {**{c: None for c in SECTION_COLUMNS}, "section": section, "duty": duty, "unit_id": "u-dir",
                "page_url": "http://portal.test/s", **kw}

    monday = NIGHT - dt.timedelta(days=NIGHT.weekday())
    sections = pd.DataFrame([
        item("lich-cu", "current_week", date=monday - dt.timedelta(days=3), date_raw="old"),
        item("lich-moi", "current_week", date=monday, date_raw="new"),
        item("lich-moi", "current_week", date=monday - dt.timedelta(days=7), date_raw="older"),
        item("du-thao", "open_until_deadline", title="Hết hạn mà còn mở", deadline=NIGHT - dt.timedelta(days=1),
             deadline_raw="x", status_raw="Đang lấy ý kiến"),
        item("du-thao", "open_until_deadline", title="Hết hạn, đã đóng", deadline=NIGHT - dt.timedelta(days=1),
             deadline_raw="x", status_raw="Đã hết hạn"),
        item("du-thao", "open_until_deadline", title="Còn hạn", deadline=NIGHT, deadline_raw="x",
             status_raw="Đang lấy ý kiến"),
    ], columns=SECTION_COLUMNS).astype(object)
    empty_units = build_frames([], [], PROFILE, Registry(units={"u-dir": Unit("u-dir", "Phòng Danh bạ", "office")}))
    facts = derive_facts(empty_units.units, empty_units.directory, Registry(units={}), None, CTX, sections,
                         {"du-thao": ("Đang lấy ý kiến",)})
    assert sorted(zip(facts["schedules"]["newest_raw"], facts["schedules"]["current"])) == [("new", True),
                                                                                           ("old", False)]
    assert dict(zip(facts["drafts"]["title"], facts["drafts"]["open_past_deadline"])) == {
        "Hết hạn mà còn mở": True, "Hết hạn, đã đóng": False, "Còn hạn": False}
    registry = Registry(units={"u-dir": Unit("u-dir", "Phòng Danh bạ", "office")})
    findings = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, registry, night=NIGHT)
    assert sorted((f.subject, f.field, f.category) for f in findings) == [
        ("Hết hạn mà còn mở", "draft", "stale"), ("unit", "schedule", "stale")]


def test_messages_name_the_portal_by_its_title():
    """A ward's portal is a "Cổng thông tin điện tử": messages name it as the profile's title does."""
    from portalwatch.validate.gx import Failure

    suites = {s.name: s for s in load_suites(PROFILE)}
    registry = Registry(units={"u1": Unit("u1", "Ủy ban nhân dân phường Một", "ward")})
    row = {"unit_id": "u1", "page_url": "http://portal.test/u1", "phone_raw": None}
    title = "Cổng thông tin điện tử phường Vũng Tàu"

    def one(suite: str, rule: str, field: str):
        spec = suites[suite]
        index = next(i for i, r in enumerate(spec.rules) if r.rule == rule)
        return build_findings([Failure(spec, index, field, row, None)], "p", registry, title, night=NIGHT)[0]

    assert one("units_required", "unit_field_present", "phone").suggestion == \
        f"Gửi số điện thoại của đơn vị cho Ban biên tập {title} để đăng tải."
    assert one("registry_completeness", "unit_on_index", "page").message_vi == \
        f"Ủy ban nhân dân phường Một không có trong danh sách đơn vị của {title}."
    # what is required names the portal, not the Vũng Tàu portal's menu ("Hệ thống chính trị")
    assert one("registry_completeness", "unit_on_index", "page").expected.startswith(
        f"Đơn vị có trang trong danh sách đơn vị của {title} / ")


def test_what_is_required_is_said_in_the_portals_own_terms():
    """A unit told a number or an address is wrong learns the area code, the mail domain, the age limit
    and the kind of stand-in text it must replace, as the profile sets them."""
    from portalwatch.findings.build import message_hints
    from portalwatch.validate.gx import Failure

    suites = {s.name: s for s in load_suites(PROFILE)}
    registry = Registry(units={"u1": Unit("u1", "Phòng Một", "office")})
    row = {"unit_id": "u1", "page_url": "http://portal.test/u1", "person_name": "Nguyễn Văn A"}

    def expected(suite: str, rule: str, field: str, hints=message_hints(PROFILE)) -> str:
        spec = suites[suite]
        index = next(i for i, r in enumerate(spec.rules) if r.rule == rule)
        finding = build_findings([Failure(spec, index, field, row, "x")], "p", registry, night=NIGHT, hints=hints)[0]
        return finding.expected.split(" / ")[0]

    assert expected("units_contacts", "unit_phone_valid", "phone") == \
        "Một số điện thoại hợp lệ của địa phương: số cố định mã vùng 0254 hoặc số di động 10 chữ số"
    assert expected("directory_contacts", "leader_email_official", "email") == \
        "Thư điện tử công vụ trên tên miền baria-vungtau.gov.vn"
    assert expected("units_required", "unit_field_not_placeholder", "fax") == \
        "Số fax cụ thể, không ghi tạm như \"Đang cập nhật\""
    assert expected("units_freshness", "unit_page_updated_recently", "updated") == \
        "Trang được rà soát, cập nhật ít nhất một lần trong 120 ngày làm việc"
    # without a profile's values, the same texts are worded in general terms, never left as "{...}"
    generic = expected("units_contacts", "unit_email_official", "email", hints=None)
    assert generic == "Thư điện tử công vụ trên tên miền chính thức của cơ quan nhà nước" and "{" not in generic


@pytest.mark.parametrize("title, named", [("Quy định về bãi tắm", 'Dự thảo "Quy định về bãi tắm"'),
                                          ("Dự thảo Quy định về bãi tắm", '"Dự thảo Quy định về bãi tắm"'),
                                          ("DỰ THẢO Kế hoạch", '"DỰ THẢO Kế hoạch"')])
def test_a_drafts_title_that_says_du_thao_is_not_prefixed_again(title, named):
    from portalwatch.normalise.frames import SECTION_COLUMNS

    sections = pd.DataFrame([{**{c: None for c in SECTION_COLUMNS}, "unit_id": "u-dir", "section": "du-thao",
                              "duty": "open_until_deadline", "title": title, "deadline": NIGHT - dt.timedelta(days=1),
                              "deadline_raw": "x", "status_raw": "Đang lấy ý kiến", "page_url": "http://portal.test/s"}],
                            columns=SECTION_COLUMNS).astype(object)
    empty = build_frames([], [], PROFILE, Registry(units={}))
    facts = derive_facts(empty.units, empty.directory, Registry(units={}), None, CTX, sections,
                         {"du-thao": ("Đang lấy ý kiến",)})
    registry = Registry(units={"u-dir": Unit("u-dir", "Phòng Danh bạ", "office")})
    (finding,) = build_findings(run_suites(load_suites(PROFILE), facts), PROFILE.name, registry, night=NIGHT)
    assert finding.message_vi.startswith(f"{named} đã hết hạn góp ý ngày")
