"""The environment every Prefect run of portalwatch starts from, set before Prefect is imported.

Three things a user would otherwise meet on a first run, each a default that ops may override:

- nothing phones home: Great Expectations' and the Prefect server's analytics are off;
- the temporary Prefect server (used when PREFECT_API_URL is unset) is given 120 s to start, since
  its first start migrates a database, which takes longer than Prefect's 20 s on a small machine;
- Prefect logs through ``flows/logging.yml``: Prefect's own configuration, whose console leaves
  out the tracebacks of the temporary server being stopped (:class:`ServerShutdownNoise`). That
  server is a subprocess inheriting this environment: the only place its logging is set from.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import MutableMapping
from pathlib import Path

__all__ = ["LOGGING_CONFIG", "ServerShutdownNoise", "prefect_defaults", "temporary_server"]

#: Prefect's default logging.yml with :class:`ServerShutdownNoise` on its console handler.
LOGGING_CONFIG = Path(__file__).resolve().with_name("logging.yml")


def prefect_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    """Set portalwatch's defaults for Prefect and Great Expectations where the user has not set
    them. Called by every entry point that runs a flow, before Prefect is imported: Prefect reads
    its settings once, on import."""
    env = os.environ if environ is None else environ
    env.setdefault("GX_ANALYTICS_ENABLED", "False")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    env.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(LOGGING_CONFIG))


#: Where the temporary server logs what its stopping interrupts: its services' database writes
#: (``prefect.server.services.*``) and SQLAlchemy's connection pool.
SHUTDOWN_LOGGERS = ("prefect.server", "sqlalchemy.pool")

#: The runner's watch for cancelled flow runs (``make serve``), which logs a warning with a
#: traceback when the server closes its websocket.
OBSERVER_LOGGER = "prefect.FlowRunCancellingObserver"

#: The websocket close code of a server shutting down ("service restart"), which uvicorn sends.
SERVER_STOPPING = 1012


class ServerShutdownNoise(logging.Filter):
    """Drops what the temporary Prefect server's stopping makes Prefect log, and nothing else.

    When a run ends, Prefect stops its temporary server, which cancels its background services.
    A service cancelled while it writes (the task-run recorder flushing events) logs "Error
    flushing N events" and SQLAlchemy's pool, cancelled in the middle of a rollback, "Exception
    during reset or similar", each with a traceback ending in ``CancelledError``. Only the
    cancellation itself is dropped: an error that merely followed one (a timeout raised from a
    cancelled wait) is kept.

    Ctrl-C on ``make serve`` reaches the temporary server too, which may close the websocket the
    runner watches for cancellations before the runner has stopped: Prefect then warns, with a
    traceback, that it switches to polling. That warning is dropped when the server is the
    temporary one and it closed as servers do when they stop (code 1012); a dedicated server
    restarting, or any other failure, is still told.

    The temporary server's database is thrown away with it, so nothing is lost, but a user read
    tracebacks after a run that succeeded.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info:
            return True
        exc = record.exc_info[1]
        if record.name.startswith(SHUTDOWN_LOGGERS):
            return not isinstance(exc, asyncio.CancelledError)
        if record.name == OBSERVER_LOGGER:
            return not (_closed_by_stopping_server(exc) and temporary_server())
        return True


def _closed_by_stopping_server(exc: BaseException | None) -> bool:
    """A websocket the server closed because it is stopping (websockets' ``ConnectionClosed``,
    recognised by its close frame so that websockets need not be imported here)."""
    received = getattr(exc, "rcvd", None)
    return getattr(received, "code", None) == SERVER_STOPPING


def temporary_server() -> bool:
    """Whether this process reports to a temporary Prefect server (no API URL is configured)."""
    from prefect.settings import get_current_settings

    return not get_current_settings().api.url
