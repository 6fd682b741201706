"""Serve the nightly audit (01:30) and the morning delivery (07:05, working days) from this machine.

For a single machine without a work pool: the process stays in the foreground and runs each flow
when its schedule comes, reporting to the Prefect server of PREFECT_API_URL (start one with
``prefect server start``). Several machines or several portals: see deployments/README.md.

    python -m flows.serve [--profile PATH ...] [--out DIR] [--db URL] [--dry-run]

Each night queues its alerts to be sent, and the morning delivery sends them over the Slack and
SMTP settings of this process's environment; ``--dry-run`` writes them to the night folders only.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PROFILE = ROOT / "profiles" / "vungtau-2022" / "profile.yaml"
TIMEZONE = "Asia/Ho_Chi_Minh"
NIGHTLY_CRON = "30 1 * * *"
MORNING_CRON = "5 7 * * *"


def deployments(profiles: list[str], out: str, db: str | None, send: bool = True) -> list:
    """One nightly deployment per profile and one morning delivery for all of them. With ``send``
    the nights queue their alerts for the delivery; without, they only write them (dry run)."""
    from prefect.schedules import Cron

    from flows.alerts import deliver_outbox
    from flows.nightly import nightly_audit
    from portalwatch.profile.loader import load_profile

    served = [nightly_audit.to_deployment(name=f"{load_profile(p).name}-serve",
                                          schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
                                          parameters={"profile": p, "out": out, "db": db, "send": send})
              for p in profiles]
    served.append(deliver_outbox.to_deployment(name="deliver-alerts-serve",
                                               schedules=[Cron(MORNING_CRON, timezone=TIMEZONE)],
                                               parameters={"profiles": profiles, "out": out, "db": db}))
    return served


def preflight(profiles: list[str], out: str, db: str | None, send: bool = False) -> None:
    """Load every profile with its registry, roster and suites, read the PORTALWATCH_ variables (and
    with ``send`` the Slack and SMTP ones), prove each portal's output folder can be written, and
    open the store, before serving: a mistyped path, variable or store URL is told now, in one line,
    rather than by the first night at 01:30. The folders come before the store, whose default file
    lives in ``out``: an ``out`` that cannot be written is named as a folder.
    Raises :class:`portalwatch.errors.PortalwatchError`."""
    from portalwatch import night as stages
    from portalwatch.settings import load_settings
    from portalwatch.store import open_store

    load_settings()
    for profile in profiles:
        stages.preflight(out, stages.load_config(profile), send, keep=False)
    open_store(stages.store_url(out, db)).dispose()


def main(argv: list[str] | None = None) -> None:
    from flows.environment import prefect_defaults, temporary_server

    prefect_defaults()
    from prefect import serve

    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", help="portal profile (repeatable; default: vungtau-2022)")
    parser.add_argument("--out", default=os.environ.get("PORTALWATCH_OUT") or "out",
                        help="folder of the night folders (default: PORTALWATCH_OUT, else out)")
    parser.add_argument("--db", default=None, help="store URL (default: PORTALWATCH_DB, else out/portalwatch.sqlite3)")
    parser.add_argument("--dry-run", action="store_true",
                        help="write each night's alerts to its folder only; queue nothing to send")
    args = parser.parse_args(argv)
    profiles = [str(Path(p).resolve()) for p in (args.profile or [DEFAULT_PROFILE])]
    out = str(Path(args.out).resolve())
    from portalwatch.errors import PortalwatchError

    try:
        preflight(profiles, out, args.db, send=not args.dry_run)
    except PortalwatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    # Prefect pauses served schedules when serving stops. A temporary server's schedules end with
    # it, and it stops with this process (Ctrl-C and systemd's SIGTERM reach it too): when it has
    # stopped first, pausing would ask a server that is gone, for a minute of retries ending in a
    # traceback and exit status 1. So schedules are paused only on a server that outlives us.
    serve(*deployments(profiles, out, args.db, send=not args.dry_run),
          pause_on_shutdown=not temporary_server())


if __name__ == "__main__":
    main()
