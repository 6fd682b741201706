"""Many portals in one night: one nightly audit per portal, bounded by Prefect concurrency limits.

Each audit holds a slot of ``portalwatch-audits`` (how many run at once across every fleet run and
worker machine) and, inside the nightly flow itself, the slot of its host (one audit per site at a
time): see :mod:`flows.limits`.

Each audit runs in its own process (Prefect's process pool task runner): Great Expectations keeps
its current project in a process-wide global, and Chromium and validation are CPU-bound, so threads
would neither isolate nor speed them up.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.task_runners import ProcessPoolTaskRunner

from flows.limits import AUDITS_LIMIT, DEFAULT_AUDITS, ensure_limit, host_limit_name
from flows.nightly import nightly_audit

#: Processes this machine gives to a fleet run; the global limit may let fewer of them work at once.
LOCAL_WORKERS = 4
#: What a portal entry may hold: the parameters of the nightly audit.
PORTAL_KEYS = frozenset({"profile", "base_url", "out", "db", "now", "send", "slack_secret", "smtp_password_secret"})


def portal_host(portal: dict[str, Any]) -> str:
    """The politeness limit of the site a portal entry audits."""
    base_url = portal.get("base_url")
    if not base_url:
        from portalwatch.profile.loader import load_profile

        base_url = load_profile(portal["profile"]).base_url
    return host_limit_name(base_url)


def check_portals(portals: list[dict[str, Any]]) -> None:
    """A mistyped key would otherwise be dropped silently and the audit run with a default."""
    from portalwatch.errors import ConfigError

    if not portals:
        raise ConfigError("fleet_audit needs at least one portal")
    for index, portal in enumerate(portals):
        if not isinstance(portal, dict) or "profile" not in portal:
            raise ConfigError(f"portals[{index}]: expected a mapping with a 'profile' path")
        unknown = sorted(set(portal) - PORTAL_KEYS)
        if unknown:
            raise ConfigError(f"portals[{index}]: unknown key(s) {', '.join(unknown)} "
                              f"(expected {', '.join(sorted(PORTAL_KEYS))})")


class AuditFailed(RuntimeError):
    """A portal's audit failed with an error that cannot travel back from its worker process."""


class PrefectApiBusy(AuditFailed):
    """An audit cut short because the Prefect API stayed unavailable through its client's own retries
    (its database busy under many audits at once, the server restarting): nothing is wrong with the
    portal or its configuration, so the audit is worth running again."""


#: Statuses with which the Prefect API says it is busy or restarting, not that a request is wrong.
API_BUSY = frozenset({429, 502, 503, 504})
#: Seconds before an audit the Prefect API cut short runs again. Running a night again is safe: a
#: night the store recorded is rebuilt from it, not crawled, and its alerts are queued once.
API_BUSY_RETRY_DELAYS = [30, 120]


def api_busy(exc: BaseException) -> bool:
    """Whether an audit failed because the Prefect API could not be reached or answered "busy".

    Only Prefect's client speaks httpx here (pages are fetched with aiohttp, Slack and e-mail have
    clients of their own), so an httpx transport error is the API's; an HTTP error counts only when
    it is Prefect's and says busy, not when it says the request was wrong.
    """
    import httpx
    from prefect.exceptions import PrefectHTTPStatusError

    if isinstance(exc, PrefectHTTPStatusError):
        return exc.response.status_code in API_BUSY
    return isinstance(exc, httpx.TransportError)


def retry_when_api_busy(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's retry condition for an audit: run it again only when the Prefect API cut it short;
    a portal that cannot be read or a broken profile fails at once, as it would again."""
    return isinstance(state.data, PrefectApiBusy)


@task(name="audit-portal", cache_policy=NO_CACHE, retries=len(API_BUSY_RETRY_DELAYS),
      retry_delay_seconds=API_BUSY_RETRY_DELAYS, retry_condition_fn=retry_when_api_busy)
def audit_portal(portal: dict[str, Any]) -> dict[str, Any]:
    """One portal's nightly audit (a subflow), once a slot of the fleet's limit is held (given back
    while a retry waits)."""
    try:
        with concurrency(AUDITS_LIMIT, occupy=1, strict=True, raise_on_lease_renewal_failure=False):
            return nightly_audit(**portal)
    except Exception as exc:
        raise portable(exc) from None


def portable(exc: BaseException) -> BaseException:
    """The error itself if it survives the trip back from the worker process, else its text.

    Audits run in worker processes and their errors come back pickled; some cannot be rebuilt
    (httpx's HTTPStatusError, raised when the Prefect API answers 503, wants its request and
    response), and unpickling one would stop the whole fleet run instead of failing one portal.
    The Prefect API's own unavailability comes back as :class:`PrefectApiBusy`, which is retried.
    """
    import cloudpickle

    if api_busy(exc):
        return PrefectApiBusy(f"{type(exc).__name__}: {exc}")
    try:
        cloudpickle.loads(cloudpickle.dumps(exc))
        return exc
    except Exception:
        return AuditFailed(f"{type(exc).__name__}: {exc}")


@flow(name="fleet-audit", task_runner=ProcessPoolTaskRunner(max_workers=LOCAL_WORKERS), log_prints=True)
def fleet_audit(portals: list[dict[str, Any]], audits: int | None = None) -> list[dict[str, Any]]:
    """Audit every portal of the list for tonight, each entry as the nightly flow's parameters
    (``profile``, and optionally ``base_url``, ``out``, ``db``, ``now``, ``send``).

    ``audits`` sets the size of the global limit; without it an existing limit is left as ops set
    it, and a missing one is created with 4 slots. One portal failing does not stop the others:
    the fleet run fails at the end, naming the portals that did. An audit the Prefect API cut short
    runs again (:func:`retry_when_api_busy`).
    """
    logger = get_run_logger()
    check_portals(portals)
    hosts = [portal_host(p) for p in portals]
    size = ensure_limit(AUDITS_LIMIT, audits or DEFAULT_AUDITS, resize=audits is not None)
    for name in sorted(set(hosts)):
        ensure_limit(name, 1)
    logger.info("%d portals on %d hosts, at most %d audits at once", len(portals), len(set(hosts)), size)

    futures = [audit_portal.submit(p) for p in portals]
    outcomes: list[dict[str, Any] | str] = []    # each audit's summary, or why it failed
    failed = []
    for portal, future in zip(portals, futures):
        future.wait()
        if future.state.is_completed():
            outcomes.append(future.result())
        else:
            outcomes.append(future.state.message or future.state.name)
            failed.append(f"{portal['profile']} ({portal.get('base_url') or 'profile base_url'}): {outcomes[-1]}")
    _publish_fleet(fleet_rows(portals, outcomes), failed=len(failed))
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(portals)} audits failed: " + "; ".join(failed))
    return [outcome for outcome in outcomes if isinstance(outcome, dict)]


def fleet_rows(portals: list[dict[str, Any]], outcomes: list[dict[str, Any] | str]) -> list[dict[str, Any]]:
    """One row per portal of a fleet run: its night's figures, or why its audit failed (``outcomes``:
    the audit's summary, or the failure's text). With hundreds of portals ops look for the failed
    first, then the lowest scores, so the rows come in that order."""
    ranked = []
    for portal, outcome in zip(portals, outcomes):
        summary = outcome if isinstance(outcome, dict) else {}
        points = (summary.get("score") or {}).get("points")
        row = {
            "Hồ sơ (profile)": portal["profile"],
            "Địa chỉ (base URL)": summary.get("base_url") or portal.get("base_url") or "—",
            "Đêm (night)": summary.get("night") or portal.get("now") or "—",
            "Kết quả (outcome)": "xong / completed" if summary else f"lỗi / failed: {outcome}",
            "Trang lỗi (pages failed)": f"{summary['pages_failed']}/{summary['pages']}" if summary else "—",
            "Nội dung cần cập nhật (open findings)": summary.get("open_findings", summary["findings"])
            if summary else "—",
            "Điểm /12 (score)": "—" if points is None else points,
        }
        ranked.append(((bool(summary), points is not None, points or 0), row))
    return [row for _, row in sorted(ranked, key=lambda pair: pair[0])]


def _publish_fleet(rows: list[dict[str, Any]], failed: int) -> None:
    """The fleet run's table artifact (``fleet-audit``), beside each audit's own artifacts."""
    from prefect.artifacts import create_table_artifact

    create_table_artifact(rows, key="fleet-audit",
                          description=f"Kết quả kiểm tra {len(rows)} cổng, {failed} lỗi / "
                                      f"{len(rows)} portals audited, {failed} failed")
