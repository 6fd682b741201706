"""CI cannot pass with the PostgreSQL tests skipped: .ci/run sets PORTALWATCH_REQUIRE_POSTGRES, and
with it a missing server fails the tests that need it instead of skipping them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOWHERE = "postgresql://postgres@127.0.0.1:9/postgres"      # nothing listens on port 9


def _pytest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    test = tmp_path / "test_needs_postgres.py"
    test.write_text("def test_needs_postgres(postgres_url):\n    assert postgres_url\n", encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if k != "PORTALWATCH_REQUIRE_POSTGRES"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider",
                           "-q", "-rs", str(test)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**environ, "PORTALWATCH_TEST_POSTGRES": NOWHERE, **env})


def test_without_a_server_the_postgres_tests_skip_and_say_why(tmp_path):
    done = _pytest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert "no server at 127.0.0.1:9/postgres" in done.stdout


def test_when_required_a_missing_server_fails_them(tmp_path):
    done = _pytest(tmp_path, PORTALWATCH_REQUIRE_POSTGRES="1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 error" in done.stdout
    assert "no server at 127.0.0.1:9/postgres" in done.stdout
    assert "PORTALWATCH_REQUIRE_POSTGRES is set" in done.stdout


def test_ci_requires_them():
    assert "export PORTALWATCH_REQUIRE_POSTGRES=1" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
