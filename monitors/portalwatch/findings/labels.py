"""How fields are named to people, in Vietnamese first and in English for ops."""

from __future__ import annotations

__all__ = ["FIELD_LABELS", "label"]

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "unit_name": ("tên đơn vị", "unit name"),
    "intro": ("phần giới thiệu (chức năng, nhiệm vụ)", "introduction (functions and duties)"),
    "address": ("địa chỉ", "address"),
    "phone": ("số điện thoại", "telephone number"),
    "fax": ("số fax", "fax number"),
    "email": ("địa chỉ thư điện tử", "e-mail address"),
    "leaders": ("danh sách lãnh đạo", "list of leaders"),
    "updated": ("ngày cập nhật", "update date"),
    "updated_at": ("ngày cập nhật", "update date"),
    "person_name": ("họ và tên", "name"),
    "position": ("chức vụ", "position"),
    "office_phone": ("số điện thoại cơ quan", "office telephone number"),
    "mobile": ("số điện thoại di động", "mobile number"),
    "person": ("thông tin lãnh đạo", "leader entry"),
    "page": ("trang thông tin của đơn vị", "unit page"),
    "schedule": ("lịch công tác tuần của lãnh đạo", "leaders' weekly schedule"),
    "draft": ("dự thảo lấy ý kiến", "draft for public comment"),
}


def label(field: str, lang: str = "vi") -> str:
    vi, en = FIELD_LABELS.get(field, (field, field))
    return vi if lang == "vi" else en
