"""`profile check` names a selector that no longer matches, and passes on a profile that reads the portal."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROFILE_PATH
from portalwatch.profile import load_profile
from portalwatch.profile_check import check_profile

pytestmark = pytest.mark.browser


def test_bundled_profile_reads_the_sample_portal(portal):
    portal.set_night(1)
    report = check_profile(load_profile(PROFILE_PATH).with_base_url(portal.base_url), sample=3)
    assert report.ok and report.broken == []
    by_name = {(s.page_type, s.name): s for s in report.selectors}
    phone = by_name[("unit_page", "phone")]
    assert phone.total == 3 and phone.matched == 3 and phone.examples
    rows = by_name[("directory", "rows")]
    assert rows.matched == 1
    assert by_name[("directory", "person_name")].total > 50
    dates = {(d.page_type, d.name): d for d in report.dates}
    assert set(dates) == {("unit_page", "updated"), ("schedule", "date"), ("drafts", "date"), ("drafts", "deadline")}
    assert all(d.shown and d.read == d.shown and not d.unreadable for d in dates.values())


@pytest.mark.parametrize("name", ["phuong-vung-tau-2025"])
def test_the_2025_profile_reads_its_portal_and_fails_on_a_redesign(name, sites):
    from conftest import LAYOUTS

    site = sites(name)
    profile = load_profile(LAYOUTS[name]).with_base_url(site.portal.base_url)
    report = check_profile(profile, sample=2)
    assert report.ok, [(s.page_type, s.name) for s in report.broken]
    pages = {(s.page_type, s.name): s for s in report.selectors}
    assert pages[("directory", "rows")].matched == 2, "pagination followed for the sample"
    site.portal.faults.layout = "changed"
    try:
        from dataclasses import replace
        from portalwatch.profile.schema import RenderRules
        quick = replace(profile, render=RenderRules(concurrency=4, timeout_s=2, block=profile.render.block))
        broken = check_profile(quick, sample=2)
    finally:
        site.portal.faults.layout = "normal"
    assert not broken.ok and broken.broken


def test_a_broken_selector_is_named(portal, tmp_path):
    text = PROFILE_PATH.read_text(encoding="utf-8").replace('{css: "td.ho-ten", required: true}',
                                                             '{css: "td.ho-va-ten", required: true}')
    broken = tmp_path / "profile.yaml"
    broken.write_text(text.replace("registry: registry.yaml", f"registry: {PROFILE_PATH.parent}/registry.yaml")
                      .replace("roster: roster.csv", f"roster: {PROFILE_PATH.parent}/roster.csv"), encoding="utf-8")
    report = check_profile(load_profile(broken).with_base_url(portal.base_url), sample=2)
    assert [(s.page_type, s.name, s.selector) for s in report.broken] == [("directory", "person_name", "td.ho-va-ten")]

    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "profile", "check", str(broken),
                             "--base-url", portal.base_url, "--sample", "2"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 4
    assert "required selectors matched nothing: directory.person_name (td.ho-va-ten)" in result.stderr
    assert "Traceback" not in result.stderr


def test_dates_the_profiles_formats_do_not_read_fail_the_check(portal, tmp_path):
    """A valid `dates.formats` that is not how the site writes its dates: every selector matches,
    but no date is read, and a night would check the freshness of nothing."""
    text = PROFILE_PATH.read_text(encoding="utf-8").replace('formats: ["%d/%m/%Y"]', 'formats: ["%Y-%m-%d"]')
    wrong = tmp_path / "profile.yaml"
    wrong.write_text(text.replace("registry: registry.yaml", f"registry: {PROFILE_PATH.parent}/registry.yaml")
                     .replace("roster: roster.csv", f"roster: {PROFILE_PATH.parent}/roster.csv"), encoding="utf-8")
    portal.set_night(1)
    report = check_profile(load_profile(wrong).with_base_url(portal.base_url), sample=2)
    assert report.broken == [] and not report.ok
    updated = next(d for d in report.unreadable_dates if (d.page_type, d.name) == ("unit_page", "updated"))
    assert updated.read == 0 and updated.shown == 2 and updated.unread

    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "profile", "check", str(wrong),
                             "--base-url", portal.base_url, "--sample", "2"],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 4
    assert "no date read with dates.formats ['%Y-%m-%d']: unit_page.updated (2 shown, e.g. '" in result.stderr
    assert "dates unit_page.updated: 0/2 read as dates with %Y-%m-%d" in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_redesigned_portal_fails_the_check(portal):
    portal.faults.layout = "changed"
    try:
        profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
        from dataclasses import replace
        from portalwatch.profile.schema import RenderRules
        profile = replace(profile, render=RenderRules(concurrency=4, timeout_s=2, block=profile.render.block))
        report = check_profile(profile, sample=2)
    finally:
        portal.faults.layout = "normal"
    names = {(s.page_type, s.name) for s in report.broken}
    assert ("unit_index", "links -> unit_page") in names
    assert ("directory", "rows") in names


@pytest.mark.parametrize("known", [False, True], ids=["pages only", "with records and seen wait_for"])
@pytest.mark.parametrize("layout", ["normal", "changed"])
def test_the_nights_quick_drift_check_agrees_with_the_full_check(portal, layout, known, monkeypatch):
    """`broken_selectors` (a night, stopping at the first match) names exactly what `check_pages`
    (the report, reading every page) calls broken: nothing on a healthy portal, the renamed
    selectors after a redesign. Given the night's records and the renderer's sighting of
    `wait_for`, it names the same without parsing a unit page or the directory again."""
    import asyncio
    import dataclasses

    import portalwatch.profile_check as profile_check
    from portalwatch.extract.records import extract_records, parse_page
    from portalwatch.profile_check import broken_selectors, check_pages
    from portalwatch.render.crawl import crawl
    from portalwatch.render.http import HttpRenderer

    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    # plain HTTP for every page type but the directory (drawn by JavaScript: it just reads nothing)
    profile = dataclasses.replace(profile, pages={n: dataclasses.replace(s, render=False)
                                                  for n, s in profile.pages.items()})

    async def go():
        async with HttpRenderer(allowed_hosts=profile.allowed_hosts) as renderer:
            return await crawl(profile, renderer)

    portal.set_night(1)
    portal.faults.layout = layout
    try:
        pages = asyncio.run(go()).pages
    finally:
        portal.faults.layout = "normal"
    full = {(s.page_type, s.name, s.selector) for s in check_pages(profile, pages) if s.broken}
    records = None
    if known:
        records = {t: [r for p in pages if p.page_type == t for r in extract_records(p, profile.page(t))]
                   for t in ("unit_page", "directory")}
        seen = [dataclasses.replace(p, meta={**p.meta, "wait_for_seen": profile.page(p.page_type).wait_for})
                if p.ok and profile.page(p.page_type).wait_for
                and parse_page(p).css(profile.page(p.page_type).wait_for) else p for p in pages]
        assert layout == "changed" or sum("wait_for_seen" in p.meta for p in seen) > 10
        pages = seen
    parsed: list[str] = []
    monkeypatch.setattr(profile_check, "parse_page", lambda page: parsed.append(page.page_type) or parse_page(page))
    assert set(broken_selectors(profile, pages, records)) == full
    if layout == "changed":
        assert any(t == "unit_index" for t, _, _ in full)
    else:
        assert {t for t, _, _ in full} <= {"directory"}, "only the page drawn by JavaScript reads nothing"
        if not known:
            assert "unit_page" in parsed
        else:
            assert "unit_page" not in parsed, parsed
            # the directory's served shell lacks wait_for, so it was parsed for that alone; had the
            # browser seen it, nothing of the directory would be parsed either
            assert parsed.count("directory") == 1
            drawn = [dataclasses.replace(p, meta={**p.meta, "wait_for_seen": profile.page("directory").wait_for})
                     if p.page_type == "directory" else p for p in pages]
            parsed.clear()
            assert set(broken_selectors(profile, drawn, records)) == {b for b in full if b[1] != "wait_for"}
            assert "directory" not in parsed and "unit_page" not in parsed, parsed


@pytest.mark.parametrize(("old", "path", "page_type"), [
    ("/he-thong-chinh-tri", "/co-cau-to-chuc-cu", "unit_index"),
    ("/danh-ba-dien-thoai", "/danh-ba-cu", "directory"),
])
def test_a_start_page_moved_fails_the_check_and_the_night(portal, tmp_path, old, path, page_type):
    """The index or the directory moved in a redesign answers 404: nothing behind it is read. The
    check once said "profile ok" over 0 unit pages, and the night exited 0 with no unit, no row and
    no notice. Now both name the start page: the check exits 4, and so does the night, its
    layout-drift notice naming the URL, with no unit told it is missing."""
    import json

    import os

    text = PROFILE_PATH.read_text(encoding="utf-8")
    assert f'urls: ["{old}"]' in text
    moved = tmp_path / "profile.yaml"
    moved.write_text(text.replace(f'urls: ["{old}"]', f'urls: ["{path}"]')
                     .replace("registry: registry.yaml", f"registry: {PROFILE_PATH.parent}/registry.yaml")
                     .replace("roster: roster.csv", f"roster: {PROFILE_PATH.parent}/roster.csv"), encoding="utf-8")
    portal.set_night(1)
    url = portal.base_url.rstrip("/") + path
    report = check_profile(load_profile(moved).with_base_url(portal.base_url), sample=2)
    assert not report.ok and report.gone == [(page_type, "urls", f"{url} (HTTP 404)")]

    checked = subprocess.run([sys.executable, "-m", "portalwatch.cli", "profile", "check", str(moved),
                              "--base-url", portal.base_url, "--sample", "2"],
                             capture_output=True, text=True, timeout=180)
    assert checked.returncode == 4, checked.stdout + checked.stderr
    assert f"start pages not found on the portal (moved?): {page_type}.urls {url} (HTTP 404)" in checked.stderr
    assert "profile ok" not in checked.stdout and "Traceback" not in checked.stderr

    out = tmp_path / "out"
    night = subprocess.run([sys.executable, "-m", "portalwatch.cli", "run", "--profile", str(moved), "--out", str(out),
                            "--now", "2022-06-13", "--base-url", portal.base_url, "--no-prefect"],
                           capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert night.returncode == 4, night.stdout + night.stderr
    assert "layout drift" in night.stderr and f"{url} (HTTP 404)" in night.stderr and "Traceback" not in night.stderr
    summary = json.loads((out / "vungtau-2022" / "2022-06-13" / "summary.json").read_text(encoding="utf-8"))
    drift = [n for n in summary["notices"] if n["kind"] == "layout_drift"]
    assert drift and f"{page_type}.urls: {url} (HTTP 404)" in drift[0]["selectors"]
    findings = (out / "vungtau-2022" / "2022-06-13" / "findings.jsonl").read_text(encoding="utf-8")
    assert '"unit_missing"' not in findings and '"leader_missing"' not in findings, "no one is told of a false gap"


def test_an_absolute_xpath_in_a_row_field_is_pointed_out(portal, tmp_path):
    """"//td[1]" in a directory field reads the whole page's first cell for every row: it credits
    every row to one unit, and the check's counts still look right. The check names it, with the
    relative form to write; a relative XPath is not named."""
    text = PROFILE_PATH.read_text(encoding="utf-8")
    assert 'position:     {css: "td.chuc-vu", required: true}' in text
    page_wide = tmp_path / "profile.yaml"
    page_wide.write_text(text.replace('position:     {css: "td.chuc-vu", required: true}', 'position:     {xpath: "//td[2]"}')
                         .replace("registry: registry.yaml", f"registry: {PROFILE_PATH.parent}/registry.yaml")
                         .replace("roster: roster.csv", f"roster: {PROFILE_PATH.parent}/roster.csv"), encoding="utf-8")
    portal.set_night(1)
    checked = subprocess.run([sys.executable, "-m", "portalwatch.cli", "profile", "check", str(page_wide),
                              "--base-url", portal.base_url, "--sample", "1"],
                             capture_output=True, text=True, timeout=180,
                             env={**__import__("os").environ, "COLUMNS": "300"})
    output = " ".join(checked.stdout.split())
    assert "note: directory.position (//td[2]) starts with '/': it is read from the whole page" in output
    assert "('.//td[2]' or without the slashes)" in output
    assert "a sample: up to 1 pages of each type were read (--sample); a night reads them all" in output
    plain = subprocess.run([sys.executable, "-m", "portalwatch.cli", "profile", "check", str(PROFILE_PATH),
                            "--base-url", portal.base_url, "--sample", "1"], capture_output=True, text=True,
                           timeout=180)
    assert plain.returncode == 0 and "note:" not in plain.stdout
