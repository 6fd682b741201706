"""The ``portalwatch`` command: one verb per job users have.

Imports are lazy (inside each command): ``--help`` must answer in well under a second, and Great
Expectations, Prefect and Playwright take seconds to import.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, Iterator, NoReturn, Optional

import typer

from .errors import LayoutDrift, PortalUnreachable, PortalwatchError

app = typer.Typer(help="portalwatch: nightly data-quality monitoring of a government information portal.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
sample_app = typer.Typer(help="The bundled sample portal (the test bed and the demo's default).",
                         no_args_is_help=True)
app.add_typer(sample_app, name="sample")
findings_app = typer.Typer(help="Findings kept in the store: list, show one's history, export.",
                           no_args_is_help=True)
app.add_typer(findings_app, name="findings")
alerts_app = typer.Typer(help="Alerts waiting in the outbox.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
profile_app = typer.Typer(help="Portal profiles: check that a profile still reads its portal.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")

DEFAULT_PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "vungtau-2022" / "profile.yaml"


def _say(text: str, code: int, label: str = "error:") -> NoReturn:
    """One line on stderr (``label`` in bold red, then ``text``, escaped) and exit ``code``."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True).print(f"[bold red]{label}[/] {escape(text)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """A user error is one clear line on stderr and a non-zero exit, never a traceback."""
    try:
        yield
    except PortalwatchError as exc:
        _say(str(exc), exc.exit_code)
    except OSError as exc:
        import errno

        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS) and not exc.filename:
            raise                                  # not about a file (a socket's error): not a user's to fix here
        reason = (exc.strerror or str(exc)) + (f" ({exc.filename})" if exc.filename else "")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            text = (f"hết dung lượng đĩa, không ghi được kết quả / cannot write: {reason}; nothing was "
                    "half-written, run again when there is space")
        elif exc.errno == errno.EROFS:
            text = (f"ổ đĩa chỉ cho đọc, không ghi được kết quả / read-only file system: {reason}; nothing was "
                    "half-written, run again where the output can be written")
        else:
            # A file in the way (a folder where a file goes, no permission on a shared folder): named,
            # one line; what was written went under temporary names, so nothing is half-written.
            text = (f"không đọc hoặc ghi được tệp / cannot read or write a file: {reason}; nothing was "
                    "half-written, fix that path and run again")
        _say(text, 1)
    except KeyboardInterrupt:
        # Ctrl-C: said, not silent. Files are written under temporary names and the store's night is one
        # transaction, so nothing is left half-done; the next run finishes the work.
        _say("(Ctrl-C): nothing was half-written; run the command again to finish", 130, label="interrupted")
    except Exception as exc:
        # The store's database refusing mid-command (a table dropped by hand, a server gone): exit 5,
        # as a store that cannot be opened does. Told by module so the CLI need not import SQLAlchemy.
        if not type(exc).__module__.startswith("sqlalchemy"):
            raise
        from .store.store import error_reason

        _say(f"the store could not be read or written: {error_reason(exc)}", 5)


#: What PORTALWATCH_SEND may say, as README documents it: deliver, or only write (a dry run).
SEND_VALUES = {"1": True, "true": True, "0": False, "false": False, "": False}


def _send_setting(environ: dict[str, str] | None = None) -> bool:
    """``run``'s ``--send`` when neither ``--send`` nor ``--dry-run`` is given: PORTALWATCH_SEND,
    read here rather than by typer, so that a value it does not know is one line naming the variable,
    as every other PORTALWATCH_ variable's is, and not a box of typer's."""
    from .errors import ConfigError

    raw = (os.environ if environ is None else environ).get("PORTALWATCH_SEND", "")
    value = SEND_VALUES.get(raw.strip().lower())
    if value is None:
        raise ConfigError(f"environment variable PORTALWATCH_SEND={raw!r}: expected 1 or true to deliver the "
                          "alerts, 0 or false to only write them")
    return value


def _print_summary(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    table = Table(title=f"portalwatch · {summary['portal']} · {summary['night']}", show_header=True)
    table.add_column("Mục / item")
    table.add_column("Số / count", justify="right")
    table.add_row("Trang đã kiểm tra / pages rendered", str(summary["pages"]))
    table.add_row("Trang lỗi / pages failed", str(summary["pages_failed"]))
    pace = summary.get("auto_throttle")
    if pace:
        table.add_row("Giãn cách yêu cầu / request delay",
                      f"{pace['delay_s']:.2f} s (cao nhất / peak {pace['peak_delay_s']:.2f} s)")
    table.add_row("Đơn vị / unit pages", str(summary["units_seen"]))
    table.add_row("Dòng danh bạ / directory rows", str(summary["directory_rows"]))
    if summary.get("suites_reused"):
        table.add_row("Bộ kiểm tra dùng lại kết quả lần chạy trước / suites not run again (same columns)",
                      str(len(summary["suites_reused"])))
    if "open_findings" in summary:
        unchecked = summary.get("not_rechecked") or 0
        table.add_row("Nội dung cần cập nhật / open findings", str(summary["open_findings"]) + (
            f" ({unchecked} chưa kiểm tra lại đêm nay / not checked again tonight)" if unchecked else ""))
    table.add_row("Phát hiện đêm nay / found tonight", str(summary["findings"]))
    for category, count in summary["by_category"].items():
        table.add_row(f"  {category}", str(count))
    table.add_row("Ghi chú vận hành / run notices", str(len(summary["notices"])))
    store = summary.get("store", {})
    if store.get("already_recorded"):
        table.add_row("Lịch sử / store", "đêm này đã ghi / night already recorded"
                      + (": ghi lại tệp từ lịch sử, không thu thập lại / files written again from the store, "
                         "portal not crawled" if summary.get("rebuilt") else ""))
    elif store.get("take", 1) > 1:
        table.add_row("Lịch sử / store", "kiểm tra lại đêm Trang không trả lời / night audited again")
    if "opened" in store:
        table.add_row("Mới phát hiện / opened", str(store["opened"]))
        table.add_row("Phát sinh lại / reopened", str(store["reopened"]))
        table.add_row("Đã khắc phục / resolved", str(store["resolved"]))
        if store.get("withdrawn"):
            table.add_row("Ngừng theo dõi / withdrawn (unit left the registry)", str(store["withdrawn"]))
        if store.get("moved"):
            table.add_row("Chuyển sang mã đơn vị mới / moved to a unit's new id", str(store["moved"]))
    from .reports.score import score_line

    table.add_row("Điểm nội dung / content score", score_line(summary["score"]))
    console.print(table)
    if Path(summary["findings_file"]).is_file():
        _print_findings(console, Path(summary["findings_file"]))
    console.print(f"Findings:    {summary['findings_file']}")
    kept = "report.html" in ((summary.get("rebuilt") or {}).get("not_written") or {})
    console.print(f"Report:      {summary['report']}" + (f" (PDF: {summary['report_pdf']})"
                                                           if summary.get("report_pdf") else "")
                  + (" (not written again: see below)" if kept else ""))
    console.print(f"Alert texts: {summary['alerts_dir']}/")
    if summary.get("data_docs"):
        console.print(f"Data Docs:   {summary['data_docs']}")
    from .alerts.outbox import describe_delivery

    alerts = describe_delivery(summary)
    if alerts:
        console.print(f"Alerts:      {alerts}")
    from .rebuild import describe_rebuilt

    for line in describe_rebuilt(summary):
        # Text, not markup: a reason may quote a unit id or a file name with brackets.
        console.print(Text(f"Rebuilt:     {line}"), soft_wrap=True)
    seconds = (summary.get("rebuilt") or {}).get("seconds") or summary.get("seconds")
    if seconds:
        from .timing import describe

        console.print(f"Time:        {describe(seconds)}")


def _print_findings(console, path: Path, limit: int = 40) -> None:
    from rich.table import Table
    from rich.text import Text

    from .findings.model import read_findings

    findings = read_findings(path)
    if not findings:
        return
    table = Table(title="Nội dung cần cập nhật / findings", show_lines=False)
    for column in ("Đơn vị / unit", "Đối tượng / subject", "Mục / field", "Loại / category", "Đang hiển thị / value"):
        table.add_column(column, overflow="fold")
    for finding in findings[:limit]:
        subject = "" if finding.subject == "unit" else finding.subject
        # Text(), not markup: values come from the portal and may hold "[...]" or control characters.
        table.add_row(*(Text(v) for v in (finding.unit_name, subject, finding.field, finding.category,
                                          finding.value or "—")))
    console.print(table)
    if len(findings) > limit:
        console.print(f"... and {len(findings) - limit} more in {path}")


def _run_flow(profile: Path, out: Path, now: Optional[str], base_url: Optional[str], prefect: bool,
              db: Optional[str] = None, send: bool = False) -> dict:
    """Run the night; configuration, the output folder and the store are checked first, so a user
    error never reaches Prefect's logs and nothing is fetched for a night that could not be recorded.
    The output folder comes before the store: the default store lives in it, and an ``--out`` that
    cannot be written is to be named as the folder it is, not as a database that cannot be opened."""
    from flows.environment import prefect_defaults

    from . import night as stages
    from .settings import load_settings
    from .store import open_store

    prefect_defaults()  # before Prefect or Great Expectations is imported
    stages.night_date(now)
    load_settings()
    config = stages.load_config(profile, base_url=base_url)
    stages.preflight(out, config, send, keep=False)
    open_store(stages.store_url(out, db)).dispose()
    if prefect:
        from flows.nightly import nightly_audit

        # A night that could not read the portal ends the flow run Failed, its error carrying the
        # night's summary: the summary is printed and the exit status told as with --no-prefect.
        state = nightly_audit(profile=str(profile), out=str(out), now=now, base_url=base_url, db=db, send=send,
                              return_state=True)
        result = state.result(raise_on_failure=False)
        if isinstance(result, PortalwatchError) and result.summary is not None:
            return result.summary
        if isinstance(result, BaseException):
            raise result
        return result
    outputs = stages.run_night(profile, out, now=now, base_url=base_url, db=db, send=send)
    return {**outputs.summary, "folder": str(outputs.folder), "findings_file": str(outputs.findings),
            "report": str(outputs.report), "alerts_dir": str(outputs.alerts)}


@app.command()
def run(profile: Path = typer.Option(DEFAULT_PROFILE, "--profile", "-p", help="Portal profile (YAML)."),
        out: Path = typer.Option(Path("out"), "--out", "-o", envvar="PORTALWATCH_OUT",
                                 help="Folder for the night's results."),
        now: Optional[str] = typer.Option(None, "--now", help="Audit as of this date (YYYY-MM-DD)."),
        base_url: Optional[str] = typer.Option(None, "--base-url", help="Crawl this address instead of the profile's."),
        db: Optional[str] = typer.Option(None, "--db", envvar="PORTALWATCH_DB",
                                         help="Store URL (default: a SQLite file in --out)."),
        send: Optional[bool] = typer.Option(None, "--send/--dry-run", show_default=False,
                                            help="Deliver alerts (Slack, e-mail) or only write them (default; "
                                                 "PORTALWATCH_SEND=1 or true delivers)."),
        prefect: bool = typer.Option(True, "--prefect/--no-prefect", help="Run through Prefect (default).")) -> None:
    """Run one night's audit of a portal: findings, history, alerts and reports.

    Exits 3 when no page of the portal answered, 4 on layout drift.
    The night is recorded and ops are told all the same; the exit status shows a scheduler a night that needs a person.
    """
    with _user_errors():
        from . import night as stages

        summary = _run_flow(profile, out, now, base_url, prefect, db, _send_setting() if send is None else send)
        _print_summary(summary)
        problem = stages.night_problem(summary)
        if problem is not None:
            raise problem


@app.command()
def demo(night: int = typer.Option(1, "--night", "-n", help="Scenario night to show (1-14)."),
         out: Path = typer.Option(Path("out"), "--out", "-o", envvar="PORTALWATCH_OUT",
                                 help="Folder for the night's results."),
         db: Optional[str] = typer.Option(None, "--db", envvar="PORTALWATCH_DB",
                                          help="Store URL (default: a SQLite file in --out)."),
         prefect: bool = typer.Option(True, "--prefect/--no-prefect", help="Run through Prefect (default).")) -> None:
    """Start the bundled sample portal on a free loopback port and audit one night of it."""
    with _user_errors():
        from sample_portal import SamplePortal, load_scenario

        scenario = load_scenario("vungtau-2022")
        if not 1 <= night <= scenario.nights:
            raise typer.BadParameter(f"the scenario has nights 1 to {scenario.nights}", param_hint="--night")
        with SamplePortal(scenario, night=night) as portal:
            typer.echo(f"Sample portal (night {night}, {scenario.night_date(night)}): {portal.base_url}")
            summary = _run_flow(DEFAULT_PROFILE, out, scenario.night_date(night).isoformat(), portal.base_url, prefect,
                                db)
        _print_summary(summary)


@profile_app.command("check")
def profile_check(profile: Path = typer.Argument(..., help="Portal profile (YAML)."),
                  base_url: Optional[str] = typer.Option(None, "--base-url", help="Check this address instead."),
                  sample: int = typer.Option(5, "--sample", min=1, help="Pages of each type to render.")) -> None:
    """Render a sample of pages and report, per field, how many matched, and per date field how many
    were read as dates; exit 4 if a required one never matches or no date shown is read."""
    with _user_errors():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from . import night as stages
        from .profile_check import check_profile, page_wide_row_fields

        config = stages.load_config(profile, base_url=base_url)
        report = check_profile(config.profile, sample=sample)
        console = Console()
        table = Table(title=f"profile check · {report.profile} · {report.base_url} · {report.pages} pages")
        for column in ("page type", "field", "selector", "matched", "examples", ""):
            table.add_column(column, overflow="fold")
        for item in report.selectors:
            status = "[red]BROKEN[/]" if item.broken else ("ok" if item.matched else "[yellow]none[/]")
            table.add_row(item.page_type, item.name, Text(item.selector), f"{item.matched}/{item.total}",
                          Text(" | ".join(item.examples)), status)
        console.print(table)
        for date in report.dates:
            unread = f" (not read: {' | '.join(date.unread)})" if date.unread else ""
            console.print(Text(f"dates {date.page_type}.{date.name}: {date.read}/{date.shown} read as dates with "
                               f"{', '.join(date.formats)}{unread}"), style="red" if date.unreadable else None)
        for page in report.failed_pages:
            console.print(Text(f"page failed: {page.url} ({page.error or 'HTTP ' + str(page.status)})"))
        for page_type, name, xpath in page_wide_row_fields(config.profile):
            console.print(Text(f"note: {page_type}.{name} ({xpath}) starts with '/': it is read from the whole page, "
                               f"the same value on every row; to read it in each row, write it relative "
                               f"('.{xpath}' or without the slashes)"), style="yellow")
        console.print(Text(f"a sample: up to {sample} pages of each type were read (--sample); a night reads "
                           "them all"), style="dim")
        problems = []
        if report.broken:
            problems.append("required selectors matched nothing: "
                            + ", ".join(f"{s.page_type}.{s.name} ({s.selector})" for s in report.broken))
        if report.gone:
            problems.append("start pages not found on the portal (moved?): "
                            + ", ".join(f"{page_type}.{name} {where}" for page_type, name, where in report.gone))
        if report.unread and report.pages > len(report.failed_pages):
            problems.append("no page of " + ", ".join(report.unread) + " was read (see the pages that failed, "
                            "or the profile's start urls and links)")
        if report.unreadable_dates:
            problems.append(f"no date read with dates.formats {list(config.profile.date_formats)}: " + ", ".join(
                f"{d.page_type}.{d.name} ({d.shown} shown, e.g. {d.unread[0]!r})" for d in report.unreadable_dates))
        if problems:
            raise LayoutDrift("; ".join(problems))
        if not report.ok:
            raise PortalUnreachable(f"no page of {report.base_url} could be rendered")
        console.print("[green]profile ok[/]: every required selector matched and the dates were read")


#: What ``--status`` of ``findings list`` and ``findings export`` accepts (a finding's lifecycle).
FINDING_STATUSES = ("active", "open", "notified", "escalated", "resolved", "withdrawn", "all")


def _finding_status(status: str) -> str | None:
    """The store's filter for ``--status``; a word outside the lifecycle is a mistake, not an empty list."""
    if status not in FINDING_STATUSES:
        from .errors import ConfigError
        raise ConfigError(f"--status must be one of {', '.join(FINDING_STATUSES)}; found {status!r}")
    return None if status == "all" else status


def _known(what: str, value: str, known: set[str], where: str) -> None:
    """A filter value the store has never seen is a mistake to name, not an empty list to show."""
    if value in known:
        return
    from .errors import ConfigError

    shown = sorted(known)
    listed = ", ".join(shown[:15]) + (f" (and {len(shown) - 15} more)" if len(shown) > 15 else "")
    raise ConfigError(f"--{what} {value!r} matches no {what} {where}" + (f"; known: {listed}" if shown else ""))


def _check_filters(store: Any, portal: str | None, unit: str | None = None, rule: str | None = None,
                   category: str | None = None) -> None:
    """``findings`` filters are checked against what they can match: categories of the findings
    model, portals and units of the recorded nights, rules of the suites or of recorded findings."""
    from .findings.model import CATEGORIES
    from .validate.suites import rule_names

    if category is not None:
        _known("category", category, set(CATEGORIES), "of a finding")
    recorded = store.recorded(portal) if (portal or unit or rule) else {}
    if portal:
        _known("portal", portal, recorded["portals"], "of the recorded nights")
    if unit:
        _known("unit", unit, recorded["units"], f"of the recorded nights{f' of {portal}' if portal else ''}")
    if rule:
        _known("rule", rule, rule_names() | recorded["rules"], "of the suites or the recorded findings")


def _open_store(out: Path, db: Optional[str]):
    """The store earlier nights recorded, for the commands that read it or deliver from it. A SQLite
    file that is not there is a mistyped ``--out`` or ``--db``, not a store to create empty and list
    nothing from."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from . import night as stages
    from .errors import StoreError
    from .store import open_store

    url = stages.store_url(out, db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None                         # open_store names what is wrong with the URL
    if (parsed is not None and parsed.get_backend_name() == "sqlite" and parsed.database
            and parsed.database != ":memory:" and not Path(parsed.database).is_file()):
        raise StoreError(f"no store at {parsed.database}: no night was recorded there "
                         "(give the --out of the nightly runs, or --db / PORTALWATCH_DB)")
    return open_store(url, create=False)


_DB = typer.Option(None, "--db", envvar="PORTALWATCH_DB", help="Store URL (default: a SQLite file in --out).")
_OUT = typer.Option(Path("out"), "--out", "-o", envvar="PORTALWATCH_OUT", help="Folder holding the default store.")


@alerts_app.command("send")
def alerts_send(profile: Path = typer.Option(DEFAULT_PROFILE, "--profile", "-p", help="Portal profile (YAML)."),
                out: Path = _OUT, db: Optional[str] = _DB,
                send: bool = typer.Option(True, "--send/--dry-run",
                                          help="Deliver, or only count what waits (changes nothing)."),
                now: Optional[str] = typer.Option(None, "--now", help="The clock for quiet hours, to replay a "
                                                  "morning (YYYY-MM-DDTHH:MM, the portal's time zone).")) -> None:
    """Deliver what waits in the outbox (after quiet hours, or once Slack or SMTP is back).

    Exits 1 when a message could not be delivered (no Slack or SMTP configured for it, a server down, a refusal).
    Messages held by quiet hours are not a failure.
    """
    with _user_errors():
        from . import night as stages

        clock = stages.clock_time(now)
        config = stages.load_config(profile)
        store = _open_store(out, db)
        try:
            # A profile whose portal no recorded night knows: a mistyped --out or --profile, not "0 waiting".
            portals = store.recorded()["portals"]
            if config.profile.name not in portals:
                from .errors import ConfigError

                raise ConfigError(f"--profile {profile}: the store has no night of the portal "
                                  f"'{config.profile.name}', so nothing of it waits to be sent"
                                  + (f"; it has nights of: {', '.join(sorted(portals))}" if portals else ""))
            report = stages.deliver_alerts(store, config, send=send, now=clock)
        finally:
            store.dispose()
        if report.dry_run:
            typer.echo(f"dry run: {report.waiting} waiting in the outbox, none sent")
        else:
            held = f" ({report.held})" if report.held else ""
            dropped = f", {report.dropped} dropped" if report.dropped else ""
            typer.echo(f"{report.sent} delivered, {report.waiting} waiting{held}, {report.failed} refused{dropped}")
        for note in report.notes:
            typer.echo(f"  {note}")
        for problem in report.problems:
            typer.echo(f"  {problem}", err=True)
        if report.failed or report.problems:
            raise typer.Exit(1)


@findings_app.command("list")
def findings_list(portal: Optional[str] = typer.Option(None, help="Only this portal (profile name)."),
                  unit: Optional[str] = typer.Option(None, help="Only this unit id."),
                  rule: Optional[str] = typer.Option(None, help="Only this rule."),
                  category: Optional[str] = typer.Option(None, help="Only this category (missing, stale, ...)."),
                  status: str = typer.Option("active", help="active (default), open, notified, escalated, "
                                                            "resolved, withdrawn, or all."),
                  min_age: Optional[int] = typer.Option(None, "--min-age", min=0, max=36_500,
                                                        help="Open at least N days: found, or back after a fix, "
                                                             "that long ago (the report's age)."),
                  as_of: Optional[str] = typer.Option(None, "--as-of", help="Count ages to this date (YYYY-MM-DD; "
                                                                            "default: today in Vietnam)."),
                  out: Path = _OUT, db: Optional[str] = _DB) -> None:
    """List findings with their lifecycle, and how long each active one has been open."""
    with _user_errors():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from . import night as stages
        from .store.lifecycle import ACTIVE

        # Ages count to the portal's date (Asia/Ho_Chi_Minh), as the nights do, not the host's: at
        # 01:30 in Vũng Tàu a UTC host is still on the day before.
        wanted, since = _finding_status(status), stages.night_date(as_of, "--as-of")
        store = _open_store(out, db)
        try:
            _check_filters(store, portal, unit, rule, category)
            rows = store.list_findings(portal, unit=unit, rule=rule, category=category, status=wanted,
                                       min_age_days=min_age, as_of=since)
        finally:
            store.dispose()
        table = Table(title=f"{len(rows)} findings")
        # The key is what `findings show` takes: never wrapped, so it can be copied whole from a narrow terminal.
        table.add_column("key", no_wrap=True, min_width=10)
        for column in ("unit", "subject", "field", "category", "status"):
            table.add_column(column, overflow="fold")
        for column in ("first seen", "last seen", "seen", "age"):      # a date split in two reads as two
            table.add_column(column, no_wrap=True)
        for r in rows:
            # Days open in the current spell (since found or back after a fix), as the report counts.
            days = (since - r["opened_at"]).days
            age = str(days) if r["status"] in ACTIVE and days >= 0 else ""
            table.add_row(r["key"][:10], Text(r["unit_id"]), Text("" if r["subject"] == "unit" else r["subject"]),
                          r["field"], r["category"], r["status"], str(r["first_seen"]), str(r["last_seen"]),
                          str(r["times_seen"]), age)
        Console().print(table)


#: Keys an ambiguous prefix of ``findings show`` lists.
SHOWN_KEYS = 10


def _no_single_finding(key: str, portal: str | None, candidates: list[str]) -> str:
    """Why a key prefix names no finding to show: none starts with it, or several do (listed, so the
    one meant can be copied)."""
    where = f" of {portal}" if portal else ""
    if not candidates:
        return f"no finding{where} has a key starting with '{key}'"
    listed = ", ".join(candidates[:SHOWN_KEYS]) + (" and more" if len(candidates) > SHOWN_KEYS else "")
    return (f"the key prefix '{key}' is ambiguous: several findings{where} start with it ({listed}); "
            f"give more of the key")


@findings_app.command("show")
def findings_show(key: str = typer.Argument(..., help="A finding key (or its first characters)."),
                  portal: Optional[str] = typer.Option(None, help="The portal, if keys collide."),
                  out: Path = _OUT, db: Optional[str] = _DB) -> None:
    """One finding: its evidence and what happened to it night by night."""
    with _user_errors():
        from rich.console import Console
        from rich.text import Text

        from .errors import PortalwatchError

        store = _open_store(out, db)
        try:
            row, events = store.finding_history(key, portal)
            candidates = store.finding_keys(key, portal, limit=SHOWN_KEYS + 1) if row is None else []
        finally:
            store.dispose()
        if row is None:
            raise PortalwatchError(_no_single_finding(key, portal, candidates))
        console = Console()
        for name in ("key", "portal", "unit_id", "unit_name", "subject", "field", "rule", "category", "severity",
                     "status", "first_seen", "last_seen", "resolved_at", "times_seen", "reopened", "value",
                     "suggestion", "url", "legal_basis", "message_vi", "message_en"):
            console.print(Text(f"{name:>12}: {row[name] if row[name] is not None else ''}"))
        console.print("history:")
        for event in events:
            console.print(f"  {event['night']}  {event['event']}")


@findings_app.command("export")
def findings_export(path: Path = typer.Argument(..., help="CSV file to write (UTF-8, opens in Excel)."),
                    portal: Optional[str] = typer.Option(None, help="Only this portal."),
                    status: str = typer.Option("all", help="active, open, resolved, ... or all (default)."),
                    profile: Path = typer.Option(DEFAULT_PROFILE, "--profile", "-p",
                                                 help="Portal profile whose policy gives the deadline."),
                    out: Path = _OUT, db: Optional[str] = _DB) -> None:
    """Export findings and their lifecycle as CSV.

    Each finding has its deadline (hạn khắc phục) as the report gives it.
    It is the profile's deadline_working_days from the current opening.
    """
    with _user_errors():
        import csv
        import errno

        from . import files
        from .profile.loader import load_profile
        from .reports.history import deadline

        working_days = load_profile(profile).policy.deadline_working_days
        wanted = _finding_status(status)
        store = _open_store(out, db)
        try:
            _check_filters(store, portal)
            rows = store.list_findings(portal, status=wanted)
        finally:
            store.dispose()
        columns = ["portal", "key", "unit_id", "unit_name", "subject", "field", "rule", "category", "severity",
                   "status", "first_seen", "last_seen", "resolved_at", "deadline", "times_seen", "reopened", "value",
                   "suggestion", "url", "legal_basis", "message_vi", "message_en"]
        # The office asks "by when": the deadline of the current spell, as the report and the messages
        # count it (a finding back after a fix has a new one).
        rows = [{**row, "deadline": deadline(row["opened_at"], working_days)} for row in rows]
        # A link is written through to the file it names (kept a link); a pipe, a device or a socket
        # cannot be replaced whole, and must not be swapped for a plain file.
        target = path.resolve() if path.is_symlink() else path
        if target.exists() and not target.is_file() and not target.is_dir():
            raise PortalwatchError(f"cannot write {path}: not a regular file (a pipe, a device or a socket); "
                                   "give the path of a CSV file")
        try:
            with files.replacing(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")   # BOM: Excel reads UTF-8
                writer.writeheader()
                writer.writerows(rows)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise                            # told as a full disk by _user_errors
            elsewhere = exc.filename and not str(exc.filename).startswith(str(path))   # not path or its temporary
            raise PortalwatchError(f"cannot write {path}: {exc.strerror or exc}"
                                   + (f" ({exc.filename})" if elsewhere else "")) from None
        typer.echo(f"{len(rows)} findings written to {path}")


@app.command()
def report(profile: Path = typer.Option(DEFAULT_PROFILE, "--profile", "-p", help="Portal profile (YAML)."),
           year: Optional[int] = typer.Option(None, "--year", min=2000, max=2099,
                                              help="Year of Home Affairs' workbook (default: the last night's)."),
           out: Path = _OUT, db: Optional[str] = _DB) -> None:
    """Build, from the store, Home Affairs' workbook for a year and the index of nightly reports.

    Each night writes both; this builds them again for any recorded year, without auditing anything.
    Use it for the year-end scoring, or when a workbook was lost with the output folder or the store moved.
    """
    with _user_errors():
        from . import night as stages
        from .reports.history import load_history

        config = stages.load_config(profile)
        portal = config.profile.name
        store = _open_store(out, db)
        try:
            history = load_history(store, portal, config.profile.policy.deadline_working_days)
        finally:
            store.dispose()
        years = sorted({r["night"].year for r in history.runs if r["status"] == "completed"})
        if not years:
            raise PortalwatchError(f"no night of {portal} is recorded in the store: run one first "
                                   f"(portalwatch run --profile {profile})")
        year = year or years[-1]
        if year not in years:
            raise PortalwatchError(f"no night of {portal} is recorded in {year}; recorded years: "
                                   f"{', '.join(map(str, years))}")
        workbook, index = stages.write_year_files(stages.check_out_dir(out, config), config, history, year)
        typer.echo(f"Home Affairs' workbook for {year}: {workbook}")
        typer.echo(f"Index of nightly reports: {index}")


@sample_app.command("serve")
def sample_serve(scenario: str = typer.Option("vungtau-2022", help="Scenario name or YAML path."),
                 night: int = typer.Option(1, help="Scenario night to serve."),
                 host: str = typer.Option("127.0.0.1", help="Address to bind (default loopback; 0.0.0.0 "
                                                            "shows it to the local network)."),
                 port: int = typer.Option(0, min=0, max=65535, help="Port (0 = a free one).")) -> None:
    """Serve the sample portal until Ctrl-C."""
    import time

    from sample_portal import SamplePortal, load_scenario
    from sample_portal.scenario import ScenarioError

    with _user_errors():
        try:
            loaded = load_scenario(scenario)
        except ScenarioError as exc:
            from .errors import ConfigError
            raise ConfigError(str(exc)) from None
        if not 1 <= night <= loaded.nights:
            raise typer.BadParameter(f"the scenario has nights 1 to {loaded.nights}", param_hint="--night")
        portal = SamplePortal(loaded, night=night, host=host, port=port)
        try:
            url = portal.start()
        except OSError as exc:              # the port is taken, or needs privileges: the option to change
            from .errors import ConfigError
            raise ConfigError(f"--port {port}: cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    typer.echo(f"Sample portal: {url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        portal.stop()


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
