"""constraints.txt pins what `make install` installs, so that worker machines installing on different
days, CI and a new user's checkout run the same versions of Prefect, Great Expectations, pandas and
the rest, the versions the tests passed with.

The pins must cover everything the project installs (its requirements, their requirements, and so
on), each within the range pyproject.toml declares, and the tests must run on exactly those pins.
"""

from __future__ import annotations

import tomllib
from importlib import metadata

import yaml
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from conftest import ROOT


def _pins() -> dict[NormalizedName, Version]:
    pins: dict[NormalizedName, Version] = {}
    for number, raw in enumerate((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and name.strip(), f"constraints.txt:{number}: '{raw}' is not 'name==version'"
        assert canonicalize_name(name) not in pins, f"constraints.txt:{number}: {name} is pinned twice"
        pins[canonicalize_name(name)] = Version(version.strip())
    return pins


def _project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    return [Requirement(text) for text in declared]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    """Whether pip installs a requirement on this machine, for a distribution asked for with extras."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def _installed_closure() -> dict[NormalizedName, str]:
    """Every distribution the project's requirements bring in here, with the one that asked for it."""
    found: dict[NormalizedName, str] = {}
    walked: set[tuple[NormalizedName, frozenset[str]]] = set()
    todo = [(requirement, "pyproject.toml") for requirement in _project_requirements()]
    while todo:
        requirement, wanted_by = todo.pop()
        name = canonicalize_name(requirement.name)
        found.setdefault(name, wanted_by)
        key = (name, frozenset(requirement.extras))
        if key in walked:
            continue
        walked.add(key)
        for text in metadata.requires(requirement.name) or []:
            child = Requirement(text)
            if _applies(child, set(requirement.extras)):
                todo.append((child, requirement.name))
    return found


def test_every_requirement_of_pyproject_is_pinned_within_its_range():
    pins = _pins()
    for requirement in _project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"pyproject.toml asks for {requirement}: constraints.txt does not pin it (make lock)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {requirement} (make lock)")


def test_everything_the_project_installs_is_pinned():
    pins = _pins()
    unpinned = {name: wanted_by for name, wanted_by in _installed_closure().items() if name not in pins}
    assert not unpinned, f"installed but not pinned in constraints.txt (make lock): {unpinned}"


def test_the_tests_run_on_the_pinned_versions():
    closure = _installed_closure()
    assert len(closure) > 50, "the walk through the installed requirements found almost nothing"
    differing = {}
    for name, pinned in _pins().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            assert name not in closure, f"{name} is required here but not installed"
            continue                       # pinned for another platform or Python, not needed here
        if installed != pinned:
            differing[name] = f"installed {installed}, pinned {pinned}"
    assert not differing, f"this environment is not the pinned one (make install): {differing}"


def test_the_deployments_declare_the_pinned_prefect():
    declared = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text(encoding="utf-8"))["prefect-version"]
    pinned = _pins()["prefect"]
    assert Version(str(declared)) == pinned, (
        f"deployments/prefect.yaml says prefect-version {declared}; constraints.txt pins {pinned}")
