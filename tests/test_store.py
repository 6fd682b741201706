"""The history store on SQLite and PostgreSQL: 14 nights replayed against the ground truth."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from conftest import record
from portalwatch.errors import StoreError
from portalwatch.store import open_store

pytestmark = pytest.mark.browser


def _truth_key(f):
    return (f["unit_id"], f["subject"], f["field"], f["category"])


def test_fourteen_nights_give_the_ground_truth_lifecycles(store_url, scenario, nights, config):
    store = open_store(store_url)
    first_seen: dict[tuple, dt.date] = {}
    presence: dict[tuple, list[int]] = defaultdict(list)
    for n, result in nights.items():
        changes = record(store, config, result)
        assert changes is not None and not changes.already_recorded
        truth = {_truth_key(g) for g in scenario.ground_truth(n)}
        for key in truth:
            presence[key].append(n)
            first_seen.setdefault(key, result.date)
        active = {(r["unit_id"], r["subject"], r["field"], r["category"])
                  for r in store.list_findings(config.profile.name, status="active")}
        assert active == truth, f"night {n}"
        resolved_tonight = {(r["unit_id"], r["subject"], r["field"], r["category"])
                            for r in store.list_findings(config.profile.name, status="resolved")
                            if r["resolved_at"] == result.date}
        yesterday = {_truth_key(g) for g in scenario.ground_truth(n - 1)} if n > 1 else set()
        assert resolved_tonight == yesterday - truth, f"night {n}: resolved on the night the fix appears"

    rows = {(r["unit_id"], r["subject"], r["field"], r["category"]): r
            for r in store.list_findings(config.profile.name, status="all")}
    assert set(rows) == set(presence), "one row per finding, never a duplicate"
    for key, present in presence.items():
        row = rows[key]
        assert row["first_seen"] == first_seen[key]
        assert row["times_seen"] == len(present)
        gaps = sum(1 for a, b in zip(present, present[1:]) if b != a + 1)
        assert row["reopened"] == gaps, key
    gmail = rows[("phuong-thang-tam", "unit", "email", "unofficial_email")]
    assert gmail["reopened"] == 1 and gmail["status"] == "open"
    row, events = store.finding_history(gmail["key"])
    assert [e["event"] for e in events][:6] == ["opened", "seen", "seen", "seen", "resolved", "reopened"]

    runs = store.runs(config.profile.name)
    assert [r["status"] for r in runs] == ["completed"] * scenario.nights
    assert all(r["pages"] > 30 for r in runs)
    store.dispose()


def test_each_night_keeps_every_units_score(store_url, nights, config):
    from portalwatch import night as stages

    store = open_store(store_url)
    try:
        record(store, config, nights[1])
        kept = store.unit_scores(config.profile.name)
        tonight = stages.score_night(nights[1].findings, config, nights[1].date, nights[1].ctx, nights[1].frames)
        assert [(r["night"], r["unit_id"]) for r in kept] == sorted((nights[1].date, u) for u in config.registry.units)
        assert {r["unit_id"]: (r["score"], r["not_read"]) for r in kept} == {
            u.unit_id: (u.total, u.not_read) for u in tonight.units}
        assert all(r["not_read"] is None for r in kept) and min(r["score"] for r in kept) < 12
        assert store.counts()["unit_scores"] == len(config.registry.units)
    finally:
        store.dispose()


def test_the_same_night_twice_changes_nothing(store_url, nights, config):
    store = open_store(store_url)
    record(store, config, nights[1])
    before = store.counts()
    findings_before = store.list_findings(status="all")
    assert record(store, config, nights[1]) is None
    assert store.counts() == before and store.list_findings(status="all") == findings_before
    store.dispose()


def _unread_night(store, config, night, error="ConnectError"):
    """Commit a night the portal did not answer, as a nightly run records one (None if not begun)."""
    from portalwatch.store.lifecycle import Coverage

    run_id = store.begin_run(config.profile.name, night)
    if run_id is None:
        return None
    return store.commit_night(run_id, config.profile.name, night, pages=[], unit_records=[], directory_records=[],
                              findings_tonight=[], coverage=Coverage(), score=None,
                              notices=[{"kind": "portal_unreachable", "pages": 31, "error": error}],
                              unit_scores={u: (None, "page") for u in config.registry.units})


def test_a_night_the_portal_did_not_answer_is_audited_again_once_it_is_back(store_url, nights, config):
    """Only a night that read nothing can be run again: a retry while the portal is still down keeps
    the first record; the first run that reads it replaces it (kept as superseded), once."""
    portal = config.profile.name
    store = open_store(store_url)
    try:
        record(store, config, nights[1])
        first = _unread_night(store, config, nights[2].date)
        assert first.take == 1 and not first.already_recorded
        findings_before = store.list_findings(status="all")

        again = _unread_night(store, config, nights[2].date, error="ReadTimeout")
        assert again.already_recorded, "still down: nothing new is recorded, nobody told twice"
        assert store.list_findings(status="all") == findings_before

        back = record(store, config, nights[2])
        assert back is not None and not back.already_recorded and back.take == 2
        statuses = [(r["night"], r["status"]) for r in store.runs(portal)]
        assert statuses == [(nights[1].date, "completed"), (nights[2].date, "superseded"),
                            (nights[2].date, "failed"), (nights[2].date, "completed")]
        scores = [r for r in store.unit_scores(portal) if r["night"] == nights[2].date]
        assert len(scores) == len(config.registry.units) and all(r["not_read"] is None for r in scores), \
            "the night's scores are those of the run that read it"
        opened = {f["key"] for f in store.list_findings(status="all")} - {f["key"] for f in findings_before}
        assert set(back.opened) <= opened and store.list_findings(status="all") != findings_before

        assert record(store, config, nights[2]) is None, "a night that was read is not written again"
        assert _unread_night(store, config, nights[2].date) is None
        assert store.begin_run(portal, nights[1].date) is None

        # Once a later night is recorded, an unread night stays as it is.
        assert _unread_night(store, config, nights[3].date).take == 1
        record(store, config, nights[4])
        assert store.begin_run(portal, nights[3].date) is None
    finally:
        store.dispose()


def test_snapshots_are_compressed_deduplicated_and_pruned(store_url, nights, config):
    store = open_store(store_url)
    record(store, config, nights[1])
    record(store, config, nights[2])
    counts = store.counts()
    assert counts["snapshots"] == len(nights[1].crawl.pages) + len(nights[2].crawl.pages)
    assert counts["page_contents"] < counts["snapshots"], "unchanged pages are stored once"
    page = next(p for p in nights[1].crawl.pages if p.page_type == "unit_page" and p.ok)
    import hashlib
    assert store.page_html(hashlib.sha256(page.html.encode()).hexdigest()) == page.html
    assert counts["records"] == sum(len(nights[n].units) + len(nights[n].rows) for n in (1, 2))

    pruned = store.prune_snapshots(keep_days=0, today=nights[2].date)    # keeps the last night only
    assert pruned == len(nights[1].crawl.pages)
    after = store.counts()
    assert after["snapshots"] == len(nights[2].crawl.pages)
    assert after["runs"] == 2 and after["findings"] == counts["findings"] and after["records"] == counts["records"]
    store.dispose()


def test_time_since_a_unit_last_changed(store_url, nights, config):
    store = open_store(store_url)
    for n in (1, 2, 3):
        record(store, config, nights[n])
    states = store.unit_states(config.profile.name)
    assert all(s["last_seen"] == nights[3].date for s in states.values() if s["unit_id"] != "phuong-11")
    unchanged = states["ubnd-thanh-pho"]
    assert unchanged["last_changed"] == nights[1].date
    store.dispose()


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(StoreError, match=r"cannot connect to the store postgresql\+psycopg://pw:\*\*\*@127.0.0.1:9/x"):
        open_store("postgresql://pw:secret@127.0.0.1:9/x")


def test_bad_store_url_is_a_clear_error():
    with pytest.raises(StoreError, match="invalid store URL"):
        open_store("nosuchdb://x")


def test_a_store_of_an_earlier_version_is_upgraded_and_reuses_nothing_it_cannot_vouch_for(store_url):
    """A store made before runs kept their extraction key is migrated in place: its runs stay, and
    none of their records is taken for tonight's (nobody knows how they were extracted)."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from portalwatch.store.store import _MIGRATIONS

    engine = create_engine(store_url)
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        conn.execute(text("INSERT INTO runs (portal, night, status, started_at, pages, pages_failed, findings, "
                          "opened, resolved) VALUES ('p', '2022-06-13', 'completed', '2022-06-13 01:30:00', "
                          "1, 0, 0, 0, 0)"))
        # a unit page of that night, with its record: all a later night would need but the key
        conn.execute(text("INSERT INTO page_contents (hash, html, size) VALUES ('h', :html, 4)"),
                     {"html": b"x"})
        conn.execute(text("INSERT INTO snapshots (run_id, url, page_type, status, content_hash, rendered_at) "
                          "VALUES (1, 'http://p/u', 'unit_page', 200, 'h', '2022-06-13 01:30:00')"))
        conn.execute(text("INSERT INTO records (run_id, kind, unit_id, data) "
                          "VALUES (1, 'unit', 'u', '{\"page_url\": \"http://p/u\"}')"))
    engine.dispose()
    store = open_store(store_url)
    try:
        runs = store.runs("p")
        assert len(runs) == 1 and runs[0]["extract_key"] is None
        assert store.kept_records("p", "any-key", before=dt.date(2022, 6, 14)) == {}
        assert store.unit_scores("p") == [], "a night kept before unit scores has none (it counts for every unit)"
    finally:
        store.dispose()


def test_the_head_revision_named_in_the_code_is_the_migrations_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from portalwatch.store.store import _MIGRATIONS, HEAD_REVISION

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION], \
        "a new migration: set HEAD_REVISION in store.py to its revision"


def test_a_store_already_at_the_head_opens_without_loading_alembic(store_url):
    """Every night after the first opens a store that needs no migration: Alembic is not loaded."""
    import subprocess
    import sys

    code = ("import sys; from portalwatch.store import open_store; store = open_store(sys.argv[1]); "
            "print(len(store.runs('p')), 'alembic' in sys.modules); store.dispose()")

    def opened() -> str:
        return subprocess.run([sys.executable, "-c", code, store_url], capture_output=True, text=True,
                              check=True).stdout.strip()

    assert opened() == "0 True", "a new store is made by Alembic"
    assert opened() == "0 False", "a store at the head is opened as it is"



def test_processes_opening_a_new_store_at_once_all_get_it(store_url):
    """Workers (or a night and a delivery) starting at once on a database with no store yet: one
    makes the tables, the others wait for it and find them; none fails."""
    import subprocess
    import sys
    import time

    start = time.time() + 3
    code = ("import sys, time; from portalwatch.store import open_store; time.sleep(max(0, float(sys.argv[2]) - "
            "time.time())); store = open_store(sys.argv[1]); print(len(store.runs('p'))); store.dispose()")
    workers = [subprocess.Popen([sys.executable, "-c", code, store_url, str(start)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(w.wait(timeout=120), w.stdout.read().strip(), w.stderr.read()) for w in workers]
    assert all(rc == 0 and out == "0" for rc, out, _ in results), [err[-500:] for _, _, err in results]
