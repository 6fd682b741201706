"""The PDF printer: a night starts Chromium once the portal is read, so that start-up runs beside
extraction and validation, and prints the report into it once written. A printer leaves no driver,
browser or thread behind, whether it printed, was closed unused, or its night failed."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from portalwatch import night as stages

from conftest import PROFILE_PATH

pytestmark = pytest.mark.browser

PAGE_BOX = rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]"


def _descendants() -> dict[int, str]:
    """Every process this one started, and theirs, by pid: their command lines."""
    found: dict[int, str] = {}
    pending = [os.getpid()]
    while pending:
        pid = pending.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                try:
                    found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode(
                        errors="replace")
                except OSError:
                    continue
                pending.append(child)
    return found


def _started_since(before: dict[int, str], timeout_s: float = 0.0) -> dict[int, str]:
    """Processes started since ``before``; with ``timeout_s``, waits until a browser is among them."""
    deadline = time.monotonic() + timeout_s
    while True:
        new = {pid: cmd for pid, cmd in _descendants().items() if pid not in before}
        if not timeout_s or any("chrom" in cmd for cmd in new.values()) or time.monotonic() > deadline:
            return new
        time.sleep(0.1)


def _printer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("pdf-printer") and t.is_alive()]


@pytest.fixture(scope="module")
def first_night(tmp_path_factory, portal, scenario):
    """Night 1 of the sample portal run as the nightly job runs it, noting when the printer was
    started and when validation ran: (outputs, the calls in order, the output folder)."""
    calls: list[str] = []
    start_printer, validate = stages.start_printer, stages.validate

    def starting(*args, **kwargs):
        calls.append("start_printer")
        return start_printer(*args, **kwargs)

    def validating(*args, **kwargs):
        calls.append("validate")
        return validate(*args, **kwargs)

    out = tmp_path_factory.mktemp("out")
    portal.set_night(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "start_printer", starting)
        patch.setattr(stages, "validate", validating)
        outputs = stages.run_night(PROFILE_PATH, out, now=scenario.night_date(1).isoformat(),
                                   base_url=portal.base_url)
    return outputs, calls, out


def test_a_night_starts_its_printer_before_validating(first_night):
    outputs, calls, _ = first_night
    assert calls == ["start_printer", "validate"], "Chromium starts while the pages are checked"
    pdf = Path(outputs.summary["report_pdf"])
    assert pdf == outputs.folder / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and re.search(PAGE_BOX, pdf.read_bytes())
    assert _printer_threads() == []


def test_a_failed_night_leaves_no_browser_behind(first_night, portal, scenario, monkeypatch):
    _, _, out = first_night
    started: list[object] = []
    start_printer = stages.start_printer

    def starting(*args, **kwargs):
        started.append(start_printer(*args, **kwargs))
        return started[-1]

    def broken(*args, **kwargs):
        raise OSError("the validation results could not be written")

    monkeypatch.setattr(stages, "start_printer", starting)
    monkeypatch.setattr(stages, "validate", broken)
    portal.set_night(2)
    before = _descendants()
    with pytest.raises(OSError, match="could not be written"):
        stages.run_night(PROFILE_PATH, out, now=scenario.night_date(2).isoformat(), base_url=portal.base_url)
    assert len(started) == 1, "the printer was started, after the portal was read"
    assert _started_since(before) == {}, "no driver or browser left running"
    assert _printer_threads() == []
    assert not (out / "vungtau-2022" / scenario.night_date(2).isoformat() / "report.pdf").exists()


def test_a_printer_started_before_the_report_prints_it_and_stops(first_night, tmp_path):
    from portalwatch.reports.pdf import Printer, write_pdf

    report = first_night[0].report
    before = _descendants()
    printer = Printer()
    assert any("chrom" in cmd for cmd in _started_since(before, timeout_s=60).values()), \
        "the browser starts before any report is handed to the printer"
    pdf = printer.print(report, tmp_path / "report.pdf")
    assert pdf == tmp_path / "report.pdf"
    data = pdf.read_bytes()
    cold = write_pdf(report, tmp_path / "cold.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert re.findall(PAGE_BOX, data) == re.findall(PAGE_BOX, cold) != [], \
        "the same pages as a printer started for the report alone"
    assert _started_since(before) == {}, "no driver or browser left running"
    assert _printer_threads() == []
    with pytest.raises(RuntimeError, match="already printed"):
        printer.print(report, tmp_path / "again.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cold.pdf", "report.pdf"]


def test_a_printer_closed_without_printing_stops_its_browser(first_night, tmp_path):
    from portalwatch.reports.pdf import Printer

    before = _descendants()
    with Printer() as printer:
        assert any("chrom" in cmd for cmd in _started_since(before, timeout_s=60).values())
    assert _started_since(before) == {}
    assert _printer_threads() == []
    with pytest.raises(RuntimeError):
        printer.print(first_night[0].report, tmp_path / "report.pdf")
    assert not list(tmp_path.iterdir())


def test_a_printer_without_a_chromium_says_so_when_asked_to_print(first_night, tmp_path):
    from portalwatch.errors import BrowserUnavailable
    from portalwatch.reports.pdf import Printer

    printer = Printer("/nonexistent/chromium")       # no error yet: the night goes on meanwhile
    with pytest.raises(BrowserUnavailable, match="/nonexistent/chromium"):
        printer.print(first_night[0].report, tmp_path / "report.pdf")
    assert not list(tmp_path.iterdir())
    assert _printer_threads() == []


def test_a_large_report_prints_a_scorecard_row_to_a_line(tmp_path):
    """Paper the VP office files: a unit's scorecard row takes one printed line, its name (as long as
    the registries' longest, 40 characters) on one line beside a small trend. 301 rows printed in 53
    A4 pages laid out as on screen (each name wrapped over three lines beside a 28-pixel trend), 15
    now."""
    import datetime as dt

    import yaml

    from portalwatch.profile.registry import load_registry
    from portalwatch.reports.history import History
    from portalwatch.reports.nightly import render_nightly_report
    from portalwatch.reports.pdf import write_pdf
    from portalwatch.reports.score import score_portal

    units = 300
    source = yaml.safe_load((PROFILE_PATH.parent / "registry.yaml").read_text(encoding="utf-8"))
    office = next(unit for unit in source["units"] if unit["id"] == source["vp_office"])
    (tmp_path / "registry.yaml").write_text(yaml.safe_dump({
        "vp_office": office["id"], "ops": source["ops"], "units": [office] + [
            {"id": f"phuong-{n:03d}", "name": f"Ủy ban nhân dân Phường Thử Nghiệm Số {n:03d}", "kind": "ward",
             "responsible": office["id"], "alerts": {"email": [f"p{n:03d}@example.gov.vn"]}}
            for n in range(1, units + 1)]}, allow_unicode=True), encoding="utf-8")
    registry = load_registry(tmp_path / "registry.yaml")
    nights = [dt.date(2022, 6, 20), dt.date(2022, 6, 21), dt.date(2022, 6, 22)]
    history = History(portal="vungtau-2022", runs=[{"night": n, "status": "completed", "score": 12.0}
                                                   for n in nights], findings=[], events=[])
    report = render_nightly_report([], registry, nights[-1], "Cổng", pages=units + 1, notices=[],
                                   score=score_portal([], registry, None, nights[-1]), history=history)
    assert report.count('<svg class="spark"') == units + 1, "every unit's row has its trend"
    (tmp_path / "report.html").write_text(report, encoding="utf-8")

    data = write_pdf(tmp_path / "report.html", tmp_path / "report.pdf").read_bytes()
    pages = len(re.findall(PAGE_BOX, data))
    assert 0 < pages <= 16, f"{units + 1} scorecard rows took {pages} A4 pages"
