"""The nightly HTML report for the VP office: per-unit summary and every finding with its evidence.

Self-contained (inline CSS, no script, no remote resource) so it can be mailed, archived and printed.
Jinja2 autoescape is on: every value comes from the portal and is shown as text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..findings.model import Finding
from ..profile.registry import Registry
from .score import CRITERIA

__all__ = ["render_nightly_report", "write_nightly_report"]

_ENV = Environment(loader=PackageLoader("portalwatch.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined)


def render_nightly_report(findings: list[Finding], registry: Registry, night: dt.date, portal_title: str,
                          pages: int, notices: list[dict[str, Any]], score: Any) -> str:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.unit_id].append(finding)
    by_unit = []
    for unit_id, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        by_unit.append({"unit_id": unit_id, "name": registry.units[unit_id].name, "count": len(items),
                        "high": sum(f.severity == "high" for f in items),
                        "medium": sum(f.severity == "medium" for f in items),
                        "low": sum(f.severity == "low" for f in items), "findings": items})
    return _ENV.get_template("nightly.html.j2").render(
        findings=findings, by_unit=by_unit, night=night, portal_title=portal_title, pages=pages,
        notices=notices, unit_count=len(registry), score=score, criteria=CRITERIA,
        weakest=sorted(score.units, key=lambda u: (u.total, u.unit_id)))


def write_nightly_report(path: Path, **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_nightly_report(**kwargs), encoding="utf-8")
    return path
