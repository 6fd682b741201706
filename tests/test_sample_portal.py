"""Tests of the bundled sample portal: scenario, ground truth, roster and the HTTP server.

The monitor's own tests trust this portal as the reference, so these tests pin down that the
correct base data is really clean, that every seeded defect is shown as declared, and that the
served markup follows the contract the monitor's profile selectors rely on.
"""
from __future__ import annotations

import copy
import csv
import datetime as dt
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
import yaml

from sample_portal import SCENARIOS_DIR, Faults, SamplePortal, Scenario, load_scenario
from sample_portal.roster import HEADER, read_roster_csv, read_roster_xlsx, write_roster_xlsx
from sample_portal.scenario import ScenarioError
from sample_reading import digits, get, text, valid_mobile, valid_numbers
from sample_reading import portal_left_healthy, served_portal  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "profiles" / "vungtau-2022"
OFFICIAL_EMAIL = re.compile(r"^[a-z0-9._-]+@([a-z0-9-]+\.)*baria-vungtau\.gov\.vn$")
UNIT_KEYS = {"unit_id", "slug", "unit_name", "intro", "address", "phone", "fax", "email", "leaders",
             "updated", "listed", "status"}
DIRECTORY_KEYS = {"unit_id", "unit_name", "person_name", "position", "office_phone", "mobile", "email"}


@pytest.fixture(scope="module")
def sc() -> Scenario:
    return load_scenario("vungtau-2022")


# ---------------------------------------------------------------------------- scenario
def test_scenario_loads(sc: Scenario) -> None:
    assert sc.name == "vungtau-2022"
    assert sc.nights == 14
    assert len(sc.units) == 30
    assert sc.night_date(1) == dt.date(2022, 6, 13)
    assert sc.night_date(14) == dt.date(2022, 6, 26)
    ids = [d.id for d in sc.defects]
    assert len(ids) == len(set(ids))
    assert load_scenario(SCENARIOS_DIR / "vungtau-2022.yaml").name == sc.name
    with pytest.raises(ValueError):
        sc.source_units(15)


def test_units_cover_the_city(sc: Scenario) -> None:
    ids = {u["id"] for u in sc.units}
    wards = {f"phuong-{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)} | {
        "phuong-thang-nhat", "phuong-thang-nhi", "phuong-thang-tam", "phuong-nguyen-an-ninh", "phuong-rach-dua"}
    offices = {"van-phong", "phong-noi-vu", "phong-tu-phap", "phong-tai-chinh-ke-hoach",
               "phong-tai-nguyen-moi-truong", "phong-lao-dong", "phong-van-hoa-thong-tin", "phong-giao-duc",
               "phong-y-te", "thanh-tra", "phong-kinh-te", "phong-quan-ly-do-thi"}
    assert ids == wards | offices | {"ubnd-thanh-pho", "xa-long-son"}
    city = next(u for u in sc.units if u["id"] == "ubnd-thanh-pho")
    assert [p["position"] for p in city["people"]] == ["Chủ tịch", "Phó Chủ tịch", "Phó Chủ tịch"]
    for u in sc.units:
        assert 2 <= len(u["people"]) <= 3, u["id"]


def _write(tmp_path: Path, data: object, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_key_names_file_and_key(sc: Scenario, tmp_path: Path) -> None:
    original = yaml.safe_load((SCENARIOS_DIR / "vungtau-2022.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(original)
    del data["start_date"]
    with pytest.raises(ScenarioError, match=r"broken\.yaml: key 'start_date': missing required key"):
        load_scenario(_write(tmp_path, data))

    data = copy.deepcopy(original)
    del data["units"][3]["group"]
    with pytest.raises(ScenarioError, match=r"broken\.yaml: key 'units\[3\]\(phong-tu-phap\)\.group'"):
        load_scenario(_write(tmp_path, data))

    data = copy.deepcopy(original)
    data["defects"][0]["unit"] = "phuong-6"   # Vũng Tàu has no Phường 6
    with pytest.raises(ScenarioError, match=r"defects\[0\]\(missing-email-phuong-7\)\.unit'.*phuong-6"):
        load_scenario(_write(tmp_path, data))

    data = copy.deepcopy(original)
    data["defects"][1]["id"] = data["defects"][0]["id"]
    with pytest.raises(ScenarioError, match="duplicate defect id"):
        load_scenario(_write(tmp_path, data))

    data = copy.deepcopy(original)
    data["defects"][0]["nights"] = [5, 20]
    with pytest.raises(ScenarioError, match=r"nights\[0\]'.*\.\.14, got 20"):
        load_scenario(_write(tmp_path, data))


def test_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "syntax.yaml"
    bad.write_text("name: x\nunits: [\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"syntax\.yaml: invalid YAML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match=r"no-such-scenario\.yaml: scenario file not found"):
        load_scenario("no-such-scenario")


def test_a_folder_named_like_a_scenario_is_not_taken_for_it(sc: Scenario, tmp_path: Path, monkeypatch) -> None:
    """`portalwatch run --out .` makes a folder named for the portal in the working directory: the
    bundled scenario of that name is still the one loaded."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vungtau-2022").mkdir()
    assert load_scenario("vungtau-2022").name == sc.name


def test_scenario_file_is_nfc() -> None:
    text = (SCENARIOS_DIR / "vungtau-2022.yaml").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_base_data_is_clean(sc: Scenario) -> None:
    """The correct data must cause no finding at all, on any night."""
    last_night = sc.night_date(sc.nights)
    seen_numbers: dict[str, str] = {}
    seen_emails: dict[str, str] = {}
    for u in sc.units:
        assert u["intro"] and u["address"], u["id"]
        assert valid_numbers(u["phone"]), (u["id"], u["phone"])
        assert valid_numbers(u["fax"]), (u["id"], u["fax"])
        assert digits(u["fax"]) != digits(u["phone"]), u["id"]
        assert OFFICIAL_EMAIL.match(u["email"]), u["email"]
        updated = dt.datetime.strptime(u["updated"], "%d/%m/%Y").date()
        assert updated < sc.start_date and (last_night - updated).days <= 30, (u["id"], u["updated"])
        for p in u["people"]:
            who = f"{u['id']}/{p['name']}"
            assert valid_numbers(p["office_phone"]), who
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
    for r in rows:
        assert r["effective_from"] and dt.date.fromisoformat(r["effective_from"]) < sc.start_date


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
    assert reg["ops"] == {"slack": "#pw-ops", "email": ["ops@portalwatch.invalid"]}
    assert [u["id"] for u in reg["units"]] == [u["id"] for u in sc.units]
    names = {u["id"]: u["name"] for u in sc.units}
    for entry in reg["units"]:
        assert entry["name"] == names[entry["id"]]
        assert entry["kind"] in ("city", "office", "ward", "commune")
        assert entry["responsible"] == "van-phong"
        assert entry["aliases"] and entry["alerts"]["slack"].startswith("#pw-")
    p7 = next(e for e in reg["units"] if e["id"] == "phuong-7")
    assert p7["aliases"] == ["UBND Phường 7", "Phường 7", "P.7"]
    assert p7["alerts"]["email"] == ["p7@vungtau.baria-vungtau.gov.vn"]


def test_seeded_defects_cover_the_required_kinds(sc: Scenario) -> None:
    pairs = {(e["field"], e["category"]) for d in sc.defects for e in d.expect}
    assert pairs >= {
        ("email", "missing"), ("fax", "missing"), ("address", "placeholder"), ("phone", "placeholder"),
        ("email", "placeholder"), ("mobile", "old_numbering"), ("phone", "old_numbering"),
        ("email", "unofficial_email"), ("updated_at", "stale"), ("person", "leader_left"),
        ("person", "leader_missing"), ("mobile", "duplicate_contact"), ("page", "unit_missing"),
        ("page", "page_unreachable"), ("mobile", "missing")}
    assert any(d.nfd and not d.expect for d in sc.defects)
    assert any("<script>" in d.set_fields.get("intro", "") and not d.expect for d in sc.defects)
    with_findings = [d for d in sc.defects if d.expect]
    units = [d.unit for d in sc.defects if d.unit]                         # section defects have none
    assert len(set(units)) == len(units)                                   # one unit per defect
    assert any(d.first_night == 1 for d in with_findings)
    assert any(d.first_night > 1 for d in with_findings)                   # appears mid-run
    assert any(d.last_night == sc.nights for d in with_findings)           # never fixed
    assert len({d.last_night for d in with_findings if d.last_night < sc.nights}) >= 3
    assert any(len(d.nights) > 1 for d in with_findings)                   # fixed, then comes back


def test_ground_truth_per_night(sc: Scenario) -> None:
    missing_email = {"unit_id": "phuong-7", "subject": "unit", "field": "email", "category": "missing"}
    assert missing_email in sc.ground_truth(1)
    assert missing_email in sc.ground_truth(6)
    assert missing_email not in sc.ground_truth(7)
    gmail = {"unit_id": "phuong-thang-tam", "subject": "unit", "field": "email", "category": "unofficial_email"}
    assert [gmail in sc.ground_truth(n) for n in (4, 5, 9, 10)] == [True, False, False, True]
    for n in range(1, sc.nights + 1):
        gt = sc.ground_truth(n)
        keys = [(g["unit_id"], g["subject"], g["field"], g["category"]) for g in gt]
        assert keys == sorted(set(keys))
        assert all(set(g) == {"unit_id", "subject", "field", "category"} for g in gt)
    left = [g for g in sc.ground_truth(3) if g["unit_id"] == "phuong-rach-dua"]
    assert {g["category"] for g in left} == {"leader_left", "leader_missing"}
    # Đinh Đức Phong lists his head's mobile; the roster says it is Đặng Ngọc Hoa's, so her row is right
    dup = [g for g in sc.ground_truth(4) if g["category"] == "duplicate_contact"]
    assert [(g["subject"], g["field"]) for g in dup] == [("Đinh Đức Phong", "mobile")]


def test_source_views_follow_the_defects(sc: Scenario) -> None:
    for n in (1, 6, 14):
        units = sc.source_units(n)
        assert len(units) == 30 and all(set(u) == UNIT_KEYS for u in units)
        rows = sc.source_directory(n)
        assert all(set(r) == DIRECTORY_KEYS for r in rows)
        for u in units:
            assert u["leaders"] == [r["person_name"] for r in rows if r["unit_id"] == u["unit_id"]]
    by_id = {u["unit_id"]: u for u in sc.source_units(6)}
    assert by_id["phuong-7"]["email"] == ""
    assert by_id["phuong-12"]["status"] == 404
    assert by_id["phuong-11"]["listed"] is False
    assert by_id["phong-lao-dong"]["phone"] == "064.3900.107"
    assert {u["unit_id"]: u for u in sc.source_units(7)}["phuong-7"]["email"] == "p7@vungtau.baria-vungtau.gov.vn"
    nfd = by_id["phuong-nguyen-an-ninh"]
    assert not unicodedata.is_normalized("NFC", nfd["unit_name"])
    assert unicodedata.normalize("NFC", nfd["unit_name"]) == "Ủy ban nhân dân Phường Nguyễn An Ninh"
    old = [r for r in sc.source_directory(1) if r["mobile"].startswith("0168")]
    assert len(old) == 1 and old[0]["unit_id"] == "phong-y-te"
    assert any(r["unit_id"] == "phong-giao-duc" and r["mobile"] == "" for r in sc.source_directory(7))
    # the data handed out are copies
    sc.source_units(1)[0]["unit_name"] = "changed"
    assert sc.source_units(1)[0]["unit_name"] != "changed"


def test_cli_ground_truth() -> None:
    out = subprocess.run([sys.executable, "-m", "sample_portal", "ground-truth", "--night", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    assert json.loads(out) == load_scenario("vungtau-2022").ground_truth(1)


# ---------------------------------------------------------------------------- server
def parse_unit_page(body: str) -> dict:
    """The fields of a unit page, read back with the contract's selectors."""
    art = re.search(r'<article class="don-vi-chi-tiet">(.*?)</article>', body, re.S).group(1)
    fields = {"address": "", "phone": "", "fax": "", "email": "", "intro": "", "updated": ""}
    labels = {"Địa chỉ:": "address", "Điện thoại:": "phone", "Fax:": "fax", "Email:": "email"}
    table = re.search(r'<table class="thong-tin">(.*?)</table>', art, re.S).group(1)
    for th, td in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", table, re.S):
        fields[labels[th]] = text(td)
    intro = re.search(r'<div class="gioi-thieu">(.*?)</div>', art, re.S)
    if intro:
        fields["intro"] = text(intro.group(1))
    upd = re.search(r'<p class="ngay-cap-nhat">Ngày cập nhật: (.*?)</p>', art)
    if upd:
        fields["updated"] = text(upd.group(1))
    fields["unit_name"] = text(re.search(r'<h1 class="ten-don-vi">(.*?)</h1>', art, re.S).group(1))
    leaders = re.search(r'<ul class="lanh-dao">(.*?)</ul>', art, re.S).group(1)
    fields["leaders"] = [text(x) for x in re.findall(r'<span class="ho-ten">(.*?)</span>', leaders)]
    return fields


def test_home_page(portal: SamplePortal) -> None:
    status, headers, body = get(portal, "/")
    page = body.decode("utf-8")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    for footer in ("Cơ quan chủ quản: Ủy ban nhân dân thành phố Vũng Tàu", "Trưởng Ban biên tập",
                   "Địa chỉ: 89 Lý Thường Kiệt, Phường 1, TP. Vũng Tàu, tỉnh Bà Rịa - Vũng Tàu",
                   "Điện thoại: (0254) 3 900 100", "Email: bbt@vungtau.baria-vungtau.gov.vn"):
        assert footer in page
    assert '<footer class="chan-trang">' in page and '<nav class="menu-chinh">' in page
    for href in ("/gioi-thieu", "/he-thong-chinh-tri", "/tin-tuc", "/chi-dao-dieu-hanh/lich-cong-tac",
                 "/van-ban", "/du-thao", "/danh-ba-dien-thoai"):
        assert f'href="{href}"' in page
        assert get(portal, href)[0] == 200
    assert '<li class="bai-viet"><a href="/tin-tuc/' in page
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert get(portal, asset)[0] == 200
    assert "/static/logo.svg" in page and "/static/fonts/" in page
    assert get(portal, "/static/fonts/portal-sans.ttf")[2][:4] == b"\x00\x01\x00\x00"


def test_dated_sections(portal: SamplePortal) -> None:
    portal.set_night(2)   # Tuesday 14/06/2022, before any section defect
    page = get(portal, "/chi-dao-dieu-hanh/lich-cong-tac")[2].decode()
    assert "Lịch công tác tuần từ 13/06/2022 đến 19/06/2022" in page
    drafts = get(portal, "/du-thao")[2].decode()
    assert "Đang lấy ý kiến" in drafts and "Đã hết hạn" in drafts
    assert re.search(r'<span class="han-gop-y">Hạn góp ý: \d{2}/\d{2}/\d{4}</span>', drafts)
    docs = get(portal, "/van-ban")[2].decode()
    assert "Số/Ký hiệu:" in docs and '<span class="ngay-dang">12/06/2022</span>' in docs
    slug = re.search(r'href="/van-ban/([^"]+)"', docs).group(1)
    assert get(portal, f"/van-ban/{slug}")[0] == 200
    assert get(portal, "/van-ban/khong-co")[0] == 404


def test_index_lists_listed_units_only(portal: SamplePortal, sc: Scenario) -> None:
    portal.set_night(3)
    page = get(portal, "/he-thong-chinh-tri")[2].decode()
    for h2 in ("Lãnh đạo thành phố", "Các phòng, ban chuyên môn", "Các phường, xã"):
        assert f"<h2>{h2}</h2>" in page
    assert page.count('<ul class="ds-don-vi">') == 3
    links = re.findall(r'<a class="don-vi" href="/he-thong-chinh-tri/([^"]+)">(.*?)</a>', page)
    listed = [(u["slug"], u["unit_name"]) for u in sc.source_units(3) if u["listed"]]
    assert sorted((s, text(n)) for s, n in links) == sorted(listed)
    assert "phuong-11" not in {s for s, _ in links} and len(links) == 29
    assert get(portal, "/he-thong-chinh-tri/phuong-11")[0] == 200   # unlisted, not gone


@pytest.mark.parametrize("night", [1, 6])
def test_unit_pages_show_source_units_exactly(portal: SamplePortal, sc: Scenario, night: int) -> None:
    portal.set_night(night)
    for u in sc.source_units(night):
        status, _, body = get(portal, f"/he-thong-chinh-tri/{u['slug']}")
        assert status == u["status"], u["unit_id"]
        if status != 200:
            continue
        shown = parse_unit_page(body.decode("utf-8"))
        for key in ("unit_name", "intro", "address", "phone", "fax", "email", "updated", "leaders"):
            assert shown[key] == u[key], (u["unit_id"], key)


def test_missing_field_row_is_omitted_and_placeholders_shown(portal: SamplePortal) -> None:
    page = get(portal, "/he-thong-chinh-tri/phuong-7")[2].decode()
    assert "<th>Email:</th>" not in page and "<th>Fax:</th>" in page
    page = get(portal, "/he-thong-chinh-tri/phuong-thang-nhat")[2].decode()
    assert "<tr><th>Địa chỉ:</th><td>Đang cập nhật</td></tr>" in page
    assert "<tr><th>Điện thoại:</th><td>...</td></tr>" in page
    assert "<tr><th>Email:</th><td>xxx</td></tr>" in page


def test_404_pages(portal: SamplePortal) -> None:
    portal.set_night(6)
    status, _, body = get(portal, "/he-thong-chinh-tri/phuong-12")
    assert status == 404 and "Không tìm thấy trang" in body.decode()
    assert "phuong-12" in get(portal, "/he-thong-chinh-tri")[2].decode()   # still linked
    assert get(portal, "/khong-ton-tai")[0] == 404
    assert get(portal, "/he-thong-chinh-tri/phuong-6")[0] == 404
    assert get(portal, "/static/../server.py")[0] == 404


def test_directory_page_has_no_rows(portal: SamplePortal) -> None:
    page = get(portal, "/danh-ba-dien-thoai")[2].decode()
    assert "<td" not in page
    assert ('<ul class="tabs"><li data-tab="lanh-dao">Lãnh đạo thành phố</li><li data-tab="phong-ban">'
            'Các phòng, ban</li><li data-tab="phuong-xa">Phường, xã</li></ul>') in page
    for tab in ("lanh-dao", "phong-ban", "phuong-xa"):
        assert f'<div class="tab-pane" id="{tab}"></div>' in page
    assert '<script src="/static/danh-ba.js"></script>' in page
    js = get(portal, "/static/danh-ba.js")[2].decode()
    assert "/api/danh-ba.json" in js and "textContent" in js and "innerHTML" not in js
    assert 'dataset.danhBa = "ready"' in js


@pytest.mark.parametrize("night", [1, 7])
def test_directory_json_holds_every_row(portal: SamplePortal, sc: Scenario, night: int) -> None:
    portal.set_night(night)
    status, headers, body = get(portal, "/api/danh-ba.json")
    assert status == 200 and headers["content-type"] == "application/json; charset=utf-8"
    data = json.loads(body)
    assert data["cap_nhat"] == sc.night_date(night).strftime("%d/%m/%Y")
    assert [g["tab"] for g in data["nhom"]] == ["lanh-dao", "phong-ban", "phuong-xa"]
    served = [{"unit_name": u["ten"], "person_name": p["ho_ten"], "position": p["chuc_vu"],
               "office_phone": p["dt_co_quan"], "mobile": p["di_dong"], "email": p["email"]}
              for g in data["nhom"] for u in g["don_vi"] for p in u["nguoi"]]
    expected = [{k: v for k, v in r.items() if k != "unit_id"} for r in sc.source_directory(night)]
    assert served == expected
    assert portal.source_directory() == sc.source_directory(night)


def test_set_night_changes_content(portal: SamplePortal) -> None:
    assert "<th>Email:</th>" not in get(portal, "/he-thong-chinh-tri/phuong-7")[2].decode()
    portal.set_night(7)
    assert portal.night == 7
    assert "<tr><th>Email:</th><td>p7@vungtau.baria-vungtau.gov.vn</td></tr>" in \
        get(portal, "/he-thong-chinh-tri/phuong-7")[2].decode()
    assert portal.ground_truth() == load_scenario("vungtau-2022").ground_truth(7)
    with pytest.raises(ValueError):
        portal.set_night(0)


def test_hostile_intro_is_served_as_text(portal: SamplePortal, sc: Scenario) -> None:
    page = get(portal, "/he-thong-chinh-tri/phuong-5")[2].decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;@U123&gt;" in page
    intro = {u["unit_id"]: u for u in sc.source_units(1)}["phuong-5"]["intro"]
    assert parse_unit_page(page)["intro"] == intro and "<!channel>" in intro


def test_nfd_text_is_served_as_nfd(portal: SamplePortal) -> None:
    page = get(portal, "/he-thong-chinh-tri/phuong-nguyen-an-ninh")[2].decode()
    name = unicodedata.normalize("NFD", "Ủy ban nhân dân Phường Nguyễn An Ninh")
    assert f'<h1 class="ten-don-vi">{name}</h1>' in page


def test_etag_and_conditional_requests(portal: SamplePortal) -> None:
    status, headers, body = get(portal, "/he-thong-chinh-tri/phuong-7")
    etag, last_modified = headers["etag"], headers["last-modified"]
    assert status == 200 and etag.startswith('"') and last_modified.endswith("GMT")
    assert get(portal, "/he-thong-chinh-tri/phuong-7")[1]["etag"] == etag   # cached, stable
    status, headers, body = get(portal, "/he-thong-chinh-tri/phuong-7", {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["etag"] == etag
    assert get(portal, "/he-thong-chinh-tri/phuong-7", {"If-None-Match": '"other"'})[0] == 200
    assert get(portal, "/he-thong-chinh-tri/phuong-7", {"If-Modified-Since": last_modified})[0] == 304
    portal.set_night(7)   # the page changes: the old ETag no longer matches
    status, headers, _ = get(portal, "/he-thong-chinh-tri/phuong-7", {"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag


def test_keep_alive_and_request_log(portal: SamplePortal) -> None:
    host, port = portal.base_url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    for path in ("/", "/gioi-thieu", "/he-thong-chinh-tri"):
        conn.request("GET", path)
        r = conn.getresponse()
        assert r.status == 200 and int(r.getheader("Content-Length")) == len(r.read())
    conn.close()
    assert portal.request_log[-3:] == [("GET", "/"), ("GET", "/gioi-thieu"), ("GET", "/he-thong-chinh-tri")]


def test_fault_status_and_slow(portal: SamplePortal) -> None:
    portal.faults.status["/he-thong-chinh-tri/phuong-7"] = 500
    status, _, body = get(portal, "/he-thong-chinh-tri/phuong-7")
    assert status == 500 and "Lỗi máy chủ" in body.decode()
    assert get(portal, "/he-thong-chinh-tri/phuong-8")[0] == 200
    portal.faults.status.clear()
    portal.faults.slow_ms["/he-thong-chinh-tri/"] = 300
    t = time.perf_counter()
    assert get(portal, "/he-thong-chinh-tri/phuong-8")[0] == 200
    assert time.perf_counter() - t >= 0.3   # the delay is applied (a lower bound, never a speed target)
    assert get(portal, "/gioi-thieu")[0] == 200


def test_fault_layout_changed(portal: SamplePortal) -> None:
    portal.faults.layout = "changed"
    unit = get(portal, "/he-thong-chinh-tri/phuong-8")[2].decode()
    assert 'class="thong-tin"' not in unit and 'class="info-table"' in unit
    assert 'class="ten-don-vi"' not in unit and 'class="lanh-dao"' not in unit
    assert 'class="ngay-cap-nhat"' not in unit
    index = get(portal, "/he-thong-chinh-tri")[2].decode()
    assert 'class="ds-don-vi"' not in index and 'class="unit-list"' in index
    js = get(portal, "/static/danh-ba.js")[2].decode()
    assert '"danh-ba"' not in js and '"phone-book"' in js and '"ten-don-vi"' not in js
    assert "/api/danh-ba.json" in js
    portal.faults.layout = "normal"
    assert 'class="thong-tin"' in get(portal, "/he-thong-chinh-tri/phuong-8")[2].decode()


def test_fault_down_and_hang(portal: SamplePortal) -> None:
    portal.faults.down = True
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        get(portal, "/")
    portal.faults.down = False
    assert get(portal, "/")[0] == 200
    portal.faults.hang.add("/du-thao")
    t = time.perf_counter()
    with pytest.raises((socket.timeout, TimeoutError)):
        get(portal, "/du-thao", timeout=0.5)
    assert time.perf_counter() - t >= 0.5
    assert get(portal, "/tin-tuc")[0] == 200   # other paths still answer
    portal.faults.hang.clear()
    assert get(portal, "/du-thao")[0] == 200


def test_faults_given_at_construction(sc: Scenario) -> None:
    with SamplePortal(sc, night=2, faults=Faults(status={"/": 503})) as p:
        assert get(p, "/")[0] == 503
        assert get(p, "/gioi-thieu")[0] == 200
    with pytest.raises(RuntimeError):
        _ = p.base_url


def test_scale_mode(sc: Scenario) -> None:
    p = SamplePortal(sc, scale_units=2000, scale_rows=20000)
    units, rows = p.source_units(), p.source_directory()
    assert len(units) == 2000 and len(rows) == 20000
    assert units[0]["unit_name"] == "Đơn vị thử nghiệm 0001" and set(units[0]) == UNIT_KEYS
    assert p.ground_truth() == []
    assert len({r["mobile"] for r in rows}) == 20000 and all(valid_mobile(r["mobile"]) for r in rows[:50])
    assert SamplePortal(sc, scale_units=2000, scale_rows=20000).source_directory() == rows  # deterministic
    with p:
        page = get(p, "/he-thong-chinh-tri")[2].decode()
        assert page.count('<a class="don-vi" href="/he-thong-chinh-tri/') == 2000
        status, _, body = get(p, f"/he-thong-chinh-tri/{units[1]['slug']}")
        assert status == 200 and parse_unit_page(body.decode())["leaders"] == units[1]["leaders"]
        data = json.loads(get(p, "/api/danh-ba.json")[2])
        assert sum(len(u["nguoi"]) for g in data["nhom"] for u in g["don_vi"]) == 20000


def test_cli_serve() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sample_portal", "serve", "--night", "2", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        m = re.fullmatch(r"Sample portal: (http://127\.0\.0\.1:(\d+)/)\n", line)
        assert m, line
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(2)), timeout=5)
        conn.request("GET", "/he-thong-chinh-tri/phuong-rach-dua")
        assert "Bùi Hữu Quang" in conn.getresponse().read().decode()
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_a_client_that_hangs_up_is_not_a_server_error(capfd) -> None:
    """A browser closing its tabs resets its connections: the sample portal prints no traceback for
    that (it would hide real ones in a benchmark's output) and goes on serving."""
    import struct
    from urllib.parse import urlsplit

    with SamplePortal("vungtau-2022") as portal:
        address = urlsplit(portal.base_url)
        for _ in range(3):
            client = socket.create_connection((address.hostname, address.port))
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")          # a request cut short
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()                                              # RST, not FIN
        time.sleep(0.3)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
        connection.close()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "ConnectionResetError" not in captured.err, captured.err
