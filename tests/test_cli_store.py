"""The commands that read the store (`findings list/show/export`, `alerts send`) over two recorded
nights of the sample portal, and a mistyped --out that must not create an empty store."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from conftest import PROFILE_PATH, record
from portalwatch import night as stages
from portalwatch.cli import app
from portalwatch.store import open_store

pytestmark = pytest.mark.browser


@pytest.fixture
def out(tmp_path, nights, config):
    """An --out folder whose default store holds nights 1 and 2, their messages queued."""
    folder = tmp_path / "out"
    folder.mkdir()
    store = open_store(stages.store_url(folder))
    try:
        for n in (1, 2):
            changes = record(store, config, nights[n])
            stages.plan_and_queue(store, config, nights[n].date, changes, [], None, None)
    finally:
        store.dispose()
    return folder


def _kept(folder, **filters):
    store = open_store(stages.store_url(folder))
    try:
        return store.list_findings(**filters)
    finally:
        store.dispose()


def test_findings_export_writes_every_finding_of_the_store(out, tmp_path):
    target = tmp_path / "xuất" / "findings.csv"
    result = CliRunner().invoke(app, ["findings", "export", str(target), "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the diacritics"
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    kept = _kept(out, status=None)
    assert sorted(r["key"] for r in rows) == sorted(f["key"] for f in kept) and rows
    assert any("ư" in r["message_vi"] or "ộ" in r["message_vi"] for r in rows)


def test_findings_list_and_show(out):
    active = _kept(out)
    result = CliRunner().invoke(app, ["findings", "list", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{len(active)} findings" in result.output
    assert all(f["key"][:10] in result.output for f in active)
    # in a narrow terminal the other columns fold, the key stays whole so it can be copied
    narrow = CliRunner().invoke(app, ["findings", "list", "--out", str(out)], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0 and all(f["key"][:10] in narrow.output for f in active), narrow.output
    one = active[0]
    shown = CliRunner().invoke(app, ["findings", "show", one["key"][:8], "--out", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert f"key: {one['key']}" in shown.output and "opened" in shown.output
    missing = CliRunner().invoke(app, ["findings", "show", "zzzz", "--out", str(out)])
    assert missing.exit_code == 1 and "no finding has a key starting with 'zzzz'" in missing.output
    for wildcard in ("%", "_", one["key"][:4] + "%"):      # SQL's wildcards are characters here, not patterns
        typed = CliRunner().invoke(app, ["findings", "show", wildcard, "--out", str(out)])
        assert typed.exit_code == 1 and f"no finding has a key starting with '{wildcard}'" in typed.output


def test_findings_show_lists_the_keys_an_ambiguous_prefix_matches(out):
    import os

    keys = sorted(f["key"] for f in _kept(out, status=None))
    prefix = max((os.path.commonprefix(pair) for pair in zip(keys, keys[1:])), key=len)
    matching = [k for k in keys if k.startswith(prefix)]
    assert len(matching) > 1
    result = CliRunner().invoke(app, ["findings", "show", prefix, "--out", str(out)], env={"COLUMNS": "2000"})
    assert result.exit_code == 1
    assert (f"the key prefix '{prefix}' is ambiguous: several findings start with it ({', '.join(matching[:10])}"
            in result.output)


def _outbox(folder):
    store = open_store(stages.store_url(folder))
    try:
        return [(m["id"], m["status"]) for m in store.messages()]
    finally:
        store.dispose()


def test_alerts_send_dry_run_counts_what_waits_and_changes_nothing(out, monkeypatch):
    before = _outbox(out)
    assert before and {status for _, status in before} == {"pending"}
    result = CliRunner().invoke(app, ["alerts", "send", "--dry-run", "--profile", str(PROFILE_PATH), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"dry run: {len(before)} waiting in the outbox, none sent"
    assert _outbox(out) == before, "a dry run leaves every message pending"
    for name in ("PORTALWATCH_SLACK_TOKEN", "PORTALWATCH_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    sent = CliRunner().invoke(app, ["alerts", "send", "--profile", str(PROFILE_PATH), "--out", str(out),
                                    "--now", "2022-06-14T09:00"])
    assert sent.exit_code == 1, sent.output
    assert sent.output.startswith(f"0 delivered, {len(before)} waiting, 0 refused"), "no channel: they wait"


@pytest.mark.parametrize("verb", [["findings", "list"], ["findings", "show", "abc"],
                                  ["findings", "export", "x.csv"], ["alerts", "send", "--dry-run"]])
def test_a_mistyped_out_creates_nothing_and_says_so(tmp_path, verb):
    nowhere = tmp_path / "ot"
    result = CliRunner().invoke(app, [*verb, "--out", str(nowhere)])
    assert result.exit_code == 5, result.output
    assert f"no store at {nowhere / 'portalwatch.sqlite3'}" in result.output.replace("\n", "")
    assert not nowhere.exists() and not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("verb, bad, message", [
    (["findings", "list"], ["--status", "opened"],
     "--status must be one of active, open, notified, escalated, resolved, withdrawn, all; found 'opened'"),
    (["findings", "export", "{tmp}/x.csv"], ["--status", "closed"],
     "--status must be one of active, open, notified, escalated, resolved, withdrawn, all; found 'closed'"),
    (["findings", "list"], ["--as-of", "13/06/2022"], "--as-of expects a date YYYY-MM-DD, found '13/06/2022'"),
    (["findings", "list"], ["--as-of", "9999-12-31", "--min-age", "30"],
     "--as-of expects a date from 2000-01-01 to 2099-12-31, found '9999-12-31'"),
    (["findings", "list"], ["--min-age", "-5"], "Invalid value for '--min-age': Input should be greater than or equal to 0"),
    (["findings", "list"], ["--category", "outdated"], "--category 'outdated' matches no category of a finding; "
                                                       "known: duplicate_contact, inconsistent, invalid_email"),
    (["findings", "list"], ["--portal", "vungtau-2021"],
     "--portal 'vungtau-2021' matches no portal of the recorded nights; known: vungtau-2022"),
    (["findings", "export", "{tmp}/x.csv"], ["--portal", "vung-tau"],
     "--portal 'vung-tau' matches no portal of the recorded nights; known: vungtau-2022"),
    (["findings", "list"], ["--unit", "phong-tu-phapp"], "--unit 'phong-tu-phapp' matches no unit of the recorded "
                                                         "nights; known: "),
    (["findings", "list"], ["--portal", "vungtau-2022", "--unit", "PHONG-TU-PHAP"],
     "--unit 'PHONG-TU-PHAP' matches no unit of the recorded nights of vungtau-2022; known: "),
    (["findings", "list"], ["--rule", "leader_phone_vaild"],
     "--rule 'leader_phone_vaild' matches no rule of the suites or the recorded findings; known: "),
    (["alerts", "send", "--dry-run"], ["--profile", str(PROFILE_PATH.parent.parent / "phuong-vung-tau-2025" /
                                                       "profile.yaml")],
     "the store has no night of the portal 'phuong-vung-tau-2025', so nothing of it waits to be sent; it has "
     "nights of: vungtau-2022"),
    (["alerts", "send", "--profile", str(PROFILE_PATH)], ["--now", "2022-06-14"],
     "--now expects a date and time YYYY-MM-DDTHH:MM, found '2022-06-14'"),
])
def test_a_filter_outside_what_the_store_knows_is_named_not_an_empty_list(out, tmp_path, verb, bad, message):
    verb = [word.format(tmp=tmp_path) for word in verb]
    result = CliRunner().invoke(app, [*verb, *bad, "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", "")
    assert "0 findings" not in result.output and not (tmp_path / "x.csv").exists()


def test_filters_the_store_knows_list_what_they_match(out, config):
    """A unit, rule or category the nights know lists its findings; a rule of the suites that never
    failed lists none, without an error."""
    from portalwatch.validate.suites import rule_names

    active = _kept(out)
    unit, rule = active[0]["unit_id"], active[0]["rule"]
    env = {"COLUMNS": "250"}
    for option, value, field in (("--unit", unit, "unit_id"), ("--rule", rule, "rule"),
                                 ("--category", active[0]["category"], "category")):
        result = CliRunner().invoke(app, ["findings", "list", "--portal", config.profile.name, option, value,
                                          "--out", str(out)], env=env)
        assert result.exit_code == 0, result.output
        matching = [f for f in active if f[field] == value]
        assert f"{len(matching)} findings" in result.output and len(matching) < len(active)
        assert all(f["key"][:10] in result.output for f in matching)
    never = sorted(rule_names() - {f["rule"] for f in _kept(out, status=None)})[0]
    result = CliRunner().invoke(app, ["findings", "list", "--rule", never, "--out", str(out)], env=env)
    assert result.exit_code == 0 and "0 findings" in result.output, result.output


def test_an_export_that_cannot_be_written_says_where(out, tmp_path):
    blocker = tmp_path / "báo-cáo"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    result = CliRunner().invoke(app, ["findings", "export", str(blocker / "findings.csv"), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"cannot write {blocker / 'findings.csv'}" in result.output.replace("\n", "")
    assert result.exception is None or isinstance(result.exception, SystemExit), "no traceback"
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder"


def test_an_export_to_a_link_writes_its_file_and_to_a_pipe_is_refused(out, tmp_path):
    """A link (a shared folder's usual name for this month's file) is written through, kept a link;
    a pipe or a device cannot be replaced whole and is not swapped for a plain file."""
    import os

    target = tmp_path / "thang-6.csv"
    target.write_text("last month's", encoding="utf-8")
    link = tmp_path / "moi-nhat.csv"
    link.symlink_to(target)
    result = CliRunner().invoke(app, ["findings", "export", str(link), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text(encoding="utf-8-sig").startswith("portal,key,")

    fifo = tmp_path / "ong.csv"
    os.mkfifo(fifo)
    refused = CliRunner().invoke(app, ["findings", "export", str(fifo), "--out", str(out)])
    assert refused.exit_code == 1, refused.output
    assert f"cannot write {fifo}: not a regular file" in refused.output.replace("\n", "")
    assert fifo.is_fifo() and not list(tmp_path.glob("ong.csv.*"))


def test_a_read_command_leaves_a_database_that_holds_no_store_untouched(tmp_path):
    """A mistyped --db that names someone else's database: refused, not given the store's tables."""
    import sqlite3

    other = tmp_path / "accounts.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
    for verb in (["findings", "list"], ["alerts", "send", "--dry-run", "--profile", str(PROFILE_PATH)]):
        result = CliRunner().invoke(app, [*verb, "--db", f"sqlite:///{other}"])
        assert result.exit_code == 5, result.output
        assert f"no portalwatch store in sqlite:///{other}" in result.output.replace("\n", "")
    with sqlite3.connect(other) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["accounts"]


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_a_store_in_memory_is_refused_since_it_keeps_nothing(tmp_path, url):
    result = CliRunner().invoke(app, ["run", "--no-prefect", "--now", "2022-06-13", "--out", str(tmp_path),
                                      "--db", url, "--base-url", "http://127.0.0.1:9/"])
    assert result.exit_code == 5, result.output
    assert f"the store URL {url} names no file" in result.output.replace("\n", "")
    assert not (tmp_path / "vungtau-2022").exists()


def test_alerts_send_exits_1_when_a_message_cannot_go_and_0_when_quiet_hours_hold_it(out, monkeypatch):
    for name in ("PORTALWATCH_SLACK_TOKEN", "PORTALWATCH_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    waiting = len(_outbox(out))
    args = ["alerts", "send", "--profile", str(PROFILE_PATH), "--out", str(out)]
    held = CliRunner().invoke(app, [*args, "--now", "2022-06-14T01:30"])
    assert held.exit_code == 0, held.output
    assert held.output.startswith(f"0 delivered, {waiting} waiting (quiet hours or a maintenance window)")
    morning = CliRunner().invoke(app, [*args, "--now", "2022-06-14T09:00"])
    assert morning.exit_code == 1, morning.output
    assert ("no slack sender configured" in morning.output and "set PORTALWATCH_SLACK_TOKEN" in morning.output) or \
        ("no email sender configured" in morning.output and "set PORTALWATCH_SMTP_HOST" in morning.output)
    bad = CliRunner().invoke(app, [*args, "--now", "14/06/2022"])
    assert bad.exit_code == 2 and "--now expects a date and time YYYY-MM-DDTHH:MM" in bad.output


def test_report_builds_the_workbook_and_the_index_from_the_store(out, nights, config):
    from openpyxl import load_workbook

    from portalwatch.reports.history import load_history, month_figures

    result = CliRunner().invoke(app, ["report", "--profile", str(PROFILE_PATH), "--out", str(out)])
    assert result.exit_code == 0, result.output
    workbook = out / "vungtau-2022" / "noi-vu-2022.xlsx"
    assert f"Home Affairs' workbook for 2022: {workbook}" in result.output.replace("\n", "")
    store = open_store(stages.store_url(out))
    try:
        figures = month_figures(load_history(store, "vungtau-2022"), [u.id for u in config.registry], 2022)
    finally:
        store.dispose()
    rows = list(load_workbook(workbook, read_only=True)["Năm 2022"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [u.id for u in config.registry]
    assert {row[0]: row[2] for row in rows} == {u: f[0]["raised"] for u, f in figures.items()}
    assert sum(row[2] for row in rows) > 0, "the two nights raised findings"
    html = (out / "vungtau-2022" / "index.html").read_text(encoding="utf-8")
    assert all(nights[n].date.strftime("%d/%m/%Y") in html for n in (1, 2)) and "noi-vu-2022.xlsx" in html


@pytest.mark.parametrize("args, code, message", [
    (["--year", "2023"], 1, "no night of vungtau-2022 is recorded in 2023; recorded years: 2022"),
    (["--year", "1999"], 2, "Invalid value for '--year'"),
])
def test_report_names_a_year_with_no_night(out, args, code, message):
    """The exit codes README's command-line section gives: 1 for a year with no night, 2 for a year
    the option does not take."""
    result = CliRunner().invoke(app, ["report", "--profile", str(PROFILE_PATH), "--out", str(out), *args],
                                env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    assert message in result.output.replace("\n", "")
    assert not (out / "vungtau-2022" / "noi-vu-2023.xlsx").exists()


def test_min_age_counts_from_when_a_finding_came_back_as_the_report_does(tmp_path, nights, config):
    """Phường Thắng Tam's free-mail address was found on 13/06, fixed on 17/06 and back on 22/06: on
    26/06 the report gives it 4 days, so `--min-age 7` must not list it as a week-old finding, while
    Phường Thắng Nhất's placeholders, open since 13/06 without a break, are 13 days old."""
    folder = tmp_path / "out"
    folder.mkdir()
    store = open_store(stages.store_url(folder))
    try:
        for n in sorted(nights):
            record(store, config, nights[n])
    finally:
        store.dispose()

    def listed(*options: str) -> list[list[str]]:
        result = CliRunner().invoke(app, ["findings", "list", "--out", str(folder), "--as-of", "2022-06-26",
                                          *options], env={"COLUMNS": "250"})
        assert result.exit_code == 0, result.output
        return [line.replace("┃", "│").split("│")[1:-1] for line in result.output.splitlines()
                if line.replace("┃", "│").count("│") > 5]

    back = ["--unit", "phuong-thang-tam", "--category", "unofficial_email"]
    header, *rows = listed(*back)
    age = [c.strip() for c in header].index("age")
    assert [[c.strip() for c in r][age] for r in rows] == ["4"], "open 22/06 to 26/06: 4 days"
    assert listed(*back, "--min-age", "4")[1:] and not listed(*back, "--min-age", "5")[1:]
    open_since_first = listed("--unit", "phuong-thang-nhat", "--min-age", "13")[1:]
    assert len(open_since_first) == 3 and {r[age].strip() for r in open_since_first} == {"13"}
    assert not listed("--unit", "phuong-thang-nhat", "--min-age", "14")[1:]


def test_a_store_a_newer_version_migrated_is_refused_by_name(out):
    """Another worker, upgraded first, migrated the store: this one must stop with exit 5 and say so,
    not print Alembic's traceback, and must leave the store as it is."""
    import sqlite3

    database = out / "portalwatch.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    for verb in (["findings", "list"], ["report", "--profile", str(PROFILE_PATH)]):
        result = CliRunner().invoke(app, [*verb, "--out", str(out)], env={"COLUMNS": "300"})
        output = " ".join(result.output.split())
        assert result.exit_code == 5, result.output
        assert "schema revision '9999_future'" in output and "upgrade this one too" in output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 3
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999_future",)]


def test_a_store_missing_a_table_is_exit_5_in_one_line(out):
    import sqlite3

    with sqlite3.connect(out / "portalwatch.sqlite3") as conn:
        conn.execute("DROP TABLE outbox")
    result = CliRunner().invoke(app, ["alerts", "send", "--dry-run", "--profile", str(PROFILE_PATH), "--out", str(out)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 5, result.output
    assert "the store could not be read or written: no such table: outbox" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_password_in_the_store_urls_query_is_not_printed():
    result = CliRunner().invoke(app, ["findings", "list", "--db",
                                      "postgresql://postgres@127.0.0.1:1/postgres?password=hunter2&sslmode=disable"],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 5, result.output
    assert "hunter2" not in result.output and "password=***" in result.output
