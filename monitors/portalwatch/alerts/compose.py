"""Compose the night's messages: one per unit that has findings, and a digest for the VP office.

Units read Vietnamese; every message is plain text built from the findings with Jinja2. Sending
(Slack, e-mail, the outbox) is a separate concern: this module only says what would be sent, which
is also what the dry-run mode writes to the output folder.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..findings.model import Finding
from ..profile.registry import Registry, Unit

__all__ = ["Message", "compose_unit_messages", "compose_vp_digest", "write_messages"]

_ENV = Environment(loader=PackageLoader("portalwatch.alerts", "templates"), autoescape=False,
                   undefined=StrictUndefined, keep_trailing_newline=True)


@dataclass(frozen=True, slots=True)
class Message:
    """One message to one recipient (a unit, the VP office or ops)."""

    recipient: str          # unit id, or "vp-office" / "ops"
    subject: str
    body: str


def compose_unit_messages(findings: list[Finding], registry: Registry, night: dt.date,
                          portal_title: str) -> list[Message]:
    """At most one message per unit, listing all its findings of the night."""
    by_unit: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_unit[finding.unit_id].append(finding)
    template = _ENV.get_template("unit.txt.j2")
    messages = []
    for unit_id in sorted(by_unit):
        unit: Unit = registry.units[unit_id]
        items = sorted(by_unit[unit_id], key=lambda f: ("high medium low".split().index(f.severity), f.field))
        body = template.render(unit=unit, findings=items, night=night, portal_title=portal_title)
        subject = f"[{portal_title}] {len(items)} nội dung cần cập nhật – {unit.name}"
        messages.append(Message(unit_id, unicodedata.normalize("NFC", subject), unicodedata.normalize("NFC", body)))
    return messages


def compose_vp_digest(findings: list[Finding], registry: Registry, night: dt.date, portal_title: str,
                      notices: int, report_path: str, score: Any = None) -> Message:
    """The VP office's nightly digest: by unit, how many findings and how many of high severity."""
    counts: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        counts[finding.unit_id].append(finding)
    rows = [{"name": registry.units[u].name, "count": len(fs), "high": sum(f.severity == "high" for f in fs)}
            for u, fs in sorted(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    vp = registry.units.get(registry.vp_office or "")
    body = _ENV.get_template("vp_digest.txt.j2").render(
        vp_name=vp.name if vp else "Văn phòng HĐND và UBND", portal_title=portal_title, night=night,
        total=len(findings), by_unit=rows, unit_count=len(registry), notices=notices, report_path=report_path,
        score=score)
    subject = f"[{portal_title}] Tổng hợp giám sát ngày {night.strftime('%d/%m/%Y')}: {len(findings)} nội dung"
    return Message("vp-office", unicodedata.normalize("NFC", subject), unicodedata.normalize("NFC", body))


def write_messages(messages: list[Message], directory: Path) -> list[Path]:
    """Dry run: each message as ``<recipient>.txt`` (subject on the first line)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for message in messages:
        path = directory / f"{message.recipient}.txt"
        path.write_text(f"Tiêu đề: {message.subject}\n\n{message.body}", encoding="utf-8")
        paths.append(path)
    return paths
