"""Run notices in the report and the ops message: grouped by kind, a few examples each, the rest counted."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from portalwatch import night as stages
from portalwatch.alerts.policy import plan_alerts
from portalwatch.profile.loader import load_profile
from portalwatch.profile.registry import load_registry
from portalwatch.reports.nightly import render_nightly_report
from portalwatch.reports.notices import EXAMPLES, NOTICE_LABELS, group_notices
from portalwatch.reports.score import score_portal

from conftest import PROFILE_PATH

NIGHT = dt.date(2022, 6, 20)
#: The sample city's portal, which its report calls "Trang".
TITLE = "Trang thông tin điện tử thành phố Vũng Tàu"


def _unmatched(i: int) -> dict:
    return {"kind": "unmatched_name", "source": "unit_page", "name": f"Phường thử nghiệm {i:04d}",
            "url": f"http://127.0.0.1:8765/he-thong-chinh-tri/phuong-thu-nghiem-{i:04d}"}


#: A registry that lags its site: 4,000 names it does not know, and three pages that failed among them.
NOTICES = ([_unmatched(i) for i in range(1, 2001)]
           + [{"kind": "page_failed", "url": f"http://127.0.0.1:8765/p{i}", "status": 503, "error": "HTTP 503",
               "attempts": 3} for i in range(3)]
           + [_unmatched(i) for i in range(2001, 4001)])


def test_notices_are_grouped_by_kind_in_the_order_kinds_first_appear():
    groups = group_notices(NOTICES)
    assert [(g.kind, g.count, g.more) for g in groups] == [("unmatched_name", 4000, 4000 - EXAMPLES),
                                                           ("page_failed", 3, 0)]
    assert [n["name"] for n in groups[0].examples] == [f"Phường thử nghiệm {i:04d}" for i in range(1, EXAMPLES + 1)]


def test_every_kind_a_night_gives_has_words_in_both_languages():
    source = Path(stages.__file__).read_text(encoding="utf-8")
    kinds = set(re.findall(r'"kind": "(\w+)"', source))
    assert kinds and kinds <= set(NOTICE_LABELS)
    assert all(vi and en and vi != en for vi, en in NOTICE_LABELS.values())


def _notice_rows(report: str) -> dict[str, str]:
    table = report.split('<table id="notices">', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<tr data-kind="(\w+)">(.*?)</tr>', table, flags=re.S))


def test_the_report_shows_each_kind_once_with_its_count_and_the_first_examples():
    registry = load_registry(load_profile(PROFILE_PATH).registry_path)
    score = score_portal([], registry, None, NIGHT)
    vi = render_nightly_report([], registry, NIGHT, TITLE, pages=4003, notices=NOTICES, score=score)
    rows = _notice_rows(vi)
    assert list(rows) == ["unmatched_name", "page_failed"]
    visible = re.sub(r' title="[^"]*"', "", rows["unmatched_name"])    # the raw fields, for ops, are a title
    shown = re.findall(r"Phường thử nghiệm \d{4}", html.unescape(visible))
    assert shown == [f"Phường thử nghiệm {i:04d}" for i in range(1, EXAMPLES + 1)]
    assert "Tên không có trong danh mục đơn vị" in rows["unmatched_name"]
    assert ">4.000<" in rows["unmatched_name"] and "… và 3.990 ghi chú khác cùng loại" in rows["unmatched_name"]
    assert rows["page_failed"].count("không tải được (HTTP 503, đã thử 3 lần)") == 3
    assert "ghi chú khác" not in rows["page_failed"]
    drift = render_nightly_report([], registry, NIGHT, TITLE, pages=1, score=score, notices=[
        {"kind": "layout_drift", "selectors": ["directory.rows: table.danh-ba tbody tr", "unit_page.intro: div.gt"]}])
    assert ("Bộ chọn của hồ sơ không còn khớp với Trang: directory.rows: table.danh-ba tbody tr; unit_page.intro: "
            "div.gt") in _notice_rows(drift)["layout_drift"], "a list reads as its items, not as Python"
    en = render_nightly_report([], registry, NIGHT, TITLE, pages=4003, notices=NOTICES, score=score, lang="en")
    assert "… and 3,990 more of this kind" in _notice_rows(en)["unmatched_name"]
    assert "Số trang đã kiểm tra: 4.003 ·" in vi and "Pages rendered: 4,003 ·" in en, "counts as each language writes them"
    assert '<table id="notices">' not in render_nightly_report([], registry, NIGHT, TITLE, pages=1, notices=[],
                                                               score=score)


def test_the_ops_message_lists_a_few_notices_of_each_kind_and_counts_the_rest():
    profile = load_profile(PROFILE_PATH)
    registry = load_registry(profile.registry_path)
    plan = plan_alerts([], NIGHT, profile.policy, registry, profile.title, notices=NOTICES, portal=profile.name)
    assert plan.ops.title == "4003 ghi chú vận hành / run notices"
    assert len(plan.ops.lines) == EXAMPLES + 1 + 3
    assert plan.ops.lines[EXAMPLES] == ("unmatched_name: … và 3990 ghi chú khác cùng loại / and 3990 more "
                                        "(summary.json)")
    assert plan.ops.lines[-1].startswith("page_failed: url=http://127.0.0.1:8765/p2, status=503")


def test_the_plan_names_the_registrys_vp_office_in_every_digest():
    profile = load_profile(PROFILE_PATH)
    registry = load_registry(profile.registry_path)
    plan = plan_alerts([], NIGHT, profile.policy, registry, profile.title, notices=NOTICES, portal=profile.name)
    assert plan.vp.follow_up == registry.units[registry.vp_office].name == "Văn phòng HĐND và UBND thành phố"
