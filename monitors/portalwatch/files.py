"""Files written whole or not at all.

Every file portalwatch leaves for a person or for the next night (reports, the workbook, findings,
summaries, caches) is written under a temporary name beside it and renamed over it once complete:
a reader (a browser on the reports folder, the next night, a unit opening the workbook) never sees
half a file, and a failure (a full disk, a crash) leaves last night's file as it was and no
temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing", "write_text", "write_bytes"]


@contextlib.contextmanager
def replacing(path: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer to fill; renamed over ``path`` when the block ends
    without an error, removed when it raises.

    The temporary name carries the process id (two processes writing the same cache never share one)
    and ends in ``.tmp`` then ``suffix`` (for writers that insist on an extension, as openpyxl does).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp{suffix}")
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
