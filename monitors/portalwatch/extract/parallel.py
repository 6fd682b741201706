"""Extract a large night's pages on two cores: a worker process parses part of them meanwhile.

Extraction is lxml and Python, and the GIL holds it to one core: two threads took longer than
one. A portal of 2,000 unit pages and a 20,000-row directory is some 11 million characters of HTML
and about two seconds of parsing; a worker takes its share and the whole is parsed in about two
thirds of that, the worker's start included. Below :data:`MIN_CHARS` one process parses
everything: the worker's start (an interpreter importing lxml) would cost more than it saves, and
the real portal's 34 pages never reach it.

The worker is ``python -m portalwatch.extract.parallel``, given the pages and their specs pickled
in a temporary file: not a multiprocessing pool, whose fresh interpreter imports the parent's
main module again (a Prefect flow run's is Prefect's engine: seconds), nor a fork of a process
running the browser's and the PDF printer's threads. Records come back in the pages' order
whichever process read them. A worker that cannot start or fails leaves its share to this process
(with a warning naming why); an error extracting a page is raised here as the worker met it.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..profile.schema import PageSpec
from ..render.base import RenderedPage
from .kept import KeptRecords
from .records import known_records, parse_records

__all__ = ["MIN_CHARS", "extract_all"]

logger = logging.getLogger(__name__)

#: Characters of HTML to parse below which one process parses them all.
MIN_CHARS = 4_000_000

Job = tuple[RenderedPage, PageSpec]
Records = list[dict[str, Any]]


def extract_all(jobs: list[Job], kept: KeptRecords | None = None) -> list[Records]:
    """Each page's records (:func:`~.records.extract_records`), in the order of ``jobs``."""
    out: list[Records | None] = [None] * len(jobs)
    todo: list[int] = []
    for index, (page, spec) in enumerate(jobs):
        out[index] = known_records(page, spec, kept)
        if out[index] is None:
            todo.append(index)
    sizes = {index: len(jobs[index][0].html or "") for index in todo}
    if sum(sizes.values()) < MIN_CHARS or len(todo) < 2 or (os.cpu_count() or 1) < 2:
        for index in todo:
            out[index] = parse_records(*jobs[index])
        return out  # type: ignore[return-value]
    here, there = _halves(sizes)
    worker = _Worker([jobs[index] for index in there])
    try:
        for index in here:
            out[index] = parse_records(*jobs[index])
    except BaseException:
        worker.stop()                            # an error here, or the night cancelled: no worker left
        raise
    for index, records in zip(there, worker.result()):
        out[index] = records
    return out  # type: ignore[return-value]


def _parse_share(share: list[Job]) -> list[Records]:
    return [parse_records(page, spec) for page, spec in share]


class _Worker:
    """A share of the pages parsed by ``python -m portalwatch.extract.parallel`` while this process
    parses its own. The share and the answer go through files in a temporary folder: fed through a
    pipe, each 64 KiB waited for the GIL this process holds while it parses (the worker sat idle
    for half a second of a two-second extraction)."""

    def __init__(self, share: list[Job]) -> None:
        self.share = share
        self._folder = tempfile.TemporaryDirectory(prefix="portalwatch-extract-")
        folder = Path(self._folder.name)
        self._answer, self._errors = folder / "records.pickle", folder / "stderr.txt"
        package_root = str(Path(__file__).resolve().parents[2])        # where portalwatch imports from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                                         os.environ.get("PYTHONPATH")]))}
        self._process: subprocess.Popen[bytes] | None = None
        self._failure = ""
        try:
            pages = folder / "pages.pickle"
            pages.write_bytes(pickle.dumps(share, pickle.HIGHEST_PROTOCOL))
            with self._errors.open("wb") as errors:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "portalwatch.extract.parallel", str(pages), str(self._answer)],
                    stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, env=env)
        except (OSError, pickle.PicklingError) as exc:
            self._failure = f"not started: {exc}"

    def result(self) -> list[Records]:
        """The share's records; parsed here if the worker could not."""
        try:
            if self._process is not None:
                status = self._process.wait()
                if status == 0:
                    kind, value = pickle.loads(self._answer.read_bytes())
                    if kind == "error":
                        raise value
                    return value
                self._failure = f"exit status {status}: {self._said()}"
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self._failure = f"unreadable answer: {exc}"
        finally:
            self._folder.cleanup()
        logger.warning("extraction worker failed (%s): its %d pages parsed here", self._failure, len(self.share))
        return _parse_share(self.share)

    def stop(self) -> None:
        """End the worker without waiting for its answer, and remove its files."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._folder.cleanup()

    def _said(self) -> str:
        try:
            return self._errors.read_text("utf-8", "replace").strip()[-500:]
        except OSError:
            return ""


def _halves(sizes: dict[int, int]) -> tuple[list[int], list[int]]:
    """Pages for this process and for the worker, about even in characters: the largest first, each
    to the lighter side (this process takes the largest, which it need not send); each in page order."""
    here: list[int] = []
    there: list[int] = []
    loads = [0, 0]
    for index in sorted(sizes, key=lambda i: (-sizes[i], i)):
        side = 0 if loads[0] <= loads[1] else 1
        (here if side == 0 else there).append(index)
        loads[side] += sizes[index]
    return sorted(here), sorted(there)


def _serve(pages: str, answer: str) -> None:
    """The worker: reads the pages and their specs pickled in ``pages``, and writes ("records", [...])
    or ("error", the exception) pickled in ``answer``."""
    share = pickle.loads(Path(pages).read_bytes())
    try:
        result: tuple[str, Any] = ("records", _parse_share(share))
    except Exception as exc:      # noqa: BLE001 - handed back to be raised where the night runs
        result = ("error", exc)
    Path(answer).write_bytes(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _serve(*sys.argv[1:3])
