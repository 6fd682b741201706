"""How long writing one night of 100,000 directory records takes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from portalwatch.store import open_store
from portalwatch.store.lifecycle import Coverage

TITLE = "History store"
HOW = ("One night of 100,000 directory records committed through `Store.commit_night` into a fresh "
       "store: a temporary SQLite file, and a temporary database on the PostgreSQL server of "
       "PORTALWATCH_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432).")
ROWS = 100_000


def _records(n: int) -> list[dict]:
    return [{"unit_id": f"don-vi-{i % 2000:04d}", "unit_name": f"Đơn vị thử nghiệm {i % 2000:04d}",
             "person_name": f"Người thử nghiệm {i:06d}", "position": "Phó Trưởng phòng",
             "office_phone": f"0254 3{i % 1000000:06d}", "mobile": f"091{i % 10000000:07d}",
             "email": f"nguoi{i:06d}@vungtau.baria-vungtau.gov.vn", "page_url": "http://127.0.0.1/danh-ba"}
            for i in range(n)]


def _one(url: str, rows: list[dict]) -> float:
    store = open_store(url)
    run_id = store.begin_run("bench", dt.date(2022, 6, 13))
    started = time.perf_counter()
    store.commit_night(run_id, "bench", dt.date(2022, 6, 13), pages=[], unit_records=[], directory_records=rows,
                       findings_tonight=[], coverage=Coverage(), notices=[])
    elapsed = time.perf_counter() - started
    store.dispose()
    return elapsed


def run() -> list[tuple[str, str]]:
    rows = _records(ROWS)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        seconds = _one(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", rows)
        results.append((f"store: write 100,000 directory records (SQLite {sqlite3.sqlite_version})", f"{seconds:.2f} s "
                        f"({ROWS / seconds:,.0f} records/s)"))
    base = os.environ.get("PORTALWATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except Exception as exc:
        results.append(("store: write 100,000 directory records (PostgreSQL)", f"not measured: {exc}"))
        return results
    server = str(admin.execute("SHOW server_version").fetchone()[0]).split()[0]
    name = f"portalwatch_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        seconds = _one(base.rsplit("/", 1)[0] + "/" + name, rows)
        results.append((f"store: write 100,000 directory records (PostgreSQL {server})", f"{seconds:.2f} s "
                        f"({ROWS / seconds:,.0f} records/s)"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return results


if __name__ == "__main__":
    for name, value in run():
        print(f"{name}: {value}")
