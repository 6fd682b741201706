"""The nightly report as a PDF, for the VP office to file and print.

The PDF is printed by the same headless Chromium that renders the portal, so it looks exactly like
the HTML report (inline CSS, SVG charts). The report is self-contained; every request that is not
``file://`` or ``data:`` is refused all the same, so printing an archived report never reaches the
network, whatever a finding's text contains.

Starting Playwright's driver and Chromium takes longer than printing the report of a portal of a
few dozen units, so a night starts a :class:`Printer` as soon as the portal has been read and hands
it the report once written: the start-up runs beside extraction and validation instead of after
them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from types import TracebackType

from .. import files
from ..errors import BrowserUnavailable
from ..render.browser import find_chromium
from ..settings import CHROMIUM_FLAGS

__all__ = ["Printer", "write_pdf", "LOCAL_SCHEMES"]

#: The only URL schemes the page may load.
LOCAL_SCHEMES = ("file:", "data:")

#: A4 landscape leaves the findings table readable: it has eight columns.
_PAGE = {"format": "A4", "landscape": True, "print_background": True,
         "margin": {"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"}}


class Printer:
    """One PDF, printed by a Chromium that starts when the printer is made.

    The browser starts on a thread of its own (with its own event loop, so a caller that runs one,
    such as a Prefect task, is not disturbed) and waits for :meth:`print`. :meth:`close` (or leaving
    a ``with`` block) stops it whether or not anything was printed, so a night that fails before its
    report leaves no browser behind. A browser that cannot start is reported by :meth:`print` as
    :class:`~portalwatch.errors.BrowserUnavailable`, never at construction: the caller decides then
    whether the PDF matters.
    """

    def __init__(self, chromium_path: str | None = None) -> None:
        self._report: concurrent.futures.Future[Path | None] = concurrent.futures.Future()
        self._printed: concurrent.futures.Future[bytes | None] = concurrent.futures.Future()
        # A daemon: a printer its caller forgot to close must not keep the process from ending.
        self._thread = threading.Thread(target=self._run, args=(chromium_path,), name="pdf-printer", daemon=True)
        self._thread.start()

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        """Print ``html_path`` (a self-contained report) to ``pdf_path``, A4 landscape with
        backgrounds, written to a temporary name and renamed, so a reader never sees half a file.
        A printer prints once."""
        html_path, pdf_path = Path(html_path), Path(pdf_path)
        if not html_path.is_file():
            self.close()
            raise FileNotFoundError(f"no report to print at {html_path}")
        if self._report.done():
            raise RuntimeError("this printer has already printed or been closed")
        self._report.set_result(html_path)
        try:
            data = self._printed.result()    # bytes: the session prints whenever it is given a report
        finally:
            self._thread.join()
        return files.write_bytes(pdf_path, data)

    def close(self) -> None:
        """Stop the browser without printing (nothing happens after :meth:`print`); waits for it."""
        if not self._report.done():
            self._report.set_result(None)
        self._printed.exception()    # waits; a browser that never started has nothing to stop
        self._thread.join()

    def _run(self, chromium_path: str | None) -> None:
        try:
            self._printed.set_result(asyncio.run(self._session(chromium_path)))
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that prints
            self._printed.set_exception(exc)

    async def _session(self, chromium_path: str | None) -> bytes | None:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            chromium = playwright.chromium
            try:
                executable = find_chromium(chromium_path, chromium.executable_path)
                browser = await chromium.launch(executable_path=executable, args=list(CHROMIUM_FLAGS), headless=True)
            except PlaywrightError as exc:    # kept for print() to raise: the night goes on meanwhile
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
                # Print media from the start: the report is laid out once, for paper.
                await page.emulate_media(media="print")
                html_path = await asyncio.wrap_future(self._report)
                if html_path is None:
                    return None
                await page.goto(html_path.resolve().as_uri(), wait_until="load")
                return await page.pdf(**_PAGE)
            finally:
                await browser.close()


def write_pdf(html_path: Path, pdf_path: Path, chromium_path: str | None = None) -> Path:
    """Print ``html_path`` (a self-contained report) to ``pdf_path`` with a printer started now.

    ``chromium_path`` overrides the browser found by :func:`~portalwatch.render.browser.find_chromium`.
    Raises :class:`~portalwatch.errors.BrowserUnavailable` when Chromium cannot start.
    """
    html_path = Path(html_path)
    if not html_path.is_file():
        raise FileNotFoundError(f"no report to print at {html_path}")
    with Printer(chromium_path) as printer:
        return printer.print(html_path, pdf_path)
