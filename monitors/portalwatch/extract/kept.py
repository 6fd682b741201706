"""Records of pages that did not change since the last night, reused rather than extracted again.

Extraction is a function of a page's HTML and of its page type's spec alone (where the page was
reached from only fills the record's origin). So a page whose URL and content hash match a page of
the last night, under the same :func:`extract_key`, gives the records it gave then. On a portal that
changed little, most pages come back byte-identical (an HTTP 304, or the same rendered DOM), and
parsing them again would be most of a later night's work after the downloads.

The store keeps each night's records, the content hash of every page and the key of the extraction
(``Store.kept_records``); a changed spec, a new version of portalwatch or a page whose hash differs
is extracted afresh.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..profile.schema import DIRECTORY, UNIT_PAGE, Profile
from ..render.base import RenderedPage

__all__ = ["EXTRACT_VERSION", "KEPT_TYPES", "KeptRecords", "content_hash", "extract_key"]

#: Raised whenever the extraction code changes what a spec yields: records kept before are not reused.
EXTRACT_VERSION = 1
#: The page types whose records the store keeps (unit pages and the directory).
KEPT_TYPES = (UNIT_PAGE, DIRECTORY)


def content_hash(html: str | None) -> str | None:
    """The hash the store files a page's HTML under (sha256 of its UTF-8)."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest() if html else None


def _describe(value: Any) -> Any:
    """A plain, stable description of a spec: processors by name and argument, not by address."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _describe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        # a processor with an argument ({after: "Email:"}) is named by its class as well
        return [f"{type(value).__module__}.{type(value).__qualname__}", fields] if callable(value) else fields
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _describe(v) for k, v in sorted(value.items())}
    if isinstance(value, re.Pattern):
        return value.pattern
    if callable(value):
        cells = [_describe(c.cell_contents) for c in (getattr(value, "__closure__", None) or ())]
        return [f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}", cells]
    return value


def extract_key(profile: Profile) -> str:
    """What decides the records of a kept page type: its spec, and the extraction code's version."""
    specs = {name: _describe(profile.pages.get(name)) for name in KEPT_TYPES}
    text = json.dumps([__version__, EXTRACT_VERSION, specs], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class KeptRecords:
    """The last night's records by (URL, content hash) of the page they came from."""

    key: str
    pages: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    reused: int = 0

    def lookup(self, page: RenderedPage) -> list[dict[str, Any]] | None:
        """The field values of each record the page gave last night, or None to extract it."""
        if not page.ok or page.page_type not in KEPT_TYPES:
            return None
        found = self.pages.get((page.url, content_hash(page.html) or ""))
        if found is not None:
            self.reused += 1
        return found
