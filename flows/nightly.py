"""The nightly audit of one portal, as a Prefect flow.

Each task wraps one plain stage function of :mod:`portalwatch.night`; only I/O is retried
(rendering the portal, committing to the store, which is one transaction and safe to repeat).
Results are not cached or persisted by Prefect: the store and the night's folder are the record.
The night's bulky values (the crawl, raw records, findings) go to tasks wrapped in ``quote``: Prefect
would otherwise walk every element of them for dependency tracking (5.3 s for one task given
20,000 records).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed
from prefect.utilities.annotations import quote

from flows.limits import one_audit_per_host
from flows.secret_blocks import secrets_to_env
from portalwatch import night as stages
from portalwatch.alerts.outbox import describe_delivery
from portalwatch.errors import PortalUnreachable
from portalwatch.reports.score import score_line
from portalwatch.settings import load_settings
from portalwatch.timing import Stopwatch, describe


#: Notices of one kind the summary artifact shows; the rest are counted (all are in summary.json).
NOTICES_SHOWN = 5


@task(name="load-config", cache_policy=NO_CACHE)
def load_config(profile: str, base_url: str | None) -> stages.Config:
    return stages.load_config(profile, base_url=base_url)


@task(name="begin-run", cache_policy=NO_CACHE)
def begin_run(store: Any, config: stages.Config, night: str) -> int | None:
    run_id = store.begin_run(config.profile.name, stages.night_date(night))
    if run_id is None:
        get_run_logger().info("night %s of %s is already recorded: the store will not change, and the night's "
                              "files are written again from it (the portal is not crawled)", night,
                              config.profile.name)
    return run_id


@task(name="render-portal", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def render_portal(config: stages.Config, store: Any = None, night: str | None = None) -> Any:
    """The crawl. A portal that does not answer at all is tried again by Prefect's retries; after the
    last one the crawl is returned all the same, every page failed, and the night is recorded with
    its ``portal_unreachable`` notice (no traceback: an outage is not a bug)."""
    from prefect.context import TaskRunContext

    logger = get_run_logger()
    result = stages.render_portal(config.profile, load_settings(), store,
                                  stages.night_date(night) if night else None)
    failed = [p for p in result.pages if not p.ok]
    logger.info("rendered %d pages of %s (%d did not answer 2xx)", len(result.pages), config.profile.base_url,
                len(failed))
    if result.pages and all(p.status == 0 for p in result.pages):
        message = f"no page of {config.profile.base_url} answered: {result.pages[0].error}"
        context = TaskRunContext.get()
        if context is not None and context.task_run.run_count <= context.task.retries:
            raise PortalUnreachable(message, result)
        logger.warning("%s; still so after every attempt: the night is recorded without reading it", message)
    return result


@task(name="extract-normalise", cache_policy=NO_CACHE)
def extract_and_normalise(result: Any, config: stages.Config, out: str, kept: Any = None) -> tuple[list, list, Any]:
    units, rows = stages.extract_pages(result, config.profile, kept)
    sections = stages.extract_sections(result, config.profile)
    get_run_logger().info("extracted %d unit pages, %d directory rows and %d section items (%d pages unchanged "
                          "since the last night, their records reused)", len(units), len(rows), len(sections),
                          kept.reused if kept is not None else 0)
    return units, rows, stages.normalise(units, rows, config, sections, stages.phone_cache(out, config))


@task(name="validate", cache_policy=NO_CACHE)
def validate(frames: Any, config: stages.Config, night: str, result: Any, out: str,
             previous: dict[str, int] | None = None,
             records: dict[str, list] | None = None) -> tuple[list[Any], Any, list[str]]:
    ctx = stages.night_context(result, frames, config, stages.night_date(night), previous, records)
    verdicts = stages.load_verdicts(out, config)
    failures = stages.validate(frames, config, ctx, stages.gx_project(out, config), verdicts)
    if verdicts.reused:
        get_run_logger().info("%d suites given the same columns as the last run, their verdicts reused "
                              "(not run again): %s", len(verdicts.reused), ", ".join(verdicts.reused))
    return stages.make_findings(failures, config, ctx.night), ctx, verdicts.reused


@task(name="record-night", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def record_night(store: Any, run_id: int, config: stages.Config, night: str, result: Any, units: list,
                 rows: list, frames: Any, findings: list, ctx: Any, notices: list, score: Any) -> Any:
    return stages.record_night(store, run_id, config, stages.night_date(night), result, units, rows, frames,
                               findings, ctx, notices, score)


@task(name="queue-alerts", cache_policy=NO_CACHE)
def queue_alerts(store: Any, config: stages.Config, night: str, changes: Any, notices: list, score: Any,
                 report_url: str, send: bool) -> Any:
    return stages.plan_and_queue(store, config, stages.night_date(night), changes, notices, score, report_url,
                                 send)


@task(name="deliver-alerts", retries=1, retry_delay_seconds=[60], cache_policy=NO_CACHE)
def deliver_alerts(store: Any, config: stages.Config, send: bool) -> Any:
    report = stages.deliver_alerts(store, config, send=send)
    get_run_logger().info("alerts: %d delivered, %d waiting in the outbox, %d refused", report.sent,
                          report.waiting, report.failed)
    return report


@task(name="write-outputs", cache_policy=NO_CACHE)
def write_outputs(out: str, config: stages.Config, night: str, result: Any, frames: Any, findings: list[Any],
                  notices: list, score: Any, changes: Any, store: Any, plan: Any, delivery: Any,
                  stopwatch: Stopwatch, suites_reused: list[str] | None = None, printer: Any = None) -> dict[str, Any]:
    from portalwatch.reports.history import load_history

    with stopwatch.stage("outputs"):
        history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
    outputs = stages.write_outputs(Path(out), config, stages.night_date(night), result, frames, findings, notices,
                                   score, changes, history, plan, delivery, stopwatch,
                                   kept_messages=(stages.night_messages(store, config, stages.night_date(night))
                                                  if plan is None else None),
                                   suites_reused=suites_reused, printer=printer)
    return {**outputs.summary, "folder": str(outputs.folder), "findings_file": str(outputs.findings),
            "report": str(outputs.report), "alerts_dir": str(outputs.alerts)}


@task(name="write-outputs-again", cache_policy=NO_CACHE)
def rebuild_outputs(out: str, config: stages.Config, night: str, store: Any, delivery: Any,
                    stopwatch: Stopwatch) -> dict[str, Any]:
    """A night the store recorded, run again: its files written again from the store, the portal not
    crawled (:mod:`portalwatch.rebuild`)."""
    from portalwatch.rebuild import describe_rebuilt, rebuild_outputs as rebuild

    outputs = rebuild(Path(out), config, stages.night_date(night), store, delivery, stopwatch=stopwatch)
    for line in describe_rebuilt(outputs.summary):
        get_run_logger().info("%s", line)
    return {**outputs.summary, "folder": str(outputs.folder), "findings_file": str(outputs.findings),
            "report": str(outputs.report), "alerts_dir": str(outputs.alerts)}


@flow(name="nightly-audit", log_prints=True)
def nightly_audit(profile: str, out: str = "out", now: str | None = None, base_url: str | None = None,
                  db: str | None = None, send: bool = False, slack_secret: str | None = None,
                  smtp_password_secret: str | None = None) -> Any:
    """Audit one portal for one night: render, extract, normalise, validate, record, alert, report.

    ``send`` queues alerts in the store's outbox and delivers them over Slack and e-mail as the
    environment configures them, unless the profile's quiet hours hold them for the morning
    delivery; ``slack_secret`` and ``smtp_password_secret`` name Prefect Secret blocks for workers
    whose environment carries no token or password. Without ``send`` the alerts are written to the
    night's folder only (dry run). Two audits of one site never overlap: the
    flow holds the site's slot (:mod:`flows.limits`) from the first page to the last output.

    Returns the night's summary. A night that ran to the end but could not read the portal (no page
    answered, or its layout drifted) is recorded, told to ops and written all the same, then ends
    Failed, its message saying why: Prefect's UI and automations see what ``portalwatch run`` tells a
    scheduler with exit 3 or 4. Its result is that error (:class:`~portalwatch.errors.PortalUnreachable`
    or :class:`~portalwatch.errors.LayoutDrift`), the summary in its ``summary``.
    """
    watch = Stopwatch()
    night = stages.night_date(now).isoformat()  # a bad --now fails before anything is fetched
    with watch.stage("setup"):
        load_settings()                         # a mistyped PORTALWATCH_ variable fails before the night begins
        config = load_config(profile, base_url)
        if send:
            secrets_to_env(slack_secret, smtp_password_secret)
        stages.preflight(out, config, send)     # output folder, Slack and SMTP settings, before the crawl
    with one_audit_per_host(config.profile.base_url) as limit:
        get_run_logger().info("holding %s: no other audit of this site runs meanwhile", limit)
        summary = _audit(config, night, out, db, send, watch)
    _publish_artifacts(summary, out, {unit.id: unit.name for unit in config.registry})
    problem = stages.night_problem(summary)
    if problem is not None:
        get_run_logger().error("%s", problem)
        return Failed(message=str(problem), data=problem)
    return summary


def _audit(config: stages.Config, night: str, out: str, db: str | None, send: bool,
           watch: Stopwatch) -> dict[str, Any]:
    """The night's tasks, in order, each stage timed; the run is marked failed in the store if any of
    them fails."""
    from portalwatch.store import open_store

    with watch.stage("setup"):
        store = open_store(stages.store_url(out, db))
    run_id = printer = None
    try:
        with watch.stage("setup"):
            run_id = begin_run(store, config, night)
        if run_id is None:                  # recorded before: nothing crawled, checked, recorded or planned
            with watch.stage("alerts"):
                delivery = deliver_alerts(store, config, send)
            return rebuild_outputs(out, config, night, store, delivery, quote(watch))
        with watch.stage("render"):
            result = render_portal(config, store, night)
        printer = stages.start_printer()    # its Chromium starts while the pages are checked
        with watch.stage("extract"):
            kept = stages.kept_records(store, config.profile, stages.night_date(night))
            units, rows, frames = extract_and_normalise(quote(result), config, out, kept)
        with watch.stage("validate"):
            previous = stages.previous_counts(store, config, stages.night_date(night))
            findings, ctx, reused = validate(frames, config, night, quote(result), out, previous,
                                             quote(stages.records_by_type(units, rows)))
        with watch.stage("record"):
            notices = stages.run_notices(result, frames, config.profile, ctx, config.registry)
            score = stages.score_night(findings, config, stages.night_date(night), ctx, frames)
            changes = (record_night(store, run_id, config, night, quote(result), quote(units), quote(rows), frames,
                                    quote(findings), ctx, notices, score) if run_id is not None else None)
            store.prune_snapshots(load_settings().snapshot_retention_days, today=stages.night_date(night))
        with watch.stage("alerts"):
            report_url = stages.report_link(out, config.profile.name, stages.night_date(night))
            plan = queue_alerts(store, config, night, changes, notices, score, report_url, send)
            delivery = deliver_alerts(store, config, send)
        summary = write_outputs(out, config, night, quote(result), frames, quote(findings), notices, score, changes,
                                store, plan, delivery, quote(watch), reused, quote(printer))
    except BaseException as exc:
        if run_id is not None:
            store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if printer is not None:
            printer.close()
        store.dispose()
    return summary


def _publish_artifacts(summary: dict[str, Any], out: str, unit_names: dict[str, str] | None = None) -> None:
    """Show the night in Prefect's UI, where ops look first: the summary with its run notices, each
    unit's score and open findings (worst first, so the units to chase are on top), and links to the
    VP office's report and to the Great Expectations Data Docs that explain every failed check.
    ``unit_names`` (the registry's) name the units on a night that read no page of theirs.

    Keys carry the portal's name, so two portals reporting to one Prefect server keep separate series.
    """
    import csv
    import json
    import re
    import unicodedata

    from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

    def artifact_key(*parts: str) -> str:
        text = unicodedata.normalize("NFKD", "-".join(parts).replace("đ", "d").replace("Đ", "D"))
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
        return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text)).strip("-") or "portalwatch"

    portal, night = summary["portal"], summary["night"]
    with_findings = summary["units_with_findings"]    # None: a night written again whose findings were not
    lines = [f"# {portal} – {night}", "",
             f"- pages rendered: {summary['pages']} ({summary['pages_failed']} failed)",
             f"- findings: {summary['findings']} in {with_findings if with_findings is not None else '—'} units",
             *([f"- open in the store: {summary['open_findings']}"
                + (f" ({summary['not_rechecked']} not checked again tonight)" if summary.get("not_rechecked") else "")]
               if "open_findings" in summary else []),
             f"- content score: {score_line(summary['score'])}",
             f"- run notices for ops: {len(summary['notices'])}",
             f"- alerts: {describe_delivery(summary) or '—'}",
             f"- time: {describe(summary['seconds'])}" if summary.get("seconds") else "- time: —",
             f"- report: `{summary['report']}`", f"- findings: `{summary['findings_file']}`",
             (f"- Great Expectations Data Docs: `{summary['data_docs']}`" if summary.get("data_docs")
              else "- Great Expectations Data Docs: — (no suite has run yet)")
             + (f" (suites not run again, their columns unchanged since the last run, show that run: "
                f"{', '.join(summary['suites_reused'])})" if summary.get("suites_reused") else "")]
    from portalwatch.rebuild import describe_rebuilt
    from portalwatch.reports.notices import group_notices, notice_detail

    lines += [f"- {line}" for line in describe_rebuilt(summary)]
    groups = group_notices(summary["notices"])
    if groups:
        # What ops must act on, here rather than only in summary.json: the first few of each kind.
        lines += ["", "## Ghi chú vận hành / run notices", ""]
        for group in groups:
            shown = group.examples[:NOTICES_SHOWN]
            more = group.count - len(shown)
            lines.append(f"- **{group.kind}** ({group.count}): " + "; ".join(f"`{notice_detail(n)}`" for n in shown)
                         + (f"; … {more} more in summary.json" if more else ""))
    create_markdown_artifact("\n".join(lines), key=artifact_key(portal, "nightly-summary"),
                             description=f"portalwatch: tóm tắt đêm {night} / nightly summary")

    folder = Path(summary["folder"])
    names: dict[str, str] = dict(unit_names or {})
    open_findings: dict[str, int] = {}
    findings_file = folder / "findings.jsonl"
    if findings_file.is_file():
        with findings_file.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    open_findings[record["unit_id"]] = open_findings.get(record["unit_id"], 0) + 1
                    names.setdefault(record["unit_id"], record.get("unit_name") or record["unit_id"])
    units_file = folder / "units.csv"
    if units_file.is_file():
        with units_file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("unit_id") and row.get("unit_name"):
                    names.setdefault(row["unit_id"], row["unit_name"])
    points = summary["score"]["units"]
    # Units not scored tonight (page or directory not read) come last, with a dash for their score.
    rows = [{"Mã đơn vị (unit id)": unit_id, "Đơn vị (unit)": names.get(unit_id, unit_id),
             "Điểm /12 (score)": "—" if points[unit_id] is None else points[unit_id],
             "Nội dung cần cập nhật (open findings)": open_findings.get(unit_id, 0)}
            for unit_id in sorted(points, key=lambda u: (points[u] is None, points[u] or 0,
                                                          -open_findings.get(u, 0), u))]
    create_table_artifact(rows, key=artifact_key(portal, "unit-scores"),
                          description=f"Điểm nội dung và nội dung cần cập nhật của từng đơn vị, đêm {night} / "
                                      "content score and open findings per unit")

    def link(path: str) -> str:  # on the server that publishes the output folder, else on this machine
        return stages.published(out, path) or Path(path).resolve().as_uri()

    create_link_artifact(link(summary["report"]), link_text=f"Báo cáo đêm {night} (report)",
                         key=artifact_key(portal, "report"),
                         description="Báo cáo cho Văn phòng HĐND và UBND / the VP office's report")
    if summary.get("data_docs"):
        create_link_artifact(link(summary["data_docs"]), link_text="Great Expectations Data Docs",
                             key=artifact_key(portal, "data-docs"),
                             description="Kết quả từng bộ kiểm tra / every suite's validation results")


if __name__ == "__main__":
    import sys

    from flows.environment import prefect_defaults

    prefect_defaults()  # before the temporary server starts: it inherits this environment
    print(nightly_audit(*sys.argv[1:2]))
