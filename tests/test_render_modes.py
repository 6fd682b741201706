"""The browser only where it is needed, and unchanged pages not downloaded again.

`render: auto` reads a page over plain HTTP when the served HTML already holds `wait_for`, and in
Chromium otherwise; a page read over HTTP on the last night is asked for with its ETag, and a 304
reuses the copy in the store, with the same findings as a full download.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json

import pytest

from portalwatch import night as stages
from portalwatch.profile.loader import load_profile
from portalwatch.render.base import PageRequest
from portalwatch.render.crawl import crawl
from portalwatch.render.portal import KeptPage, PortalRenderer
from portalwatch.settings import Settings
from portalwatch.store import open_store

from conftest import PROFILE_PATH

pytestmark = pytest.mark.browser


def _crawl(profile, **kwargs):
    async def go():
        async with PortalRenderer(profile, Settings(), **kwargs) as renderer:
            return await crawl(profile, renderer), renderer
    return asyncio.run(go())


def test_auto_pages_go_over_http_and_the_javascript_directory_in_the_browser(portal):
    portal.set_night(1)
    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    assert profile.page("unit_page").render == "auto" and profile.page("directory").render is True
    result, _ = _crawl(profile)
    via = {p.page_type: p.meta.get("via") for p in result.pages}
    assert via["unit_page"] == "http" and via["unit_index"] == "http"
    assert via["directory"] == "browser"
    units, rows = stages.extract_pages(result, profile)
    assert len(rows) > 50 and all(u["unit_name"] for u in units)


def test_auto_falls_back_to_the_browser_when_the_served_html_lacks_wait_for(portal):
    """The directory's served HTML is an empty shell drawn by JavaScript: auto must not take it."""
    portal.set_night(1)
    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    directory = dataclasses.replace(profile.page("directory"), render="auto")
    profile = dataclasses.replace(profile, pages={"directory": directory})
    result, _ = _crawl(profile)
    [page] = result.pages
    assert page.meta["via"] == "browser"
    _, rows = stages.extract_pages(result, profile)
    assert len(rows) > 50


def test_render_auto_needs_wait_for(tmp_path):
    from portalwatch.errors import ProfileError

    text = PROFILE_PATH.read_text(encoding="utf-8").replace('    wait_for: "article.don-vi-chi-tiet"\n', "")
    (tmp_path / "profile.yaml").write_text(text, encoding="utf-8")
    for other in PROFILE_PATH.parent.iterdir():
        if other.name != "profile.yaml":
            (tmp_path / other.name).write_bytes(other.read_bytes())
    with pytest.raises(ProfileError, match=r"pages.unit_page.render': render: auto needs wait_for"):
        load_profile(tmp_path / "profile.yaml")
    (tmp_path / "profile.yaml").write_text(PROFILE_PATH.read_text(encoding="utf-8").replace(
        "render: auto", "render: sometimes", 1), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"expected true, false or auto, found 'sometimes'"):
        load_profile(tmp_path / "profile.yaml")


def test_an_unchanged_page_is_not_downloaded_again(portal):
    import zlib

    portal.set_night(1)
    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    url = portal.base_url + "he-thong-chinh-tri"
    request = PageRequest(url, "unit_index", render=False)

    async def fetch(kept):
        async with PortalRenderer(profile, Settings(), kept=kept) as renderer:
            return await renderer.render(request), renderer.not_modified

    first, _ = asyncio.run(fetch({}))
    assert first.status == 200 and first.meta["etag"]
    kept = {url: KeptPage(zlib.compress(first.html.encode("utf-8")), first.meta["etag"],
                          first.meta.get("last_modified"))}
    again, not_modified = asyncio.run(fetch(kept))
    assert not_modified == 1 and again.meta["not_modified"] and again.status == 200 and again.ok
    assert again.html == first.html
    stale = {url: KeptPage(zlib.compress(b"<html>old copy</html>"), '"an-old-etag"', None)}
    fresh, not_modified = asyncio.run(fetch(stale))
    assert not_modified == 0 and fresh.html == first.html, "a changed page is downloaded"


def _spy_on_drawn(monkeypatch) -> list[str]:
    """The selectors `render: auto` parses served HTML for, in order."""
    import portalwatch.render.portal as portal_renderer

    parsed: list[str] = []
    drawn = portal_renderer._drawn
    monkeypatch.setattr(portal_renderer, "_drawn", lambda html, sel: parsed.append(sel) or drawn(html, sel))
    return parsed


def test_a_page_answered_304_is_parsed_again_only_if_its_copy_was_not_seen_to_hold_wait_for(portal, monkeypatch):
    """`render: auto` parses the served HTML for `wait_for`; a 304 of a copy seen to hold that very
    selector is not parsed again. A copy seen with another selector (the profile changed), or kept
    before snapshots said (no `wait_for_seen`), is."""
    import zlib

    portal.set_night(1)
    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    spec = profile.page("unit_page")
    url = portal.base_url + "he-thong-chinh-tri/ubnd-thanh-pho"
    request = PageRequest(url, "unit_page", render="auto", wait_for=spec.wait_for)
    parsed = _spy_on_drawn(monkeypatch)

    async def fetch(kept):
        async with PortalRenderer(profile, Settings(), kept=kept) as renderer:
            return await renderer.render(request)

    first = asyncio.run(fetch({}))
    assert first.status == 200 and first.meta["via"] == "http" and first.meta["wait_for_seen"] == spec.wait_for
    assert parsed == [spec.wait_for]

    def kept(seen):
        return {url: KeptPage(zlib.compress(first.html.encode("utf-8")), first.meta["etag"], None, seen)}

    parsed.clear()
    again = asyncio.run(fetch(kept(spec.wait_for)))
    assert again.meta["not_modified"] and again.meta["via"] == "http" and again.html == first.html
    assert again.meta["wait_for_seen"] == spec.wait_for and parsed == []
    for seen in ("div.an-old-selector", None):
        parsed.clear()
        again = asyncio.run(fetch(kept(seen)))
        assert again.meta["not_modified"] and parsed == [spec.wait_for]
        assert again.meta["wait_for_seen"] == spec.wait_for and again.meta["via"] == "http"


def _spy_on_browser(monkeypatch) -> list[str]:
    """The URLs Chromium draws, in order."""
    from portalwatch.render.playwright import PlaywrightRenderer

    drawn: list[str] = []
    render = PlaywrightRenderer.render

    async def spy(self, request):
        drawn.append(request.url)
        return await render(self, request)

    monkeypatch.setattr(PlaywrightRenderer, "render", spy)
    return drawn


def test_a_drawing_is_kept_while_its_html_scripts_and_data_answer_304(portal, scenario, monkeypatch):
    """The directory is drawn by a script from a JSON endpoint. Drawn once, it lists what it loaded
    with their validators; asked for again, it is not drawn while all of them answer 304, and is drawn
    again when its data changed, when one of them is not known to be unchanged, when the profile's
    `wait_for` changed, or with `render.revalidate: false`."""
    import zlib

    import httpx

    portal.set_night(1)
    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    spec = profile.page("directory")
    url = portal.base_url + spec.urls[0].lstrip("/")
    request = PageRequest(url, "directory", render=spec.render, wait_for=spec.wait_for)
    drawn = _spy_on_browser(monkeypatch)

    def fetch(kept, profile=profile):
        async def go():
            async with PortalRenderer(profile, Settings(), kept=kept) as renderer:
                return await renderer.render(request), renderer.drawings_kept
        return asyncio.run(go())

    first, _ = fetch({})
    assert drawn == [url] and first.meta["via"] == "browser" and first.ok
    loaded = {source[0].removeprefix(portal.base_url.rstrip("/")): source for source in first.meta["sources"]}
    assert {"/danh-ba-dien-thoai", "/static/danh-ba.js", "/api/danh-ba.json"} <= set(loaded)
    assert all(etag for _, etag, _ in loaded.values()), "each with its validators"
    assert not any(path.endswith((".css", ".svg", ".woff2")) for path in loaded), "looks, not content"

    def kept(sources=first.meta["sources"], seen=spec.wait_for):
        return {url: KeptPage(zlib.compress(first.html.encode("utf-8")), None, None, seen,
                              tuple(tuple(s) for s in sources))}

    drawn.clear()
    again, kept_count = fetch(kept())
    assert drawn == [] and kept_count == 1, "every source answered 304: no browser"
    assert again.html == first.html and again.meta["not_modified"] and again.meta["via"] == "browser"
    assert again.meta["sources"] == first.meta["sources"] and again.meta["wait_for_seen"] == spec.wait_for

    async def twice():
        async with PortalRenderer(profile, Settings(), kept=kept()) as renderer:
            return [await renderer.render(request) for _ in range(2)], renderer.drawings_kept
    portal.request_log.clear()
    pages, kept_count = asyncio.run(twice())
    assert kept_count == 2 and drawn == [] and all(page.html == first.html for page in pages)
    asked = [path for _, path in portal.request_log]
    assert sorted(asked) == sorted(loaded), "a source is asked for once a night, however many pages load it"

    stale_data = [[u, '"an-old-etag"', None] if u.endswith("/api/danh-ba.json") else [u, e, m]
                  for u, e, m in first.meta["sources"]]
    no_validators = [[u, None, None] if u.endswith("/static/danh-ba.js") else [u, e, m]
                     for u, e, m in first.meta["sources"]]
    quiet = dataclasses.replace(profile, render=dataclasses.replace(profile.render, revalidate=False))
    for case, profile_tonight in ((kept(stale_data), profile), (kept(no_validators), profile),
                                  (kept(seen="div.an-old-selector"), profile), (kept(), quiet)):
        drawn.clear()
        redrawn, kept_count = fetch(case, profile_tonight)
        assert drawn == [url] and kept_count == 0 and redrawn.html == first.html
        assert not redrawn.meta.get("not_modified") and redrawn.meta["sources"] == first.meta["sources"]

    def data(night):
        portal.set_night(night)
        return httpx.get(portal.base_url + "api/danh-ba.json").content

    night_one = data(1)
    changed = next(n for n in range(2, scenario.nights + 1) if data(n) != night_one)
    try:
        drawn.clear()
        redrawn, kept_count = fetch(kept())
        assert drawn == [url] and kept_count == 0, f"the directory's data changed on night {changed}"
        assert redrawn.html != first.html and redrawn.meta["sources"] != first.meta["sources"]
    finally:
        portal.set_night(1)


def test_second_night_asks_conditionally_and_finds_the_same(portal, scenario, tmp_path, monkeypatch):
    """Two nights of an unchanged portal: the second downloads no unit page again (304s), parses
    none of them to choose its renderer, and reports exactly the findings of a night that
    downloads everything."""
    portal.set_night(1)
    night = scenario.night_date(1)
    out, fresh_out = tmp_path / "out", tmp_path / "fresh"
    stages.run_night(PROFILE_PATH, out, now=night.isoformat(), base_url=portal.base_url)
    portal.request_log.clear()
    parsed = _spy_on_drawn(monkeypatch)
    drawn = _spy_on_browser(monkeypatch)
    second = stages.run_night(PROFILE_PATH, out, now=(night + dt.timedelta(days=1)).isoformat(),
                              base_url=portal.base_url)
    assert parsed == [], "every auto page answered 304 and its copy was seen to hold wait_for"
    assert drawn == [], "the directory's HTML, script and data answered 304: not drawn again"
    monkeypatch.undo()
    full = stages.run_night(PROFILE_PATH, fresh_out, now=(night + dt.timedelta(days=1)).isoformat(),
                            base_url=portal.base_url)

    def keys(outputs):
        return sorted(json.loads(line)["key"] for line in outputs.findings.read_text(encoding="utf-8").splitlines())

    assert keys(second) == keys(full) and keys(second)
    store = open_store(stages.store_url(out))
    runs = store.runs("vungtau-2022")
    from sqlalchemy import select

    from portalwatch.store.schema import snapshots
    with store.engine.connect() as conn:
        rows = conn.execute(select(snapshots.c.page_type, snapshots.c.via, snapshots.c.etag)
                            .where(snapshots.c.run_id == runs[-1]["id"])).all()
        seen = dict(conn.execute(select(snapshots.c.page_type, snapshots.c.wait_for_seen)
                                 .where(snapshots.c.run_id == runs[-1]["id"])).all())
        sources = dict(conn.execute(select(snapshots.c.page_type, snapshots.c.sources)
                                    .where(snapshots.c.run_id == runs[-1]["id"])).all())
    store.dispose()
    profile = load_profile(PROFILE_PATH)
    assert seen["unit_page"] == profile.page("unit_page").wait_for
    assert seen["directory"] == profile.page("directory").wait_for, "seen by the browser"
    assert "/api/danh-ba.json" in sources["directory"], "kept, for the third night to ask again"
    assert sources["unit_page"] is None
    assert {(t, v) for t, v, _ in rows} >= {("unit_page", "http"), ("directory", "browser")}
    assert all(e for t, v, e in rows if v == "http"), "validators kept for the next night"
    units = sum(t == "unit_page" for t, _, _ in rows)
    assert second.summary["pages"] == full.summary["pages"]
    assert second.summary["pages_unchanged"] >= units > 0 and full.summary["pages_unchanged"] == 0


def _render_and_extract(profile, store, night, spy=None):
    """Tonight's crawl, its records with the last night's reused, and the same extracted afresh."""
    result = stages.render_portal(profile, Settings(), store, night)
    kept = stages.kept_records(store, profile, night)
    with spy or contextlib.nullcontext():
        reused = stages.extract_pages(result, profile, kept)
    return result, kept, reused, stages.extract_pages(result, profile)


def test_unchanged_pages_give_last_nights_records_without_being_parsed(portal, scenario, tmp_path, monkeypatch):
    """Records of a page whose content is unchanged since the last night come from the store, equal
    to what extracting it again gives; a changed page, or a changed spec, is extracted afresh."""
    import portalwatch.extract.records as records_module

    portal.set_night(1)
    night = scenario.night_date(1)
    out = tmp_path / "out"
    stages.run_night(PROFILE_PATH, out, now=night.isoformat(), base_url=portal.base_url)
    profile = load_profile(PROFILE_PATH).with_base_url(portal.base_url)
    store = open_store(stages.store_url(out))
    try:
        parsed = []
        parse = records_module.parse_page

        @contextlib.contextmanager
        def spy():
            with monkeypatch.context() as patch:
                patch.setattr(records_module, "parse_page", lambda page: parsed.append(page.url) or parse(page))
                yield

        tomorrow = night + dt.timedelta(days=1)
        result, kept, reused, fresh = _render_and_extract(profile, store, tomorrow, spy())
        assert kept.reused == len(result.of_type("unit_page") + result.of_type("directory")) > 0
        assert not parsed, "nothing unchanged is parsed again"
        assert reused == fresh and len(reused[1]) > 0

        portal.set_night(2)                                  # some units edited their pages
        result, kept, reused, fresh = _render_and_extract(profile, store, tomorrow)
        assert reused == fresh
        assert 0 < kept.reused < len(result.of_type("unit_page") + result.of_type("directory"))

        spec = profile.page("unit_page")
        moved = dataclasses.replace(spec, fields=tuple(dataclasses.replace(f, css=f"{f.css}, .moved")
                                                       if f.css else f for f in spec.fields))
        changed = dataclasses.replace(profile, pages={**profile.pages, "unit_page": moved})
        assert stages.kept_records(store, changed, tomorrow).pages == {}, "another spec reuses nothing"
    finally:
        store.dispose()
