"""The command line: fast help, and user errors as one clear line with a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "portalwatch.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_the_verbs():
    result = _cli("--help")
    assert result.returncode == 0
    for verb in ("run", "demo", "sample"):
        assert verb in result.stdout


def test_help_does_not_import_the_heavy_libraries():
    code = ("import sys; from typer.testing import CliRunner; from portalwatch.cli import app; "
            "CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in ('great_expectations', 'prefect', 'playwright', 'pandas') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]"



def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_no_help_text_breaks_a_sentence_across_lines():
    """typer shows a docstring's line breaks as they are: a line must end where a sentence or clause does."""
    import typer

    from portalwatch.cli import app

    for path, command in _commands(typer.main.get_command(app)):
        for paragraph in (command.help or "").split("\n\n")[1:]:
            for line in paragraph.strip().splitlines():
                assert line.rstrip().endswith((".", ";")), (" ".join(path), line)

def test_missing_profile_is_one_line_and_exit_2(tmp_path):
    result = _cli("run", "--no-prefect", "--profile", str(tmp_path / "nope.yaml"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "nope.yaml: file not found" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_malformed_profile_names_file_line_and_key(tmp_path):
    bad = tmp_path / "profile.yaml"
    bad.write_text('name: x\nbase_url: "https://a.gov.vn/"\nregistry: r.yaml\npages:\n  unit_pag: {}\n',
                   encoding="utf-8")
    result = _cli("run", "--no-prefect", "--profile", str(bad), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "profile.yaml:4, key 'pages': a profile needs a page type named 'unit_page'" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_bad_now_date(tmp_path):
    result = _cli("run", "--no-prefect", "--now", "28/11/2026", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--now expects a date YYYY-MM-DD" in result.stderr


def test_a_mistyped_base_url_stops_the_night_before_anything_is_recorded(tmp_path):
    result = _cli("run", "--no-prefect", "--base-url", "127.0.0.1:8000", "--now", "2022-06-13",
                  "--out", str(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "--base-url expects an http(s) URL such as http://127.0.0.1:8000/, found '127.0.0.1:8000'" in \
        " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == [], "no store, no night folder"
    check = _cli("profile", "check", str(ROOT / "profiles" / "vungtau-2022" / "profile.yaml"),
                 "--base-url", "ftp://portal.example.gov.vn/")
    assert check.returncode == 2 and "--base-url expects an http(s) URL" in " ".join(check.stderr.split())


def test_bad_environment_setting_is_named(tmp_path):
    env = {**os.environ, "PORTALWATCH_SNAPSHOT_DAYS": "thirty"}
    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--out", str(tmp_path),
                             "--now", "2022-06-13", "--base-url", "http://127.0.0.1:9/"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "PORTALWATCH_SNAPSHOT_DAYS='thirty': expected a whole number from 0 to 36500" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_at_start(tmp_path):
    result = _cli("run", "--no-prefect", "--out", str(tmp_path), "--now", "2022-06-13",
                  "--db", "postgresql://portalwatch:s3cret@127.0.0.1:9/portalwatch")
    assert result.returncode == 5
    assert "cannot connect to the store postgresql+psycopg://portalwatch:***@127.0.0.1:9/portalwatch" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout and "Traceback" not in result.stderr
    assert not (tmp_path / "vungtau-2022").exists(), "nothing was fetched or written"


@pytest.mark.parametrize("value", ["maybe", "yes"])
def test_a_portalwatch_send_value_readme_does_not_document_is_one_line(tmp_path, value):
    """As every other PORTALWATCH_ variable: named in one line, exit 2, nothing fetched."""
    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--now", "2022-06-13",
                             "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9/"], cwd=ROOT,
                            env={**os.environ, "PORTALWATCH_SEND": value}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: environment variable PORTALWATCH_SEND={value!r}: expected "
                                                  "1 or true to deliver the alerts, 0 or false to only write them"]
    assert not (tmp_path / "vungtau-2022").exists()


def test_portalwatch_send_takes_what_readme_documents():
    from portalwatch.cli import _send_setting

    assert [_send_setting({"PORTALWATCH_SEND": v}) for v in ("1", "true", "TRUE", "0", "false", "")] == \
        [True, True, True, False, False, False]
    assert _send_setting({}) is False


def test_a_store_file_that_is_not_a_database_is_one_line(tmp_path):
    """The database's words only: SQLAlchemy's "(Background on this error at: ...)" line is not shown."""
    text = tmp_path / "notdb.sqlite3"
    text.write_text("just text\n", encoding="utf-8")
    result = _cli("run", "--no-prefect", "--out", str(tmp_path / "out"), "--now", "2022-06-13",
                  "--db", f"sqlite:///{text}")
    assert result.returncode == 5
    assert result.stderr.strip().splitlines() == [f"error: cannot prepare the store sqlite:///{text}: file is not a "
                                                  "database"]
    assert text.read_text(encoding="utf-8") == "just text\n"


def test_a_night_the_portal_did_not_answer_is_recorded_and_exits_3(tmp_path):
    import json

    result = _cli("run", "--no-prefect", "--out", str(tmp_path), "--now", "2022-06-13",
                  "--base-url", "http://127.0.0.1:9/")
    assert result.returncode == 3, result.stderr
    assert "no page of http://127.0.0.1:9/ answered" in result.stderr and "Traceback" not in result.stderr
    summary = json.loads((tmp_path / "vungtau-2022" / "2022-06-13" / "summary.json").read_text(encoding="utf-8"))
    assert [n["kind"] for n in summary["notices"]] == ["portal_unreachable"], "the night is written all the same"
    assert summary["store"]["run_id"] and summary["score"]["points"] is None
    assert "not scored" in result.stdout
    assert summary["data_docs"] is None and "Data Docs:" not in result.stdout, "no suite ran: no Data Docs to show"
    assert "dry run: 1 message written, none sent" in " ".join(result.stdout.split()), "ops' message, in the singular"


def test_night_problem_maps_notices_to_the_documented_exit_codes():
    from portalwatch.errors import LayoutDrift, PortalUnreachable
    from portalwatch.night import night_problem

    clean = {"notices": [{"kind": "page_failed", "url": "u"}], "folder": "f", "base_url": "http://p/"}
    assert night_problem(clean) is None
    down = night_problem({**clean, "notices": [{"kind": "portal_unreachable", "pages": 4, "error": "ConnectError"}]})
    assert isinstance(down, PortalUnreachable) and down.exit_code == 3
    assert "no page of http://p/ answered (ConnectError)" in str(down) and "f/summary.json" in str(down)
    drift = night_problem({**clean, "notices": [{"kind": "layout_drift", "selectors": ["unit_page.phone: td.dt"]},
                                                {"kind": "rows_dropped", "selectors": ["directory.rows: tr"]}]})
    assert isinstance(drift, LayoutDrift) and drift.exit_code == 4
    assert "2 selector(s)" in str(drift) and "directory.rows: tr; unit_page.phone: td.dt" in str(drift)
    assert "portalwatch profile check" in str(drift)


def test_sample_serve_names_what_it_cannot_do():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = _cli("sample", "serve", "--port", str(port))
    assert busy.returncode == 2 and f"cannot serve on 127.0.0.1:{port}: Address already in use" in busy.stderr
    night = _cli("sample", "serve", "--night", "0")
    assert night.returncode == 2 and "the scenario has nights 1 to 14" in night.stderr
    unknown = _cli("sample", "serve", "--scenario", "vungtau-2099")
    assert unknown.returncode == 2 and "scenario file not found (bundled scenarios: " in " ".join(unknown.stderr.split())
    for result in (busy, night, unknown):
        assert "Traceback" not in result.stderr


def test_portalwatch_out_is_the_default_out(tmp_path):
    """PORTALWATCH_OUT moves every command's --out: here a store is looked for there, and named."""
    env = {**os.environ, "PORTALWATCH_OUT": str(tmp_path / "kết quả")}
    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "findings", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 5
    assert f"no store at {tmp_path / 'kết quả' / 'portalwatch.sqlite3'}" in " ".join(result.stderr.split())


@pytest.mark.parametrize("now, message", [
    ("0001-01-01", "--now expects a date from 2000-01-01 to 2099-12-31, found '0001-01-01'"),
    ("9999-12-31", "--now expects a date from 2000-01-01 to 2099-12-31, found '9999-12-31'"),
    ("2022-06-13garbage", "--now expects a date YYYY-MM-DD, found '2022-06-13garbage'"),
    ("2022-06-13T99:99", "--now expects a date YYYY-MM-DD, found '2022-06-13T99:99'"),
])
def test_a_date_out_of_range_or_with_junk_is_refused_before_the_night(tmp_path, now, message):
    result = _cli("run", "--no-prefect", "--now", now, "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9/")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "no store, no night folder"


def test_night_date_reads_a_date_or_an_iso_date_and_time():
    import datetime as dt

    from portalwatch.night import night_date

    assert night_date("2022-06-13") == dt.date(2022, 6, 13)
    assert night_date("2022-06-13T01:30") == dt.date(2022, 6, 13)
    assert night_date("2022-06-12T20:00:00+00:00") == dt.date(2022, 6, 13), "03:00 the next day in Vietnam"


def test_an_output_folder_that_cannot_be_written_stops_the_night_before_the_crawl(tmp_path):
    """Told before anything is fetched or recorded, not by a traceback after the store kept the night."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    db = tmp_path / "store.sqlite3"
    result = _cli("run", "--no-prefect", "--now", "2022-06-13", "--out", str(blocker / "out"),
                  "--db", f"sqlite:///{db}", "--base-url", "http://127.0.0.1:9/")
    assert result.returncode == 2, result.stderr
    assert f"the output folder {blocker / 'out' / 'vungtau-2022'} cannot be written" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    from portalwatch.store import open_store

    store = open_store(f"sqlite:///{db}")
    try:
        assert store.runs() == [], "no night was begun"
    finally:
        store.dispose()


def test_an_out_that_is_a_file_is_named_as_the_folder_with_the_default_store(tmp_path):
    """With no --db the store lives in --out: the folder is named (exit 2), not a store that cannot be
    created (exit 5), and nothing is created in its place."""
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PORTALWATCH_DB"}
    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--now", "2022-06-13",
                             "--out", str(blocker), "--base-url", "http://127.0.0.1:9/"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"error: the output folder {blocker / 'vungtau-2022'} cannot be written" in " ".join(result.stderr.split())
    assert "store" not in result.stderr and "Traceback" not in result.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("env, message", [
    ({"PORTALWATCH_SMTP_HOST": "127.0.0.1", "PORTALWATCH_SMTP_PORT": "abc"},
     "PORTALWATCH_SMTP_PORT='abc': expected a whole number from 1 to 65535"),
    ({"PORTALWATCH_SMTP_HOST": "127.0.0.1", "PORTALWATCH_SMTP_SECURITY": "bogus"},
     "PORTALWATCH_SMTP_SECURITY='bogus': expected one of starttls, ssl, none"),
    ({"PORTALWATCH_SLACK_TOKEN": "xoxb-1", "PORTALWATCH_SLACK_BASE_URL": "notaurl"},
     "PORTALWATCH_SLACK_BASE_URL='notaurl': expected an http(s) address such as https://slack.com/api/"),
])
def test_a_malformed_delivery_setting_stops_a_send_night_before_the_crawl(tmp_path, env, message):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PORTALWATCH_SMTP", "PORTALWATCH_SLACK"))}
    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--send", "--now",
                             "2022-06-13", "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9/"],
                            env={**environ, **env}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert not (tmp_path / "vungtau-2022").exists(), "nothing was fetched or written"


def test_a_chromium_setting_that_is_no_program_is_named_before_the_night(tmp_path):
    env = {**os.environ, "PORTALWATCH_CHROMIUM": str(tmp_path / "chromium")}
    result = subprocess.run([sys.executable, "-m", "portalwatch.cli", "run", "--no-prefect", "--out", str(tmp_path),
                             "--now", "2022-06-13", "--base-url", "http://127.0.0.1:9/"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"PORTALWATCH_CHROMIUM='{tmp_path / 'chromium'}': not an executable file" in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == [], "no store, no night folder"


def test_a_base_url_with_a_query_is_refused():
    result = _cli("profile", "check", str(ROOT / "profiles" / "vungtau-2022" / "profile.yaml"),
                  "--base-url", "http://127.0.0.1:9/?a=1")
    assert result.returncode == 2
    assert "--base-url expects an http(s) URL such as http://127.0.0.1:8000/, found 'http://127.0.0.1:9/?a=1' " \
           "(no query or fragment)" in " ".join(result.stderr.split())
