"""Suite verdicts kept between nights: a suite given last night's columns is not run again, and
finds exactly what running it would."""

import dataclasses
import datetime as dt
import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from portalwatch import night as stages
from portalwatch.validate.gx import run_suites
from portalwatch.validate.suites import load_suites
from portalwatch.validate.verdicts import Verdicts, as_seen, frame_digest

from test_validate import PROFILE, facts  # noqa: F401 - the facts fixture, reused

ROOT = Path(__file__).resolve().parents[1]
PROFILE_PATH = ROOT / "profiles" / "vungtau-2022" / "profile.yaml"


@pytest.fixture
def checkpoints(monkeypatch):
    """The names of the checkpoints Great Expectations runs."""
    import great_expectations as gx

    ran: list[str] = []
    run = gx.Checkpoint.run

    def spy(self, *args, **kwargs):
        ran.append(self.name.removeprefix("portalwatch_"))
        return run(self, *args, **kwargs)

    monkeypatch.setattr(gx.Checkpoint, "run", spy)
    return ran


def _found(failures):
    return sorted((f.suite.name, f.rule_index, f.field, json.dumps(f.row, default=str, sort_keys=True),
                   str(f.value)) for f in failures)


def _run(suites, facts, project, path):
    verdicts = Verdicts.load(path)
    failures = run_suites(suites, facts, project, verdicts)
    verdicts.save()
    return failures, verdicts


def test_the_same_columns_give_last_nights_failures_without_running_a_suite(tmp_path, facts, checkpoints):  # noqa: F811
    suites = load_suites(PROFILE)
    checked = {s.name for s in suites if len(facts[s.frame])}
    path, project = tmp_path / "cache" / "verdicts.json", tmp_path / "gx"
    first, _ = _run(suites, facts, project, path)
    assert set(checkpoints) == checked and first
    checkpoints.clear()

    second, verdicts = _run(suites, facts, project, path)
    assert checkpoints == [], "every suite was given last night's columns"
    assert set(verdicts.reused) == checked
    assert _found(second) == _found(first)
    for name in checked:                       # nothing ran, so no result was added to the project
        assert len(list((project / "gx" / "uncommitted" / "validations" / name).rglob("*.json"))) == 1
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert set(kept["suites"]) == checked      # tonight's verdicts, carried on for the next night


def test_a_project_folder_removed_has_every_suite_run_again_for_its_data_docs(tmp_path, facts,  # noqa: F811
                                                                              checkpoints):
    import shutil

    suites = load_suites(PROFILE)
    checked = {s.name for s in suites if len(facts[s.frame])}
    path, project = tmp_path / "verdicts.json", tmp_path / "gx"
    _run(suites, facts, project, path)
    shutil.rmtree(project)
    checkpoints.clear()
    _, verdicts = _run(suites, facts, project, path)
    assert set(checkpoints) == checked and verdicts.reused == []
    index = (project / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").read_text(encoding="utf-8")
    assert all(f"validations/{name}/" in index for name in checked)


def test_a_changed_column_runs_the_suites_that_read_it_and_finds_the_change(tmp_path, facts, checkpoints):  # noqa: F811
    suites = load_suites(PROFILE)
    path, project = tmp_path / "verdicts.json", tmp_path / "gx"
    first, _ = _run(suites, facts, project, path)
    checkpoints.clear()
    directory = facts["directory"].copy()
    directory.loc[2, "email_raw"] = directory.loc[2, "email"] = None     # the leader's e-mail removed
    changed = {**facts, "directory": directory}
    second, verdicts = _run(suites, changed, project, path)

    readers = {s.name for s in suites if len(facts[s.frame]) and s.frame == "directory"
               and any(r.column_for(f, s) in ("email_raw", "email") or "row_condition" in r.kwargs
                       for r in s.rules for f in r.fields)}
    assert readers and set(checkpoints) == readers
    assert set(verdicts.reused) == {s.name for s in suites if len(facts[s.frame])} - readers
    fresh = run_suites(suites, changed)                                   # the same night, nothing kept
    assert _found(second) == _found(fresh) != _found(first)
    assert any(f.rule.rule == "leader_field_present" and f.field == "email" for f in second)


def test_a_changed_rule_is_run_again(tmp_path, facts, checkpoints):  # noqa: F811
    suites = load_suites(PROFILE)
    path = tmp_path / "verdicts.json"
    _run(suites, facts, None, path)
    checkpoints.clear()
    target = next(s for s in suites if s.name == "directory_required")
    rules = tuple(dataclasses.replace(r, fields=r.fields[:-1]) if i == 0 else r for i, r in enumerate(target.rules))
    edited = [dataclasses.replace(s, rules=rules) if s is target else s for s in suites]
    _, verdicts = _run(edited, facts, None, path)
    assert checkpoints == ["directory_required"]
    assert "directory_required" not in verdicts.reused


def _aged(facts, ages):  # noqa: F811
    units = facts["units"].copy()
    units["updated_age_wd"] = pd.Series(ages, index=units.index, dtype=object)
    return {**facts, "units": units}


def test_a_bound_check_runs_again_only_when_a_value_crosses_its_bound(tmp_path, facts, checkpoints):  # noqa: F811
    """Working days since an update grow every night; the freshness suite (at most 120) is not run
    again until a page crosses the limit, and a kept verdict quotes tonight's count."""
    suites = load_suites(PROFILE)
    path, project = tmp_path / "verdicts.json", tmp_path / "gx"
    rows = len(facts["units"])
    assert rows >= 3
    first = _aged(facts, [130, 10, None] + [11] * (rows - 3))
    _run(suites, first, project, path)
    checkpoints.clear()

    older = _aged(facts, [131, 119, None] + [120] * (rows - 3))        # every page a day older; none crossed
    kept, verdicts = _run(suites, older, project, path)
    assert "units_freshness" not in checkpoints and "units_freshness" in verdicts.reused
    stale = [f for f in kept if f.suite.name == "units_freshness"]
    assert [f.row["updated_age_wd"] for f in stale] == [131]             # tonight's count, not last night's
    assert _found(kept) == _found(run_suites(suites, older))

    crossed = _aged(facts, [132, 121, None] + [120] * (rows - 3))      # the second page is now past the limit
    ran, verdicts = _run(suites, crossed, project, path)
    assert "units_freshness" in checkpoints and "units_freshness" not in verdicts.reused
    assert sorted(f.row["updated_age_wd"] for f in ran if f.suite.name == "units_freshness") == [121, 132]
    assert _found(ran) == _found(run_suites(suites, crossed))


def test_only_columns_read_by_numeric_bounds_alone_are_seen_as_sides(facts):  # noqa: F811
    suites = {s.name: s for s in load_suites(PROFILE)}
    freshness, required = suites["units_freshness"], suites["directory_required"]
    ages = pd.DataFrame({"updated_age_wd": pd.Series([5, None, 121, 120], dtype=object)})
    assert as_seen(freshness, ages)["updated_age_wd"].tolist() == ["=", None, ">", "="]
    assert Verdicts.key(freshness, ages) == Verdicts.key(freshness, ages.assign(updated_age_wd=[6, None, 300, 0]))
    assert Verdicts.key(freshness, ages) != Verdicts.key(freshness, ages.assign(updated_age_wd=[6, None, 3, 0]))
    assert Verdicts.key(freshness, ages) != Verdicts.key(freshness, ages.iloc[:3])
    text = pd.DataFrame({"updated_age_wd": ["5", None, "121", "120"]})   # not numbers: the values themselves
    assert as_seen(freshness, text) is text
    directory = facts["directory"]
    given = directory[[c for c in directory.columns if c in ("person_name", "position", "email", "mobile")]]
    assert as_seen(required, given) is given                             # no bound check in it


def test_the_digest_tells_a_missing_value_from_its_text_and_a_number_from_its_digits():
    assert frame_digest(pd.DataFrame({"a": [None]}, dtype=object)) != frame_digest(pd.DataFrame({"a": ["None"]}))
    assert frame_digest(pd.DataFrame({"a": [1]}, dtype=object)) != frame_digest(pd.DataFrame({"a": ["1"]}))
    assert frame_digest(pd.DataFrame({"a": ["x"]})) != frame_digest(pd.DataFrame({"b": ["x"]}))
    assert frame_digest(pd.DataFrame({"a": ["x", "y"]})) == frame_digest(pd.DataFrame({"a": ["x", "y"]}))


def test_a_file_unread_or_of_another_version_only_means_every_suite_runs(tmp_path, facts, checkpoints,  # noqa: F811
                                                                         caplog):
    suites = load_suites(PROFILE)
    checked = {s.name for s in suites if len(facts[s.frame])}
    path = tmp_path / "verdicts.json"
    path.write_text("{not json", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="portalwatch.validate.verdicts"):
        first, _ = _run(suites, facts, None, path)
    assert set(checkpoints) == checked
    assert "verdict cache" in caplog.text and str(path) in caplog.text
    kept = json.loads(path.read_text(encoding="utf-8"))
    kept["version"] = "another"
    path.write_text(json.dumps(kept), encoding="utf-8")
    checkpoints.clear()
    again, verdicts = _run(suites, facts, None, path)
    assert set(checkpoints) == checked and verdicts.reused == []
    assert _found(again) == _found(first)


def test_an_unchanged_night_runs_no_suite_and_finds_what_a_full_night_does(portal, scenario, tmp_path, checkpoints):
    """The second of two nights of an unchanged portal: every suite takes the first night's verdict,
    the freshness suite too, since no page crossed its limit overnight (the working days since each
    update moved on, their side of the limit did not). Its findings, which quote tonight's count of
    working days, are those of the same night audited into a fresh folder."""
    portal.set_night(1)
    night = scenario.night_date(1)
    nxt = (night + dt.timedelta(days=1)).isoformat()
    assert dt.date.fromisoformat(nxt).weekday() < 5, "the next day must be a working day"
    out = tmp_path / "out"
    first = stages.run_night(PROFILE_PATH, out, now=night.isoformat(), base_url=portal.base_url)
    first_ran = set(checkpoints)
    assert first.summary["suites_reused"] == [] and {"units_freshness", "directory_required"} <= first_ran
    checkpoints.clear()
    second = stages.run_night(PROFILE_PATH, out, now=nxt, base_url=portal.base_url)
    assert checkpoints == []
    assert second.summary["suites_reused"] == sorted(first_ran)
    full = stages.run_night(PROFILE_PATH, tmp_path / "fresh", now=nxt, base_url=portal.base_url)

    def findings(outputs):
        return sorted(outputs.findings.read_text(encoding="utf-8").splitlines())

    assert findings(second) == findings(full)
    assert any('"unit_page_updated_recently"' in line for line in findings(second))
    assert full.summary["suites_reused"] == []
