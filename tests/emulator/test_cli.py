# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m awsemu``: a detached emulator shared through a state directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsemu.server import client_for

TESTS_DIR = Path(__file__).resolve().parent.parent


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
    return subprocess.run([sys.executable, "-m", "awsemu", *args], env=env, capture_output=True, text=True, timeout=60, check=check)


def _wait_gone(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while path.exists():
        assert time.monotonic() < deadline, f"{path} still exists"
        time.sleep(0.05)


@pytest.fixture(name="state_dir")
def state_dir_fixture(tmp_path: Path) -> Iterator[Path]:
    """A state directory whose emulator is always stopped again, even if the test fails."""
    yield tmp_path
    _cli("stop", "--state-dir", str(tmp_path), check=False)


def test_start_status_stats_stop(state_dir: Path) -> None:
    """The whole lifecycle, including idempotent start and stop."""
    state = str(state_dir)
    endpoint = _cli("start", "--state-dir", state).stdout.strip()
    assert endpoint.startswith("http://127.0.0.1:")
    pid = int((state_dir / "pid").read_text(encoding="utf-8"))
    assert (state_dir / "endpoint").read_text(encoding="utf-8").strip() == endpoint
    assert _cli("status", "--state-dir", state).stdout.split() == ["running", str(pid), endpoint]

    client_for(endpoint, "sts").get_caller_identity()
    stats = json.loads(_cli("stats", "--state-dir", state, "--json").stdout)
    assert stats == {"total": 1, "by_service": {"sts": {"GetCallerIdentity": 1}}}
    table = _cli("stats", "--state-dir", state, "--reset").stdout
    assert table.splitlines()[0] == "total 1" and "GetCallerIdentity" in table
    assert json.loads(_cli("stats", "--state-dir", state, "--json").stdout)["total"] == 0

    assert _cli("start", "--state-dir", state).stdout.strip() == endpoint, "second start must reuse the running emulator"
    assert int((state_dir / "pid").read_text(encoding="utf-8")) == pid
    shell = _cli("env", "--state-dir", state).stdout.splitlines()
    assert f"export AWS_ENDPOINT_URL={endpoint}" in shell and "unset AWS_PROFILE" in shell

    assert _cli("stop", "--state-dir", state).stdout.strip() == f"stopped pid {pid}"
    assert not (state_dir / "pid").exists() and not (state_dir / "endpoint").exists()
    status = _cli("status", "--state-dir", state, check=False)
    assert (status.returncode, status.stdout.strip()) == (3, "stopped")
    assert _cli("stop", "--state-dir", state).stdout.strip() == "not running"


def test_concurrent_starts_share_one_emulator(state_dir: Path) -> None:
    """Parallel callers (make -j, xdist workers) of start on one state dir get the same emulator."""
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
    command = [sys.executable, "-m", "awsemu", "start", "--state-dir", str(state_dir)]
    starts = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _attempt in range(3)]  # pylint: disable=consider-using-with
    endpoints = {start.communicate(timeout=60)[0].strip() for start in starts}
    assert len(endpoints) == 1 and endpoints.pop().startswith("http://127.0.0.1:")


def test_start_replaces_stale_state(state_dir: Path) -> None:
    """A pid file naming a dead process (crash, reboot) is ignored and replaced."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True).stdout.strip()
    (state_dir / "pid").write_text(dead, encoding="utf-8")
    (state_dir / "endpoint").write_text("http://127.0.0.1:9", encoding="utf-8")
    endpoint = _cli("start", "--state-dir", str(state_dir)).stdout.strip()
    assert endpoint != "http://127.0.0.1:9"
    assert int((state_dir / "pid").read_text(encoding="utf-8")) != int(dead)


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """Foreground serve publishes its state once ready and removes it on SIGTERM."""
    env = dict(os.environ, PYTHONPATH=str(TESTS_DIR))
    command = [sys.executable, "-m", "awsemu", "serve", "--state-dir", str(tmp_path)]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as serve:
        assert serve.stdout is not None
        endpoint = serve.stdout.readline().strip()
        assert (tmp_path / "endpoint").read_text(encoding="utf-8").strip() == endpoint
        assert int((tmp_path / "pid").read_text(encoding="utf-8")) == serve.pid
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=20) == 0
    _wait_gone(tmp_path / "pid")
    assert not (tmp_path / "endpoint").exists()


@pytest.mark.parametrize("command", ["start", "serve"])
def test_non_loopback_host_is_refused(tmp_path: Path, command: str) -> None:
    """The CLI rejects a non-loopback bind before anything starts."""
    result = _cli(command, "--host", "0.0.0.0", "--state-dir", str(tmp_path), check=False)
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert not (tmp_path / "pid").exists()
