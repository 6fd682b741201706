"""The legal basis a finding cites, as the law stood on the night it was found.

Laws are replaced: Decree 43/2011 gave way to Decree 42/2022 on 15/8/2022, and Decree 42/2022 to
Decree 224/2026 on 01/7/2026. A unit told in December 2026 that it breaks a decree no longer in force
can rightly ignore the message, and a night replayed for 2022 must not cite a decree of 2026. So a
rule does not name articles: it names the *duties* it checks (``officials_contacts``,
``kept_current``), and ``expectations/legal/bases.yaml`` says which article of which instrument
states each duty, and when each instrument was in force. When an article changes (or an unofficial
copy is confirmed) that file is the one place to correct.

A suite may still give ``legal_basis`` as plain text: it is then cited on every night.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SuiteError
from ..profile.reader import Reader
from ..profile.yamlio import load_yaml

__all__ = ["Instrument", "Citation", "LegalBasis", "Bases", "load_bases", "BASES_FILE"]

#: Where a suite folder keeps its legal bases (a subfolder: suites are the folder's own *.yaml files).
BASES_FILE = Path("legal") / "bases.yaml"


@dataclass(frozen=True, slots=True)
class Instrument:
    """A law, decree or regulation, and the days it was in force (either end open)."""

    key: str
    title: str
    start: dt.date | None = None
    end: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Citation:
    """One article of one instrument (or, with no instrument, a text cited on every day)."""

    cite: str
    instrument: Instrument | None = None
    note: str | None = None

    def in_force(self, day: dt.date) -> bool:
        return self.instrument is None or self.instrument.in_force(day)


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """What one rule cites: the citations of its duties, in the order the rule names them."""

    citations: tuple[Citation, ...]

    @classmethod
    def text(cls, value: str) -> "LegalBasis":
        """A basis given as plain text: cited on every night."""
        return cls((Citation(cite=value),))

    def on(self, day: dt.date) -> str:
        """The citation for a night, in the usual Vietnamese order ("điểm e khoản 1 Điều 4 Nghị định
        số 42/2022/NĐ-CP"), articles of one instrument together. A night before any instrument the
        rule cites came into force cites those that came first."""
        current = [c for c in self.citations if c.in_force(day)]
        if not current:
            starts = [c.instrument.start for c in self.citations if c.instrument and c.instrument.start]
            first = min(starts, default=None)
            current = [c for c in self.citations if first is not None and c.in_force(first)]
        return _join(current)

    def gap(self) -> dt.date | None:
        """The first day, from the first day any citation is in force, on which the rule would cite
        nothing; None when the citations leave no gap."""
        spans = sorted(((c.instrument.start if c.instrument else None) or dt.date.min,
                        (c.instrument.end if c.instrument else None) or dt.date.max) for c in self.citations)
        if not spans:
            return dt.date.min
        covered_to = spans[0][1]
        for start, end in spans[1:]:
            if covered_to != dt.date.max and start > covered_to + dt.timedelta(days=1):
                return covered_to + dt.timedelta(days=1)
            covered_to = max(covered_to, end)
        return None if covered_to == dt.date.max else covered_to + dt.timedelta(days=1)


def _join(citations: list[Citation]) -> str:
    """Citations of one instrument merged ("điểm e khoản 1 Điều 4, khoản 2 Điều 7 Nghị định …"),
    wherever they come in the list, in the order each instrument is first cited; a repeated article
    cited once, notes kept in parentheses."""
    groups: list[tuple[Instrument | None, list[str], list[str]]] = []
    for citation in citations:
        same = [g for g in groups if citation.instrument is not None and g[0] == citation.instrument]
        if same:
            _, cites, notes = same[0]
        else:
            cites, notes = [], []
            groups.append((citation.instrument, cites, notes))
        if citation.cite not in cites:
            cites.append(citation.cite)
        if citation.note and citation.note not in notes:
            notes.append(citation.note)
    parts = []
    for instrument, cites, notes in groups:
        text = ", ".join(cites) + (f" {instrument.title}" if instrument else "")
        parts.append(text + (f" ({'; '.join(notes)})" if notes else ""))
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Bases:
    """The instruments and the duties of one suite folder's ``legal/bases.yaml``."""

    path: Path
    duties: dict[str, tuple[Citation, ...]]

    def basis(self, value: Any, reader: Reader, key: str) -> LegalBasis:
        """A rule's ``legal_basis``: plain text, or the list of the duties it checks."""
        if isinstance(value, str):
            return LegalBasis.text(value)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise reader.fail("expected a text, or a list of duties named in "
                              f"{self.path} (known: {', '.join(self.duties) or 'none'})", key)
        unknown = [v for v in value if v not in self.duties]
        if unknown:
            raise reader.fail(f"unknown duty '{unknown[0]}' (known in {self.path}: {', '.join(self.duties)})", key)
        basis = LegalBasis(tuple(c for duty in value for c in self.duties[duty]))
        gap = basis.gap()
        if gap is not None:
            raise reader.fail(f"from {gap:%d/%m/%Y} none of the duties {', '.join(value)} cites an instrument "
                              f"in force (see {self.path}): add a duty, or the article that states it then", key)
        return basis


def _date(reader: Reader, key: str) -> dt.date | None:
    value = reader.get(key, (dt.date, str), None)
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise reader.fail(f"expected a date written YYYY-MM-DD, found {value!r}", key) from None


def load_bases(path: Path) -> Bases:
    """Read ``legal/bases.yaml``; a missing file gives no duties (plain-text bases still work)."""
    if not path.is_file():
        return Bases(path=path, duties={})
    top = Reader(load_yaml(path, SuiteError), path, "", SuiteError)
    top.check_keys(("instruments", "duties"))
    instruments: dict[str, Instrument] = {}
    raw_instruments = top.sub("instruments")
    for key, _ in raw_instruments.items():
        item = raw_instruments.sub(key)
        item.check_keys(("title", "from", "until"))
        instrument = Instrument(key=str(key), title=item.get("title", str), start=_date(item, "from"),
                                end=_date(item, "until"))
        if instrument.start and instrument.end and instrument.end < instrument.start:
            raise item.fail("'until' is before 'from'", "until")
        instruments[instrument.key] = instrument
    duties: dict[str, tuple[Citation, ...]] = {}
    raw_duties = top.sub("duties")
    for name, entries in raw_duties.items():
        if not isinstance(entries, list) or not entries:
            raise raw_duties.fail("expected a list of citations ({in: instrument, cite: article})", str(name))
        citations = []
        for index, entry in enumerate(entries):
            item = Reader(entry, path, f"duties.{name}[{index}]", SuiteError, raw_duties.line)
            item.check_keys(("in", "cite", "note"))
            where = item.get("in", str)
            if where not in instruments:
                raise item.fail(f"unknown instrument '{where}' (known: {', '.join(instruments) or 'none'})", "in")
            citations.append(Citation(cite=item.get("cite", str), instrument=instruments[where],
                                      note=item.get("note", str, None)))
        duties[str(name)] = tuple(citations)
    return Bases(path=path, duties=duties)
