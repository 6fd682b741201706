"""`make bench`: run every benchmark once and write BENCHMARKS.md (the machine, the command, the figures).

    python -m benchmarks                 every benchmark, BENCHMARKS.md rewritten
    python -m benchmarks store fleet     only these, their sections replaced in BENCHMARKS.md
    python -m benchmarks --out FILE      write elsewhere

Each benchmark module has ``TITLE``, ``HOW`` (how it is measured, printed under the title) and
``run()``, which returns (measure, result) rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import re
import traceback
from pathlib import Path

from benchmarks.provenance import chromium_version, machine, software

#: Short name -> module, in the order of BENCHMARKS.md.
BENCHES = {
    "render": "benchmarks.render",
    "night": "benchmarks.night",
    "validate": "benchmarks.validate",
    "store": "benchmarks.store_write",
    "cli": "benchmarks.cli_startup",
    "fleet": "benchmarks.fleet",
}
DEFAULT_TARGET = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def _sections(text: str) -> dict[str, str]:
    """The existing '## ' sections of BENCHMARKS.md by title, so a partial run keeps the others."""
    parts = re.split(r"(?m)^(?=## )", text)
    return {part.splitlines()[0][3:].strip(): part.rstrip() + "\n" for part in parts if part.startswith("## ")}


def _section(title: str, how: str, rows: list[tuple[str, str]], versions: str) -> str:
    when = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
    lines = [f"## {title}", "", f"Measured {when} on {machine()}.", "",
             f"Software: {versions}.", ""]
    if how:
        lines += [how.strip(), ""]
    lines += ["| measure | result |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="run the benchmarks")
    parser.add_argument("names", nargs="*",
                        help=f"benchmarks to run (default: all of {', '.join(BENCHES)})")
    parser.add_argument("--out", type=Path, default=DEFAULT_TARGET, help="file to write (default: BENCHMARKS.md)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; expected some of {', '.join(BENCHES)}")
    chosen = args.names or list(BENCHES)

    versions = software(chromium=chromium_version())      # once, before anything is timed
    print(f"software: {versions}", flush=True)
    existing = _sections(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    failed: list[str] = []
    for name in chosen:
        module = importlib.import_module(BENCHES[name])
        print(f"== {module.TITLE}", flush=True)
        rows = []
        try:
            for measure, value in module.run():
                print(f"{measure}: {value}", flush=True)
                rows.append((measure, value))
        except Exception:  # one benchmark failing must not cost the figures of the others
            traceback.print_exc()
            failed.append(name)
            print(f"{name}: failed; its section in {args.out} is left as it was", flush=True)
            continue
        existing[module.TITLE] = _section(module.TITLE, getattr(module, "HOW", ""), rows, versions)
        _write(args.out, existing)              # after each section: a later failure loses nothing
    print(f"written: {args.out}")
    if failed:
        raise SystemExit(f"benchmark(s) failed: {', '.join(failed)}")


def _write(out: Path, sections: dict[str, str]) -> None:
    titles = [importlib.import_module(m).TITLE for m in BENCHES.values()]
    header = ["# Benchmarks", "",
              "Written by `make bench` (`.venv/bin/python -m benchmarks`; one section only:",
              "`.venv/bin/python -m benchmarks NAME`), each section with when, on what machine and with which",
              "versions it was measured (and whether those are the ones constraints.txt pins).",
              "A section's figures are from one run; compare ratios within a section, since the same",
              "machine can run slower at another hour. Tests never assert times.", ""]
    body = [sections.get(t) for t in titles]
    out.write_text("\n".join(header) + "\n" + "\n".join(b for b in body if b), encoding="utf-8")


if __name__ == "__main__":
    main()
