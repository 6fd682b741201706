"""The history store: what portalwatch remembers between nights (SQLAlchemy 2, Alembic).

A SQLite file is the embedded default for one machine; PostgreSQL is used by giving its URL. A
night is written in one transaction (snapshots, records, findings' lifecycle, unit state, the run's
completion), so a run killed at any point leaves either the whole night or none of it, and the next
run finishes the work. A night already completed is not written again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from sqlalchemy import Select, and_, bindparam, create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..errors import StoreError
from ..findings.model import Finding, finding_key
from . import failpoints
from .lifecycle import ACTIVE, Change, Coverage, KeptFinding, plan
from .schema import (finding_events, findings, night_findings, outbox, page_contents, records, runs, snapshots,
                     unit_state)
from .schema import unit_scores as unit_scores_table   # the name unit_scores is the method's

__all__ = ["Store", "open_store", "NightChanges", "default_url", "error_reason"]

logger = logging.getLogger(__name__)
_MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest revision in migrations/versions; a test holds it to Alembic's own view of the head.
HEAD_REVISION = "0008"
#: A message claimed this long ago and never marked was claimed by a delivery that died while
#: sending (a message takes seconds, with Slack's retries a minute or two): another may take it.
CLAIM_STALE = dt.timedelta(minutes=15)
_CHUNK = 5_000


def default_url(out_dir: str | Path) -> str:
    """The embedded default: a SQLite file beside the night folders."""
    return f"sqlite:///{Path(out_dir).resolve() / 'portalwatch.sqlite3'}"


#: Query parameters of a database URL that carry a secret (libpq's, and the usual spellings).
_SECRET_PARAMETERS = {"password", "passwd", "pwd", "sslpassword", "passfile", "token", "secret"}


def _redact(url: str) -> str:
    """The URL to show in a message: its password hidden, whether written ``user:password@host`` or
    as a query parameter (``?password=...``, which libpq also reads)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
        hidden = {key: "***" for key in parsed.query if key.lower() in _SECRET_PARAMETERS}
        if hidden:
            parsed = parsed.update_query_dict(hidden)
        return parsed.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")
    except Exception:  # an unparsable URL: only what follows its credentials, and no query
        return url.split("@")[-1].split("?", 1)[0]


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _json(value: Any) -> str:
    def default(obj: Any) -> Any:
        if isinstance(obj, (dt.date, dt.datetime)):
            return obj.isoformat()
        return str(obj)

    return unicodedata.normalize("NFC", json.dumps(value, ensure_ascii=False, default=default, sort_keys=True))


@dataclass(frozen=True, slots=True)
class NightChanges:
    """What a night changed in the store."""

    run_id: int
    already_recorded: bool
    opened: tuple[str, ...] = ()
    reopened: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    #: 1 for a night's first record; 2 or more when the night was audited again because the portal
    #: did not answer before (each earlier run kept as "superseded").
    take: int = 1
    #: Findings closed tonight because their unit is no longer in the registry (not fixed).
    withdrawn: tuple[str, ...] = ()
    #: Findings carried tonight from a unit's former id to its new one (``formerly``).
    moved: tuple[str, ...] = ()


#: What a night whose run ended with this notice read: nothing. Running such a night again audits it.
UNREAD = "portal_unreachable"


def _read_nothing(notices: str | list[dict[str, Any]] | None) -> bool:
    """Whether a night's notices (a list, or as stored) say the portal did not answer at all."""
    listed = json.loads(notices or "[]") if isinstance(notices, str) or notices is None else notices
    return any(isinstance(n, dict) and n.get("kind") == UNREAD for n in listed)


def _advisory_lock(conn: Connection, *names: str) -> None:
    """Hold a PostgreSQL advisory lock until the transaction ends: its 64-bit key is drawn from
    ``names``, so locks of different things do not meet."""
    digest = hashlib.sha256("\0".join(("portalwatch", *names)).encode()).digest()
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest[:8], "big", signed=True)})


def _waiting(now: dt.datetime) -> Any:
    """The outbox's messages waiting to be delivered: pending ones, and those a delivery claimed and
    never marked, :data:`CLAIM_STALE` ago or more (it died while sending)."""
    return (outbox.c.status == "pending") | ((outbox.c.status == "sending")
                                             & (outbox.c.claimed_at <= now - CLAIM_STALE))


def _lock_night(conn: Connection, portal: str, night: dt.date, run_id: int) -> None:
    """Hold the night for this transaction: two runs of one night committing at once (two machines,
    or a run by hand beside the schedule) commit one after the other, and the second sees the first.
    PostgreSQL: an advisory lock on (portal, night), released with the transaction. SQLite: the
    database's write lock, taken by a first statement that writes (a transaction that read first
    could not write once another had committed)."""
    if conn.dialect.name == "postgresql":
        _advisory_lock(conn, portal, night.isoformat())
    else:
        conn.execute(update(runs).where(runs.c.id == run_id).values(portal=runs.c.portal))


class Store:
    """A connection to the history store; create with :func:`open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- runs -------------------------------------------------------------------------------------

    def completed_run(self, portal: str, night: dt.date) -> int | None:
        with self._connect() as conn:
            return conn.execute(select(runs.c.id).where(runs.c.portal == portal, runs.c.night == night,
                                                        runs.c.status == "completed")).scalar()

    def begin_run(self, portal: str, night: dt.date) -> int | None:
        """Start (or take over) the night's run; None when the night is already completed.

        A night completed without reading anything (the portal did not answer) is not done while it is
        the portal's latest: running it again starts a new run, which replaces the first when it
        commits (:meth:`commit_night`). Once a later night is recorded it stays as it is: findings
        have moved on since, and an older night cannot open or resolve them."""
        now = dt.datetime.now(dt.timezone.utc)
        with self._begin() as conn:
            rows = conn.execute(select(runs.c.id, runs.c.status, runs.c.night, runs.c.notices).where(
                runs.c.portal == portal, runs.c.status.in_(("running", "completed")))).all()
            done = [r for r in rows if r.status == "completed" and r.night == night]
            later = any(r.status == "completed" and r.night > night for r in rows)
            if done and (later or not all(_read_nothing(r.notices) for r in done)):
                return None
            for row in rows:
                if row.status == "running" and row.night != night:
                    conn.execute(update(runs).where(runs.c.id == row.id).values(
                        status="failed", finished_at=now, error="interrupted: a later run started"))
            running = [r.id for r in rows if r.status == "running" and r.night == night]
            if running:
                conn.execute(update(runs).where(runs.c.id == running[0]).values(started_at=now))
                return running[0]
            return conn.execute(insert(runs).values(
                portal=portal, night=night, status="running", started_at=now, pages=0, pages_failed=0,
                findings=0, opened=0, resolved=0)).inserted_primary_key[0]

    def fail_run(self, run_id: int, error: str) -> None:
        with self._begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id, runs.c.status == "running").values(
                status="failed", error=error[:2000], finished_at=dt.datetime.now(dt.timezone.utc)))

    # -- the night --------------------------------------------------------------------------------

    def commit_night(self, run_id: int, portal: str, night: dt.date, *, pages: Iterable[Any],
                     unit_records: list[dict[str, Any]], directory_records: list[dict[str, Any]],
                     findings_tonight: list[Finding], coverage: Coverage, notices: list[dict[str, Any]],
                     score: float | None = None, unit_hashes: dict[str, str] | None = None,
                     extract_key: str | None = None,
                     unit_scores: dict[str, tuple[float | None, str | None]] | None = None,
                     former: dict[str, str] | None = None) -> NightChanges:
        """Write the whole night in one transaction; nothing of it if anything fails.

        ``unit_scores`` holds each unit's score tonight and, when it was not scored, why (``page``,
        ``directory``). ``former`` maps former unit ids to the ids that hold them now
        (:attr:`Registry.former`): what the store keeps under a former id is moved first."""
        failpoints.hit("before_commit_night")
        pages = list(pages)
        with self._begin() as conn:
            _lock_night(conn, portal, night, run_id)
            status = conn.execute(select(runs.c.status).where(runs.c.id == run_id)).scalar()
            if status == "completed":
                return NightChanges(run_id, True)
            completed = conn.execute(select(runs.c.id, runs.c.notices).where(
                runs.c.portal == portal, runs.c.night == night, runs.c.status == "completed", runs.c.id != run_id)
                .order_by(runs.c.id)).all()
            rival = next((r.id for r in completed if not _read_nothing(r.notices)), None)
            if rival is not None:
                # Two runs of the night at once (run by hand beside the schedule, without Prefect's
                # slot for the host): the first to commit recorded it; this one adds nothing.
                conn.execute(update(runs).where(runs.c.id == run_id).values(
                    status="failed", finished_at=dt.datetime.now(dt.timezone.utc),
                    error=f"run {rival} recorded the night while this one ran: its record stands"))
                return NightChanges(run_id, True)
            unread = [r.id for r in completed if _read_nothing(r.notices)]
            if unread and _read_nothing(notices):
                # Audited again while the portal still does not answer: the first record stands, and
                # nobody is told the same thing twice.
                conn.execute(update(runs).where(runs.c.id == run_id).values(
                    status="failed", finished_at=dt.datetime.now(dt.timezone.utc), notices=_json(notices),
                    error="the portal still did not answer: the night's earlier run stands"))
                return NightChanges(run_id, True)
            if unread:
                conn.execute(update(runs).where(runs.c.id.in_(unread)).values(
                    status="superseded",
                    error=f"the portal did not answer; the night was audited again (run {run_id})"))
            take = 1 + conn.execute(select(func.count()).select_from(runs).where(
                runs.c.portal == portal, runs.c.night == night, runs.c.status == "superseded")).scalar_one()
            self._write_pages(conn, run_id, pages)
            failpoints.hit("after_snapshots")
            self._write_records(conn, run_id, "unit", unit_records)
            self._write_records(conn, run_id, "directory", directory_records)
            failpoints.hit("after_records")
            moved = self._move_units(conn, portal, former or {})
            changes = self._apply_lifecycle(conn, portal, night, run_id, findings_tonight, coverage)
            failpoints.hit("after_findings")
            self._write_unit_state(conn, portal, night, unit_hashes or {})
            if unit_scores:
                conn.execute(insert(unit_scores_table), [{"run_id": run_id, "unit_id": unit_id, "score": points,
                                                          "not_read": why}
                                                         for unit_id, (points, why) in sorted(unit_scores.items())])
            if findings_tonight:
                conn.execute(insert(night_findings), [{"run_id": run_id, "key": f.key, "data": _json(f.to_dict())}
                                                      for f in {f.key: f for f in findings_tonight}.values()])
            failpoints.hit("after_unit_state")
            by_event = {e: tuple(c.key for c in changes if c.event == e) for e in ("opened", "reopened", "seen",
                                                                                   "resolved", "withdrawn")}
            failpoints.hit("before_run_completed")
            conn.execute(update(runs).where(runs.c.id == run_id).values(
                status="completed", finished_at=dt.datetime.now(dt.timezone.utc), error=None, pages=len(pages),
                pages_failed=sum(not p.ok for p in pages), findings=len(findings_tonight),
                opened=len(by_event["opened"]) + len(by_event["reopened"]), resolved=len(by_event["resolved"]),
                score=score, notices=_json(notices), extract_key=extract_key))
        failpoints.hit("after_commit_night")
        return NightChanges(run_id, False, by_event["opened"], by_event["reopened"], by_event["seen"],
                            by_event["resolved"], take, by_event["withdrawn"], moved)

    def _write_pages(self, conn: Connection, run_id: int, pages: list[Any]) -> None:
        contents: dict[str, bytes] = {}
        rows = []
        for page in pages:
            digest = None
            if page.html:
                raw = page.html.encode("utf-8")
                digest = hashlib.sha256(raw).hexdigest()
                contents.setdefault(digest, raw)
            meta = page.meta or {}
            rows.append({"run_id": run_id, "url": page.url, "page_type": page.page_type, "status": page.status,
                         "final_url": page.final_url, "content_hash": digest, "rendered_at": page.fetched_at,
                         "error": page.error, "via": meta.get("via"), "etag": meta.get("etag"),
                         "last_modified": meta.get("last_modified"), "wait_for_seen": meta.get("wait_for_seen"),
                         "sources": _json(meta["sources"]) if meta.get("sources") else None})
        known: set[str] = set()
        hashes = list(contents)
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            known.update(conn.execute(select(page_contents.c.hash).where(page_contents.c.hash.in_(chunk))).scalars())
        new = [{"hash": h, "html": zlib.compress(raw, 6), "size": len(raw)} for h, raw in contents.items()
               if h not in known]
        for start in range(0, len(new), 500):
            conn.execute(insert(page_contents), new[start:start + 500])
        failpoints.hit("after_page_contents")
        for start in range(0, len(rows), _CHUNK):
            conn.execute(insert(snapshots), rows[start:start + _CHUNK])

    def _write_records(self, conn: Connection, run_id: int, kind: str, items: list[dict[str, Any]]) -> None:
        rows = [{"run_id": run_id, "kind": kind, "unit_id": item.get("unit_id"), "data": _json(item)}
                for item in items]
        for start in range(0, len(rows), _CHUNK):
            conn.execute(insert(records), rows[start:start + _CHUNK])

    def _kept(self, conn: Connection, portal: str) -> dict[str, KeptFinding]:
        result = conn.execute(select(findings.c.key, findings.c.unit_id, findings.c.subject, findings.c.field,
                                     findings.c.category, findings.c.status, findings.c.first_seen,
                                     findings.c.last_seen, findings.c.times_seen, findings.c.reopened,
                                     findings.c.resolved_at).where(findings.c.portal == portal))
        return {r.key: KeptFinding(*r) for r in result}

    def _apply_lifecycle(self, conn: Connection, portal: str, night: dt.date, run_id: int,
                         tonight: list[Finding], coverage: Coverage) -> list[Change]:
        kept = self._kept(conn, portal)
        changes = plan(kept, tonight, night, coverage)
        for index, change in enumerate(changes):
            if index == len(changes) // 2:
                failpoints.hit("mid_findings")
            evidence = {}
            if change.finding is not None:
                f = change.finding
                evidence = {k: _nfc(getattr(f, k)) for k in ("unit_name", "severity", "value", "expected",
                                                            "suggestion", "url", "legal_basis", "message_vi",
                                                            "message_en")}
            if change.event == "opened" and change.key not in kept:     # else a withdrawn one raised afresh
                f = change.finding
                conn.execute(insert(findings).values(
                    portal=portal, key=f.key, unit_id=f.unit_id, subject=_nfc(f.subject), field=f.field,
                    rule=f.rule, category=f.category, **evidence, **change.values))
            else:
                conn.execute(update(findings).where(findings.c.portal == portal, findings.c.key == change.key)
                             .values(**evidence, **change.values))
            conn.execute(insert(finding_events).values(portal=portal, key=change.key, night=night,
                                                       event=change.event, run_id=run_id))
        return changes

    def _move_units(self, conn: Connection, portal: str, former: dict[str, str]) -> tuple[str, ...]:
        """Carry what the store keeps under former unit ids to the ids that hold them now: each
        finding (its key follows its unit: its rows and events are rekeyed, so it keeps its first
        seen, its deadline and its history), each night's score and the unit's page state. A row
        the new id already has (both ids were checked on a night, or a finding the new id had found
        afresh) stays under the former id: nothing is merged into another row. Returns the keys moved
        (their new keys); nothing when no former id holds anything, as on every night after."""
        if not former:
            return ()
        moved = []
        rows = conn.execute(select(findings.c.key, findings.c.unit_id, findings.c.subject, findings.c.field,
                                   findings.c.rule).where(findings.c.portal == portal,
                                                          findings.c.unit_id.in_(list(former)))).all()
        taken = set(conn.execute(select(findings.c.key).where(
            findings.c.portal == portal, findings.c.unit_id.in_(sorted(set(former.values()))))).scalars())
        for row in rows:
            new_id = former[row.unit_id]
            new_key = finding_key(portal, new_id, row.subject, row.field, row.rule)
            if new_key in taken:
                continue
            taken.add(new_key)
            conn.execute(update(findings).where(findings.c.portal == portal, findings.c.key == row.key)
                         .values(key=new_key, unit_id=new_id))
            conn.execute(update(finding_events).where(finding_events.c.portal == portal,
                                                      finding_events.c.key == row.key).values(key=new_key))
            moved.append(new_key)
        run_ids = select(runs.c.id).where(runs.c.portal == portal)
        taken_score = unit_scores_table.alias("taken")
        for old_id, new_id in former.items():
            # Looked up by (run, unit), the table's key, every night a registry names former ids: a
            # filter on the unit alone would read a year of every unit's scores.
            both = select(taken_score.c.run_id).where(taken_score.c.run_id == unit_scores_table.c.run_id,
                                                      taken_score.c.unit_id == new_id).exists()
            conn.execute(update(unit_scores_table).where(unit_scores_table.c.run_id.in_(run_ids),
                                                         unit_scores_table.c.unit_id == old_id, ~both)
                         .values(unit_id=new_id))
            if conn.execute(select(unit_state.c.unit_id).where(unit_state.c.portal == portal,
                                                                unit_state.c.unit_id == new_id)).first() is None:
                conn.execute(update(unit_state).where(unit_state.c.portal == portal, unit_state.c.unit_id == old_id)
                             .values(unit_id=new_id))
        return tuple(sorted(moved))

    def _write_unit_state(self, conn: Connection, portal: str, night: dt.date, hashes: dict[str, str]) -> None:
        """Each unit's content hash and the night it last changed, written in two batches (one
        statement per unit took a portal of 2,000 units a quarter of a second a night)."""
        current = {r.unit_id: r for r in conn.execute(select(unit_state).where(unit_state.c.portal == portal))}
        added, moved = [], []
        for unit_id, digest in hashes.items():
            old = current.get(unit_id)
            if old is None:
                added.append({"portal": portal, "unit_id": unit_id, "content_hash": digest, "last_changed": night,
                              "last_seen": night})
            elif night >= old.last_seen:
                changed = old.content_hash != digest
                moved.append({"p": portal, "u": unit_id, "content_hash": digest, "last_seen": night,
                              "last_changed": night if changed else old.last_changed})
        for start in range(0, len(added), _CHUNK):
            conn.execute(insert(unit_state), added[start:start + _CHUNK])
        if moved:
            conn.execute(update(unit_state).where(unit_state.c.portal == bindparam("p"),
                                                  unit_state.c.unit_id == bindparam("u")), moved)

    # -- alerts -----------------------------------------------------------------------------------

    def queue_messages(self, portal: str, night: dt.date, messages: list[dict[str, Any]], *,
                       notified: Iterable[str] = (), escalated: Iterable[str] = (), status: str = "pending") -> int:
        """Put tonight's messages in the outbox and mark what they tell, in one transaction.

        Each message has an ``idempotency_key`` (portal, night, recipient, channel, address): a night
        queued twice queues nothing more, so a recipient is told once per night. ``status`` "dry-run"
        keeps a dry run's messages as written (their files are the delivery): never sent later.
        """
        if status not in ("pending", "dry-run"):
            raise ValueError(f"a message is queued pending or dry-run, not {status!r}")
        now = dt.datetime.now(dt.timezone.utc)
        queued = 0
        with self._begin() as conn:
            keys = [m["idempotency_key"] for m in messages]
            existing = set(conn.execute(select(outbox.c.idempotency_key)
                                        .where(outbox.c.idempotency_key.in_(keys))).scalars()) if keys else set()
            for message in messages:
                if message["idempotency_key"] in existing:
                    continue
                conn.execute(insert(outbox).values(portal=portal, night=night, status=status, attempts=0,
                                                   created_at=now, sent_at=now if status == "dry-run" else None,
                                                   **{k: _nfc(v) for k, v in message.items()}))
                queued += 1
            if queued or not messages:
                for key in notified:
                    conn.execute(update(findings).where(findings.c.portal == portal, findings.c.key == key)
                                 .values(notified_at=night, status=func.coalesce(
                                     func.nullif(findings.c.status, "open"), "notified")))
                    self._event(conn, portal, key, night, "notified")
                for key in escalated:
                    conn.execute(update(findings).where(findings.c.portal == portal, findings.c.key == key)
                                 .values(escalated_at=night, status="escalated"))
                    self._event(conn, portal, key, night, "escalated")
        return queued

    @staticmethod
    def _event(conn: Connection, portal: str, key: str, night: dt.date, event: str) -> None:
        exists = conn.execute(select(finding_events.c.id).where(
            finding_events.c.portal == portal, finding_events.c.key == key, finding_events.c.night == night,
            finding_events.c.event == event)).first()
        if exists is None:
            conn.execute(insert(finding_events).values(portal=portal, key=key, night=night, event=event))

    def pending_messages(self, portal: str | None = None) -> list[dict[str, Any]]:
        """Messages waiting to be delivered, oldest first (:func:`_waiting`)."""
        query = select(outbox).where(_waiting(dt.datetime.now(dt.timezone.utc))).order_by(outbox.c.night, outbox.c.id)
        if portal:
            query = query.where(outbox.c.portal == portal)
        with self._connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def messages(self, portal: str | None = None, night: dt.date | None = None) -> list[dict[str, Any]]:
        """The whole outbox (the notification log), or a portal's, or one night's."""
        query = select(outbox).order_by(outbox.c.night, outbox.c.id)
        if portal:
            query = query.where(outbox.c.portal == portal)
        if night is not None:
            query = query.where(outbox.c.night == night)
        with self._connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def claim_message(self, message_id: int, now: dt.datetime | None = None) -> bool:
        """Take a waiting message to deliver it: True when this delivery has it, False when another
        one took it first (it is theirs to send). One UPDATE, atomic on SQLite and PostgreSQL alike:
        two deliveries at once never both send a message. A claim :data:`CLAIM_STALE` old is a
        delivery that died between claiming and marking, and may be taken over."""
        now = now or dt.datetime.now(dt.timezone.utc)
        with self._begin() as conn:
            claimed = conn.execute(update(outbox).where(outbox.c.id == message_id, _waiting(now))
                                   .values(status="sending", claimed_at=now))
        return claimed.rowcount == 1

    def mark_message(self, message_id: int, status: str, error: str | None = None, *,
                     address: str | None = None) -> None:
        """After a delivery attempt: ``sent`` (to ``address``, when the registry moved it since it
        was queued), ``dry-run``, ``failed`` (for good), ``dropped`` (its recipient or route left the
        registry, or its unit is not yet due: never sent) or ``pending`` (retry later). Only a
        message still waiting, or claimed (:meth:`claim_message`), is marked."""
        values: dict[str, Any] = {"status": status, "attempts": outbox.c.attempts + 1, "last_error": error,
                                  "claimed_at": None}
        if address is not None:
            values["address"] = address
        if status in ("sent", "dry-run"):
            values["sent_at"] = dt.datetime.now(dt.timezone.utc)
        with self._begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.status.in_(("pending", "sending")))
                         .values(**values))

    # -- reading ----------------------------------------------------------------------------------

    def list_findings(self, portal: str | None = None, *, unit: str | None = None, rule: str | None = None,
                      category: str | None = None, status: str | None = None,
                      min_age_days: int | None = None, as_of: dt.date | None = None) -> list[dict[str, Any]]:
        """Findings with their lifecycle; ``status`` "active" means open, notified or escalated, "all" or
        None every status. ``min_age_days`` keeps those opened (found, or back after a fix) at least
        that many days before ``as_of``, the age the report and the units' messages give: a finding
        fixed and back four days ago is four days old, whenever it was first seen."""
        query = select(findings)
        conditions = []
        if portal:
            conditions.append(findings.c.portal == portal)
        if unit:
            conditions.append(findings.c.unit_id == unit)
        if rule:
            conditions.append(findings.c.rule == rule)
        if category:
            conditions.append(findings.c.category == category)
        if status == "active":
            conditions.append(findings.c.status.in_(ACTIVE))
        elif status and status != "all":
            conditions.append(findings.c.status == status)
        if min_age_days is not None:
            if as_of is None:
                raise ValueError("min_age_days needs as_of: the portal's date, not the host's")
            conditions.append(findings.c.opened_at <= as_of - dt.timedelta(days=min_age_days))
        if conditions:
            query = query.where(and_(*conditions))
        query = query.order_by(findings.c.unit_id, findings.c.first_seen, findings.c.key)
        with self._connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def finding_history(self, key: str, portal: str | None = None) -> tuple[dict[str, Any] | None, list[dict]]:
        """One finding (by key or a unique key prefix) and its events night by night."""
        with self._connect() as conn:
            # a key is hex: "%" or "_" typed by mistake matches nothing, not every key
            query = select(findings).where(findings.c.key.startswith(key, autoescape=True))
            if portal:
                query = query.where(findings.c.portal == portal)
            rows = conn.execute(query.limit(2)).all()
            if len(rows) != 1:
                return None, []
            row = dict(rows[0]._mapping)
            events = conn.execute(select(finding_events.c.night, finding_events.c.event, finding_events.c.run_id)
                                  .where(finding_events.c.portal == row["portal"],
                                         finding_events.c.key == row["key"])
                                  .order_by(finding_events.c.night, finding_events.c.id)).all()
            return row, [dict(e._mapping) for e in events]

    def finding_keys(self, prefix: str, portal: str | None = None, limit: int = 11) -> list[str]:
        """Keys of findings starting with ``prefix``, in order, at most ``limit``: what a prefix that
        names no single finding could have meant."""
        query = (select(findings.c.key).where(findings.c.key.startswith(prefix, autoescape=True)).distinct()
                 .order_by(findings.c.key))
        if portal:
            query = query.where(findings.c.portal == portal)
        with self._connect() as conn:
            return [row.key for row in conn.execute(query.limit(limit))]

    def runs(self, portal: str | None = None) -> list[dict[str, Any]]:
        query = select(runs).order_by(runs.c.night, runs.c.id)
        if portal:
            query = query.where(runs.c.portal == portal)
        with self._connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def recorded(self, portal: str | None = None) -> dict[str, set[str]]:
        """What the recorded nights know, to tell a mistyped filter from one that matches nothing
        tonight: the portals audited, and (of ``portal``, or of all) the units read or found at fault
        and the rules that ever failed."""
        def of_portal(column) -> Select:
            query = select(column).distinct()
            return query.where(column.table.c.portal == portal) if portal else query

        with self._connect() as conn:
            def values(query: Select) -> set[str]:
                return {v for v in conn.execute(query).scalars() if v}

            return {"portals": values(select(runs.c.portal).distinct()),
                    "units": values(of_portal(unit_state.c.unit_id)) | values(of_portal(findings.c.unit_id)),
                    "rules": values(of_portal(findings.c.rule))}

    def kept_pages(self, portal: str, before: dt.date | None = None) -> dict[str, Any]:
        """The pages of the portal's last completed night that can be asked for conditionally, with
        their kept copy: ``{url: KeptPage}``. Those read over plain HTTP with validators (an ETag or a
        Last-Modified), and those drawn by the browser with the sources it loaded (each with
        validators)."""
        from ..render.portal import KeptPage

        last = _last_completed(portal, before)
        over_http = (snapshots.c.via == "http") & ((snapshots.c.etag.is_not(None))
                                                   | (snapshots.c.last_modified.is_not(None)))
        drawn = (snapshots.c.via == "browser") & snapshots.c.sources.is_not(None)
        query = (select(snapshots.c.url, page_contents.c.html, snapshots.c.etag, snapshots.c.last_modified,
                        snapshots.c.wait_for_seen, snapshots.c.sources)
                 .join(page_contents, page_contents.c.hash == snapshots.c.content_hash)
                 .where(snapshots.c.run_id == last.scalar_subquery(), snapshots.c.status == 200,
                        over_http | drawn))
        with self._connect() as conn:
            return {r.url: KeptPage(bytes(r.html), r.etag, r.last_modified, r.wait_for_seen,
                                    tuple(tuple(s) for s in json.loads(r.sources)) if r.sources else ())
                    for r in conn.execute(query)}

    def kept_records(self, portal: str, key: str, before: dt.date | None = None) -> dict[tuple[str, str], list]:
        """The records of the portal's last completed night before ``before``, if its extraction had
        this ``key``: ``{(url, content hash): [record, ...]}`` for every unit and directory page that
        answered (an empty list for a page that gave none), in page order."""
        from ..extract.kept import KEPT_TYPES

        with self._connect() as conn:
            run = conn.execute(_last_completed(portal, before, 1, runs.c.id, runs.c.extract_key)).first()
            if run is None or run.extract_key != key:
                return {}
            pages = conn.execute(select(snapshots.c.url, snapshots.c.content_hash).where(
                snapshots.c.run_id == run.id, snapshots.c.page_type.in_(KEPT_TYPES),
                snapshots.c.status.between(200, 299), snapshots.c.error.is_(None),
                snapshots.c.content_hash.is_not(None))).all()
            by_url: dict[str, list[dict[str, Any]]] = {url: [] for url, _ in pages}
            for (data,) in conn.execute(select(records.c.data).where(records.c.run_id == run.id)
                                        .order_by(records.c.id)):
                record = json.loads(data)
                if record.get("page_url") in by_url:
                    by_url[record["page_url"]].append(record)
        return {(url, digest): by_url[url] for url, digest in pages}

    def last_counts(self, portal: str, before: dt.date | None = None, nights: int = 7,
                    extract_key: str | None = None) -> dict[str, int]:
        """The most records per kind (``unit``, ``directory``) of the portal's last ``nights``
        completed nights before ``before``: what tonight's crawl is compared with to tell layout drift
        from real change. The most, not the last: a drift that lasts keeps being one for a week, and
        a portal that really shrank is taken as it is after that week.

        With ``extract_key``, only nights read with the same unit-page and directory specs (and the
        same portalwatch) count: a profile rewritten for a new layout reads another portal's worth of
        rows, which says nothing of drift."""
        with self._connect() as conn:
            last = _last_completed(portal, before, nights)
            if extract_key is not None:
                last = last.where(runs.c.extract_key == extract_key)
            run_ids = list(conn.execute(last).scalars())
            if not run_ids:
                return {}
            per_run = (select(records.c.kind, func.count().label("n")).where(records.c.run_id.in_(run_ids))
                       .group_by(records.c.run_id, records.c.kind).subquery())
            query = select(per_run.c.kind, func.max(per_run.c.n)).group_by(per_run.c.kind)
            return {kind: int(n) for kind, n in conn.execute(query)}

    def events(self, portal: str) -> list[dict[str, Any]]:
        """Every finding event of a portal, in night order (for trends and "what changed")."""
        query = (select(finding_events.c.key, finding_events.c.night, finding_events.c.event)
                 .where(finding_events.c.portal == portal).order_by(finding_events.c.night, finding_events.c.id))
        with self._connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def unit_scores(self, portal: str) -> list[dict[str, Any]]:
        """Every unit's score of every completed night of a portal: night, unit_id, score (None when
        not scored) and not_read (why not), in night order. Nights kept before the store kept them
        (revision 0006) have no rows."""
        query = (select(runs.c.night, unit_scores_table.c.unit_id, unit_scores_table.c.score,
                        unit_scores_table.c.not_read)
                 .join(runs, runs.c.id == unit_scores_table.c.run_id)
                 .where(runs.c.portal == portal, runs.c.status == "completed")
                 .order_by(runs.c.night, unit_scores_table.c.unit_id))
        with self._connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def recorded_night(self, portal: str, night: dt.date) -> dict[str, Any] | None:
        """What the store recorded of one completed night, to write its files again without auditing
        it: ``run`` (its row), ``findings`` (each as written that night, or None for a night recorded
        before revision 0007 kept them), ``units`` and ``directory`` (the extracted records),
        ``unit_scores`` (``{unit_id: (score, not_read)}``, empty before revision 0006) and ``events``
        (the findings' events of that night). None when the night is not recorded."""
        with self._connect() as conn:
            run = conn.execute(select(runs).where(runs.c.portal == portal, runs.c.night == night,
                                                  runs.c.status == "completed")
                               .order_by(runs.c.id.desc()).limit(1)).first()
            if run is None:
                return None
            run = dict(run._mapping)
            kept = [json.loads(data) for (data,) in conn.execute(
                select(night_findings.c.data).where(night_findings.c.run_id == run["id"])
                .order_by(night_findings.c.key))]
            kinds: dict[str, list[dict[str, Any]]] = {"unit": [], "directory": []}
            for kind, data in conn.execute(select(records.c.kind, records.c.data)
                                           .where(records.c.run_id == run["id"]).order_by(records.c.id)):
                kinds.setdefault(kind, []).append(json.loads(data))
            scores = {r.unit_id: (r.score, r.not_read) for r in conn.execute(
                select(unit_scores_table).where(unit_scores_table.c.run_id == run["id"]))}
            events = [dict(r._mapping) for r in conn.execute(
                select(finding_events.c.key, finding_events.c.event).where(
                    finding_events.c.portal == portal, finding_events.c.night == night)
                .order_by(finding_events.c.id))]
        return {"run": run, "findings": kept if kept or not run["findings"] else None,
                "units": kinds["unit"], "directory": kinds["directory"], "unit_scores": scores, "events": events}

    def unit_states(self, portal: str) -> dict[str, dict[str, Any]]:
        with self._connect() as conn:
            return {r.unit_id: dict(r._mapping)
                    for r in conn.execute(select(unit_state).where(unit_state.c.portal == portal))}

    def counts(self) -> dict[str, int]:
        """Rows per table (for checks that nothing was half-written)."""
        with self._connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (runs, snapshots, page_contents, records, findings, finding_events, unit_state,
                              unit_scores_table, night_findings, outbox)}

    # -- upkeep -----------------------------------------------------------------------------------

    def prune_snapshots(self, keep_days: int, today: dt.date | None = None) -> int:
        """Delete page snapshots of runs older than ``keep_days``; runs, records and findings stay."""
        cutoff = (today or dt.date.today()) - dt.timedelta(days=keep_days)
        with self._begin() as conn:
            old_runs = select(runs.c.id).where(runs.c.night < cutoff).scalar_subquery()
            deleted = conn.execute(delete(snapshots).where(snapshots.c.run_id.in_(old_runs))).rowcount
            referenced = select(snapshots.c.content_hash).where(snapshots.c.content_hash.is_not(None))
            conn.execute(delete(page_contents).where(page_contents.c.hash.not_in(referenced)))
        return deleted or 0

    def page_html(self, content_hash: str) -> str | None:
        with self._connect() as conn:
            blob = conn.execute(select(page_contents.c.html).where(page_contents.c.hash == content_hash)).scalar()
        return zlib.decompress(blob).decode("utf-8") if blob is not None else None

    def dispose(self) -> None:
        self.engine.dispose()

    # -- plumbing ---------------------------------------------------------------------------------

    def _connect(self):
        return self._open(self.engine.connect)

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A transaction; a full disk while it writes rolls it back whole and is a clear StoreError."""
        with self._open(self.engine.begin) as conn:
            try:
                yield conn
            except OperationalError as exc:
                if not _disk_full(exc):
                    raise
                raise StoreError(f"the store {_redact(str(self.engine.url))} is out of space ({error_reason(exc)}): "
                                 f"nothing of this write was kept, run again when there is space") from exc

    def _open(self, opener):
        """A connection (or a transaction); a database that does not answer is a clear StoreError."""
        try:
            return opener()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot connect to the store {_redact(str(self.engine.url))}: {error_reason(exc)}") from exc


def _last_completed(portal: str, before: dt.date | None, nights: int = 1, *columns: Any) -> Select:
    """The portal's last ``nights`` completed runs before ``before`` (all, without it), newest first:
    what a night compares itself with and reuses."""
    query = select(*(columns or (runs.c.id,))).where(runs.c.portal == portal, runs.c.status == "completed")
    if before is not None:
        query = query.where(runs.c.night < before)
    return query.order_by(runs.c.night.desc(), runs.c.id.desc()).limit(nights)


def _disk_full(exc: OperationalError) -> bool:
    """SQLite's SQLITE_FULL or PostgreSQL's disk_full (SQLSTATE 53100)."""
    orig = exc.orig
    if getattr(orig, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
        return True
    return getattr(orig, "sqlstate", None) == "53100" or "disk is full" in str(orig) or "No space left" in str(orig)


def _sqlite_pragmas(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001 - DBAPI objects
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision.

    A store already at :data:`HEAD_REVISION` (every night after the first) is left as it is without
    loading Alembic, which would cost each run about a third of a second for nothing.
    """
    current = _revision(engine)
    if current == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if current is not None and current not in known:
        # A newer portalwatch migrated the store (another worker upgraded first): this one cannot
        # read it, and must not try.
        raise StoreError(f"the store is at schema revision {current!r}, which this portalwatch does not know: a "
                         f"newer portalwatch has upgraded it; upgrade this one too (deployments/README.md)")
    # Two processes opening a new (or older) store at once (two workers, a night beside a delivery):
    # the second waits for the first's migration, then finds the store at the head and does nothing.
    with _sqlite_folder_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _advisory_lock(conn, "migrate")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


@contextlib.contextmanager
def _sqlite_folder_lock(engine: Engine) -> Iterator[None]:
    """For a SQLite store, hold its folder (``flock`` on the folder itself: no file is added, and the
    database file's own locks, which closing a descriptor of it would drop, are not touched)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database:
        yield
        return
    import fcntl
    import os

    folder = os.open(Path(database).resolve().parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)


def _revision(engine: Engine) -> str | None:
    """The Alembic revision the store is at, or None for a database without one."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def open_store(url: str, create: bool = True) -> Store:
    """Connect, migrate, and return the store; :class:`StoreError` names the URL (without password).

    Without ``create`` (the commands that only read the store or deliver from it) a database that
    holds no store is refused rather than given the store's tables: a mistyped ``--db`` must not
    change someone else's database. A SQLite URL must name a file: a store in memory keeps nothing.
    """
    from sqlalchemy import inspect
    from sqlalchemy.exc import ArgumentError

    if url.split("?", 1)[0] in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
        raise StoreError(f"the store URL {url} names no file, and a store in memory keeps nothing: give one "
                         f"such as sqlite:///out/portalwatch.sqlite3")
    try:
        if url.startswith("sqlite:///"):
            path = Path(url[len("sqlite:///"):])
            if str(path) not in ("", ":memory:"):
                path.parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (ArgumentError, ValueError, ImportError) as exc:
        raise StoreError(f"invalid store URL {_redact(url)}: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"cannot create the store at {_redact(url)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    try:
        if not create and not inspect(engine).has_table("runs"):
            engine.dispose()
            raise StoreError(f"no portalwatch store in {_redact(url)}: no night was recorded there (give the "
                             f"--out of the nightly runs, or their --db / PORTALWATCH_DB)")
        try:
            migrate(engine)
        except StoreError as exc:
            engine.dispose()
            raise StoreError(f"{_redact(url)}: {exc}") from exc
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot connect to the store {_redact(url)}: {error_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot prepare the store {_redact(url)}: {error_reason(exc)}") from exc
    return Store(engine)


def error_reason(exc: Exception) -> str:
    """The database's own words on one line. SQLAlchemy's message adds the statement and a
    "(Background on this error at: ...)" link on lines of their own, which would break the one-line
    rule of every error told to a user."""
    cause = getattr(exc, "orig", None)
    lines = str(cause if cause is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
