"""BENCHMARKS.md says what each figure ran on, and `make bench` keeps what an earlier run measured.

A ratio measured on another pandas or Chromium is not comparable with one measured on the pins, so
each section names the versions and whether they are constraints.txt's; and one benchmark failing
must leave the other sections (and its own earlier figures) in place.
"""

from __future__ import annotations

import sys
import types
from importlib import metadata

import pytest

import benchmarks.__main__ as bench_main
from benchmarks.provenance import CONSTRAINTS, chromium_version, software


def _pin_count() -> int:
    return sum(1 for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()
               if "==" in line.split("#", 1)[0])


def test_software_names_the_versions_and_agrees_with_the_pins_here():
    text = software()
    assert f"pandas {metadata.version('pandas')}" in text
    assert f"Great Expectations {metadata.version('great-expectations')}" in text
    assert f"Prefect {metadata.version('prefect')}" in text
    # test_constraints checks that the test environment is the pinned one
    assert text.endswith(f"all {_pin_count()} packages as constraints.txt pins them")


def test_software_lists_every_package_that_differs_from_the_pins(tmp_path):
    pandas = metadata.version("pandas")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# header\n"
                           f"Great_Expectations=={metadata.version('great-expectations')}\n"
                           "pandas==0.0.1  # moved by hand\n"
                           "no-such-package-here==1.0\n", encoding="utf-8")
    text = software(constraints, chromium="Chromium 1.2.3")
    assert "Chromium 1.2.3" in text
    assert "2 of 3 packages differ from constraints.txt" in text
    assert f"pandas {pandas} (pinned 0.0.1)" in text
    assert "no-such-package-here not installed (pinned 1.0)" in text
    assert "great-expectations" not in text.split("differ from", 1)[1]


def test_software_without_a_constraints_file_says_it_did_not_compare(tmp_path):
    text = software(tmp_path / "constraints.txt")
    assert "constraints.txt not found, so not compared with the pins" in text


@pytest.mark.browser
def test_chromium_version_is_the_browser_a_night_launches():
    version = chromium_version()
    assert version.startswith("Chromium ")
    major = version.split()[1].split(".")[0]
    assert major.isdigit() and int(major) > 100, version


def _fake_bench(title: str, rows=None, error: Exception | None = None) -> types.ModuleType:
    module = types.ModuleType(f"fakebench_{title.lower()}")
    module.TITLE, module.HOW = title, f"How {title} is measured."

    def run():
        if error:
            raise error
        return rows

    module.run = run
    return module


@pytest.fixture
def fake_benches(monkeypatch):
    good = _fake_bench("Good", rows=[("good: speed", "3 pages/s")])
    bad = _fake_bench("Bad", error=RuntimeError("server went away"))
    for module in (good, bad):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(bench_main, "BENCHES", {"good": good.__name__, "bad": bad.__name__})
    monkeypatch.setattr(bench_main, "chromium_version", lambda: "Chromium 9.9")  # no browser launch here


def test_a_run_writes_the_machine_and_versions_and_keeps_what_a_failed_benchmark_measured_before(
        fake_benches, tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    out.write_text("# Benchmarks\n\n## Bad\n\nMeasured long ago.\n\n| measure | result |\n|---|---|\n"
                   "| bad: speed | 1 page/s |\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="benchmark\\(s\\) failed: bad"):
        bench_main.main(["good", "bad", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    good, bad = text.split("## Good", 1)[1].split("## Bad", 1)
    assert "| good: speed | 3 pages/s |" in good
    assert "How Good is measured." in good
    assert f"Software: {software(chromium='Chromium 9.9')}." in good
    assert "| bad: speed | 1 page/s |" in bad and "Measured long ago." in bad
