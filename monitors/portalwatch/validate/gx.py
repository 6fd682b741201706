"""Run the declared suites with Great Expectations and return one failure per failing row.

Great Expectations is imported here only (it takes seconds to import) and its usage analytics are
switched off before the import: on a closed network they hang, and a monitor must not phone home.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import SuiteError
from .suites import FRAMES, SuiteSpec

__all__ = ["Failure", "run_suites", "rows_for"]

logger = logging.getLogger(__name__)
_ROW = "_pw_row"


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


def _context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suites(suites: list[SuiteSpec], frames: dict[str, pd.DataFrame]) -> list[Failure]:
    """Validate each frame with the suites that check it; failures carry the row that failed."""
    gx, gxe = _gx()
    context = _context(gx)
    source = context.data_sources.add_pandas("portal")
    failures: list[Failure] = []
    for suite in suites:
        frame = rows_for(suite, frames[suite.frame]).reset_index(drop=True)
        if frame.empty:
            continue
        frame = frame.assign(**{_ROW: range(len(frame))})
        asset = source.add_dataframe_asset(f"{suite.name}_asset")
        batch = asset.add_batch_definition_whole_dataframe(f"{suite.name}_batch")
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        locations: list[tuple[int, str]] = []
        for index, rule in enumerate(suite.rules):
            cls = _expectation_class(gxe, rule.expectation, suite)
            for field_name in rule.fields:
                column = rule.column_for(field_name, suite)
                if column not in frame.columns:
                    raise SuiteError(f"field '{field_name}' is not a column of the {suite.frame} frame",
                                     path=str(suite.path), key=f"rules.{rule.rule}")
                gx_suite.add_expectation(cls(column=column, **rule.kwargs,
                                             meta={"rule": rule.rule, "field": field_name}))
                locations.append((index, field_name))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite.name}_definition", data=batch, suite=gx_suite))
        result = definition.run(batch_parameters={"dataframe": frame},
                                result_format={"result_format": "COMPLETE",
                                               "unexpected_index_column_names": [_ROW]})
        rule_by_name = {r.rule: i for i, r in enumerate(suite.rules)}
        for outcome in result.results:
            if outcome.success:
                continue
            meta = outcome.expectation_config.meta or {}
            if outcome.exception_info and outcome.exception_info.get("raised_exception"):
                raise SuiteError(f"expectation failed to run: {outcome.exception_info.get('exception_message')}",
                                 path=str(suite.path), key=f"rules.{meta.get('rule')}")
            rule = suite.rules[rule_by_name[meta["rule"]]]
            column = rule.value_for(meta["field"], suite)   # evidence: the value as the site wrote it
            for hit in outcome.result.get("unexpected_index_list") or []:
                row = frame.iloc[int(hit[_ROW])].drop(labels=[_ROW]).to_dict()
                failures.append(Failure(suite=suite, rule_index=rule_by_name[meta["rule"]], field=meta["field"],
                                        row=row, value=row.get(column)))
    return failures
