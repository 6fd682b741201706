"""Wording of the digests: plain text and HTML for e-mail, Block Kit for Slack, Vietnamese first.

Every site-derived string is turned into a view (:class:`ItemView`) once, through
:mod:`.escape`: NFC, invisible controls removed, long values cut. Templates and block builders
only ever see those views, so no path can show a raw scraped value. E-mail HTML relies on Jinja2
autoescape; Slack text is escaped entity by entity and kept within Slack's limits (50 blocks,
3000 characters a section, 150 a header), listing the first items and saying how many more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..findings.model import Finding
from ..reports.labels import portal_noun
from .digest import DigestItem, OpsNotice, UnitDigest, VpDigest
from .escape import (VALUE_LIMIT, clean, one_line, safe_url, slack_escape, slack_link, slack_text, vn_date,
                     vn_number)

__all__ = [
    "ItemView", "SLACK_MAX_BLOCKS", "SLACK_SECTION_LIMIT", "SLACK_HEADER_LIMIT", "EMAIL_MAX_ITEMS",
    "render_unit_text", "render_unit_html", "render_unit_slack",
    "render_vp_text", "render_vp_html", "render_vp_slack",
    "render_ops_text", "render_ops_html", "render_ops_slack",
]

SLACK_MAX_BLOCKS = 50
SLACK_SECTION_LIMIT = 3000
SLACK_HEADER_LIMIT = 150
SLACK_FALLBACK_LIMIT = 3000
#: an e-mail lists at most this many findings and says how many more
EMAIL_MAX_ITEMS = 100
SUBJECT_LIMIT = 250
OPS_FOOTER = ("Thông báo kỹ thuật cho bộ phận vận hành, không gửi các đơn vị. "
              "Ops only: never sent to units.")
#: Units not scored that the VP digest names before counting the rest.
NOT_SCORED_NAMED = 5
_MORE_RESERVE = 120  # room kept in a section for the "… và N nội dung khác" line


def _footer(follow_up: str, slack: bool = False) -> str:
    """Who sent the message and who follows it up (the registry's VP office)."""
    what = "Tin nhắn này" if slack else "Thư này"
    return f"{what} do hệ thống portalwatch gửi tự động; đầu mối theo dõi: {one_line(follow_up, limit=200)}."


Block = dict[str, Any]

_TEXT_ENV = Environment(loader=PackageLoader("portalwatch.alerts", "templates"), autoescape=False,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                        keep_trailing_newline=True)
_HTML_ENV = Environment(loader=PackageLoader("portalwatch.alerts", "templates"), autoescape=True,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# ---------------------------------------------------------------------------------------- views
@dataclass(frozen=True)
class ItemView:
    """A finding as shown to people: cleaned, bounded, dates in dd/mm/yyyy."""

    message: str
    value: str | None
    expected: str
    suggestion: str | None
    url: str
    href: str | None
    legal_basis: str
    unit_name: str
    first_seen: str
    deadline: str | None
    overdue: bool
    reopened: bool = False


#: Said of a finding found again after the unit fixed it (the report's "phát sinh lại").
REOPENED_NOTE = "Phát sinh lại: nội dung này đã được khắc phục trước đây, nay xuất hiện lại"


def _new_title(d: UnitDigest) -> str:
    """The heading of tonight's findings: "new" only when none of them came back after a fix."""
    if any(i.reopened for i in d.new):
        return f"Nội dung mới hoặc phát sinh lại cần cập nhật ({len(d.new)})"
    return f"Nội dung mới cần cập nhật ({len(d.new)})"


def _value_view(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    shown = one_line(value, limit=VALUE_LIMIT)
    return shown if shown else "(chỉ có ký tự ẩn)"


def _finding_view(finding: Finding, first_seen: str = "", deadline: str | None = None,
                  overdue: bool = False, reopened: bool = False) -> ItemView:
    return ItemView(
        message=one_line(finding.message_vi, limit=500),
        value=_value_view(finding.value),
        expected=one_line(finding.expected.split(" / ")[0], limit=300),
        suggestion=one_line(finding.suggestion, limit=500) or None,
        url=one_line(finding.url, limit=300),
        href=safe_url(finding.url),
        legal_basis=one_line(finding.legal_basis, limit=250),
        unit_name=one_line(finding.unit_name, limit=120),
        first_seen=first_seen,
        deadline=deadline,
        overdue=overdue,
        reopened=reopened,
    )


def item_view(item: DigestItem) -> ItemView:
    return _finding_view(item.finding, vn_date(item.first_seen), vn_date(item.deadline) or None, item.overdue,
                         item.reopened)


def _more(count: int) -> str:
    return f"… và {count} nội dung khác"


def _unit_headline(d: UnitDigest) -> str:
    name = one_line(d.unit.name, limit=120)
    if d.kind == "new":
        return f"{d.open_count} nội dung cần cập nhật – {name}"
    if d.kind == "reminder":
        return f"Nhắc lại: {d.open_count} nội dung chưa khắc phục – {name}"
    return f"Đã khắc phục: {len(d.resolved)} nội dung – {name}"


#: Heading of the fixes in a unit's message: the lines under it quote each finding as it was told,
#: so they are marked as the past ("Trước đây") rather than read as still wrong.
RESOLVED_HEAD = "Đã khắc phục ({count})"
RESOLVED_LEAD = "nội dung đã thông báo trước đây, nay đã được cập nhật"
RESOLVED_ITEM = "Trước đây: {message}"


def _closing(d: UnitDigest, portal: str) -> str:
    """The last sentence: a request while findings are open, else thanks, and what is left if anything.

    ``portal`` comes escaped for the medium (Slack) or as plain text (e-mail)."""
    if d.open_count:
        return (f"Đề nghị đơn vị kịp thời cung cấp thông tin cho Ban biên tập {portal} để đăng tải, "
                "cập nhật theo quy định.")
    if not d.unlisted_open:
        return "Cảm ơn đơn vị đã phối hợp cập nhật thông tin."
    due = vn_date(d.next_deadline)
    return (f"Cảm ơn đơn vị đã khắc phục. Đơn vị còn {len(d.unlisted_open)} nội dung đã được thông báo nhưng "
            f"chưa khắc phục{f' (hạn gần nhất: {due})' if due else ''}; đề nghị tiếp tục cập nhật.")


def _one_blank_line(text: str) -> str:
    """Sections of a plain-text message apart by exactly one blank line, whichever are present."""
    return re.sub(r"\n{3,}", "\n\n", text)


def _subject(portal_title: str, headline: str) -> str:
    return one_line(f"[{one_line(portal_title, limit=100)}] {headline}", limit=SUBJECT_LIMIT)


def _unit_context(d: UnitDigest) -> dict[str, Any]:
    shown_new = tuple(item_view(i) for i in d.new[:EMAIL_MAX_ITEMS])
    shown_open = tuple(item_view(i) for i in d.still_open[:max(0, EMAIL_MAX_ITEMS - len(shown_new))])
    resolved = tuple(_finding_view(f) for f in d.resolved[:EMAIL_MAX_ITEMS])
    return {
        "kind": d.kind, "unit_name": one_line(d.unit.name, limit=200),
        "portal_title": one_line(d.portal_title, limit=200), "night": vn_date(d.night),
        "new": shown_new, "new_total": len(d.new), "new_title": _new_title(d), "reopened_note": REOPENED_NOTE,
        "still_open": shown_open, "open_total": len(d.still_open),
        "hidden": d.open_count - len(shown_new) - len(shown_open),
        "resolved": resolved, "resolved_hidden": len(d.resolved) - len(resolved),
        "resolved_head": RESOLVED_HEAD.format(count=len(d.resolved)), "resolved_lead": RESOLVED_LEAD,
        "resolved_item": RESOLVED_ITEM, "closing": _closing(d, one_line(d.portal_title, limit=200)),
        "report_url": one_line(d.report_url, limit=500) if d.report_url else None,
        "report_href": safe_url(d.report_url), "follow_up": one_line(d.follow_up, limit=200),
        "footer": _footer(d.follow_up),
    }


# ---------------------------------------------------------------------------------------- unit
def render_unit_text(d: UnitDigest) -> tuple[str, str]:
    """(subject, plain-text body) of a unit's message: plain, but cleaned of invisible characters."""
    body = _TEXT_ENV.get_template("unit_digest.txt.j2").render(**_unit_context(d))
    return _subject(d.portal_title, _unit_headline(d)), clean(_one_blank_line(body))


def render_unit_html(d: UnitDigest) -> str:
    """The HTML alternative of a unit's e-mail (autoescaped; links only to http(s) pages)."""
    context = _unit_context(d)
    context["subject"] = _subject(d.portal_title, _unit_headline(d))
    return clean(_HTML_ENV.get_template("unit_digest.html.j2").render(**context))


def _item_section(number: int, view: ItemView, *, reminder: bool) -> Block:
    """One finding as a Block Kit section; each part is bounded so the section stays under 3000."""
    # Only the number is bold: the message quotes the site, and a "*" in a scraped value would
    # end a bold span early (Slack's mrkdwn has no escape for it).
    lines = [f"*{number}.* {slack_text(view.message, escaped_limit=600)}"]
    if view.reopened:
        lines.append(f"• {REOPENED_NOTE}")
    if view.value is not None:
        lines.append(f'• Nội dung đang hiển thị: "{slack_text(view.value, escaped_limit=600)}"')
    lines.append(f"• Yêu cầu: {slack_text(view.expected, escaped_limit=400)}")
    if view.suggestion:
        lines.append(f"• Đề nghị: {slack_text(view.suggestion, escaped_limit=500)}")
    lines.append(f"• Trang: {slack_link(view.href or view.url, view.url, label_limit=60)}")
    lines.append(f"• Căn cứ: {slack_text(view.legal_basis, escaped_limit=250)}")
    if reminder and view.first_seen:
        lines.append(f"• Phát hiện từ ngày: {view.first_seen}")
    if view.deadline:
        lines.append(f"• Hạn khắc phục: {view.deadline}" + (" (đã quá hạn)" if view.overdue else ""))
    return _section("\n".join(lines))


def _section(text: str) -> Block:
    # verbatim: Slack must not turn anything in the text into a link or a mention on its own
    if len(text) > SLACK_SECTION_LIMIT:
        kept = text[: SLACK_SECTION_LIMIT - 1]
        text = kept[: kept.rfind("\n")] if "\n" in kept else kept
        text += "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _header(text: str) -> Block:
    # plain_text is not parsed for mentions, but angle brackets are still made inert in case a
    # client does: "<!channel>" in a unit's name must never reach Slack as markup
    shown = one_line(text, limit=SLACK_HEADER_LIMIT).replace("<", "‹").replace(">", "›")
    return {"type": "header", "text": {"type": "plain_text", "text": shown, "emoji": False}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def _fallback(text: str) -> str:
    return slack_text(text, escaped_limit=SLACK_FALLBACK_LIMIT, single_line=True)


def _pack(lines: Sequence[str], *, max_sections: int, title: str | None = None) -> list[Block]:
    """Lines grouped into as few sections as fit; past ``max_sections``, "… và N nội dung khác"."""
    if max_sections < 1:
        return []
    texts: list[str] = []
    current: list[str] = [title] if title else []
    hidden = 0
    for index, line in enumerate(lines):
        if len("\n".join([*current, line])) <= SLACK_SECTION_LIMIT - _MORE_RESERVE:
            current.append(line)
            continue
        if len(texts) + 1 >= max_sections:
            hidden = len(lines) - index
            break
        texts.append("\n".join(current))
        current = [line]
    if hidden:
        current.append(_more(hidden))
    if current:
        texts.append("\n".join(current))
    return [_section(t) for t in texts]


def render_unit_slack(d: UnitDigest) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of a unit's Slack message, at most 50 blocks whatever the count."""
    unit = slack_text(d.unit.name, escaped_limit=300, single_line=True)
    portal = slack_text(d.portal_title, escaped_limit=300, single_line=True)
    blocks: list[Block] = [
        _header(_unit_headline(d)),
        _section(f"Kính gửi: *{unit}*\nHệ thống giám sát {portal} – kết quả kiểm tra ngày {vn_date(d.night)}."),
    ]
    tail: list[Block] = []
    if d.resolved:
        lines = ["• " + RESOLVED_ITEM.format(message=slack_text(one_line(f.message_vi, limit=300),
                                                                escaped_limit=600)) for f in d.resolved]
        tail += _pack(lines, max_sections=1, title=f"*{RESOLVED_HEAD.format(count=len(d.resolved))}* – {RESOLVED_LEAD}:")
    closing = _closing(d, portal)
    if d.report_url:
        closing += f"\nBáo cáo chi tiết: {slack_link(d.report_url, 'Xem báo cáo')}"
    tail += [_section(closing), _context(slack_escape(_footer(d.follow_up, slack=True)))]

    titles = int(bool(d.new)) + int(bool(d.still_open))
    room = SLACK_MAX_BLOCKS - len(blocks) - len(tail) - titles - 1  # 1: the "… và N" note
    shown_new = d.new[:room]
    shown_open = d.still_open[:max(0, room - len(shown_new))]
    if shown_new:
        blocks.append(_section(f"*{_new_title(d)}:*"))
        blocks += [_item_section(i, item_view(item), reminder=False) for i, item in enumerate(shown_new, 1)]
    if shown_open:
        blocks.append(_section(f"*Nhắc lại: nội dung chưa khắc phục ({len(d.still_open)}):*"))
        blocks += [_item_section(i, item_view(item), reminder=True) for i, item in enumerate(shown_open, 1)]
    hidden = d.open_count - len(shown_new) - len(shown_open)
    if hidden:
        note = _more(hidden)
        if d.report_url:
            note += f" – xem {slack_link(d.report_url, 'báo cáo chi tiết')}"
        blocks.append(_section(note))
    blocks += tail
    fallback = _fallback(f"[{one_line(d.portal_title, limit=100)}] {_unit_headline(d)}")
    return fallback, blocks


# ---------------------------------------------------------------------------------------- VP office
def _vp_headline(d: VpDigest) -> str:
    t = d.totals
    return (f"Tổng hợp giám sát ngày {vn_date(d.night)}: {t.new} mới, "
            + (f"{t.reopened} phát sinh lại, " if t.reopened else "")
            + f"{t.open} chưa khắc phục, {t.escalated} quá hạn")


def _score_line(d: VpDigest) -> str | None:
    new = _new_units(d)
    if d.score_points is None:
        if d.score_units is None:
            return None
        if new and not d.not_scored:
            return f"Điểm nội dung: đêm nay chưa chấm ({new})"
        return ("Điểm nội dung: đêm nay chưa chấm được (không đọc được trang của đơn vị nào hoặc không đọc "
                "được danh bạ)")
    line = f"Điểm nội dung ước tính của {portal_noun(d.portal_title)}: {vn_number(d.score_points)}/12"
    if d.score_percent is not None:
        line += f" ({vn_number(d.score_percent, 1)}%)"
    if d.score_units is not None:
        scored, units = d.score_units
        parts = []
        if d.not_scored or not new:
            part = "đơn vị mà hệ thống không đọc được trang, danh bạ hoặc ngày cập nhật trong đêm chưa được chấm"
            if d.not_scored:
                more = len(d.not_scored) - NOT_SCORED_NAMED
                part += (": " + ", ".join(one_line(n, limit=120) for n in d.not_scored[:NOT_SCORED_NAMED])
                         + (f" và {more} đơn vị khác" if more > 0 else ""))
            parts.append(part)
        if new:
            parts.append(new)
        line += f", chấm trên {scored}/{units} đơn vị ({'; '.join(parts)})"
    return line


def _new_units(d: VpDigest) -> str:
    """The units too new to be scored, named with the last day they have to publish."""
    if not d.new_units:
        return ""
    names = ", ".join(f"{one_line(name, limit=120)} (hạn đến hết {vn_date(due)})"
                      for name, due in d.new_units[:NOT_SCORED_NAMED])
    more = len(d.new_units) - NOT_SCORED_NAMED
    return ("đơn vị mới, chưa đến hạn công bố thông tin, chưa chấm: " + names
            + (f" và {more} đơn vị khác" if more > 0 else ""))


def _vp_context(d: VpDigest) -> dict[str, Any]:
    rows = [{"name": one_line(r.unit_name, limit=200), "new": r.new, "open": r.open, "resolved": r.resolved,
             "escalated": r.escalated} for r in d.rows]
    shown = tuple(item_view(i) for i in d.escalations[:EMAIL_MAX_ITEMS])
    back = tuple(item_view(i) for i in d.reopened[:EMAIL_MAX_ITEMS])
    return {"portal_title": one_line(d.portal_title, limit=200), "night": vn_date(d.night), "rows": rows,
            "totals": d.totals, "escalations": shown, "escalations_total": len(d.escalations),
            "escalations_hidden": len(d.escalations) - len(shown), "score_line": _score_line(d),
            "reopened": back, "reopened_total": len(d.reopened), "reopened_hidden": len(d.reopened) - len(back),
            "withdrawn": _withdrawn_words(d),
            "report_url": one_line(d.report_url, limit=500) if d.report_url else None,
            "report_href": safe_url(d.report_url), "footer": _footer(d.follow_up),
            "follow_up": one_line(d.follow_up, limit=200)}


def _withdrawn_words(d: VpDigest) -> str | None:
    """The digest's line on findings withdrawn tonight, or None: how many, and whose."""
    parts = []
    for why, items in (("đơn vị không còn trong danh sách đơn vị", d.withdrawn),
                       ("đơn vị mới, chưa đến hạn công bố thông tin", d.withdrawn_new)):
        if items:
            whose = ", ".join(f"{one_line(name, limit=200)}: {count}" for name, count in items)
            parts.append(f"Ngừng theo dõi do {why} (không tính là đã khắc phục): "
                         f"{sum(count for _, count in items)} ({whose})")
    return "; ".join(parts) or None


def render_vp_text(d: VpDigest) -> tuple[str, str]:
    """(subject, plain-text body) of the VP office's digest."""
    body = _TEXT_ENV.get_template("vp_digest_full.txt.j2").render(**_vp_context(d))
    return _subject(d.portal_title, _vp_headline(d)), clean(body)


def render_vp_html(d: VpDigest) -> str:
    context = _vp_context(d)
    context["subject"] = _subject(d.portal_title, _vp_headline(d))
    return clean(_HTML_ENV.get_template("vp_digest.html.j2").render(**context))


def _vp_item_line(label: str, view: ItemView, dates: list[str]) -> str:
    """One finding of the VP office's Slack digest: what it is, whose, its dates, a link to the page."""
    line = (f"• {label}: *{slack_text(view.unit_name, escaped_limit=300)}* – "
            f"{slack_text(view.message, escaped_limit=600)}")
    if dates:
        line += f" ({', '.join(dates)})"
    return line + f" {slack_link(view.href or view.url, 'trang', label_limit=20)}"


def _escalation_line(view: ItemView) -> str:
    return _vp_item_line("Quá hạn", view, ([f"hạn {view.deadline}"] if view.deadline else [])
                         + ([f"phát hiện {view.first_seen}"] if view.first_seen else []))


def _reopened_line(view: ItemView) -> str:
    return _vp_item_line("Phát sinh lại", view, ([f"phát hiện lần đầu {view.first_seen}"] if view.first_seen else [])
                         + ([f"hạn mới {view.deadline}"] if view.deadline else []))


def render_vp_slack(d: VpDigest) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the VP office's digest: counts by unit, then what is overdue."""
    t = d.totals
    summary = [f"*{slack_text(d.portal_title, escaped_limit=300, single_line=True)}*",
               f"Mới: {t.new} · " + (f"Phát sinh lại: {t.reopened} · " if t.reopened else "")
               + f"Chưa khắc phục (kể cả mới): {t.open} · Đã khắc phục: {t.resolved} · Quá hạn: {t.escalated}"
               + (f" ({len(d.escalations)} mới quá hạn đêm nay)" if d.escalations else "")]
    if d.withdrawn or d.withdrawn_new:
        summary.append(slack_text(_withdrawn_words(d), escaped_limit=1500))
    score = _score_line(d)
    if score:     # it names units: a "&" or "<" in a name is escaped as anywhere else
        summary.append(slack_text(score, escaped_limit=1500))
    blocks: list[Block] = [_header(f"Tổng hợp giám sát ngày {vn_date(d.night)}"), _section("\n".join(summary))]
    tail: list[Block] = []
    if d.report_url:
        tail.append(_section(f"Báo cáo chi tiết: {slack_link(d.report_url, 'Xem báo cáo')}"))
    tail.append(_context(slack_escape(_footer(d.follow_up, slack=True))))
    room = SLACK_MAX_BLOCKS - len(blocks) - len(tail)
    row_lines = [f"• *{slack_text(r.unit_name, escaped_limit=300, single_line=True)}*: mới {r.new} · "
                 f"chưa khắc phục {r.open} · đã khắc phục {r.resolved} · quá hạn {r.escalated}" for r in d.rows]
    rows = _pack(row_lines, max_sections=max(1, room // 3), title="*Theo đơn vị:*") if row_lines else []
    escalations = _pack([_escalation_line(item_view(i)) for i in d.escalations],
                        max_sections=room - len(rows) - (1 if d.reopened else 0),
                        title=f"*Mới quá hạn đêm nay ({len(d.escalations)}):*") if d.escalations else []
    back = _pack([_reopened_line(item_view(i)) for i in d.reopened], max_sections=room - len(rows) - len(escalations),
                 title=f"*Phát sinh lại đêm nay ({len(d.reopened)}):*") if d.reopened else []
    blocks += rows + escalations + back + tail
    return _fallback(f"[{one_line(d.portal_title, limit=100)}] {_vp_headline(d)}"), blocks


# ---------------------------------------------------------------------------------------- ops
def _ops_headline(n: OpsNotice) -> str:
    return f"Thông báo vận hành: {one_line(n.title, limit=120)}"


def render_ops_text(n: OpsNotice) -> tuple[str, str]:
    """(subject, plain-text body) of an ops notice; its lines may be English for the ops team."""
    body = _TEXT_ENV.get_template("ops_notice.txt.j2").render(
        title=one_line(n.title, limit=300), portal=one_line(n.portal, limit=100), night=vn_date(n.night),
        lines=[clean(line, limit=2000) for line in n.lines], footer=OPS_FOOTER)
    subject = one_line(f"[portalwatch][{one_line(n.portal, limit=60)}] {_ops_headline(n)} – {vn_date(n.night)}",
                       limit=SUBJECT_LIMIT)
    return subject, clean(body)


def render_ops_html(n: OpsNotice) -> str:
    subject, _ = render_ops_text(n)
    return clean(_HTML_ENV.get_template("ops_notice.html.j2").render(
        subject=subject, title=one_line(n.title, limit=300), portal=one_line(n.portal, limit=100),
        night=vn_date(n.night), lines=[clean(line, limit=2000) for line in n.lines], footer=OPS_FOOTER))


def render_ops_slack(n: OpsNotice) -> tuple[str, list[Block]]:
    blocks: list[Block] = [
        _header(_ops_headline(n)),
        _section(f"Trang: *{slack_text(n.portal, escaped_limit=200, single_line=True)}* · "
                 f"ngày {vn_date(n.night)}"),
    ]
    tail = [_context(slack_escape(OPS_FOOTER))]
    lines = [f"• {slack_text(line, limit=1000, escaped_limit=1200, single_line=True)}" for line in n.lines]
    blocks += _pack(lines, max_sections=SLACK_MAX_BLOCKS - len(blocks) - len(tail)) + tail
    return _fallback(f"[portalwatch][{one_line(n.portal, limit=60)}] {_ops_headline(n)}"), blocks

