"""Expectation suites declared as data in ``expectations/*.yaml``.

A suite file says which DataFrame it checks, which rows, and its rules. Each rule names a Great
Expectations expectation, the fields it applies to, and what a failure means to people: category,
severity, the legal text that requires it, and the sentence a unit can act on (Vietnamese first).
Lists and thresholds that differ between portals are taken from the profile by name
(``{profile: required.units}``), so one suite serves every portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SuiteError
from ..findings.model import CATEGORIES, SEVERITIES
from ..normalise.text import placeholder_pattern
from ..profile.reader import Reader
from ..profile.schema import Profile
from ..profile.yamlio import load_yaml
from .legal import BASES_FILE, Bases, LegalBasis, load_bases

__all__ = ["RuleSpec", "SuiteSpec", "load_suites", "profile_parameters", "rule_names", "DEFAULT_SUITES_DIR",
           "FRAMES"]

#: Where the suites of this repository live (``expectations/`` at the project root).
DEFAULT_SUITES_DIR = Path(__file__).resolve().parents[3] / "expectations"

#: The frames a suite may check, the column holding each field's raw value, and the subject column.
FRAMES: dict[str, dict[str, Any]] = {
    "units": {"columns": {"phone": "phone_raw", "fax": "fax_raw", "email": "email_raw", "updated": "updated_raw",
                          "updated_at": "updated_raw"},
              "subject": None},
    "directory": {"columns": {"office_phone": "office_phone_raw", "mobile": "mobile_raw", "email": "email_raw",
                              "person": "position"},
                  "subject": "person_name"},
    "registry": {"columns": {"page": "page_status_text"}, "subject": None},
    "roster": {"columns": {"person": "position"}, "subject": "person_name"},
    "schedules": {"columns": {"schedule": "newest_raw"}, "subject": None},
    "drafts": {"columns": {"draft": "deadline_raw"}, "subject": "title"},
}
ROW_FILTERS = ("all", "reachable")


@dataclass(frozen=True, slots=True)
class RuleSpec:
    rule: str
    expectation: str
    fields: tuple[str, ...]
    kwargs: dict[str, Any]
    category: str
    severity: str
    legal_basis: LegalBasis         # cited as it stood on the night: ``legal_basis.on(night)``
    expected: str
    message_vi: str
    message_en: str
    suggestion: str | None = None
    column: str | None = None       # the column checked, e.g. "{field}_status"; default: the field's value
    value: str | None = None        # the column shown as evidence; default: the field's value as written
    shows_value: bool = True        # False (``value: false``): nothing of the site is evidence, e.g. a person
                                    # missing from the directory, so the finding's value is None
    title_vi: str | None = None     # what the rule checks, as the report's filter names it
    title_en: str | None = None

    def title(self, lang: str = "vi") -> str:
        """The rule's name for people (the report's rule filter); its id when the suite gives none."""
        return (self.title_vi if lang == "vi" else self.title_en) or self.rule

    def column_for(self, field_name: str, suite: "SuiteSpec") -> str:
        return self.column.format(field=field_name) if self.column else suite.column(field_name)

    def value_for(self, field_name: str, suite: "SuiteSpec") -> str | None:
        """The column whose value a failure shows as what the site says; None for a rule that shows
        nothing (``value: false``): quoting another column there would tell a unit the site shows
        something it does not."""
        if not self.shows_value:
            return None
        return self.value.format(field=field_name) if self.value else suite.column(field_name)


@dataclass(frozen=True, slots=True)
class SuiteSpec:
    name: str
    frame: str
    rows: str
    rules: tuple[RuleSpec, ...]
    path: Path = field(compare=False)

    def column(self, field_name: str) -> str:
        return FRAMES[self.frame]["columns"].get(field_name, field_name)


def profile_parameters(profile: Profile) -> dict[str, Any]:
    """The values a suite may take from the profile, by the name it uses for them."""
    return {
        "required.units": list(profile.checks.required.get("units", ())),
        "required.directory": list(profile.checks.required.get("directory", ())),
        "placeholder_regex": placeholder_pattern(profile.checks.placeholders),
        "unit_page_max_age_working_days": profile.checks.unit_page_max_age_working_days,
        "fax_may_equal_phone": [True, False] if profile.checks.fax_may_equal_phone else [False],
    }


def _resolve(value: Any, params: dict[str, Any], reader: Reader, key: str) -> Any:
    if isinstance(value, dict) and set(value) == {"profile"}:
        name = value["profile"]
        if name not in params:
            raise reader.fail(f"unknown profile parameter '{name}' (known: {', '.join(params)})", key)
        return params[name]
    return value


def _evidence(reader: Reader) -> str | bool | None:
    """A rule's ``value``: the column shown as what the site says (``{field}`` allowed), ``false`` for
    a rule whose failure shows nothing of the site, or None (absent) for the field's value as
    written. An empty or null ``value:`` is refused rather than read as either: it would silently
    quote the field's column, which is what ``false`` exists to prevent."""
    if "value" not in reader.data:
        return None
    value = reader.data["value"]
    if value is False or (isinstance(value, str) and value.strip()):
        return value
    raise reader.fail(f"expected the name of the column shown as evidence (e.g. \"{{field}}_raw\"), or false "
                      f"for a rule that shows no value seen, found {value!r}", "value")


def _rule(reader: Reader, params: dict[str, Any], bases: Bases) -> RuleSpec:
    reader.check_keys(("rule", "title_vi", "title_en", "expectation", "fields", "column", "value", "kwargs",
                       "category", "severity", "legal_basis", "expected", "message_vi", "message_en", "suggestion"))
    category = reader.get("category", str)
    if category not in CATEGORIES:
        raise reader.fail(f"expected one of {', '.join(CATEGORIES)}, found {category!r}", "category")
    severity = reader.get("severity", str)
    if severity not in SEVERITIES:
        raise reader.fail(f"expected one of {', '.join(SEVERITIES)}, found {severity!r}", "severity")
    fields_value = _resolve(reader.get("fields", (list, dict)), params, reader, "fields")
    if not isinstance(fields_value, list) or not all(isinstance(f, str) for f in fields_value):
        raise reader.fail("expected a list of field names", "fields")
    kwargs = {k: _resolve(v, params, reader, f"kwargs.{k}") for k, v in reader.get("kwargs", dict, {}).items()}
    value = _evidence(reader)
    return RuleSpec(rule=reader.get("rule", str), expectation=reader.get("expectation", str),
                    fields=tuple(fields_value), kwargs=kwargs, category=category, severity=severity,
                    legal_basis=bases.basis(reader.get("legal_basis", (str, list)), reader, "legal_basis"),
                    expected=reader.get("expected", str),
                    message_vi=reader.get("message_vi", str), message_en=reader.get("message_en", str),
                    suggestion=reader.get("suggestion", str, None), column=reader.get("column", str, None),
                    value=value or None, shows_value=value is not False, title_vi=reader.get("title_vi", str, None),
                    title_en=reader.get("title_en", str, None))


def load_suite(path: Path, params: dict[str, Any], bases: Bases) -> SuiteSpec:
    top = Reader(load_yaml(path, SuiteError), path, "", SuiteError)
    top.check_keys(("suite", "frame", "rows", "rules"))
    frame = top.get("frame", str)
    if frame not in FRAMES:
        raise top.fail(f"expected one of {', '.join(FRAMES)}, found {frame!r}", "frame")
    rows = top.get("rows", str, "all")
    if rows not in ROW_FILTERS:
        raise top.fail(f"expected one of {', '.join(ROW_FILTERS)}, found {rows!r}", "rows")
    rules = tuple(_rule(Reader(raw, path, f"rules[{i}]", SuiteError, top.line), params, bases)
                  for i, raw in enumerate(top.get("rules", list)))
    names = [r.rule for r in rules]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise top.fail(f"duplicate rule name(s): {', '.join(sorted(duplicates))}", "rules")
    return SuiteSpec(name=top.get("suite", str), frame=frame, rows=rows, rules=rules, path=path)


def load_suites(profile: Profile, directory: Path | None = None, bases: Bases | None = None) -> list[SuiteSpec]:
    """Every ``*.yaml`` suite of the directory, in file-name order, with profile values filled in and
    legal bases read from the directory's ``legal/bases.yaml`` (the bundled one when it has none),
    unless the caller has read them (``bases``, from :func:`suite_bases`)."""
    directory = directory or DEFAULT_SUITES_DIR
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise SuiteError("no suite file (*.yaml) found", path=str(directory))
    params = profile_parameters(profile)
    bases = bases if bases is not None else suite_bases(directory)
    suites = [load_suite(p, params, bases) for p in files]
    seen: dict[str, Path] = {}
    for suite in suites:
        for rule in suite.rules:
            if rule.rule in seen:
                raise SuiteError(f"rule '{rule.rule}' is also defined in {seen[rule.rule]}",
                                 path=str(suite.path), key="rules")
            seen[rule.rule] = suite.path
    return suites


def suite_bases(directory: Path | None = None) -> Bases:
    """The legal bases of a suite folder: its own ``legal/bases.yaml``, else the bundled one (the
    report cites them too, for the content score, as the suites' rules do)."""
    own = (directory or DEFAULT_SUITES_DIR) / BASES_FILE
    return load_bases(own if own.is_file() else DEFAULT_SUITES_DIR / BASES_FILE)


def rule_names(directory: Path | None = None) -> set[str]:
    """The rule names the suites of the directory declare, read without a profile (for a command
    that checks a ``--rule`` it was given); a suite file that cannot be read declares none here, as
    the night that loads it says what is wrong with it."""
    names: set[str] = set()
    for path in sorted((directory or DEFAULT_SUITES_DIR).glob("*.yaml")):
        try:
            top = load_yaml(path, SuiteError)
        except SuiteError:
            continue
        rules = top.get("rules") if isinstance(top, dict) else None
        names.update(r["rule"] for r in rules or () if isinstance(r, dict) and isinstance(r.get("rule"), str))
    return names
