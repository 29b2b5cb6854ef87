# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line for the emulator: ``PYTHONPATH=tests python -m awsemu {serve,start,stop,status,stats,env}``.

``start``/``stop`` manage one detached emulator per state directory so that a Makefile
or a shell session can share it across many ``ansible-playbook`` runs; the state
directory holds ``endpoint``, ``pid``, ``emulator.log`` and ``start.lock``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .server import CONTROL_PREFIX, UNSAFE_VARIABLES, Emulator, client_env, require_loopback

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
HTTP_TIMEOUT = 2.0
EXIT_NOT_RUNNING = 3  # LSB "program is not running", so scripts can test `status`


class CliError(Exception):
    """A user-facing failure: printed without a traceback, exit status 1."""


class StateDir:
    """The files through which ``serve`` tells ``start``/``stop``/``stats`` where it is."""

    def __init__(self, path: Path) -> None:
        self.path = path.absolute()  # the detached serve must not depend on our working directory
        self.endpoint_file = self.path / "endpoint"
        self.pid_file = self.path / "pid"
        self.log_file = self.path / "emulator.log"

    def write(self, endpoint: str, pid: int) -> None:
        """Publish endpoint then pid, each atomically; the pid file is the 'ready' marker."""
        self.path.mkdir(parents=True, exist_ok=True)
        for target, text in ((self.endpoint_file, endpoint), (self.pid_file, str(pid))):
            tmp = target.with_suffix(".tmp")
            tmp.write_text(text + "\n", encoding="utf-8")
            tmp.replace(target)

    def read(self) -> tuple[int, str] | None:
        """(pid, endpoint) as published, or None if absent or half-written."""
        try:
            return int(self.pid_file.read_text(encoding="utf-8")), self.endpoint_file.read_text(encoding="utf-8").strip()
        except (OSError, ValueError):
            return None

    def clear(self, pid: int | None = None) -> None:
        """Remove the published files (only if they still name ``pid``, when given)."""
        state = self.read()
        if pid is not None and state is not None and state[0] != pid:
            return
        for target in (self.pid_file, self.endpoint_file):
            target.unlink(missing_ok=True)


def _http_json(url: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return dict(json.load(response))


def _health(endpoint: str) -> dict[str, Any] | None:
    try:
        return _http_json(endpoint + CONTROL_PREFIX + "health")
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie (container init processes may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def _is_emulator(pid: int) -> bool:
    """Guard against a recycled pid: only a process running awsemu may be signalled."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _pid_alive(pid)
    return b"awsemu" in cmdline and b"serve" in cmdline


def running(state: StateDir) -> tuple[int, str] | None:
    """(pid, endpoint) of the live emulator of ``state`` that answers health checks, else None."""
    published = state.read()
    if published is None or not _pid_alive(published[0]):
        return None
    health = _health(published[1])
    return published if health is not None and health.get("pid") == published[0] else None


def cmd_serve(args: argparse.Namespace) -> int:
    """Run in the foreground until SIGTERM/SIGINT, publishing endpoint/pid if asked."""
    stop_requested = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_requested.set())
    state = StateDir(Path(args.state_dir)) if args.state_dir else None
    with Emulator(args.host, args.port) as emulator:
        if state is not None:
            state.write(emulator.endpoint, os.getpid())
        print(emulator.endpoint, flush=True)
        try:
            stop_requested.wait()
        finally:
            if state is not None:
                state.clear(os.getpid())
    return 0


def _spawn_serve(args: argparse.Namespace, state: StateDir) -> subprocess.Popen[bytes]:
    """Start ``serve`` in its own session so it outlives this shell and its Ctrl-C."""
    state.path.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    tests_dir = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [tests_dir, env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "awsemu", "serve", "--host", args.host, "--port", str(args.port), "--state-dir", str(state.path)]
    with open(state.log_file, "ab") as log:
        return subprocess.Popen(  # pylint: disable=consider-using-with  # detached on purpose, outlives us
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _wait_ready(child: subprocess.Popen[bytes], state: StateDir) -> str:
    """Endpoint once ``child`` answers health checks; stops it again if it does not in time."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        current = running(state)
        if current is not None and current[0] == child.pid:
            return current[1]
        if child.poll() is not None:
            raise CliError(f"emulator exited with status {child.returncode}; see {state.log_file}")
        time.sleep(0.05)
    child.terminate()
    raise CliError(f"emulator not ready after {START_TIMEOUT:.0f}s; see {state.log_file}")


@contextlib.contextmanager
def _start_lock(state: StateDir) -> Iterator[None]:
    """Serialise ``start`` per state dir, so parallel callers (make -j, xdist) share one emulator."""
    state.path.mkdir(parents=True, exist_ok=True)
    with open(state.path / "start.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cmd_start(args: argparse.Namespace) -> int:
    """Reuse the state directory's emulator if healthy, otherwise start a detached one."""
    state = StateDir(Path(args.state_dir))
    with _start_lock(state):
        current = running(state)
        if current is None:
            state.clear()
            endpoint = _wait_ready(_spawn_serve(args, state), state)
        else:
            endpoint = current[1]
    print(endpoint)
    return 0


def _wait_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _terminate(pid: int) -> None:
    """SIGTERM (clean shutdown, state files removed), SIGKILL only if that is ignored."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return
        if _wait_exit(pid, STOP_TIMEOUT):
            return
    raise CliError(f"emulator pid {pid} did not exit")


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop the state directory's emulator and wait for it to exit; no-op if none runs."""
    state = StateDir(Path(args.state_dir))
    published = state.read()
    if published is None or not _pid_alive(published[0]) or not _is_emulator(published[0]):
        state.clear()
        print("not running")
        return 0
    _terminate(published[0])
    state.clear()
    print(f"stopped pid {published[0]}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print ``running PID ENDPOINT`` (exit 0) or ``stopped`` (exit 3)."""
    current = running(StateDir(Path(args.state_dir)))
    if current is None:
        print("stopped")
        return EXIT_NOT_RUNNING
    print(f"running {current[0]} {current[1]}")
    return 0


def format_stats(stats: dict[str, Any]) -> str:
    """Readable table: total, then per service (busiest first) its actions, busiest first."""
    lines = [f"total {stats['total']}"]
    services = sorted(stats["by_service"].items(), key=lambda item: (-sum(item[1].values()), item[0]))
    for service, actions in services:
        lines.append(f"  {service:<24} {sum(actions.values()):>6}")
        for action, count in sorted(actions.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"    {action:<40} {count:>6}")
    return "\n".join(lines)


def cmd_stats(args: argparse.Namespace) -> int:
    """Show the request counts; ``--reset`` zeroes them after reading."""
    endpoint = _require_running(StateDir(Path(args.state_dir)))
    stats = _http_json(endpoint + CONTROL_PREFIX + "requests")
    if args.reset:
        _http_json(endpoint + CONTROL_PREFIX + "requests/reset", method="POST")
    print(json.dumps(stats, indent=2, sort_keys=True) if args.json else format_stats(stats))
    return 0


def cmd_env(args: argparse.Namespace) -> int:
    """Print shell lines that point AWS clients at the emulator: ``eval "$(python -m awsemu env ...)"``."""
    endpoint = _require_running(StateDir(Path(args.state_dir)))
    for name in UNSAFE_VARIABLES:
        print(f"unset {name}")
    for name, value in sorted(client_env(endpoint).items()):
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _require_running(state: StateDir) -> str:
    current = running(state)
    if current is None:
        raise CliError(f"no emulator running for state dir {state.path} (run: python -m awsemu start --state-dir {state.path})")
    return current[1]


def _loopback_host(value: str) -> str:
    try:
        require_loopback(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def build_parser() -> argparse.ArgumentParser:
    """Sub-commands and their options."""
    parser = argparse.ArgumentParser(prog="python -m awsemu", description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, func in (("serve", cmd_serve), ("start", cmd_start)):
        sub = commands.add_parser(name, help=(func.__doc__ or "").splitlines()[0])
        sub.add_argument("--host", type=_loopback_host, default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
        sub.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free port)")
        sub.add_argument("--state-dir", required=name == "start", help="directory for endpoint/pid/emulator.log")
        sub.set_defaults(func=func)
    for name, func in (("stop", cmd_stop), ("status", cmd_status), ("stats", cmd_stats), ("env", cmd_env)):
        sub = commands.add_parser(name, help=(func.__doc__ or "").splitlines()[0])
        sub.add_argument("--state-dir", required=True, help="directory given to start")
        sub.set_defaults(func=func)
        if name == "stats":
            sub.add_argument("--json", action="store_true", help="print the raw JSON counts")
            sub.add_argument("--reset", action="store_true", help="zero the counts after printing them")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (CliError, ValueError, urllib.error.URLError) as exc:
        print(f"awsemu: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
