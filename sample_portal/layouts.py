"""The site layouts the sample portal can serve, in one table.

A scenario names its layout (`layout:` key); everything that differs between layouts is here:
the template and asset folders, the date format shown, the routes, how the phone directory is
delivered (drawn in the browser from JSON, or server-rendered page by page), the headings of the
unit groups, and the CSS classes the monitor's profile relies on (with their names after a
simulated CMS redesign, the `layout: changed` fault).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    """How one portal layout is served."""

    name: str
    templates: str                              # folder under templates/
    static: str                                 # folder under static/ served as /static/ ("" = static/ itself)
    date_format: str                            # how dates are shown (strftime)
    units_path: str                             # the unit index; a unit page is units_path + "/" + slug
    directory_path: str                         # the phone directory
    directory_page_size: int                    # 0 = drawn by a script from directory_api; N = N rows a page
    directory_api: str | None                   # JSON endpoint of a script-drawn directory
    schedule_path: str | None                   # the leaders' weekly schedule
    sections: dict[str, tuple[str, str]]        # list path -> (heading, content key: news|documents|drafts)
    group_titles: dict[str, tuple[str, str]]    # unit group -> (index heading, directory heading)
    classes: dict[str, dict[str, str]]          # fault layout -> {class the profile uses: class rendered}

    def show_date(self, day: dt.date) -> str:
        return day.strftime(self.date_format)

    def is_date_text(self, text: str) -> bool:
        """True when `text` is a date written exactly in this layout's format (zero-padded)."""
        try:
            return dt.datetime.strptime(text, self.date_format).strftime(self.date_format) == text
        except ValueError:
            return False

    def iso_date(self, text: str) -> str:
        """YYYY-MM-DD of a date shown in this layout's format, "" when it is not such a date."""
        return dt.datetime.strptime(text, self.date_format).date().isoformat() if self.is_date_text(text) else ""


def _renamed(pairs: str) -> dict[str, dict[str, str]]:
    """{"normal": identity, "changed": renamed} from "old:new old:new ..."."""
    changed = dict(p.split(":") for p in pairs.split())
    return {"normal": {k: k for k in changed}, "changed": changed}


LAYOUTS: dict[str, Layout] = {
    # Trang thông tin điện tử thành phố Vũng Tàu, June 2022: directory drawn by danh-ba.js.
    "vungtau2022": Layout(
        name="vungtau2022", templates="vungtau2022", static="", date_format="%d/%m/%Y",
        units_path="/he-thong-chinh-tri", directory_path="/danh-ba-dien-thoai", directory_page_size=0,
        directory_api="/api/danh-ba.json", schedule_path="/chi-dao-dieu-hanh/lich-cong-tac",
        sections={"/tin-tuc": ("Tin tức - Sự kiện", "news"), "/van-ban": ("Văn bản", "documents"),
                  "/du-thao": ("Lấy ý kiến dự thảo", "drafts")},
        group_titles={"lanh-dao": ("Lãnh đạo thành phố", "Lãnh đạo thành phố"),
                      "phong-ban": ("Các phòng, ban chuyên môn", "Các phòng, ban"),
                      "phuong-xa": ("Các phường, xã", "Phường, xã")},
        classes=_renamed("thong-tin:info-table danh-ba:phone-book ds-don-vi:unit-list ten-don-vi:unit-title "
                         "lanh-dao:leaders ngay-cap-nhat:last-updated"),
    ),
    # Cổng thông tin điện tử Phường Vũng Tàu (Ho Chi Minh City) after 1 July 2025:
    # server-rendered, paginated directory.
    "phuongvungtau2025": Layout(
        name="phuongvungtau2025", templates="phuongvungtau2025", static="phuongvungtau2025",
        date_format="%d-%m-%Y", units_path="/co-cau-to-chuc", directory_path="/danh-ba",
        directory_page_size=10, directory_api=None, schedule_path="/lich-cong-tac",
        sections={"/tin-tuc": ("Tin tức", "news")},
        group_titles={"lanh-dao": ("Lãnh đạo Ủy ban nhân dân phường", "Lãnh đạo phường"),
                      "phong-ban": ("Cơ quan chuyên môn và đơn vị trực thuộc", "Cơ quan, đơn vị"),
                      "phuong-xa": ("Khu phố", "Khu phố")},
        classes=_renamed("org-grid:unit-grid org-card:unit-card org-link:unit-link org-detail:unit-detail "
                         "org-title:unit-heading org-intro:unit-summary org-contact:unit-contact "
                         "org-leaders:unit-people leader:person leader-name:person-name leader-title:person-role "
                         "last-updated:modified-on contact-table:staff-table c-unit:col-unit c-name:col-name "
                         "c-title:col-role c-office:col-office c-mobile:col-mobile c-email:col-email "
                         "pager:pagination pager-next:next-link"),
    ),
}

DEFAULT_LAYOUT = "vungtau2022"


def get_layout(name: str) -> Layout:
    """The layout called `name`; ValueError naming the known layouts otherwise."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown layout {name!r} (known: {', '.join(LAYOUTS)})") from None
