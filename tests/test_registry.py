"""Unit registry and roster: the bundled ones load and agree; mistakes are named with their place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portalwatch.errors import RegistryError
from portalwatch.profile.registry import load_registry
from portalwatch.profile.roster import load_roster

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "profiles" / "vungtau-2022"


def test_bundled_registry_has_every_unit_of_the_city():
    registry = load_registry(CONFIG / "registry.yaml")
    kinds = [u.kind for u in registry]
    assert len(registry) == 30
    assert (kinds.count("city"), kinds.count("office"), kinds.count("ward"), kinds.count("commune")) == (1, 12, 16, 1)
    assert registry.vp_office == "van-phong"
    assert all(u.routes.slack or u.routes.email for u in registry)
    assert registry.match("UBND Phường Thắng Nhất").id == "phuong-thang-nhat"


def test_bundled_roster_csv_and_xlsx_agree_and_know_only_registry_units():
    units = set(load_registry(CONFIG / "registry.yaml").units)
    csv_roster = load_roster(CONFIG / "roster.csv", units)
    xlsx_roster = load_roster(CONFIG / "roster.xlsx", units)
    assert csv_roster.entries == xlsx_roster.entries
    assert {e.unit_id for e in csv_roster.entries} == units
    left = [e for e in csv_roster.entries if e.effective_to is not None]
    assert left, "the roster records a leader who left office"
    assert not left[0].active_on(left[0].effective_to + dt.timedelta(days=1))


REGISTRY = """\
vp_office: vp
units:
  - id: vp
    name: "Văn phòng HĐND và UBND"
    kind: office
  - id: p7
    name: "Ủy ban nhân dân Phường 7"
    kind: ward
    responsible: vp
    alerts: {slack: "#p7", email: ["p7@x.gov.vn"]}
"""


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("    kind: ward\n", ""), r"registry.yaml:6, key 'units\[1\].kind': missing required key"),
    (lambda t: t.replace("kind: ward", "kind: district"), r"key 'units\[1\].kind': expected one of city, office"),
    (lambda t: t.replace("id: p7", "id: vp"), r"duplicate unit id 'vp'"),
    (lambda t: t.replace("responsible: vp", "responsible: nobody"),
     r"registry.yaml:9, key 'units.p7.responsible': responsible office"),
    pytest.param(lambda t: t.replace('kind: ward', 'kind: ward\n    aliases: ["Văn phòng HĐND và UBND"]'),
                 r"registry.yaml:6, key 'units.p7': the name 'Văn phòng HĐND và UBND' of unit 'p7' is also a name",
                 id="name-of-two-units"),
    (lambda t: t.replace("vp_office: vp", "vp_office: vpp"), r"key 'vp_office': 'vpp' is not a unit"),
    pytest.param(lambda t: t.replace("vp_office: vp", 'vp_office: {id: vp, alerts: {email: ["vp@x.gov.vn"]}}'),
                 r"registry.yaml:1, key 'vp_office': expected the id of the VP office's unit \(a unit listed under "
                 r"units, which gives its alerts\), found a mapping", id="vp-office-with-routes"),
    pytest.param(lambda t: t.replace("kind: office", "kind: {office: true}"),
                 r"key 'units\[0\].kind': expected a text, found a mapping \(keys office\)", id="no-class-names"),
    (lambda t: t.replace('slack: "#p7"', 'slak: "#p7"'), r"unknown key; did you mean 'slack'"),
    (lambda t: "vp_office: vp\nunits: 3\n", r"registry.yaml:2, key 'units': expected a list, found int 3"),
    (lambda t: t.replace('name: "Văn phòng HĐND và UBND"', 'name: "Văn phòng'), r"registry.yaml:\d+: invalid YAML"),
    pytest.param(lambda t: t.replace('"p7@x.gov.vn"', '"pthangnhat at vungtau"'),
                 r"registry.yaml:10, key 'units\[1\].alerts.email': 'pthangnhat at vungtau' is not an e-mail address",
                 id="email"),
    pytest.param(lambda t: t.replace('"#p7"', '"phường thắng nhất!!"'),
                 r"registry.yaml:10, key 'units\[1\].alerts.slack': 'phường thắng nhất!!' is not a Slack channel: "
                 r"expected '#' and a channel name", id="slack"),
    pytest.param(lambda t: t.replace('"#p7"', '"#Phuong-7"'), r"key 'units\[1\].alerts.slack': '#Phuong-7' is not",
                 id="slack-upper-case"),
    pytest.param(lambda t: t.replace("units:", 'ops: {slack: "#pw ops"}\nunits:'),
                 r"registry.yaml:2, key 'ops.slack': '#pw ops' is not a Slack channel", id="ops-slack"),
    # an id names the unit's alert files: a path would write them outside the night's alerts/ folder
    pytest.param(lambda t: t.replace("id: p7", "id: ../../../evil"),
                 r"key 'units\[1\].id': '../../../evil' is not a unit id", id="id-a-path"),
    pytest.param(lambda t: t.replace("id: p7", "id: phong/noi-vu"), r"'phong/noi-vu' is not a unit id",
                 id="id-a-folder"),
    pytest.param(lambda t: t.replace('name: "Ủy ban nhân dân Phường 7"', 'name: ""'),
                 r"key 'units\[1\].name': the unit's name is empty", id="empty-name"),
])
def test_malformed_registry_is_named(tmp_path, edit, message):
    path = tmp_path / "registry.yaml"
    path.write_text(edit(REGISTRY), encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


ROSTER = "unit_id,person_name,position,effective_from,effective_to,office_phone,mobile,email\n" \
         "p7,Trần Thị Bình,Chủ tịch,2021-07-01,,,0912 000 171,\n"


@pytest.mark.parametrize("text, message", [
    (ROSTER.replace("p7,", "p9,"), r"roster.csv:2, key 'unit_id': unknown unit 'p9'"),
    (ROSTER.replace("2021-07-01", "1/13/2021"), r"roster.csv:2, key 'effective_from': expected a date"),
    (ROSTER.replace("unit_id,", "unit,"), r"roster.csv:1: missing column\(s\) unit_id"),
    (ROSTER.replace("Trần Thị Bình", ""), r"roster.csv:2, key 'person_name': empty required cell"),
    ("", r"roster.csv: the file is empty"),
    pytest.param(ROSTER.replace("effective_to,", "effective_too,"),
                 r"roster.csv:1: unknown column\(s\) effective_too \(expected: .*\); did you mean 'effective_to'\?",
                 id="header-typo"),
    pytest.param(ROSTER.replace(",email\n", ",email,email\n"), r"roster.csv:1: column\(s\) email given more than once",
                 id="header-twice"),
    pytest.param(ROSTER.replace("2021-07-01,,", "2021-07-01,2021-06-30,"),
                 r"roster.csv:2, key 'effective_to': effective_to 2021-06-30 is before effective_from 2021-07-01",
                 id="ends-before-start"),
    pytest.param(ROSTER.replace("0912 000 171,\n", "0912 000 171,,binh@x.gov.vn\n"),
                 r"roster.csv:2: a value in column 9, which has no header: 'binh@x.gov.vn'", id="stray-cell"),
])
def test_malformed_roster_is_named(tmp_path, text, message):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_roster(path, {"p7"})


def test_roster_accepts_one_day_in_office_and_empty_trailing_cells(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER.replace("2021-07-01,,", "2021-07-01,2021-07-01,").replace("\n", ",,\n")
                    .replace("email,,\n", "email\n"), encoding="utf-8")
    entry, = load_roster(path, {"p7"}).entries
    assert entry.effective_from == entry.effective_to == dt.date(2021, 7, 1)


@pytest.mark.parametrize("edit, message", [
    pytest.param(lambda rows: rows[0].__setitem__(4, "effective_too"),
                 r"roster.xlsx:1: unknown column\(s\) effective_too .*did you mean 'effective_to'", id="typo"),
    pytest.param(lambda rows: rows[1].__setitem__(4, dt.date(2020, 1, 1)),
                 r"roster.xlsx:2, key 'effective_to': effective_to 2020-01-01 is before", id="ends-before-start"),
    pytest.param(lambda rows: rows[1].append("stray"), r"roster.xlsx:2: a value in column 9, which has no header",
                 id="stray-cell"),
])
def test_malformed_roster_workbook_is_named(tmp_path, edit, message):
    from openpyxl import Workbook

    rows = [ROSTER.splitlines()[0].split(","),
            ["p7", "Trần Thị Bình", "Chủ tịch", dt.date(2021, 7, 1), None, None, "0912 000 171", None]]
    edit(rows)
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "roster.xlsx")
    with pytest.raises(RegistryError, match=message):
        load_roster(tmp_path / "roster.xlsx", {"p7"})


def test_roster_of_another_format_is_refused(tmp_path):
    path = tmp_path / "roster.ods"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"expected a .csv or .xlsx file"):
        load_roster(path)


def _registry_rows():
    registry = load_registry(CONFIG / "registry.yaml")
    rows = [["id", "name", "aliases", "kind", "responsible", "slack", "email", "role"]]
    for u in registry:
        rows.append([u.id, u.name, "; ".join(u.aliases), u.kind, u.responsible or "", u.routes.slack or "",
                     "; ".join(u.routes.email), "vp_office" if u.id == registry.vp_office else ""])
    return registry, rows


@pytest.mark.parametrize("slack", ["#pw-phuong-7", "#phường-thắng-nhất", "#pw_ops", "C024BE91L", "U012AB3CD"])
def test_slack_channels_as_slack_allows_them_are_accepted(tmp_path, slack):
    """Slack allows letters of any script in a channel name, lower-case, and channel and user IDs."""
    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY.replace('"#p7"', f'"{slack}"'), encoding="utf-8")
    assert load_registry(path).units["p7"].routes.slack == slack


def test_registry_as_csv_and_xlsx_reads_like_the_yaml(tmp_path):
    import csv

    from openpyxl import Workbook

    registry, rows = _registry_rows()
    with (tmp_path / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "units.xlsx")
    for name in ("units.csv", "units.xlsx"):
        table = load_registry(tmp_path / name)
        assert table.units == registry.units and table.vp_office == registry.vp_office
        assert table.match("P. Thắng Nhất").id == "phuong-thang-nhat"


@pytest.mark.parametrize("edit, message", [
    (lambda rows: rows[1].__setitem__(3, "district"), r"units.csv:2, key 'kind': expected one of city, office"),
    (lambda rows: rows[2].__setitem__(0, rows[1][0]), r"units.csv:3, key 'id': duplicate unit id"),
    (lambda rows: rows[0].__setitem__(5, "slak"), r"units.csv:1: unknown column\(s\) slak"),
    (lambda rows: rows[1].__setitem__(1, ""), r"units.csv:2, key 'name': empty required cell"),
    (lambda rows: rows[1].__setitem__(4, "nobody"), r"units.csv:2, key 'units.ubnd-thanh-pho.responsible'"),
    pytest.param(lambda rows: rows[0].__setitem__(5, "slak"),
                 r"units.csv:1: unknown column\(s\) slak .*did you mean 'slack'", id="header-typo-hint"),
    pytest.param(lambda rows: rows[4].__setitem__(7, "vp_office"),
                 r"units.csv:5, key 'role': role 'vp_office' is on row \d+ \('van-phong'\) and on row 5 \('.+'\)",
                 id="two-vp-offices"),
    pytest.param(lambda rows: rows[2].append("extra"),
                 r"units.csv:3: a value in column 9, which has no header: 'extra'", id="stray-cell"),
    pytest.param(lambda rows: rows[3].__setitem__(6, "vp@x.gov.vn; pthangnhat at vungtau"),
                 r"units.csv:4, key 'email': 'pthangnhat at vungtau' is not an e-mail address", id="email"),
    pytest.param(lambda rows: rows[3].__setitem__(5, "phường thắng nhất!!"),
                 r"units.csv:4, key 'slack': 'phường thắng nhất!!' is not a Slack channel", id="slack"),
    pytest.param(lambda rows: rows[3].__setitem__(0, "../evil"), r"units.csv:4, key 'id': '../evil' is not a unit id",
                 id="id-a-path"),
])
def test_malformed_registry_sheet_is_named(tmp_path, edit, message):
    import csv

    _, rows = _registry_rows()
    edit(rows)
    with (tmp_path / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(RegistryError, match=message):
        load_registry(tmp_path / "units.csv")


def test_a_units_since_is_read_from_yaml_and_sheets(tmp_path):
    """``since`` is the day a unit was established: unquoted in YAML, a DD/MM/YYYY text, or a sheet's
    date cell; without it a unit has always been there."""
    import csv

    from openpyxl import Workbook

    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY.replace("    kind: ward\n", "    kind: ward\n    since: 2025-07-01\n"), encoding="utf-8")
    assert load_registry(path).units["p7"].since == dt.date(2025, 7, 1)
    assert load_registry(path).units["vp"].since is None
    path.write_text(REGISTRY.replace("    kind: ward\n", '    kind: ward\n    since: "01/07/2025"\n'), encoding="utf-8")
    assert load_registry(path).units["p7"].since == dt.date(2025, 7, 1)

    _, rows = _registry_rows()
    rows[0].append("since")
    for row in rows[1:]:
        row.append("")
    rows[2][-1] = "01/07/2025"
    with (tmp_path / "units.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.active.cell(row=3, column=len(rows[0])).value = dt.datetime(2025, 7, 1)   # a date cell
    book.save(tmp_path / "units.xlsx")
    for name in ("units.csv", "units.xlsx"):
        units = load_registry(tmp_path / name).units
        assert units[rows[2][0]].since == dt.date(2025, 7, 1), name
        assert units[rows[1][0]].since is None, name


@pytest.mark.parametrize("text, name, message", [
    (REGISTRY.replace("    kind: ward\n", "    kind: ward\n    since: 2025-13-01\n"), "registry.yaml",
     r"registry.yaml:9, key 'units\[1\].since': expected a date \(YYYY-MM-DD or DD/MM/YYYY\), found '2025-13-01'"),
    (REGISTRY.replace("    kind: ward\n", "    kind: ward\n    since: [2025]\n"), "registry.yaml",
     r"key 'units\[1\].since': expected a text or a date, found a list of 1 item"),
    (REGISTRY.replace("    kind: ward\n", "    kind: ward\n    since: 9999-12-31\n"), "registry.yaml",
     r"key 'units\[1\].since': expected the day the unit was established, between 1900 and 2099, found 9999-12-31"),
    ("id,name,kind,since\nvp,Văn phòng,office,31/12/9999\n", "units.csv",
     r"units.csv:2, key 'since': expected the day the unit was established, between 1900 and 2099, found 9999-12-31"),
    ("id,name,kind,since\nvp,Văn phòng,office,1/7\n", "units.csv",
     r"units.csv:2, key 'since': expected a date \(YYYY-MM-DD or DD/MM/YYYY\), found '1/7'"),
])
def test_a_units_since_that_is_not_a_date_is_named(tmp_path, text, name, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


def test_a_new_unit_is_not_due_until_the_deadline_after_its_since_has_passed(tmp_path):
    """Law on Access to Information 2016, Art. 18(4): what is new is published within 5 working days.
    A ward established on Tuesday 1 July 2025 has until Tuesday 8 July; it is held to the portal from
    the night of 9 July. A unit with no ``since``, or one established long ago, is always due."""
    path = tmp_path / "registry.yaml"
    path.write_text(REGISTRY.replace("    kind: ward\n", "    kind: ward\n    since: 2025-07-01\n"), encoding="utf-8")
    registry = load_registry(path)
    assert registry.not_due(dt.date(2025, 6, 20), 5) == {"p7": dt.date(2025, 7, 8)}, "not yet established"
    assert registry.not_due(dt.date(2025, 7, 1), 5) == {"p7": dt.date(2025, 7, 8)}
    assert registry.not_due(dt.date(2025, 7, 8), 5) == {"p7": dt.date(2025, 7, 8)}, "its last day"
    assert registry.not_due(dt.date(2025, 7, 9), 5) == {}
    assert registry.not_due(dt.date(2025, 7, 9), 10) == {"p7": dt.date(2025, 7, 15)}, "the policy's deadline"
    # Tết does not count: established on Friday 24 January 2025, Tết from 25 January to 2 February
    path.write_text(REGISTRY.replace("    kind: ward\n", "    kind: ward\n    since: 2025-01-24\n"), encoding="utf-8")
    assert load_registry(path).not_due(dt.date(2025, 2, 3), 5) == {"p7": dt.date(2025, 2, 7)}
