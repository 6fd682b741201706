"""Read declared fields out of HTML with parsel (Scrapy's selectors): CSS or XPath, then clean-up.

Pure functions over text: extraction never fetches, so it is tested on saved pages.

Selectors are translated as parsel translates them (its CSS-to-XPath translator, with ``::text``
and ``::attr(name)``, and its ``re:`` and ``set:`` namespaces), compiled once, and run on the lxml
tree directly: a parsel ``Selector`` per match cost more than reading the match (the directory
alone is 20,000 rows of six fields a night on a portal of 2,000 units). For the same reason a field
of a table is read down all its rows at once where its selector allows (:func:`read_rows`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import cssselect
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash
from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from ..profile.schema import FieldSpec
from .processors import collapse_whitespace

__all__ = ["matches", "read_field", "read_rows", "text_of"]

#: A field's value: None when its selector matched nothing, a list for a field of ``many`` values.
Value = str | list[str] | None

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


@functools.lru_cache(maxsize=1024)
def _single(css: str) -> Any:
    """The one selector of a CSS selector without a pseudo-element (cssselect's parse), or None for
    a list of selectors, a pseudo-element, or one the translator will name as wrong."""
    try:
        [selector] = cssselect.parse(css)
    except (cssselect.SelectorError, ValueError):
        return None
    return selector if selector.pseudo_element is None else None


def _descendants(css: str) -> _Within | None:
    """A CSS selector whose last step is a descendant combinator (``A B``), as :class:`_Within`;
    None for any other (a list, a pseudo-element, a child combinator...)."""
    selector = _single(css)
    tree = selector.parsed_tree if selector is not None else None
    if not isinstance(tree, CombinedSelector) or tree.combinator != " ":
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
    if not len(item):                    # a leaf (most table cells): its one text node, if any
        return collapse_whitespace(item.text or "")
    # lxml's itertext gives the text nodes XPath's .//text() gives, without a node set built for them
    return collapse_whitespace(" ".join(item.itertext()))


def _clean(spec: FieldSpec, text: str) -> str:
    for processor in spec.clean:
        text = processor(text)
    return text


def read_field(node: Any, spec: FieldSpec) -> Value:
    """The field's value: None when the selector matches nothing (absent), else cleaned text.

    Absent and empty are different facts: an absent field is "missing" for the checks, and a page
    where a *required* selector matches nothing anywhere is layout drift, not a unit's fault.
    """
    return _value(spec, matches(node, spec.css, spec.xpath))


def read_rows(root: etree._Element, rows: list[Any], specs: Sequence[FieldSpec]) -> list[dict[str, Value]]:
    """Each row's fields, as :func:`read_field` reads them under the row: ``{field name: value}``."""
    values: list[dict[str, Value]] = [{} for _ in rows]
    apart = len(rows) > 1 and not _nested(rows)
    classed = _by_class(root, [spec.css for spec in specs if apart and _classed(spec.css)])
    for spec in specs:
        for record, found in zip(values, _under_rows(root, rows, spec, apart, classed.get(spec.css))):
            record[spec.name] = _value(spec, found)
    return values


def _under_rows(root: etree._Element, rows: list[Any], spec: FieldSpec, apart: bool,
                on_page: list[Any] | None = None) -> list[list[Any]]:
    """The matches of a field's selector under each row (``on_page``: its matches in the whole page,
    if already known).

    A selector of one step of element, class, id and attribute tests (``td.ho-ten``) matches an
    element whatever the node it is asked from; under rows that do not nest, each match belongs to
    the one row above it. Such a selector is asked once of the page, and its matches are handed to
    their rows: asked under each of 20,000 rows, it cost five times more. Any other is asked under
    each row."""
    if spec.css is None and _upward(spec.xpath) and all(isinstance(row, etree._Element) for row in rows):
        return _by_parent(rows, spec.xpath)
    if not apart or spec.css is None or not _one_step(spec.css):
        return [matches(row, spec.css, spec.xpath) for row in rows]
    place = {row: index for index, row in enumerate(rows)}
    found: list[list[Any]] = [[] for _ in rows]
    for match in on_page if on_page is not None else matches(root, spec.css, None):   # in document order
        node = match
        while node is not None:
            index = place.get(node)
            if index is not None:
                found[index].append(match)
                break
            node = node.getparent()
    return found


@functools.lru_cache(maxsize=1024)
def _classed(css: str | None) -> tuple[str, frozenset[str]] | None:
    """``(element name or "*", classes)`` of a selector of an element name and class tests only
    (``td.ho-ten``, ``.a.b``), else None."""
    selector = _single(css) if css is not None else None
    if selector is None:
        return None
    tree, classes = selector.parsed_tree, set()
    while isinstance(tree, Class):
        classes.add(tree.class_name)
        tree = tree.selector
    if not isinstance(tree, Element) or tree.namespace is not None:
        return None
    return (tree.element or "*").lower(), frozenset(classes)


#: XML's whitespace, which XPath's normalize-space splits a class attribute on (str.split would
#: also split on no-break and other Unicode spaces)
_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _by_class(root: etree._Element, selectors: list[str]) -> dict[str, list[Any]]:
    """The matches in the page of selectors of :func:`_classed` form, in document order, found in
    one walk over the elements they name: asked one by one, XPath's class test (a string built and
    searched for each element) took the directory's five cells 0.35-0.44 s; the walk 0.10 s."""
    if not selectors:
        return {}
    wanted: dict[str | None, list[tuple[str, str, frozenset[str]]]] = {}
    for css in dict.fromkeys(selectors):
        name, classes = _classed(css)
        key = min(classes) if classes else None          # each selector is tried under one of its classes
        wanted.setdefault(key, []).append((css, name, classes))
    found: dict[str, list[Any]] = {css: [] for css in selectors}
    names = {name for entries in wanted.values() for _, name, _ in entries}
    elements = root.iter(etree.Element) if "*" in names else root.iter(*names)
    unclassed = wanted.get(None, ())
    for element in elements:
        for css, name, _ in unclassed:
            if name == "*" or element.tag == name:
                found[css].append(element)
        attribute = element.get("class")
        if not attribute:
            continue
        # a printable value has no whitespace but spaces, where str.split is normalize-space's split
        tokens = set(attribute.split() if attribute.isprintable() else _XML_SPACE.split(attribute))
        for token in tokens:
            for css, name, classes in wanted.get(token, ()):
                if (name == "*" or element.tag == name) and classes <= tokens:
                    found[css].append(element)
    return found


def _by_parent(rows: list[Any], xpath: str | None) -> list[list[Any]]:
    """The matches of an upward XPath (:func:`_upward`) under each row, asked once per parent: rows
    of one parent have the same ancestors, so the same matches. The directory's unit name
    (``ancestor::section[1]/h3``) is then asked 2,000 times, once per table, not 20,000."""
    found: dict[Any, list[Any]] = {}
    out = []
    for row in rows:
        parent = row.getparent()
        if parent is None:
            out.append(matches(row, None, xpath))
            continue
        if parent not in found:
            found[parent] = matches(row, None, xpath)
        out.append(found[parent])
    return out


_NAME = r"[A-Za-z_][\w.-]*"
_TEST = rf"(?:\*|{_NAME}:\*|(?:{_NAME}:)?{_NAME}(?:\(\))?)"
_STEP = rf"(?:{_NAME}::{_TEST}|@(?:\*|{_NAME}(?::{_NAME})?)|{_TEST}|\.\.|\.)"
#: A location path whose first step goes up from the row: ``ancestor::``, ``parent::`` or ``..``.
_UPWARD_PATH = re.compile(rf"(?:(?:ancestor|parent)::{_TEST}|\.\.)(?://?{_STEP})*")


@functools.lru_cache(maxsize=1024)
def _upward(xpath: str | None) -> bool:
    """Whether an XPath is one location path whose first step is ``ancestor::``, ``parent::`` or
    ``..`` (predicates aside): what it selects from a row depends only on the row's ancestors, which
    its siblings share. XPath 1.0 has no ``current()``: a predicate reads the node it filters, not
    the row. A union, a comparison, a function or a literal outside predicates is not such a path."""
    if xpath is None:
        return False
    path, depth, quote = [], 0, ""
    for char in xpath.strip():
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            if not depth:
                return False                 # a literal outside predicates: not a path
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                return False
        elif not depth:
            path.append(char)
    return not depth and not quote and _UPWARD_PATH.fullmatch("".join(path)) is not None


@functools.lru_cache(maxsize=1024)
def _one_step(css: str) -> bool:
    """Whether a CSS selector is one step of element, class, id and attribute tests only (no
    combinator, pseudo-class, pseudo-element or list), so that what it matches does not depend on
    where it is asked from."""
    selector = _single(css)
    if selector is None:
        return False
    tree = selector.parsed_tree
    while isinstance(tree, (Class, Hash, Attrib)):
        tree = tree.selector
    return isinstance(tree, Element)


def _nested(rows: list[Any]) -> bool:
    """Whether a row lies within another (a table in a table row): its matches are then under both."""
    if not all(isinstance(row, etree._Element) for row in rows) or len(set(rows)) != len(rows):
        return True                          # a row that is text, or the same row twice
    tags = {row.tag for row in rows}         # lxml filters the descendants by tag before Python sees them
    return any(True for row in rows for _ in row.iterdescendants(*tags))


def _value(spec: FieldSpec, found: list[Any]) -> Value:
    if not found:
        return [] if spec.many else None
    if spec.many:
        values = [_clean(spec, text_of(m, spec.attr)) for m in found]
        return [v for v in values if v]
    return _clean(spec, text_of(found[0], spec.attr))
