"""The nightly report and the index read from the store's history: what was open each night, what was
new, how old, in which order, in the words and numbers a Vietnamese reader expects.

The history is built by hand (runs, findings, events as the store returns them), so each case states
exactly the nights it needs; no portal is crawled."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from portalwatch.findings.model import Finding, finding_key
from portalwatch.profile.loader import load_profile
from portalwatch.profile.registry import load_registry
from portalwatch.reports.history import History
from portalwatch.reports.index import write_index
from portalwatch.reports.nightly import render_nightly_report
from portalwatch.reports.score import score_portal
from portalwatch.store.lifecycle import Coverage

from conftest import PROFILE_PATH

#: The sample city's portal: a "Trang thông tin điện tử", which its report calls "Trang".
TITLE = "Trang thông tin điện tử thành phố Vũng Tàu"
#: Monday 20 to Wednesday 22 June 2022, then Tuesday 28 June.
D = [dt.date(2022, 6, 20), dt.date(2022, 6, 21), dt.date(2022, 6, 22), dt.date(2022, 6, 28)]


@pytest.fixture(scope="module")
def registry():
    return load_registry(load_profile(PROFILE_PATH).registry_path)


def _finding(unit_id: str, name: str, n: int, severity: str = "high") -> Finding:
    return Finding(key=finding_key("vungtau-2022", unit_id, "unit", f"fax{n}", "unit_field_not_placeholder"),
                   portal="vungtau-2022", unit_id=unit_id, unit_name=name, subject="unit", field="fax",
                   rule="unit_field_not_placeholder", category="placeholder", severity=severity,
                   value=f"Đang cập nhật {n}", expected="số fax", suggestion="Gửi số fax của đơn vị.",
                   url=f"http://127.0.0.1:8765/he-thong-chinh-tri/{unit_id}",
                   legal_basis="khoản 1 Điều 10 Nghị định số 43/2011/NĐ-CP",
                   message_vi=f"Trang của {name} ghi số fax là nội dung tạm (mục {n}).",
                   message_en=f"The page of {name} shows a placeholder fax (item {n}).")


def _row(f: Finding, first_seen: dt.date, opened_at: dt.date | None = None, status: str = "open") -> dict:
    return {**f.to_dict(), "status": status, "first_seen": first_seen, "opened_at": opened_at or first_seen}


def _history(nights, rows, events) -> History:
    return History(portal="vungtau-2022", runs=[{"night": n, "status": "completed", "score": 10.0} for n in nights],
                   findings=rows, events=[{"key": k, "night": n, "event": e} for k, n, e in events])


THANG_NHAT = ("phuong-thang-nhat", "Ủy ban nhân dân Phường Thắng Nhất")
PHUONG_1 = ("phuong-1", "Ủy ban nhân dân Phường 1")


def _rows(report: str) -> dict[str, str]:
    """The findings table's rows by key: the row's opening tag and cells."""
    table = report.split('<table id="findings">', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<tr [^>]*data-key="(\w+)"(.*?)</tr>', table, flags=re.S))


def test_findings_of_a_page_not_read_tonight_stay_in_the_report_count_and_table(registry, tmp_path):
    """Thắng Nhất's page answers 500 tonight: its three findings are open in the store, unknown, not
    fixed. The report counts and lists them, with their deadline, marked as not checked again."""
    mine = [_finding(*THANG_NHAT, n) for n in (1, 2, 3)]
    other = _finding(*PHUONG_1, 4)
    history = _history(D[:3], [_row(f, D[0]) for f in [*mine, other]],
                       [(f.key, D[0], "opened") for f in [*mine, other]])
    seen = Coverage(units_read=frozenset(set(registry.units) - {THANG_NHAT[0]}), index_ok=True, directory_ok=True)
    score = score_portal([other], registry, None, D[2], seen=seen)

    report = render_nightly_report([other], registry, D[2], TITLE, pages=31, notices=[], score=score,
                                   history=history)

    assert 'id="finding-count">4</strong>' in report
    assert "Đơn vị có nội dung cần cập nhật: 2/" in report
    rows = _rows(report)
    assert set(rows) == {f.key for f in [*mine, other]}
    for f in mine:
        assert 'data-unchecked="page"' in rows[f.key], "marked as not checked again tonight"
        assert "Chưa kiểm tra lại đêm nay: trang của đơn vị không tải được" in rows[f.key]
        assert html.escape(f.message_vi) in rows[f.key] and f.legal_basis in rows[f.key]
        assert "27/06/2022" in rows[f.key], "the deadline: 5 working days from 20/06"
    assert "data-unchecked" not in rows[other.key] and "Chưa kiểm tra lại" not in rows[other.key]
    assert "(3 chưa kiểm tra lại đêm nay)" in report


def test_a_unit_whose_update_date_was_not_read_is_not_scored_and_its_stale_finding_not_rechecked(registry):
    """Thắng Nhất's page answers, but shows its update date in a format the profile does not read: its
    stale finding stays open, marked as not checked again for that reason, and the unit is not scored
    (full points for timeliness would be a guess)."""
    from dataclasses import replace

    stale = replace(_finding(*THANG_NHAT, 1), key="stale1", field="updated_at", rule="unit_page_fresh",
                    category="stale", value="13-06-2022")
    history = _history(D[:3], [_row(stale, D[0])], [(stale.key, D[0], "opened")])
    seen = Coverage(units_read=frozenset(registry.units), index_ok=True, directory_ok=True,
                    unknown=frozenset({(THANG_NHAT[0], "updated_at")}))
    score = score_portal([], registry, None, D[2], seen=seen)
    assert [(u.unit_id, u.not_read) for u in score.not_scored] == [(THANG_NHAT[0], "date")]

    report = render_nightly_report([], registry, D[2], TITLE, pages=31, notices=[], score=score, history=history)

    row = _rows(report)[stale.key]
    assert 'data-unchecked="date"' in row
    assert "Chưa kiểm tra lại đêm nay: không đọc được ngày cập nhật trên trang" in row
    assert "Chưa chấm: không đọc được ngày cập nhật trên trang của đơn vị" in report
    english = render_nightly_report([], registry, D[2], "Portal", pages=31, notices=[], score=score,
                                    history=history, lang="en")
    assert "Not scored: the update date on the unit&#39;s page could not be read" in english


def test_the_portal_down_night_lists_every_finding_still_open(registry, tmp_path):
    found = [_finding(*THANG_NHAT, 1), _finding(*PHUONG_1, 2)]
    history = _history(D[:4], [_row(f, D[0]) for f in found], [(f.key, D[0], "opened") for f in found])
    seen = Coverage()                                                # nothing read
    score = score_portal([], registry, None, D[3], seen=seen)
    notices = [{"kind": "portal_unreachable", "url": "http://127.0.0.1:8765/", "error": "connection refused"}]

    report = render_nightly_report([], registry, D[3], TITLE, pages=4, notices=notices, score=score,
                                   history=history)

    assert "Không có nội dung cần cập nhật" not in report
    assert 'id="finding-count">2</strong>' in report
    rows = _rows(report)
    assert set(rows) == {f.key for f in found}
    assert all('data-unchecked="portal"' in row and "Trang không trả lời" in row for row in rows.values())
    assert all('class="overdue">27/06/2022 (quá hạn)' in row for row in rows.values()), "opened 20/06, due 27/06"


def test_the_index_counts_what_was_open_each_night_not_only_what_the_night_found(registry, tmp_path):
    found = [_finding(*THANG_NHAT, 1), _finding(*PHUONG_1, 2)]
    history = _history(D[:3], [_row(f, D[0]) for f in found], [(f.key, D[0], "opened") for f in found])
    # The night of 22/06 found only Phường 1's (Thắng Nhất's page failed): the run kept 1.
    history.runs[2]["findings"] = 1
    for run in history.runs:
        run.update({"findings": run.get("findings", 2), "opened": 0, "resolved": 0, "pages_failed": 0})
    index = write_index(tmp_path, history, "Cổng", "noi-vu-2022.xlsx").read_text(encoding="utf-8")
    row = re.search(r"<tr><td>22/06/2022</td>(.*?)</tr>", index, flags=re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[1] == "2"


# -- "mới" means found for the first time, everywhere ------------------------------------------------

def _reopened_history() -> tuple[History, Finding, Finding]:
    """Thắng Tam's finding, first seen 20/06, fixed 21/06, back 22/06; Phường 1's, new on 22/06."""
    back, new = _finding("phuong-thang-tam", "Ủy ban nhân dân Phường Thắng Tam", 1), _finding(*PHUONG_1, 2)
    history = _history(D[:3], [_row(back, D[0], D[2]), _row(new, D[2])],
                       [(back.key, D[0], "opened"), (back.key, D[1], "resolved"), (back.key, D[2], "reopened"),
                        (new.key, D[2], "opened")])
    for run in history.runs:        # the runs table adds the reopened finding into "opened": not read from there
        run.update({"findings": 2, "opened": 2, "resolved": 0, "pages_failed": 0})
    return history, back, new


def test_the_index_shows_new_and_reopened_apart(tmp_path):
    history, _, _ = _reopened_history()
    index = write_index(tmp_path, history, "Cổng", "noi-vu-2022.xlsx").read_text(encoding="utf-8")
    head = re.findall(r"<th>([^<]*)</th>", index)
    row = re.search(r"<tr><td>22/06/2022</td>(.*?)</tr>", index, flags=re.S).group(1)
    cells = dict(zip(head[1:], re.findall(r'<td class="num">([^<]*)</td>', row)))
    assert cells["Mới phát hiện"] == "1" and cells["Phát sinh lại"] == "1" and cells["Đã khắc phục"] == "0"
    row = re.search(r"<tr><td>21/06/2022</td>(.*?)</tr>", index, flags=re.S).group(1)
    cells = dict(zip(head[1:], re.findall(r'<td class="num">([^<]*)</td>', row)))
    assert cells["Mới phát hiện"] == "0" and cells["Đã khắc phục"] == "1"


def test_the_vp_digest_counts_a_finding_back_after_a_fix_as_open_not_new(registry):
    from portalwatch.alerts.policy import plan_alerts

    history, back, new = _reopened_history()
    profile = load_profile(PROFILE_PATH)
    rows = [{**row, "notified_at": None, "escalated_at": None, "resolved_at": None, "last_seen": D[2]}
            for row in history.findings]
    plan = plan_alerts(rows, D[2], profile.policy, registry, profile.title)
    by_unit = {row.unit_name: row for row in plan.vp.rows}
    thang_tam = by_unit["Ủy ban nhân dân Phường Thắng Tam"]
    assert thang_tam.new == 0 and thang_tam.open == 1
    assert by_unit["Ủy ban nhân dân Phường 1"].new == 1


def test_the_run_summary_prints_new_and_reopened_on_their_own_lines(tmp_path, capsys, monkeypatch):
    from portalwatch.cli import _print_summary

    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "findings.jsonl").write_text("", encoding="utf-8")
    _print_summary({"portal": "vungtau-2022", "night": "2022-06-22", "pages": 31, "pages_failed": 0, "units_seen": 30,
                    "directory_rows": 120, "findings": 2, "by_category": {}, "notices": [],
                    "store": {"already_recorded": False, "opened": 1, "reopened": 1, "resolved": 0, "take": 1},
                    "score": {"points": 11.5, "percent": 95.8, "units_scored": 30, "not_scored": {}},
                    "findings_file": str(tmp_path / "findings.jsonl"), "report": "report.html",
                    "alerts_dir": "alerts", "data_docs": "gx"})
    lines = capsys.readouterr().out.splitlines()
    opened = next(line for line in lines if "Mới phát hiện / opened" in line)
    reopened = next(line for line in lines if "Phát sinh lại / reopened" in line)
    assert opened.rstrip(" │|").endswith(" 1") and reopened.rstrip(" │|").endswith(" 1")


def test_the_oldest_open_finding_is_as_old_as_its_current_opening(registry):
    """Thắng Tam's finding, first seen 20/06, fixed 21/06 and back 22/06, is 0 days old on 22/06 (its
    deadline runs from 22/06 too), not 2; Phường 1's, found 20/06 and open since, is 2 days old."""
    history, back, _ = _reopened_history()
    old = _finding(*PHUONG_1, 3)
    history.findings.append(_row(old, D[0]))
    history.events.append({"key": old.key, "night": D[0], "event": "opened"})
    score = score_portal([back], registry, None, D[2])
    report = render_nightly_report([back], registry, D[2], TITLE, pages=31, notices=[], score=score,
                                   history=history)
    head = re.findall(r"<th>([^<]*)</th>", report.split('<table class="scorecard">', 1)[1].split("</thead>")[0])
    assert "Tồn lâu nhất (ngày, kể từ khi phát hiện hoặc phát sinh lại)" in head

    def oldest(unit_id: str) -> str:
        row = re.search(rf'<tr data-unit="{unit_id}">(.*?)</tr>', report, flags=re.S).group(1)
        return re.findall(r'<td class="num">([^<]*)</td>', row)[-2]      # before the median days to fix

    assert oldest("phuong-thang-tam") == "0" and oldest("phuong-1") == "2"


def test_units_with_the_same_score_keep_the_registrys_order(registry):
    """Phường 2 before Phường 10, the city People's Committee first: the registry's order, not the ids'.
    The worst scores still come first."""
    worst = _finding("phuong-10", "Ủy ban nhân dân Phường 10", 1)
    score = score_portal([worst], registry, None, D[0])
    report = render_nightly_report([worst], registry, D[0], TITLE, pages=31, notices=[], score=score)
    shown = re.findall(r'<tr data-unit="([\w-]+)">', report.split('<table class="scorecard">', 1)[1])
    others = [unit.id for unit in registry if unit.id != "phuong-10"]
    assert shown == ["phuong-10", *others]
    assert shown.index("phuong-2") < shown.index("phuong-11") and shown[1] == "ubnd-thanh-pho"


def test_chart_tooltips_write_numbers_as_the_tables_beside_them(registry, tmp_path):
    found = [_finding(*PHUONG_1, 1)]
    history = _history(D[:3], [_row(f, D[0]) for f in found], [(f.key, D[0], "opened") for f in found])
    for run, points in zip(history.runs, (11.81, None, 11.5)):
        run.update({"score": points, "findings": 1, "opened": 0, "resolved": 0, "pages_failed": 0})
    score = score_portal(found, registry, None, D[2])
    vi = render_nightly_report(found, registry, D[2], TITLE, pages=31, notices=[], score=score, history=history)
    en = render_nightly_report(found, registry, D[2], TITLE, pages=31, notices=[], score=score, history=history,
                               lang="en")
    index = write_index(tmp_path, history, "Cổng", "noi-vu-2022.xlsx").read_text(encoding="utf-8")
    for page in (vi, index):
        assert "<title>20/06/2022: 11,81</title>" in page and "<title>22/06/2022: 11,50</title>" in page
        assert "11.81" not in page
    assert "<title>20/06/2022: 1</title>" in vi, "the open findings' chart: a count"
    assert "<title>20/06/2022: 11.81</title>" in en, "ops read the English report with a decimal point"
    assert re.search(r"<td>20/06/2022</td><td class=\"num\">11,81</td>", index)


# -- run notices read in Vietnamese ---------------------------------------------------------------

def test_a_failed_page_is_told_in_vietnamese_naming_its_unit(registry):
    url = "http://127.0.0.1:8765/he-thong-chinh-tri/phuong-thang-nhat"
    notices = [{"kind": "page_failed", "url": url, "status": 500, "error": "HTTP 500", "attempts": 3}]
    score = score_portal([], registry, None, D[0])
    vi = render_nightly_report([], registry, D[0], TITLE, pages=31, pages_failed=1, notices=notices, score=score,
                               page_units={url: "phuong-thang-nhat"})
    table = vi.split('<table id="notices">', 1)[1]
    assert (f"Trang của Ủy ban nhân dân Phường Thắng Nhất không tải được (HTTP 500, đã thử 3 lần): {url}"
            in html.unescape(table))
    shown = re.sub(r'title="[^"]*"', "", table)                     # the raw fields stay, for ops, as a title
    assert "status=500" not in shown and "attempts=3" not in shown and "status=500" in table
    assert "Số trang đã kiểm tra: 31 <span id=\"pages-failed\">(đọc được 30, không tải được 1)</span>" in vi
    en = render_nightly_report([], registry, D[0], TITLE, pages=31, pages_failed=1, notices=notices, score=score,
                               page_units={url: "phuong-thang-nhat"}, lang="en")
    assert "status=500" in en and "(30 read, 1 failed)" in en


def test_the_night_every_page_failed_says_none_was_read(registry):
    notices = [{"kind": "portal_unreachable", "pages": 4, "error": "net::ERR_CONNECTION_REFUSED"}]
    score = score_portal([], registry, None, D[0], seen=Coverage())
    vi = render_nightly_report([], registry, D[0], TITLE, pages=4, pages_failed=4, notices=notices, score=score)
    assert "(đọc được 0, không tải được 4)" in vi
    assert "Trang không trả lời: không tải được trang nào trong 4 trang (máy chủ không nhận kết nối)" in vi
    assert 'title="pages=4, error=net::ERR_CONNECTION_REFUSED"' in vi, "the raw error stays for ops"


@pytest.mark.parametrize(("error", "words"), [
    ("RemoteProtocolError: Server disconnected", "máy chủ ngắt kết nối hoặc trả lời sai giao thức"),
    ("ConnectError: Cannot connect to host 127.0.0.1:9 ssl:default [Connect call failed]", "máy chủ không nhận kết nối"),
    ("ConnectError: Cannot connect to host cong.example:80 ssl:default [Name or service not known]",
     "không tìm thấy tên miền"),
    ("net::ERR_NAME_NOT_RESOLVED at http://cong.example/", "không tìm thấy tên miền"),
    ("timed out after 20 s", "quá thời gian chờ"),
    ("net::ERR_CONNECTION_RESET at http://p/x", "máy chủ ngắt kết nối hoặc trả lời sai giao thức"),
    ("ConnectError: Cannot connect to host p:443 ssl:True [SSLCertVerificationError: certificate verify failed]",
     "lỗi chứng chỉ bảo mật (SSL/TLS)"),
    ("redirect loop: more than 10 redirects", "chuyển hướng lặp vòng"),
    ("SomethingNew: odd", "lỗi kết nối"),
    ("", "không rõ lỗi"),
])
def test_a_fetch_error_is_told_in_vietnamese_words_not_as_an_exception(error, words):
    """The VP office reads the report: "RemoteProtocolError: Server disconnected" says nothing to a
    clerk. The sentence gives the cause in words; the raw text stays in its tooltip for ops."""
    from portalwatch.reports.notices import notice_text

    unreachable = notice_text({"kind": "portal_unreachable", "pages": 4, "error": error})
    assert unreachable == f"Trang không trả lời: không tải được trang nào trong 4 trang ({words})"
    failed = notice_text({"kind": "page_failed", "url": "http://p/x", "status": 0, "error": error, "attempts": 3})
    assert failed == f"Một trang không tải được (không trả lời: {words}, đã thử 3 lần): http://p/x"


def test_every_kind_of_notice_reads_as_a_vietnamese_sentence():
    from portalwatch.reports.notices import NOTICE_LABELS, notice_text

    samples = {
        "portal_unreachable": {"pages": 4, "error": "timeout"},
        "layout_drift": {"selectors": ["unit_page.intro: div.gt"]},
        "rows_dropped": {"page_type": "directory", "previous": 120, "tonight": 12, "selectors": ["tr"], "note": "x"},
        "page_failed": {"url": "http://p/x", "status": 0, "error": "timed out", "attempts": 3},
        "selector_timeout": {"url": "http://p/x", "selector": "div.main"},
        "unmatched_name": {"source": "directory", "name": "Phường Mười Ba", "url": "http://p/danh-ba"},
        "unit_pages_shared": {"unit_id": "phong-noi-vu", "unit_name": "Phòng Nội vụ",
                              "urls": ["http://p/phong-noi-vu", "http://p/phong-lao-dong"]},
        "link_outside_allowed_hosts": {"url": "http://other/x"},
        "pagination_capped": {"page_type": "directory", "max_pages": 50, "next_url": "http://p/?page=51", "note": "x"},
        "crawl_truncated": {"pages": 500, "note": "x"},
        "date_unreadable": {"page_type": "unit_page", "field": "updated", "unreadable": 5, "shown": 5,
                            "values": ["2022-06-08", "2021-01-15"], "formats": ["%Y-%m-%d"], "note": "x"},
        "alert_route_missing": {"recipient": "phuong-7", "unit": "Ủy ban nhân dân Phường 7"},
    }
    assert set(samples) == set(NOTICE_LABELS)
    for kind, fields in samples.items():
        text = notice_text({"kind": kind, **fields})
        assert "=" not in text.split("http")[0] and kind not in text, text
    assert notice_text({"kind": "page_failed", **samples["page_failed"]}) == (
        "Một trang không tải được (không trả lời: quá thời gian chờ, đã thử 3 lần): http://p/x")
    assert "danh bạ điện thoại" in notice_text({"kind": "unmatched_name", **samples["unmatched_name"]})
    assert notice_text({"kind": "unit_pages_shared", **samples["unit_pages_shared"]}) == (
        "Phòng Nội vụ được hiển thị ở 2 trang khác nhau (sau sáp nhập, trang của đơn vị cũ vẫn còn?): "
        "http://p/phong-noi-vu; http://p/phong-lao-dong")
    assert notice_text({"kind": "date_unreadable", **samples["date_unreadable"]}) == (
        "5/5 giá trị ngày cập nhật trên trang đơn vị không đọc được theo định dạng của hồ sơ (%Y-%m-%d), "
        "ví dụ “2022-06-08”, “2021-01-15”: chưa kiểm tra được các mục này có được cập nhật kịp thời hay không")


# -- the score line and the export ----------------------------------------------------------------

def test_the_portal_score_says_how_many_units_were_scored_every_night(registry):
    score = score_portal([], registry, None, D[0])
    vi = render_nightly_report([], registry, D[0], TITLE, pages=31, notices=[], score=score)
    en = render_nightly_report([], registry, D[0], TITLE, pages=31, notices=[], score=score, lang="en")
    assert f"(100,0%), chấm trên {len(registry)} / {len(registry)} đơn vị." in vi
    assert f"(100.0%), on {len(registry)} of {len(registry)} units." in en


def test_the_export_gives_each_finding_its_deadline_from_its_current_opening(tmp_path):
    """Phường 1's finding, found Monday 20/06, is due 27/06; Thắng Tam's, found 20/06, fixed 21/06 and
    back 22/06, is due 29/06, as the report and its unit's message say."""
    import csv

    from typer.testing import CliRunner

    from portalwatch.cli import app
    from portalwatch.store import open_store

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    first, back = _finding(*PHUONG_1, 1), _finding("phuong-thang-tam", "Ủy ban nhân dân Phường Thắng Tam", 2)
    read = Coverage(units_read=frozenset({"phuong-1", "phuong-thang-tam"}), index_ok=True, directory_ok=True)
    store = open_store(url)
    try:
        for night, tonight in ((D[0], [first, back]), (D[1], [first]), (D[2], [first, back])):
            run_id = store.begin_run("vungtau-2022", night)
            store.commit_night(run_id, "vungtau-2022", night, pages=[], unit_records=[], directory_records=[],
                               findings_tonight=tonight, coverage=read, notices=[])
    finally:
        store.dispose()
    target = tmp_path / "findings.csv"
    result = CliRunner().invoke(app, ["findings", "export", str(target), "--db", url])
    assert result.exit_code == 0, result.output
    rows = {r["key"]: r for r in csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines())}
    assert rows[first.key]["deadline"] == "2022-06-27"
    assert rows[back.key]["deadline"] == "2022-06-29" and rows[back.key]["first_seen"] == "2022-06-20"


@pytest.mark.parametrize(("night", "cited", "not_cited"), [
    (dt.date(2022, 6, 13), ["Điều 17 Nghị định số 43/2011/NĐ-CP", "Luật Tiếp cận thông tin năm 2016"],
     ["42/2022", "224/2026"]),
    (dt.date(2022, 9, 1), ["điểm e khoản 1 Điều 4, khoản 2 Điều 7 Nghị định số 42/2022/NĐ-CP"], ["43/2011", "224/2026"]),
    (dt.date(2026, 12, 7), ["khoản 3 Điều 9 Nghị định số 224/2026/NĐ-CP", "Luật Tiếp cận thông tin năm 2016"],
     ["43/2011", "42/2022"]),
])
def test_the_score_cites_the_law_in_force_on_its_night(registry, night, cited, not_cited):
    """A report of June 2022 cannot rest its score on a decree issued that August, nor one of
    December 2026 on decrees repealed by then: the articles come from the suites' legal bases."""
    from portalwatch.reports.score import score_basis
    from portalwatch.validate.suites import suite_bases

    score = score_portal([], registry, None, night)
    basis = score_basis(suite_bases(), night)
    for lang in ("vi", "en"):
        report = render_nightly_report([], registry, night, TITLE, pages=31, notices=[], score=score, lang=lang,
                                       score_basis=basis)
        help_text = re.search(r'<p class="meta" id="score-help">(.*?)</p>', report, re.S).group(1)
        assert all(c in help_text for c in cited), (lang, help_text)
        assert not any(c in help_text for c in not_cited), (lang, help_text)
    assert score_basis(None, night) is None
    report = render_nightly_report([], registry, night, TITLE, pages=31, notices=[], score=score)
    assert "căn cứ" not in re.search(r'id="score-help">(.*?)</p>', report, re.S).group(1), "no bases, no citation"


def test_a_portal_titled_cong_is_called_cong_not_trang():
    """A ward's or a province's portal is a "Cổng thông tin điện tử": its report, the VP office's digest
    and Home Affairs' workbook call it "Cổng", as a city's "Trang thông tin điện tử" is "Trang"."""
    from portalwatch.alerts.digest import VpDigest
    from portalwatch.alerts.render import render_vp_text
    from portalwatch.reports.labels import portal_noun
    from portalwatch.reports.notices import notice_label

    assert portal_noun("Cổng thông tin điện tử Phường Vũng Tàu") == "Cổng"
    assert portal_noun("C\u00f4\u0309ng thông tin điện tử tỉnh") == "Cổng", "whatever its Unicode form"
    assert portal_noun(TITLE) == "Trang" and portal_noun("Cổng", "en") == "portal"
    registry = load_registry(PROFILE_PATH.parent.parent / "phuong-vung-tau-2025" / "registry.yaml")
    cong = load_profile(PROFILE_PATH.parent.parent / "phuong-vung-tau-2025" / "profile.yaml").title
    notices = [{"kind": "portal_unreachable", "pages": 4, "error": "timed out"}]
    score = score_portal([], registry, None, D[0], seen=Coverage())
    for title, noun, other in ((cong, "Cổng", "Trang"), (TITLE, "Trang", "Cổng")):
        vi = html.unescape(render_nightly_report([], registry, D[0], title, pages=4, pages_failed=4, notices=notices,
                                                 score=score))
        assert f"{noun} không trả lời: không tải được trang nào" in vi
        assert f"Không truy cập được {noun}" in vi and f"Điểm của {noun} là điểm trung bình" in vi
        assert f"Điểm ước tính của {noun}" in vi and f"Điểm ước tính của {other}" not in vi
        assert f"{other} không trả lời" not in vi and f"Không truy cập được {other}" not in vi
        _, digest = render_vp_text(VpDigest(night=D[0], portal_title=title, score_points=9.5, score_percent=79.2))
        assert f"Điểm nội dung ước tính của {noun}: 9,50/12" in digest
    assert notice_label("portal_unreachable") == "Không truy cập được Trang"


def test_a_message_with_nowhere_to_go_is_told_to_ops_every_night(tmp_path):
    """A unit with neither a Slack channel nor an e-mail, or a registry naming no VP office: their
    messages are written to the night's folder and never sent. Ops are told, in words in the report."""
    import yaml

    from portalwatch.night import route_notices
    from portalwatch.reports.notices import notice_text

    source = yaml.safe_load((PROFILE_PATH.parent / "registry.yaml").read_text(encoding="utf-8"))
    assert route_notices(load_registry(PROFILE_PATH.parent / "registry.yaml")) == [], "the bundled one is complete"
    del source["vp_office"]
    silent = next(u for u in source["units"] if u["id"] == "phuong-7")
    silent.pop("alerts", None)
    (tmp_path / "registry.yaml").write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    notices = route_notices(load_registry(tmp_path / "registry.yaml"))
    assert notices == [{"kind": "alert_route_missing", "recipient": "vp-office"},
                       {"kind": "alert_route_missing", "recipient": "phuong-7", "unit": silent["name"]}]
    assert notice_text(notices[0]).startswith("Danh mục đơn vị chưa chỉ định Văn phòng HĐND và UBND (vp_office)")
    assert notice_text(notices[1]) == (f"{silent['name']} chưa có kênh Slack hay địa chỉ thư điện tử trong danh mục "
                                       "đơn vị: thông báo cho đơn vị chỉ được ghi vào thư mục của đêm, không được gửi")
    from types import SimpleNamespace

    from portalwatch.night import run_notices

    crawl = SimpleNamespace(pages=[], skipped_links=[], pagination_capped=(), truncated=False)
    import pandas as pd

    frames = SimpleNamespace(unmatched=[], unreadable_dates=(), dates_read={},
                             units=pd.DataFrame(columns=["unit_id", "unit_name", "page_url"]))
    assert run_notices(crawl, frames, registry=load_registry(tmp_path / "registry.yaml")) == notices
