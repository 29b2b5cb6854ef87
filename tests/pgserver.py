# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway PostgreSQL server for tests: TLS only, password (SCRAM) only, on 127.0.0.1 and a free port.

Enable with ``pytest_plugins = ["pgserver"]`` (tests/conftest.py does). Fixtures:

* ``postgres_server`` (session): a running :class:`PostgresServer`, stopped (by the PID it started)
  at the end of the session; each pytest-xdist worker has its own.
* ``postgres_database`` (function): the name of a fresh database owned by the ``cvat`` role, dropped
  afterwards, so tests never share state.

The server uses Debian's binaries (the newest ``/usr/lib/postgresql/<major>/bin``, or the directory
in ``CVATOPS_PG_BINDIR``). Without them (or without psycopg2) the fixtures skip, except under
``CI=true``, where they fail: nothing this machine can run may be skipped there.

``pg_hba.conf`` has only ``hostssl`` lines: a connection without TLS is refused. The certificate is a
leaf for ``localhost`` signed by a CA made for the session (``ca_file``), so clients can also use
``sslmode=verify-ca`` / ``verify-full`` (with host ``localhost``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


class PostgresUnavailable(Exception):
    """The machine cannot run a test PostgreSQL server (no binaries, no psycopg2)."""


def find_bindir() -> Path:
    """The directory holding initdb and postgres: CVATOPS_PG_BINDIR, else Debian's newest major."""
    override = os.environ.get("CVATOPS_PG_BINDIR")
    candidates = [override] if override else glob.glob("/usr/lib/postgresql/*/bin")

    def major(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/bin$", path.rstrip("/"))
        return int(match.group(1)) if match else 0

    for path in sorted(candidates, key=major, reverse=True):
        if os.access(os.path.join(path, "initdb"), os.X_OK) and os.access(os.path.join(path, "postgres"), os.X_OK):
            return Path(path)
    raise PostgresUnavailable("no PostgreSQL server binaries (initdb, postgres) in " + (override or "/usr/lib/postgresql/*/bin"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quote_dsn_value(value: str) -> str:
    """A libpq keyword/value connection string value, quoted."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _server_account() -> tuple[int, int] | None:
    """(uid, gid) to run the server as: None when not root (run as ourselves), else postgres or nobody."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise PostgresUnavailable("running as root, but there is neither a postgres nor a nobody account to run the server as")


@dataclass
class PostgresServer:
    """A running server. ``user``/``password`` is the ``cvat`` role, owner of database ``dbname``."""

    bindir: Path
    base_dir: Path
    port: int
    password: str
    superuser_password: str
    ca_file: Path
    host: str = "127.0.0.1"
    dbname: str = "cvat"
    user: str = "cvat"
    superuser: str = "postgres"
    process: subprocess.Popen | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never show the passwords
        return f"PostgresServer(host={self.host!r}, port={self.port}, dbname={self.dbname!r}, user={self.user!r}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def dsn(self) -> str:
        """libpq connection string for ``user`` on ``dbname`` (holds the password)."""
        return self.make_dsn()

    def make_dsn(self, dbname: str | None = None, *, superuser: bool = False, sslmode: str = "require", **extra: str) -> str:
        values = {
            "host": self.host,
            "port": str(self.port),
            "dbname": dbname or self.dbname,
            "user": self.superuser if superuser else self.user,
            "password": self.superuser_password if superuser else self.password,
            "sslmode": sslmode,
            "connect_timeout": "10",
            **extra,
        }
        return " ".join(f"{key}={quote_dsn_value(value)}" for key, value in values.items())

    def connect(self, dbname: str | None = None, *, superuser: bool = False, autocommit: bool = True, **extra: str) -> Any:
        """A psycopg2 connection (autocommit by default); use as ``contextlib.closing(server.connect())``."""
        import psycopg2  # pylint: disable=import-outside-toplevel

        conn = psycopg2.connect(self.make_dsn(dbname, superuser=superuser, **extra))
        conn.autocommit = autocommit
        return conn

    def create_database(self, name: str | None = None, *, owner: str | None = None) -> str:
        """Create a database owned by ``owner`` (default: the cvat role) and return its name."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        with contextlib.closing(self.connect("postgres", superuser=True)) as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE {quote_ident(name)} OWNER {quote_ident(owner or self.user)}")
        return name

    def drop_database(self, name: str) -> None:
        with contextlib.closing(self.connect("postgres", superuser=True)) as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """Fast shutdown of the postmaster this object started (by its PID), then remove its files."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, then exit
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _write(path: Path, content: str | bytes, account: tuple[int, int] | None, mode: int = 0o600) -> None:
    data = content.encode() if isinstance(content, str) else content
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)
    if account:
        os.chown(path, *account)


def start_postgres() -> PostgresServer:
    """Initialise and start a server; raises PostgresUnavailable when this machine cannot."""
    try:
        import psycopg2  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise PostgresUnavailable(f"psycopg2 is not installed ({exc})") from exc
    import testcerts  # pylint: disable=import-outside-toplevel

    bindir = find_bindir()
    account = _server_account()
    # Our own directory under /tmp: pytest's tmp_path lives in a 0700 directory of the test user,
    # which the unprivileged server account could not enter.
    base_dir = Path(tempfile.mkdtemp(prefix="cvatops-pg-"))
    server = None
    try:
        if account:
            os.chown(base_dir, *account)
        run_as: dict[str, Any] = {"user": account[0], "group": account[1], "extra_groups": []} if account else {}
        ca = testcerts.make_certificate("cvatops test PostgreSQL CA", ca=True, san=False)
        leaf = testcerts.make_certificate("localhost", issuer=ca)
        ca_file = base_dir / "ca.crt"
        _write(ca_file, ca.pem, account, 0o644)
        _write(base_dir / "server.crt", leaf.pem, account, 0o644)
        _write(base_dir / "server.key", leaf.key_pem, account, 0o600)
        superuser_password = secrets.token_urlsafe(24)
        _write(base_dir / "superuser.pw", superuser_password + "\n", account, 0o600)

        initdb = subprocess.run(
            [
                str(bindir / "initdb"), "--pgdata", str(base_dir / "data"), "--username", "postgres",
                "--pwfile", str(base_dir / "superuser.pw"), "--auth", "scram-sha-256",
                "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions",
            ],
            cwd=base_dir, capture_output=True, text=True, check=False, timeout=120, **run_as,
        )
        os.unlink(base_dir / "superuser.pw")
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
        data_dir = base_dir / "data"
        # Only TLS with a password: a plain connection matches no line and is refused.
        _write(
            data_dir / "pg_hba.conf",
            "# cvatops test server: TLS and a SCRAM password, nothing else.\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n",
            account,
        )

        for _attempt in range(3):  # another process may take the free port before the server binds it
            port = free_port()
            with open(data_dir / "postgresql.conf", "a", encoding="utf-8") as handle:
                handle.write(
                    "\n# cvatops test server\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"port = {port}\n"
                    "unix_socket_directories = ''\n"
                    "ssl = on\n"
                    f"ssl_cert_file = '{base_dir / 'server.crt'}'\n"
                    f"ssl_key_file = '{base_dir / 'server.key'}'\n"
                    "password_encryption = 'scram-sha-256'\n"
                    "max_connections = 40\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "logging_collector = off\nlog_min_messages = warning\n"
                )
            server = PostgresServer(
                bindir=bindir, base_dir=base_dir, port=port, password=secrets.token_urlsafe(24),
                superuser_password=superuser_password, ca_file=ca_file,
            )
            with open(server.log_file, "ab") as log:
                server.process = subprocess.Popen(  # pylint: disable=consider-using-with
                    [str(bindir / "postgres"), "-D", str(data_dir)],
                    cwd=base_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True, **run_as,
                )
            if _wait_ready(server, psycopg2):
                break
            server.process = None
        else:
            raise RuntimeError(f"PostgreSQL did not start:\n{server.log_tail() if server else ''}")

        with contextlib.closing(server.connect("postgres", superuser=True)) as conn, conn.cursor() as cur:
            cur.execute(f"CREATE ROLE {quote_ident(server.user)} LOGIN PASSWORD %s", (server.password,))
            cur.execute(f"CREATE DATABASE {quote_ident(server.dbname)} OWNER {quote_ident(server.user)}")
        return server
    except BaseException:
        if server is not None:
            server.stop()
        shutil.rmtree(base_dir, ignore_errors=True)
        raise


def _wait_ready(server: PostgresServer, psycopg2: Any) -> bool:
    """True once the superuser can connect; False if the postmaster exited (e.g. port taken)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            server.connect("postgres", superuser=True, connect_timeout="2").close()
            return True
        except psycopg2.OperationalError:
            time.sleep(0.1)
    server.process.kill()
    server.process.wait()
    raise RuntimeError(f"PostgreSQL did not accept connections within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server (see the module docstring)."""
    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL test server unavailable under CI=true: {exc}")
        pytest.skip(f"PostgreSQL test server unavailable: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:  # pylint: disable=redefined-outer-name
    """A fresh database owned by the cvat role, dropped after the test."""
    name = postgres_server.create_database()
    try:
        yield name
    finally:
        postgres_server.drop_database(name)
