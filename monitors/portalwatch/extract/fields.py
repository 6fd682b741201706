"""Read declared fields out of HTML with parsel (Scrapy's selectors): CSS or XPath, then clean-up.

Pure functions over text: extraction never fetches, so it is tested on saved pages.
"""

from __future__ import annotations

from parsel import Selector, SelectorList

from ..profile.schema import FieldSpec
from .processors import collapse_whitespace

__all__ = ["select", "read_field", "text_of"]


def select(node: Selector, css: str | None, xpath: str | None) -> SelectorList:
    """The matches of a CSS or an XPath selector, relative to ``node``."""
    return node.css(css) if css is not None else node.xpath(xpath)


def text_of(match: Selector, attr: str | None = None) -> str:
    """An element's whole text (all descendants, whitespace collapsed), an attribute, or a text node."""
    if attr:
        return collapse_whitespace(match.attrib.get(attr, ""))
    root = match.root
    if isinstance(root, str):  # a text or attribute node selected by ::text / @attr
        return collapse_whitespace(root)
    # lxml's itertext gives the text nodes XPath's .//text() gives, without a Selector per node
    # (the directory alone has tens of thousands of cells a night)
    return collapse_whitespace(" ".join(root.itertext()))


def _clean(spec: FieldSpec, text: str) -> str:
    for processor in spec.clean:
        text = processor(text)
    return text


def read_field(node: Selector, spec: FieldSpec) -> str | list[str] | None:
    """The field's value: None when the selector matches nothing (absent), else cleaned text.

    Absent and empty are different facts: an absent field is "missing" for the checks, and a page
    where a *required* selector matches nothing anywhere is layout drift, not a unit's fault.
    """
    matches = select(node, spec.css, spec.xpath)
    if not matches:
        return [] if spec.many else None
    if spec.many:
        values = [_clean(spec, text_of(m, spec.attr)) for m in matches]
        return [v for v in values if v]
    return _clean(spec, text_of(matches[0], spec.attr))
