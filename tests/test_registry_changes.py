"""A unit that leaves the registry (dissolved, merged, given a new id) takes its open findings with
it: they are withdrawn, not fixed, not open for ever; Home Affairs' workbook keeps its year."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from conftest import record
from portalwatch.profile.registry import Registry
from portalwatch.store import open_store

pytestmark = pytest.mark.browser


def _without(config, unit_id: str):
    """The configuration of a night whose registry no longer holds ``unit_id``, and what that
    night finds: nothing of a unit the registry does not know."""
    registry = Registry({k: u for k, u in config.registry.units.items() if k != unit_id},
                        vp_office=config.registry.vp_office, ops=config.registry.ops)
    return dataclasses.replace(config, registry=registry)


def _night(result, unit_id: str):
    return dataclasses.replace(result, findings=[f for f in result.findings if f.unit_id != unit_id])


@pytest.fixture
def gone(scenario, nights, config, tmp_path):
    """Nights 1-2 with the full registry, night 3 without the unit that has most findings on night 2
    and still has them on night 3 (so they would stay open if it were still checked)."""
    from collections import Counter

    kept = {(g["unit_id"], g["field"], g["category"]) for g in scenario.ground_truth(3)}
    counts = Counter(g["unit_id"] for g in scenario.ground_truth(2)
                     if (g["unit_id"], g["field"], g["category"]) in kept)
    unit_id = counts.most_common(1)[0][0]
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    for n in (1, 2):
        record(store, config, nights[n])
    before = {r["key"] for r in store.list_findings(config.profile.name, unit=unit_id, status="active")}
    changes = record(store, _without(config, unit_id), _night(nights[3], unit_id))
    yield store, unit_id, before, changes
    store.dispose()


def test_findings_of_a_unit_removed_from_the_registry_are_withdrawn_not_resolved(gone, config, nights):
    store, unit_id, before, changes = gone
    assert before, "the unit had open findings"
    assert set(changes.withdrawn) == before and not set(changes.resolved) & before
    rows = store.list_findings(config.profile.name, unit=unit_id, status="all")
    assert {r["status"] for r in rows if r["key"] in before} == {"withdrawn"}
    assert all(r["resolved_at"] == nights[3].date for r in rows if r["key"] in before)
    assert not store.list_findings(config.profile.name, unit=unit_id, status="active")
    _, events = store.finding_history(sorted(before)[0])
    assert events[-1]["event"] == "withdrawn" and events[-1]["night"] == nights[3].date
    # the other units' findings go on as before: withdrawn is about the unit, not the night
    others = store.list_findings(config.profile.name, status="active")
    assert others and all(r["unit_id"] != unit_id for r in others)


def test_a_withdrawn_finding_counts_neither_as_open_nor_as_fixed(gone, config, nights):
    from portalwatch.reports.history import active_on, load_history, month_figures, night_counts, unit_figures

    store, unit_id, before, _ = gone
    history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
    assert not set(active_on(history, nights[3].date)) & before
    assert set(active_on(history, nights[2].date)) >= before
    counts = night_counts(history)[nights[3].date]
    assert counts["withdrawn"] == len(before)
    figures = unit_figures(history, [unit_id], nights[3].date)[unit_id]
    assert figures.fixed == 0 and figures.median_days_to_fix is None
    year = month_figures(history, [unit_id], nights[1].date.year)[unit_id][0]
    assert year["raised"] >= len(before) and year["resolved_in_time"] == 0
    assert year["monitored_days"] == 2, "its nights in the registry count; those after it left do not"


def test_the_workbook_keeps_the_year_of_a_unit_no_longer_in_the_registry(gone, config, nights, tmp_path):
    from openpyxl import load_workbook

    from portalwatch.reports.history import load_history
    from portalwatch.reports.workbook import GONE, write_workbook

    store, unit_id, before, _ = gone
    history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
    registry = _without(config, unit_id).registry
    path = write_workbook(tmp_path / "noi-vu.xlsx", history, registry, nights[1].date.year)
    book = load_workbook(path, read_only=True)
    rows = [list(r) for r in book[f"Năm {nights[1].date.year}"].iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == [u.id for u in registry] + [unit_id], "current units, then the one gone"
    row = dict(zip(header, body[-1]))
    assert row["Đơn vị"] == f"{config.registry.units[unit_id].name} ({GONE})"
    assert row["Số nội dung phát sinh"] >= len(before) and row["Số nội dung khắc phục đúng hạn"] == 0
    assert row["Số ngày được kiểm tra"] == 2
    notes = [list(r) for r in book["Cách tính"].iter_rows(values_only=True)]
    assert any(r[0] == f"Đơn vị {GONE}" and "không tính là đã khắc phục" in r[1] for r in notes)


def test_the_nights_report_tells_what_was_withdrawn(gone, config, nights):
    from portalwatch.reports.history import load_history
    from portalwatch.reports.nightly import render_nightly_report

    from portalwatch import night as stages

    store, unit_id, before, _ = gone
    history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
    smaller, tonight = _without(config, unit_id), _night(nights[3], unit_id)
    score = stages.score_night(tonight.findings, smaller, tonight.date, tonight.ctx, tonight.frames)
    html = render_nightly_report(findings=tonight.findings, registry=smaller.registry, night=tonight.date,
                                 portal_title=config.profile.title, pages=len(tonight.crawl.pages), notices=[],
                                 score=score, history=history)
    assert "Ngừng theo dõi do đơn vị không còn trong danh sách đơn vị" in html
    section = html.split('class="changes-withdrawn"', 1)[1].split("</ul>", 1)[0]
    assert section.count("<li>") == len(before)
    assert config.registry.units[unit_id].name in section


def test_a_unit_put_back_in_the_registry_has_its_findings_raised_afresh(gone, config, nights):
    """Its findings were withdrawn, not fixed: found again they are new to it (first seen that night),
    not "back after a fix", and they are raised on their rows, not on duplicates."""
    from portalwatch.reports.history import as_of, load_history

    store, unit_id, before, _ = gone
    changes = record(store, config, nights[4])
    rows = {r["key"]: r for r in store.list_findings(config.profile.name, unit=unit_id, status="active")}
    still = set(rows) & before
    assert still and set(changes.opened) & before == still and not set(changes.reopened) & before
    assert all((rows[k]["first_seen"], rows[k]["opened_at"], rows[k]["reopened"]) == (nights[4].date,) * 2 + (0,)
               for k in still)
    assert len(store.list_findings(config.profile.name, status="all")) == len(
        {r["key"] for r in store.list_findings(config.profile.name, status="all")}), "the same rows, never duplicates"
    _, events = store.finding_history(sorted(still)[0])
    assert [e["event"] for e in events][-2:] == ["withdrawn", "opened"], "its earlier spell kept in its history"
    history = load_history(store, config.profile.name)
    then = {f["key"]: f for f in as_of(history, nights[4].date).findings}
    assert all(then[k]["first_seen"] == nights[4].date and then[k]["reopened"] == 0 for k in still), \
        "a report written again from the store says the same"


def test_messages_waiting_in_the_outbox_go_where_the_registry_says_now(tmp_path, config, nights):
    """Queued at night, delivered in the morning: a unit that changed its mailbox and channel in
    between is written to at the new ones; a unit dissolved is told nothing; a unit that dropped its
    Slack channel gets its e-mail only; a unit then written as new (``since``: not due yet) is not
    chased. Real slack-sdk and SMTP, on loopback."""
    from portalwatch.alerts.email import EmailSender
    from portalwatch.alerts.outbox import deliver
    from portalwatch.alerts.slack import SlackSender
    from portalwatch.profile.registry import Routes
    from portalwatch.reports.score import score_portal
    from portalwatch.workdays import add_working_days
    from portalwatch import night as stages
    from sample_portal.slack_api import SlackApiServer
    from test_alerts_email import LoopbackController, Mailbox

    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    result = nights[1]
    changes = record(store, config, result)
    score = score_portal(result.findings, config.registry, config.roster, result.date)
    stages.plan_and_queue(store, config, result.date, changes, [], score, None)
    told = sorted({m["recipient"] for m in store.messages()} - {"ops", "vp-office"})
    assert len(told) >= 4
    moved, dissolved, no_slack, new = told[:4]
    units = dict(config.registry.units)
    units[new] = dataclasses.replace(units[new], since=result.date - dt.timedelta(days=1))
    units[moved] = dataclasses.replace(units[moved], routes=Routes("#don-vi-moi", ("hop-thu-moi@example.gov.vn",)))
    units[no_slack] = dataclasses.replace(units[no_slack], routes=Routes(None, units[no_slack].routes.email))
    del units[dissolved]
    registry = Registry(units, vp_office=config.registry.vp_office, ops=config.registry.ops)

    mailbox = Mailbox()
    smtp = LoopbackController(mailbox, hostname="127.0.0.1", port=0, server_hostname="localhost")
    smtp.start()
    try:
        with SlackApiServer(token="xoxb-test") as slack_server:
            report = deliver(store, config.profile.name,
                             slack=SlackSender("xoxb-test", base_url=slack_server.base_url, max_retries=1,
                                               sleep=lambda s: None),
                             email=EmailSender("127.0.0.1", smtp.port, security="none",
                                               sender="giamsat@vungtau.baria-vungtau.gov.vn"),
                             policy=config.profile.policy, now=dt.datetime.combine(
                                 result.date, dt.time(8, 0), tzinfo=stages.PORTAL_TZ), registry=registry)
            channels = [m.channel for m in slack_server.messages]
    finally:
        smtp.stop()
    rows = {(m["recipient"], m["channel"]): m for m in store.messages()}
    store.dispose()
    recipients = [address for envelope in mailbox.envelopes for address in envelope.rcpt_tos]

    assert "hop-thu-moi@example.gov.vn" in recipients and "#don-vi-moi" in channels
    for old in config.registry.units[moved].routes.email:
        assert old not in recipients, "not to the mailbox the unit left"
    assert config.registry.units[moved].routes.slack not in channels
    assert rows[(moved, "email")]["status"] == "sent"
    assert rows[(moved, "email")]["address"] == "hop-thu-moi@example.gov.vn", "the outbox says where it went"

    for old in config.registry.units[dissolved].routes.email:
        assert old not in recipients
    assert config.registry.units[dissolved].routes.slack not in channels
    assert {rows[(dissolved, c)]["status"] for c in ("slack", "email")} == {"dropped"}
    assert "no longer in the registry" in rows[(dissolved, "email")]["last_error"]

    assert {rows[(new, c)]["status"] for c in ("slack", "email")} == {"dropped"}
    for old in config.registry.units[new].routes.email:
        assert old not in recipients
    assert config.registry.units[new].routes.slack not in channels
    last_day = add_working_days(result.date - dt.timedelta(days=1), config.profile.policy.deadline_working_days)
    assert f"a new unit (registry since), not held to the portal until the end of {last_day:%d/%m/%Y}" in rows[
        (new, "email")]["last_error"]

    assert rows[(no_slack, "slack")]["status"] == "dropped" and rows[(no_slack, "email")]["status"] == "sent"
    assert config.registry.units[no_slack].routes.slack not in channels

    assert report.dropped == 5 and report.failed == 0 and not report.problems
    assert any(dissolved in note for note in report.notes) and any(moved in note for note in report.notes)
    assert sum(note.startswith(f"{new}: ") for note in report.notes) == 2
    assert report.sent == len(rows) - 5


def test_a_page_still_under_a_units_former_name_is_pointed_out_to_ops(config, nights):
    """The registry renamed a unit ("Phòng Tư pháp – Hộ tịch") and dropped the name the portal still
    shows: ops are told which unit the page likely is, so they add the old name to its aliases."""
    from portalwatch import night as stages
    from portalwatch.reports.notices import notice_text

    units = dict(config.registry.units)
    units["phong-tu-phap"] = dataclasses.replace(units["phong-tu-phap"], name="Phòng Tư pháp – Hộ tịch",
                                                 aliases=())
    renamed = dataclasses.replace(config, registry=Registry(units, vp_office=config.registry.vp_office,
                                                            ops=config.registry.ops))
    frames = stages.normalise(nights[1].units, nights[1].rows, renamed)
    notices = stages.unmatched_notices(frames, renamed.registry)
    [page] = [n for n in notices if n["source"] == "unit_page"]
    assert page["name"] == "Phòng Tư pháp" and page["renamed"] == "phong-tu-phap"
    assert notice_text(page, {}).startswith(
        "Tên “Phòng Tư pháp” trên trang đơn vị không có trong danh mục đơn vị (có thể là tên cũ của Phòng Tư "
        "pháp – Hộ tịch, mã “phong-tu-phap”: thêm tên này vào aliases của đơn vị trong danh mục): http")
    # a name that only looks alike is not a hint: "Phường 7" is not "Phường 8"
    assert all("renamed" not in n for n in notices if n is not page)
    full = stages.normalise(nights[1].units, nights[1].rows, config)
    assert not stages.unmatched_notices(full, config.registry), "the registry as shipped knows every name"


def test_renamed_from_wants_one_unit_holding_the_name():
    from portalwatch.profile.matching import renamed_from

    units = {"tu-phap": ["Phòng Tư pháp – Hộ tịch"], "p7": ["Phường 7"], "p8": ["Phường 8"],
             "vh": ["Phòng Văn hóa, Khoa học và Thông tin"], "vh2": ["Phòng Văn hóa và Thể thao"]}
    assert renamed_from("Phòng Tư pháp", units) == "tu-phap"
    assert renamed_from("P. Tư pháp", units) is None, "P. is a ward (phường), not an office"
    assert renamed_from("Phường 70", units) is None and renamed_from("Phường 7 cũ", units) == "p7"
    assert renamed_from("Phòng Văn hóa và Thông tin", units) == "vh"
    assert renamed_from("Phòng Văn hóa", units) is None, "two units hold it: no guess"
    assert renamed_from("Phường", units) is None, "one word says nothing"


def test_two_pages_under_one_unit_after_a_merger_are_told_to_ops(config, nights):
    """Phòng Lao động merged into Phòng Nội vụ, its names kept as aliases, its page still up: both
    pages are the unit's, and ops are told the portal shows it twice."""
    from portalwatch import night as stages
    from portalwatch.reports.notices import notice_text

    units = dict(config.registry.units)
    gone = units.pop("phong-lao-dong")
    units["phong-noi-vu"] = dataclasses.replace(units["phong-noi-vu"], aliases=(
        *units["phong-noi-vu"].aliases, gone.name, *gone.aliases))
    merged = dataclasses.replace(config, registry=Registry(units, vp_office=config.registry.vp_office,
                                                           ops=config.registry.ops))
    frames = stages.normalise(nights[1].units, nights[1].rows, merged)
    [shared] = [n for n in stages.unmatched_notices(frames, merged.registry) if n["kind"] == "unit_pages_shared"]
    assert shared["unit_id"] == "phong-noi-vu" and len(shared["urls"]) == 2
    assert any("lao-dong" in url for url in shared["urls"])
    assert notice_text(shared).startswith("Phòng Nội vụ được hiển thị ở 2 trang khác nhau (sau sáp nhập")
    full = stages.normalise(nights[1].units, nights[1].rows, config)
    assert not [n for n in stages.unmatched_notices(full, config.registry) if n["kind"] == "unit_pages_shared"]


def _renamed_id(config, old: str, new: str):
    """The configuration after the unit ``old`` was given the id ``new`` (``formerly: [old]``)."""
    from portalwatch.profile.roster import Roster

    units = {(new if k == old else k): (dataclasses.replace(u, id=new, formerly=(old,)) if k == old else u)
             for k, u in config.registry.units.items()}
    roster = Roster([dataclasses.replace(e, unit_id=new) if e.unit_id == old else e for e in config.roster.entries])
    return dataclasses.replace(config, registry=Registry(units, vp_office=config.registry.vp_office,
                                                         ops=config.registry.ops), roster=roster)


def _checked_with(config, result):
    """A night's pages checked again under ``config`` (its registry): frames, context and findings."""
    from portalwatch import night as stages

    frames = stages.normalise(result.units, result.rows, config)
    ctx = stages.night_context(result.crawl, frames, config, result.date)
    findings = stages.make_findings(stages.validate(frames, config, ctx), config, result.date)
    return dataclasses.replace(result, frames=frames, ctx=ctx, findings=findings)


def test_a_unit_given_a_new_id_keeps_its_findings_deadlines_and_year(store_url, config, nights):
    """A reorganisation gives a ward a new id; the registry says `formerly: [old id]`. Its findings
    go on under the new id as the same findings (first seen, deadline, history), not withdrawn and
    found afresh with new deadlines; its nights and scores follow it into Home Affairs' figures."""
    from portalwatch.reports.history import load_history, month_figures

    old, new = "phuong-thang-nhat", "thang-nhat"
    store = open_store(store_url)
    try:
        for n in (1, 2):
            record(store, config, nights[n])
        before = {(r["subject"], r["field"], r["rule"]): r
                  for r in store.list_findings(config.profile.name, unit=old, status="active")}
        assert before
        moved = _renamed_id(config, old, new)
        changes = record(store, moved, _checked_with(moved, nights[3]))
        after = {(r["subject"], r["field"], r["rule"]): r
                 for r in store.list_findings(config.profile.name, unit=new, status="all")}
        assert len(changes.moved) == len(before) and not changes.withdrawn
        assert not set(changes.opened) & set(changes.moved), "the same findings, not new ones"
        assert set(changes.seen) >= set(changes.moved), "found again tonight under the new id"
        assert not store.list_findings(config.profile.name, unit=old, status="all")
        for what, row in before.items():
            now = after[what]
            assert (now["first_seen"], now["opened_at"], now["status"]) == (
                row["first_seen"], row["opened_at"], row["status"]), "its deadline and status are kept"
            _, events = store.finding_history(now["key"])
            assert events[0]["event"] == "opened" and events[0]["night"] == nights[1].date
        assert record(store, moved, _checked_with(moved, nights[4])).moved == (), "moved once"
        history = load_history(store, config.profile.name, config.profile.policy.deadline_working_days)
        year = month_figures(history, [new, old], nights[1].date.year)
        assert year[new][0]["monitored_days"] == 4 and year[old][0]["monitored_days"] == 0
    finally:
        store.dispose()


def test_former_ids_are_checked_when_the_registry_is_loaded(tmp_path):
    from portalwatch.errors import RegistryError
    from portalwatch.profile.registry import load_registry

    def registry(units: str):
        path = tmp_path / "registry.yaml"
        path.write_text("units:\n" + units, encoding="utf-8")
        return load_registry(path)

    unit = "  - {{id: {id}, name: {name}, kind: ward, formerly: {formerly}}}\n"
    loaded = registry(unit.format(id="thang-nhat", name="Phường Thắng Nhất", formerly="[phuong-thang-nhat]")
                      .replace("}\n", ", alerts: {email: [moi@example.gov.vn]}}\n"))
    assert loaded.former == {"phuong-thang-nhat": "thang-nhat"}
    from portalwatch.alerts.outbox import route_now

    assert route_now("phuong-thang-nhat", "email", loaded) == "moi@example.gov.vn", "queued under the old id"
    assert route_now("phuong-thang-nhat", "slack", loaded) is None
    with pytest.raises(RegistryError, match="'p7' is the id of a unit of the registry"):
        registry(unit.format(id="p8", name="Phường 8", formerly="[p7]") + unit.format(id="p7", name="Phường 7",
                                                                                   formerly="[]"))
    with pytest.raises(RegistryError, match="'cu' is also a former id of unit 'a'"):
        registry(unit.format(id="a", name="A A", formerly="[cu]") + unit.format(id="b", name="B B", formerly="[cu]"))
    with pytest.raises(RegistryError, match="is not a unit id"):
        registry(unit.format(id="a", name="A A", formerly="['có dấu']"))


def test_a_roster_row_under_a_former_id_says_which_id_to_write(tmp_path):
    from portalwatch.errors import RegistryError
    from portalwatch.profile.roster import load_roster

    path = tmp_path / "roster.csv"
    path.write_text("unit_id,person_name,position,effective_from\n"
                    "phuong-thang-nhat,Nguyễn Văn Thử,Chủ tịch UBND phường,2025-07-01\n", encoding="utf-8")
    with pytest.raises(RegistryError) as error:
        load_roster(path, {"thang-nhat"}, {"phuong-thang-nhat": "thang-nhat"})
    assert ("unknown unit 'phuong-thang-nhat' (not in the registry; it is a former id of 'thang-nhat': "
            "write 'thang-nhat')") in str(error.value) and ":2" in str(error.value)


def test_the_vp_office_is_told_why_the_open_total_fell_without_a_fix(gone, config, nights):
    """The night a unit's findings are withdrawn, the VP office's digest says how many and whose, in
    text, HTML and Slack: its open total falls, and nothing was fixed."""
    import json

    from portalwatch.alerts.policy import plan_alerts
    from portalwatch.alerts.render import render_vp_html, render_vp_slack, render_vp_text

    store, unit_id, before, _ = gone
    rows = store.list_findings(config.profile.name, status="all")
    name = config.registry.units[unit_id].name
    plan = plan_alerts(rows, nights[3].date, config.profile.policy, _without(config, unit_id).registry,
                       config.profile.title)
    assert plan.vp.withdrawn == ((name, len(before)),)
    line = (f"Ngừng theo dõi do đơn vị không còn trong danh sách đơn vị (không tính là đã khắc phục): "
            f"{len(before)} ({name}: {len(before)})")
    _, text = render_vp_text(plan.vp)
    assert f"\n- {line}\n" in text and "Nội dung đã khắc phục: 0" in text
    assert line in render_vp_html(plan.vp)
    assert line in json.dumps(render_vp_slack(plan.vp)[1], ensure_ascii=False)
    later = plan_alerts(rows, nights[4].date, config.profile.policy, _without(config, unit_id).registry,
                        config.profile.title)
    assert later.vp.withdrawn == () and "Ngừng theo dõi" not in render_vp_text(later.vp)[1], "told once"


class _Ward11:
    """vungtau-2022's profile copied, so its registry can give Phường 11 a ``since``, and its sample
    portal: ``night(n)`` runs night n as ``portalwatch run`` does and returns its summary, its folder
    and Phường 11's findings in it."""

    ENTRY = '    alerts: {slack: "#pw-phuong-11"'

    def __init__(self, tmp_path, portal) -> None:
        import shutil

        from conftest import LAYOUTS

        self.profile = tmp_path / "profile"
        shutil.copytree(LAYOUTS["vungtau-2022"].parent, self.profile)
        self.registry = self.profile / "registry.yaml"
        self.text = self.registry.read_text(encoding="utf-8")
        assert self.text.count(self.ENTRY) == 1
        self.out, self.portal = tmp_path / "out", portal

    def since(self, day: str) -> None:
        self.registry.write_text(self.text.replace(self.ENTRY, f"    since: {day}\n" + self.ENTRY), encoding="utf-8")

    def night(self, n: int):
        import json

        from portalwatch import night as stages

        self.portal.set_night(n)
        summary = stages.run_night(self.profile / "profile.yaml", self.out,
                                   now=self.portal.scenario.night_date(n).isoformat(),
                                   base_url=self.portal.base_url).summary
        folder = self.out / summary["portal"] / summary["night"]
        findings = [json.loads(line) for line in (folder / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
        return summary, folder, [f for f in findings if f["unit_id"] == "phuong-11"]

    def finding(self) -> dict:
        from portalwatch import night as stages

        store = open_store(stages.store_url(self.out))
        try:
            [row] = store.list_findings("vungtau-2022", unit="phuong-11", status="all")
            return row
        finally:
            store.dispose()


@pytest.fixture
def ward_11(tmp_path):
    from sample_portal import SamplePortal

    with SamplePortal("vungtau-2022") as portal:
        yield _Ward11(tmp_path, portal)


def test_a_new_unit_is_given_its_time_to_publish_before_it_is_told_or_scored(ward_11):
    """Phường 11 is written in the registry as established on Friday 10 June 2022: with 5 working days
    to publish (Law on Access to Information 2016, Art. 18(4)) it has until Friday 17 June. Its link
    is off the portal's list of units from 15 June: through the 17th it is told nothing and not
    scored, and the report and the VP office say why and until when; on the 18th it is a finding
    like any other, first seen that night, and scores 0."""
    ward_11.since("2022-06-10")
    assert any(g["unit_id"] == "phuong-11" for g in ward_11.portal.scenario.ground_truth(3)), "off the list on night 3"
    summary, folder, mine = ward_11.night(3)
    assert mine == [], "not told on 15 June: it has until the 17th"
    assert summary["score"]["not_scored"] == {"phuong-11": "new"}
    assert summary["score"]["not_due"] == {"phuong-11": "2022-06-17"}
    assert summary["score"]["units"]["phuong-11"] is None
    assert not list((folder / "alerts").glob("phuong-11.*")), "no message to the unit"
    report = (folder / "report.html").read_text(encoding="utf-8")
    row = report.split('<tr data-unit="phuong-11">', 1)[1].split("</tr>", 1)[0]
    assert "Chưa chấm: đơn vị mới, chưa đến hạn công bố thông tin (đến hết ngày 17/06/2022)" in row
    assert ('id="new-units">Đơn vị mới có 5 ngày làm việc kể từ ngày thành lập ghi trong danh sách đơn vị để công bố '
            'thông tin trên Trang:') in report
    vp = (folder / "alerts" / "vp-office.txt").read_text(encoding="utf-8")
    assert "Ủy ban nhân dân Phường 11 (hạn đến hết 17/06/2022)" in vp

    summary, folder, mine = ward_11.night(6)
    assert [(f["category"], f["field"]) for f in mine] == [("unit_missing", "page")], "held to the portal from the 18th"
    assert summary["score"]["units"]["phuong-11"] == 0 and "phuong-11" not in summary["score"]["not_scored"]
    row = ward_11.finding()
    assert row["first_seen"] == dt.date(2022, 6, 18) and row["category"] == "unit_missing"


def test_findings_a_unit_had_before_it_was_written_as_new_are_withdrawn_not_chased(ward_11):
    """The registry gained Phường 11 without ``since``: on 15 June it was told its page is missing.
    Ops then write ``since: 2022-06-14``, so it has until 21 June: the next night its finding is
    withdrawn (not fixed), it gets no reminder, and the VP office is told why its open total fell."""
    summary, folder, mine = ward_11.night(3)
    assert mine and list((folder / "alerts").glob("phuong-11.*")), "told on the 15th: the registry said nothing of its age"
    ward_11.since("2022-06-14")
    summary, folder, mine = ward_11.night(4)
    assert summary["store"]["withdrawn"] == 1 and mine == []
    assert not list((folder / "alerts").glob("phuong-11.*")), "no reminder while it is not due"
    vp = (folder / "alerts" / "vp-office.txt").read_text(encoding="utf-8")
    assert ("\n- Ngừng theo dõi do đơn vị mới, chưa đến hạn công bố thông tin (không tính là đã khắc phục): 1 "
            "(Ủy ban nhân dân Phường 11: 1)\n") in vp
    row = ward_11.finding()
    assert row["status"] == "withdrawn" and row["resolved_at"] == dt.date(2022, 6, 16)


def test_a_finding_withdrawn_while_its_unit_was_new_is_new_to_it_once_due(ward_11):
    """Told on 15 June, then written as established on 10 June (so due through the 17th): withdrawn on
    the 16th, and on the 18th, still off the list, it is raised again. Phường 11 was never chased for
    it meanwhile: its message and the VP office's call it new, not "back after a fix", and its
    deadline runs from the 18th."""
    from portalwatch import night as stages

    ward_11.night(3)
    ward_11.since("2022-06-10")
    summary, _, _ = ward_11.night(4)
    assert summary["store"]["withdrawn"] == 1
    summary, folder, mine = ward_11.night(6)
    assert [(f["category"], f["field"]) for f in mine] == [("unit_missing", "page")]
    row = ward_11.finding()
    assert (row["status"], row["first_seen"], row["opened_at"], row["reopened"]) == (
        "notified", dt.date(2022, 6, 18), dt.date(2022, 6, 18), 0)
    store = open_store(stages.store_url(ward_11.out))
    try:
        _, events = store.finding_history(row["key"])
    finally:
        store.dispose()
    assert [(e["night"].day, e["event"]) for e in events if e["event"] != "notified"] == [
        (15, "opened"), (16, "withdrawn"), (18, "opened")]
    unit = (folder / "alerts" / "phuong-11.txt").read_text(encoding="utf-8")
    assert "NỘI DUNG MỚI CẦN CẬP NHẬT (1):" in unit and "phát sinh lại" not in unit.lower()
    assert "Hạn khắc phục: 24/06/2022" in unit, "5 working days from Saturday the 18th: Friday the 24th"
    vp = (folder / "alerts" / "vp-office.txt").read_text(encoding="utf-8")
    assert "phát sinh lại" not in vp.lower()
    report = (folder / "report.html").read_text(encoding="utf-8")
    changes = report.split('class="changes-opened"', 1)[1].split("</ul>", 1)[0]
    assert "Ủy ban nhân dân Phường 11" in changes
