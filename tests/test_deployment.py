"""deployments/prefect.yaml deploys and runs as production does: a Prefect server, `prefect deploy
--all`, a process worker pulling from the `portalwatch` pool, the nightly audit of the sample portal.

Everything is on loopback: the server, the worker and the sample portal; the deployment's parameters
point the audit at the sample portal and at temporary folders.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, temporary_server_environment

pytestmark = [pytest.mark.browser, pytest.mark.prefect]

PREFECT = str(Path(sys.executable).with_name("prefect"))
STARTUP_TIMEOUT_S = 240
TOKEN = "xoxb-deployment-test-0000"
COMMAND_TIMEOUT_S = 600


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen | None) -> None:
    """Stop a process started here and everything it started (its own session)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A Prefect server of its own (temporary PREFECT_HOME and database, a free loopback port), and
    the environment the CLI and workers need to reach it."""
    import httpx

    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "PORTALWATCH_SLACK", "PORTALWATCH_SMTP", "PORTALWATCH_DB"))}
    env.update(PREFECT_HOME=str(home), PREFECT_API_URL=url, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="false", DO_NOT_TRACK="1", GX_ANALYTICS_ENABLED="False",
               PORTALWATCH_HOME=str(ROOT))
    log = home / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            assert server.poll() is None, f"the Prefect server exited:\n{_tail(log)}"
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"no answer from {url}/health:\n{_tail(log)}"
            time.sleep(1)
        yield {"url": url, "env": env, "log": log, "home": home}
    finally:
        _stop(server)


def _prefect(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT_S)
    assert result.returncode == 0, f"prefect {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def test_deployments_run_through_a_process_worker(prefect_server, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.blocks.system import Secret

    from portalwatch.store import open_store
    from sample_portal import SamplePortal
    from sample_portal.slack_api import SlackApiServer

    from flows.automations import HEARTBEAT_S, NAME, SILENCE_S

    env = prefect_server["env"]
    # As deployments/README.md says: `make deploy`, PORTALWATCH_HOME left to its default (this checkout).
    made = subprocess.run(["make", "deploy"], env={k: v for k, v in env.items() if k != "PORTALWATCH_HOME"},
                          cwd=ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    assert made.returncode == 0, f"make deploy failed:\n{made.stdout[-3000:]}\n{made.stderr[-3000:]}"
    assert f"workers run the checkout at {ROOT}" in made.stdout
    again = subprocess.run([sys.executable, "-m", "flows.automations"], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=COMMAND_TIMEOUT_S)
    assert again.returncode == 0 and f"a run silent for {SILENCE_S} s is marked Crashed" in again.stdout, again.stderr

    portal = SamplePortal("vungtau-2022", night=1)
    worker = None
    try:
        portal.start()
        night = portal.scenario.night_date(1).isoformat()
        out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'store.sqlite3'}"
        with temporary_settings(updates={PREFECT_API_URL: prefect_server["url"]}):
            with get_client(sync_client=True) as client:
                deployments = {d.name: d for d in client.read_deployments()}
                assert set(deployments) == {"vungtau-2022", "phuong-vung-tau-2025", "deliver-alerts"}
                for name, cron in (("vungtau-2022", "30 1 * * *"), ("phuong-vung-tau-2025", "30 1 * * *"),
                                   ("deliver-alerts", "5 7 * * *")):
                    deployment = deployments[name]
                    assert deployment.work_pool_name == "portalwatch"
                    assert [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules] == [
                        (cron, "Asia/Ho_Chi_Minh")]
                assert deployments["vungtau-2022"].parameters["profile"] == "profiles/vungtau-2022/profile.yaml"
                assert deployments["vungtau-2022"].pull_steps == [{"prefect.deployments.steps.set_working_directory":
                                                                   {"directory": str(ROOT)}}]
                assert client.read_work_pool("portalwatch").type == "process"
                assert all(d.job_variables["env"]["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == str(HEARTBEAT_S)
                           for d in deployments.values()), "every run sends the heartbeats the automation watches"
                [crash] = client.read_automations_by_name(NAME)      # one, though created twice
                assert crash.enabled and crash.trigger.within.total_seconds() == SILENCE_S
                assert crash.trigger.posture == "Proactive" and crash.actions[0].state.value == "CRASHED"

                run = client.create_flow_run_from_deployment(
                    deployments["vungtau-2022"].id,
                    parameters={"base_url": portal.base_url, "out": str(out), "now": night, "db": db})

            log = tmp_path / "worker.log"
            with log.open("wb") as handle:
                worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "portalwatch", "--run-once"],
                                          env=env, cwd=tmp_path, stdout=handle, stderr=subprocess.STDOUT,
                                          start_new_session=True)
            worker.wait(timeout=COMMAND_TIMEOUT_S)

            with get_client(sync_client=True) as client:
                finished = client.read_flow_run(run.id)
                assert finished.state is not None and finished.state.is_completed(), (
                    f"flow run ended {finished.state}:\n{_tail(log)}")
                artifacts = client.read_artifacts(
                    artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
        summaries = [a for a in artifacts if (a.key or "").endswith("nightly-summary")]
        assert summaries, f"no nightly summary among the artifacts {[a.key for a in artifacts]}"
        summary = summaries[0]
        assert "vungtau-2022" in summary.data and night in summary.data

        folder = out / "vungtau-2022" / night
        assert (folder / "findings.jsonl").is_file() and (folder / "findings.jsonl").stat().st_size > 0
        assert (folder / "summary.json").is_file()
        assert ("GET", "/he-thong-chinh-tri") in portal.request_log, "the worker audited the sample portal"

        # The night queued its alerts for real (send: true) and no sender is configured: they wait.
        store = open_store(db)
        try:
            queued = store.messages("vungtau-2022")
        finally:
            store.dispose()
        assert queued and all(m["status"] == "pending" for m in queued), [m["status"] for m in queued]
        slack_rows = [m for m in queued if m["channel"] == "slack"]
        assert slack_rows

        # The morning delivery: the Slack token from a Prefect Secret block, not from the environment.
        with SlackApiServer(token=TOKEN) as slack, temporary_settings(updates={PREFECT_API_URL: prefect_server["url"]}):
            Secret(value=TOKEN).save("portalwatch-slack-token", overwrite=True)
            with get_client(sync_client=True) as client:
                delivery = client.create_flow_run_from_deployment(
                    deployments["deliver-alerts"].id,
                    parameters={"profiles": ["profiles/vungtau-2022/profile.yaml"], "out": str(out), "db": db,
                                "now": f"{night}T09:00", "slack_secret": "portalwatch-slack-token"})
            log = tmp_path / "worker-morning.log"
            with log.open("wb") as handle:
                worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "portalwatch", "--run-once"],
                                          env={**env, "PORTALWATCH_SLACK_BASE_URL": slack.base_url}, cwd=tmp_path,
                                          stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
            worker.wait(timeout=COMMAND_TIMEOUT_S)
            with get_client(sync_client=True) as client:
                finished = client.read_flow_run(delivery.id)
                # Slack delivered; the e-mails wait for an SMTP server nobody set up: a morning that
                # needs a person ends Failed, saying why, as `portalwatch alerts send` exits 1.
                assert finished.state is not None and finished.state.is_failed(), (
                    f"delivery ended {finished.state}:\n{_tail(log)}")
                assert finished.state.message.startswith("messages not delivered: vungtau-2022: 0 refused, "), (
                    finished.state.message)
                assert "no email sender configured" in finished.state.message
                morning = client.read_artifacts(
                    artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[delivery.id])))
            posted = slack.messages
        store = open_store(db)
        try:
            after = {m["id"]: m for m in store.messages("vungtau-2022")}
        finally:
            store.dispose()
        assert all(after[m["id"]]["status"] == "sent" for m in slack_rows)
        assert len(posted) == len(slack_rows), "each queued Slack message posted once"
        assert all(after[m["id"]]["status"] == "pending" for m in queued if m["channel"] == "email"), (
            "no SMTP server configured: e-mails keep waiting in the outbox")
        assert TOKEN not in log.read_text(encoding="utf-8", errors="replace")
        # The morning's table artifact says the same as the outbox, portal by portal.
        table = next((a for a in morning if a.key == "deliver-alerts"), None)
        assert table is not None and table.type == "table", [a.key for a in morning]
        (row,) = json.loads(table.data)
        assert row["Cổng (portal)"] == "vungtau-2022"
        assert row["Đã gửi (delivered)"] == len(slack_rows)
        assert row["Đang chờ (waiting)"] == sum(m["channel"] == "email" for m in queued)
        assert row["Bị từ chối (refused)"] == 0
    finally:
        _stop(worker)
        portal.stop()


def _processes_of_run(run_id) -> list[int]:
    """The processes a worker started for a flow run: their environment names the run."""
    marker = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_a_run_whose_worker_is_killed_is_marked_crashed(prefect_server, tmp_path):
    """kill -9 of a worker mid-night: its flow run's heartbeats stop and the automation marks it
    Crashed, so ops are paged instead of the night showing Running for ever. The heartbeat is at
    Prefect's shortest (30 s) and the silence 45 s here, to keep the test short; production uses
    60 s and 180 s (deployments/prefect.yaml, flows/automations.py)."""
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.automations import crash_unresponsive_runs
    from sample_portal import SamplePortal

    env = prefect_server["env"]
    with temporary_settings(updates={PREFECT_API_URL: prefect_server["url"]}):
        with get_client(sync_client=True) as client:
            if not any(d.name == "vungtau-2022" for d in client.read_deployments()):
                _prefect(env, "work-pool", "create", "portalwatch", "--type", "process", "--overwrite")
                _prefect(env, "--no-prompt", "deploy", "--all", "--prefect-file", "deployments/prefect.yaml")
            deployment = next(d for d in client.read_deployments() if d.name == "vungtau-2022")
        crash_unresponsive_runs(silence_s=45)
        portal = SamplePortal("vungtau-2022", night=1)
        portal.faults.slow_ms["/he-thong-chinh-tri/"] = 120_000     # the night is still crawling when killed
        worker = None
        try:
            portal.start()
            with get_client(sync_client=True) as client:
                run = client.create_flow_run_from_deployment(
                    deployment.id, parameters={"base_url": portal.base_url, "out": str(tmp_path / "out"),
                                               "now": portal.scenario.night_date(1).isoformat(),
                                               "db": f"sqlite:///{tmp_path / 'store.sqlite3'}"},
                    job_variables={"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}})
            log = tmp_path / "worker.log"
            with log.open("wb") as handle:
                worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "portalwatch"], env=env,
                                          cwd=tmp_path, stdout=handle, stderr=subprocess.STDOUT,
                                          start_new_session=True)
            deadline = time.monotonic() + COMMAND_TIMEOUT_S
            with get_client(sync_client=True) as client:
                while not client.read_flow_run(run.id).state.is_running():
                    assert time.monotonic() < deadline, f"the run never started:\n{_tail(log)}"
                    time.sleep(1)
            time.sleep(10)                                            # a heartbeat or two has gone out
            os.killpg(worker.pid, signal.SIGKILL)                    # the worker, as a machine going down would,
            for pid in _processes_of_run(run.id):                    # and the night's process, in a session of
                os.kill(pid, signal.SIGKILL)                         # its own
            worker.wait(timeout=30)
            deadline = time.monotonic() + 240
            with get_client(sync_client=True) as client:
                while not (state := client.read_flow_run(run.id).state).is_crashed():
                    assert state.is_running(), f"the run ended {state}, not Crashed"
                    assert time.monotonic() < deadline, "still Running four minutes after its worker was killed"
                    time.sleep(5)
            assert state.message == "no heartbeat for 45 s: the worker running it stopped"
        finally:
            _stop(worker)
            portal.stop()
            crash_unresponsive_runs()


def test_make_deploy_without_a_prefect_server_says_so():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    made = subprocess.run(["make", "deploy"], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_S)
    assert made.returncode != 0
    assert "PREFECT_API_URL is not set: give the Prefect server to deploy to" in made.stdout
    assert "Traceback" not in made.stdout + made.stderr


def test_secret_blocks_are_saved_by_a_command_that_refuses_an_empty_value(prefect_server):
    """deployments/README.md's command: the value piped in (or typed, not echoed), a token kept without
    spaces and a password as given, an empty value refused with nothing saved."""
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env = prefect_server["env"]

    def save(*args: str, value: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flows.secret_blocks", *args], input=value, env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)

    saved = save("slack", value=f"  {TOKEN}  \n")
    assert saved.returncode == 0 and "saved the Prefect Secret block 'portalwatch-slack-token'" in saved.stdout
    assert TOKEN not in saved.stdout + saved.stderr, "the value is never printed"
    assert save("smtp", "thu-smtp", value="mật khẩu 0000 \n").returncode == 0
    empty = save("smtp", "thu-rong", value="   \n")
    assert empty.returncode == 2 and "the SMTP password is empty: nothing saved" in empty.stderr
    assert "Traceback" not in empty.stderr
    assert save("vault", value="x\n").returncode == 2
    with temporary_settings(updates={PREFECT_API_URL: prefect_server["url"]}):
        assert Secret.load("portalwatch-slack-token", _sync=True).get() == TOKEN
        assert Secret.load("thu-smtp", _sync=True).get() == "mật khẩu 0000 "
        with pytest.raises(ValueError):
            Secret.load("thu-rong", _sync=True)


def test_senders_take_their_secrets_from_prefect_secret_blocks(prefect_server, monkeypatch):
    """A worker whose environment lacks the Slack token or the SMTP password takes them from Secret
    blocks on the Prefect server; the environment wins; a missing or empty block is one clear error
    naming the block and what it should hold, never a value."""
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.secret_blocks import SLACK_TOKEN_ENV, SMTP_PASSWORD_ENV, secrets_to_env
    from portalwatch.errors import DeliveryError

    password = "mật khẩu thử 0000 "
    for name in (SLACK_TOKEN_ENV, SMTP_PASSWORD_ENV):     # restored as they were when the test ends
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    with temporary_settings(updates={PREFECT_API_URL: prefect_server["url"]}):
        Secret(value=f" {TOKEN}\n").save("test-slack-token", overwrite=True)
        Secret(value=password).save("test-smtp-password", overwrite=True)
        Secret(value="  ").save("test-empty", overwrite=True)

        secrets_to_env("test-slack-token", "test-smtp-password")
        assert os.environ[SLACK_TOKEN_ENV] == TOKEN, "the token as Slack expects it, without spaces"
        assert os.environ[SMTP_PASSWORD_ENV] == password, "a password is kept exactly"

        secrets_to_env("no-such-block", "no-such-block")  # the environment wins: the blocks are not read
        assert (os.environ[SLACK_TOKEN_ENV], os.environ[SMTP_PASSWORD_ENV]) == (TOKEN, password)

        monkeypatch.delenv(SMTP_PASSWORD_ENV)
        with pytest.raises(DeliveryError) as missing:
            secrets_to_env(None, "no-such-block")
        message = str(missing.value)
        assert "Không đọc được Secret 'no-such-block' của Prefect chứa mật khẩu SMTP" in message
        assert ("Prefect Secret block 'no-such-block' holding the SMTP password could not be loaded: no block of "
                "that name: save it (deployments/README.md, Secrets)") in message
        assert "chưa có khối Secret tên này" in message
        assert missing.value.retryable is False and SMTP_PASSWORD_ENV not in os.environ

        monkeypatch.delenv(SLACK_TOKEN_ENV)
        with pytest.raises(DeliveryError) as empty:
            secrets_to_env("test-empty", None)
        assert str(empty.value) == ("Secret 'test-empty' của Prefect không chứa token Slack "
                                    "(Prefect Secret block 'test-empty' holds no Slack token)")
        assert SLACK_TOKEN_ENV not in os.environ


def test_make_serve_schedules_each_portal_nightly_and_the_delivery_on_working_day_mornings(tmp_path):
    """`make serve` (python -m flows.serve) serves what prefect.yaml deploys, without a work pool."""
    from flows.serve import deployments

    profiles = [str(ROOT / "profiles" / "vungtau-2022" / "profile.yaml"),
                str(ROOT / "profiles" / "phuong-vung-tau-2025" / "profile.yaml")]
    served = {d.name: d for d in deployments(profiles, str(tmp_path), None)}

    assert set(served) == {"vungtau-2022-serve", "phuong-vung-tau-2025-serve", "deliver-alerts-serve"}
    for name, cron in (("vungtau-2022-serve", "30 1 * * *"), ("phuong-vung-tau-2025-serve", "30 1 * * *"),
                       ("deliver-alerts-serve", "5 7 * * *")):
        assert [(s.schedule.cron, s.schedule.timezone) for s in served[name].schedules] == [(cron, "Asia/Ho_Chi_Minh")]
    assert served["vungtau-2022-serve"].parameters == {"profile": profiles[0], "out": str(tmp_path), "db": None,
                                                       "send": True}, "the nights queue what the morning sends"
    assert served["deliver-alerts-serve"].parameters["profiles"] == profiles
    dry = {d.name: d for d in deployments(profiles, str(tmp_path), None, send=False)}
    assert dry["phuong-vung-tau-2025-serve"].parameters["send"] is False


def args_env(args: list[str]) -> dict[str, str]:
    """The NAME=value items of a case: variables of the environment, not arguments."""
    return dict(a.split("=", 1) for a in args if "=" in a)


@pytest.mark.parametrize("args, code, message", [
    (["--profile", "profiles/vungtau-2021/profile.yaml"], 2, "profiles/vungtau-2021/profile.yaml: file not found"),
    (["--db", "postgres-ql://127.0.0.1/portalwatch"], 5, "invalid store URL postgres-ql://127.0.0.1/portalwatch"),
    (["PORTALWATCH_RENDER_RETRIES=abc"], 2,
     "environment variable PORTALWATCH_RENDER_RETRIES='abc': expected a whole number from 0 to 20"),
    (["PORTALWATCH_SMTP_HOST=127.0.0.1", "PORTALWATCH_SMTP_PORT=smtp"], 2, "PORTALWATCH_SMTP_PORT='smtp'"),
    (["PORTALWATCH_SMTP_HOST=127.0.0.1", "PORTALWATCH_SMTP_FROM=ban bien tap"], 2,
     "environment variable PORTALWATCH_SMTP_FROM='ban bien tap': expected an e-mail address"),
])
def test_make_serve_refuses_a_mistyped_profile_or_store_before_serving(tmp_path, args, code, message):
    """Told at start, in one line, not by the first night at 01:30."""
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", "GX_ANALYTICS_ENABLED": "False"}
    env = {k: v for k, v in env.items() if not k.startswith("PORTALWATCH_SMTP")} | args_env(args)
    args = [a for a in args if "=" not in a]
    result = subprocess.run([sys.executable, "-m", "flows.serve", "--out", str(tmp_path / "out"), *args], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == code, result.stderr[-2000:]
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "being served" not in result.stdout


def test_make_serve_names_an_output_folder_it_cannot_write_before_serving(tmp_path):
    """An --out that is a file: the folder is named (exit 2), not the store the folder would hold."""
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PORTALWATCH_DB"}
    env.update({"PREFECT_API_URL": "http://127.0.0.1:9/api", "GX_ANALYTICS_ENABLED": "False"})
    result = subprocess.run([sys.executable, "-m", "flows.serve", "--out", str(blocker)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"the output folder {blocker / 'vungtau-2022'} cannot be written" in result.stderr
    assert "store" not in result.stderr and "Traceback" not in result.stderr


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, from /proc (Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.prefect
def test_ctrl_c_stops_make_serve_at_once_when_its_temporary_server_stopped_first(tmp_path):
    """Ctrl-C reaches `make serve` and the temporary Prefect server it started (one process
    group), in either order. Here the server goes first, as it sometimes did: `make serve` exits
    with status 0 and no traceback, rather than spending a minute asking the stopped server to
    pause the schedules and ending with a ConnectionError (exit 1)."""
    env = {**temporary_server_environment(tmp_path / "prefect"),
           "PORTALWATCH_DB": f"sqlite:///{tmp_path / 'store.sqlite3'}"}

    def as_a_terminal_starts_it() -> None:  # its own process group, Ctrl-C not ignored
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.setsid()

    out, err = (tmp_path / "stdout.txt").open("w+"), (tmp_path / "stderr.txt").open("w+")
    serve = subprocess.Popen([sys.executable, "-m", "flows.serve", "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                             stdout=out, stderr=err, preexec_fn=as_a_terminal_starts_it)
    try:
        deadline = time.monotonic() + 240
        while "being served" not in (tmp_path / "stdout.txt").read_text(encoding="utf-8"):
            assert serve.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr.txt").read_text()
            time.sleep(0.5)
        time.sleep(20)  # the runner is up: it watches the server's websocket and would pause on leaving
        server = _children(serve.pid)
        assert len(server) == 1, "the temporary server is make serve's one child process"
        os.kill(server[0], signal.SIGINT)
        time.sleep(3)
        os.killpg(serve.pid, signal.SIGINT)
        code = serve.wait(timeout=120)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    stderr = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert code == 0, stderr[-3000:]
    assert "Received KeyboardInterrupt" in stderr
    assert "Traceback" not in stderr, stderr[-3000:]
