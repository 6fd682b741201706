"""Run the declared suites with Great Expectations and return one failure per failing row.

Great Expectations is imported here only (it takes seconds to import; see .lazy) and its usage analytics are
switched off before the import: on a closed network they hang, and a monitor must not phone home.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..errors import SuiteError
from .lazy import deferred
from .suites import FRAMES, SuiteSpec
from .verdicts import Verdict, Verdicts

__all__ = ["Failure", "run_suites", "rows_for", "data_docs_index"]

logger = logging.getLogger(__name__)
#: What the failures need: every failing row's position; not the values, counts or a query string.
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False,
                 "partial_unexpected_count": 0, "exclude_unexpected_values": True}


@dataclass(frozen=True, slots=True)
class Failure:
    """One row that failed one rule on one field."""

    suite: SuiteSpec
    rule_index: int
    field: str
    row: dict[str, Any]
    value: Any

    @property
    def rule(self):
        return self.suite.rules[self.rule_index]

    @property
    def subject(self) -> str:
        """"unit", or the person the failing row is about."""
        column = FRAMES[self.suite.frame]["subject"]
        return (self.row.get(column) or "") if column else "unit"


def _gx():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    with deferred():                      # SciPy and Altair run only if a suite calls them
        import great_expectations as gx
        import great_expectations.expectations as gxe

    return gx, gxe


def _expectation_class(gxe: Any, name: str, suite: SuiteSpec) -> Any:
    class_name = "".join(part.capitalize() for part in name.split("_"))
    cls = getattr(gxe, class_name, None)
    if cls is None:
        raise SuiteError(f"unknown Great Expectations expectation '{name}'", path=str(suite.path), key="expectation")
    return cls


def rows_for(suite: SuiteSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a suite checks: rows tied to a registry unit, and (``reachable``) whose page answered."""
    rows = frame[frame["unit_id"].notna()]
    if suite.rows == "reachable" and "http_status" in rows:
        rows = rows[rows["http_status"].between(200, 299)]
    return rows


#: How many nights of results the Data Docs index lists. Every result stays on disk with its page;
#: but the index loads each result it lists, so an index of every night would cost more each night.
DOCS_NIGHTS = 31
_SITE = "local_site"


def _context(gx: Any, project_dir: Path | None) -> Any:
    """A file context under ``project_dir`` (suites, validation definitions, checkpoints, results and
    Data Docs kept for ops), or an ephemeral one when nothing is to be kept."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if project_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        project_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(project_dir))
        if context.variables.config_variables_file_path:
            # Great Expectations reads its config variables file again at nearly every store access
            # (some 200 YAML parses a night); the project substitutes no variables, so it has none.
            context.variables.config_variables_file_path = None
            context.variables.save()
            context = gx.get_context(mode="file", project_root_dir=str(project_dir))
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if project_dir is not None:
        context.variables.save()
    return context


def _asset(source: Any, name: str) -> Any:
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        return asset.get_batch_definition("night")
    except KeyError:
        return asset.add_batch_definition_whole_dataframe("night")


def run_suites(suites: list[SuiteSpec], frames: dict[str, pd.DataFrame],
               project_dir: Path | None = None, verdicts: Verdicts | None = None) -> list[Failure]:
    """Validate the frames: one validation definition and one checkpoint per suite.

    With ``project_dir``, the Great Expectations project there keeps every run, and its Data Docs
    (``gx/uncommitted/data_docs/local_site/index.html``) are updated once, for tonight's results:
    Great Expectations' own action rebuilds the index for every suite, and the index lists (and
    loads) the results of the last :data:`DOCS_NIGHTS` nights only, so a night does not cost more
    with each night already kept.

    With ``verdicts`` (:class:`~.verdicts.Verdicts`, loaded from last night), a suite given exactly
    the columns it was given last night, unchanged itself, takes last night's failing rows instead
    of being run (its last result stays the one in Data Docs: a suite with no result in the project
    runs); tonight's verdicts are put back in it for the caller to save. Great Expectations is
    imported only if some suite runs.

    Two runs validating into one project at once (two runs of a portal into one output folder)
    take turns: Great Expectations' file store is not written safely by two processes at once.
    """
    if project_dir is None:
        return _run_suites(suites, frames, None, verdicts)
    with _project_lock(project_dir):
        return _run_suites(suites, frames, project_dir, verdicts)


@contextlib.contextmanager
def _project_lock(project_dir: Path) -> Iterator[None]:
    """Hold the project folder for this process (an advisory lock on a file in it, released when the
    process ends, however it ends)."""
    import fcntl

    project_dir.mkdir(parents=True, exist_ok=True)
    with open(project_dir / ".portalwatch-gx.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run_suites(suites: list[SuiteSpec], frames: dict[str, pd.DataFrame], project_dir: Path | None,
                verdicts: Verdicts | None) -> list[Failure]:
    groups: dict[tuple[str, str], list[SuiteSpec]] = {}
    for suite in suites:
        groups.setdefault((suite.frame, suite.rows), []).append(suite)

    failures: list[Failure] = []
    documented: list[Any] = []
    checked_suites = 0
    gx = gxe = context = source = None
    for (frame_name, rows), members in groups.items():
        frame = rows_for(members[0], frames[frame_name]).reset_index(drop=True)
        if frame.empty:
            continue
        for suite in members:
            checked_suites += 1
            columns = _checked_columns(suite, frame)
            # Great Expectations filters (and fingerprints) the frame it is given for every
            # expectation: each suite gets the columns it checks only, and its failures take their
            # rows from the whole frame.
            given = frame[columns]
            key = Verdicts.key(suite, given) if verdicts is not None else ""
            verdict = (verdicts.get(suite.name, key) if verdicts is not None and _kept_in(project_dir, suite)
                       else None)
            if verdict is None:
                if context is None:
                    gx, gxe = _gx()
                    context = _context(gx, project_dir)
                    source = context.data_sources.add_or_update_pandas("portal")
                identifier, verdict = _validate(gx, gxe, context, source, suite, frame_name, rows, given)
                documented.append(identifier)
                if verdicts is not None:
                    verdicts.put(suite.name, key, verdict)
            failures.extend(_failures(suite, verdict, frame))
    if verdicts is not None and verdicts.reused:
        logger.info("%d suites given the same columns as the last run, their verdicts reused: %s",
                    len(verdicts.reused), ", ".join(verdicts.reused))
    if project_dir is not None and documented:
        _update_data_docs(context, documented, checked_suites)
    return failures


def _kept_in(project_dir: Path | None, suite: SuiteSpec) -> bool:
    """Whether the project holds a result of the suite, so that Data Docs can show its last run; a
    project folder removed (to start its Data Docs afresh) has every suite run again."""
    if project_dir is None:
        return True
    results = project_dir / "gx" / "uncommitted" / "validations" / suite.name
    return results.is_dir() and any(results.rglob("*.json"))


def _validate(gx: Any, gxe: Any, context: Any, source: Any, suite: SuiteSpec, frame_name: str, rows: str,
              given: pd.DataFrame) -> tuple[Any, Verdict]:
    """Run one suite through its checkpoint: (the result's identifier, the failing rows)."""
    batch = _asset(source, f"{frame_name}_{rows}")
    gx_suite = context.suites.add_or_update(_suite(gx, gxe, suite))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=f"portalwatch_{suite.name}", validation_definitions=[definition], actions=[],
        result_format=RESULT_FORMAT))
    result = checkpoint.run(batch_parameters={"dataframe": given})
    (identifier, outcome), = result.run_results.items()
    return identifier, _verdict(suite, outcome)


def _checked_columns(suite: SuiteSpec, frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` a suite reads (all of them for a rule with a row condition)."""
    checked: dict[str, None] = {}
    for rule in suite.rules:
        for field_name in rule.fields:
            column = rule.column_for(field_name, suite)
            if column not in frame.columns:
                raise SuiteError(f"field '{field_name}' (column '{column}') is not in the {suite.frame} frame",
                                 path=str(suite.path), key=f"rules.{rule.rule}")
            checked[column] = None
            shown = rule.value_for(field_name, suite)
            if shown is not None and shown not in frame.columns:
                raise SuiteError(f"value: column '{shown}', shown as evidence of field '{field_name}', is not in "
                                 f"the {suite.frame} frame", path=str(suite.path), key=f"rules.{rule.rule}.value")
            if "row_condition" in rule.kwargs:  # a condition may read any column: keep them all
                checked.update(dict.fromkeys(frame.columns))
    return list(checked)


def _suite(gx: Any, gxe: Any, suite: SuiteSpec) -> Any:
    """The suite as Great Expectations states it.

    The expectations are given to the suite as it is built: adding them one by one asks the project's
    store, for each, whether the suite was saved (a file read each, some 40 a night)."""
    expectations = []
    for index, rule in enumerate(suite.rules):
        cls = _expectation_class(gxe, rule.expectation, suite)
        for field_name in rule.fields:
            expectations.append(cls(column=rule.column_for(field_name, suite), **rule.kwargs,
                                    meta={"rule": rule.rule, "field": field_name, "index": index}))
    return gx.ExpectationSuite(name=suite.name, expectations=expectations)


def _update_data_docs(context: Any, results: list[Any], suites_checked: int) -> None:
    """Render tonight's validation results and their suites, and the index (of the last
    :data:`DOCS_NIGHTS` nights' worth of results of the ``suites_checked`` suites that had rows
    tonight, run or reused), in one pass."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    site = (context.variables.data_docs_sites or {}).get(_SITE)
    index = dict((site or {}).get("site_index_builder") or {"class_name": "DefaultSiteIndexBuilder"})
    limit = DOCS_NIGHTS * suites_checked        # a night's results, newest first, and as many nights before
    if site is not None and index.get("validation_results_limit") != limit:
        index["validation_results_limit"] = limit
        context.update_data_docs_site(_SITE, {**site, "site_index_builder": index})
    suites = {r.expectation_suite_identifier.name for r in results}
    suite_ids = [ExpectationSuiteIdentifier(name=name) for name in sorted(suites)]
    context.build_data_docs(resource_identifiers=[*results, *suite_ids], build_index=True)


def _verdict(suite: SuiteSpec, validation: Any) -> Verdict:
    """The failing rows of each failed expectation of a suite's result."""
    verdict: Verdict = []
    for outcome in validation.results:
        if outcome.success:
            continue
        meta = outcome.expectation_config.meta or {}
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise SuiteError(f"expectation failed to run: {outcome.exception_info.get('exception_message')}",
                             path=str(suite.path), key=f"rules.{meta.get('rule')}")
        hits = outcome.result.get("unexpected_index_list") or []      # row positions (a RangeIndex)
        verdict.append((int(meta["index"]), str(meta["field"]), [int(row) for row in hits]))
    return verdict


def _failures(suite: SuiteSpec, verdict: Verdict, frame: pd.DataFrame) -> list[Failure]:
    found = []
    for index, field_name, hits in verdict:
        column = suite.rules[index].value_for(field_name, suite)    # evidence: the value as the site wrote it
        for row in frame.iloc[hits].to_dict("records"):             # one take per rule, not one per row
            found.append(Failure(suite=suite, rule_index=index, field=field_name, row=row,
                                 value=row.get(column) if column is not None else None))
    return found


def data_docs_index(project_dir: Path) -> Path:
    """Where the Data Docs of a project folder start."""
    return project_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
