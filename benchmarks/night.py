"""A second night on an unchanged portal against the first: the whole night and each of its stages.

The scaled sample portal (vungtau-2022 layout, 2,000 unit pages, 20,000 directory rows) audited by
`run_night` (`portalwatch run --no-prefect`) on two consecutive dates with nothing changed on the
site, into a fresh SQLite store and output folder. The profile is vungtau-2022's with a registry
that knows the 2,000 units (and the VP office), as a portal of that size would have, and no roster
(the roster names people of the real units): every unit page is checked, scored and reported. The
second night asks for every page read over plain HTTP with its ETag (a 304 reuses the copy in the
store, not parsed again when it was seen to hold the profile's `wait_for`), asks for the HTML,
script and data of the JavaScript directory the same way (all 304: the drawing kept, no browser),
takes from the store the records of every page whose content is unchanged (`kept_records`)
instead of extracting them, parses no phone number parsed the night before (`cache/phones.json`),
and runs no suite given the same columns as the night before, as its expectations can tell them
apart (`cache/verdicts.json`: the two dates are working days, so the working days since each update
move on, but the freshness suite sees only which side of its limit each page is on; the table says
whether any suite ran and whether Great Expectations was imported); the drift check
(`night_context`) reads the rows and fields from the records. One more pair is measured with every
page type in the browser (`render: true` where the profile says `auto`), as a portal drawn by
JavaScript throughout would be: its second night asks for each page's HTML and what it loaded
instead of drawing it. Three more pairs are measured on the bundled sample portal as shipped
(vungtau-2022 with its own profile, registry and roster: the size of the real portal). Stages are
timed by wrapping the functions `run_night` calls; each night runs in a fresh process, as a
scheduled night does. One untimed crawl first fills the sample portal's page cache (as in
Rendering); then three pairs of nights are measured, each into a fresh store, and the stages shown
are those of the pair whose ratio is the median.
The floor of a night is measured beside them: importing Great Expectations in a fresh
interpreter (as `validate` does on its first use, SciPy and Altair deferred; median of 3, in turn
with the same import deferring nothing), paid by a night that runs a suite, and printing the PDF of
the report (`_write_pdf`: from the report written to the PDF saved, by the Chromium the night
started once the portal was read, in a thread beside the other outputs), timed within the nights
above.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TITLE = "Second night"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
SOURCE = Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022"
UNITS = int(os.environ.get("BENCH_UNITS", 2_000))
ROWS = int(os.environ.get("BENCH_ROWS", 20_000))
#: Pairs of nights measured: one pair's ratio moves by a third with the machine's load.
REPEATS = int(os.environ.get("BENCH_NIGHT_REPEATS", 3))
STAGES = ("render_portal", "kept_records", "extract_pages", "normalise", "night_context", "validate",
          "record_night", "plan_and_queue", "write_outputs")
#: Timed like a stage, shown apart: it runs in a thread within write_outputs.
PDF = "_write_pdf"
#: What a fresh interpreter runs to import Great Expectations as `run_suites` does (analytics off).
GX_IMPORT = ("import time; started = time.perf_counter(); from portalwatch.validate.gx import _gx; _gx(); "
             "print(time.perf_counter() - started)")
#: The same, with every module of Great Expectations' dependencies run as it is imported.
GX_IMPORT_EAGER = "import portalwatch.validate.lazy as lazy; lazy.DEFERRED = (); " + GX_IMPORT


def scaled_profile(folder: Path, units: int = UNITS) -> Path:
    """vungtau-2022's profile in ``folder``, with a registry of the scaled portal's units (and the VP
    office, which chases them) and no roster; returns the profile's path."""
    import yaml

    from sample_portal.scale import synthetic_units

    source = yaml.safe_load((SOURCE / "registry.yaml").read_text(encoding="utf-8"))
    office = next(unit for unit in source["units"] if unit["id"] == source["vp_office"])
    registry = {"vp_office": office["id"], "ops": source["ops"], "units": [office] + [
        {"id": unit["unit_id"], "name": unit["unit_name"], "kind": "office", "responsible": office["id"],
         "alerts": {"email": [unit["email"]]}} for unit in synthetic_units(units, 0)]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "registry.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
    profile = (SOURCE / "profile.yaml").read_text(encoding="utf-8")
    if "\nroster: roster.csv\n" not in profile:
        raise AssertionError("vungtau-2022's profile no longer names roster.csv: update the benchmark")
    (folder / "profile.yaml").write_text(profile.replace("\nroster: roster.csv\n", "\n"), encoding="utf-8")
    return folder / "profile.yaml"


def in_the_browser(profile: Path) -> Path:
    """The same profile with every page type drawn by the browser, beside it."""
    text = profile.read_text(encoding="utf-8")
    if "render: auto " not in text:
        raise AssertionError("vungtau-2022's profile no longer says `render: auto`: update the benchmark")
    drawn = profile.with_name("profile-browser.yaml")
    drawn.write_text(text.replace("render: auto ", "render: true "), encoding="utf-8")
    return drawn


def one_night(profile: str, base_url: str, out: str, night: str) -> dict:
    """Run one night in this process, timing each stage; returns seconds by stage and the summary."""
    import portalwatch.night as stages

    times: dict[str, float] = {}

    def timed(name: str):
        inner = getattr(stages, name)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    for name in (*STAGES, PDF):
        setattr(stages, name, timed(name))
    started = time.perf_counter()
    outputs = stages.run_night(profile, out, now=night, base_url=base_url)
    total = time.perf_counter() - started
    return {"total": total, "stages": times, "pages": outputs.summary["pages"],
            "findings": outputs.summary["findings"], "units": outputs.summary["units_seen"],
            "reused": len(outputs.summary["suites_reused"]), "gx": "great_expectations" in sys.modules}


def _in_subprocess(profile: Path, base_url: str, out: str, night: str) -> dict:
    code = ("import json, sys; from benchmarks.night import one_night; "
            "print(json.dumps(one_night(*sys.argv[1:5])))")
    done = subprocess.run([sys.executable, "-c", code, str(profile), base_url, out, night], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the night failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def gx_import_seconds(runs: int = 3) -> tuple[float, float]:
    """Median seconds a fresh interpreter takes to import Great Expectations as a night does, and
    with nothing deferred (portalwatch itself and pandas are imported first, as they are by the time
    a night validates). The two are run in turn, so a change in the machine's pace touches both."""
    import statistics

    times: dict[str, list[float]] = {GX_IMPORT: [], GX_IMPORT_EAGER: []}
    for _ in range(runs):
        for importing, seconds in times.items():
            done = subprocess.run([sys.executable, "-c", "import pandas, portalwatch.night; " + importing],
                                  capture_output=True, text=True, check=True,
                                  cwd=Path(__file__).resolve().parents[1])
            seconds.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times[GX_IMPORT]), statistics.median(times[GX_IMPORT_EAGER])


def _warm(base_url: str) -> None:
    """One untimed crawl: the sample portal builds each page on its first request, a cost of the
    test server that would otherwise fall on the first night measured only."""
    from portalwatch.night import render_portal
    from portalwatch.profile.loader import load_profile

    render_portal(load_profile(SOURCE / "profile.yaml").with_base_url(base_url))


def _pair(profile: Path, portal: Any) -> tuple[dict, dict, int]:
    """A first night into a fresh store and output folder, then the next night: (first, second,
    requests of the second)."""
    with tempfile.TemporaryDirectory() as tmp:
        first_date = portal.scenario.night_date(1)
        first = _in_subprocess(profile, portal.base_url, tmp, first_date.isoformat())
        portal.request_log.clear()
        second = _in_subprocess(profile, portal.base_url, tmp, (first_date + dt.timedelta(days=1)).isoformat())
        return first, second, len(portal.request_log)


def run() -> list[tuple[str, str]]:
    from sample_portal import SamplePortal

    with tempfile.TemporaryDirectory() as folder, \
            SamplePortal("vungtau-2022", night=1, scale_units=UNITS, scale_rows=ROWS) as portal:
        profile = scaled_profile(Path(folder))
        _warm(portal.base_url)
        pairs = [_pair(profile, portal) for _ in range(REPEATS)]
        drawn_first, drawn_second, drawn_requests = _pair(in_the_browser(profile), portal)
    with SamplePortal("vungtau-2022", night=1) as bundled:        # the real portal's size, as shipped
        _warm(bundled.base_url)
        small = [_pair(SOURCE / "profile.yaml", bundled) for _ in range(REPEATS)]
    importing, eager = gx_import_seconds()
    first, second, second_requests = _median(pairs)
    rows = [(f"night: each of {REPEATS} pairs (second / first)", _ratios(pairs)),
            ("night: first night (the pair of the median ratio)",
             f"{first['total']:.1f} s ({first['pages']:,} pages, {first['units']:,} units checked, "
             f"{first['findings']} findings)"),
            ("night: second night, portal unchanged (the same pair)",
             f"{second['total']:.1f} s = {second['total'] / first['total']:.0%} of the first "
             f"({second_requests:,} requests; {_suites(second)}; target at most 10%)")]
    rows.append(("night: every page in the browser (`render: true`), one pair",
                 f"{drawn_second['total']:.1f} s / {drawn_first['total']:.1f} s = "
                 f"{drawn_second['total'] / drawn_first['total']:.0%} "
                 f"({drawn_requests:,} requests on the second night; "
                 f"render_portal {drawn_first['stages']['render_portal']:.1f} s, then "
                 f"{drawn_second['stages']['render_portal']:.1f} s)"))
    for name in STAGES:
        a, b = first["stages"].get(name, 0.0), second["stages"].get(name, 0.0)
        share = f" ({b / a:.0%})" if a >= 0.05 else ""          # no percentage of a stage that did nothing
        rows.append((f"night: stage {name}", f"{a:.1f} s, then {b:.1f} s{share}"))
    a, b = first["stages"].get(PDF, 0.0), second["stages"].get(PDF, 0.0)
    rows.append(("night: of write_outputs, printing the PDF (a thread beside the other files; Chromium "
                 "started once the portal was read)",
                 f"{a:.1f} s, then {b:.1f} s"))
    small_first, small_second, _ = _median(small)
    rows.append((f"night: the bundled sample portal as shipped (vungtau-2022, {small_first['units']} units, "
                 f"{small_first['pages']} pages), each of {REPEATS} pairs (second / first)",
                 _ratios(small) + f"; the median pair's PDF {small_first['stages'].get(PDF, 0.0):.1f} s, then "
                   f"{small_second['stages'].get(PDF, 0.0):.1f} s ({_suites(small_second)})"))
    rows.append(("night: importing Great Expectations (fresh interpreter, median of 3), within validate",
                 f"{importing:.2f} s; {eager:.2f} s with SciPy and Altair run as they are imported"))
    floor = importing + b if second["gx"] else b
    rows.append((f"night: floor of the unchanged night ({'that import and ' if second['gx'] else ''}the PDF) "
                 "against 10% of the first night", f"{floor:.1f} s against {first['total'] / 10:.1f} s"))
    return rows


def _ratio(pair: tuple[dict, dict, int]) -> float:
    return pair[1]["total"] / pair[0]["total"]


def _median(pairs: list[tuple[dict, dict, int]]) -> tuple[dict, dict, int]:
    """The pair of nights whose ratio (second / first) is the median."""
    return sorted(pairs, key=_ratio)[len(pairs) // 2]


def _ratios(pairs: list[tuple[dict, dict, int]]) -> str:
    """Every pair as the table says it, lowest ratio first."""
    return ", ".join(f"{b['total']:.1f} s / {a['total']:.1f} s = {_ratio((a, b, n)):.0%}"
                     for a, b, n in sorted(pairs, key=_ratio))


def _suites(night: dict) -> str:
    """What the night's validation ran, as the table says it."""
    kept = f"{night['reused']} suites' verdicts kept"
    return f"{kept}, Great Expectations imported" if night["gx"] else \
        f"{kept}, none run, Great Expectations not imported"


if __name__ == "__main__":
    for measure, value in run():
        print(f"{measure}: {value}")
