"""Secrets never leak: the Slack token, the SMTP password and the store's password are looked for in
every output of two nights that send for real (one of them with Slack answering errors that echo the
request's headers): the console, the logs, the night's files (the workbook unzipped), and every
value of every table of the store, page snapshots decompressed."""

from __future__ import annotations

import datetime as dt
import logging
import zipfile
import zlib

import pytest
from sqlalchemy import MetaData, create_engine, select

from portalwatch import night as stages
from sample_portal.slack_api import SlackApiServer

from conftest import PROFILE_PATH
from test_alerts_email import PASSWORD, USER, LoopbackController, Mailbox, certificate, check_login, server_tls  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser

TOKEN = "xoxb-4242-SecretTokenThatMustNotLeak"
DB_PASSWORD = "DbPassword-must-not-leak-913"
SECRETS = (TOKEN, TOKEN.split("-", 2)[2], PASSWORD, DB_PASSWORD)


def _texts_of_outputs(folder) -> dict[str, str]:
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for name in book.namelist():
                    texts[f"{path}!{name}"] = book.read(name).decode("utf-8", "replace")
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return texts


def _texts_of_store(url: str) -> dict[str, str]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    meta = MetaData()
    meta.reflect(engine)
    texts = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for n, row in enumerate(conn.execute(select(table))):
                values = []
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value)
                        try:
                            value = zlib.decompress(value)
                        except zlib.error:
                            pass
                        value = value.decode("utf-8", "replace")
                    values.append(str(value))
                texts[f"{table.name}[{n}]"] = " ".join(values)
    engine.dispose()
    return texts


def _leaks(texts: dict[str, str]) -> list[str]:
    return [f"{where}: {secret}" for where, text in texts.items() for secret in SECRETS if secret in text]


def test_no_secret_in_any_output(portal, postgres_url, certificate, tmp_path, monkeypatch, caplog, capsys):
    mailbox = Mailbox()
    smtp = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost",
                              tls_context=server_tls(certificate), require_starttls=True, auth_required=True,
                              authenticator=check_login)
    smtp.start()
    db = postgres_url.replace("postgres@", f"postgres:{DB_PASSWORD}@", 1)  # trust auth: accepted, unused
    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG)
    try:
        with SlackApiServer(token=TOKEN) as slack:
            for name, value in {"PORTALWATCH_SLACK_TOKEN": TOKEN, "PORTALWATCH_SLACK_BASE_URL": slack.base_url,
                                "PORTALWATCH_SMTP_HOST": "127.0.0.1", "PORTALWATCH_SMTP_PORT": str(smtp.port),
                                "PORTALWATCH_SMTP_SECURITY": "starttls", "PORTALWATCH_SMTP_USER": USER,
                                "PORTALWATCH_SMTP_PASSWORD": PASSWORD, "SSL_CERT_FILE": str(certificate[0]),
                                "PORTALWATCH_SMTP_FROM": "giamsat@vungtau.gov.vn"}.items():
                monkeypatch.setenv(name, value)
            for n, day in ((1, "2022-06-13"), (2, "2022-06-14")):
                portal.set_night(n)
                if n == 2:  # Slack fails, and its answers echo the request's headers, token included
                    slack.echo_request_headers = True
                    slack.down = False
                    slack.fail_next(200, status=500)
                clock = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9), tzinfo=stages.PORTAL_TZ)
                stages.run_night(PROFILE_PATH, out, now=day, base_url=portal.base_url, db=db, send=True,
                                 clock=clock)
            posted = len(slack.messages)
    finally:
        smtp.stop()

    assert posted > 0 and mailbox.envelopes, "the nights sent for real"
    assert all(s == {"tls": True, "authenticated": True} for s in mailbox.sessions)
    console = capsys.readouterr()
    outputs = {"stdout": console.out, "stderr": console.err,
               "logs": "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)}
    outputs.update(_texts_of_outputs(out))
    store = _texts_of_store(postgres_url)
    assert any("outbox" in k for k in store) and any("page_contents" in k for k in store)
    assert any("500" in v or "fail" in v.lower() for k, v in store.items() if k.startswith("outbox")), \
        "Slack's failures (echoing the token) were recorded"
    assert _leaks(outputs) == [] and _leaks(store) == []
