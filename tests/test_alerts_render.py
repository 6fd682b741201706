"""Rendering of unit, VP-office and ops messages: wording, escaping of scraped text, Slack limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portalwatch.alerts.digest import DigestItem, OpsNotice, UnitDigest, VpDigest, VpRow
from portalwatch.alerts.escape import clean, safe_url, slack_escape, slack_link, slack_text
from portalwatch.alerts.render import (render_ops_html, render_ops_slack, render_ops_text, render_unit_html,
                                       render_unit_slack, render_unit_text, render_vp_html, render_vp_slack,
                                       render_vp_text)
from portalwatch.findings.model import Finding, finding_key
from portalwatch.profile.registry import Routes, Unit
from sample_portal.slack_api import slack_limit_problems

PORTAL_TITLE = "Trang thông tin điện tử thành phố Vũng Tàu"
NIGHT = dt.date(2022, 6, 20)
PAGE = "http://127.0.0.1:8765/he-thong-chinh-tri/phuong-5"
REPORT = "http://127.0.0.1:8765/bao-cao/2022-06-20/report.html"
EVIL = "<!channel> <@U123> <script>alert(1)</script> & <http://evil|click>"
HIDDEN = "\u202e\u200b\u2066\u200f"
UNIT = Unit(id="phuong-5", name="Phường 5", kind="ward", routes=Routes(slack="#phuong-5", email=("p5@vungtau.gov.vn",)))


def finding(n: int = 1, *, value: str | None = "Đang cập nhật", field: str = "fax", message: str | None = None,
            unit: Unit = UNIT, url: str = PAGE, subject: str = "unit") -> Finding:
    return Finding(
        key=finding_key("vungtau-2022", unit.id, subject, f"{field}{n}", "unit_field_not_placeholder"),
        portal="vungtau-2022", unit_id=unit.id, unit_name=unit.name, subject=subject, field=field,
        rule="unit_field_not_placeholder", category="placeholder", severity="high", value=value,
        expected="Trang đơn vị công bố số fax / the unit page publishes its fax number",
        suggestion="Gửi số fax của đơn vị cho Ban biên tập Trang thông tin điện tử để đăng tải.",
        url=url, legal_basis="NĐ 42/2022/NĐ-CP, Điều 4 khoản 1 điểm e",
        message_vi=message or f"Trang giới thiệu của {unit.name} ghi số fax là nội dung tạm (mục {n}).",
        message_en=f"The page of {unit.name} shows a placeholder fax number (item {n}).")


def item(f: Finding, *, first_seen: dt.date = NIGHT, deadline: dt.date | None = dt.date(2022, 6, 27),
         overdue: bool = False) -> DigestItem:
    return DigestItem(finding=f, first_seen=first_seen, deadline=deadline, overdue=overdue)


def digest(new=(), still_open=(), resolved=(), unit: Unit = UNIT, report_url: str | None = REPORT) -> UnitDigest:
    return UnitDigest(unit=unit, night=NIGHT, portal_title=PORTAL_TITLE, new=tuple(new), still_open=tuple(still_open),
                      resolved=tuple(resolved), report_url=report_url)


def slack_texts(blocks) -> list[str]:
    """Every text Slack would parse as mrkdwn (and the headers' plain text)."""
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        for element in block.get("elements", []):
            texts.append(element["text"])
    return texts


_LINK = re.compile(r"<([^<>]*)>")


def assert_slack_safe(fallback: str, blocks, allowed_urls: set[str]) -> None:
    """No markup in a Slack message except links we made to known pages, and within Slack's limits."""
    assert slack_limit_problems(fallback, blocks) == []
    for text in [fallback, *slack_texts(blocks)]:
        for inner in _LINK.findall(text):
            url, _, label = inner.partition("|")
            assert url.replace("&amp;", "&") in allowed_urls, f"unexpected markup <{inner}>"
            assert "<" not in label and ">" not in label
        for char in HIDDEN:
            assert char not in text
    for block in blocks:
        texts = [block["text"]] if "text" in block else list(block.get("elements", []))
        for obj in texts:
            if obj["type"] == "mrkdwn":
                assert obj.get("verbatim") is True


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v for k, v in attrs if k == "href"]


def html_tags(document: str) -> _Tags:
    parser = _Tags()
    parser.feed(document)
    return parser


# --------------------------------------------------------------------------------------------- unit
def test_scraped_markup_is_inert_in_slack_html_and_plain_text():
    evil = finding(1, value=EVIL + HIDDEN)
    d = digest(new=[item(evil)], still_open=[item(finding(2), first_seen=dt.date(2022, 6, 1),
                                                  deadline=dt.date(2022, 6, 8), overdue=True)])

    fallback, blocks = render_unit_slack(d)
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    payload = json.dumps(blocks, ensure_ascii=False)
    for raw in ("<!channel>", "<@U123>", "<script", "<http://evil"):
        assert raw not in payload
    assert '"&lt;!channel&gt; &lt;@U123&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;http://evil|click&gt;"' \
        in "\n".join(slack_texts(blocks))

    page = render_unit_html(d)
    tags = html_tags(page)
    assert "script" not in tags.tags
    assert set(tags.hrefs) == {PAGE, REPORT}
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;http://evil|click&gt;" \
        in page

    subject, text = render_unit_text(d)
    assert f'Nội dung đang hiển thị: "{EVIL}"' in text  # the plain part is plain
    for output in (subject, text, page, fallback, payload):
        assert not any(char in output for char in HIDDEN)


NO_FAX = "Trang giới thiệu của Phường 5 chưa có số fax."


def test_unit_message_wording_is_vietnamese_nfc_with_deadlines():
    nfd_unit = Unit(id="phuong-5", name=unicodedata.normalize("NFD", "Phường 5"), kind="ward")
    d = UnitDigest(unit=nfd_unit, night=NIGHT, portal_title=unicodedata.normalize("NFD", PORTAL_TITLE),
                   new=(item(finding(1, message=unicodedata.normalize("NFD", NO_FAX))),),
                   still_open=(item(finding(2), first_seen=dt.date(2022, 6, 1), deadline=dt.date(2022, 6, 8),
                                    overdue=True),),
                   resolved=(finding(3, message="Trang giới thiệu của Phường 5 chưa có địa chỉ thư điện tử."),))
    assert d.kind == "new"
    subject, text = render_unit_text(d)
    assert subject == "[Trang thông tin điện tử thành phố Vũng Tàu] 2 nội dung cần cập nhật – Phường 5"
    page = render_unit_html(d)
    fallback, blocks = render_unit_slack(d)
    slack = "\n".join(slack_texts(blocks))
    for output in (subject, text, page, fallback, slack):
        assert unicodedata.is_normalized("NFC", output)
    assert text.startswith("Kính gửi: Phường 5\n")
    assert "1. Trang giới thiệu của Phường 5 chưa có số fax." in text
    assert "Hạn khắc phục: 27/06/2022" in text and "Hạn khắc phục: 08/06/2022 (đã quá hạn)" in text
    assert "Phát hiện từ ngày: 01/06/2022" in text
    assert ("ĐÃ KHẮC PHỤC (1) – nội dung đã thông báo trước đây, nay đã được cập nhật:\n"
            "- Trước đây: Trang giới thiệu của Phường 5 chưa có địa chỉ thư điện tử.") in text
    assert "Căn cứ: NĐ 42/2022/NĐ-CP, Điều 4 khoản 1 điểm e" in text
    assert "Hạn khắc phục: 27/06/2022" in slack and "Hạn khắc phục: 08/06/2022 (đã quá hạn)" in slack
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "emoji": False,
                                                    "text": "2 nội dung cần cập nhật – Phường 5"}}
    assert "Nhắc lại: nội dung chưa khắc phục (1)" in slack
    assert "<http://127.0.0.1:8765/he-thong-chinh-tri/phuong-5|" in slack
    assert 'lang="vi"' in page and "Hạn khắc phục: <strong>08/06/2022</strong>" in page
    assert fallback == "[Trang thông tin điện tử thành phố Vũng Tàu] 2 nội dung cần cập nhật – Phường 5"


def test_reminder_and_resolved_kinds():
    reminder = digest(still_open=[item(finding(1), first_seen=dt.date(2022, 6, 1))])
    assert reminder.kind == "reminder"
    assert render_unit_text(reminder)[0] == \
        "[Trang thông tin điện tử thành phố Vũng Tàu] Nhắc lại: 1 nội dung chưa khắc phục – Phường 5"
    assert render_unit_slack(reminder)[1][0]["text"]["text"] == "Nhắc lại: 1 nội dung chưa khắc phục – Phường 5"

    resolved = digest(resolved=[finding(1), finding(2)])
    assert resolved.kind == "resolved" and not resolved.is_empty
    subject, text = render_unit_text(resolved)
    assert subject == "[Trang thông tin điện tử thành phố Vũng Tàu] Đã khắc phục: 2 nội dung – Phường 5"
    assert "Cảm ơn đơn vị đã phối hợp cập nhật thông tin." in text
    assert "Đề nghị đơn vị kịp thời" not in text
    fallback, blocks = render_unit_slack(resolved)
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    assert digest().is_empty


def test_every_version_of_a_message_says_what_is_required():
    """Slack, plain text and HTML each give the "Yêu cầu" line: a unit reading only Slack learns the right form."""
    d = digest(new=[item(finding(1))], still_open=[item(finding(2), first_seen=dt.date(2022, 6, 1))])
    required = "Yêu cầu: Trang đơn vị công bố số fax"
    slack = "\n".join(slack_texts(render_unit_slack(d)[1]))
    assert render_unit_text(d)[1].count(required) == 2
    assert render_unit_html(d).count(required) == 2
    assert slack.count(required) == 2
    assert "/ the unit page publishes" not in slack     # the Vietnamese half only


def test_a_scraped_value_cannot_end_the_bold_of_a_slack_item():
    """Slack's mrkdwn has no escape for "*": only the item's number is bold, never the quoted site text."""
    f = finding(1, value="*", message='Trang giới thiệu của Phường 5 chỉ ghi "*" ở mục số fax.')
    texts = slack_texts(render_unit_slack(digest(new=[item(f)]))[1])
    line = next(t for t in texts if t.startswith("*1.*"))
    assert line.split("\n")[0] == '*1.* Trang giới thiệu của Phường 5 chỉ ghi "*" ở mục số fax.'


def test_plain_text_sections_are_one_blank_line_apart():
    for d in (digest(new=[item(finding(1))], still_open=[item(finding(2))], resolved=[finding(3)]),
              digest(still_open=[item(finding(2))], resolved=[finding(3)]), digest(resolved=[finding(3)])):
        text = render_unit_text(d)[1]
        assert "\n\n\n" not in text
        for heading in ("NỘI DUNG MỚI", "NHẮC LẠI:", "ĐÃ KHẮC PHỤC", "Đề nghị đơn vị", "Cảm ơn đơn vị"):
            if heading in text:
                assert f"\n\n{heading}" in text, (d.kind, heading)


def test_a_note_of_fixes_says_what_is_still_open_rather_than_thanking_for_everything():
    left = item(finding(4), first_seen=dt.date(2022, 6, 14), deadline=dt.date(2022, 6, 27))
    d = UnitDigest(unit=UNIT, night=NIGHT, portal_title=PORTAL_TITLE, resolved=(finding(3),),
                   unlisted_open=(left, item(finding(5), deadline=dt.date(2022, 6, 30))))
    assert d.kind == "resolved" and d.next_deadline == dt.date(2022, 6, 27)
    closing = ("Cảm ơn đơn vị đã khắc phục. Đơn vị còn 2 nội dung đã được thông báo nhưng chưa khắc phục "
               "(hạn gần nhất: 27/06/2022); đề nghị tiếp tục cập nhật.")
    assert closing in render_unit_text(d)[1] and closing in render_unit_html(d)
    assert closing in "\n".join(slack_texts(render_unit_slack(d)[1]))
    assert "Cảm ơn đơn vị đã phối hợp" not in render_unit_text(d)[1]


def store_row(n: int, status: str, **dates) -> dict:
    """A finding as the store's findings table gives it to the alert policy."""
    f = finding(n, unit=UNIT)
    return {**f.to_dict(), "status": status, "first_seen": dt.date(2022, 6, 14), "opened_at": dt.date(2022, 6, 14),
            "notified_at": dt.date(2022, 6, 14), "resolved_at": None, "escalated_at": None, **dates}


def plan(rows, **kwargs):
    from portalwatch.alerts.policy import plan_alerts
    from portalwatch.profile.registry import Registry
    from portalwatch.profile.schema import PolicyRules

    return plan_alerts(rows, NIGHT, PolicyRules(), Registry(units={UNIT.id: UNIT}), PORTAL_TITLE, **kwargs)


def test_the_plan_counts_what_is_left_in_a_note_of_fixes():
    rows = [store_row(1, "resolved", resolved_at=NIGHT), store_row(2, "notified", notified_at=dt.date(2022, 6, 17))]
    (note,) = plan(rows).units
    assert note.kind == "resolved" and [i.finding.key for i in note.unlisted_open] == [rows[1]["key"]]
    assert note.next_deadline == dt.date(2022, 6, 21)


def test_a_finding_back_after_a_fix_is_told_as_come_back_not_as_new():
    """The report says "phát sinh lại"; so do the unit's message and the VP office's digest, whose
    open count then adds up (yesterday's open - fixed + new + reopened)."""
    back = store_row(1, "open", first_seen=dt.date(2022, 6, 14), opened_at=NIGHT, notified_at=None)
    new = store_row(2, "open", first_seen=NIGHT, opened_at=NIGHT, notified_at=None)
    tonight = plan([back, new])
    (message,) = tonight.units
    assert {i.finding.key: i.reopened for i in message.new} == {back["key"]: True, new["key"]: False}
    text, page = render_unit_text(message)[1], render_unit_html(message)
    slack = "\n".join(slack_texts(render_unit_slack(message)[1]))
    note = "Phát sinh lại: nội dung này đã được khắc phục trước đây, nay xuất hiện lại"
    assert "NỘI DUNG MỚI HOẶC PHÁT SINH LẠI CẦN CẬP NHẬT (2):" in text
    assert text.count(note) == page.count(note) == slack.count(note) == 1
    assert "Nội dung mới hoặc phát sinh lại cần cập nhật (2)" in page and "Nội dung mới hoặc phát sinh lại" in slack
    assert "NỘI DUNG MỚI CẦN CẬP NHẬT (1):" in render_unit_text(plan([new]).units[0])[1]

    (row,) = tonight.vp.rows
    assert (row.new, row.reopened, row.open) == (1, 1, 2)
    subject, digest_text = render_vp_text(tonight.vp)
    assert subject.endswith("Tổng hợp giám sát ngày 20/06/2022: 1 mới, 1 phát sinh lại, 2 chưa khắc phục, 0 quá hạn")
    assert "- Nội dung phát sinh lại (đã khắc phục, nay xuất hiện lại): 1" in digest_text
    assert "Nội dung phát sinh lại (đã khắc phục, nay xuất hiện lại): <strong>1</strong>" in render_vp_html(tonight.vp)
    assert "Phát sinh lại: 1" in "\n".join(slack_texts(render_vp_slack(tonight.vp)[1]))
    assert "phát sinh lại" not in render_vp_text(plan([new]).vp)[1].lower()


def test_the_vp_digest_names_the_unit_and_the_finding_that_came_back():
    """A count of "1 phát sinh lại" does not tell the VP office whom to call: the digest lists each
    finding back tonight with its unit, its first finding and its new deadline, in every channel."""
    back = store_row(1, "open", first_seen=dt.date(2022, 6, 14), opened_at=NIGHT, notified_at=None)
    new = store_row(2, "open", first_seen=NIGHT, opened_at=NIGHT, notified_at=None)
    still = store_row(3, "notified")
    vp = plan([back, new, still]).vp
    assert [i.finding.key for i in vp.reopened] == [back["key"]]
    message = back["message_vi"]
    _, text = render_vp_text(vp)
    assert "PHÁT SINH LẠI ĐÊM NAY (đã khắc phục, nay xuất hiện lại) (1):" in text
    assert f"1. Phát sinh lại: {UNIT.name} – {message}" in text
    assert "Phát hiện lần đầu ngày: 14/06/2022" in text and "Hạn khắc phục mới: 27/06/2022" in text
    page = render_vp_html(vp)
    assert f"Phát sinh lại: <strong>{UNIT.name}</strong> – {message}" in page and "14/06/2022" in page
    slack = "\n".join(slack_texts(render_vp_slack(vp)[1]))
    assert "*Phát sinh lại đêm nay (1):*" in slack and f"• Phát sinh lại: *{UNIT.name}* – {message}" in slack
    for only_new in (render_vp_text(plan([new, still]).vp)[1], render_vp_html(plan([new, still]).vp)):
        assert "Phát sinh lại" not in only_new and "PHÁT SINH LẠI" not in only_new


def test_long_values_are_truncated():
    long_value = "0254 3852 361 " * 400
    d = digest(new=[item(finding(1, value=long_value)), item(finding(2, value="&" * 2000))])
    subject, text = render_unit_text(d)
    shown = re.search(r'Nội dung đang hiển thị: "([^"]*)"', text).group(1)
    assert 290 <= len(shown) <= 300 and shown.endswith("…") and long_value.startswith(shown[:-1])
    fallback, blocks = render_unit_slack(d)
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    assert max(len(t) for t in slack_texts(blocks)) <= 3000
    html_value = re.findall(r"<code[^>]*>([^<]*)</code>", render_unit_html(d))
    assert len(html_value[0]) <= 300 and html_value[1] == "&amp;" * 299 + "…"


def test_many_items_are_listed_up_to_slack_limits_and_counted():
    new = [item(finding(i, value=EVIL * 3)) for i in range(130)]
    still_open = [item(finding(1000 + i), first_seen=dt.date(2022, 6, 1)) for i in range(20)]
    resolved = [finding(2000 + i, message="Đã cập nhật " + "rất dài " * 40) for i in range(60)]
    d = digest(new=new, still_open=still_open, resolved=resolved)
    fallback, blocks = render_unit_slack(d)
    assert len(blocks) <= 50
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    texts = slack_texts(blocks)
    shown_items = sum(1 for t in texts if re.match(r"\*\d+\.\* ", t))
    assert 30 <= shown_items < 150
    assert any(t.startswith(f"… và {150 - shown_items} nội dung khác") for t in texts)
    assert any(re.search(r"… và \d+ nội dung khác$", t) and t.startswith("*Đã khắc phục (60)* – ") for t in texts)

    subject, text = render_unit_text(d)
    assert subject.startswith("[Trang thông tin điện tử thành phố Vũng Tàu] 150 nội dung cần cập nhật")
    assert "… và 50 nội dung khác (xem báo cáo chi tiết)." in text
    assert "100. Trang giới thiệu" in text and "101. " not in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(alphabet=st.sampled_from(list("<>&|!@#*_~`:/ ahđƯờng\u202e\u200b\n")), max_size=800),
       name=st.text(alphabet=st.sampled_from(list("<>&|!@ Phường5\u202e")), min_size=1, max_size=200))
def test_no_site_text_becomes_slack_markup(value, name):
    unit = Unit(id="u", name=name, kind="ward")
    f = finding(1, value=value, unit=unit, message=f"Tin {value}")
    d = digest(new=[item(f)], resolved=[f], unit=unit)
    fallback, blocks = render_unit_slack(d)
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    assert "<" not in blocks[0]["text"]["text"] and ">" not in blocks[0]["text"]["text"]


# --------------------------------------------------------------------------------------------- VP office
def test_vp_digest_counts_escalations_and_score():
    other = Unit(id="phong-tu-phap", name="Phòng Tư pháp <!here>", kind="office")
    overdue = item(finding(1, unit=other, message="Trang giới thiệu của Phòng Tư pháp chưa có số fax."),
                   first_seen=dt.date(2022, 6, 1), deadline=dt.date(2022, 6, 8), overdue=True)
    d = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE,
                 rows=(VpRow("Phường 5", 2, 3, 1, 0), VpRow(other.name, 0, 1, 0, 1)),
                 escalations=(overdue,), score_points=9.25, score_percent=77.08, report_url=REPORT)
    subject, text = render_vp_text(d)
    assert subject == ("[Trang thông tin điện tử thành phố Vũng Tàu] Tổng hợp giám sát ngày 20/06/2022: "
                       "2 mới, 4 chưa khắc phục, 1 quá hạn")
    assert "Điểm nội dung ước tính của Trang: 9,25/12 (77,1%)" in text
    assert "1. Quá hạn: Phòng Tư pháp <!here> – Trang giới thiệu của Phòng Tư pháp chưa có số fax." in text
    assert "- Phường 5: 2 / 3 / 1 / 0" in text
    page = render_vp_html(d)
    assert "Phòng Tư pháp &lt;!here&gt;" in page and "<!here>" not in page
    fallback, blocks = render_vp_slack(d)
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    slack = "\n".join(slack_texts(blocks))
    assert "• Quá hạn: *Phòng Tư pháp &lt;!here&gt;* – Trang giới thiệu của Phòng Tư pháp chưa có số fax. " \
           "(hạn 08/06/2022, phát hiện 01/06/2022)" in slack
    assert "Điểm nội dung ước tính của Trang: 9,25/12 (77,1%)" in slack
    # the total counts every finding overdue; the list, those that became overdue tonight
    assert "- Nội dung quá hạn khắc phục: 1 (1 mới quá hạn đêm nay, liệt kê dưới đây)" in text
    assert "MỚI QUÁ HẠN KHẮC PHỤC ĐÊM NAY (1):" in text
    assert "Mới quá hạn khắc phục đêm nay (1)" in page
    assert "*Mới quá hạn đêm nay (1):*" in slack


def test_vp_digest_says_when_units_were_not_scored():
    partial = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, score_points=10.5, score_percent=87.5,
                       score_units=(28, 30))
    line = ("Điểm nội dung ước tính của Trang: 10,50/12 (87,5%), chấm trên 28/30 đơn vị (đơn vị mà hệ thống "
            "không đọc được trang, danh bạ hoặc ngày cập nhật trong đêm chưa được chấm)")
    assert line in render_vp_text(partial)[1] and line in "\n".join(slack_texts(render_vp_slack(partial)[1]))
    none = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, score_units=(0, 30))
    assert "Điểm nội dung: đêm nay chưa chấm được" in render_vp_text(none)[1]
    assert "/12" not in render_vp_text(none)[1]
    assert "Điểm nội dung" not in render_vp_text(VpDigest(night=NIGHT, portal_title=PORTAL_TITLE))[1]
    named = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, score_points=10.5, score_percent=87.5,
                     score_units=(23, 30), not_scored=tuple(f"Phường {n}" for n in range(1, 8)))
    assert ("chưa được chấm: Phường 1, Phường 2, Phường 3, Phường 4, Phường 5 và 2 đơn vị khác)"
            in render_vp_text(named)[1])


def test_vp_digest_names_the_new_units_not_yet_scored_with_their_last_day():
    """A unit established days ago is not scored for want of time, not of a page read: the VP office
    is told which, and until when, apart from the units that could not be read."""
    new = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, score_points=11.0, score_percent=91.7,
                   score_units=(29, 30), new_units=(("Phường Tam Thắng", dt.date(2022, 6, 17)),))
    line = ("chấm trên 29/30 đơn vị (đơn vị mới, chưa đến hạn công bố thông tin, chưa chấm: "
            "Phường Tam Thắng (hạn đến hết 17/06/2022))")
    assert line in render_vp_text(new)[1] and line in "\n".join(slack_texts(render_vp_slack(new)[1]))
    assert line in render_vp_html(new)
    both = dataclasses.replace(new, score_units=(28, 30), not_scored=("Phường 7",))
    assert ("(đơn vị mà hệ thống không đọc được trang, danh bạ hoặc ngày cập nhật trong đêm chưa được chấm: Phường 7; "
            "đơn vị mới, chưa đến hạn") in render_vp_text(both)[1]
    marked = dataclasses.replace(both, not_scored=("Phòng <b>Văn hóa</b> & <!channel>",),
                                 new_units=(("Phường <@U123> & Co", dt.date(2022, 6, 17)),))
    fallback, blocks = render_vp_slack(marked)
    assert_slack_safe(fallback, blocks, set())
    assert "Phòng &lt;b&gt;Văn hóa&lt;/b&gt; &amp; &lt;!channel&gt;" in "\n".join(slack_texts(blocks))
    only_new = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, score_units=(0, 1),
                        new_units=(("Phường Tam Thắng", dt.date(2022, 6, 17)),))
    assert ("Điểm nội dung: đêm nay chưa chấm (đơn vị mới, chưa đến hạn công bố thông tin, chưa "
            "chấm: Phường Tam Thắng (hạn đến hết 17/06/2022))") in render_vp_text(only_new)[1]


def test_vp_digest_text_keeps_each_total_on_its_own_line():
    """The overdue total, the withdrawn line and the score are three lines of the list, with or
    without findings overdue tonight."""
    withdrawn = (("Phường Rạch Dừa", 2),)
    for escalations in ((), (item(finding(1), overdue=True),)):
        d = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, withdrawn=withdrawn, escalations=escalations,
                     score_points=10.5, score_percent=87.5)
        lines = render_vp_text(d)[1].splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("- Nội dung quá hạn khắc phục:"))
        assert lines[at + 1].startswith("- Ngừng theo dõi do đơn vị không còn trong danh sách đơn vị")
        assert lines[at + 2].startswith("- Điểm nội dung ước tính")
        plain = dataclasses.replace(d, withdrawn=())
        lines = render_vp_text(plain)[1].splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith("- Nội dung quá hạn khắc phục:"))
        assert lines[at + 1].startswith("- Điểm nội dung ước tính")


def test_plan_counts_the_units_scored_for_the_vp_office():
    from portalwatch.alerts.policy import _score_units
    from portalwatch.reports.score import PortalScore, UnitScore

    units = [UnitScore("a", "A", 3, 3, 3, 3), UnitScore("b", "B", None, None, None, None, not_read="page")]
    assert _score_units(PortalScore(units)) == (1, 2)
    assert _score_units(PortalScore(units[:1])) is None and _score_units(None) is None


def test_vp_digest_with_hundreds_of_escalations_stays_within_limits():
    rows = tuple(VpRow(f"Phường {i} & <b>", i, i, 0, i) for i in range(60))
    escalations = tuple(item(finding(i, value=EVIL, message=f"Quá hạn mục {i} " + "x" * 300), overdue=True)
                        for i in range(400))
    d = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, rows=rows, escalations=escalations)
    fallback, blocks = render_vp_slack(d)
    assert len(blocks) <= 50
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    assert re.search(r"… và \d+ nội dung khác", "\n".join(slack_texts(blocks)))
    assert "… và 300 nội dung khác." in render_vp_text(d)[1]


# --------------------------------------------------------------------------------------------- ops
def test_ops_notice_is_escaped_and_marked_ops_only():
    n = OpsNotice(night=NIGHT, portal="vungtau-2022", title="Bố cục trang thay đổi",
                  lines=("selector 'table.danh-ba tbody tr' matched nothing on /danh-ba-dien-thoai",
                         "page title: <!everyone> Danh bạ"))
    subject, text = render_ops_text(n)
    assert subject == "[portalwatch][vungtau-2022] Thông báo vận hành: Bố cục trang thay đổi – 20/06/2022"
    assert "Ops only: never sent to units." in text
    fallback, blocks = render_ops_slack(n)
    assert_slack_safe(fallback, blocks, set())
    assert "&lt;!everyone&gt; Danh bạ" in "\n".join(slack_texts(blocks))
    assert "&lt;!everyone&gt;" in render_ops_html(n)


# --------------------------------------------------------------------------------------------- escaping
@pytest.mark.parametrize("url", ["http://x.vn/a|b", "http://x.vn/<a>", "javascript:alert(1)", "mailto:a@b.vn",
                                 "http://x.vn/a b", "http://x.vn/\u202eexe", "ftp://x.vn/", "http:///nohost"])
def test_unsafe_urls_are_never_links(url):
    assert safe_url(url) is None
    rendered = slack_link(url, "Xem trang")
    assert "<" not in rendered and ">" not in rendered and "\u202e" not in rendered


def test_links_escape_label_and_ampersands():
    assert slack_link("https://x.vn/a?b=1&c=2", "<!channel> & co") == \
        "<https://x.vn/a?b=1&amp;c=2|&lt;!channel&gt; &amp; co>"
    assert slack_escape("a & <b>") == "a &amp; &lt;b&gt;"
    assert slack_text("&" * 50, escaped_limit=21) == "&amp;" * 4 + "…"
    assert clean("Ph\u200bư\u202eờng 5") == "Phường 5"
    assert clean(unicodedata.normalize("NFD", "Hòa")) == "Hòa"


def test_messages_name_the_registrys_vp_office_as_the_follow_up():
    """A ward's VP office is not the city's: the addressee and the footer come from the registry."""
    office = "Văn phòng HĐND và UBND phường Vũng Tàu"
    digest = VpDigest(night=NIGHT, portal_title=PORTAL_TITLE, follow_up=office)
    subject, text = render_vp_text(digest)
    assert text.startswith(f"Kính gửi: {office}") and f"đầu mối theo dõi: {office}." in text
    assert f"<strong>{office}</strong>" in render_vp_html(digest)
    slack = "\n".join(slack_texts(render_vp_slack(digest)[1]))
    assert f"Tin nhắn này do hệ thống portalwatch gửi tự động; đầu mối theo dõi: {office}." in slack
