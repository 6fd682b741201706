"""The site model of one night: everything the server renders, independent of HTML.

Both the scenario (real data with defects) and the synthetic scale generator produce a `Site`, so
the server has one rendering path and `source_units()` / `source_directory()` always describe what
the server actually shows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .layouts import DEFAULT_LAYOUT, LAYOUTS, get_layout

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

#: unit groups (index sections / directory tabs), in display order: leadership, departments and
#: offices, local areas (wards and communes of a city; neighbourhoods of a ward). Each layout
#: gives them its own headings.
GROUPS = ("lanh-dao", "phong-ban", "phuong-xa")
#: headings of the index page groups (first layout)
INDEX_TITLES = {g: t[0] for g, t in LAYOUTS[DEFAULT_LAYOUT].group_titles.items()}
#: labels of the directory tabs (first layout)
TAB_TITLES = {g: t[1] for g, t in LAYOUTS[DEFAULT_LAYOUT].group_titles.items()}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def vn_date(d: dt.date, fmt: str = "%d/%m/%Y") -> str:
    """Dates are shown as dd/mm/yyyy throughout the portal (another layout may give `fmt`)."""
    return d.strftime(fmt)


def source_unit_dict(u: dict[str, Any]) -> dict[str, Any]:
    """The public description of a displayed unit (the keys the monitor's tests compare)."""
    return {
        "unit_id": u["unit_id"], "slug": u["slug"], "unit_name": u["unit_name"], "intro": u["intro"],
        "address": u["address"], "phone": u["phone"], "fax": u["fax"], "email": u["email"],
        "leaders": [p["name"] for p in u["people"]], "updated": u["updated"],
        "listed": u["listed"], "status": u["status"],
    }


def ordered_by_group(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units in directory order: by tab, then in their original order."""
    rank = {g: i for i, g in enumerate(GROUPS)}
    return sorted(units, key=lambda u: rank[u["group"]])  # sorted() is stable


def source_directory_rows(units: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every directory row, in the order the directory page shows them."""
    return [
        {"unit_id": u["unit_id"], "unit_name": u["unit_name"], "person_name": p["name"],
         "position": p["position"], "office_phone": p["office_phone"], "mobile": p["mobile"],
         "email": p["email"]}
        for u in ordered_by_group(units) for p in u["people"]
    ]


@dataclass
class Site:
    """What the portal shows on one night."""

    night: int
    date: dt.date
    portal: dict[str, Any]
    units: list[dict[str, Any]]                    # displayed units, each with `group` and `people`
    news: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    drafts: list[dict[str, Any]] = field(default_factory=list)
    schedule: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    layout: str = DEFAULT_LAYOUT

    def __post_init__(self) -> None:
        self.by_slug = {u["slug"]: u for u in self.units}

    def groups(self, listed_only: bool) -> list[dict[str, Any]]:
        """[{"key", "title", "tab_title", "units"}] per group, in display order."""
        titles = get_layout(self.layout).group_titles
        out = []
        for g in GROUPS:
            units = [u for u in self.units if u["group"] == g and (u["listed"] or not listed_only)]
            out.append({"key": g, "title": titles[g][0], "tab_title": titles[g][1], "units": units})
        return out

    def directory_pages(self, size: int) -> list[list[dict[str, str]]]:
        """The directory rows cut into pages of `size` rows, in directory order (at least one page)."""
        rows = self.source_directory()
        return [rows[i:i + size] for i in range(0, len(rows), size)] or [[]]

    def source_units(self) -> list[dict[str, Any]]:
        return [source_unit_dict(u) for u in self.units]

    def source_directory(self) -> list[dict[str, str]]:
        return source_directory_rows(self.units)

    def directory_json(self) -> dict[str, Any]:
        """The payload of /api/danh-ba.json that danh-ba.js renders."""
        return {
            "cap_nhat": vn_date(self.date),
            "nhom": [
                {"tab": g["key"], "don_vi": [
                    {"ten": u["unit_name"], "nguoi": [
                        {"ho_ten": p["name"], "chuc_vu": p["position"], "dt_co_quan": p["office_phone"],
                         "di_dong": p["mobile"], "email": p["email"]} for p in u["people"]]}
                    for u in g["units"]]}
                for g in self.groups(listed_only=False)
            ],
        }


def dated_content(scenario: "Scenario", night: int) -> dict[str, Any]:
    """News, documents, drafts and the schedule, dated relative to the night's date."""
    day = scenario.night_date(night)
    c = scenario.content
    fmt = get_layout(scenario.layout).date_format
    news = [{"slug": n["slug"], "title": n["title"], "body": n["body"],
             "date": vn_date(day - dt.timedelta(days=n["days_ago"]), fmt)} for n in c["news"]]
    documents = [{"slug": d["slug"], "title": d["trich_yeu"], "so_ky_hieu": d["so_ky_hieu"], "body": d["body"],
                  "date": vn_date(day - dt.timedelta(days=d["days_ago"]), fmt)} for d in c["documents"]]
    drafts = []
    kept_open = scenario.open_drafts(night)
    for d in c["drafts"]:
        deadline = day + dt.timedelta(days=d["deadline_in"])
        drafts.append({"slug": d["slug"], "title": d["title"], "body": d["body"],
                       "date": vn_date(day - dt.timedelta(days=d["days_ago"]), fmt),
                       "deadline": vn_date(deadline, fmt),
                       "status": "Đang lấy ý kiến" if deadline >= day or d["slug"] in kept_open else "Đã hết hạn"})
    monday = scenario.schedule_week(night)
    rows = []
    for i, r in enumerate(sorted(c["schedule"], key=lambda r: (r["weekday"], r["time"]))):
        when = monday + dt.timedelta(days=r["weekday"])
        rows.append({"anchor": f"muc-{i + 1}", "weekday": WEEKDAYS[r["weekday"]], "time": r["time"],
                     "content": r["content"], "place": r["place"], "date": vn_date(when, fmt)})
    schedule = {"start": vn_date(monday, fmt), "end": vn_date(monday + dt.timedelta(days=6), fmt), "rows": rows}
    return {"news": news, "documents": documents, "drafts": drafts, "schedule": schedule}


def build_site(scenario: "Scenario", night: int) -> Site:
    """The site of `night` from the scenario, defects applied."""
    return Site(night=night, date=scenario.night_date(night), portal=scenario.portal,
                units=scenario.displayed_units(night), layout=scenario.layout, **dated_content(scenario, night))
