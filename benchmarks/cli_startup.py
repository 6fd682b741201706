"""How long `portalwatch --help` takes to answer, and which heavy libraries it imports.

The console script `portalwatch` installed beside the interpreter (pyproject's
`[project.scripts]`, `.venv/bin/portalwatch`) is run with `--help` through `subprocess.run`, its
output captured: 2 warm-up runs, then 20 runs, each timed with `time.perf_counter` from start to
exit (wall clock, a fresh interpreter each time); the median and the maximum are reported. One more
run under `python -X importtime` lists what `--help` imports: whether any of great_expectations,
prefect, playwright, pandas or sqlalchemy is among them (with its cumulative import time), and
the total import time with the slowest outermost imports.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TITLE = "CLI start-up"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
RUNS = 20
WARMUPS = 2
TARGET_S = 1.0
HEAVY = ("great_expectations", "prefect", "playwright", "pandas", "sqlalchemy")
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( +)(\S+)\s*$")


def _script() -> Path:
    """The installed console script: beside the running interpreter, else on PATH."""
    beside = Path(sys.executable).with_name("portalwatch")
    found = beside if beside.exists() else Path(shutil.which("portalwatch") or "")
    if not found.name:
        raise RuntimeError("no `portalwatch` console script: install the project (pip install -e .)")
    return found


def _env() -> dict[str, str]:
    return {**os.environ, "GX_ANALYTICS_ENABLED": "False", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1"}


def _once(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or "Usage" not in done.stdout:
        raise RuntimeError(f"`{' '.join(command)}` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def _imports(script: Path) -> tuple[dict[str, int], dict[str, int]]:
    """What `--help` imports, from -X importtime: (outermost imports, every package by its root), each
    name -> cumulative import time in µs (a package's own line holds all its submodules)."""
    done = subprocess.run([sys.executable, "-X", "importtime", str(script), "--help"], capture_output=True,
                          text=True, env=_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`portalwatch --help` under -X importtime failed: {done.stderr.strip()[-500:]}")
    outermost: dict[str, int] = {}
    packages: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match is None:
            continue
        cumulative, indent, name = int(match[2]), match[3], match[4]
        if len(indent) == 1:                 # nested imports are indented two more spaces per level
            outermost[name] = cumulative
        root = name.split(".")[0]
        packages[root] = max(packages.get(root, 0), cumulative)
    return outermost, packages


def run() -> list[tuple[str, str]]:
    script = _script()
    command = [str(script), "--help"]
    for _ in range(WARMUPS):
        _once(command)
    times = [_once(command) for _ in range(RUNS)]
    median, worst = statistics.median(times), max(times)
    verdict = "met" if worst < TARGET_S else ("met by the median only" if median < TARGET_S else "missed")
    outermost, packages = _imports(script)
    heavy = [f"{name} ({packages[name] / 1e6:.2f} s)" for name in HEAVY if name in packages]
    slowest = sorted(outermost.items(), key=lambda kv: -kv[1])[:4]
    return [
        (f"cli: `portalwatch --help`, median of {RUNS} (target under {TARGET_S:.0f} s)",
         f"{median:.2f} s ({verdict})"),
        (f"cli: `portalwatch --help`, max of {RUNS}", f"{worst:.2f} s"),
        (f"cli: heavy modules imported by --help ({', '.join(HEAVY)})",
         ", ".join(heavy) if heavy else "none"),
        ("cli: import time of --help (-X importtime, one run)",
         f"{sum(outermost.values()) / 1e3:.0f} ms in all; slowest: "
         + ", ".join(f"{name} {us / 1e3:.0f} ms" for name, us in slowest)),
    ]


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure}: {result}")
