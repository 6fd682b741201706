"""The nightly audit of one portal, as a Prefect flow.

Each task wraps one plain stage function of :mod:`portalwatch.night`; only I/O (rendering the
portal) is retried. Results are not cached or persisted by Prefect: the night's folder is the record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from portalwatch import night as stages
from portalwatch.settings import load_settings


@task(name="load-config", cache_policy=NO_CACHE)
def load_config(profile: str, base_url: str | None) -> stages.Config:
    return stages.load_config(profile, base_url=base_url)


@task(name="render-portal", retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE)
def render_portal(config: stages.Config) -> Any:
    logger = get_run_logger()
    result = stages.render_portal(config.profile, load_settings())
    failed = [p for p in result.pages if not p.ok]
    logger.info("rendered %d pages of %s (%d did not answer 2xx)", len(result.pages), config.profile.base_url,
                len(failed))
    if result.pages and all(p.status == 0 for p in result.pages):
        from portalwatch.errors import PortalUnreachable
        raise PortalUnreachable(f"no page of {config.profile.base_url} answered: {result.pages[0].error}")
    return result


@task(name="extract-normalise", cache_policy=NO_CACHE)
def extract_and_normalise(result: Any, config: stages.Config) -> Any:
    units, rows = stages.extract_pages(result, config.profile)
    get_run_logger().info("extracted %d unit pages and %d directory rows", len(units), len(rows))
    return stages.normalise(units, rows, config)


@task(name="validate", cache_policy=NO_CACHE)
def validate(frames: Any, config: stages.Config, night: str, result: Any, out: str) -> list[Any]:
    failures = stages.validate(frames, config, stages.night_date(night), result, stages.gx_project(out, config))
    return stages.make_findings(failures, config)


@task(name="write-outputs", cache_policy=NO_CACHE)
def write_outputs(out: str, config: stages.Config, night: str | None, result: Any, frames: Any,
                  findings: list[Any]) -> dict[str, Any]:
    notices = stages.run_notices(result, frames)
    outputs = stages.write_outputs(Path(out), config, stages.night_date(night), result, frames, findings, notices)
    return {**outputs.summary, "folder": str(outputs.folder), "findings_file": str(outputs.findings),
            "report": str(outputs.report), "alerts_dir": str(outputs.alerts)}


@flow(name="nightly-audit", log_prints=True)
def nightly_audit(profile: str, out: str = "out", now: str | None = None, base_url: str | None = None) -> dict:
    """Audit one portal for one night: render, extract, normalise, validate, write findings."""
    night = stages.night_date(now).isoformat()  # a bad --now fails before anything is fetched
    config = load_config(profile, base_url)
    result = render_portal(config)
    frames = extract_and_normalise(result, config)
    findings = validate(frames, config, night, result, out)
    summary = write_outputs(out, config, night, result, frames, findings)
    _publish_artifacts(summary)
    return summary


def _publish_artifacts(summary: dict[str, Any]) -> None:
    from prefect.artifacts import create_markdown_artifact

    lines = [f"# {summary['portal']} – {summary['night']}", "",
             f"- pages rendered: {summary['pages']} ({summary['pages_failed']} failed)",
             f"- findings: {summary['findings']} in {summary['units_with_findings']} units",
             f"- run notices for ops: {len(summary['notices'])}",
             f"- report: `{summary['report']}`", f"- findings: `{summary['findings_file']}`",
             f"- Great Expectations Data Docs: `{summary['data_docs']}`"]
    create_markdown_artifact("\n".join(lines), key="nightly-summary", description="portalwatch nightly summary")


if __name__ == "__main__":
    import sys

    print(nightly_audit(*sys.argv[1:2]))
