"""The nightly report as a PDF, for the VP office to file and print.

The PDF is printed by the same headless Chromium that renders the portal, so it looks exactly like
the HTML report (inline CSS, SVG charts). The report is self-contained; every request that is not
``file://`` or ``data:`` is refused all the same, so printing an archived report never reaches the
network, whatever a finding's text contains.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from pathlib import Path

from ..errors import BrowserUnavailable
from ..render.browser import find_chromium
from ..settings import CHROMIUM_FLAGS

__all__ = ["write_pdf", "LOCAL_SCHEMES"]

#: The only URL schemes the page may load.
LOCAL_SCHEMES = ("file:", "data:")

#: A4 landscape leaves the findings table readable: it has eight columns.
_PAGE = {"format": "A4", "landscape": True, "print_background": True,
         "margin": {"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"}}


async def _print(html_path: Path, chromium_path: str | None) -> bytes:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = playwright.chromium
        try:
            executable = find_chromium(chromium_path, chromium.executable_path)
            browser = await chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS), headless=True)
        except PlaywrightError as exc:
            raise BrowserUnavailable(f"Chromium could not be started: {str(exc).splitlines()[0]}") from exc
        try:
            context = await browser.new_context(java_script_enabled=True, service_workers="block")

            async def local_only(route):
                if route.request.url.startswith(LOCAL_SCHEMES):
                    await route.continue_()
                else:
                    await route.abort("blockedbyclient")

            await context.route("**/*", local_only)
            page = await context.new_page()
            await page.goto(html_path.resolve().as_uri(), wait_until="load")
            await page.emulate_media(media="print")
            return await page.pdf(**_PAGE)
        finally:
            await browser.close()


def _run(coro_factory):
    """Run a coroutine to completion, also when the caller already runs an event loop (a Prefect
    task may): then it runs on a thread of its own, since a loop cannot be re-entered."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()


def write_pdf(html_path: Path, pdf_path: Path, chromium_path: str | None = None) -> Path:
    """Print ``html_path`` (a self-contained report) to ``pdf_path``, A4 landscape with backgrounds.

    ``chromium_path`` overrides the browser found by :func:`~portalwatch.render.browser.find_chromium`.
    The PDF is written to a temporary name and renamed, so a reader never sees half a file.
    Raises :class:`~portalwatch.errors.BrowserUnavailable` when Chromium cannot start.
    """
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    if not html_path.is_file():
        raise FileNotFoundError(f"no report to print at {html_path}")
    data = _run(lambda: _print(html_path, chromium_path))
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf_path.with_name(pdf_path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(pdf_path)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf_path
