"""The index of past nightly reports of a portal (``out/<portal>/index.html``), newest first."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import files
from .charts import line_chart
from .history import History, night_counts
from .labels import LABELS
from .numbers import decimal

__all__ = ["write_index"]

_ENV = Environment(loader=PackageLoader("portalwatch.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined)


def write_index(folder: Path, history: History, portal_title: str, workbook: str) -> Path:
    runs = []
    counts = night_counts(history)
    for run in sorted((r for r in history.runs if r["status"] == "completed"), key=lambda r: r["night"],
                      reverse=True):
        night = run["night"].isoformat()
        exists = (folder / night / "report.html").exists()
        # Counted from the events, as the night's report counts them: every finding open that night (those
        # its pages could not show again included), new (found for the first time) apart from reopened.
        runs.append({**run, **counts[run["night"]],
                     "report": f"{night}/report.html" if exists else None,
                     "report_en": f"{night}/report.en.html" if exists else None})
    scores = [(r["night"], r["score"]) for r in reversed(runs)]      # a night not scored stays, as a gap
    chart = line_chart(scores, top=12, label="Điểm nội dung qua các ngày kiểm tra",
                       missing=LABELS["vi"]["night_not_scored"], number=decimal)   # 11,81 as in the table
    path = folder / "index.html"
    return files.write_text(path, _ENV.get_template("index.html.j2").render(
        portal_title=portal_title, runs=runs, chart=chart, workbook=workbook, num=decimal,
        gaps=LABELS["vi"]["trend_gaps"] if any(s is None for _, s in scores) else ""))
