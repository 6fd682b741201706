"""The report's words, Vietnamese first; the English set is for ops.

Vietnamese names a portal by its kind: a city's "Trang thông tin điện tử" is "Trang", a ward's or a
province's "Cổng thông tin điện tử" is "Cổng". ``{portal}`` in a label is that word, from the
profile's title (:func:`labels`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["LABELS", "labels", "portal_noun"]

LABELS = {
    "vi": {
        "title": "Báo cáo giám sát chất lượng thông tin", "night": "Ngày kiểm tra", "pages": "Số trang đã kiểm tra",
        "pages_failed": "đọc được {}, không tải được {}",
        "findings": "Số nội dung cần cập nhật", "units_with": "Đơn vị có nội dung cần cập nhật",
        "score": "Điểm nội dung", "score_est": "Điểm ước tính của {portal}", "trend": "Diễn biến",
        "trend_score": "Điểm nội dung qua các ngày kiểm tra (/12)", "trend_open": "Số nội dung chưa khắc phục qua các ngày kiểm tra",
        "scorecard": "Bảng theo dõi từng đơn vị", "unit": "Đơn vị", "total": "Tổng (/12)",
        "open": "Đang mở", "high": "Cao", "medium": "Trung bình", "low": "Thấp",
        "oldest": "Tồn lâu nhất (ngày, kể từ khi phát hiện hoặc phát sinh lại)",
        "median_fix": "Số ngày khắc phục (trung vị, ngày theo lịch)", "fixed": "Đã khắc phục", "nights": "Theo ngày",
        "changes": "Thay đổi so với lần kiểm tra trước", "opened": "Mới phát hiện", "reopened": "Phát sinh lại",
        "resolved": "Đã khắc phục", "none": "Không có.", "details": "Các nội dung cần cập nhật",
        "withdrawn": ("Ngừng theo dõi do đơn vị không còn trong danh sách đơn vị hoặc là đơn vị mới, chưa đến hạn "
                      "công bố thông tin (không tính là đã khắc phục)"),
        "filter_unit": "Lọc theo đơn vị", "filter_rule": "Lọc theo quy tắc", "all": "Tất cả",
        "severity": "Mức", "content": "Nội dung", "shown": "Đang hiển thị", "suggestion": "Đề nghị",
        "basis": "Căn cứ", "deadline": "Hạn khắc phục", "page": "Trang", "notices": "Ghi chú vận hành",
        "kind": "Loại", "detail": "Chi tiết", "count": "Số lượng",
        "more_notices": "… và {} ghi chú khác cùng loại (danh sách đầy đủ trong tệp summary.json của đêm).",
        "no_findings": "Không có nội dung cần cập nhật.",
        "unchecked_count": "{} chưa kiểm tra lại đêm nay",
        "unchecked_help": ("Các nội dung ghi “chưa kiểm tra lại đêm nay” vẫn đang mở: hệ thống không đọc được trang "
                           "chứa chúng trong đêm nên chưa biết đã được khắc phục hay chưa. Giá trị đang hiển thị và "
                           "căn cứ là của lần gần nhất đọc được trang; hạn khắc phục vẫn tính từ ngày phát hiện."),
        "unchecked": {"portal": "Chưa kiểm tra lại đêm nay: {portal} không trả lời",
                      "page": "Chưa kiểm tra lại đêm nay: trang của đơn vị không tải được",
                      "directory": "Chưa kiểm tra lại đêm nay: không đọc được danh bạ điện thoại",
                      "index": "Chưa kiểm tra lại đêm nay: không đọc được danh mục đơn vị",
                      "section": "Chưa kiểm tra lại đêm nay: không đọc được mục này của {portal}",
                      "date": "Chưa kiểm tra lại đêm nay: không đọc được ngày cập nhật trên trang",
                      "other": "Chưa kiểm tra lại đêm nay: không đọc được phần {portal} chứa nội dung này"},
        "overdue": "quá hạn", "score_help": (
            "Mỗi đơn vị được chấm 4 tiêu chí, mỗi tiêu chí 3 điểm (mô phỏng phiếu tự chấm điểm nội dung Trang thông "
            "tin điện tử dùng khi đánh giá Chỉ số ICT{basis}): Giới thiệu (có phần giới "
            "thiệu chức năng, nhiệm vụ); Liên hệ của đơn vị (địa chỉ, điện thoại, fax, thư điện tử đúng, mỗi mục "
            "0,75 điểm); Lãnh đạo, đầu mối liên hệ (tỷ lệ lãnh đạo theo danh sách nhân sự chủ chốt có trong danh bạ "
            "với thông tin đầy đủ, hợp lệ); Cập nhật kịp thời (trừ 1 điểm cho mỗi nội dung quá hạn cập nhật, lãnh "
            "đạo đã thôi chức vụ hoặc chưa được đăng). Đơn vị không có trang hoặc trang không truy cập được: 0 "
            "điểm. Đơn vị có trang hoặc danh bạ không đọc được trong đêm (lỗi máy chủ, quá thời gian chờ, bố cục "
            "thay đổi), hoặc có ngày cập nhật mà hệ thống không đọc được theo định dạng đã khai báo, chưa được chấm và "
            "không tính vào điểm trung bình. Điểm của {portal} là điểm trung bình của các "
            "đơn vị được chấm."),
        "score_none": ("Đêm nay chưa chấm được: không đọc được trang của đơn vị nào hoặc không đọc được danh bạ "
                       "(xem Ghi chú vận hành). Chưa kiểm tra không có nghĩa là không có sai sót."),
        "scored_on": "chấm trên {} / {} đơn vị",
        "night_not_scored": "chưa chấm được: không đọc được {portal} hoặc danh bạ trong đêm",
        "trend_gaps": ("○ Đêm chưa chấm được (không đọc được {portal} hoặc danh bạ): đường điểm ngắt tại đó, "
                       "không nối qua đêm không có điểm."),
        "not_scored_help": ("Các đơn vị ghi “chưa chấm” dưới đây là những đơn vị mà hệ thống không đọc được trang, danh bạ "
                            "hoặc ngày cập nhật trên trang trong đêm: "
                            "kết quả kiểm tra của các đơn vị này sẽ có vào đêm đọc được."),
        "not_read": {"page": "Chưa chấm: không đọc được trang của đơn vị trong đêm",
                     "directory": "Chưa chấm: không đọc được danh bạ điện thoại trong đêm",
                     "date": "Chưa chấm: không đọc được ngày cập nhật trên trang của đơn vị",
                     "new": "Chưa chấm: đơn vị mới, chưa đến hạn công bố thông tin"},
        "new_until": " (đến hết ngày {})",
        "score_none_new": "Đêm nay chưa chấm: mọi đơn vị đều là đơn vị mới, chưa đến hạn công bố thông tin.",
        "new_help": ("Đơn vị mới có {} ngày làm việc kể từ ngày thành lập ghi trong danh sách đơn vị để công bố "
                     "thông tin trên {portal}: đến hết thời hạn đó, hệ thống chưa báo phát hiện và chưa chấm điểm "
                     "đơn vị."),
        "score_basis": "; căn cứ {}",
        "criteria": ["Giới thiệu", "Liên hệ của đơn vị", "Lãnh đạo, đầu mối liên hệ", "Cập nhật kịp thời"],
    },
    "en": {
        "title": "Data-quality report", "night": "Night", "pages": "Pages rendered", "findings": "Findings",
        "pages_failed": "{} read, {} failed",
        "units_with": "Units with findings", "score": "Content score", "score_est": "Estimated portal score",
        "trend": "Trend", "trend_score": "Content score by night (/12)", "trend_open": "Open findings by night",
        "scorecard": "Unit scorecard", "unit": "Unit", "total": "Total (/12)", "open": "Open", "high": "High",
        "medium": "Medium", "low": "Low",
        "oldest": "Oldest open (days since found or reopened)", "median_fix": "Median days to fix",
        "fixed": "Fixed", "nights": "By night", "changes": "Changes since the previous night", "opened": "New",
        "reopened": "Reopened", "resolved": "Resolved", "none": "None.", "details": "Open findings",
        "withdrawn": ("Withdrawn: the unit is no longer in the registry, or is new and not yet due (not counted "
                      "as fixed)"),
        "filter_unit": "Filter by unit", "filter_rule": "Filter by rule", "all": "All", "severity": "Severity",
        "content": "Finding", "shown": "Value seen", "suggestion": "Suggested fix", "basis": "Legal basis",
        "deadline": "Deadline", "page": "Page", "notices": "Run notices", "kind": "Kind", "detail": "Detail",
        "count": "Count",
        "more_notices": "… and {} more of this kind: all of them are in the night's summary.json.",
        "no_findings": "No findings.",
        "unchecked_count": "{} not checked again tonight",
        "unchecked_help": ("Findings marked \"not checked again tonight\" are still open: their page could not be "
                           "read tonight, so whether they were fixed is unknown. The value and legal basis shown are "
                           "those of the last night the page was read; the deadline still runs from when they were "
                           "found."),
        "unchecked": {"portal": "Not checked again tonight: the portal did not answer",
                      "page": "Not checked again tonight: the unit's page could not be read",
                      "directory": "Not checked again tonight: the phone directory could not be read",
                      "index": "Not checked again tonight: the list of units could not be read",
                      "section": "Not checked again tonight: this section of the portal could not be read",
                      "date": "Not checked again tonight: the update date on the page could not be read",
                      "other": "Not checked again tonight: the part of the portal showing it could not be read"},
        "overdue": "overdue", "score_help": (
            "Each unit gets four criteria of 3 points (after the content self-scoring sheets used for the ICT "
            "Index{basis}): introduction; unit contacts (address, phone, fax, e-mail, 0.75 each); "
            "leaders listed with complete, valid contacts per the roster; kept up to date (minus 1 per stale "
            "item). A unit missing from the index or whose page is gone scores 0. A unit whose page or the directory "
            "could not be read tonight (server error, timeout, layout change), or whose page gives an update date "
            "the profile's date formats do not read, is not scored and left out of the mean. The portal's score is "
            "the mean of the units scored."),
        "score_none": ("Not scored tonight: no unit's page, or the directory, could be read (see the run notices). "
                       "Not checked does not mean nothing is wrong."),
        "scored_on": "on {} of {} units",
        "night_not_scored": "not scored: the portal or the directory could not be read that night",
        "trend_gaps": ("○ A night not scored (the portal or the directory could not be read): the line breaks "
                       "there rather than joining across a night without a score."),
        "not_scored_help": ("The units marked \"not scored\" below could not be read tonight (their page, the "
                            "directory or the update date on their page): their checks will count on a night they "
                            "can be read."),
        "not_read": {"page": "Not scored: the unit's page could not be read tonight",
                     "directory": "Not scored: the phone directory could not be read tonight",
                     "date": "Not scored: the update date on the unit's page could not be read",
                     "new": "Not scored: a new unit, still within its time to publish"},
        "new_until": " (until {})",
        "score_none_new": "Not scored tonight: every unit is new and still within its time to publish.",
        "new_help": ("A new unit has {} working days from the day it was established (written in the registry) to "
                     "publish its information on the portal: until then it is told no finding and is not scored."),
        "score_basis": "; legal basis: {}",
        "criteria": ["Introduction", "Unit contacts", "Leaders and contact points", "Kept up to date"],
    },
}


def portal_noun(title: str, lang: str = "vi") -> str:
    """How the report names the portal itself: "Cổng" when the profile titles it a "Cổng thông tin
    điện tử", else "Trang" (a "Trang thông tin điện tử", the kind a city runs); "portal" in English."""
    if lang != "vi":
        return "portal"
    return "Cổng" if unicodedata.normalize("NFC", title).strip().lower().startswith("cổng") else "Trang"


def _named(value: Any, noun: str) -> Any:
    if isinstance(value, str):
        return value.replace("{portal}", noun)
    if isinstance(value, dict):
        return {key: _named(item, noun) for key, item in value.items()}
    if isinstance(value, list):
        return [_named(item, noun) for item in value]
    return value


def labels(lang: str, portal_title: str = "") -> dict[str, Any]:
    """The report's words in ``lang``, the portal named as its title names its kind."""
    return _named(LABELS[lang], portal_noun(portal_title, lang))
