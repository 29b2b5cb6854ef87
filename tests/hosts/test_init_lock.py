# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/cvat_docker/files/cvat-init-once against a real PostgreSQL server (TLS and SCRAM only).

Invocations race as real processes. Steps run a helper that appends ``start``/``end`` lines (label,
PID, time.time_ns()) to a shared record file and sleeps, so the tests can see which invocation
actually ran a step, how often, and whether two executions overlapped. Where the kernel lets us
(root: a UTS namespace per invocation), each invocation has its own host name, so "already done by
<host>" names the other invocation, as on a real fleet.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "roles" / "cvat_docker" / "files" / "cvat-init-once"
TABLE = "cvatops_init_steps"
STEP_SECONDS = 2.0

STEP_HELPER = '''\
import os, sys, time
record, label, seconds, code = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
def note(kind):
    with open(record, "a", encoding="utf-8") as handle:  # O_APPEND, one short write: atomic
        handle.write(f"{kind} {label} {os.getpid()} {time.time_ns()}\\n")
note("start")
time.sleep(seconds)
note("end")
sys.exit(code)
'''


@functools.lru_cache(maxsize=None)
def own_hostnames() -> bool:
    """Whether a child process can get a host name of its own (unshare(CLONE_NEWUTS) needs root)."""
    probe = "import os, socket; os.unshare(os.CLONE_NEWUTS); socket.sethostname('probe')"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False).returncode == 0


def set_hostname(label: str):
    def preexec() -> None:
        os.unshare(os.CLONE_NEWUTS)  # pylint: disable=no-member
        socket.sethostname(label)  # pylint: disable=no-member
    return preexec


@dataclass
class Run:
    """One invocation of cvat-init-once."""

    label: str
    process: subprocess.Popen
    started: float = field(default_factory=time.monotonic)
    output: str = ""
    returncode: int | None = None
    elapsed: float = 0.0

    @property
    def host(self) -> str:
        return self.label if own_hostnames() else socket.gethostname()

    def wait(self, timeout: float = 30.0) -> Run:
        self.output = self.process.communicate(timeout=timeout)[0]
        self.returncode = self.process.returncode
        self.elapsed = time.monotonic() - self.started
        return self

    def lock_wait(self) -> float:
        match = re.search(r"lock -?\d+ taken after ([0-9.]+) s", self.output)
        assert match, f"{self.label} never took the lock:\n{self.output}"
        return float(match.group(1))


@dataclass
class Record:
    kind: str
    label: str
    pid: int
    ns: int


class InitOnce:
    """Starts invocations against one database and reads what their steps did."""

    def __init__(self, server, dbname: str, tmp_path: Path):
        self.server = server
        self.dbname = dbname
        self.tmp_path = tmp_path
        self.helper = tmp_path / "step.py"
        self.helper.write_text(STEP_HELPER, encoding="utf-8")
        self.record = tmp_path / "record.txt"
        self.password_file = tmp_path / "db-password"
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(server.password + "\n")
        self.runs: list[Run] = []

    def env_file(self, port: int | None = None) -> Path:
        path = self.tmp_path / f"db-{port or self.server.port}.env"
        path.write_text(
            "# as cvat-boot-config writes it\n"
            f"CVAT_POSTGRES_HOST={self.server.host}\n"
            f"CVAT_POSTGRES_PORT={port or self.server.port}\n"
            f"CVAT_POSTGRES_DBNAME={self.dbname}\n"
            f"CVAT_POSTGRES_USER={self.server.user}\n"
            f"CVAT_POSTGRES_PASSWORD_FILE={self.password_file}\n",
            encoding="utf-8",
        )
        return path

    def step(self, name: str, label: str, *, seconds: float = STEP_SECONDS, code: int = 0) -> str:
        return f"{name}={sys.executable} {self.helper} {self.record} {label} {seconds} {code}"

    def start(self, label: str, steps: list[str], *, sslmode: str = "require", port: int | None = None, args: tuple[str, ...] = ()) -> Run:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("CVAT_POSTGRES_", "PG"))}
        env["PGSSLMODE"] = sslmode
        command = [sys.executable, str(SCRIPT), "--env-file", str(self.env_file(port)), "--wait-db", "10", *args]
        for step in steps:
            command += ["--step", step]
        process = subprocess.Popen(  # pylint: disable=consider-using-with,subprocess-popen-preexec-fn
            command, env=env, cwd=self.tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, preexec_fn=set_hostname(label) if own_hostnames() else None,
        )
        run = Run(label, process)
        self.runs.append(run)
        return run

    def run(self, label: str, steps: list[str], **kwargs) -> Run:
        return self.start(label, steps, **kwargs).wait()

    def records(self) -> list[Record]:
        if not self.record.exists():
            return []
        lines = self.record.read_text(encoding="utf-8").splitlines()
        return [Record(kind, label, int(pid), int(ns)) for kind, label, pid, ns in (line.split() for line in lines)]

    def kill_orphaned_steps(self) -> None:
        """Kill steps that started and never ended, if their PID is still one of our step helpers."""
        ended = {r.pid for r in self.records() if r.kind == "end"}
        for record in self.records():
            if record.kind != "start" or record.pid in ended:
                continue
            with contextlib.suppress(OSError):
                if str(self.helper).encode() in Path(f"/proc/{record.pid}/cmdline").read_bytes():
                    os.kill(record.pid, signal.SIGKILL)

    def intervals(self) -> dict[str, tuple[int, int]]:
        """label -> (start ns, end ns) of each step execution that finished."""
        starts = {r.label: r.ns for r in self.records() if r.kind == "start"}
        return {r.label: (starts[r.label], r.ns) for r in self.records() if r.kind == "end"}

    def done(self) -> dict[str, str]:
        """name -> host of the recorded steps (empty if the table does not exist yet)."""
        with contextlib.closing(self.server.connect(self.dbname)) as conn, conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,))
            if not cur.fetchone()[0]:
                return {}
            cur.execute(f"SELECT name, host FROM {TABLE}")
            return dict(cur.fetchall())

    def lock_waiters(self) -> int:
        """How many cvat-init-once sessions on our database wait for an advisory lock now."""
        with contextlib.closing(self.server.connect(self.dbname)) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'cvat-init-once' AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
            )
            return cur.fetchone()[0]


def wait_for(predicate, timeout: float, what: str) -> float:
    """Poll predicate until true; return the seconds it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def init_once(postgres_server, postgres_database, tmp_path):
    """An InitOnce on a fresh database; afterwards: no invocation left running, no password in any output."""
    harness = InitOnce(postgres_server, postgres_database, tmp_path)
    try:
        yield harness
    finally:
        for run in harness.runs:
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
        harness.kill_orphaned_steps()
    leaked = [run.label for run in harness.runs if postgres_server.password in run.output]
    assert not leaked, f"the database password appears in the output of {leaked}"


def test_server_refuses_plain_connections(postgres_server):
    """The fixture itself: hostssl only, so PGSSLMODE=require is what lets the script in."""
    import psycopg2  # pylint: disable=import-outside-toplevel

    with pytest.raises(psycopg2.OperationalError, match="no encryption"):
        psycopg2.connect(postgres_server.make_dsn(sslmode="disable"))
    with contextlib.closing(postgres_server.connect()) as conn, conn.cursor() as cur:
        cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert cur.fetchone()[0] is True


def test_same_step_racing_runs_once_and_second_sees_first(init_once, record_property):
    """Two hosts boot at once with the same step: one runs it, the other waits and skips it."""
    step = "migrate@v2.73.0"
    runs = [init_once.start(label, [init_once.step(step, label)]) for label in ("host-a", "host-b")]
    for run in runs:
        run.wait()
        assert run.returncode == 0, run.output

    starts = [r for r in init_once.records() if r.kind == "start"]
    assert len(starts) == 1, f"the step ran {len(starts)} times: {init_once.records()}"
    runner = next(run for run in runs if run.label == starts[0].label)
    waiter = next(run for run in runs if run is not runner)
    assert f"step {step}: running" in runner.output
    assert f"step {step}: done" in runner.output
    assert f"step {step}: running" not in waiter.output
    assert f"step {step}: already done by {runner.host} at " in waiter.output, waiter.output
    assert init_once.done() == {step: runner.host}
    # The waiter really blocked on the lock while the runner's step slept.
    wait = waiter.lock_wait()
    assert wait >= STEP_SECONDS / 2, f"{waiter.label} took the lock after {wait} s; it did not wait for {runner.label}"
    assert runner.lock_wait() < STEP_SECONDS / 2
    record_property("lock_wait_seconds", wait)
    print(f"\nlock wait of the second invocation ({waiter.label}): {wait:.1f} s (step {STEP_SECONDS:.0f} s)")


def test_different_steps_on_one_lock_never_overlap(init_once, record_property):
    """Mutual exclusion: both invocations run their own step, one strictly after the other."""
    runs = [init_once.start(label, [init_once.step(f"step-{label}", label)]) for label in ("host-a", "host-b")]
    for run in runs:
        run.wait()
        assert run.returncode == 0, run.output
    intervals = init_once.intervals()
    assert sorted(intervals) == ["host-a", "host-b"], init_once.records()
    (first_start, first_end), (second_start, second_end) = sorted(intervals.values())
    assert first_end <= second_start, f"step executions overlapped by {(first_end - second_start) / 1e9:.2f} s: {intervals}"
    assert first_start < first_end and second_start < second_end
    assert init_once.done() == {f"step-{run.label}": run.host for run in runs}
    wait = max(run.lock_wait() for run in runs)
    assert wait >= STEP_SECONDS / 2
    record_property("lock_wait_seconds", wait)
    print(f"\nlock wait of the second invocation: {wait:.1f} s")


def test_control_different_lock_keys_do_overlap(init_once):
    """Control for the test above: without a common lock the same harness does see overlap."""
    # Let the script create its table first: two CREATE TABLE IF NOT EXISTS under different locks
    # can collide (see the report), which is not what this control is about.
    assert init_once.run("host-0", [init_once.step("table", "host-0", seconds=0)]).returncode == 0
    runs = [
        init_once.start(label, [init_once.step(f"step-{label}", label)], args=("--lock-key", str(key)))
        for label, key in (("host-a", 1001), ("host-b", 1002))
    ]
    for run in runs:
        run.wait()
        assert run.returncode == 0, run.output
    intervals = init_once.intervals()
    del intervals["host-0"]
    first, second = sorted(intervals.values())
    assert second[0] < first[1], "the harness cannot detect overlapping executions"


def test_failing_step_is_not_recorded_and_runs_again(init_once):
    first = init_once.run("host-a", [init_once.step("migrate", "fail-1", seconds=0.1, code=3), init_once.step("createsuperuser", "after-fail", seconds=0.1)])
    assert first.returncode == 3, first.output
    assert "step migrate: FAILED with exit code 3; not recorded" in first.output
    assert "createsuperuser" not in first.output, "a step after a failed one ran"
    assert init_once.done() == {}

    second = init_once.run("host-b", [init_once.step("migrate", "retry", seconds=0.1), init_once.step("createsuperuser", "admin", seconds=0.1)])
    assert second.returncode == 0, second.output
    assert [r.label for r in init_once.records() if r.kind == "start"] == ["fail-1", "retry", "admin"]
    assert init_once.done() == {"migrate": second.host, "createsuperuser": second.host}

    third = init_once.run("host-c", [init_once.step("migrate", "again", seconds=0.1), init_once.step("createsuperuser", "again", seconds=0.1)])
    assert third.returncode == 0, third.output
    assert f"step migrate: already done by {second.host}" in third.output
    assert f"step createsuperuser: already done by {second.host}" in third.output
    assert len(init_once.records()) == 6, "a step recorded as done ran again"


def test_lock_is_released_when_the_holder_dies(init_once, record_property):
    holder = init_once.start("host-a", [init_once.step("migrate", "holder", seconds=60)])
    wait_for(lambda: any(r.label == "holder" for r in init_once.records()), 15, "the holder's step to start")
    waiter = init_once.start("host-b", [init_once.step("migrate", "waiter", seconds=0.2)])
    wait_for(lambda: init_once.lock_waiters() == 1, 15, "host-b to wait for the lock")

    holder_step = next(r.pid for r in init_once.records() if r.label == "holder")
    killed_ns = time.time_ns()
    os.kill(holder.process.pid, signal.SIGKILL)
    # The step must not outlive its cvat-init-once (PR_SET_PDEATHSIG): PostgreSQL has released the
    # lock, so a step still running would run beside the next host's.
    wait_for(lambda: not Path(f"/proc/{holder_step}").exists() or b"zombie" in _state(holder_step), 5, "the orphaned step to stop")
    holder.wait()
    assert holder.returncode == -signal.SIGKILL

    waiter.wait(timeout=20)
    assert waiter.returncode == 0, waiter.output
    waiter_start = next(r.ns for r in init_once.records() if r.label == "waiter" and r.kind == "start")
    took = (waiter_start - killed_ns) / 1e9
    assert 0 <= took < 5, f"host-b started the step {took:.2f} s after the holder died"
    assert "step migrate: running" in waiter.output, "the dead holder's unrecorded step must run again"
    assert init_once.done() == {"migrate": waiter.host}
    record_property("lock_takeover_seconds", took)
    print(f"\nlock taken over {took:.2f} s after the holder was killed")


def _state(pid: int) -> bytes:
    with contextlib.suppress(OSError):
        return b"zombie" if b"\nState:\tZ" in Path(f"/proc/{pid}/status").read_bytes() else b"alive"
    return b"gone"


def test_sigterm_stops_the_step_before_the_lock_is_released(init_once):
    """systemd stopping cvat-migrate.service: the step is stopped first, not recorded, and runs again later."""
    holder = init_once.start("host-a", [init_once.step("migrate", "holder", seconds=60)])
    wait_for(lambda: any(r.label == "holder" for r in init_once.records()), 15, "the holder's step to start")
    waiter = init_once.start("host-b", [init_once.step("migrate", "waiter", seconds=0.2)])
    wait_for(lambda: init_once.lock_waiters() == 1, 15, "host-b to wait for the lock")

    holder.process.send_signal(signal.SIGTERM)
    holder.wait()
    assert holder.returncode == 128 + signal.SIGTERM, holder.output
    assert "stopped by signal 15" in holder.output
    # The holder's step got the signal and never finished; only then did host-b get the lock.
    kinds = [(r.kind, r.label) for r in init_once.records()]
    assert ("end", "holder") not in kinds
    waiter.wait(timeout=20)
    assert waiter.returncode == 0, waiter.output
    assert "step migrate: running" in waiter.output
    assert init_once.done() == {"migrate": waiter.host}


def test_lock_timeout_bounds_the_wait(init_once):
    holder = init_once.start("host-a", [init_once.step("migrate", "holder", seconds=4)])
    wait_for(lambda: any(r.label == "holder" for r in init_once.records()), 15, "the holder's step to start")
    waiter = init_once.run("host-b", [init_once.step("migrate", "waiter", seconds=0.1)], args=("--lock-timeout", "1"))
    assert waiter.returncode != 0, waiter.output
    assert "another host held lock" in waiter.output
    assert waiter.elapsed < 3.5, f"--lock-timeout 1 returned after {waiter.elapsed:.1f} s"
    assert holder.wait().returncode == 0, holder.output
    assert [r.label for r in init_once.records() if r.kind == "start"] == ["holder"]


def test_unreachable_database_fails_in_bounded_time(init_once):
    port = pgserver_free_port()
    run = init_once.run("host-a", [init_once.step("migrate", "never")], port=port, args=("--wait-db", "3"))
    assert run.returncode != 0, run.output
    assert run.elapsed < 12, f"--wait-db 3 gave up only after {run.elapsed:.1f} s"
    assert f"database 127.0.0.1:{port} not reachable within 3 s" in run.output, run.output
    assert init_once.records() == []


def test_wrong_password_fails_without_showing_it(init_once):
    wrong = "Wr0ng-" + init_once.server.password[::-1]
    init_once.password_file.write_text(wrong + "\n", encoding="utf-8")
    run = init_once.run("host-a", [init_once.step("migrate", "never")], args=("--wait-db", "1"))
    assert run.returncode != 0, run.output
    assert "password authentication failed" in run.output, run.output
    assert wrong not in run.output
    assert init_once.records() == []


def test_plain_connection_is_refused(init_once):
    """PGSSLMODE=disable: the server has only hostssl lines, so the script cannot get in."""
    run = init_once.run("host-a", [init_once.step("migrate", "never")], sslmode="disable", args=("--wait-db", "1"))
    assert run.returncode != 0, run.output
    assert "no encryption" in run.output, run.output
    assert init_once.records() == []
    assert init_once.done() == {}


def pgserver_free_port() -> int:
    import pgserver  # pylint: disable=import-outside-toplevel

    return pgserver.free_port()
