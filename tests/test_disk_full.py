"""The disk fills up while a night writes its outputs: one clear line, a non-zero exit, no file cut
short, and the next run writes the night in full."""

from __future__ import annotations

import errno
import json

from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.timing import describe

from conftest import PROFILE_PATH


def test_disk_full_while_writing_outputs(tmp_path, portal, monkeypatch):
    import portalwatch.findings.model as model

    real = model.write_findings

    def full_disk(findings, path):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text('{"key": "cut sh', encoding="utf-8")  # the disk filled up mid-file
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    portal.set_night(1)
    args = ["run", "--no-prefect", "--profile", str(PROFILE_PATH), "--out", str(tmp_path), "--now", "2022-06-13",
            "--base-url", portal.base_url]
    monkeypatch.setattr(model, "write_findings", full_disk)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    output = result.output.strip()
    assert "No space left on device" in output and "hết dung lượng đĩa" in output
    assert "Traceback" not in output and len(output.splitlines()) <= 3
    folder = tmp_path / "vungtau-2022" / "2022-06-13"
    assert list(folder.rglob("*.tmp")) == [], "no file cut short is left"
    assert not (folder / "findings.jsonl").exists() and not (folder / "summary.json").exists()

    monkeypatch.setattr(model, "write_findings", real)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["findings"] > 0
    # The night was recorded before the disk filled up: its files are written again from the store (the
    # portal not crawled), and the time this run took is what ops see; the store keeps no crawl timings.
    assert summary["store"]["already_recorded"] is True and "findings.jsonl" in summary["rebuilt"]["written"]
    assert f"Time: {describe(summary['rebuilt']['seconds'])}" in " ".join(result.output.split()), \
        "ops see where the run went"
    assert (folder / "findings.jsonl").read_text(encoding="utf-8").count("\n") == summary["findings"]


def test_disk_full_while_writing_snapshots_keeps_the_store_as_it_was(tmp_path, portal, monkeypatch):
    """SQLite answers SQLITE_FULL while the night's snapshots go in (the database may not grow by one
    page, as on a full disk): the whole night is rolled back, the nights before stay, and the next
    run records the night in full."""
    import portalwatch.store.store as store_module
    from portalwatch.store import open_store
    from sqlalchemy import event

    db = tmp_path / "history.sqlite"
    args = ["run", "--no-prefect", "--profile", str(PROFILE_PATH), "--out", str(tmp_path / "out"), "--db",
            f"sqlite:///{db}", "--base-url", portal.base_url]
    portal.set_night(1)
    assert CliRunner().invoke(app, [*args, "--now", "2022-06-13"]).exit_code == 0
    store = open_store(f"sqlite:///{db}")
    before = store.counts()
    findings_before = store.list_findings("vungtau-2022", status="all")
    store.dispose()

    real = store_module._sqlite_pragmas

    def full_disk(engine):
        real(engine)

        @event.listens_for(engine, "connect")
        def _no_room(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages + 1}")
            cursor.close()

    monkeypatch.setattr(store_module, "_sqlite_pragmas", full_disk)
    portal.set_night(2)
    result = CliRunner().invoke(app, [*args, "--now", "2022-06-14"])
    output = result.output.strip()
    assert result.exit_code == 5, output
    assert "is out of space" in output and str(db) in output and "nothing of this write was kept" in output
    assert "Traceback" not in output and len(output.splitlines()) <= 3
    assert not (tmp_path / "out" / "vungtau-2022" / "2022-06-14" / "findings.jsonl").exists()

    monkeypatch.setattr(store_module, "_sqlite_pragmas", real)
    store = open_store(f"sqlite:///{db}")
    after = store.counts()
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}
    assert store.list_findings("vungtau-2022", status="all") == findings_before
    assert [r["status"] for r in store.runs("vungtau-2022")][-1] in ("failed", "running")
    store.dispose()

    result = CliRunner().invoke(app, [*args, "--now", "2022-06-14"])
    assert result.exit_code == 0, result.output
    store = open_store(f"sqlite:///{db}")
    assert store.counts()["snapshots"] > before["snapshots"]
    assert [r["status"] for r in store.runs("vungtau-2022")].count("completed") == 2
    store.dispose()


def test_a_file_in_the_way_is_one_line_naming_it(tmp_path, portal):
    """Not the disk: a folder where the night writes a file (or no permission on a shared folder).
    One line naming the path and why, exit 1, and the next run, once the path is cleared, writes the
    night in full from what the store recorded."""
    portal.set_night(1)
    folder = tmp_path / "vungtau-2022" / "2022-06-13"
    (folder / "findings.jsonl").mkdir(parents=True)              # a folder where the file goes
    args = ["run", "--no-prefect", "--profile", str(PROFILE_PATH), "--out", str(tmp_path), "--now", "2022-06-13",
            "--base-url", portal.base_url]
    result = CliRunner().invoke(app, args)
    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "cannot read or write a file" in output and "findings.jsonl" in output and "Is a directory" in output
    assert "Traceback" not in result.output and "hết dung lượng" not in output
    assert list(folder.rglob("*.tmp")) == []

    (folder / "findings.jsonl").rmdir()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))["store"]["already_recorded"] is True


def test_a_read_only_file_system_is_not_called_a_full_disk(tmp_path, portal, monkeypatch):
    import portalwatch.findings.model as model

    def read_only(findings, path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    portal.set_night(1)
    monkeypatch.setattr(model, "write_findings", read_only)
    result = CliRunner().invoke(app, ["run", "--no-prefect", "--profile", str(PROFILE_PATH), "--out", str(tmp_path),
                                      "--now", "2022-06-13", "--base-url", portal.base_url])
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and "read-only file system" in output and "Read-only file system" in output
    assert "hết dung lượng" not in output and "Traceback" not in result.output
