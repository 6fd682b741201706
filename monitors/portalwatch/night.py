"""One night of monitoring, stage by stage, as plain functions on plain data.

    load_config -> render_portal -> extract_pages -> normalise -> validate -> findings -> write_outputs

The Prefect flow in ``flows/nightly.py`` wraps each stage in a task (retries on I/O, artifacts);
tests and the CLI can call the same functions directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import files
from .errors import LayoutDrift, PortalUnreachable, PortalwatchError, StoreError
from .profile.loader import load_profile
from .profile.registry import Registry, load_registry
from .profile.roster import Roster, load_roster
from .profile.schema import DIRECTORY, UNIT_PAGE, Profile
from .settings import Settings, load_settings
from .timing import Stopwatch

__all__ = ["Config", "load_config", "render_portal", "extract_pages", "normalise", "validate",
           "make_findings", "run_notices", "night_date", "extract_sections", "kept_records", "write_outputs",
           "NightOutputs", "run_night", "rebuild_night", "gx_project", "phone_cache", "verdict_cache", "load_verdicts",
           "night_context", "coverage", "unit_hashes",
           "store_url", "record_night", "plan_and_queue", "deliver_alerts", "score_night", "night_problem",
           "check_out_dir", "preflight", "write_year_files", "clock_time",
           "PORTAL_TZ"]

logger = logging.getLogger(__name__)

#: The portals' time zone: a night is named by the local date it audits.
PORTAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(slots=True)
class Config:
    """Everything a night needs to know before it fetches anything."""

    profile: Profile
    registry: Registry
    roster: Roster | None
    suites: list[Any] = field(default_factory=list)
    bases: Any = None                     # the suites' legal bases (validate.legal.Bases)


def load_config(profile_path: str | Path, base_url: str | None = None,
                suites_dir: Path | None = None) -> Config:
    """Profile, registry, roster and suites, all validated before the night starts."""
    from .validate.suites import load_suites, suite_bases

    from .errors import ProfileError

    profile = load_profile(profile_path)
    if base_url:
        profile = profile.with_base_url(base_url)
    for key, path in (("registry", profile.registry_path), ("roster", profile.roster_path)):
        if path is not None and not path.exists():
            raise ProfileError(f"file not found: {path}", path=str(profile.path), key=key,
                               line=profile_line(profile, key))
    registry = load_registry(profile.registry_path)
    for rule in profile.sections:
        if rule.responsible not in registry.units:
            raise ProfileError(f"'{rule.responsible}' is not a unit of the registry", path=str(profile.path),
                               key=f"sections.{rule.page}.responsible",
                               line=profile_line(profile, "sections", rule.page, "responsible"))
    roster = (load_roster(profile.roster_path, set(registry.units), registry.former) if profile.roster_path
              else None)
    bases = suite_bases(suites_dir)        # read once: the suites cite them, and so does the report
    return Config(profile=profile, registry=registry, roster=roster, suites=load_suites(profile, suites_dir, bases),
                  bases=bases)


def profile_line(profile: Profile, *keys: str) -> int | None:
    """The line of the profile file where the key at ``keys`` is written, for an error found once
    the profile is loaded (a file it names, a unit the registry lacks): "file, line and key" is
    the rule for every configuration error."""
    from .profile.yamlio import line_of, load_yaml

    node: Any = load_yaml(profile.path)
    line = None
    for key in keys:
        if not isinstance(node, dict):
            break
        line = line_of(node, key) or line
        node = node.get(key)
    return line


def night_date(now: str | dt.date | dt.datetime | None = None, option: str = "--now") -> dt.date:
    """The date a night audits, in the portal's time zone (``--now`` replays another date).

    ``option`` names the option the text came from, so a bad date is reported where it was typed."""
    if now is None:
        return dt.datetime.now(PORTAL_TZ).date()
    if isinstance(now, dt.datetime):
        return now.astimezone(PORTAL_TZ).date() if now.tzinfo else now.date()
    if isinstance(now, dt.date):
        return now
    from .errors import ConfigError

    text = str(now).strip()
    try:                          # a date, or an ISO date and time (a Prefect parameter may carry one)
        day = dt.date.fromisoformat(text) if len(text) <= 10 else night_date(dt.datetime.fromisoformat(text))
    except ValueError as exc:
        raise ConfigError(f"{option} expects a date YYYY-MM-DD, found {now!r}") from exc
    if not EARLIEST_NIGHT <= day <= LATEST_NIGHT:
        raise ConfigError(f"{option} expects a date from {EARLIEST_NIGHT} to {LATEST_NIGHT}, found {now!r}")
    return day


def clock_time(now: str | None, option: str = "--now") -> dt.datetime | None:
    """A date and time to replace the clock (quiet hours of a replayed morning), in the portal's time
    zone unless it says otherwise; None for the real clock. ``option`` names where it was typed."""
    if not now:
        return None
    from .errors import ConfigError

    try:
        clock = dt.datetime.fromisoformat(now)
        if len(now.strip()) <= 10:       # a date alone would be midnight: in quiet hours, holding everything
            raise ValueError(now)
    except ValueError:
        raise ConfigError(f"{option} expects a date and time YYYY-MM-DDTHH:MM, found {now!r}") from None
    return clock if clock.tzinfo else clock.replace(tzinfo=PORTAL_TZ)


#: The nights a date option may name: working days and snapshot ages are counted from them.
EARLIEST_NIGHT, LATEST_NIGHT = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def check_out_dir(out_dir: str | Path, config: Config, keep: bool = True) -> Path:
    """Make the portal's output folder and prove it can be written, before the night fetches
    anything: a folder the night cannot write would otherwise fail it after the store has
    recorded it. Raises :class:`~portalwatch.errors.ConfigError` naming the folder.

    Without ``keep`` the folders made for the proof are removed again: a check that comes before
    the store is opened leaves nothing behind when the store then refuses the night."""
    import tempfile

    from .errors import ConfigError

    folder = Path(out_dir) / config.profile.name
    made = [p for p in (folder, *folder.absolute().parents) if not p.exists()]   # deepest first
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise ConfigError(f"the output folder {folder} cannot be written: {exc.strerror or exc}") from None
    finally:
        for path in made if not keep else ():
            try:
                path.rmdir()
            except OSError:
                break
    return folder


def preflight(out_dir: str | Path, config: Config, send: bool, keep: bool = True) -> None:
    """What a night needs besides its configuration, checked before it fetches anything: an output
    folder it can write, and with ``send`` well-formed Slack and SMTP settings (a mistake in either
    would otherwise fail the night after the store recorded it). Without ``keep`` the folders made
    for the check are removed again, for a check made before the store is opened: a store that then
    refuses the night leaves nothing behind."""
    if send:
        from .alerts.outbox import senders_from_env

        senders_from_env()
    check_out_dir(out_dir, config, keep)


def write_year_files(portal_folder: Path, config: Config, history: Any, year: int,
                     night: dt.date | None = None) -> tuple[Path, Path]:
    """Home Affairs' workbook for ``year`` and the index of nightly reports, beside the nights. With
    ``night``, the workbook of an earlier year is written again too when that night fixed or
    withdrew a finding raised in it (a finding of December fixed in January)."""
    from .reports.history import earlier_years_changed
    from .reports.index import write_index
    from .reports.workbook import write_workbook

    workbook = write_workbook(portal_folder / f"noi-vu-{year}.xlsx", history, config.registry, year,
                              config.profile.title)
    for earlier in earlier_years_changed(history, night) if night is not None else ():
        write_workbook(portal_folder / f"noi-vu-{earlier}.xlsx", history, config.registry, earlier,
                       config.profile.title)
    return workbook, write_index(portal_folder, history, config.profile.title, workbook.name)


async def _render(profile: Profile, settings: Settings, store: Any, night: dt.date | None):
    from .render.crawl import crawl
    from .render.portal import PortalRenderer

    kept = store.kept_pages(profile.name, before=night) if store is not None else None
    async with PortalRenderer(profile, settings, kept=kept) as renderer:
        result = await crawl(profile, renderer)
    if renderer.not_modified:
        logger.info("%d of %d pages unchanged since the last night (HTTP 304), %d of them drawn by the browser "
                    "then and not drawn again", renderer.not_modified, len(result.pages), renderer.drawings_kept)
    if renderer.throttle.auto:
        result.pace = (renderer.throttle.delay_s, renderer.throttle.peak_delay_s)
        logger.info("auto-throttle: %.2f s between requests at the end of the crawl, %.2f s at most (render.delay_s "
                    "%.2f s, max_delay_s %.2f s)", *result.pace, renderer.throttle.min_delay_s,
                    renderer.throttle.max_delay_s)
    return result


def render_portal(profile: Profile, settings: Settings | None = None, store: Any = None,
                  night: dt.date | None = None):
    """Fetch every page the profile leads to (a :class:`~portalwatch.render.crawl.CrawlResult`).

    With the ``store``, pages read over plain HTTP on the last night before ``night`` are asked for
    conditionally, and an unchanged one is not downloaded again.
    """
    return asyncio.run(_render(profile, settings or Settings(), store, night))


def kept_records(store: Any, profile: Profile, night: dt.date | None = None):
    """The last night's records of the pages that may come back unchanged (a
    :class:`~portalwatch.extract.kept.KeptRecords`), or None without a store."""
    from .extract.kept import KeptRecords, extract_key

    if store is None:
        return None
    key = extract_key(profile)
    return KeptRecords(key, store.kept_records(profile.name, key, before=night))


def extract_pages(result: Any, profile: Profile, kept: Any = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Raw records of unit pages and of directory rows; with ``kept`` (:func:`kept_records`), a
    page unchanged since the last night gives its records of then without being parsed again."""
    from .extract.parallel import extract_all

    unit_pages, directory_pages = result.of_type(UNIT_PAGE), result.of_type(DIRECTORY)
    jobs = [(page, profile.page(UNIT_PAGE)) for page in unit_pages]
    jobs += [(page, profile.page(DIRECTORY)) for page in directory_pages]
    records = extract_all(jobs, kept)       # a large night's on two cores
    units = [r for page_records in records[:len(unit_pages)] for r in page_records]
    rows = [r for page_records in records[len(unit_pages):] for r in page_records]
    if kept is not None and kept.reused:
        logger.info("%d pages unchanged since the last night: their records reused, not extracted again",
                    kept.reused)
    return units, rows


def extract_sections(result: Any, profile: Profile) -> list[dict[str, Any]]:
    """Raw records of the sections with a time-bound duty (the schedule, drafts for comment)."""
    from .extract.records import extract_records

    return [r for rule in profile.sections for page in result.of_type(rule.page)
            for r in extract_records(page, profile.page(rule.page))]


def normalise(unit_records: list[dict[str, Any]], directory_records: list[dict[str, Any]], config: Config,
              section_records: list[dict[str, Any]] = (), cache: Path | None = None):
    """The night's frames. The phone cache is emptied first: it then holds tonight's numbers, each
    parsed once here and read again when the facts are derived. With ``cache`` (:func:`phone_cache`),
    the numbers an earlier night parsed are read from there, and tonight's are kept there."""
    from .normalise.frames import build_frames
    from .normalise.phones import PHONES

    PHONES.clear()
    if cache is not None:
        PHONES.load(cache)
    frames = build_frames(unit_records, directory_records, config.profile, config.registry, list(section_records))
    if cache is not None and PHONES.changed:
        try:
            PHONES.save(cache)
        except OSError as exc:                       # a cache: the night goes on without it
            logger.warning("phone cache %s not written: %s", cache, exc)
    return frames


#: Below this many rows last night, a drop proves little (a small portal may really lose half).
MIN_ROWS_FOR_DRIFT = 10


def shrunk_types(frames: Any, previous: dict[str, int] | None, ratio: float) -> dict[str, tuple[int, int]]:
    """Page types that gave far fewer rows than the last night recorded: ``{type: (before, tonight)}``.

    A CMS change that leaves a selector matching part of a page (one table of two, a first page of
    the directory) looks like half the units vanished; that is the layout's doing, not theirs.
    """
    if not previous or ratio <= 0:
        return {}
    shrunk = {}
    for page_type, kind, tonight in ((UNIT_PAGE, "unit", len(frames.units)),
                                     (DIRECTORY, "directory", len(frames.directory))):
        before = int(previous.get(kind, 0))
        if before >= MIN_ROWS_FOR_DRIFT and 0 < tonight < ratio * before:
            shrunk[page_type] = (before, tonight)
    return shrunk


def previous_counts(store: Any, config: Config, night: dt.date) -> dict[str, int]:
    """The rows tonight is compared with to tell layout drift (:meth:`Store.last_counts`): those of
    the last nights read with tonight's profile, so a profile rewritten for a new layout (a
    reorganised portal with fewer units) starts afresh instead of being a week of drift."""
    from .extract.kept import extract_key

    return store.last_counts(config.profile.name, before=night, extract_key=extract_key(config.profile))


def records_by_type(unit_records: list[dict[str, Any]], directory_records: list[dict[str, Any]]) -> dict[str, list]:
    """The raw records of :func:`extract_pages` by page type, as :func:`night_context` takes them."""
    return {UNIT_PAGE: unit_records, DIRECTORY: directory_records}


def night_context(result: Any, frames: Any, config: Config, night: dt.date, previous: dict[str, int] | None = None,
                  records: dict[str, list[dict[str, Any]]] | None = None):
    """What the checks need to know about the night besides the data: its date, the portal's rules,
    and whether the index and the directory were read at all (if not, "unit missing from the index"
    and "leader not listed" would be false alarms, so those checks stand aside).

    ``previous`` holds the rows of the last night recorded (:meth:`Store.last_counts`): far fewer
    tonight is layout drift too, and the checks that need the whole list stand aside.

    ``records`` (:func:`records_by_type`) spare the drift check parsing their pages again.
    """
    from .validate.facts import NightContext

    from .profile_check import broken_selectors, start_pages_gone

    profile = config.profile
    # A start page answering 4xx (moved in a redesign) is drift too: the profile no longer reads it.
    broken = broken_selectors(profile, result.pages, records) + start_pages_gone(profile, result.pages)
    drifted = frozenset(page_type for page_type, _, _ in broken)
    shrunk = shrunk_types(frames, previous, profile.checks.min_rows_ratio)
    index_types = {name for name, spec in profile.pages.items() if any(l.to == UNIT_PAGE for l in spec.links)}
    index_pages = [p for p in result.pages if p.page_type in index_types]
    directory_pages = result.of_type(DIRECTORY)
    return NightContext(
        night=night, region=profile.contacts.region, area_codes=profile.contacts.area_codes,
        old_area_codes=profile.contacts.old_area_codes, email_domains=profile.contacts.email_domains,
        placeholders=profile.checks.placeholders,
        # Unit pages whose layout drifted cannot say which unit they belong to: "missing from the
        # index" would be told to every unit.
        index_ok=(bool(index_pages) and all(p.ok for p in index_pages) and len(frames.units) > 0
                  and UNIT_PAGE not in shrunk and UNIT_PAGE not in drifted),
        directory_ok=(bool(directory_pages) and all(p.ok for p in directory_pages) and len(frames.directory) > 0
                      and DIRECTORY not in drifted and DIRECTORY not in shrunk),
        drifted=drifted, shrunk=shrunk,
        broken_selectors=tuple(f"{page_type}.{name}: {selector}" for page_type, name, selector in broken),
        not_due=config.registry.not_due(night, profile.policy.deadline_working_days),
        index_url=index_pages[0].url if index_pages else profile.base_url,
        directory_url=directory_pages[0].url if directory_pages else profile.base_url)


def validate(frames: Any, config: Config, ctx: Any, project_dir: Path | None = None, verdicts: Any = None):
    """Derive the facts, then run every suite over them (failures, one per failing row).

    ``ctx`` is the :func:`night_context`. With ``project_dir`` the Great Expectations project there
    keeps the runs and their Data Docs. With ``verdicts`` (:func:`load_verdicts`), a suite given the
    same columns as on the night that last saved them is not run again: its failing rows are those
    kept (see :mod:`portalwatch.validate.verdicts`); tonight's are saved, and ``verdicts.reused``
    names the suites not run.
    """
    from .validate.facts import derive_facts
    from .validate.gx import run_suites

    facts = derive_facts(frames.units, frames.directory, config.registry, config.roster, ctx, frames.sections,
                         {rule.page: rule.open_status for rule in config.profile.sections})
    failures = run_suites(config.suites, facts, project_dir, verdicts)
    if verdicts is not None:
        verdicts.save()
    return failures


def _row_selectors(profile: Profile, page_type: str) -> list[str]:
    """The selectors that decide how many rows a page type gives: its row selector, or the index's
    links to it (units)."""
    if page_type == UNIT_PAGE:
        return [f"{name}.links: {link.css or 'xpath:' + str(link.xpath)}" for name, spec in profile.pages.items()
                for link in spec.links if link.to == UNIT_PAGE]
    spec = profile.pages.get(page_type)
    return [f"{page_type}.rows: {spec.rows}"] if spec is not None and spec.rows else []


def unmatched_notices(frames: Any, registry: Registry | None) -> list[dict[str, Any]]:
    """A notice per name on the site the registry does not know. A unit page's name that is part of
    the name of a registry unit no page was found for tonight (or holds it whole) is likely its name
    before the registry renamed it: the notice says which unit (``renamed``), so ops add the name to
    its aliases rather than leave it told its page is missing."""
    from .profile.matching import renamed_from

    notices = [{"kind": "unmatched_name", **item} for item in frames.unmatched]
    if getattr(frames, "units", None) is None:      # nothing was extracted from unit pages
        return notices
    pages: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for unit_id, name, url in zip(frames.units["unit_id"], frames.units["unit_name"], frames.units["page_url"]):
        if unit_id and url not in pages.setdefault(unit_id, []):
            pages[unit_id].append(url)
            known = registry.units.get(unit_id) if registry is not None else None
            names.setdefault(unit_id, known.name if known is not None else name)
    # Two pages under one unit's names (after a merger, the old unit's page still up): each is
    # checked and its findings are the unit's, but the portal shows the unit twice.
    notices += [{"kind": "unit_pages_shared", "unit_id": unit_id, "unit_name": names[unit_id], "urls": urls}
                for unit_id, urls in sorted(pages.items()) if len(urls) > 1]
    if registry is None:
        return notices
    unseen = {u.id: [u.name, *u.aliases] for u in registry if u.id not in pages}
    for notice in notices:
        if notice.get("source") == "unit_page" and unseen:
            unit_id = renamed_from(str(notice.get("name") or ""), unseen)
            if unit_id is not None:
                notice.update(renamed=unit_id, renamed_name=registry.units[unit_id].name)
    return notices


def make_findings(failures: list[Any], config: Config, night: dt.date):
    """The night's findings, less those of units too new to be held to the portal yet (their
    registry ``since`` plus the policy's deadline, :meth:`Registry.not_due`): a unit established
    on Monday is not told on Tuesday that its page is missing."""
    from .findings.build import build_findings, message_hints

    findings = build_findings(failures, config.profile.name, config.registry, config.profile.title, night=night,
                              hints=message_hints(config.profile))
    not_due = config.registry.not_due(night, config.profile.policy.deadline_working_days)
    return [f for f in findings if f.unit_id not in not_due] if not_due else findings


def run_notices(result: Any, frames: Any, profile: Profile | None = None, ctx: Any = None,
                registry: Registry | None = None) -> list[dict[str, Any]]:
    """Problems of the monitor itself, for ops (never sent to units): pages that did not answer,
    selectors that no longer match (layout drift), dates the profile's formats do not read, names
    the registry does not know, links outside the allowed hosts, and (with ``registry``) messages
    that have nowhere to go."""
    notices: list[dict[str, Any]] = []
    if result.pages and all(page.status == 0 for page in result.pages):
        # The whole portal is down: one notice, not one per page, and nothing else to say.
        return [{"kind": "portal_unreachable", "pages": len(result.pages), "error": result.pages[0].error or ""}]
    if profile is not None and ctx is not None and ctx.drifted and ctx.broken_selectors:
        notices.append({"kind": "layout_drift", "selectors": list(ctx.broken_selectors)})
    for page_type, (before, tonight) in sorted(getattr(ctx, "shrunk", {}).items()):
        notices.append({"kind": "rows_dropped", "page_type": page_type, "previous": before, "tonight": tonight,
                        "selectors": _row_selectors(profile, page_type) if profile is not None else [],
                        "note": "Số dòng đọc được giảm mạnh so với các đêm gần đây: kiểm tra bộ chọn của hồ "
                                "sơ; không báo đơn vị, không đóng phát hiện nào (far fewer rows than on the "
                                "last nights read with this profile)"})
    notices += date_notices(frames, profile.date_formats if profile is not None else ())
    for page in result.pages:
        if page.error or page.status >= 500 or page.status == 0:
            notices.append({"kind": "page_failed", "url": page.url, "status": page.status,
                            "error": page.error or f"HTTP {page.status}", "attempts": page.meta.get("attempts", 1)})
        if page.meta.get("wait_for_missing"):
            notices.append({"kind": "selector_timeout", "url": page.url, "selector": page.meta["wait_for_missing"]})
    notices += unmatched_notices(frames, registry)
    for url in sorted(set(result.skipped_links)):
        notices.append({"kind": "link_outside_allowed_hosts", "url": url})
    for page_type, url in getattr(result, "pagination_capped", ()):
        limit = profile.page(page_type).max_pages if profile is not None else None
        notices.append({"kind": "pagination_capped", "page_type": page_type, "max_pages": limit, "next_url": url,
                        "note": "Phân trang dừng ở giới hạn max_pages của hồ sơ (pagination stopped at the bound)"})
    if getattr(result, "truncated", False):
        notices.append({"kind": "crawl_truncated", "pages": len(result.pages),
                        "note": "Dừng thu thập ở giới hạn số trang (crawl stopped at max_total)"})
    return notices + route_notices(registry)


def route_notices(registry: Registry | None) -> list[dict[str, Any]]:
    """``alert_route_missing``: a registry that names no VP office (the nightly digest and the
    escalations would be addressed to no one), and each unit with neither a Slack channel nor an
    e-mail address (its messages are written to the night's folder and never sent). Told every
    night until the registry is fixed: a message with no route is otherwise lost without a word."""
    if registry is None:
        return []
    notices: list[dict[str, Any]] = []
    if not registry.vp_office:
        notices.append({"kind": "alert_route_missing", "recipient": "vp-office"})
    for unit in registry:
        if not unit.routes.slack and not unit.routes.email:
            notices.append({"kind": "alert_route_missing", "recipient": unit.id, "unit": unit.name})
    return notices


#: Texts of unreadable dates a notice shows: enough to see the format the site writes.
DATE_EXAMPLES = 3


def date_notices(frames: Any, formats: tuple[str, ...]) -> list[dict[str, Any]]:
    """One ``date_unreadable`` notice per page type and field whose dates the profile's
    ``dates.formats`` do not read: how many, a few of the texts, and the formats tried.

    A format that does not match the site would otherwise leave every such date empty, and the
    freshness checks reading it would pass on every unit without a word to anyone."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for item in getattr(frames, "unreadable_dates", ()):
        grouped.setdefault((item.page_type, item.field), []).append(item.raw)
    notices = []
    for (page_type, field_name), texts in grouped.items():
        _, shown = frames.dates_read.get((page_type, field_name), (0, len(texts)))
        notices.append({"kind": "date_unreadable", "page_type": page_type, "field": field_name,
                        "unreadable": len(texts), "shown": shown, "values": list(dict.fromkeys(texts))[:DATE_EXAMPLES],
                        "formats": list(formats),
                        "note": "Ngày trên trang không đọc được theo dates.formats của hồ sơ: việc kiểm tra cập nhật "
                                "của các mục này chưa làm được (dates the profile's formats do not read: "
                                "their freshness is unknown)"})
    return notices


@dataclass(slots=True)
class NightOutputs:
    """Where a night's results were written."""

    folder: Path
    findings: Path
    report: Path
    alerts: Path
    summary: dict[str, Any]


def start_printer(settings: Settings | None = None) -> Any:
    """A :class:`~portalwatch.reports.pdf.Printer` whose Chromium starts now, on a thread of its
    own, for the report :func:`write_outputs` will write; a night starts it once the portal is read."""
    from .reports.pdf import Printer

    return Printer((settings or load_settings()).chromium_path)


def _write_pdf(report: Path, pdf: Path, printer: Any = None) -> Path | None:
    """The report as PDF through Chromium (``printer``'s, started earlier, else one started now); a
    browser problem costs the PDF, never the night."""
    from .errors import BrowserUnavailable
    from .reports.pdf import write_pdf

    try:
        if printer is not None:
            return printer.print(report, pdf)
        return write_pdf(report, pdf, load_settings().chromium_path)
    except BrowserUnavailable as exc:
        logger.warning("no PDF of the report: %s", exc)
        return None


def write_outputs(out_dir: Path, config: Config, night: dt.date, result: Any, frames: Any,
                  findings: list[Any], notices: list[dict[str, Any]], score: Any, changes: Any = None,
                  history: Any = None, plan: Any = None, delivery: Any = None,
                  stopwatch: Stopwatch | None = None, kept_messages: list[dict[str, Any]] | None = None,
                  suites_reused: list[str] | None = None, printer: Any = None) -> NightOutputs:
    """The night's folder: findings.jsonl, frames as CSV, notices, the report and the alert texts.

    Files are written to temporary names and renamed, so a crash never leaves half a file. With
    ``stopwatch``, writing them is timed as its ``outputs`` stage, and summary.json gives the
    seconds of every stage the stopwatch timed (``seconds``). A night whose run recorded nothing
    more (a retry while the portal still does not answer) has no plan: its alert files missing are
    written from the outbox's ``kept_messages`` of the night. (A night already recorded when its run
    starts is not crawled at all: :func:`rebuild_night` writes its files from the store.)
    ``suites_reused`` names the suites that took the last night's verdicts instead of running
    (summary.json ``suites_reused``). ``printer`` (from
    :func:`start_printer`) prints the PDF with a browser already started; without it one is started
    here.
    """
    import concurrent.futures
    import contextlib
    import json

    from .alerts.outbox import write_dry_run, write_kept
    from .findings.model import write_findings
    from .reports.nightly import write_nightly_report
    from .reports.score import score_basis
    from .validate.gx import data_docs_index

    folder = Path(out_dir) / config.profile.name / night.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    report_args = dict(findings=findings, registry=config.registry, night=night, portal_title=config.profile.title,
                       pages=len(result.pages), notices=notices, score=score, history=history,
                       deadline_working_days=config.profile.policy.deadline_working_days,
                       score_basis=score_basis(config.bases, night),
                       pages_failed=sum(not p.ok for p in result.pages),
                       page_units={url: unit for url, unit in zip(frames.units["page_url"], frames.units["unit_id"])
                                   if unit})
    titles = {lang: {rule.rule: rule.title(lang) for suite in config.suites for rule in suite.rules}
              for lang in ("vi", "en")}
    with stopwatch.stage("outputs") if stopwatch is not None else contextlib.nullcontext():
        report = write_nightly_report(folder / "report.html", rule_titles=titles["vi"], **report_args)
        # Chromium prints the PDF in its own process while this one writes the other files.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf") as printing_thread:
            printing = printing_thread.submit(_write_pdf, report, folder / "report.pdf", printer)
            write_nightly_report(folder / "report.en.html", lang="en", rule_titles=titles["en"], **report_args)
            findings_path = write_findings(findings, folder / "findings.jsonl")
            for name, frame in (("units", frames.units), ("directory", frames.directory)):
                with files.replacing(folder / f"{name}.csv") as tmp:
                    frame.to_csv(tmp, index=False, encoding="utf-8")
            if history is not None:
                write_year_files(folder.parent, config, history, night.year, night)
            alerts_dir = folder / "alerts"
            if plan is not None:
                messages = write_dry_run(plan, config.registry, alerts_dir)
                recipients = {path.stem for path in messages}
            elif kept_messages:
                messages = write_kept(kept_messages, alerts_dir)
                # the night's messages are those planned once, not the files written again now
                recipients = {row["recipient"] for row in kept_messages}
            else:
                messages, recipients = [], set()
            pdf = printing.result()
    summary = {
        "portal": config.profile.name, "night": night.isoformat(), "base_url": config.profile.base_url,
        "pages": len(result.pages), "pages_failed": sum(not p.ok for p in result.pages),
        "pages_unchanged": sum(bool(p.meta.get("not_modified")) for p in result.pages),
        "auto_throttle": ({"delay_s": round(result.pace[0], 3), "peak_delay_s": round(result.pace[1], 3)}
                          if result.pace else None),
        "units_seen": int(len(frames.units)), "directory_rows": int(len(frames.directory)),
        "suites_reused": sorted(suites_reused or ()),
        "findings": len(findings), "by_category": by_category(findings),
        "units_with_findings": len({f.unit_id for f in findings}), "notices": notices,
        **open_counts(findings, history, night),
        "unit_messages": sum(recipient not in ("vp-office", "ops") for recipient in recipients),
        # None when no suite ever ran here (the first night, and the portal did not answer): a path
        # printed for a file that is not there sends ops looking for it
        "data_docs": str(docs) if (docs := data_docs_index(Path(out_dir) / config.profile.name)).is_file() else None,
        "report_pdf": str(pdf) if pdf else None,
        "score": {"points": score.total, "out_of": 12, "percent": score.percent,
                  "units": {u.unit_id: u.total for u in score.units},
                  "units_scored": len(score.scored),
                  "not_scored": {u.unit_id: u.not_read for u in score.not_scored},
                  "not_due": {u.unit_id: u.due.isoformat() for u in score.not_scored if u.due is not None}},
        "delivery": delivery_summary(delivery, len(messages)),
        "store": ({"already_recorded": True} if changes is None or changes.already_recorded else
                  {"already_recorded": False, "run_id": changes.run_id, "opened": len(changes.opened),
                   "reopened": len(changes.reopened), "resolved": len(changes.resolved),
                   "still_open": len(changes.seen), "withdrawn": len(changes.withdrawn),
                   "moved": len(changes.moved),
                   "take": changes.take}),
    }
    if stopwatch is not None:
        summary["seconds"] = stopwatch.seconds()
    files.write_text(folder / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2))
    return NightOutputs(folder=folder, findings=findings_path, report=report, alerts=alerts_dir, summary=summary)


def by_category(findings: list[Any]) -> dict[str, int]:
    """summary.json's ``by_category``: how many findings of each category, categories in order."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.category] = counts.get(finding.category, 0) + 1
    return dict(sorted(counts.items()))


def delivery_summary(delivery: Any, written: int) -> dict[str, Any] | None:
    """summary.json's ``delivery``: what became of the night's messages; ``written`` alert files
    count only on a dry run, where writing them is all that is done."""
    if delivery is None:
        return None
    return {"sent": delivery.sent, "waiting": delivery.waiting, "failed": delivery.failed,
            "dropped": delivery.dropped, "problems": delivery.problems, "notes": delivery.notes,
            "dry_run": delivery.dry_run,
            "written": written if delivery.dry_run else 0}


def open_counts(findings: list[Any], history: Any, night: dt.date) -> dict[str, int]:
    """summary.json's ``open_findings``: every finding open in the store that night, as the report
    counts them, and ``not_rechecked``: those among them tonight's crawl did not see (a page that
    failed, the portal down). ``findings`` alone are what tonight's crawl built."""
    from .reports.history import active_on

    tonight = {f.key for f in findings}
    open_keys = set(active_on(history, night)) if history is not None else tonight
    return {"open_findings": len(open_keys | tonight), "not_rechecked": len(open_keys - tonight)}


def night_messages(store: Any, config: Config, night: dt.date) -> list[dict[str, Any]]:
    """The outbox's messages of one night of the portal (every status), oldest first."""
    return store.messages(config.profile.name, night)


def phone_cache(out_dir: str | Path, config: Config) -> Path:
    """Where a portal's parsed phone numbers are kept between nights, beside its nightly folders."""
    return Path(out_dir) / config.profile.name / "cache" / "phones.json"


def verdict_cache(out_dir: str | Path, config: Config) -> Path:
    """Where a portal's suite verdicts are kept between nights, beside its phone numbers."""
    return Path(out_dir) / config.profile.name / "cache" / "verdicts.json"


def load_verdicts(out_dir: str | Path, config: Config):
    """The suite verdicts the portal's last night kept (a :class:`~portalwatch.validate.verdicts.Verdicts`)."""
    from .validate.verdicts import Verdicts

    return Verdicts.load(verdict_cache(out_dir, config))


def gx_project(out_dir: str | Path, config: Config) -> Path:
    """The Great Expectations project of a portal: it lives beside the portal's nightly folders."""
    return Path(out_dir) / config.profile.name


def coverage(ctx: Any, frames: Any, registry: Any = None):
    """What tonight's crawl could see, for the store: findings outside it are not resolved. With the
    ``registry``, findings of a unit no longer in it are withdrawn."""
    from .findings.build import FINDING_FIELD
    from .store.lifecycle import Coverage

    read = {u for u, s in zip(frames.units["unit_id"], frames.units["http_status"]) if u and 200 <= s < 300
            and UNIT_PAGE not in ctx.drifted and UNIT_PAGE not in ctx.shrunk}
    unreadable = getattr(frames, "unreadable_dates", ())
    # A section with a date the profile's formats do not read is not known to be current: its
    # findings are neither confirmed nor resolved tonight.
    unread_sections = {item.page_type for item in unreadable if item.page_type != UNIT_PAGE}
    sections = frozenset({"schedule" if d == "current_week" else "draft"
                          for d, page in zip(frames.sections["duty"], frames.sections["section"])
                          if page not in unread_sections})
    unknown = frozenset((item.unit_id, FINDING_FIELD.get(item.field, item.field)) for item in unreadable
                        if item.page_type == UNIT_PAGE and item.unit_id)
    return Coverage(units_read=frozenset(read), index_ok=ctx.index_ok, directory_ok=ctx.directory_ok,
                    sections_read=sections, unknown=unknown,
                    units=frozenset(registry.units) if registry is not None else None,
                    not_due=dict(getattr(ctx, "not_due", None) or {}))


def score_night(findings: list[Any], config: Config, night: dt.date, ctx: Any, frames: Any):
    """The content score of what tonight's crawl could read: a unit whose page (or the directory) was
    not read is not scored, rather than scored as if nothing were wrong with it."""
    from .reports.score import score_portal

    return score_portal(findings, config.registry, config.roster, night, seen=coverage(ctx, frames),
                        directory_expected=DIRECTORY in config.profile.pages)


def unit_hashes(frames: Any) -> dict[str, str]:
    """A hash of what each unit's page shows, to know when a unit last changed anything."""
    import hashlib
    import json

    columns = ["unit_name", "intro", "address", "phone_raw", "fax_raw", "email_raw", "leaders", "updated_raw"]
    hashes = {}
    for row in frames.units.itertuples():
        if row.unit_id and 200 <= row.http_status < 300:
            shown = json.dumps([getattr(row, c) for c in columns], ensure_ascii=False, default=str)
            hashes[row.unit_id] = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    return hashes


def store_url(out_dir: str | Path, db: str | None = None) -> str:
    """The store to use: ``--db``, else PORTALWATCH_DB, else a SQLite file beside the night folders."""
    import os

    from .store import default_url

    return db or os.environ.get("PORTALWATCH_DB") or default_url(out_dir)


def published(out_dir: str | Path, path: str | Path, settings: Settings | None = None) -> str | None:
    """The address of a file of the output folder on the web server that publishes the folder
    (PORTALWATCH_REPORTS_URL), or None when it is not published or the file lies outside it."""
    from urllib.parse import quote

    settings = settings or load_settings()
    if not settings.reports_url:
        return None
    try:
        relative = Path(path).resolve().relative_to(Path(out_dir).resolve())
    except ValueError:
        return None
    return settings.reports_url + quote(relative.as_posix())


def report_link(out_dir: str | Path, portal: str, night: dt.date, settings: Settings | None = None) -> str:
    """The night's report as the messages link it: its published address when the output folder is
    published, else its path on this machine (which only those who can read this machine can open)."""
    path = Path(out_dir).resolve() / portal / night.isoformat() / "report.html"
    return published(out_dir, path, settings) or str(path)


def record_night(store: Any, run_id: int, config: Config, night: dt.date, result: Any, unit_records: list,
                 directory_records: list, frames: Any, findings: list, ctx: Any, notices: list, score: Any):
    """Commit the night to the store (one transaction)."""
    from .extract.kept import extract_key

    return store.commit_night(run_id, config.profile.name, night, pages=result.pages, unit_records=unit_records,
                              directory_records=directory_records, findings_tonight=findings,
                              coverage=coverage(ctx, frames, config.registry), notices=notices,
                              score=score.total if score is not None else None, unit_hashes=unit_hashes(frames),
                              extract_key=extract_key(config.profile),
                              unit_scores=({u.unit_id: (u.total, u.not_read) for u in score.units}
                                           if score is not None else None),
                              former=config.registry.former)


def plan_and_queue(store: Any, config: Config, night: dt.date, changes: Any, notices: list, score: Any,
                   report_url: str | None, send: bool = True):
    """Decide tonight's messages from the store and queue them (once: a night recorded before queues
    nothing more). Returns the plan, or None for a night already recorded.

    Without ``send`` (a dry run) they are queued as written: the night's alerts/ files are their
    delivery, and no later run sends them. Messages that earlier nights queued to send are left
    pending either way."""
    from .alerts.outbox import outbox_messages
    from .alerts.policy import plan_alerts

    if changes is None or changes.already_recorded:
        return None
    portal = config.profile.name
    plan = plan_alerts(store.list_findings(portal, status="all"), night, config.profile.policy, config.registry,
                       config.profile.title, notices=notices, portal=portal, score=score, report_url=report_url)
    store.queue_messages(portal, night, outbox_messages(plan, config.registry, portal, night, changes.take),
                         notified=plan.notified, escalated=plan.escalated,
                         status="pending" if send else "dry-run")
    return plan


def deliver_alerts(store: Any, config: Config, *, send: bool, now: dt.datetime | None = None,
                   working_days_only: bool = False):
    """Deliver what waits in the outbox with ``send``; without, send nothing and leave it waiting.

    ``working_days_only`` (the scheduled morning delivery) holds it on weekends and public holidays."""
    from .alerts.outbox import deliver, senders_from_env

    slack, email = senders_from_env() if send else (None, None)
    return deliver(store, config.profile.name, slack=slack, email=email, policy=config.profile.policy,
                   now=now or dt.datetime.now(PORTAL_TZ), dry_run=not send, working_days_only=working_days_only,
                   registry=config.registry)


def night_problem(summary: dict[str, Any]) -> PortalwatchError | None:
    """Why a night that ran to the end still needs a person, from its summary: the portal did not
    answer at all (:class:`PortalUnreachable`, exit 3) or its layout drifted (:class:`LayoutDrift`,
    exit 4); None for a night that read the portal.

    The night is recorded and ops are told all the same; this is what the CLI exits with and what
    ends the Prefect flow run as Failed, so a scheduler or an automation watching either sees it.
    The error carries the summary (``.summary``), so whoever catches it can still show the night."""
    notices = summary.get("notices") or []
    folder = summary.get("folder", "")
    down = next((n for n in notices if n.get("kind") == "portal_unreachable"), None)
    drift = [n for n in notices if n.get("kind") in ("layout_drift", "rows_dropped")]
    problem: PortalwatchError
    if down is not None:
        problem = PortalUnreachable(
            f"no page of {summary.get('base_url')} answered ({down.get('error') or 'no answer'}): nothing was "
            f"checked tonight; the night is recorded and ops are told (run notices in {folder}/summary.json)")
    elif drift:
        selectors = sorted({s for n in drift for s in n.get("selectors") or []})
        listed = f"{'; '.join(selectors[:3])}{' …' if len(selectors) > 3 else ''}"
        dropped = [n for n in drift if n.get("kind") == "rows_dropped"]
        if len(dropped) == len(drift):
            counts = "; ".join(f"{n.get('page_type')} {n.get('previous')} → {n.get('tonight')}" for n in dropped)
            problem = LayoutDrift(
                f"layout drift: far fewer rows than on the last nights read with this profile ({counts}): "
                f"a selector may read only part of a page ({listed}); the checks that need the whole list stood "
                f"aside. If the portal really has fewer units or rows now, this stops once a week of nights has "
                f"read the smaller portal (or lower checks.min_rows_ratio); otherwise fix the profile "
                f"(run notices in {folder}/summary.json)")
        else:
            problem = LayoutDrift(
                f"layout drift: {len(selectors)} selector(s) of the profile no longer read the portal "
                f"({listed}); their checks stood aside. "
                f"Run `portalwatch profile check` and fix the profile (run notices in {folder}/summary.json)")
    else:
        return None
    problem.summary = summary
    return problem


def rebuild_night(store: Any, config: Config, night: dt.date, out_dir: str | Path, *, send: bool = False,
                  clock: dt.datetime | None = None, stopwatch: Stopwatch | None = None) -> NightOutputs:
    """A night the store recorded, run again: nothing is crawled, checked, recorded or planned; its
    files are written again from what the store recorded of it (:mod:`portalwatch.rebuild`), and
    what waits in the outbox is delivered with ``send`` as on any run."""
    from .rebuild import rebuild_outputs

    logger.info("night %s of %s is already recorded: its files are written again from the store, the portal "
                "is not crawled", night, config.profile.name)
    with stopwatch.stage("alerts") if stopwatch is not None else contextlib.nullcontext():
        delivery = deliver_alerts(store, config, send=send, now=clock)
    # No crawl to overlap with: the report's PDF is printed by a Chromium started when it is written.
    return rebuild_outputs(Path(out_dir), config, night, store, delivery, stopwatch=stopwatch)


def run_night(profile_path: str | Path, out_dir: str | Path = "out", now: str | None = None,
              base_url: str | None = None, settings: Settings | None = None, db: str | None = None,
              send: bool = False, clock: dt.datetime | None = None) -> NightOutputs:
    """The whole night without an orchestrator (``portalwatch run --no-prefect``, tests, debugging)."""
    from .reports.history import load_history
    from .store import failpoints, open_store

    watch = Stopwatch()
    night = night_date(now)
    settings = settings or load_settings()
    with watch.stage("setup"):
        config = load_config(profile_path, base_url=base_url)
        preflight(out_dir, config, send)
        store = open_store(store_url(out_dir, db))
    printer = None
    try:
        with watch.stage("setup"):
            failpoints.hit("before_run")
            run_id = store.begin_run(config.profile.name, night)
            failpoints.hit("after_run_started")
        if run_id is None:
            return rebuild_night(store, config, night, out_dir, send=send, clock=clock, stopwatch=watch)
        with watch.stage("render"):
            result = render_portal(config.profile, settings, store, night)
        printer = start_printer(settings)    # its Chromium starts while the pages are checked
        failpoints.hit("after_render")
        with watch.stage("extract"):
            units, rows = extract_pages(result, config.profile, kept_records(store, config.profile, night))
            frames = normalise(units, rows, config, extract_sections(result, config.profile),
                               phone_cache(out_dir, config))
        with watch.stage("validate"):
            ctx = night_context(result, frames, config, night, previous_counts(store, config, night),
                                records_by_type(units, rows))
            verdicts = load_verdicts(out_dir, config)
            findings = make_findings(validate(frames, config, ctx, gx_project(out_dir, config), verdicts),
                                     config, night)
        with watch.stage("record"):
            notices = run_notices(result, frames, config.profile, ctx, config.registry)
            score = score_night(findings, config, night, ctx, frames)
            changes = (record_night(store, run_id, config, night, result, units, rows, frames, findings, ctx,
                                    notices, score) if run_id is not None else None)
            store.prune_snapshots(settings.snapshot_retention_days, today=night)
        with watch.stage("alerts"):
            plan = plan_and_queue(store, config, night, changes, notices, score,
                                  report_link(out_dir, config.profile.name, night, settings), send)
            delivery = deliver_alerts(store, config, send=send, now=clock)
        with watch.stage("outputs"):
            history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
        outputs = write_outputs(Path(out_dir), config, night, result, frames, findings, notices, score, changes,
                                history, plan, delivery, stopwatch=watch,
                                kept_messages=night_messages(store, config, night) if plan is None else None,
                                suites_reused=verdicts.reused, printer=printer)
        failpoints.hit("after_outputs")
        return outputs
    except BaseException as exc:
        for partial in (Path(out_dir) / config.profile.name / night.isoformat()).rglob("*.tmp"):
            partial.unlink(missing_ok=True)  # a file cut short (disk full) is never left behind
        if "run_id" in locals() and run_id is not None and not isinstance(exc, KeyboardInterrupt):
            try:
                store.fail_run(run_id, f"{type(exc).__name__}: {exc}")
            except StoreError as again:  # the store is full or gone too: the first error is the one to tell
                logger.warning("could not mark run %s failed: %s", run_id, again)
        raise
    finally:
        if printer is not None:
            printer.close()
        store.dispose()
