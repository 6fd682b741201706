"""Prefect global concurrency limits: how portalwatch keeps audits polite and apart.

- ``portalwatch-host-<host[:port]>`` (1 slot): held by every nightly audit for its whole run, so
  two audits of one portal never overlap, whether they come from a schedule, a manual run, a
  fleet run or ``make serve``, and a host serving several portals is crawled by one audit at a time;
- ``portalwatch-audits`` (4 slots unless ops set another number): held by each audit of a fleet
  run, because each one drives a headless Chromium and runs Great Expectations.

The limits live on the Prefect server, so they hold across every worker machine reporting to it.
Slots are leased: an audit killed mid-way frees its slot when the lease lapses (5 minutes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

AUDITS_LIMIT = "portalwatch-audits"
DEFAULT_AUDITS = 4


def host_limit_name(base_url: str) -> str:
    """The politeness limit of a site: its host, with the port when it has one (two sites on one
    address but different ports are different sites)."""
    return f"portalwatch-host-{urlsplit(base_url).netloc.lower()}"


def ensure_limit(name: str, slots: int, *, resize: bool = False) -> int:
    """Create a global concurrency limit if it is missing; with ``resize``, also set its size.
    Returns the size in force, which ops may have changed on the server."""
    from prefect import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            existing = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots))
                return slots
            except ObjectAlreadyExists:  # another run created it meanwhile
                existing = client.read_global_concurrency_limit_by_name(name)
        if resize and existing.limit != slots:
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=slots))
            return slots
        return existing.limit


@contextmanager
def one_audit_per_host(base_url: str) -> Iterator[str]:
    """Hold the host's slot for the duration of the block (waiting for it if another audit has it)."""
    from prefect.concurrency.sync import concurrency

    name = host_limit_name(base_url)
    ensure_limit(name, 1)
    with concurrency(name, occupy=1, strict=True, raise_on_lease_renewal_failure=False):
        yield name
