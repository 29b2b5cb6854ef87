# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator: moto's server app, patched and counted, on a free loopback port.

moto's own ``ThreadedMotoServer`` binds a fixed port and cannot be wrapped in
middleware, so this builds the same WSGI app (``DomainDispatcherApplication``) itself
and serves it with werkzeug on port 0, reading the real port back from the socket.
That lets parallel test sessions (pytest-xdist, several CI jobs) never collide.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

import boto3.session
import botocore.session
from werkzeug.serving import BaseWSGIServer, make_server

from . import patches
from .counter import RequestCounter

CONTROL_PREFIX = "/_awsemu/"
MOTO_CONTROL_PREFIX = "/moto-api/"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"
# botocore session variables (config name, env var, default, converter) that would read the caller's profile.
_HERMETIC_SESSION_VARS = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}
# Variables that could make a subprocess pick a real AWS identity instead of the emulator's.
UNSAFE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def require_loopback(host: str) -> None:
    """Refuse non-loopback binds: the emulator accepts any credentials, so it must never be reachable from the network."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve emulator host {host!r}: {exc}") from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise ValueError(f"emulator host must be a loopback address (127.0.0.1, ::1, localhost), not {host!r}")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _quiet_handler() -> type:
    """moto's request handler without werkzeug's per-request access log line.

    The request counter already records every call; an access log would only flood
    test output and the detached emulator's log file.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler  # pylint: disable=import-outside-toplevel

    class QuietMotoRequestHandler(MotoRequestHandler):  # pylint: disable=too-few-public-methods
        """Logs errors but not every successful request."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Drop the access log line (see :func:`_quiet_handler`)."""

    return QuietMotoRequestHandler


class Emulator:
    """An in-process moto server with compatibility patches and request counting.

    moto keeps its state in module globals, so emulators in one process share AWS
    state (and :meth:`reset` resets all of them); use the CLI for isolated processes.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        require_loopback(host)
        self.host = host
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._counter: RequestCounter | None = None
        self.patches: list[str] = []

    def start(self) -> Emulator:
        """Apply patches, bind the socket and serve on a daemon thread; returns once connectable."""
        if self._server is not None:
            return self
        self.patches = patches.apply_all()
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # pylint: disable=import-outside-toplevel

        # /_awsemu/ is answered by _control before the counter; /moto-api/ reaches moto uncounted.
        self._counter = RequestCounter(DomainDispatcherApplication(create_backend_app), (MOTO_CONTROL_PREFIX,))
        self._server = make_server(self.host, self._requested_port, self._control(self._counter), threaded=True, request_handler=_quiet_handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"awsemu-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port actually bound (never 0 once started)."""
        if self._server is None:
            raise RuntimeError("emulator is not running")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """Base URL for ``endpoint_url`` / ``AWS_ENDPOINT_URL``."""
        return f"http://{_url_host(self.host)}:{self.port}"

    def counts(self) -> dict[str, dict[str, int]]:
        """Requests served so far as ``{service: {action: n}}``."""
        return self._running_counter().counts()

    def total(self) -> int:
        """Number of AWS requests served so far."""
        return self._running_counter().total()

    def reset_counts(self) -> None:
        """Zero the request counters (moto state is kept)."""
        self._running_counter().reset()

    def reset(self) -> None:
        """Drop all emulated AWS resources, as moto's ``POST /moto-api/reset`` does."""
        from moto.moto_api._internal.models import moto_api_backend  # pylint: disable=import-outside-toplevel

        moto_api_backend.reset()

    def env(self) -> dict[str, str]:
        """Environment for subprocesses (ansible-playbook, aws cli) that talk to this emulator; see :func:`client_env`."""
        return client_env(self.endpoint)

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` on this emulator; see :func:`client_for`."""
        return client_for(self.endpoint, service, **kwargs)

    def _running_counter(self) -> RequestCounter:
        if self._counter is None:
            raise RuntimeError("emulator was never started")
        return self._counter

    def _control(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """Serve ``/_awsemu/*`` here and pass everything else to ``app``."""
        routes: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
            ("GET", CONTROL_PREFIX + "health"): lambda: {"status": "ok", "endpoint": self.endpoint, "pid": os.getpid(), "patches": self.patches},
            ("GET", CONTROL_PREFIX + "requests"): lambda: {"total": self.total(), "by_service": self.counts()},
            ("POST", CONTROL_PREFIX + "requests/reset"): self._reset_counts_response,
        }

        def control_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            path = environ.get("PATH_INFO", "")
            if not path.startswith(CONTROL_PREFIX):
                return app(environ, start_response)
            handler = routes.get((environ.get("REQUEST_METHOD", "GET").upper(), path.rstrip("/")))
            status, payload = ("200 OK", handler()) if handler else ("404 Not Found", {"error": f"no control endpoint {path}"})
            body = json.dumps(payload).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        return control_app

    def _reset_counts_response(self) -> dict[str, Any]:
        self.reset_counts()
        return {"status": "ok", "total": 0}


def client_env(endpoint: str) -> dict[str, str]:
    """Variables that point AWS SDKs at ``endpoint`` with fake credentials.

    The shared config/credential files are pointed at ``/dev/null`` so a developer's real
    AWS profile can never be picked up. ``AWS_PROFILE`` is absent on purpose:
    :func:`merged_env` removes it from a base environment.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
    }


def client_for(endpoint: str, service: str, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` at ``endpoint``, immune to the caller's AWS environment.

    The botocore session ignores ``AWS_PROFILE`` and the shared config/credential
    files, so neither a developer's profile nor a broken ``~/.aws/config`` can leak in.
    """
    hermetic = botocore.session.Session(session_vars=_HERMETIC_SESSION_VARS)
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION, botocore_session=hermetic)
    return session.client(service, endpoint_url=endpoint, **kwargs)


def merged_env(emulator_env: dict[str, str], base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) overlaid with ``emulator_env``, minus :data:`UNSAFE_VARIABLES`.

    A leftover ``AWS_PROFILE`` would make botocore look for a profile in the (empty)
    config file and fail; a leftover session token would be sent along with the fake keys.
    """
    env = dict(os.environ if base is None else base)
    for name in UNSAFE_VARIABLES:
        env.pop(name, None)
    env.update(emulator_env)
    return env
