"""Suite verdicts kept between nights: a suite given exactly last night's columns is not run again.

What Great Expectations finds with a suite depends only on the suite (its expectations and their
arguments), on the code that states it and runs it, and on the columns it is given. Night after
night an unchanged portal gives most suites the same columns (the directory, the units' contacts,
the registry); the suites that read the night's date through a derived column (working days since
an update, the week of a schedule) get new columns. A suite whose key (all of the above, hashed) is
the one kept from the last night gets last night's failing rows back, row for row: the columns are
the same, so the rows are too. When every suite is unchanged, Great Expectations is not even
imported.

A column that only bounds are checked on (``expect_column_values_to_be_between``: working days
since an update, how many others share a phone) enters the key as what those bounds can tell of
each value: missing, below, within or above. A page updated 12 working days ago tonight and 11 last
night is within a limit of 120 both nights, and the freshness suite is not run again until some page
crosses the limit (or is updated past it); its findings still quote tonight's count, since a
failure takes its row from tonight's frame.

The file is a cache: a missing, unreadable or other version's file only means every suite runs.
It keeps tonight's verdicts only, so it does not grow with the nights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import numbers
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import files

__all__ = ["Verdict", "Verdicts", "frame_digest", "as_seen"]

logger = logging.getLogger(__name__)
#: The failing rows of one expectation: (rule index, field, row positions in the suite's frame).
Verdict = list[tuple[int, str, list[int]]]


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of the columns as given: names, types and every value, exactly.

    Each column's values are pickled (``hash_pandas_object`` reads an object column as text, so a
    missing value and the text "None" would hash alike; equal bytes are equal values), one column
    at a time: a frame pickled whole also records how pandas happens to group its columns in
    memory, which differs between equal frames."""
    digest = hashlib.blake2b(digest_size=20)
    for name in frame.columns:
        column = frame[name]
        digest.update(pickle.dumps((str(name), str(column.dtype), column.to_numpy()), protocol=5))
    digest.update(pickle.dumps(frame.index, protocol=5))
    return digest.hexdigest()


#: Expectations whose verdict on a value is which side of their bounds the value lies on, and the
#: arguments they may be given for that to hold (``strict_min``, ``mostly`` and the like are not).
BOUNDS = {"expect_column_values_to_be_between": frozenset({"min_value", "max_value"})}


def as_seen(suite: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """The columns as the suite's expectations can tell their values apart.

    A column read only by bound checks (:data:`BOUNDS`) with numeric bounds, holding numbers and
    missing values only, becomes each value's side of each rule's bounds; every other column is
    kept as it is. Two frames equal as seen get the same failing rows, row for row."""
    if any("row_condition" in rule.kwargs for rule in suite.rules):   # a condition may read any column
        return frame
    readers: dict[str, list[Any]] = {}
    for rule in suite.rules:
        for field_name in rule.fields:
            readers.setdefault(rule.column_for(field_name, suite), []).append(rule)
    seen = frame
    for column, rules in readers.items():
        if column not in frame.columns or not all(
                rule.expectation in BOUNDS and set(rule.kwargs) <= BOUNDS[rule.expectation] for rule in rules):
            continue
        bounds = [(rule.kwargs.get("min_value"), rule.kwargs.get("max_value")) for rule in rules]
        sides = _sides(frame[column], bounds)
        if sides is not None:
            seen = seen.assign(**{column: sides})
    return seen


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _sides(values: pd.Series, bounds: list[tuple[Any, Any]]) -> pd.Series | None:
    """For each value, None if missing, else its side of each (min, max): "<", "=" or ">"
    (inclusive bounds, as Great Expectations checks them); None for the whole column if a value or
    a bound is not a plain number, since then only the value itself says what the check sees.
    Compared as arrays: the directory's columns run to 100,000 rows."""
    if not all(bound is None or _number(bound) for pair in bounds for bound in pair):
        return None
    if values.dtype == object:
        if not all(v is None or v is pd.NA or _number(v) for v in values.tolist()):
            return None
    elif not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    data = values.to_numpy(dtype=float, na_value=np.nan)
    sides = np.full(len(data), "", dtype=object)
    for lo, hi in bounds:
        below = data < lo if lo is not None else np.zeros(len(data), dtype=bool)
        above = data > hi if hi is not None else np.zeros(len(data), dtype=bool)
        sides = sides + np.where(below, "<", np.where(above, ">", "=")).astype(object)
    sides[np.isnan(data)] = None
    return pd.Series(sides, index=values.index, dtype=object)


def _version() -> str:
    """This module's and the runner's code, and the versions of Great Expectations and of pandas
    (which computes its metrics): a verdict kept by other code is not reused."""
    from importlib.metadata import version

    here = Path(__file__).resolve().parent
    code = (here / "verdicts.py").read_bytes() + (here / "gx.py").read_bytes()
    versions = f"{version('great_expectations')}\0{pd.__version__}".encode()
    return hashlib.sha256(code + versions).hexdigest()[:16]


@dataclass
class Verdicts:
    """Last night's verdicts (read from :attr:`path`) and tonight's (written back by :meth:`save`)."""

    path: Path
    version: str = field(default_factory=_version)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    tonight: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: suites whose verdict was reused tonight
    reused: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path) -> Verdicts:
        verdicts = cls(Path(path))
        try:
            data = json.loads(verdicts.path.read_text(encoding="utf-8"))
            if data.get("version") == verdicts.version:
                suites = data["suites"]
                if not all(isinstance(v, dict) and isinstance(v.get("key"), str) for v in suites.values()):
                    raise ValueError("a suite's entry has no key")
                verdicts.kept = suites
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            if not isinstance(exc, FileNotFoundError):
                logger.warning("verdict cache %s not read (%s): every suite is validated", path, exc)
        return verdicts

    @staticmethod
    def key(suite: Any, frame: pd.DataFrame) -> str:
        """What a suite's verdict depends on: its frame and rows, its rules' expectations, fields,
        columns and arguments (the profile's values already in them), and the columns it is given,
        as its expectations can tell them apart (:func:`as_seen`). Stated from the suite as
        declared, so that no Great Expectations import is needed to know."""
        stated = json.dumps([suite.name, suite.frame, suite.rows,
                             [[rule.expectation, rule.kwargs, [[f, rule.column_for(f, suite)] for f in rule.fields]]
                              for rule in suite.rules]],
                            sort_keys=True, default=repr, ensure_ascii=False)
        return hashlib.sha256(f"{stated}\0{frame_digest(as_seen(suite, frame))}".encode("utf-8")).hexdigest()

    def get(self, name: str, key: str) -> Verdict | None:
        """Last night's verdict of the suite if its key is ``key``, else None."""
        entry = self.kept.get(name)
        if entry is None or entry.get("key") != key:
            return None
        try:
            verdict = [(int(index), str(field_name), [int(row) for row in rows])
                       for index, field_name, rows in entry["failing"]]
        except (KeyError, TypeError, ValueError):
            return None
        self.tonight[name] = entry
        self.reused.append(name)
        return verdict

    def put(self, name: str, key: str, verdict: Verdict) -> None:
        self.tonight[name] = {"key": key, "failing": [[i, f, list(rows)] for i, f, rows in verdict]}

    def save(self) -> None:
        """Keep tonight's verdicts (written to a temporary name and renamed); a failure to write is
        logged, never the night's end: the next night validates every suite."""
        try:
            files.write_text(self.path, json.dumps({"version": self.version, "suites": self.tonight}))
        except OSError as exc:
            logger.warning("verdict cache %s not written (%s): the next night validates every suite",
                           self.path, exc)
