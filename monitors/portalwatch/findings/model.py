"""The finding record (DESIGN.md: "A finding"): one problem, one responsible unit, a stable key."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from .. import files

__all__ = ["Finding", "CATEGORIES", "SEVERITIES", "finding_key", "finding_from_row", "write_findings",
           "read_findings"]

CATEGORIES = ("missing", "placeholder", "invalid_phone", "old_numbering", "unofficial_email", "invalid_email",
              "stale", "leader_left", "leader_missing", "duplicate_contact", "inconsistent", "unit_missing",
              "page_unreachable")
SEVERITIES = ("high", "medium", "low")


def finding_key(portal: str, unit_id: str, subject: str, field: str, rule: str) -> str:
    """Stable across nights and runs: the same problem keeps its key until it is fixed."""
    parts = [unicodedata.normalize("NFC", p) for p in (portal, unit_id, subject, field, rule)]
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Finding:
    key: str
    portal: str
    unit_id: str
    unit_name: str
    subject: str
    field: str
    rule: str
    category: str
    severity: str
    value: str | None
    expected: str
    suggestion: str | None
    url: str
    legal_basis: str
    message_vi: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def finding_from_row(row: dict[str, Any]) -> Finding:
    """A finding as the store keeps it (a row of its findings table, the evidence as last seen): the
    columns that are not the finding's are left out, and a text column the row lacks is empty."""
    return Finding(**{name: row.get(name) if row.get(name) is not None or name in ("value", "suggestion") else ""
                      for name in Finding.__dataclass_fields__})


def write_findings(findings: list[Finding], path: Path) -> Path:
    """findings.jsonl: one JSON object a line, UTF-8, NFC, sorted by unit then key (stable diffs)."""
    ordered = sorted(findings, key=lambda f: (f.unit_id, f.subject, f.field, f.rule))
    with files.replacing(path) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for finding in ordered:
            record = {k: (unicodedata.normalize("NFC", v) if isinstance(v, str) else v)
                      for k, v in finding.to_dict().items()}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def read_findings(path: Path) -> list[Finding]:
    names = {f.name for f in fields(Finding)}
    with path.open(encoding="utf-8") as handle:
        return [Finding(**{k: v for k, v in json.loads(line).items() if k in names}) for line in handle if line.strip()]
