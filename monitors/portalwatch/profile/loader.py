"""Load and validate a portal profile (YAML) into a :class:`Profile`.

Validation is strict because a typo in a profile silently monitors nothing: unknown keys are
refused with the nearest known key, selectors are compiled, and every message names the file,
the line and the key.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cssselect import SelectorError
from lxml import etree
from parsel import Selector

from ..errors import ProfileError
from ..extract.processors import build_processor
from ..urls import http_url
from .reader import Reader
from .schema import (DEFAULT_PLACEHOLDERS, DEFAULT_QUIET_HOURS, DIRECTORY, DIRECTORY_FIELDS, UNIT_FIELDS, UNIT_PAGE, CheckRules, ContactRules, PolicyRules, SECTION_DUTIES, SECTION_FIELDS, SectionRule,
                     FieldSpec, LinkSpec, PageSpec, Profile, RenderRules)
from .yamlio import load_yaml

__all__ = ["load_profile"]

_TOP_KEYS = ("name", "title", "base_url", "allowed_hosts", "registry", "roster", "pages",
             "contacts", "checks", "render", "dates", "policy", "sections")
_PAGE_KEYS = ("urls", "render", "wait_for", "links", "rows", "fields", "next_page", "max_pages")
_FIELD_KEYS = ("css", "xpath", "attr", "many", "required", "clean")
_KNOWN_FIELDS = {UNIT_PAGE: UNIT_FIELDS, DIRECTORY: DIRECTORY_FIELDS}
_BLOCKABLE = ("image", "font", "media", "stylesheet", "script", "xhr", "fetch", "websocket", "other")

_PROBE = Selector(text="<html><body></body></html>")

#: A profile's name is a folder under the output folder: a slug, never a path.
_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
#: A host name: labels of letters, digits and '-' (not at either end), dots between.
_HOST = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
#: An area code as the profile gives it: digits without the trunk prefix 0 ("254" for 0254).
_AREA_CODE = re.compile(r"[1-9][0-9]*")
#: A date every format is tried on: written with the format, it must read back as itself.
_SAMPLE_DATE = dt.datetime(2022, 6, 17)


def _check_css(reader: Reader, key: str, css: str) -> None:
    try:
        _PROBE.css(css)
    except (SelectorError, ValueError, etree.XPathError) as exc:
        raise reader.fail(f"invalid CSS selector {css!r}: {exc}", key) from exc


def _check_xpath(reader: Reader, key: str, xpath: str) -> None:
    try:
        _PROBE.xpath(xpath)
    except (ValueError, etree.XPathError) as exc:
        raise reader.fail(f"invalid XPath {xpath!r}: {exc}", key) from exc


def _field(page: str, name: str, reader: Reader) -> FieldSpec:
    reader.check_keys(_FIELD_KEYS)
    css = reader.get("css", str, None)
    xpath = reader.get("xpath", str, None)
    if (css is None) == (xpath is None):
        raise reader.fail("give exactly one of 'css' or 'xpath'")
    if css is not None:
        _check_css(reader, "css", css)
    if xpath is not None:
        _check_xpath(reader, "xpath", xpath)
    cleaners = []
    for spec in reader.get("clean", list, []):
        try:
            cleaners.append(build_processor(spec))
        except ValueError as exc:
            raise reader.fail(str(exc), "clean") from exc
    known = _KNOWN_FIELDS.get(page)
    if known is not None and name not in known:
        raise reader.fail(f"unknown field for page type '{page}' (known: {', '.join(known)})")
    return FieldSpec(name=name, css=css, xpath=xpath, attr=reader.get("attr", str, None),
                     many=reader.get("many", bool, False), required=reader.get("required", bool, False),
                     clean=tuple(cleaners))


def _page(name: str, reader: Reader, page_names: list[str]) -> PageSpec:
    reader.check_keys(_PAGE_KEYS)
    links = []
    raw_links = reader.get("links", list, [])
    for index, raw in enumerate(raw_links):
        link = Reader(raw, reader.path, f"{reader.key}.links[{index}]", ProfileError, reader.line)
        link.check_keys(("to", "css", "xpath"))
        to = link.get("to", str)
        if to not in page_names:
            raise link.fail(f"links to unknown page type '{to}' (known: {', '.join(page_names)})", "to")
        css, xpath = link.get("css", str, None), link.get("xpath", str, None)
        if (css is None) == (xpath is None):
            raise link.fail("give exactly one of 'css' or 'xpath'")
        if css:
            _check_css(link, "css", css)
        if xpath:
            _check_xpath(link, "xpath", xpath)
        links.append(LinkSpec(to=to, css=css, xpath=xpath))
    fields = tuple(_field(name, fname, reader.sub("fields").sub(fname))
                   for fname, _ in reader.sub("fields", {}).items())
    rows = reader.get("rows", str, None)
    if rows:
        _check_css(reader, "rows", rows)
    for key in ("wait_for", "next_page"):
        value = reader.get(key, str, None)
        if value:
            _check_css(reader, key, value)
    max_pages = reader.get("max_pages", int, 50)
    if max_pages < 1:
        raise reader.fail("expected a whole number of at least 1", "max_pages")
    render = reader.get("render", (bool, str), True)
    if isinstance(render, str) and render != "auto":
        raise reader.fail(f"expected true, false or auto, found {render!r}", "render")
    if render == "auto" and not reader.get("wait_for", str, None):
        raise reader.fail("render: auto needs wait_for (the selector that says the served HTML is enough)",
                          "render")
    return PageSpec(name=name, urls=tuple(reader.str_list("urls", [])), render=render,
                    wait_for=reader.get("wait_for", str, None), links=tuple(links), rows=rows,
                    fields=fields, next_page=reader.get("next_page", str, None), max_pages=max_pages)


def _clock(reader: Reader, key: str, value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise reader.fail(f"expected a time HH:MM, found {value!r}", key)
    return value


def _policy(reader: Reader) -> PolicyRules:
    reader.check_keys(("deadline_working_days", "reminder_every_working_days", "escalate_after_deadline",
                       "quiet_hours", "maintenance"))
    days = reader.get("deadline_working_days", int, 5)
    every = reader.get("reminder_every_working_days", int, 3)
    for key, value in (("deadline_working_days", days), ("reminder_every_working_days", every)):
        if value < 1:
            raise reader.fail("expected a whole number of at least 1", key)
    quiet: tuple[str, str] | None = DEFAULT_QUIET_HOURS
    raw_quiet = reader.get("quiet_hours", str, None)
    if raw_quiet is not None and raw_quiet.strip().lower() == "off":
        quiet = None
    elif raw_quiet is not None:
        parts = [p.strip() for p in raw_quiet.split("-")]
        if len(parts) != 2:
            raise reader.fail(f"expected 'HH:MM-HH:MM' or 'off', found {raw_quiet!r}", "quiet_hours")
        quiet = (_clock(reader, "quiet_hours", parts[0]), _clock(reader, "quiet_hours", parts[1]))
    windows = []
    for index, item in enumerate(reader.get("maintenance", list, [])):
        window = Reader(item, reader.path, f"{reader.key}.maintenance[{index}]", ProfileError, reader.line)
        window.check_keys(("from", "to"))
        bounds = []
        for key in ("from", "to"):
            value = window.get(key, (str, dt.datetime, dt.date))
            try:
                bounds.append(dt.datetime.fromisoformat(str(value)).isoformat())
            except ValueError as exc:
                raise window.fail(f"expected a date-time YYYY-MM-DD HH:MM, found {value!r}", key) from exc
        if bounds[1] <= bounds[0]:
            raise window.fail(f"the window must end after it starts (from {bounds[0]}, to {bounds[1]})", "to")
        windows.append((bounds[0], bounds[1]))
    return PolicyRules(deadline_working_days=days, reminder_every_working_days=every,
                       escalate_after_deadline=reader.get("escalate_after_deadline", bool, True),
                       quiet_hours=quiet, maintenance=tuple(windows))


def _sections(reader: Reader, pages: dict[str, PageSpec]) -> tuple[SectionRule, ...]:
    rules = []
    for name, _ in reader.items():
        item = reader.sub(str(name))
        item.check_keys(("duty", "responsible", "open_status"))
        if name not in pages:
            raise item.fail(f"no page type named '{name}' (known: {', '.join(pages)})")
        page = pages[name]
        if not page.rows or not page.urls:
            raise item.fail(f"the page type '{name}' needs 'urls' and 'rows' (one record per item)")
        duty = item.get("duty", str)
        if duty not in SECTION_DUTIES:
            raise item.fail(f"expected one of {', '.join(SECTION_DUTIES)}, found {duty!r}", "duty")
        fields = {f.name for f in page.fields}
        unknown = fields - set(SECTION_FIELDS)
        if unknown:
            raise item.fail(f"page type '{name}' has field(s) {', '.join(sorted(unknown))}; a section reads "
                            f"{', '.join(SECTION_FIELDS)}")
        missing = [f for f in SECTION_DUTIES[duty] if f not in fields]
        if missing:
            raise item.fail(f"the duty {duty} needs the field(s) {', '.join(missing)} on page type '{name}'")
        rules.append(SectionRule(page=str(name), duty=duty, responsible=item.get("responsible", str),
                                 open_status=tuple(item.str_list("open_status", ["Đang lấy ý kiến"]))))
    return tuple(rules)


def _name(reader: Reader) -> str:
    name = reader.get("name", str)
    if not _NAME.fullmatch(name):
        raise reader.fail(f"expected 1 to 64 letters, digits, '-', '_' or '.', not starting with '.' "
                          f"(it names the portal's folder of reports), found {name!r}", "name")
    return name


def _contacts(reader: Reader) -> ContactRules:
    import phonenumbers

    reader.check_keys(("region", "area_codes", "old_area_codes", "email_domains"))
    region = reader.get("region", str, "VN")
    if region not in phonenumbers.SUPPORTED_REGIONS:
        near = region.strip().upper()
        hint = (f"; did you mean '{near}'?" if near in phonenumbers.SUPPORTED_REGIONS
                else " (expected a two-letter region code such as VN)")
        raise reader.fail(f"unknown phone region {region!r}{hint}", "region")
    area_codes = reader.str_list("area_codes", [])
    for code in area_codes:
        if not _AREA_CODE.fullmatch(code):
            raise reader.fail(f"expected area codes as digits without the leading 0, found {code!r}", "area_codes")
    old_codes = {str(k): str(v) for k, v in reader.get("old_area_codes", dict, {}).items()}
    for old, new in old_codes.items():
        if not (_AREA_CODE.fullmatch(old) and _AREA_CODE.fullmatch(new)):
            raise reader.fail(f"expected area codes as digits without the leading 0, found {old!r}: {new!r}",
                              "old_area_codes")
    domains = [d.lower() for d in reader.str_list("email_domains", [])]
    for domain in domains:
        if len(domain) > 253 or not _HOST.fullmatch(domain):
            raise reader.fail(f"expected a domain name such as baria-vungtau.gov.vn, found {domain!r}",
                              "email_domains")
    return ContactRules(region=region, area_codes=tuple(area_codes), old_area_codes=old_codes,
                        email_domains=tuple(domains))


def _date_formats(reader: Reader) -> tuple[str, ...]:
    reader.check_keys(("formats",))
    formats = reader.str_list("formats", ["%d/%m/%Y"])
    if not formats:
        raise reader.fail("no date format: every freshness check reads dates with these (the default is "
                          "[\"%d/%m/%Y\"])", "formats")
    for fmt in formats:
        try:
            written = _SAMPLE_DATE.strftime(fmt)
            read = dt.datetime.strptime(written, fmt)
        except ValueError as exc:
            raise reader.fail(f"the date format {fmt!r} cannot read a date ({exc})", "formats") from exc
        if read.date() != _SAMPLE_DATE.date():
            raise reader.fail(f"the date format {fmt!r} does not read a whole date ({_SAMPLE_DATE:%Y-%m-%d} "
                              f"written as {written!r} reads back as {read:%Y-%m-%d}): it needs the day, the "
                              f"month and the year", "formats")
    return tuple(formats)


def _relative(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else (base / path)


def load_profile(path: str | Path) -> Profile:
    """Read a profile file; raise :class:`ProfileError` naming file, line and key on any problem."""
    path = Path(path)
    data = load_yaml(path, ProfileError)
    top = Reader(data, path, "", ProfileError)
    top.check_keys(_TOP_KEYS)

    base_url = top.get("base_url", str)
    parts = http_url(base_url)
    if parts is None:
        raise top.fail(f"expected an http(s) URL such as https://portal.example.gov.vn/, found {base_url!r}",
                       "base_url")
    allowed = top.str_list("allowed_hosts", [parts.hostname])
    with_port = [host for host in allowed if ":" in host and not host.startswith("[")]
    if with_port:
        raise top.fail(f"{with_port[0]!r}: allowed_hosts are host names without a port or scheme "
                       f"(write {with_port[0].rsplit(':', 1)[0]!r}): any port of an allowed host is allowed",
                       "allowed_hosts")
    if parts.hostname not in allowed:
        raise top.fail(f"the host of base_url ({parts.hostname}) must be one of allowed_hosts", "allowed_hosts")

    pages_reader = top.sub("pages")
    page_names = [str(k) for k in pages_reader.data]
    pages = {str(name): _page(str(name), pages_reader.sub(str(name)), page_names) for name in page_names}
    for needed in (UNIT_PAGE, DIRECTORY):
        if needed not in pages:
            raise pages_reader.fail(f"a profile needs a page type named '{needed}'")
    if not any(p.urls for p in pages.values()):
        raise pages_reader.fail("no page type has start 'urls': nothing would be crawled")
    if pages[DIRECTORY].rows is None:
        raise pages_reader.sub(DIRECTORY).fail("the directory page needs 'rows' (one record per match)")

    name = _name(top)
    contacts = _contacts(top.sub("contacts", {}))
    checks = top.sub("checks", {})
    checks.check_keys(("required", "placeholders", "unit_page_max_age_working_days", "fax_may_equal_phone",
                       "min_rows_ratio"))
    required_reader = checks.sub("required", {})
    required: dict[str, tuple[str, ...]] = {}
    for frame, known in (("units", UNIT_FIELDS), ("directory", DIRECTORY_FIELDS)):
        names = required_reader.str_list(frame, [])
        for fname in names:
            if fname not in known:
                raise required_reader.fail(f"unknown field '{fname}' (known: {', '.join(known)})", frame)
        required[frame] = tuple(names)
    required_reader.check_keys(("units", "directory"))

    def _ratio(reader) -> float:
        ratio = reader.get("min_rows_ratio", float, 0.5)
        if not 0 <= ratio <= 1:
            raise reader.fail("expected a share between 0 and 1 (0 turns the check off)", "min_rows_ratio")
        return ratio

    max_age = checks.get("unit_page_max_age_working_days", int, 120)
    if max_age < 1:
        raise checks.fail("expected a whole number of at least 1", "unit_page_max_age_working_days")

    render = top.sub("render", {})
    render.check_keys(("concurrency", "http_concurrency", "delay_s", "timeout_s", "block", "revalidate",
                       "auto_throttle", "target_concurrency", "max_delay_s"))
    block = tuple(render.str_list("block", ["image", "font", "media"]))
    for kind in block:
        if kind not in _BLOCKABLE:
            raise render.fail(f"cannot block '{kind}' (known resource types: {', '.join(_BLOCKABLE)})", "block")
    concurrency = render.get("concurrency", int, 4)
    if not 1 <= concurrency <= 64:
        raise render.fail("expected a whole number from 1 to 64", "concurrency")
    http_concurrency = render.get("http_concurrency", int, None)
    if http_concurrency is not None and not 1 <= http_concurrency <= 64:
        raise render.fail("expected a whole number from 1 to 64", "http_concurrency")
    delay_s = render.get("delay_s", float, 0.0)
    if not 0 <= delay_s <= 60:
        raise render.fail("expected seconds from 0 to 60 between two page requests", "delay_s")
    target_concurrency = render.get("target_concurrency", float, 1.0)
    if not 0.1 <= target_concurrency <= 64:
        raise render.fail("expected a number of requests from 0.1 to 64", "target_concurrency")
    max_delay_s = render.get("max_delay_s", float, max(10.0, delay_s))
    if not delay_s <= max_delay_s <= 600:
        raise render.fail(f"expected seconds from delay_s ({delay_s:g}) to 600", "max_delay_s")
    timeout_s = render.get("timeout_s", float, 20.0)
    if not 0 < timeout_s <= 600:
        raise render.fail("expected seconds above 0, at most 600", "timeout_s")

    policy = _policy(top.sub("policy", {}))
    sections = _sections(top.sub("sections", {}), pages)
    date_formats = _date_formats(top.sub("dates", {}))
    roster = top.get("roster", str, None)
    return Profile(
        name=name,
        title=top.get("title", str, name),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        allowed_hosts=tuple(allowed),
        pages=pages,
        registry_path=_relative(path.parent, top.get("registry", str)),
        roster_path=_relative(path.parent, roster) if roster else None,
        contacts=contacts,
        checks=CheckRules(required=required,
                          placeholders=tuple(checks.str_list("placeholders", list(DEFAULT_PLACEHOLDERS))),
                          unit_page_max_age_working_days=max_age,
                          fax_may_equal_phone=checks.get("fax_may_equal_phone", bool, False),
                          min_rows_ratio=_ratio(checks)),
        render=RenderRules(concurrency=concurrency, timeout_s=timeout_s, block=block,
                           revalidate=render.get("revalidate", bool, True), http_concurrency=http_concurrency,
                           delay_s=delay_s, auto_throttle=render.get("auto_throttle", bool, False),
                           target_concurrency=target_concurrency, max_delay_s=max_delay_s),
        date_formats=date_formats,
        policy=policy,
        path=path,
        sections=sections,
    )
