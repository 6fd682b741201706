"""The VP office's report of night 9, opened in headless Chromium as the VP office opens it: what it
shows, that its filter works, that it fetches nothing, and that it prints to PDF."""

from __future__ import annotations

import re
import struct

import pytest

from portalwatch import night as stages
from portalwatch.reports.score import score_portal

pytestmark = pytest.mark.browser

NIGHT = 9
WIDTH = 1200


def _commit(store, config, result):
    run_id = store.begin_run(config.profile.name, result.date)
    score = score_portal(result.findings, config.registry, config.roster, result.date)
    notices = stages.run_notices(result.crawl, result.frames)
    return stages.record_night(store, run_id, config, result.date, result.crawl, result.units, result.rows,
                               result.frames, result.findings, result.ctx, notices, score)


@pytest.fixture(scope="module")
def outputs(nights, config, tmp_path_factory):
    """Night 9's folder, written as the nightly run writes it, over a store holding nights 1..9."""
    from portalwatch.reports.history import load_history
    from portalwatch.store import open_store

    out = tmp_path_factory.mktemp("out")
    store = open_store(f"sqlite:///{out / 'store.sqlite3'}")
    try:
        for n in range(1, NIGHT):
            _commit(store, config, nights[n])
        tonight = nights[NIGHT]
        changes = _commit(store, config, tonight)
        notices = stages.run_notices(tonight.crawl, tonight.frames)
        score = score_portal(tonight.findings, config.registry, config.roster, tonight.date)
        report_url = str(out / config.profile.name / tonight.date.isoformat() / "report.html")
        plan = stages.plan_and_queue(store, config, tonight.date, changes, notices, score, report_url)
        history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
        return stages.write_outputs(out, config, tonight.date, tonight.crawl, tonight.frames, tonight.findings,
                                    notices, score, changes, history, plan)
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from portalwatch.render.browser import find_chromium
    from portalwatch.settings import CHROMIUM_FLAGS

    with sync_playwright() as playwright:
        executable = find_chromium(None, playwright.chromium.executable_path)
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def report(browser, outputs):
    """The report open in a page; ``requests`` lists every URL the page asked for. Anything not local
    is refused before it leaves the machine, and still recorded so the test fails on it."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, locale="vi-VN")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))

    def local_only(route):
        requests.append(route.request.url)
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", local_only)
    page = context.new_page()
    page.goto(outputs.report.resolve().as_uri(), wait_until="load")
    yield page, requests
    context.close()


def _visible_rows(page) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#findings tbody tr",
        "rows => rows.filter(r => !r.hidden && r.offsetParent !== null)"
        "             .map(r => ({key: r.dataset.key, unit: r.dataset.unit}))")


def test_the_report_shows_the_nights_score_and_findings(report, outputs, nights, scenario):
    page, _ = report
    findings = nights[NIGHT].findings
    score = outputs.summary["score"]
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.inner_text("#portal-score") == f"{score['points']:.2f}".replace(".", ",") + "/12"
    assert int(page.inner_text("#finding-count")) == len(findings) == len(scenario.ground_truth(NIGHT))
    assert {(f.unit_id, f.subject, f.field, f.category) for f in findings} == \
        {(g["unit_id"], g["subject"], g["field"], g["category"]) for g in scenario.ground_truth(NIGHT)}
    rows = _visible_rows(page)
    assert sorted(r["key"] for r in rows) == sorted(f.key for f in findings)
    for finding in findings:
        row = page.locator(f'#findings tr[data-key="{finding.key}"]')
        assert row.count() == 1
        assert finding.message_vi in row.inner_text()
    assert f"{nights[NIGHT].date:%d/%m/%Y}" in page.inner_text("p.meta")


def test_the_unit_filter_shows_only_that_units_rows_and_counts_them(report, nights):
    page, _ = report
    findings = nights[NIGHT].findings
    per_unit: dict[str, set[str]] = {}
    for finding in findings:
        per_unit.setdefault(finding.unit_id, set()).add(finding.key)
    options = page.eval_on_selector_all("#filter-unit option", "opts => opts.map(o => o.value)")
    assert sorted(o for o in options if o) == sorted(per_unit)
    unit = max(sorted(per_unit), key=lambda u: len(per_unit[u]))
    assert len(per_unit[unit]) >= 2

    page.select_option("#filter-unit", unit)
    rows = _visible_rows(page)
    assert {r["unit"] for r in rows} == {unit} and {r["key"] for r in rows} == per_unit[unit]
    assert page.inner_text("#finding-count") == str(len(per_unit[unit]))

    page.select_option("#filter-unit", "")
    assert len(_visible_rows(page)) == len(findings)
    assert page.inner_text("#finding-count") == str(len(findings))


def test_the_rule_filter_names_each_rule_in_vietnamese_and_shows_its_rows(report, nights, config):
    page, _ = report
    findings = nights[NIGHT].findings
    titles = {r.rule: r.title_vi for s in config.suites for r in s.rules}
    options = page.eval_on_selector_all("#filter-rule option", "opts => opts.map(o => [o.value, o.textContent])")
    shown = {value: text for value, text in options if value}
    assert shown == {f.rule: titles[f.rule] for f in findings}, "every rule of tonight's findings, by its title"
    rule = max(sorted(shown), key=lambda r: sum(f.rule == r for f in findings))
    page.select_option("#filter-rule", rule)
    assert {r["key"] for r in _visible_rows(page)} == {f.key for f in findings if f.rule == rule}
    page.select_option("#filter-rule", "")
    assert len(_visible_rows(page)) == len(findings)


def test_the_trend_charts_have_one_point_per_night_recorded(report, nights, scenario, config):
    page, _ = report
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    dates = [f"{nights[n].date:%d/%m/%Y}" for n in range(1, NIGHT + 1)]
    score_points = charts.nth(0).locator("circle title").all_text_contents()
    open_points = charts.nth(1).locator("circle title").all_text_contents()
    assert len(score_points) == len(open_points) == NIGHT
    assert [p.split(":")[0] for p in score_points] == dates == [p.split(":")[0] for p in open_points]
    expected_scores = [score_portal(nights[n].findings, config.registry, config.roster, nights[n].date).total
                       for n in range(1, NIGHT + 1)]
    shown = [p.split(": ")[1] for p in score_points]
    assert all(re.fullmatch(r"\d+,\d\d", value) for value in shown), "written as the tables write them"
    assert [float(value.replace(",", ".")) for value in shown] == pytest.approx(expected_scores)
    assert [int(p.split(": ")[1]) for p in open_points] == \
        [len(scenario.ground_truth(n)) for n in range(1, NIGHT + 1)], "open findings night by night"


def test_the_report_fetches_nothing_and_screenshots(report, outputs, tmp_path):
    page, requests = report
    page.select_option("#filter-unit", "")
    shot = page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert requests, "the page itself was requested"
    assert all(url.startswith(("file:", "data:")) for url in requests), \
        [url for url in requests if not url.startswith(("file:", "data:"))]
    assert not any(re.match(r"(?i)(https?|wss?|ftp):", url) for url in requests)

    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "report.png").read_bytes() == shot
    width, height = struct.unpack(">II", shot[16:24])
    assert width == WIDTH and height > 900


def test_the_report_prints_to_pdf(outputs, tmp_path):
    from portalwatch.reports.pdf import write_pdf

    pdf = write_pdf(outputs.report, tmp_path / "bao-cao" / "report.pdf")
    assert pdf == tmp_path / "bao-cao" / "report.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    boxes = {(float(w), float(h)) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)}
    assert boxes and all(w == pytest.approx(842, abs=2) and h == pytest.approx(595, abs=2) for w, h in boxes), \
        f"A4 landscape pages: {boxes}"
    assert [p.name for p in pdf.parent.iterdir()] == ["report.pdf"], "no temporary file left behind"


#: How many lines the first ``chars`` characters of each cell take, laid out as the page is.
_LINES = """(cells, chars) => cells.map(cell => {
    const node = cell.firstChild, range = document.createRange();
    range.setStart(node, 0);
    range.setEnd(node, Math.min(chars, node.textContent.length));
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return [cell.textContent, range.toString(), lines.size];
})"""


def test_printed_a_value_seen_or_a_deadline_is_not_split_across_lines(browser, outputs):
    """On paper a phone number or a date split over lines ("064.3 / 900.1 / 07", "20/06/202 / 2") can
    be misread: laid out for print (an A4 landscape page less its margins), every value seen of up to
    16 characters, and every deadline's date, sits on one line."""
    context = browser.new_context(viewport={"width": 1047, "height": 740})
    page = context.new_page()
    page.goto(outputs.report.resolve().as_uri(), wait_until="load")
    page.emulate_media(media="print")
    values = page.eval_on_selector_all("#findings td.value", _LINES, 16)
    deadlines = page.eval_on_selector_all("#findings tbody td:nth-child(7)", _LINES, 10)
    context.close()
    short = [(text, lines) for text, _, lines in values if 0 < len(text) <= 16 and text != "—"]
    assert any(re.fullmatch(r"[\d.]{10,}", text) for text, _ in short), "the night shows a dotted phone number"
    assert [(text, lines) for text, lines in short if lines != 1] == []
    assert deadlines and all(re.fullmatch(r"\d\d/\d\d/\d{4}", date) for _, date, _ in deadlines)
    assert [(date, lines) for _, date, lines in deadlines if lines != 1] == []


@pytest.mark.parametrize("chromium", ["/nonexistent/chromium", "/bin/true"])
def test_pdf_without_a_chromium_says_so(outputs, tmp_path, chromium):
    from portalwatch.errors import BrowserUnavailable
    from portalwatch.reports.pdf import write_pdf

    with pytest.raises(BrowserUnavailable):
        write_pdf(outputs.report, tmp_path / "report.pdf", chromium_path=chromium)
    assert not list(tmp_path.iterdir())


def test_a_finding_that_comes_back_is_due_when_its_unit_is_told(nights, config, tmp_path):
    """The report and the unit's message give the same deadline: counted from the night the finding
    (re)appeared, so one that comes back after a fix is not overdue the night it is back."""
    from parsel import Selector

    from portalwatch.reports.history import load_history
    from portalwatch.reports.nightly import render_nightly_report
    from portalwatch.store import open_store
    from portalwatch.workdays import add_working_days

    back = 10                                    # the free-mail address of Phường Thắng Tam returns
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        for n in range(1, back + 1):
            changes = _commit(store, config, nights[n])
        tonight = nights[back]
        score = score_portal(tonight.findings, config.registry, config.roster, tonight.date)
        plan = stages.plan_and_queue(store, config, tonight.date, changes, [], score, None)
        history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
    finally:
        store.dispose()
    html = render_nightly_report(findings=tonight.findings, registry=config.registry, night=tonight.date,
                                 portal_title=config.profile.title, pages=len(tonight.crawl.pages), notices=[],
                                 score=score, history=history)
    page = Selector(html)

    def shown(key: str) -> str:
        return " ".join(page.css(f'#findings tr[data-key="{key}"] td:nth-child(7) ::text').getall()).strip()

    gmail = next(f for f in tonight.findings if (f.unit_id, f.category) == ("phuong-thang-tam", "unofficial_email"))
    row = history.finding(gmail.key)
    assert (row["first_seen"], row["opened_at"]) == (nights[1].date, tonight.date)
    due = add_working_days(tonight.date, config.profile.policy.deadline_working_days)
    assert shown(gmail.key) == f"{due:%d/%m/%Y}", "a new deadline from the night it came back, not overdue"

    told = {item.finding.key: item for digest in plan.units for item in digest.new + digest.still_open}
    assert gmail.key in told
    for key, item in told.items():
        expected = f"{item.deadline:%d/%m/%Y}" + (" (quá hạn)" if item.overdue else "")
        assert shown(key) == expected, item.finding.message_vi
