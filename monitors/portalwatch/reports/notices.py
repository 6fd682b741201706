"""Run notices grouped by kind, for people to read: each kind once, with its count and a few examples.

A portal whose registry lags behind its site (units renamed or merged, as when wards are reorganised)
gives one "unmatched name" notice per page and per directory block: thousands of one kind. Listed one
by one, they buried the other notices and made the printed report hundreds of pages long. The
night's ``summary.json`` keeps every notice; the report and the ops message show the groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["NoticeGroup", "group_notices", "notice_label", "notice_detail", "notice_text", "error_words",
           "EXAMPLES", "NOTICE_LABELS"]

#: Examples shown of each kind; the rest are counted.
EXAMPLES = 10

#: What each kind of notice means, Vietnamese and English.
NOTICE_LABELS: dict[str, tuple[str, str]] = {
    "portal_unreachable": ("Không truy cập được {portal}", "Portal unreachable"),
    "layout_drift": ("Bộ chọn của hồ sơ không còn khớp (giao diện thay đổi)",
                     "Selectors no longer match (layout drift)"),
    "rows_dropped": ("Số dòng đọc được giảm mạnh so với các đêm gần đây", "Far fewer rows than on recent nights"),
    "date_unreadable": ("Ngày trên trang không đọc được theo định dạng của hồ sơ (dates.formats)",
                        "Dates the profile's formats do not read (dates.formats)"),
    "page_failed": ("Trang không tải được", "Page failed"),
    "selector_timeout": ("Không thấy bộ chọn chờ (wait_for)", "wait_for selector not found"),
    "unmatched_name": ("Tên không có trong danh mục đơn vị", "Name not in the registry"),
    "unit_pages_shared": ("Một đơn vị có nhiều trang", "One unit, several pages"),
    "link_outside_allowed_hosts": ("Liên kết ra ngoài các tên miền được phép", "Link outside the allowed hosts"),
    "pagination_capped": ("Phân trang dừng ở giới hạn max_pages", "Pagination stopped at max_pages"),
    "crawl_truncated": ("Dừng thu thập ở giới hạn số trang", "Crawl stopped at max_total"),
    "alert_route_missing": ("Chưa có nơi nhận thông báo (Slack, thư điện tử)", "No alert route"),
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


def notice_label(kind: str, lang: str = "vi", portal: str = "Trang") -> str:
    """The kind in words; a kind without a label is shown as it is named. ``portal`` is how the
    portal is named (:func:`.labels.portal_noun`: "Trang", "Cổng")."""
    vi, en = NOTICE_LABELS.get(kind, (kind, kind))
    return vi.replace("{portal}", portal) if lang == "vi" else en


def notice_detail(notice: dict[str, Any]) -> str:
    """A notice's fields on one line (``key=value, ...``, a list's items separated by "; "), its kind
    left out."""
    return ", ".join(f"{key}={'; '.join(map(str, value)) if isinstance(value, (list, tuple)) else value}"
                     for key, value in notice.items() if key != "kind")


_SOURCES = {"unit_page": "trang đơn vị", "directory": "danh bạ điện thoại"}
_PAGE_TYPES = {"unit_page": "trang đơn vị", "directory": "danh bạ điện thoại", "index": "danh mục đơn vị"}


#: Date fields of section pages, which are not fields of a finding (findings/labels.py).
_DATE_FIELDS = {"date": "ngày", "deadline": "hạn góp ý"}


def _listed(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


#: A fetch's error (aiohttp's, as named by render.http.failure, or Chromium's net::ERR_*) in words, the
#: first pattern found deciding. The raw text is English for ops: it stays in the line's tooltip,
#: summary.json and the ops message.
_ERRORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("ERR_NAME_NOT_RESOLVED", "Name or service not known", "nodename nor servname", "name resolution",
      "No address associated"), "không tìm thấy tên miền"),
    (("timed out", "Timeout", "timeout", "ERR_TIMED_OUT"), "quá thời gian chờ"),
    (("ERR_CERT", "SSL", "certificate"), "lỗi chứng chỉ bảo mật (SSL/TLS)"),
    (("redirect loop", "ERR_TOO_MANY_REDIRECTS"), "chuyển hướng lặp vòng"),
    (("allowed_hosts",), "chuyển sang tên miền ngoài danh sách được phép"),
    (("page too large",), "trang quá lớn"),
    (("InvalidURL", "ERR_INVALID_URL"), "địa chỉ không hợp lệ"),
    (("ConnectError", "ERR_CONNECTION_REFUSED", "ERR_ADDRESS_UNREACHABLE", "Connection refused"),
     "máy chủ không nhận kết nối"),
    (("RemoteProtocolError", "ReadError", "Server disconnected", "ERR_EMPTY_RESPONSE", "ERR_CONNECTION_CLOSED",
      "ERR_CONNECTION_RESET", "ERR_INVALID_HTTP_RESPONSE"), "máy chủ ngắt kết nối hoặc trả lời sai giao thức"),
)


def error_words(error: str | None) -> str:
    """What went wrong fetching a page, in Vietnamese words for the VP office ("máy chủ không nhận
    kết nối"), not "ConnectError: Cannot connect to host …"; an error this does not know is a
    "lỗi kết nối" (connection error)."""
    text = str(error or "")
    if not text:
        return "không rõ lỗi"
    return next((words for patterns, words in _ERRORS if any(p in text for p in patterns)), "lỗi kết nối")


def _why_failed(notice: dict[str, Any]) -> str:
    """A page's failure in words: its HTTP status, or that it did not answer, and the attempts made."""
    status = notice.get("status") or 0
    why = f"HTTP {status}" if status >= 400 else f"không trả lời: {error_words(notice.get('error'))}"
    attempts = notice.get("attempts")
    return f"{why}, đã thử {attempts} lần" if attempts else why


def _whose(url: str, units: dict[str, str]) -> str:
    """The page's owner for a sentence: "Trang của <unit>" when the URL is a unit's, else "Một trang"."""
    return f"Trang của {units[url]}" if url in units else "Một trang"


def notice_text(notice: dict[str, Any], units: dict[str, str] | None = None, portal: str = "Trang") -> str:
    """A notice as a sentence of the Vietnamese report, naming the unit whose page it is about.

    The report is read by the VP office, not only ops: "url=…, status=500, attempts=3" says nothing
    to a clerk, who needs to know whose page failed. ``units`` names the unit behind a page's URL.
    The raw fields stay in summary.json and the ops message (:func:`notice_detail`); a kind this does
    not know is shown as they are. ``portal`` names the portal ("Trang", "Cổng")."""
    units = units or {}
    kind, url = notice.get("kind"), notice.get("url") or ""
    page_type = _PAGE_TYPES.get(str(notice.get("page_type")), str(notice.get("page_type") or ""))
    if kind == "page_failed":
        return f"{_whose(url, units)} không tải được ({_why_failed(notice)}): {url}"
    if kind == "portal_unreachable":
        return (f"{portal} không trả lời: không tải được trang nào trong {notice.get('pages', 0)} trang "
                f"({error_words(notice.get('error'))})")
    if kind == "layout_drift":
        return f"Bộ chọn của hồ sơ không còn khớp với {portal}: {_listed(notice.get('selectors') or [])}"
    if kind == "rows_dropped":
        return (f"Số dòng đọc được của {page_type} giảm từ {notice.get('previous')} xuống {notice.get('tonight')}; "
                f"kiểm tra bộ chọn: {_listed(notice.get('selectors') or [])}")
    if kind == "selector_timeout":
        return f"{_whose(url, units)} không hiện bộ chọn chờ {notice.get('selector')}: {url}"
    if kind == "unit_pages_shared":
        return (f"{notice.get('unit_name') or notice.get('unit_id')} được hiển thị ở {len(notice.get('urls') or [])} "
                f"trang khác nhau (sau sáp nhập, trang của đơn vị cũ vẫn còn?): {_listed(notice.get('urls') or [])}")
    if kind == "unmatched_name":
        source = _SOURCES.get(str(notice.get("source")), str(notice.get("source") or ""))
        renamed = (f" (có thể là tên cũ của {notice.get('renamed_name') or notice['renamed']}, mã "
                   f"“{notice['renamed']}”: thêm tên này vào aliases của đơn vị trong danh mục)"
                   if notice.get("renamed") else "")
        return f"Tên “{notice.get('name')}” trên {source} không có trong danh mục đơn vị{renamed}: {url}"
    if kind == "link_outside_allowed_hosts":
        return f"Không theo liên kết ra ngoài các tên miền được phép: {url}"
    if kind == "pagination_capped":
        return (f"Phân trang của {page_type} dừng ở giới hạn {notice.get('max_pages')} trang; trang kế tiếp chưa "
                f"đọc: {notice.get('next_url')}")
    if kind == "date_unreadable":
        from ..findings.labels import label

        name = str(notice.get("field") or "")
        examples = ", ".join(f"“{v}”" for v in notice.get("values") or [])
        return (f"{notice.get('unreadable')}/{notice.get('shown')} giá trị {_DATE_FIELDS.get(name) or label(name)} "
                f"trên {page_type} không đọc được theo định dạng của hồ sơ ({_listed(notice.get('formats') or [])})"
                + (f", ví dụ {examples}" if examples else "")
                + ": chưa kiểm tra được các mục này có được cập nhật kịp thời hay không")
    if kind == "alert_route_missing":
        if notice.get("recipient") == "vp-office":
            return ("Danh mục đơn vị chưa chỉ định Văn phòng HĐND và UBND (vp_office): bản tổng hợp hằng đêm và "
                    "các nội dung quá hạn không được gửi cho ai")
        return (f"{notice.get('unit') or notice.get('recipient')} chưa có kênh Slack hay địa chỉ thư điện tử trong "
                "danh mục đơn vị: thông báo cho đơn vị chỉ được ghi vào thư mục của đêm, không được gửi")
    if kind == "crawl_truncated":
        return f"Dừng thu thập ở giới hạn số trang ({notice.get('pages')} trang đã đọc)"
    return notice_detail(notice)


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
