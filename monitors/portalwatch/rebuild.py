"""A night already recorded, run again: its files written again from what the store recorded of it.

The store records a night once (:meth:`~portalwatch.store.store.Store.begin_run` refuses a night
already completed). Running such a night again is how ops recover its files when they were lost
(a folder that could not be written, a disk that filled up, a folder deleted by mistake), so the
files must be those of the night as recorded, never those of the portal as it is today: the portal
is not crawled at all, and nothing is checked again.

    findings.jsonl       the night's findings as it wrote them (revision 0007 of the store); for a night
                         recorded before, from the findings' rows when that night is the last that saw
                         each of them (their texts are then that night's), else not written
    report.html/.en/.pdf the night's findings, run notices, page counts and score, and the history as it
                         stood that night; not written when the score by criterion worked out again does
                         not give the unit scores the night recorded (the registry or the roster changed)
    units.csv, directory.csv   the night's extracted records, normalised again
    alerts/              the texts missing, from the outbox, word for word (texts there are kept)
    summary.json         the night's counts, notices and score from the store; the crawl's own measures
                         (seconds, pages unchanged, pace, suites reused) kept from the summary.json that
                         is there, else unknown (the store does not keep them)

What cannot be written from the store is not written: a file of that night that is there stays as
it is, and the summary (``rebuilt``) and the CLI say what was written again and what was not, and why.
The store is not changed (``--send`` still delivers what waits in the outbox, as any run does).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import files
from .profile.schema import DIRECTORY

__all__ = ["rebuild_outputs", "CRAWL_MEASURES"]

logger = logging.getLogger(__name__)

#: What a night's summary.json says of its crawl and of its own run, which the store does not keep.
CRAWL_MEASURES = ("pages_unchanged", "auto_throttle", "suites_reused", "seconds")

_FOUND = ("opened", "reopened", "seen")


def _findings(store: Any, portal: str, night: dt.date, recorded: dict[str, Any]) -> tuple[list[Any] | None, str]:
    """The night's findings as it wrote them, or None and why they cannot be known."""
    from .findings.model import Finding

    names = {f.name for f in fields(Finding)}
    if recorded["findings"] is not None:
        return [Finding(**{k: v for k, v in d.items() if k in names}) for d in recorded["findings"]], ""
    # A night recorded before the store kept each night's findings (revision 0007): its findings are
    # the keys it opened, reopened or saw; their rows hold the texts of the last night that saw them.
    keys = {e["key"] for e in recorded["events"] if e["event"] in _FOUND}
    rows = [r for r in store.list_findings(portal, status="all") if r["key"] in keys]
    if len(rows) != recorded["run"]["findings"]:
        return None, (f"the store keeps {len(rows)} of the night's {recorded['run']['findings']} findings "
                      f"(a night recorded before the store kept each night's findings)")
    later = [r for r in rows if r["last_seen"] != night]
    if later:
        return None, (f"{len(later)} of its findings were seen again on later nights, which rewrote their texts "
                      f"(a night recorded before the store kept each night's findings)")
    return [Finding(portal=portal, **{k: r[k] for k in names if k != "portal"}) for r in rows], ""


def _score(findings: list[Any], config: Any, night: dt.date, recorded: dict[str, Any]) -> tuple[Any, str]:
    """The night's score by unit and criterion, worked out again from its findings and checked against
    the unit scores (and the portal's score) it recorded; None and why when they differ."""
    from .reports.score import score_portal
    from .store.lifecycle import Coverage

    kept = recorded["unit_scores"]
    seen = None
    if kept:
        seen = Coverage(units_read=frozenset(u for u, (_, why) in kept.items() if why != "page"),
                        directory_ok=not any(why == "directory" for _, why in kept.values()),
                        unknown=frozenset((u, "updated_at") for u, (_, why) in kept.items() if why == "date"),
                        not_due=config.registry.not_due(night, config.profile.policy.deadline_working_days))
    score = score_portal(findings, config.registry, config.roster, night, seen=seen,
                         directory_expected=DIRECTORY in config.profile.pages)
    again = {u.unit_id: (u.total, u.not_read) for u in score.units}
    if kept and again != kept:
        differ = sorted(set(again) ^ set(kept) | {u for u in set(again) & set(kept) if again[u] != kept[u]})
        return None, (f"the scores worked out again differ from those recorded for {len(differ)} unit(s) "
                      f"({', '.join(differ[:3])}{' …' if len(differ) > 3 else ''}): the registry or the roster "
                      f"changed since")
    if score.total != recorded["run"]["score"]:
        return None, (f"the portal's score worked out again ({score.total}) is not the one recorded "
                      f"({recorded['run']['score']}): the registry or the roster changed since")
    return score, ""


def _recorded_score(recorded: dict[str, Any], score: Any) -> dict[str, Any]:
    """summary.json's ``score``, from what the store recorded."""
    points = recorded["run"]["score"]
    kept = recorded["unit_scores"] or ({u.unit_id: (u.total, u.not_read) for u in score.units} if score else {})
    return {"points": points, "out_of": 12, "percent": None if points is None else round(100 * points / 12, 1),
            "units": {u: s for u, (s, _) in sorted(kept.items())},
            "units_scored": sum(why is None for _, why in kept.values()),
            "not_scored": {u: why for u, (_, why) in sorted(kept.items()) if why is not None},
            "not_due": {u.unit_id: u.due.isoformat() for u in (score.not_scored if score else ()) if u.due}}


def rebuild_outputs(out_dir: Path, config: Any, night: dt.date, store: Any, delivery: Any = None,
                    stopwatch: Any = None, printer: Any = None) -> Any:
    """Write again the files of a night the store recorded, from the store alone (see the module).
    Returns the :class:`~portalwatch.night.NightOutputs`; its summary's ``rebuilt`` names the files
    written again (``written``) and those not, with why (``not_written``)."""
    import concurrent.futures
    import contextlib

    from .alerts.outbox import write_kept
    from .errors import StoreError
    from .findings.model import write_findings
    from .night import (NightOutputs, _write_pdf, by_category, delivery_summary, normalise, open_counts,
                        write_year_files)
    from .reports.history import as_of, load_history
    from .reports.nightly import write_nightly_report
    from .reports.score import score_basis
    from .validate.gx import data_docs_index

    portal = config.profile.name
    recorded = store.recorded_night(portal, night)
    if recorded is None:
        raise StoreError(f"night {night} of {portal} is not recorded in the store: nothing to write again")
    run = recorded["run"]
    notices = json.loads(run["notices"] or "[]")
    folder = Path(out_dir) / portal / night.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    not_written: dict[str, str] = {}
    with stopwatch.stage("outputs") if stopwatch is not None else contextlib.nullcontext():
        findings, why = _findings(store, portal, night, recorded)
        score = None
        if findings is None:
            not_written["findings.jsonl"] = why
        else:
            score, why = _score(findings, config, night, recorded)
        if score is None:
            for name in ("report.html", "report.en.html", "report.pdf"):
                not_written[name] = why or not_written["findings.jsonl"]
        history = load_history(store, portal, config.profile.policy.deadline_working_days)
        # The records the night extracted, normalised again (by today's code and registry); the
        # phone cache is neither read nor written: it belongs to the nights the portal is audited.
        frames = normalise(recorded["units"], recorded["directory"], config)
        pdf = None
        then = None
        with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf") as printing_thread:
            printing = None
            if score is not None:
                then = as_of(history, night, {f.key: f.to_dict() for f in findings})
                titles = {lang: {rule.rule: rule.title(lang) for suite in config.suites for rule in suite.rules}
                          for lang in ("vi", "en")}
                report_args = dict(findings=findings, registry=config.registry, night=night,
                                   portal_title=config.profile.title, pages=run["pages"], notices=notices,
                                   score=score, history=then,
                                   deadline_working_days=config.profile.policy.deadline_working_days,
                                   score_basis=score_basis(config.bases, night),
                                   pages_failed=run["pages_failed"],
                                   page_units={url: unit for url, unit in zip(frames.units["page_url"],
                                                                              frames.units["unit_id"]) if unit})
                report = write_nightly_report(folder / "report.html", rule_titles=titles["vi"], **report_args)
                printing = printing_thread.submit(_write_pdf, report, folder / "report.pdf", printer)
                write_nightly_report(folder / "report.en.html", lang="en", rule_titles=titles["en"], **report_args)
                written += ["report.html", "report.en.html"]
            if findings is not None:
                write_findings(findings, folder / "findings.jsonl")
                written.append("findings.jsonl")
            for name, frame in (("units", frames.units), ("directory", frames.directory)):
                with files.replacing(folder / f"{name}.csv") as tmp:
                    frame.to_csv(tmp, index=False, encoding="utf-8")
                written.append(f"{name}.csv")
            write_year_files(folder.parent, config, history, night.year, night)
            kept_messages = store.messages(portal, night)
            messages = write_kept(kept_messages, folder / "alerts") if kept_messages else []
            if messages:
                written.append(f"alerts/ ({len(messages)} missing, from the outbox)")
            if printing is not None:
                pdf = printing.result()
                if pdf is not None:
                    written.append("report.pdf")
                else:
                    not_written["report.pdf"] = "no browser to print it"
    earlier = _earlier_summary(folder / "summary.json", night)
    unknown = [m for m in CRAWL_MEASURES if m not in earlier]
    if unknown:
        not_written["summary.json: " + ", ".join(unknown)] = ("what the night's crawl measured, which the store "
                                                              "does not keep")
    summary = {
        # the address the night crawled (its own summary's), not one given to this run, which crawls nothing
        "portal": portal, "night": night.isoformat(), "base_url": earlier.get("base_url") or config.profile.base_url,
        "pages": run["pages"], "pages_failed": run["pages_failed"],
        "pages_unchanged": earlier.get("pages_unchanged"), "auto_throttle": earlier.get("auto_throttle"),
        "units_seen": len(recorded["units"]), "directory_rows": len(recorded["directory"]),
        "suites_reused": earlier.get("suites_reused"),
        "findings": run["findings"], "by_category": by_category(findings or []),
        "units_with_findings": len({f.unit_id for f in findings}) if findings is not None else None,
        "notices": notices,
        **(open_counts(findings, then, night) if then is not None else {}),
        "unit_messages": len({m["recipient"] for m in kept_messages} - {"vp-office", "ops"}),
        "data_docs": str(data_docs_index(Path(out_dir) / portal)),
        "report_pdf": str(pdf) if pdf else None,
        "score": _recorded_score(recorded, score),
        "delivery": delivery_summary(delivery, len(messages)),
        "store": {"already_recorded": True, "run_id": run["id"],
                  **{name: sum(e["event"] == event for e in recorded["events"])
                     for name, event in (("opened", "opened"), ("reopened", "reopened"), ("resolved", "resolved"),
                                         ("still_open", "seen"), ("withdrawn", "withdrawn"))}},
        "rebuilt": {"from": "store", "run_id": run["id"], "written": written + ["summary.json"],
                    "not_written": not_written},
    }
    summary["seconds"] = earlier.get("seconds")
    if stopwatch is not None:
        summary["rebuilt"]["seconds"] = stopwatch.seconds()
    files.write_text(folder / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2))
    return NightOutputs(folder=folder, findings=folder / "findings.jsonl", report=folder / "report.html",
                        alerts=folder / "alerts", summary=summary)


def _earlier_summary(path: Path, night: dt.date) -> dict[str, Any]:
    """The crawl's measures from the night's summary.json that is there (its own run wrote them)."""
    try:
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(earlier, dict) or earlier.get("night") != night.isoformat():
        return {}
    return {k: earlier[k] for k in CRAWL_MEASURES if k in earlier}


def describe_rebuilt(summary: dict[str, Any]) -> list[str]:
    """What a night run again wrote from the store and what it could not, for the CLI and Prefect."""
    rebuilt = summary.get("rebuilt")
    if not rebuilt:
        return []
    lines = [f"night recorded before: files written again from the store (run {rebuilt['run_id']}), the portal "
             f"not crawled: {', '.join(rebuilt['written'])}"]
    for name, why in rebuilt["not_written"].items():
        lines.append(f"not written again: {name}: {why}")
    return lines
