"""Prefect's logging as portalwatch configures it: Prefect's own configuration, whose console leaves
out the tracebacks the temporary Prefect server prints when it is stopped in the middle of a
database write, and nothing else."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import temporary_server_environment
from flows.environment import LOGGING_CONFIG, ServerShutdownNoise, prefect_defaults

ROOT = Path(__file__).resolve().parents[1]

POOL_LOGGER = "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"
RECORDER_LOGGER = "prefect.server.services.task_run_recorder"


def test_config_is_prefects_own_plus_the_filter():
    """Prefect's logging.yml is taken whole, or a Prefect upgrade would run with a stale copy:
    this fails when the installed Prefect's file differs from ours by more than our filter."""
    from prefect.logging.configuration import DEFAULT_LOGGING_SETTINGS_PATH

    ours = yaml.safe_load(LOGGING_CONFIG.read_text(encoding="utf-8"))
    prefects = yaml.safe_load(DEFAULT_LOGGING_SETTINGS_PATH.read_text(encoding="utf-8"))
    assert ours.pop("filters") == {"server_shutdown_noise": {"()": "flows.environment.ServerShutdownNoise"}}
    assert ours["handlers"]["console"].pop("filters") == ["server_shutdown_noise"]
    assert "filters" not in prefects
    assert ours == prefects


def test_defaults_leave_what_the_user_set():
    env = {"PREFECT_LOGGING_SETTINGS_PATH": "/etc/prefect/logging.yml", "GX_ANALYTICS_ENABLED": "True"}
    prefect_defaults(env)
    assert env["PREFECT_LOGGING_SETTINGS_PATH"] == "/etc/prefect/logging.yml"
    assert env["GX_ANALYTICS_ENABLED"] == "True"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "120"

    fresh: dict[str, str] = {}
    prefect_defaults(fresh)
    assert Path(fresh["PREFECT_LOGGING_SETTINGS_PATH"]) == LOGGING_CONFIG
    assert LOGGING_CONFIG.is_file()


def _record(name: str, exc: BaseException | None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, "Error flushing 1 events", None, exc_info)


def _raised(exc: BaseException, during: BaseException | None = None) -> BaseException:
    """``exc`` as raised, while handling ``during`` if given."""
    try:
        if during is None:
            raise exc
        try:
            raise during
        except BaseException:
            raise exc
    except BaseException as caught:
        return caught


def test_filter_drops_only_the_cancellations_of_the_server_and_its_pool():
    keep = ServerShutdownNoise().filter
    assert not keep(_record(POOL_LOGGER, _raised(asyncio.CancelledError())))
    assert not keep(_record(RECORDER_LOGGER, _raised(asyncio.CancelledError())))
    assert keep(_record(POOL_LOGGER, _raised(RuntimeError("disk I/O error"))))
    assert keep(_record(RECORDER_LOGGER, _raised(RuntimeError("database is locked"))))
    # a timeout raised from a cancelled wait is a real error, not the server being stopped
    assert keep(_record(RECORDER_LOGGER, _raised(TimeoutError(), asyncio.CancelledError())))
    assert keep(_record(POOL_LOGGER, None))
    assert keep(_record("portalwatch.store", _raised(asyncio.CancelledError())))
    assert keep(_record("prefect.flow_runs", _raised(asyncio.CancelledError())))


SERVER_LIKE = textwrap.dedent("""
    import asyncio, logging

    # The temporary server is `python -m uvicorn --factory prefect.server.api.server:create_app
    # --log-level error` in a subprocess inheriting our environment: uvicorn configures logging,
    # then Prefect's app factory configures it again.
    import uvicorn
    uvicorn.Config(app="prefect.server.api.server:create_app", factory=True, log_level="error")
    from prefect.server.api.server import create_app
    create_app(ephemeral=True, final=True)

    for name, message in (("{pool}", "Exception during reset or similar"),
                          ("{recorder}", "Error flushing 1 events (1 to retry, 0 dropped)")):
        for exc in (asyncio.CancelledError(), RuntimeError("disk I/O error (kept)")):
            try:
                raise exc
            except BaseException:
                logging.getLogger(name).error(message, exc_info=True)
    logging.getLogger("portalwatch.night").warning("a warning of our own (kept)")
""").format(pool=POOL_LOGGER, recorder=RECORDER_LOGGER)


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def _run_environment(home: Path) -> dict[str, str]:
    return {**temporary_server_environment(home), "PREFECT_LOGGING_LEVEL": "WARNING"}


def test_a_process_configured_as_the_temporary_server_keeps_all_but_the_cancellations(tmp_path):
    env = _run_environment(tmp_path)
    prefect_defaults(env)
    stderr = _run(SERVER_LIKE, env).stderr
    assert "CancelledError" not in stderr
    assert stderr.count("Exception during reset or similar") == 1
    assert stderr.count("Error flushing 1 events") == 1
    assert stderr.count("RuntimeError: disk I/O error (kept)") == 2
    assert "a warning of our own (kept)" in stderr

    # and without portalwatch's configuration, Prefect's prints them: the check above is not
    # passing because nothing is printed at all
    env.pop("PREFECT_LOGGING_SETTINGS_PATH")
    stderr = _run(SERVER_LIKE, env).stderr
    assert stderr.count("CancelledError") == 2
    assert stderr.count("Exception during reset or similar") == 2


MANY_TASKS = textwrap.dedent("""
    from flows.environment import prefect_defaults

    prefect_defaults()
    from prefect import flow, task

    @task
    def one(i):
        return i

    @flow
    def many(n):
        return sum(future.result() for future in [one.submit(i) for i in range(n)])

    print("total", many(300))
""")


@pytest.mark.prefect
def test_a_run_on_the_temporary_server_ends_without_its_shutdown_tracebacks(tmp_path):
    """A flow of 300 tasks, so that the server still records task runs when the run ends and
    Prefect stops it: with Prefect's own logging this prints "Error flushing N events" with a
    CancelledError traceback after the flow's result. The server starts with portalwatch's
    logging.yml (a broken one would stop it starting) and prints no traceback."""
    done = _run(MANY_TASKS, _run_environment(tmp_path))
    assert done.stdout.strip() == f"total {sum(range(300))}"
    assert "Traceback" not in done.stderr, done.stderr
    assert "CancelledError" not in done.stderr, done.stderr


def _closed(code: int) -> BaseException:
    from websockets.exceptions import ConnectionClosedError
    from websockets.frames import Close

    return _raised(ConnectionClosedError(Close(code, "service restart"), Close(code, "service restart"), True))


def _observer_warning(exc: BaseException) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__)
    return logging.LogRecord("prefect.FlowRunCancellingObserver", logging.WARNING, __file__, 1,
                             "The %s websocket failed with an exception. Switching to polling mode until it reconnects.",
                             ("FlowRunCancellingObserver",), exc_info)


def test_the_runner_losing_a_stopping_temporary_server_is_not_told_and_a_dedicated_one_is():
    """Ctrl-C on `make serve` reaches the temporary server too; its websocket closing (1012) is
    the server stopping with us. On a server named by PREFECT_API_URL the same close is a restart
    that ops may want to know of, and any other close is told everywhere."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    keep = ServerShutdownNoise().filter
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert not keep(_observer_warning(_closed(1012)))
        assert keep(_observer_warning(_closed(1011)))  # the server failed: told
        assert keep(_observer_warning(_raised(OSError("connection reset"))))
    with temporary_settings(updates={PREFECT_API_URL: "http://prefect.example.internal:4200/api"}):
        assert keep(_observer_warning(_closed(1012)))
