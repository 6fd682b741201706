"""What a benchmark ran on: the machine, and the versions of what shapes its figures.

A figure is only comparable with another measured on the same software: a new pandas or Great
Expectations moves the validation ratio, a new Chromium the pages per second. So each section of
BENCHMARKS.md names the versions it ran with, and says whether the environment is the one
`make install` installs (constraints.txt) or differs from it, and where.
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

__all__ = ["CONSTRAINTS", "SOFTWARE", "chromium_version", "machine", "software"]

CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"

#: Distribution -> the name a reader knows it by: the packages whose version moves a figure.
SOFTWARE = {
    "pandas": "pandas",
    "great-expectations": "Great Expectations",
    "prefect": "Prefect",
    "playwright": "Playwright",
    "aiohttp": "aiohttp",
    "sqlalchemy": "SQLAlchemy",
}


def machine() -> str:
    """The operating system, CPU count, memory and Python."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, "
            f"Python {platform.python_version()}")


def _pins(constraints: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in constraints.read_text(encoding="utf-8").splitlines():
        name, sep, version = raw.split("#", 1)[0].partition("==")
        if sep:
            pins[canonicalize_name(name.strip())] = version.strip()
    return pins


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def software(constraints: Path = CONSTRAINTS, chromium: str | None = None) -> str:
    """The versions behind the figures, then how the environment stands against constraints.txt.

    Every pinned package is compared, not only those named: a figure measured beside a different
    NumPy is no more comparable than one measured beside a different pandas.
    """
    named = [f"{label} {_installed(dist) or 'not installed'}" for dist, label in SOFTWARE.items()]
    if chromium:
        named.append(chromium)
    if not constraints.is_file():
        return ", ".join(named) + f"; {constraints.name} not found, so not compared with the pins"
    pins = _pins(constraints)
    differing = []
    for dist, pinned in sorted(pins.items()):
        have = _installed(dist)
        if have != pinned:
            differing.append(f"{dist} {have or 'not installed'} (pinned {pinned})")
    if not differing:
        return ", ".join(named) + f"; all {len(pins)} packages as {constraints.name} pins them"
    return (", ".join(named) + f"; {len(differing)} of {len(pins)} packages differ from "
            f"{constraints.name}: " + ", ".join(differing))


def chromium_version() -> str:
    """The browser the renderer drives, as Chromium reports itself once launched the way a night
    launches it (the same binary lookup and flags), or why it could not be."""
    from playwright.sync_api import Error, sync_playwright

    from portalwatch.errors import BrowserUnavailable
    from portalwatch.render.browser import find_chromium
    from portalwatch.settings import CHROMIUM_FLAGS

    try:
        with sync_playwright() as playwright:
            executable = find_chromium(None, playwright.chromium.executable_path)
            browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS))
            try:
                return f"Chromium {browser.version}"
            finally:
                browser.close()
    except (BrowserUnavailable, Error) as error:
        return f"Chromium unavailable ({str(error).splitlines()[0]})"
