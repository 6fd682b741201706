"""Two runs of one night at once on one store (a run by hand beside the schedule, or two machines,
without Prefect's slot for the host): the night is recorded once, and the second run says it was
already recorded instead of failing on the store. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, insert, select

from portalwatch import night as stages
from portalwatch.store import open_store
from portalwatch.store.schema import runs, snapshots, unit_scores

pytestmark = pytest.mark.browser


def _commit(store, run_id, config, result, barrier=None):
    score = stages.score_night(result.findings, config, result.date, result.ctx, result.frames)
    if barrier is not None:
        barrier.wait(timeout=60)
    return stages.record_night(store, run_id, config, result.date, result.crawl, result.units, result.rows,
                               result.frames, result.findings, result.ctx, [], score)


def _counts(store, portal):
    with store.engine.connect() as conn:
        done = conn.execute(select(runs.c.id).where(runs.c.portal == portal, runs.c.status == "completed")).scalars()
        done = list(done)
        return (done, conn.execute(select(func.count()).select_from(snapshots)
                                   .where(snapshots.c.run_id.in_(done))).scalar_one(),
                conn.execute(select(func.count()).select_from(unit_scores)
                             .where(unit_scores.c.run_id.in_(done))).scalar_one())


def test_two_runs_taking_the_same_run_commit_it_once(store_url, config, nights):
    """Both started before either committed, so both hold the night's running run."""
    result, portal = nights[1], config.profile.name
    stores = [open_store(store_url) for _ in range(2)]
    try:
        run_ids = [store.begin_run(portal, result.date) for store in stores]
        assert run_ids[0] == run_ids[1]
        barrier, changes, errors = threading.Barrier(2), [None, None], []

        def commit(i: int) -> None:
            try:
                changes[i] = _commit(stores[i], run_ids[i], config, result, barrier)
            except Exception as exc:         # noqa: BLE001 - the test reports it
                errors.append(exc)

        threads = [threading.Thread(target=commit, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors, errors
        assert sorted(c.already_recorded for c in changes) == [False, True], "one records it, the other is told"
        done, pages, scores = _counts(stores[0], portal)
        assert done == [run_ids[0]] and pages == len(result.crawl.pages) and scores == len(config.registry)
        rows = stores[0].list_findings(portal, status="all")
        assert len(rows) == len({r["key"] for r in rows}) == len({f.key for f in result.findings})
    finally:
        for store in stores:
            store.dispose()


def test_a_second_run_started_at_the_same_instant_adds_nothing(store_url, config, nights):
    """Each started its own run (neither saw the other's yet): the second to commit records nothing,
    is marked failed with the run that stands, and reports the night as already recorded."""
    result, portal = nights[1], config.profile.name
    stores = [open_store(store_url) for _ in range(2)]
    try:
        first = stores[0].begin_run(portal, result.date)
        with stores[1].engine.begin() as conn:          # what the other begin_run inserted at that instant
            row = conn.execute(select(runs).where(runs.c.id == first)).mappings().one()
            second = conn.execute(insert(runs).values(**{k: v for k, v in row.items() if k != "id"})
                                  ).inserted_primary_key[0]
        assert not _commit(stores[0], first, config, result).already_recorded
        assert _commit(stores[1], second, config, result).already_recorded
        done, pages, scores = _counts(stores[0], portal)
        assert done == [first] and pages == len(result.crawl.pages) and scores == len(config.registry)
        [late] = [r for r in stores[0].runs(portal) if r["id"] == second]
        assert late["status"] == "failed" and f"run {first} recorded the night while this one ran" in late["error"]
        assert stores[0].pending_messages(portal) == [], "nothing planned or queued by the second"
    finally:
        for store in stores:
            store.dispose()
