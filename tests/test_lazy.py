"""Deferred imports: Great Expectations starts without running SciPy or Altair, which stay usable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from portalwatch.validate.lazy import deferred

ROOT = Path(__file__).resolve().parents[1]


def _package(tmp_path: Path, name: str) -> None:
    """A package that counts, in a file, how many times its module body ran."""
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "heavy.py").write_text(textwrap.dedent(f"""
        from pathlib import Path
        ran = Path({str(tmp_path / 'ran.txt')!r})
        ran.write_text(ran.read_text() + "x" if ran.exists() else "x")
        ANSWER = 42
    """))


def test_a_deferred_module_runs_on_first_use_and_only_once(tmp_path, monkeypatch):
    _package(tmp_path, "pw_probe_pkg")
    monkeypatch.syspath_prepend(str(tmp_path))
    ran = tmp_path / "ran.txt"
    try:
        with deferred(["pw_probe_pkg"]):
            from pw_probe_pkg import heavy
        assert not ran.exists()                      # imported, not run
        assert heavy.ANSWER == 42                    # first use runs it
        assert heavy.ANSWER == 42
        assert ran.read_text() == "x"
    finally:
        for name in [m for m in sys.modules if m.startswith("pw_probe_pkg")]:
            del sys.modules[name]


def test_other_packages_import_as_usual_inside_the_block(tmp_path, monkeypatch):
    _package(tmp_path, "pw_probe_other")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with deferred(["pw_probe_pkg"]):
            import pw_probe_other.heavy  # noqa: F401
        assert (tmp_path / "ran.txt").read_text() == "x"
    finally:
        for name in [m for m in sys.modules if m.startswith("pw_probe_other")]:
            del sys.modules[name]


def test_great_expectations_starts_without_running_scipy_which_still_works_when_called():
    """In a fresh interpreter, as a night imports it: SciPy's statistics are imported but not run
    (none of their submodules loaded) until something calls them, and then they answer."""
    script = textwrap.dedent("""
        import sys
        from portalwatch.validate.gx import _gx
        _gx()
        before = sorted(m for m in sys.modules if m.startswith("scipy.stats."))
        import scipy.stats
        value = scipy.stats.norm.cdf(0.0)
        after = [m for m in sys.modules if m.startswith("scipy.stats.")]
        print(len(before), value, len(after) > 0)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          check=True, timeout=120)
    assert done.stdout.split() == ["0", "0.5", "True"], done.stderr
