"""Command line: serve the sample portal, print a night's ground truth, regenerate roster.xlsx.

    python -m sample_portal serve [--scenario vungtau-2022] [--night 1] [--port 0] [--host 127.0.0.1]
                                  [--scale-units N --scale-rows M]
    python -m sample_portal ground-truth --night N [--scenario vungtau-2022]
    python -m sample_portal roster-xlsx [--csv PATH] [--xlsx PATH]

Bundled scenarios: vungtau-2022 (the default) and phuong-vung-tau-2025; for the roster of the latter,
pass --csv profiles/phuong-vung-tau-2025/roster.csv --xlsx profiles/phuong-vung-tau-2025/roster.xlsx.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading


def _serve(args: argparse.Namespace) -> int:
    from . import SamplePortal, load_scenario

    portal = SamplePortal(load_scenario(args.scenario), night=args.night, scale_units=args.scale_units,
                          scale_rows=args.scale_rows, host=args.host, port=args.port)
    url = portal.start()
    print(f"Sample portal: {url}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
    return 0


def _ground_truth(args: argparse.Namespace) -> int:
    from .scenario import load_scenario

    print(json.dumps(load_scenario(args.scenario).ground_truth(args.night), ensure_ascii=False, indent=2))
    return 0


def _roster_xlsx(args: argparse.Namespace) -> int:
    from .roster import ROSTER_CSV, ROSTER_XLSX, write_roster_xlsx

    n = write_roster_xlsx(args.csv or ROSTER_CSV, args.xlsx or ROSTER_XLSX)
    print(f"{n} rows written to {args.xlsx or ROSTER_XLSX}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_portal", description="The bundled sample portal.")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the portal on loopback until Ctrl-C")
    s.add_argument("--scenario", default="vungtau-2022", help="scenario name or path to a .yaml")
    s.add_argument("--night", type=int, default=1)
    s.add_argument("--port", type=int, default=0, help="0 = a free port chosen by the system")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--scale-units", type=int, default=0, help="serve N synthetic units instead")
    s.add_argument("--scale-rows", type=int, default=0, help="with --scale-units: M directory rows")
    s.set_defaults(func=_serve)
    g = sub.add_parser("ground-truth", help="print the findings expected on a night (JSON)")
    g.add_argument("--scenario", default="vungtau-2022")
    g.add_argument("--night", type=int, required=True)
    g.set_defaults(func=_ground_truth)
    r = sub.add_parser("roster-xlsx", help="regenerate roster.xlsx from roster.csv")
    r.add_argument("--csv", default=None)
    r.add_argument("--xlsx", default=None)
    r.set_defaults(func=_roster_xlsx)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # ScenarioError included: a clear message, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
