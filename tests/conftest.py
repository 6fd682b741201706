"""Shared fixtures: the bundled profile, the sample portal on loopback, and a night's pipeline.

Nothing here reaches beyond loopback: the sample portal binds 127.0.0.1 and the profile is pointed
at it, so the renderer's host allowlist blocks anything else.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flows.environment import prefect_defaults  # noqa: E402  (before any test imports Prefect)

prefect_defaults()
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parents[1]
PROFILE_PATH = ROOT / "profiles" / "vungtau-2022" / "profile.yaml"


def temporary_server_environment(home: Path) -> dict[str, str]:
    """The environment of a subprocess whose runs go to Prefect's temporary server, as a user's do
    with no server configured: no API URL, Prefect's logging as the entry point sets it, and
    Prefect's state in ``home`` rather than shared with the rest of the session."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_LOGGING"))}
    env["PREFECT_HOME"] = str(home)
    return env


#: The bundled layouts: each a scenario of the sample portal and the profile that reads it.
LAYOUTS = {
    "vungtau-2022": PROFILE_PATH,
    "phuong-vung-tau-2025": ROOT / "profiles" / "phuong-vung-tau-2025" / "profile.yaml",
}


@dataclass
class Night:
    """One night of a sample portal, rendered and checked once per test session."""

    night: int
    date: dt.date
    crawl: Any
    units: list
    rows: list
    frames: Any
    ctx: Any
    findings: list


class Site:
    """A sample portal running on loopback, the profile pointed at it, and its nights (computed once)."""

    def __init__(self, name: str) -> None:
        from portalwatch.night import load_config
        from sample_portal import SamplePortal, load_scenario

        self.name = name
        self.scenario = load_scenario(name)
        self.portal = SamplePortal(self.scenario, night=1)
        self.portal.start()
        self.config = load_config(LAYOUTS[name], base_url=self.portal.base_url)
        self._nights: dict[int, Night] | None = None

    @property
    def nights(self) -> dict[int, Night]:
        """Every night of the scenario through the real pipeline (Chromium, Great Expectations)."""
        from portalwatch import night as stages

        if self._nights is None:
            results = {}
            for n in range(1, self.scenario.nights + 1):
                self.portal.set_night(n)
                date = self.scenario.night_date(n)
                crawl = stages.render_portal(self.config.profile)
                units, rows = stages.extract_pages(crawl, self.config.profile)
                frames = stages.normalise(units, rows, self.config,
                                          stages.extract_sections(crawl, self.config.profile))
                ctx = stages.night_context(crawl, frames, self.config, date)
                findings = stages.make_findings(stages.validate(frames, self.config, ctx), self.config, ctx.night)
                results[n] = Night(n, date, crawl, units, rows, frames, ctx, findings)
            self.portal.set_night(1)
            self._nights = results
        return self._nights


@pytest.fixture(scope="module")
def faulty():
    """A sample portal of the module's own, whose faults its tests switch; healthy again after each."""
    from sample_portal import SamplePortal

    with SamplePortal("vungtau-2022") as running:
        yield running


@pytest.fixture(autouse=True)
def _faults_reset(request):
    yield
    if "faulty" in request.fixturenames:
        request.getfixturevalue("faulty").faults.reset()


def render_all(renderer, *requests):
    """Render the requests at once through ``renderer`` (an async context manager), in order."""
    import asyncio

    async def go():
        async with renderer:
            return await asyncio.gather(*(renderer.render(r) for r in requests))
    return asyncio.run(go())


def record(store, config, result: Night):
    """Commit one rendered night to a store, as a nightly run does (None if already recorded)."""
    from portalwatch import night as stages

    run_id = store.begin_run(config.profile.name, result.date)
    if run_id is None:
        return None
    score = stages.score_night(result.findings, config, result.date, result.ctx, result.frames)
    return stages.record_night(store, run_id, config, result.date, result.crawl, result.units, result.rows,
                               result.frames, result.findings, result.ctx, [], score)


@pytest.fixture(scope="session")
def sites():
    """Sample portals started on first use and stopped at the end of the session."""
    started: dict[str, Site] = {}

    def get(name: str) -> Site:
        if name not in started:
            started[name] = Site(name)
        return started[name]

    yield get
    for site in started.values():
        site.portal.stop()


@pytest.fixture(scope="session")
def site_2022(sites) -> Site:
    return sites("vungtau-2022")


@pytest.fixture(scope="session")
def scenario(site_2022):
    return site_2022.scenario


@pytest.fixture(scope="session")
def portal(site_2022):
    return site_2022.portal


@pytest.fixture(scope="session")
def config(site_2022):
    return site_2022.config


@pytest.fixture(scope="session")
def nights(site_2022) -> dict[int, Night]:
    return site_2022.nights


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for the session, dropped afterwards.

    PostgreSQL runs on 127.0.0.1:5432 on the project's machines and in CI (.ci/run starts it if it
    is not running). Where there is none, the PostgreSQL tests say so and do not run; with
    PORTALWATCH_REQUIRE_POSTGRES set (.ci/run sets it) they fail instead, so that CI never passes
    without having run them.
    """
    import uuid

    base = os.environ.get("PORTALWATCH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except Exception as exc:  # no server, no driver: say why the PostgreSQL tests did not run
        message = f"PostgreSQL tests did not run: no server at {base.split('@')[-1]} ({exc})"
        if os.environ.get("PORTALWATCH_REQUIRE_POSTGRES"):
            pytest.fail(message + "; PORTALWATCH_REQUIRE_POSTGRES is set", pytrace=False)
        pytest.skip(message)
    name = f"portalwatch_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """Each store test runs on the embedded default and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    base = request.getfixturevalue("postgres_url")
    import psycopg

    schema_db = f"{base}_{abs(hash(request.node.name)) % 10**8}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{schema_db.rsplit("/", 1)[1]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{schema_db.rsplit("/", 1)[1]}"')
    request.addfinalizer(lambda: _drop(admin_url, schema_db.rsplit("/", 1)[1]))
    return schema_db


def _drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
