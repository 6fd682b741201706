"""Find a Chromium that Playwright can drive.

Where ``playwright install chromium`` could download, Playwright's own build is used. Where it
cannot (closed networks), a distribution's ``chromium`` package is launched through
``executable_path``. ``PORTALWATCH_CHROMIUM`` overrides both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import BrowserUnavailable

__all__ = ["find_chromium"]

_SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(explicit: str | None = None, playwright_path: str | None = None) -> str | None:
    """The browser binary to launch, or None to let Playwright use its own download.

    Order: ``explicit`` (from ``PORTALWATCH_CHROMIUM``), Playwright's downloaded build when present
    (returns None), then a system Chromium on PATH.
    """
    explicit = explicit or os.environ.get("PORTALWATCH_CHROMIUM")
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise BrowserUnavailable(f"PORTALWATCH_CHROMIUM={explicit} is not an executable file")
        return explicit
    if playwright_path and Path(playwright_path).is_file():
        return None
    for name in _SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(
        "no Chromium found: run `make browser` (it runs `playwright install chromium`, or installs "
        "Debian's `chromium` package as root), or set PORTALWATCH_CHROMIUM to a Chromium binary")
