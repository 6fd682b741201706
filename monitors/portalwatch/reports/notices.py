"""Run notices grouped by kind, for people to read: each kind once, with its count and a few examples.

A portal whose registry lags behind its site (units renamed or merged, as when wards are reorganised)
gives one "unmatched name" notice per page and per directory block: thousands of one kind. Listed one
by one, they buried the other notices and made the printed report hundreds of pages long. The
night's ``summary.json`` keeps every notice; the report and the ops message show the groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["NoticeGroup", "group_notices", "notice_label", "notice_detail", "EXAMPLES", "NOTICE_LABELS"]

#: Examples shown of each kind; the rest are counted.
EXAMPLES = 10

#: What each kind of notice means, Vietnamese and English.
NOTICE_LABELS: dict[str, tuple[str, str]] = {
    "portal_unreachable": ("Không truy cập được Trang", "Portal unreachable"),
    "layout_drift": ("Bộ chọn của hồ sơ không còn khớp (giao diện thay đổi)",
                     "Selectors no longer match (layout drift)"),
    "rows_dropped": ("Số dòng đọc được giảm mạnh so với đêm trước", "Far fewer rows than last night"),
    "date_unreadable": ("Ngày trên trang không đọc được theo định dạng của hồ sơ (dates.formats)",
                        "Dates the profile's formats do not read (dates.formats)"),
    "page_failed": ("Trang không tải được", "Page failed"),
    "selector_timeout": ("Không thấy bộ chọn chờ (wait_for)", "wait_for selector not found"),
    "unmatched_name": ("Tên không có trong danh mục đơn vị", "Name not in the registry"),
    "link_outside_allowed_hosts": ("Liên kết ra ngoài các tên miền được phép", "Link outside the allowed hosts"),
    "pagination_capped": ("Phân trang dừng ở giới hạn max_pages", "Pagination stopped at max_pages"),
    "crawl_truncated": ("Dừng thu thập ở giới hạn số trang", "Crawl stopped at max_total"),
}


@dataclass(frozen=True, slots=True)
class NoticeGroup:
    """The notices of one kind: how many, and the first few as they came."""

    kind: str
    count: int
    examples: tuple[dict[str, Any], ...]

    @property
    def more(self) -> int:
        """Notices of this kind not among the examples."""
        return self.count - len(self.examples)


def notice_label(kind: str, lang: str = "vi") -> str:
    """The kind in words; a kind without a label is shown as it is named."""
    vi, en = NOTICE_LABELS.get(kind, (kind, kind))
    return vi if lang == "vi" else en


def notice_detail(notice: dict[str, Any]) -> str:
    """A notice's fields on one line (``key=value, ...``, a list's items separated by "; "), its kind
    left out."""
    return ", ".join(f"{key}={'; '.join(map(str, value)) if isinstance(value, (list, tuple)) else value}"
                     for key, value in notice.items() if key != "kind")


def group_notices(notices: Iterable[dict[str, Any]], examples: int = EXAMPLES) -> list[NoticeGroup]:
    """One group per kind, in the order the kinds first appear (the night lists the gravest first)."""
    counts: dict[str, int] = {}
    shown: dict[str, list[dict[str, Any]]] = {}
    for notice in notices:
        kind = str(notice.get("kind", ""))
        counts[kind] = counts.get(kind, 0) + 1
        kept = shown.setdefault(kind, [])
        if len(kept) < examples:
            kept.append(notice)
    return [NoticeGroup(kind, counts[kind], tuple(shown[kind])) for kind in counts]
