"""The systemd units ops install (deployments/systemd/) start what exists in the checkout, with the
environment deployments/README.md tells them to write, and are the units that README shows."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

UNITS = ROOT / "deployments" / "systemd"
CHECKOUT = "/opt/portalwatch"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str                                   # systemd keys are case-sensitive
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def _here(path: str) -> Path:
    assert path.startswith(CHECKOUT + "/"), f"{path}: a path in the checkout the README installs"
    return ROOT / path[len(CHECKOUT) + 1:]


def test_each_unit_starts_a_program_of_the_checkout_after_the_network():
    for name in ("portalwatch-worker.service", "portalwatch-serve.service"):
        unit = _unit(name)
        assert unit["Unit"]["Wants"] == unit["Unit"]["After"] == "network-online.target", name
        service = unit["Service"]
        assert service["User"] == "portalwatch" and service["WorkingDirectory"] == CHECKOUT
        assert service["EnvironmentFile"] == "/etc/portalwatch/worker.env"
        program, *args = shlex.split(service["ExecStart"])
        assert _here(program).is_file(), f"{name}: {program} is made by make install"
        if name == "portalwatch-serve.service":
            assert args[:2] == ["-m", "flows.serve"] and (ROOT / "flows" / "serve.py").is_file()
            profiles = [args[i + 1] for i, a in enumerate(args) if a == "--profile"]
            assert profiles and all((ROOT / p).is_file() for p in profiles)
            assert service["RestartPreventExitStatus"] == "2", "a configuration mistake is not restarted"
        else:
            assert args == ["worker", "start", "--pool", "portalwatch", "--type", "process"]
            pools = re.findall(r"^\s+name: (\S+)\s+# a process work pool", (ROOT / "deployments" / "prefect.yaml")
                               .read_text(encoding="utf-8"), re.M)
            assert pools == ["portalwatch"], "the pool prefect.yaml deploys to"


def test_the_environment_file_names_only_settings_portalwatch_reads():
    text = (UNITS / "worker.env.example").read_text(encoding="utf-8")
    keys = re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, re.M)           # set, or shown commented out
    assert {"PREFECT_API_URL", "PORTALWATCH_DB"} <= set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.M))
    assert {"PORTALWATCH_SLACK_TOKEN", "PORTALWATCH_SMTP_HOST", "PREFECT_API_AUTH_STRING"} <= set(keys)
    assert not re.search(r"^PORTALWATCH_(SLACK_TOKEN|SMTP_PASSWORD)=", text, re.M), \
        "secrets left commented out: set there they would win over Prefect Secret blocks"
    sources = "".join(p.read_text(encoding="utf-8") for folder in ("monitors", "flows")
                      for p in (ROOT / folder).rglob("*.py"))
    for key in keys:
        if key.startswith("PORTALWATCH_"):
            assert key in sources, f"{key} is read by portalwatch"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in keys:
        assert f"`{key}`" in readme or key.startswith("PREFECT_") or key in ("GX_ANALYTICS_ENABLED", "DO_NOT_TRACK"), \
            f"{key} is documented in README's settings"


def test_the_readme_shows_the_worker_unit_as_shipped():
    guide = (ROOT / "deployments" / "README.md").read_text(encoding="utf-8")
    shown = guide.split("`deployments/systemd/portalwatch-worker.service`:\n\n```ini\n", 1)[1].split("```", 1)[0]
    shipped = [line for line in (UNITS / "portalwatch-worker.service").read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#") and not line.startswith("Documentation=")]
    assert [line for line in shown.splitlines() if line] == shipped
    assert "deployments/systemd/worker.env.example /etc/portalwatch/worker.env" in guide
    assert "deployments/systemd/portalwatch-serve.service" in guide


def test_systemd_accepts_the_units(tmp_path):
    """``systemd-analyze verify`` on the units as installed, the checkout's path put for /opt/portalwatch."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:        # a developer's machine without systemd; the tests above still read the units
        pytest.skip("systemd-analyze is not installed (the systemd package)")
    env = tmp_path / "worker.env"
    shutil.copy(UNITS / "worker.env.example", env)
    names = ["portalwatch-worker.service", "portalwatch-serve.service"]
    for name in names:
        text = (UNITS / name).read_text(encoding="utf-8").replace("/etc/portalwatch/worker.env", str(env))
        text = text.replace(CHECKOUT, str(ROOT)).replace("=portalwatch\n", "=root\n")
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run([analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
