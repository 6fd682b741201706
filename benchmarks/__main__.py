"""`make bench`: run every benchmark once and write BENCHMARKS.md (the machine, the command, the figures)."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path

from . import store_write

BENCHES = [("History store", store_write.run)]


def _machine() -> str:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, "
            f"Python {platform.python_version()}")


def main() -> None:
    lines = ["# Benchmarks", "", f"Measured {dt.date.today().isoformat()} on {_machine()}, with `make bench`",
             "(`.venv/bin/python -m benchmarks`). Figures are from one run; tests never assert times.", ""]
    for title, bench in BENCHES:
        print(f"== {title}", flush=True)
        lines += [f"## {title}", "", "| measure | result |", "|---|---|"]
        for name, value in bench():
            print(f"{name}: {value}", flush=True)
            lines.append(f"| {name} | {value} |")
        lines.append("")
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "BENCHMARKS.md"
    target.write_text("\n".join(lines), encoding="utf-8")
    print(f"written: {target}")


if __name__ == "__main__":
    main()
