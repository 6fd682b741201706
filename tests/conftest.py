"""Shared fixtures: the bundled profile, the sample portal on loopback, and a night's pipeline.

Nothing here reaches beyond loopback: the sample portal binds 127.0.0.1 and the profile is pointed
at it, so the renderer's host allowlist blocks anything else.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parents[1]
PROFILE_PATH = ROOT / "profiles" / "vungtau-2022" / "profile.yaml"


@pytest.fixture(scope="session")
def scenario():
    from sample_portal import load_scenario

    return load_scenario("vungtau-2022")


@pytest.fixture(scope="session")
def portal(scenario):
    from sample_portal import SamplePortal

    with SamplePortal(scenario, night=1) as running:
        yield running


@pytest.fixture(scope="session")
def config(portal):
    from portalwatch.night import load_config

    return load_config(PROFILE_PATH, base_url=portal.base_url)
