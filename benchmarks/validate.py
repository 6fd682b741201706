"""How long validating one night of 100,000 directory rows takes through Great Expectations, against
the same rules hand-written in pandas.

The directory is built as a night builds it: 100,000 deterministic rows of
`sample_portal.scale.synthetic_units` spread over the 30 units of the vungtau-2022 registry, with the
people of its roster among them (one in ten of those in office left out, the one who has left kept
in), turned into raw directory records as extract produces them and normalised by
`portalwatch.night.normalise` with the vungtau-2022 config (`load_config`). 5% of the rows (seeded)
carry one defect each, in equal shares: a placeholder or a missing value in a required field, an
invalid phone, a phone of the old numbering plan (064 landline, 0168 mobile), a landline outside the
0254 area, a free-mail or a malformed e-mail, a mobile or an e-mail copied from another person. The
night is 2022-06-13; no unit page is read, so the unit index checks stand aside (`index_ok` false)
and the unit, registry, schedule and draft suites have no rows, which `run_suites` skips. The
product path is `derive_facts` followed by `run_suites` with every suite of expectations/ and no
project folder (an ephemeral Great Expectations context); `run_suites` is also timed with a fresh
temporary project folder and verdict cache, as a nightly run keeps them (results stored, Data Docs
rebuilt), and once more on the same columns, as the next night of an unchanged directory would be
(every suite's verdict kept, none run; the benchmark fails unless the failures are the same). The pandas
side is one vectorised mask per rule and field of the directory and roster suites, over the same
derived fact columns, turned into the same `Failure` rows; the benchmark fails unless the suites
state exactly those rules and both sides report the same failing rows, with the same evidence, for
every rule and field. Each step is timed in one process as the median of 3 runs after one warm-up,
wall clock (`time.perf_counter`) with the process's CPU time (`time.process_time`) beside it; the
ratio to the 2x target is of wall-clock medians.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

TITLE = "Validation"
HOW = __doc__.split("\n\n", 1)[1].strip().replace("\n", " ")
ROWS = 100_000
DEFECT_SHARE = 0.05
RUNS = 3
WARMUPS = 1
TARGET_RATIO = 2.0
NIGHT = dt.date(2022, 6, 13)
SEED = 20220613
PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022" / "profile.yaml"
DIRECTORY_PATH = "danh-ba-dien-thoai"

#: Where each directory field's value as written is kept (the column a rule on the field checks).
RAW = {"person_name": "person_name", "position": "position", "office_phone": "office_phone_raw",
       "mobile": "mobile_raw", "email": "email_raw"}
DEFECTS = ("placeholder", "missing", "invalid_phone", "old_landline", "old_mobile", "other_area",
           "free_mail", "broken_email", "shared_mobile", "shared_email")
PLACEHOLDERS = ("Đang cập nhật", "N/A", "...", "xxx", "Chưa có")

T = TypeVar("T")
Key = tuple[str, str]                      # (rule, field)


def _records(config: Any) -> list[dict[str, Any]]:
    """Raw directory records (as extract gives them) of ROWS people, roster people and defects included."""
    from sample_portal.scale import synthetic_units

    units = list(config.registry)
    url = config.profile.base_url.rstrip("/") + "/" + DIRECTORY_PATH
    synthetic = synthetic_units(len(units), ROWS, seed=SEED)
    roster = config.roster.entries if config.roster else []
    records: list[dict[str, Any]] = []
    in_office = 0
    for unit, generated in zip(units, synthetic):
        people = [dict(p) for p in generated["people"]]
        for slot, entry in enumerate(e for e in roster if e.unit_id == unit.id):
            if entry.active_on(NIGHT):
                in_office += 1
                if in_office % 10 == 0:
                    continue                     # in office but not in the directory: leader_missing
            people[slot + 1]["name"], people[slot + 1]["position"] = entry.person_name, entry.position
        for person in people:
            records.append({"page_url": url, "http_status": 200, "link_text": "", "page_type": "directory",
                            "unit_name": unit.name, "person_name": person["name"], "position": person["position"],
                            "office_phone": person["office_phone"], "mobile": person["mobile"],
                            "email": person["email"]})
    _seed_defects(records, random.Random(SEED))
    return records


def _seed_defects(records: list[dict[str, Any]], rng: random.Random) -> None:
    required = list(RAW)
    chosen = sorted(rng.sample(range(1, len(records)), int(len(records) * DEFECT_SHARE)))
    for n, i in enumerate(chosen):
        record, kind = records[i], DEFECTS[n % len(DEFECTS)]
        if kind == "placeholder":
            record[rng.choice(required)] = rng.choice(PLACEHOLDERS)
        elif kind == "missing":
            record[rng.choice(required)] = None
        elif kind == "invalid_phone":
            record[rng.choice(("office_phone", "mobile"))] = rng.choice(("0912 00", "liên hệ văn phòng"))
        elif kind == "old_landline":
            record["office_phone"] = f"064 3 {i % 1_000_000:06d}"
        elif kind == "old_mobile":
            record["mobile"] = f"0168 9{i % 1_000_000:06d}"
        elif kind == "other_area":
            record["office_phone"] = f"(028) 38{i % 1_000_000:06d}"
        elif kind == "free_mail":
            record["email"] = f"canbo{i:06d}@gmail.com"
        elif kind == "broken_email":
            record["email"] = f"canbo{i:06d} at vungtau"
        elif kind == "shared_mobile":
            record["mobile"] = records[i - 1]["mobile"]
        else:
            record["email"] = records[i - 1]["email"]


def _context(config: Any) -> Any:
    from portalwatch.validate.facts import NightContext

    profile = config.profile
    return NightContext(night=NIGHT, region=profile.contacts.region, area_codes=profile.contacts.area_codes,
                        old_area_codes=profile.contacts.old_area_codes,
                        email_domains=profile.contacts.email_domains, placeholders=profile.checks.placeholders,
                        index_ok=False, directory_ok=True, index_url=profile.base_url,
                        directory_url=profile.base_url.rstrip("/") + "/" + DIRECTORY_PATH)


def _masks(facts: dict[str, pd.DataFrame], required: list[str],
           placeholder_regex: str) -> dict[Key, tuple[pd.DataFrame, pd.Series, str | None]]:
    """The rules of the directory and roster suites, by hand: (rule, field) -> (rows, failing, evidence)."""
    d = facts["directory"]
    d = d[d["unit_id"].notna()].reset_index(drop=True)
    r = facts["roster"]
    r = r[r["unit_id"].notna()].reset_index(drop=True)
    out: dict[Key, tuple[pd.DataFrame, pd.Series, str | None]] = {}
    # directory_required
    for name in required:
        column = d[RAW[name]]
        out["leader_field_present", name] = (d, column.isna(), RAW[name])
        out["leader_field_not_placeholder", name] = (
            d, column.notna() & column.str.contains(placeholder_regex, regex=True, na=False), RAW[name])
    # directory_contacts
    for name in ("office_phone", "mobile"):
        status = d[f"{name}_status"]
        out["leader_phone_current_plan", name] = (d, status.eq("old_numbering"), RAW[name])
        out["leader_phone_valid", name] = (d, status.isin(["invalid", "other_area"]), RAW[name])
    out["leader_email_valid", "email"] = (d, d["email_status"].eq("invalid"), RAW["email"])
    out["leader_email_official", "email"] = (d, d["email_status"].eq("unofficial"), RAW["email"])
    for name in ("mobile", "email"):
        shared = d[f"{name}_shared"]
        out["leader_contact_not_shared", name] = (d, shared.notna() & shared.gt(0), RAW[name])
    # directory_roster
    out["leader_still_in_office", "person"] = (d, d["roster_status"].eq("left"), "person_shown")
    # roster_listed: nothing of a person not listed is on the site, so no evidence
    out["leader_listed", "person"] = (r, r["listed"].notna() & r["listed"].ne(True), None)
    return out


def _pandas_failures(suites: list[Any], facts: dict[str, pd.DataFrame], required: list[str],
                     placeholder_regex: str) -> list[Any]:
    from portalwatch.validate.gx import Failure

    where = {(rule.rule, name): (suite, index) for suite in suites for index, rule in enumerate(suite.rules)
             for name in rule.fields}
    failures = []
    for (rule, name), (rows, failing, evidence) in _masks(facts, required, placeholder_regex).items():
        suite, index = where[rule, name]
        failures.extend(Failure(suite=suite, rule_index=index, field=name, row=row,
                                value=row.get(evidence) if evidence else None)
                        for row in rows.loc[failing].to_dict("records"))
    return failures


def _covered(suites: list[Any], facts: dict[str, pd.DataFrame], required: list[str], regex: str) -> None:
    """The hand-written rules are exactly those the suites state on the directory and roster frames."""
    declared = {(rule.rule, name) for suite in suites if suite.frame in ("directory", "roster")
                for rule in suite.rules for name in rule.fields}
    written = set(_masks(facts, required, regex))
    if declared != written:
        raise AssertionError(f"hand-written rules differ from the suites: only in the suites "
                             f"{sorted(declared - written)}, only by hand {sorted(written - declared)}")


def _tally(failures: list[Any]) -> Counter:
    return Counter((f.rule.rule, f.field, tuple(f.row.items()), f.value) for f in failures)


def _same(gx_failures: list[Any], pandas_failures: list[Any]) -> Counter:
    """Failing rows per (rule, field), asserted identical on both sides."""
    by_gx, by_pandas = _tally(gx_failures), _tally(pandas_failures)
    if by_gx != by_pandas:
        only_gx = Counter(k[:2] for k in (by_gx - by_pandas).elements())
        only_pandas = Counter(k[:2] for k in (by_pandas - by_gx).elements())
        raise AssertionError(f"Great Expectations and pandas disagree: only GX {dict(only_gx)}, "
                             f"only pandas {dict(only_pandas)}")
    return Counter(k[:2] for k in by_gx.elements())


class Timing:
    """Wall-clock and CPU seconds of the measured runs of one step."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __call__(self, fn: Callable[[], T], keep: bool = True) -> T:
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        if keep:
            self.wall.append(time.perf_counter() - wall)
            self.cpu.append(time.process_time() - cpu)
        return value

    def __add__(self, other: "Timing") -> "Timing":
        both = Timing()
        both.wall = [a + b for a, b in zip(self.wall, other.wall)]
        both.cpu = [a + b for a, b in zip(self.cpu, other.cpu)]
        return both

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def text(self) -> str:
        return f"{self.median:.2f} s ({ROWS / self.median:,.0f} rows/s; CPU {self.median_cpu:.2f} s)"


def _with_verdicts(suites: list[Any], derived: dict[str, pd.DataFrame], folder: Path) -> list[Any]:
    """``run_suites`` as a night calls it: a project folder kept, verdicts loaded and saved beside it."""
    from portalwatch.validate.gx import run_suites
    from portalwatch.validate.verdicts import Verdicts

    verdicts = Verdicts.load(folder / "verdicts.json")
    failures = run_suites(suites, derived, folder / "gx", verdicts)
    verdicts.save()
    return failures


def run() -> list[tuple[str, str]]:
    from portalwatch.night import load_config, normalise
    from portalwatch.normalise.text import placeholder_pattern
    from portalwatch.validate.facts import derive_facts
    from portalwatch.validate.gx import run_suites

    config = load_config(PROFILE)
    frames = normalise([], _records(config), config)
    if len(frames.directory) != ROWS or frames.directory["unit_id"].isna().any():
        raise AssertionError("every directory row must be tied to a registry unit")
    ctx = _context(config)
    required = list(config.profile.checks.required.get("directory", ()))
    regex = placeholder_pattern(config.profile.checks.placeholders)
    open_status = {rule.page: rule.open_status for rule in config.profile.sections}

    def facts() -> dict[str, pd.DataFrame]:
        return derive_facts(frames.units, frames.directory, config.registry, config.roster, ctx,
                            frames.sections, open_status)

    derive, gx, kept, hand, again = Timing(), Timing(), Timing(), Timing(), Timing()
    per_rule: Counter = Counter()
    for attempt in range(WARMUPS + RUNS):
        measured = attempt >= WARMUPS
        derived = derive(facts, measured)
        gx_failures = gx(lambda: run_suites(config.suites, derived, None), measured)
        with tempfile.TemporaryDirectory() as tmp:
            kept_failures = kept(lambda: _with_verdicts(config.suites, derived, Path(tmp)), measured)
            # the next night given the same columns: every verdict kept, nothing run
            again_failures = again(lambda: _with_verdicts(config.suites, derived, Path(tmp)), measured)
            if _tally(again_failures) != _tally(kept_failures):
                raise AssertionError("the verdicts kept gave other failures than running the suites")
        pandas_failures = hand(lambda: _pandas_failures(config.suites, derived, required, regex), measured)
        if not measured:
            _covered(config.suites, derived, required, regex)
            per_rule = _same(gx_failures, pandas_failures)
            _same(kept_failures, pandas_failures)
    ratio, ratio_cpu = gx.median / hand.median, gx.median_cpu / hand.median_cpu
    overall = (derive + gx).median / (derive.median + hand.median)
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    rules = ", ".join(f"{rule}/{name} {count:,}" for (rule, name), count in sorted(per_rule.items()))
    return [
        (f"validate: product path, derive_facts + run_suites ({ROWS:,} rows)", (derive + gx).text()),
        ("validate: of which derive_facts", derive.text()),
        ("validate: of which run_suites (Great Expectations, no project folder)", gx.text()),
        ("validate: run_suites with a project folder and verdict cache as a night keeps them "
         "(results and Data Docs written)",
         kept.text()),
        ("validate: run_suites again on the same columns, with the verdicts the run before kept",
         again.text()),
        ("validate: same rules hand-written in pandas, on the derived facts", hand.text()),
        (f"validate: ratio run_suites / pandas (target at most {TARGET_RATIO:.0f}x)",
         f"{ratio:.1f}x, CPU {ratio_cpu:.1f}x ({verdict})"),
        ("validate: ratio derive_facts + run_suites / derive_facts + pandas", f"{overall:.2f}x"),
        ("validate: failing rows, identical on both sides", f"{sum(per_rule.values()):,} ({rules})"),
    ]


if __name__ == "__main__":
    for measure, result in run():
        print(f"{measure}: {result}")
