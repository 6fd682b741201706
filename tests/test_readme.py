"""README, held to the code: the commands, options and environment variables it tells a user about exist,
and none that the code offers is left out of its overviews."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: Variables the code reads that are not for users: a crash-test hook of the store's tests.
NOT_FOR_USERS = {"PORTALWATCH_FAILPOINT"}


def _section(title: str) -> str:
    """The text of README's section ``## title``, up to the next section."""
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _commands_in(block: str) -> list[tuple[tuple[str, ...], set[str]]]:
    """The commands a shell block of README shows: (command path, options it names).
    ``list|show|export`` stands for three commands; a word in capitals or ``...`` ends the path."""
    commands = []
    for line in block.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "portalwatch":
            continue
        paths: list[tuple[str, ...]] = [()]
        for word in words[1:]:
            if not re.fullmatch(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*", word):
                break
            paths = [(*path, choice) for path in paths for choice in word.split("|")]
        options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", " ".join(words)))
        commands.extend((path, options) for path in paths)
    return commands


def _cli_commands() -> dict[tuple[str, ...], set[str]]:
    """Every command of the CLI, by path, with the options it accepts."""
    import typer.main

    from portalwatch.cli import app

    found: dict[tuple[str, ...], set[str]] = {}

    def walk(command, path: tuple[str, ...]) -> None:
        if hasattr(command, "commands"):     # a group (typer brings its own click)
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        else:
            found[path] = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}

    walk(typer.main.get_command(app), ())
    return found


def test_the_readme_shows_every_command_and_only_real_options():
    """README is where a new user looks first: its command-line block names every top-level command,
    and every command and option its shell blocks show exists."""
    blocks = [part.split("```", 1)[0] for part in README.split("```sh")[1:]]
    overview = _section("The command line").split("```sh", 1)[1].split("```", 1)[0]
    real, listed = _cli_commands(), _commands_in(overview)
    shown = [command for block in blocks for command in _commands_in(block)]
    assert len(shown) > len(listed) > 0
    for path, options in shown:
        assert path in real, f"README shows `portalwatch {' '.join(path)}`, which the CLI does not have"
        assert options <= real[path], f"`portalwatch {' '.join(path)}` has no {sorted(options - real[path])}"
    left_out = {path[0] for path in real} - {path[0] for path, _ in listed}
    assert not left_out, f"README's command-line block leaves out {sorted(left_out)}"


def test_the_environment_table_names_every_variable_the_code_reads():
    """Ops configure a deployment through the environment: each PORTALWATCH_ variable that monitors/ or
    flows/ reads is a row of README's Environment table, and each row is one the code reads."""
    read: set[str] = set()
    for folder in ("monitors", "flows"):
        for source in (ROOT / folder).rglob("*.py"):
            read.update(re.findall(r"PORTALWATCH_[A-Z_]*[A-Z](?![A-Z_])", source.read_text(encoding="utf-8")))
    rows = [line for line in _section("Environment").splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(PORTALWATCH_[A-Z_]+)`", row.split(" | ")[0])}
    assert len(read) > 10
    missing = read - NOT_FOR_USERS - documented
    assert not missing, f"not in README's Environment table: {sorted(missing)}"
    assert not documented - read, f"README documents variables nothing reads: {sorted(documented - read)}"


def test_the_worked_example_profile_loads_and_its_clean_ups_are_the_real_ones(tmp_path):
    """A new portal starts from README's worked example: it must load as written (a key the loader no
    longer knows would be refused with the file and line), and the clean-ups README lists must be
    exactly those a field may use."""
    import textwrap

    from portalwatch.extract.processors import PARAMETRISED, PROCESSORS
    from portalwatch.profile.loader import load_profile

    section = _section("Monitoring another portal: writing a profile")
    example = textwrap.dedent(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    (tmp_path / "profile.yaml").write_text(example, encoding="utf-8")
    profile = load_profile(tmp_path / "profile.yaml")
    assert profile.name == "phuong-7"
    assert {"unit_index", "unit_page", "directory"} <= set(profile.pages)
    assert profile.pages["directory"].rows == "table.danh-ba tbody tr"
    assert profile.roster_path == tmp_path / "roster.csv"

    listed = section.split("applies its `clean` steps in\n", 1)[1].split(". Pages are parsed", 1)[0]
    named = set(re.findall(r"`\{?(\w+)", listed))
    assert named == set(PROCESSORS) | set(PARAMETRISED)


def test_the_profile_section_lists_the_fields_each_page_type_accepts():
    """The table of field names is the loader's: a field added to the code is not left undocumented,
    and none the loader refuses is offered."""
    from portalwatch.profile.schema import DIRECTORY_FIELDS, SECTION_FIELDS, UNIT_FIELDS

    rows = dict(re.findall(r"^\s*\| (`unit_page`|`directory`|a section's page type[^|]*) \| ([^|]+) \|$",
                           _section("Monitoring another portal: writing a profile"), flags=re.M))
    listed = {key.split("`")[1] if "`" in key.split()[0] else "section": re.findall(r"`(\w+)`", value)
              for key, value in rows.items()}
    assert listed == {"unit_page": list(UNIT_FIELDS), "directory": list(DIRECTORY_FIELDS),
                      "section": list(SECTION_FIELDS)}


def test_every_test_faults_md_cites_exists():
    """FAULTS.md says which test shows each behaviour: a test renamed or removed must not leave the
    table citing one that no longer runs. ``::name`` after a file's path is a test of that file."""
    faults = (ROOT / "FAULTS.md").read_text(encoding="utf-8")
    cited = []
    for row in faults.splitlines():
        current = None
        for path, name in re.findall(r"`(?:tests/(test_\w+)\.py)?::(\w+)", row):
            current = path or current
            cited.append((current, name))
    assert len(cited) > 40, "the table cites its tests"
    missing = [(path, name) for path, name in cited
               if path is None or f"def {name}(" not in (ROOT / "tests" / f"{path}.py").read_text(encoding="utf-8")]
    assert missing == []


def test_the_registry_example_loads(tmp_path):
    """The registry example of the profile section is a registry the loader takes, VP office and all."""
    import textwrap

    from portalwatch.profile.registry import load_registry

    section = _section("Monitoring another portal: writing a profile")
    example = textwrap.dedent(section.split("2. `registry.yaml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0])
    (tmp_path / "registry.yaml").write_text(example, encoding="utf-8")
    registry = load_registry(tmp_path / "registry.yaml")
    assert registry.vp_office == "van-phong" and registry.units["ubnd-phuong-7"].responsible == "van-phong"
    assert registry.match("P.7").id == "ubnd-phuong-7" and registry.ops.slack == "#pw-ops"
