"""Suite files in expectations/: the bundled ones load, and mistakes are named."""

from pathlib import Path

import pytest

from portalwatch.errors import SuiteError
from portalwatch.profile import load_profile
from portalwatch.validate.suites import load_suites

ROOT = Path(__file__).resolve().parents[1]
PROFILE = load_profile(ROOT / "profiles" / "vungtau-2022" / "profile.yaml")

GOOD = """\
suite: s
frame: units
rows: reachable
rules:
  - rule: r
    expectation: expect_column_values_to_not_be_null
    fields: [phone]
    category: missing
    severity: high
    legal_basis: "NĐ 42/2022/NĐ-CP"
    expected: "x"
    message_vi: "x"
    message_en: "x"
"""


def test_bundled_suites_take_lists_from_the_profile():
    suites = {s.name: s for s in load_suites(PROFILE)}
    rule = suites["units_required"].rules[0]
    assert rule.fields == PROFILE.checks.required["units"]
    placeholder = suites["units_required"].rules[1]
    assert placeholder.kwargs["regex"].startswith("(?i)^")


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("frame: units", "frame: people"), r"key 'frame': expected one of units, directory"),
    (lambda t: t.replace("category: missing", "category: absent"), r"key 'rules\[0\].category': expected one of"),
    (lambda t: t.replace("severity: high", "severity: urgent"), r"key 'rules\[0\].severity'"),
    (lambda t: t.replace("fields: [phone]", "fields: {profile: required.people}"),
     r"unknown profile parameter 'required.people'"),
    (lambda t: t.replace("    message_en: \"x\"\n", ""), r"key 'rules\[0\].message_en': missing required key"),
    (lambda t: t + t[t.index("  - rule"):], r"duplicate rule name\(s\): r"),
])
def test_malformed_suites_are_named(tmp_path, edit, message):
    (tmp_path / "s.yaml").write_text(edit(GOOD), encoding="utf-8")
    with pytest.raises(SuiteError, match=message):
        load_suites(PROFILE, tmp_path)


@pytest.mark.parametrize("value", ['""', "null", "true", "3", "[a, b]"])
def test_a_rules_evidence_is_a_column_or_false(tmp_path, value):
    """``value:`` names the column a finding quotes, or is false for a rule that quotes nothing; an
    empty or null one is refused rather than read as "the field's value", which false exists to avoid."""
    (tmp_path / "s.yaml").write_text(GOOD.replace("    category:", f"    value: {value}\n    category:", 1),
                                     encoding="utf-8")
    with pytest.raises(SuiteError, match=r"key 'rules\[0\]\.value': expected the name of the column shown as "
                                         r"evidence .*, or false for a rule that shows no value seen"):
        load_suites(PROFILE, tmp_path)


def test_a_rule_with_value_false_shows_no_evidence_and_a_missing_column_is_named(tmp_path):
    """A failure of a ``value: false`` rule has no value even where the row holds the field's column;
    a ``value`` column the frame lacks is refused when the suite runs, naming the rule."""
    import pandas as pd

    from portalwatch.validate.gx import run_suites

    frame = pd.DataFrame({"unit_id": ["u1"], "phone_raw": ["0254 3852 361"], "phone": [None],
                          "http_status": [200]}).astype(object)
    checked = "    column: phone\n"                  # the number as parsed (none), while the site shows one
    (tmp_path / "s.yaml").write_text(GOOD.replace("    category:", f"{checked}    value: false\n    category:", 1),
                                     encoding="utf-8")
    suite, = load_suites(PROFILE, tmp_path)
    assert suite.rules[0].value_for("phone", suite) is None
    failure, = run_suites([suite], {"units": frame})
    assert failure.value is None and failure.row["phone_raw"] == "0254 3852 361"
    (tmp_path / "s.yaml").write_text(
        GOOD.replace("    category:", f"{checked}    value: \"{{field}}_shown\"\n    category:", 1), encoding="utf-8")
    with pytest.raises(SuiteError, match=r"value: column 'phone_shown', shown as evidence of field 'phone', "
                                         r"is not in the units frame"):
        run_suites(load_suites(PROFILE, tmp_path), {"units": frame})


def test_empty_suites_folder(tmp_path):
    with pytest.raises(SuiteError, match="no suite file"):
        load_suites(PROFILE, tmp_path)


def test_rule_names_are_read_without_a_profile(tmp_path):
    """What `findings list --rule` is checked against: every rule the suites declare, those of a file
    that cannot be read left out (the night names that file)."""
    from portalwatch.validate.suites import rule_names

    bundled = {rule.rule for suite in load_suites(PROFILE) for rule in suite.rules}
    assert rule_names() == bundled and "leader_phone_valid" in bundled
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("suite: [unclosed\n", encoding="utf-8")
    assert rule_names(tmp_path) == {"r"}


def test_two_runs_validating_into_one_project_take_turns(tmp_path):
    """Two runs of a portal into one output folder at once share its Great Expectations project,
    whose file store two processes cannot write at once: a run waits while another holds it."""
    import fcntl
    import subprocess
    import sys

    (tmp_path / "s.yaml").write_text(GOOD, encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    code = (
        "import sys, pandas as pd\n"
        "from pathlib import Path\n"
        "from portalwatch.profile import load_profile\n"
        "from portalwatch.validate.suites import load_suites\n"
        "from portalwatch.validate.gx import run_suites, _gx\n"
        "_gx()\n"                                         # Great Expectations imported before the wait
        "profile = load_profile(sys.argv[1])\n"
        "frame = pd.DataFrame({'unit_id': ['u1'], 'phone_raw': ['x'], 'phone': [None], 'http_status': [200]})"
        ".astype(object)\n"
        "print('ready', flush=True)\n"
        "print(len(run_suites(load_suites(profile, Path(sys.argv[2])), {'units': frame}, Path(sys.argv[3]))))\n")
    with open(project / ".portalwatch-gx.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)                  # another run is validating
        run = subprocess.Popen([sys.executable, "-c", code, str(ROOT / "profiles" / "vungtau-2022" / "profile.yaml"),
                                str(tmp_path), str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        assert run.stdout.readline().strip() == "ready", run.stderr.read()
        try:
            run.wait(timeout=8)
        except subprocess.TimeoutExpired:
            pass
        assert run.poll() is None and not (project / "gx").exists(), "it waits, the project untouched"
        fcntl.flock(held, fcntl.LOCK_UN)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0 and out.strip().isdigit(), err[-800:]
    assert (project / "gx" / "uncommitted" / "validations").is_dir()
