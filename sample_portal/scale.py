"""Synthetic, defect-free data at scale, to measure how the monitor copes with a large portal.

The data is deterministic (seeded) so that timings and results are comparable between runs, and
every number is valid on the current numbering plan so that a correct monitor reports nothing.
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .layouts import get_layout
from .site import GROUPS, Site, dated_content, vn_date

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario

_SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
             "Hồ", "Ngô", "Dương", "Lý")
_MIDDLES = ("Văn", "Thị", "Minh", "Hữu", "Ngọc", "Thanh", "Quốc", "Thu", "Đức", "Kim")
_GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Khoa", "Lan",
          "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Vân", "Yến")
_DOMAIN = "thunghiem.baria-vungtau.gov.vn"
SEED = 20220613


def _landline(n: int) -> str:
    """0254 + 7 digits, grouped like the portal's clean format."""
    s = f"{n:07d}"
    return f"0254 {s[0]} {s[1:4]} {s[4:]}"


def synthetic_units(n_units: int, n_rows: int, seed: int = SEED) -> list[dict[str, Any]]:
    """`n_units` units ("Đơn vị thử nghiệm 0001", ...) and `n_rows` directory rows spread over them."""
    if n_units < 1 or n_rows < 0:
        raise ValueError("scale needs at least one unit and a non-negative number of rows")
    if n_units > 99_999 or n_rows > 899_999:
        raise ValueError("scale is limited to 99,999 units and 899,999 directory rows")
    rng = random.Random(seed)
    per_unit, extra = divmod(n_rows, n_units)
    units: list[dict[str, Any]] = []
    k = 0
    for i in range(1, n_units + 1):
        group = GROUPS[0] if i == 1 else GROUPS[1 + i % 2]
        people = []
        for j in range(per_unit + (1 if i <= extra else 0)):
            k += 1
            name = f"{rng.choice(_SURNAMES)} {rng.choice(_MIDDLES)} {rng.choice(_GIVEN)}"
            m = 100_000 + k
            people.append({
                "name": name,
                "position": "Trưởng đơn vị" if j == 0 else ("Phó Trưởng đơn vị" if j < 3 else "Chuyên viên"),
                "office_phone": _landline(5_000_000 + k),
                "mobile": f"0912 {m // 1000:03d} {m % 1000:03d}",
                "email": f"cb{k:06d}@{_DOMAIN}",
            })
        units.append({
            "unit_id": f"don-vi-{i:04d}", "slug": f"don-vi-thu-nghiem-{i:04d}", "group": group,
            "unit_name": f"Đơn vị thử nghiệm {i:04d}",
            "intro": f"Đơn vị thử nghiệm {i:04d} là đơn vị giả lập dùng để đo hiệu năng giám sát.",
            "address": f"{i} Đường Thử Nghiệm, Phường 1, TP. Vũng Tàu",
            "phone": _landline(1_000_000 + i), "fax": _landline(2_000_000 + i),
            "email": f"dv{i:05d}@{_DOMAIN}", "updated": "", "listed": True, "status": 200,
            "people": people,
        })
    return units


def build_scale_site(scenario: "Scenario", night: int, n_units: int, n_rows: int) -> Site:
    """A synthetic site with the scenario's chrome and dated content but generated units."""
    day = scenario.night_date(night)
    units = synthetic_units(n_units, n_rows)
    updated = vn_date(day, get_layout(scenario.layout).date_format)
    for u in units:
        u["updated"] = updated
    return Site(night=night, date=day, portal=scenario.portal, units=units, synthetic=True,
                layout=scenario.layout, **dated_content(scenario, night))
