"""Read declared fields out of HTML with parsel (Scrapy's selectors): CSS or XPath, then clean-up.

Pure functions over text: extraction never fetches, so it is tested on saved pages.

Selectors are translated as parsel translates them (its CSS-to-XPath translator, with ``::text``
and ``::attr(name)``, and its ``re:`` and ``set:`` namespaces), compiled once, and run on the lxml
tree directly: a parsel ``Selector`` per match cost more than reading the match (the directory
alone is 20,000 rows of six fields a night on a portal of 2,000 units).
"""

from __future__ import annotations

import functools
from typing import Any

import cssselect
from cssselect.parser import CombinedSelector
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from ..profile.schema import FieldSpec
from .processors import collapse_whitespace

__all__ = ["matches", "read_field", "text_of"]

_TRANSLATOR = HTMLTranslator()
#: The namespaces parsel maps (EXSLT regular expressions and sets), given to a query that uses them.
_NAMESPACES = {"re": "http://exslt.org/regular-expressions", "set": "http://exslt.org/sets"}


@functools.lru_cache(maxsize=1024)
def _compiled(css: str | None, xpath: str | None) -> Any:
    if css is not None and (split := _descendants(css)) is not None:
        return split
    return _xpath(_TRANSLATOR.css_to_xpath(css) if css is not None else xpath)


def _xpath(query: str) -> etree.XPath:
    used = {prefix: uri for prefix, uri in _NAMESPACES.items() if f"{prefix}:" in query}
    return etree.XPath(query, namespaces=used or None, smart_strings=False)


class _Within:
    """``A B``: the B under each A, joined in document order.

    As one XPath, libxml2 merges the B found under each A into one node set, looking for each
    node among those already found: the directory's rows (``... tbody tr``, 20,000 rows under
    2,000 tables) took a second. Under A's taken in document order, the B under a later A are
    either all after those already found (a separate subtree) or all among them (a nested A)."""

    __slots__ = ("outer", "inner")

    def __init__(self, outer: etree.XPath, inner: etree.XPath) -> None:
        self.outer, self.inner = outer, inner

    def __call__(self, root: etree._Element) -> list[Any]:
        found: list[Any] = []
        seen: set[Any] = set()
        for context in self.outer(root):
            if isinstance(context, etree._Element):
                for item in self.inner(context):
                    if item not in seen:
                        seen.add(item)
                        found.append(item)
        return found


def _descendants(css: str) -> _Within | None:
    """A CSS selector whose last step is a descendant combinator (``A B``), as :class:`_Within`;
    None for any other (a list, a pseudo-element, a child combinator...)."""
    try:
        [selector] = cssselect.parse(css)
    except (cssselect.SelectorError, ValueError):      # several selectors, or one the translator will name
        return None
    tree = selector.parsed_tree
    if selector.pseudo_element is not None or not isinstance(tree, CombinedSelector) or tree.combinator != " ":
        return None
    return _Within(_xpath("descendant-or-self::" + str(_TRANSLATOR.xpath(tree.selector))),
                   _xpath("descendant::" + str(_TRANSLATOR.xpath(tree.subselector))))


def matches(node: Any, css: str | None, xpath: str | None) -> list[Any]:
    """The matches of a CSS or an XPath selector relative to ``node`` (an lxml element or a parsel
    selector), as lxml gives them: elements, or strings for ``::text``, ``@attr`` and the like."""
    root = node.root if isinstance(node, Selector) else node
    if not isinstance(root, etree._Element):     # a text or attribute value holds nothing to select
        return []
    found = _compiled(css, xpath)(root)
    return found if isinstance(found, list) else [found]


def text_of(match: Any, attr: str | None = None) -> str:
    """An element's whole text (all descendants, whitespace collapsed), an attribute, or a text node;
    ``match`` is an lxml result or a parsel selector."""
    item = match.root if isinstance(match, Selector) else match
    if attr:
        return collapse_whitespace(item.get(attr, "") if isinstance(item, etree._Element) else "")
    if isinstance(item, str):  # a text or attribute node selected by ::text / @attr
        return collapse_whitespace(item)
    if not isinstance(item, etree._Element):  # a number or a truth value an XPath expression computed
        return collapse_whitespace(str(item))
    # lxml's itertext gives the text nodes XPath's .//text() gives, without a node set built for them
    return collapse_whitespace(" ".join(item.itertext()))


def _clean(spec: FieldSpec, text: str) -> str:
    for processor in spec.clean:
        text = processor(text)
    return text


def read_field(node: Any, spec: FieldSpec) -> str | list[str] | None:
    """The field's value: None when the selector matches nothing (absent), else cleaned text.

    Absent and empty are different facts: an absent field is "missing" for the checks, and a page
    where a *required* selector matches nothing anywhere is layout drift, not a unit's fault.
    """
    found = matches(node, spec.css, spec.xpath)
    if not found:
        return [] if spec.many else None
    if spec.many:
        values = [_clean(spec, text_of(m, spec.attr)) for m in found]
        return [v for v in values if v]
    return _clean(spec, text_of(found[0], spec.attr))
