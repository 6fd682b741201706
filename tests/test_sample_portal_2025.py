"""Tests of the second layout of the sample portal: the ward portal of Phường Vũng Tàu (2025).

Same contract as the first layout (tests/test_sample_portal.py): the correct base data is clean,
every seeded defect is shown as declared, and the served markup follows what the profile in
profiles/phuong-vung-tau-2025/ reads — here with a server-rendered, paginated phone directory.
No browser: pages are fetched over plain HTTP and read back with regular expressions.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import html
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import holidays
import pytest
import yaml

from sample_portal import SCENARIOS_DIR, SamplePortal, Scenario, load_scenario
from sample_portal.roster import HEADER, read_roster_csv, read_roster_xlsx, write_roster_xlsx
from sample_portal.scenario import ScenarioError
from sample_reading import digits, get, text, valid_mobile, valid_numbers
from sample_reading import portal_left_healthy, served_portal  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
NAME = "phuong-vung-tau-2025"
PROFILE = ROOT / "profiles" / NAME
OFFICIAL_EMAIL = re.compile(r"^[a-z0-9._-]+@([a-z0-9-]+\.)*hochiminhcity\.gov\.vn$")
UNIT_KEYS = {"unit_id", "slug", "unit_name", "intro", "address", "phone", "fax", "email", "leaders",
             "updated", "listed", "status"}
DIRECTORY_KEYS = {"unit_id", "unit_name", "person_name", "position", "office_phone", "mobile", "email"}
DATE = "%d-%m-%Y"
PAGE_SIZE = 10
VN_HOLIDAYS = holidays.country_holidays("VN", years=range(2024, 2027))


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return load_scenario(NAME)


def working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in VN_HOLIDAYS


def shown(value: str) -> str:
    """A value as a reader sees it: NFC, whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", value)).strip()


# ---------------------------------------------------------------------------- scenario
def test_scenario_loads(sc: Scenario) -> None:
    assert sc.name == NAME and sc.layout == "phuongvungtau2025"
    assert sc.nights == 14
    assert sc.night_date(1) == dt.date(2025, 9, 8) and sc.night_date(1).weekday() == 0
    assert sc.night_date(14) == dt.date(2025, 9, 21)
    assert len(sc.units) == 12
    assert load_scenario(SCENARIOS_DIR / f"{NAME}.yaml").name == sc.name
    with pytest.raises(ValueError):
        sc.source_units(15)


def test_scenario_file_is_nfc() -> None:
    text = (SCENARIOS_DIR / f"{NAME}.yaml").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_units_of_the_ward(sc: Scenario) -> None:
    ids = [u["id"] for u in sc.units]
    assert ids[:5] == ["ubnd-phuong", "van-phong", "phong-kinh-te-ha-tang-do-thi", "phong-van-hoa-xa-hoi",
                       "trung-tam-hcc"]
    assert ids[5:] == [f"khu-pho-{n}" for n in range(1, 8)]
    names = {u["id"]: u["name"] for u in sc.units}
    assert names["ubnd-phuong"] == "Ủy ban nhân dân Phường Vũng Tàu"
    assert names["phong-kinh-te-ha-tang-do-thi"] == "Phòng Kinh tế, Hạ tầng và Đô thị"
    assert names["phong-van-hoa-xa-hoi"] == "Phòng Văn hóa – Xã hội"
    assert names["khu-pho-7"] == "Khu phố 7"
    assert [u["group"] for u in sc.units] == ["lanh-dao"] + ["phong-ban"] * 4 + ["phuong-xa"] * 7
    head = sc.units[0]
    assert [p["position"] for p in head["people"]] == ["Chủ tịch UBND phường"] + ["Phó Chủ tịch UBND phường"] * 2
    for u in sc.units:
        assert 2 <= len(u["people"]) <= 3, u["id"]
        assert "Phó" not in u["people"][0]["position"] and all("Phó" in p["position"] for p in u["people"][1:])
    rows = sum(len(u["people"]) for u in sc.units)
    assert 3 * PAGE_SIZE < rows <= 4 * PAGE_SIZE   # the directory spans four pages, the last one short


def test_loader_checks_layout_and_date_format(tmp_path: Path) -> None:
    original = yaml.safe_load((SCENARIOS_DIR / f"{NAME}.yaml").read_text(encoding="utf-8"))
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path = tmp_path / "broken.yaml"

    data = copy.deepcopy(original)
    data["layout"] = "vungtau2030"
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.yaml: key 'layout'.*phuongvungtau2025"):
        load_scenario(path)

    data = copy.deepcopy(original)
    data["units"][2]["updated"] = "03/09/2025"   # the 2022 layout's format
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"units\[2\]\(phong-kinh-te-ha-tang-do-thi\)\.updated'.*dd-mm-yyyy"):
        load_scenario(path)


def test_base_data_is_clean(sc: Scenario) -> None:
    """The correct data must cause no finding at all, on any night."""
    last_night = sc.night_date(sc.nights)
    seen_numbers: dict[str, str] = {}
    seen_emails: dict[str, str] = {}
    for u in sc.units:
        assert u["intro"] and u["address"], u["id"]
        assert "Phường Vũng Tàu" in u["address"], u["id"]
        assert valid_numbers(u["phone"]), (u["id"], u["phone"])
        assert valid_numbers(u["fax"]), (u["id"], u["fax"])
        assert digits(u["fax"]) != digits(u["phone"]), u["id"]
        assert OFFICIAL_EMAIL.match(u["email"]), u["email"]
        updated = dt.datetime.strptime(u["updated"], DATE).date()
        assert dt.date(2025, 7, 1) <= updated < sc.start_date, (u["id"], u["updated"])
        assert working_day(updated) and (last_night - updated).days <= 45, (u["id"], u["updated"])
        for p in u["people"]:
            who = f"{u['id']}/{p['name']}"
            assert valid_numbers(p["office_phone"]) and digits(p["office_phone"]).startswith("0254"), who
            assert valid_mobile(p["mobile"]), who
            assert OFFICIAL_EMAIL.match(p["email"]), who
            for number in (digits(p["office_phone"]), digits(p["mobile"])):
                assert seen_numbers.setdefault(number, who) == who, f"{number} shared by {who} and {seen_numbers[number]}"
            assert seen_emails.setdefault(p["email"], who) == who
    assert len({u["email"] for u in sc.units}) == len(sc.units)
    unit_numbers = [digits(x) for u in sc.units for f in ("phone", "fax") for x in u[f].split(" - ")]
    assert len(unit_numbers) == len(set(unit_numbers))


def test_multiple_real_world_phone_formats(sc: Scenario) -> None:
    phones = [u["phone"] for u in sc.units]
    assert any(p.startswith("(0254) ") for p in phones)
    assert any(re.fullmatch(r"0254\.\d{4}\.\d{3}", p) for p in phones)
    assert any(p.startswith("(84-254) ") for p in phones)
    assert any(p.startswith("+84 254 ") for p in phones)
    assert any(" - " in p for p in phones)
    offices = {re.sub(r"\d", "9", p["office_phone"]) for u in sc.units for p in u["people"]}
    assert len(offices) >= 3


def test_roster_matches_base_directory(sc: Scenario) -> None:
    rows = read_roster_csv(PROFILE / "roster.csv")
    current = sorted((r["unit_id"], r["person_name"], r["position"], r["office_phone"], r["mobile"], r["email"])
                     for r in rows if not r["effective_to"])
    base = sorted((u["id"], p["name"], p["position"], p["office_phone"], p["mobile"], p["email"])
                  for u in sc.units for p in u["people"])
    assert current == base
    former = [r for r in rows if r["effective_to"]]
    assert len(former) == 1
    assert dt.date.fromisoformat(former[0]["effective_to"]) < sc.start_date
    replaced = next(d for d in sc.defects if d.replace_person)
    w = replaced.replace_person["with"]
    assert (former[0]["unit_id"], former[0]["person_name"], former[0]["mobile"]) == (replaced.unit, w["name"], w["mobile"])
    successor = next(r for r in rows if r["person_name"] == replaced.replace_person["name"])
    assert dt.date.fromisoformat(former[0]["effective_to"]) < dt.date.fromisoformat(successor["effective_from"])
    for r in rows:
        start = dt.date.fromisoformat(r["effective_from"])
        assert dt.date(2025, 7, 1) <= start < sc.start_date and working_day(start), r["person_name"]


def test_roster_xlsx_agrees_with_csv(tmp_path: Path) -> None:
    assert read_roster_xlsx(PROFILE / "roster.xlsx") == read_roster_csv(PROFILE / "roster.csv")
    out = tmp_path / "roster.xlsx"
    assert write_roster_xlsx(PROFILE / "roster.csv", out) == len(read_roster_csv(PROFILE / "roster.csv"))
    assert read_roster_xlsx(out) == read_roster_csv(PROFILE / "roster.csv")
    with open(PROFILE / "roster.csv", encoding="utf-8") as f:
        assert next(csv.reader(f)) == HEADER


def test_registry_covers_every_unit(sc: Scenario) -> None:
    reg = yaml.safe_load((PROFILE / "registry.yaml").read_text(encoding="utf-8"))
    assert reg["vp_office"] == "van-phong"
    assert [u["id"] for u in reg["units"]] == [u["id"] for u in sc.units]
    by_id = {u["id"]: u for u in sc.units}
    for entry in reg["units"]:
        assert entry["name"] == by_id[entry["id"]]["name"]
        assert entry["kind"] == ("ward" if entry["id"] == "ubnd-phuong" else "office")
        assert entry["responsible"] == "van-phong"
        assert entry["aliases"] and entry["alerts"]["slack"] == f"#pwv-{entry['id']}"
        assert entry["alerts"]["email"] == [by_id[entry["id"]]["email"]]


def test_profile_registry_and_roster_load_in_the_monitor(sc: Scenario) -> None:
    from portalwatch.profile.loader import load_profile
    from portalwatch.profile.registry import load_registry
    from portalwatch.profile.roster import load_roster

    profile = load_profile(PROFILE / "profile.yaml")
    assert profile.name == NAME and profile.date_formats == ("%d-%m-%Y",)
    directory = profile.page("directory")
    assert directory.urls == ("/danh-ba?trang=1",) and directory.render is False
    assert directory.next_page == "nav.pager a.pager-next" and directory.max_pages == 20
    assert profile.contacts.email_domains == ("hochiminhcity.gov.vn",)
    assert profile.page("unit_page").field("updated").clean[0]("Cập nhật: 05-09-2025") == "05-09-2025"
    registry = load_registry(profile.registry_path)
    roster = load_roster(profile.roster_path, set(registry.units))
    xlsx = load_roster(PROFILE / "roster.xlsx", set(registry.units))
    assert len(roster.entries) == len(xlsx.entries) == 33
    for u in sc.source_units(1):   # every name the portal shows is matched, NFD included
        assert registry.match(u["unit_name"]).id == u["unit_id"]


def test_seeded_defects_cover_the_required_kinds(sc: Scenario) -> None:
    pairs = {(e["field"], e["category"]) for d in sc.defects for e in d.expect}
    assert pairs == {
        ("phone", "missing"), ("fax", "placeholder"), ("mobile", "old_numbering"), ("email", "unofficial_email"),
        ("updated_at", "stale"), ("email", "duplicate_contact"), ("person", "leader_left"),
        ("person", "leader_missing"), ("page", "unit_missing"), ("page", "page_unreachable")}
    assert any(d.nfd and not d.expect for d in sc.defects)
    assert any("<!channel>" in d.set_fields.get("intro", "") and not d.expect for d in sc.defects)
    with_findings = [d for d in sc.defects if d.expect]
    assert len({d.unit for d in sc.defects}) == len(sc.defects)           # one unit per defect
    assert any(d.first_night == 1 for d in with_findings)
    assert any(d.first_night > 1 for d in with_findings)                   # appears mid-run
    assert any(d.last_night == sc.nights for d in with_findings)           # never fixed
    assert len({d.last_night for d in with_findings if d.last_night < sc.nights}) >= 3
    assert any(len(d.nights) > 1 for d in with_findings)                   # fixed, then comes back
    old = next(d for d in sc.defects if d.set_person.get("mobile", "").startswith("0169"))
    base = next(p for u in sc.units for p in u["people"] if p["name"] == old.person)
    assert digits(old.set_person["mobile"]) == "0169" + digits(base["mobile"])[3:]   # 0169 -> 039
    assert digits(base["mobile"]).startswith("039")
    stale = next(d for d in sc.defects if "updated" in d.set_fields)
    assert (sc.start_date - dt.datetime.strptime(stale.set_fields["updated"], DATE).date()).days > 365
    assert working_day(dt.datetime.strptime(stale.set_fields["updated"], DATE).date())


def test_person_defects_are_on_directory_pages(sc: Scenario) -> None:
    """Each person defect is shown on a directory page; together they reach the first and the last page."""
    pages_hit = set()
    for d in sc.defects:
        for who in (d.person, d.replace_person and d.replace_person["with"]["name"]):
            if not who:
                continue
            rows = sc.source_directory(d.first_night)
            index = next(i for i, r in enumerate(rows) if r["person_name"] == who and r["unit_id"] == d.unit)
            pages_hit.add(index // PAGE_SIZE + 1)
    n_pages = -(-len(sc.source_directory(1)) // PAGE_SIZE)
    assert {1, n_pages} <= pages_hit


def test_ground_truth_per_night(sc: Scenario) -> None:
    missing_phone = {"unit_id": "phong-kinh-te-ha-tang-do-thi", "subject": "unit", "field": "phone",
                     "category": "missing"}
    assert [missing_phone in sc.ground_truth(n) for n in (2, 3, 9, 10)] == [False, True, True, False]
    yahoo = {"unit_id": "khu-pho-4", "subject": "Quách Thị Ngọc Mai", "field": "email", "category": "unofficial_email"}
    assert [yahoo in sc.ground_truth(n) for n in (4, 5, 9, 10, 14)] == [True, False, False, True, True]
    fax = {"unit_id": "trung-tam-hcc", "subject": "unit", "field": "fax", "category": "placeholder"}
    assert all(fax in sc.ground_truth(n) for n in range(1, sc.nights + 1))
    for n in range(1, sc.nights + 1):
        gt = sc.ground_truth(n)
        keys = [(g["unit_id"], g["subject"], g["field"], g["category"]) for g in gt]
        assert keys == sorted(set(keys))
        assert all(set(g) == {"unit_id", "subject", "field", "category"} for g in gt)
    left = [g for g in sc.ground_truth(2) if g["unit_id"] == "ubnd-phuong"]
    assert {(g["subject"], g["category"]) for g in left} == {("Đoàn Quang Vinh", "leader_left"),
                                                            ("Phạm Minh Khôi", "leader_missing")}
    dup = [g for g in sc.ground_truth(5) if g["category"] == "duplicate_contact"]
    # the roster says the address is Dương Thị Mỹ Hạnh's: only the row that copied it is at fault
    assert {(g["subject"], g["field"]) for g in dup} == {("Lý Văn Sang", "email")}
    assert [len(sc.ground_truth(n)) for n in range(1, 15)] == [4, 6, 7, 8, 8, 8, 8, 6, 5, 5, 4, 3, 2, 2]


def test_source_views_follow_the_defects(sc: Scenario) -> None:
    for n in (1, 6, 14):
        units = sc.source_units(n)
        assert len(units) == 12 and all(set(u) == UNIT_KEYS for u in units)
        rows = sc.source_directory(n)
        assert len(rows) == 32 and all(set(r) == DIRECTORY_KEYS for r in rows)
        for u in units:
            assert u["leaders"] == [r["person_name"] for r in rows if r["unit_id"] == u["unit_id"]]
    by_id = {u["unit_id"]: u for u in sc.source_units(6)}
    assert by_id["phong-kinh-te-ha-tang-do-thi"]["phone"] == ""
    assert by_id["trung-tam-hcc"]["fax"] == "Đang cập nhật"
    assert by_id["khu-pho-3"]["updated"] == "14-08-2024"
    assert by_id["khu-pho-5"]["listed"] is False and by_id["khu-pho-6"]["status"] == 404
    assert "Đoàn Quang Vinh" in by_id["ubnd-phuong"]["leaders"] and "Phạm Minh Khôi" not in by_id["ubnd-phuong"]["leaders"]
    nfd = by_id["khu-pho-2"]
    assert not unicodedata.is_normalized("NFC", nfd["address"])
    assert unicodedata.normalize("NFC", nfd["unit_name"]) == "Khu phố 2"
    assert [r["mobile"] for r in sc.source_directory(1) if r["mobile"].startswith("0169")] == ["0169 9000 231"]
    emails = [r["email"] for r in sc.source_directory(5)]
    assert emails.count("hanhdtm.phuongvungtau@hochiminhcity.gov.vn") == 2
    assert "khupho4.vungtau@yahoo.com" in [r["email"] for r in sc.source_directory(1)]


def test_cli_ground_truth() -> None:
    out = subprocess.run([sys.executable, "-m", "sample_portal", "ground-truth", "--scenario", NAME, "--night", "6"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out) == load_scenario(NAME).ground_truth(6)


# ---------------------------------------------------------------------------- server
def page(portal: SamplePortal, path: str) -> str:
    status, _, body = get(portal, path)
    assert status == 200, path
    return body.decode("utf-8")


def parse_unit_page(body: str) -> dict:
    """The fields of a unit page, read back with the profile's selectors (as regular expressions)."""
    main = re.search(r'<main class="org-detail"[^>]*>(.*?)</main>', body, re.S).group(1)
    fields = {"address": "", "phone": "", "fax": "", "email": "", "intro": "", "updated": ""}
    labels = {"Địa chỉ": "address", "Điện thoại": "phone", "Fax": "fax", "Thư điện tử": "email"}
    contact = re.search(r'<dl class="org-contact">(.*?)</dl>', main, re.S).group(1)
    for dt_, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", contact, re.S):
        fields[labels[dt_]] = text(dd)
    intro = re.search(r'<section class="org-intro">(.*?)</section>', main, re.S)
    if intro:
        fields["intro"] = text(intro.group(1))
    upd = re.search(r'<time class="last-updated" datetime="(\d{4}-\d{2}-\d{2})">Cập nhật: (.*?)</time>', main)
    if upd:
        fields["updated"] = text(upd.group(2))
        assert dt.datetime.strptime(fields["updated"], DATE).date().isoformat() == upd.group(1)
    fields["unit_name"] = text(re.search(r'<h2 class="org-title">(.*?)</h2>', main, re.S).group(1))
    leaders = re.search(r'<div class="org-leaders">(.*?)\n  </div>', main, re.S).group(1)
    fields["leaders"] = [text(x) for x in re.findall(r'<strong class="leader-name">(.*?)</strong>', leaders)]
    return fields


ROW = re.compile(r'<tr><td class="c-unit">(.*?)</td><td class="c-name">(.*?)</td><td class="c-title">(.*?)</td>'
                 r'<td class="c-office">(.*?)</td><td class="c-mobile">(.*?)</td><td class="c-email">(.*?)</td></tr>')
NEXT = re.compile(r'<nav class="pager"[^>]*>.*?<a class="pager-next" href="([^"]+)">Trang sau</a>.*?</nav>', re.S)


def read_directory(portal: SamplePortal) -> tuple[list[tuple[str, ...]], list[str]]:
    """Every row of the directory (NFC), following "Trang sau" from page 1 as the profile does."""
    rows, visited, path = [], [], "/danh-ba?trang=1"
    while path:
        assert path not in visited and len(visited) < 20
        visited.append(path)
        body = page(portal, path)
        rows += [tuple(shown(text(c)) for c in r) for r in ROW.findall(body)]
        m = NEXT.search(body)
        path = html.unescape(m.group(1)) if m else None
    return rows, visited


def test_home_page(portal: SamplePortal) -> None:
    status, headers, body = get(portal, "/")
    home = body.decode("utf-8")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="vi">' in home and '<header class="site-header">' in home and '<nav id="main-menu"' in home
    assert "<title>Cổng thông tin điện tử Phường Vũng Tàu</title>" in home
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', home, re.S).group(1)
    for part in ("Ủy ban nhân dân Phường Vũng Tàu", "Chịu trách nhiệm chính: Lê Thị Ngọc Diệp",
                 "Địa chỉ: 89 Lý Thường Kiệt, Phường Vũng Tàu, Thành phố Hồ Chí Minh",
                 "Điện thoại: (0254) 3 920 100", "bbt.phuongvungtau@hochiminhcity.gov.vn"):
        assert part in footer
    for href in ("/gioi-thieu", "/co-cau-to-chuc", "/tin-tuc", "/lich-cong-tac", "/danh-ba"):
        assert f'href="{href}"' in home
        assert get(portal, href)[0] == 200
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', home):
        assert get(portal, asset)[0] == 200
    assert '<li class="news-item"><a href="/tin-tuc/' in home
    # the 2022 layout's routes and assets are not part of this portal
    for old in ("/he-thong-chinh-tri", "/danh-ba-dien-thoai", "/api/danh-ba.json", "/static/danh-ba.js", "/van-ban"):
        assert get(portal, old)[0] == 404, old


def test_dated_sections(portal: SamplePortal) -> None:
    portal.set_night(3)   # Wednesday 10-09-2025
    schedule = page(portal, "/lich-cong-tac")
    assert "Lịch công tác tuần từ 08-09-2025 đến 14-09-2025" in schedule
    assert '<time datetime="2025-09-12">12-09-2025</time>' in schedule
    news = page(portal, "/tin-tuc")
    assert '<time datetime="2025-09-10">10-09-2025</time>' in news
    slug = re.search(r'href="/tin-tuc/([^"]+)"', news).group(1)
    assert get(portal, f"/tin-tuc/{slug}")[0] == 200
    assert get(portal, "/tin-tuc/khong-co")[0] == 404


def test_index_lists_listed_units_only(portal: SamplePortal, sc: Scenario) -> None:
    portal.set_night(4)
    index = page(portal, "/co-cau-to-chuc")
    for h2 in ("Lãnh đạo Ủy ban nhân dân phường", "Cơ quan chuyên môn và đơn vị trực thuộc", "Khu phố"):
        assert f"<h2>{h2}</h2>" in index
    assert index.count('<div class="org-grid">') == 3
    links = re.findall(r'<div class="org-card"><a class="org-link" href="/co-cau-to-chuc/([^"]+)">(.*?)</a>', index)
    listed = [(u["slug"], u["unit_name"]) for u in sc.source_units(4) if u["listed"]]
    assert [(s, text(n)) for s, n in links] == listed
    assert "khu-pho-5" not in {s for s, _ in links} and len(links) == 11
    assert get(portal, "/co-cau-to-chuc/khu-pho-5")[0] == 200   # unlisted, not gone


@pytest.mark.parametrize("night", [1, 6])
def test_unit_pages_show_source_units_exactly(portal: SamplePortal, sc: Scenario, night: int) -> None:
    portal.set_night(night)
    for u in sc.source_units(night):
        status, _, body = get(portal, f"/co-cau-to-chuc/{u['slug']}")
        assert status == u["status"], u["unit_id"]
        if status != 200:
            continue
        got = parse_unit_page(body.decode("utf-8"))
        for key in ("unit_name", "intro", "address", "phone", "fax", "email", "updated", "leaders"):
            assert got[key] == u[key], (u["unit_id"], key)


def test_absent_field_omits_its_pair_and_placeholders_are_shown(portal: SamplePortal) -> None:
    portal.set_night(3)
    unit = page(portal, "/co-cau-to-chuc/phong-kinh-te-ha-tang-do-thi")
    assert "<dt>Điện thoại</dt>" not in unit and "<dt>Fax</dt><dd>(84-254) 3920.203</dd>" in unit
    assert "<dt>Fax</dt><dd>Đang cập nhật</dd>" in page(portal, "/co-cau-to-chuc/trung-tam-hcc")
    assert '<time class="last-updated" datetime="2024-08-14">Cập nhật: 14-08-2024</time>' in \
        page(portal, "/co-cau-to-chuc/khu-pho-3")
    portal.set_night(10)
    assert "<dt>Điện thoại</dt><dd>(84-254) 3920.103</dd>" in page(portal, "/co-cau-to-chuc/phong-kinh-te-ha-tang-do-thi")


def test_404_pages(portal: SamplePortal) -> None:
    portal.set_night(6)
    status, _, body = get(portal, "/co-cau-to-chuc/khu-pho-6")
    assert status == 404 and "Không tìm thấy trang" in body.decode()
    assert "/co-cau-to-chuc/khu-pho-6" in page(portal, "/co-cau-to-chuc")   # still linked
    assert get(portal, "/co-cau-to-chuc/khu-pho-8")[0] == 404
    assert get(portal, "/static/../server.py")[0] == 404
    assert get(portal, "/static/../portal.css")[0] == 404   # the other layout's assets stay out


@pytest.mark.parametrize("night", [1, 5, 6])
def test_directory_pages_serve_every_row_exactly_once(portal: SamplePortal, sc: Scenario, night: int) -> None:
    portal.set_night(night)
    rows, visited = read_directory(portal)
    expected = [tuple(shown(r[k]) for k in ("unit_name", "person_name", "position", "office_phone", "mobile", "email"))
                for r in sc.source_directory(night)]
    assert rows == expected                        # every row once, in order: by unit, then position
    assert visited == [f"/danh-ba?trang={n}" for n in range(1, 5)]
    counts = [len(ROW.findall(page(portal, p))) for p in visited]
    assert counts == [10, 10, 10, 2]
    last = page(portal, visited[-1])
    assert "pager-next" not in last and 'class="pager"' in last and "Trang trước" in last
    assert get(portal, "/danh-ba?trang=5")[0] == 404
    assert get(portal, "/danh-ba?trang=0")[0] == 404
    assert get(portal, "/danh-ba?trang=abc")[0] == 404
    assert page(portal, "/danh-ba") == page(portal, "/danh-ba?trang=1")
    assert portal.source_directory() == sc.source_directory(night)


def test_directory_shows_unlisted_and_unreachable_units(portal: SamplePortal) -> None:
    portal.set_night(6)   # Khu phố 5 is off the index, Khu phố 6 answers 404
    units = {r[0] for r in read_directory(portal)[0]}
    assert {"Khu phố 5", "Khu phố 6"} <= units


def test_directory_table_markup(portal: SamplePortal) -> None:
    first = page(portal, "/danh-ba?trang=1")
    assert '<table class="contact-table">' in first and "<script" not in first
    assert ("<thead><tr><th>Đơn vị</th><th>Họ và tên</th><th>Chức vụ</th><th>Điện thoại cơ quan</th>"
            "<th>Di động</th><th>Thư điện tử</th></tr></thead>") in first
    assert '<nav class="pager" aria-label="Phân trang"><span class="pager-current">1</span>' in first
    assert '<a class="pager-next" href="/danh-ba?trang=2">Trang sau</a></nav>' in first
    etags = {get(portal, f"/danh-ba?trang={n}")[1]["etag"] for n in range(1, 5)}
    assert len(etags) == 4   # each page is its own resource
    etag = get(portal, "/danh-ba?trang=2")[1]["etag"]
    assert get(portal, "/danh-ba?trang=2", {"If-None-Match": etag})[0] == 304


def test_hostile_intro_is_served_as_text(portal: SamplePortal, sc: Scenario) -> None:
    unit = page(portal, "/co-cau-to-chuc/khu-pho-1")
    assert "<script>alert(1)</script>" not in unit
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;@U123&gt;" in unit
    intro = {u["unit_id"]: u for u in sc.source_units(1)}["khu-pho-1"]["intro"]
    assert parse_unit_page(unit)["intro"] == intro and "<!channel>" in intro


def test_nfd_text_is_served_as_nfd(portal: SamplePortal) -> None:
    unit = page(portal, "/co-cau-to-chuc/khu-pho-2")
    name = unicodedata.normalize("NFD", "Khu phố 2")
    assert f'<h2 class="org-title">{name}</h2>' in unit
    assert f'<td class="c-unit">{name}</td>' in page(portal, "/danh-ba?trang=2")


def test_fault_layout_changed(portal: SamplePortal) -> None:
    normal = {"org-grid", "org-card", "org-link", "org-detail", "org-title", "org-intro", "org-contact",
              "org-leaders", "leader", "leader-name", "leader-title", "last-updated", "contact-table", "c-unit",
              "c-name", "c-title", "c-office", "c-mobile", "c-email", "pager", "pager-next"}
    portal.faults.layout = "changed"
    served = page(portal, "/co-cau-to-chuc") + page(portal, "/co-cau-to-chuc/khu-pho-7") + \
        page(portal, "/danh-ba?trang=1")
    classes = {c for attr in re.findall(r'class="([^"]+)"', served) for c in attr.split()}
    assert not classes & normal
    assert {"unit-grid", "unit-link", "unit-detail", "unit-contact", "staff-table", "col-unit", "pagination",
            "next-link"} <= classes
    assert "<dt>Điện thoại</dt>" in served   # the content is unchanged, only the classes
    css = page(portal, "/static/site.css")
    assert ".org-card" not in css and ".unit-card" in css
    assert ".leader-title" not in css and ".person-role" in css and ".person {" in css
    portal.faults.layout = "normal"
    assert 'class="org-detail"' in page(portal, "/co-cau-to-chuc/khu-pho-7")


def test_set_night_changes_content(portal: SamplePortal, sc: Scenario) -> None:
    assert "Đoàn Quang Vinh" not in page(portal, "/co-cau-to-chuc/ubnd-phuong")
    portal.set_night(2)
    assert "Đoàn Quang Vinh" in page(portal, "/co-cau-to-chuc/ubnd-phuong")
    assert "Đoàn Quang Vinh" in page(portal, "/danh-ba?trang=1")
    assert portal.ground_truth() == sc.ground_truth(2)


def test_scale_mode_uses_the_layout(sc: Scenario) -> None:
    with SamplePortal(sc, scale_units=30, scale_rows=95) as p:
        assert p.ground_truth() == []
        assert page(p, "/co-cau-to-chuc").count('<a class="org-link" href="/co-cau-to-chuc/') == 30
        rows, visited = read_directory(p)
        assert len(rows) == 95 and len(visited) == 10
        unit = p.source_units()[0]
        assert parse_unit_page(page(p, f"/co-cau-to-chuc/{unit['slug']}"))["updated"] == "08-09-2025"
