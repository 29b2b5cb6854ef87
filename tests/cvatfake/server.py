# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake CVAT: an HTTP server on a free loopback port, answering from in-memory state.

Every request to a path of CVAT's schema is checked against the contract (query parameters, request
body) before a handler sees it, and every answer after; violations answer 400 (request) or 500
(answer) and are kept in ``violations`` for the test to assert on. Authentication works as CVAT's:
``Authorization: Bearer <token>`` or basic auth, 401 for bad or missing credentials where the
endpoint needs them. ``fail_next`` injects errors (429, 5xx) for retry tests; ``calls`` records what
the client sent, without credentials.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import tasks as task_endpoints
from . import tokens as token_endpoints
from .contract import Contract, ContractViolation

MEDIA_TYPE = "application/vnd.cvat+json"
# Paths CVAT serves without credentials (the ALB's health check uses the first).
ANONYMOUS = ("/api/server/about", "/api/server/health/")
# Outside the OpenAPI schema: django-health-check's view.
UNDOCUMENTED = ("/api/server/health/",)

Handler = Callable[["Call"], tuple[int, Any]]


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    auth: str | None  # "token", "basic" or None: never the credential itself
    user: str | None = None
    token_id: int | None = None  # the personal access token that authenticated, by id (tokens.py)
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int


class FakeCvat:
    def __init__(self, tokens: dict[str, str] | None = None, users: dict[str, str] | None = None) -> None:
        self.contract = Contract()
        self.tokens = dict(tokens or {"automation-token": "admin"})
        self.token_ids: dict[str, int] = {}  # token value -> its id, for the tokens tokens.py creates
        self.users = dict(users or {"admin": "admin-password"})
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.about = {
            "name": "Computer Vision Annotation Tool",
            "description": "CVAT is completely re-designed and re-implemented version of Video Annotation Tool from Irvine, California tool.",
            "version": self.contract.version,
            "logo_url": "",
            "subtitle": "",
        }
        self.health = {"Cache backend: default": "working", "DatabaseBackend": "working", "OPAHealthCheck": "working"}
        self.requests: dict[str, dict[str, Any]] = {}
        self.cloud_storages: dict[int, dict[str, Any]] = {}
        # What CVAT was given as credentials, by storage id: the API never returns them.
        self.storage_credentials: dict[int, dict[str, str]] = {}
        # What /status answers per bucket (CVAT lists the bucket with the storage's key): AVAILABLE unless set.
        self.bucket_status: dict[str, str] = {}
        # Optionally, whether the credentials a storage was given still work (e.g. an IAM key that exists): FORBIDDEN if not.
        self.credentials_valid: Callable[[dict[str, str]], bool] | None = None
        self.projects: dict[int, dict[str, Any]] = {}
        self.labels: dict[int, dict[str, Any]] = {}
        # Tasks, their data and dataset exports (tasks.py). Objects per bucket: task data is read from them, exports written to them.
        self.tasks: dict[int, dict[str, Any]] = {}
        self.task_files: dict[int, list[str]] = {}
        self.bucket_objects: dict[str, set[str]] = {}
        self.exports: list[dict[str, Any]] = []
        self._next_id = 1
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._register_defaults()

    # ------------------------------------------------------------------ life cycle
    def start(self) -> FakeCvat:
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                pass

            def _serve(self) -> None:
                fake.serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCvat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------------ test controls
    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes.insert(0, (method.upper(), re.compile("^" + pattern + "$"), handler))
            return handler

        return register

    def fail_next(self, method: str, path: str, status: int, times: int = 1, body: Any = None, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` requests ``method path`` (a regex) answer ``status`` instead."""
        self.faults.append(Fault(method.upper(), re.compile("^" + path + "$"), status, body, dict(headers or {}), times))

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if call.method == method.upper() and re.match("^" + path + "$", call.path)]

    # ------------------------------------------------------------------ serving
    def serve(self, http: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._answer(http, 400, {"detail": "JSON parse error"})
            return
        call = Call(http.command, parts.path, dict(parse_qsl(parts.query)), body, None)
        status, answer, headers = self._handle(call, http.headers.get("Authorization"))
        self._answer(http, status, answer, headers)

    def _handle(self, call: Call, authorization: str | None) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.calls.append(call)
            for fault in self.faults:
                if fault.times > 0 and fault.method == call.method and fault.pattern.match(call.path):
                    fault.times -= 1
                    return fault.status, fault.body, fault.headers
        denied = self._authenticate(call, authorization)
        if denied:
            return 401, {"detail": denied}, {}
        operation = None
        if call.path not in UNDOCUMENTED:
            try:
                operation = self.contract.operation(call.method, call.path)
                self.contract.check_query(operation, call.query)
                self.contract.check_request(operation, call.body)
            except ContractViolation as violation:
                self.violations.append(str(violation))
                return 400, {"detail": f"contract violation: {violation}"}, {}
        for method, pattern, handler in self._routes:
            match = pattern.match(call.path)
            if method == call.method and match:
                call.params = match.groupdict()
                with self._lock:
                    status, answer = handler(call)
                if operation is not None:
                    try:
                        self.contract.check_response(operation, status, answer)
                    except ContractViolation as violation:
                        self.violations.append(str(violation))
                        return 500, {"detail": f"fake answered against the contract: {violation}"}, {}
                return status, answer, {}
        return 404, {"detail": "Not found."}, {}

    def _authenticate(self, call: Call, authorization: str | None) -> str | None:
        """None if the request may go on, else DRF's 401 message."""
        if authorization:
            kind, _space, credential = authorization.partition(" ")
            if kind == "Bearer" and credential in self.tokens:
                call.auth, call.user = "token", self.tokens[credential]
                call.token_id = self.token_ids.get(credential)
                return None
            if kind == "Basic":
                user, _colon, password = base64.b64decode(credential).decode("utf-8", "replace").partition(":")
                if self.users.get(user) == password:
                    call.auth, call.user = "basic", user
                    return None
                return "Invalid username/password."
            return "Invalid token."
        if call.path in ANONYMOUS:
            return None
        return "Authentication credentials were not provided."

    @staticmethod
    def _answer(http: BaseHTTPRequestHandler, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if answer is None else json.dumps(answer).encode("utf-8")
        http.send_response(status)
        if data:
            http.send_header("Content-Type", MEDIA_TYPE)
        http.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            http.send_header(name, value)
        http.end_headers()
        http.wfile.write(data)

    # ------------------------------------------------------------------ helpers
    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    @staticmethod
    def now() -> str:
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def owner(self, username: str | None) -> dict[str, Any]:
        return {"url": f"{self.url}/api/users/1", "id": 1, "username": username or "admin", "first_name": "", "last_name": ""}

    def page(self, call: Call, items: list[dict[str, Any]]) -> dict[str, Any]:
        """DRF's page of ``items`` for the call's page / page_size."""
        size = int(call.query.get("page_size", 10))
        number = int(call.query.get("page", 1))
        chunk = items[(number - 1) * size:number * size]
        base = f"{self.url}{call.path}?"
        others = {k: v for k, v in call.query.items() if k != "page"}

        def link(n: int) -> str:
            return base + urlencode(dict(others, page=n))

        return {
            "count": len(items),
            "next": link(number + 1) if number * size < len(items) else None,
            "previous": link(number - 1) if number > 1 else None,
            "results": chunk,
        }

    # ------------------------------------------------------------------ CVAT's endpoints
    def _register_defaults(self) -> None:
        self._register_cloud_storages()
        self._register_projects()
        task_endpoints.register(self)

        @self.route("GET", r"/api/server/about")
        def about(call: Call) -> tuple[int, Any]:
            return 200, dict(self.about)

        @self.route("GET", r"/api/server/health/")
        def health(call: Call) -> tuple[int, Any]:
            healthy = all(value == "working" for value in self.health.values())
            return (200 if healthy else 500), dict(self.health)

        @self.route("GET", r"/api/requests/(?P<rq_id>[^/]+)")
        def request(call: Call) -> tuple[int, Any]:
            state = self.requests.get(call.params["rq_id"])
            if state is None:
                return 404, {"detail": "Not found."}
            # A request advances one state per poll: queued -> started -> its final status.
            answer = dict(state)
            if state["status"] in ("queued", "started") and state.get("_final"):
                state["status"] = "started" if state["status"] == "queued" else state.pop("_final")
            answer.pop("_final", None)
            return 200, answer

        token_endpoints.register(self)

    def _register_cloud_storages(self) -> None:
        secret_fields = ("key", "secret_key", "session_token", "account_name", "connection_string", "key_file")

        def read(storage_id: int) -> dict[str, Any]:
            return dict(self.cloud_storages[storage_id])

        @self.route("GET", r"/api/cloudstorages")
        def list_storages(call: Call) -> tuple[int, Any]:
            items = [read(i) for i in sorted(self.cloud_storages)]
            # CVAT's simple filters: name matches the display name loosely, the others exactly.
            if "name" in call.query:
                items = [s for s in items if call.query["name"].lower() in s["display_name"].lower()]
            for field_name in ("resource", "provider_type", "credentials_type"):
                if field_name in call.query:
                    items = [s for s in items if s[field_name] == call.query[field_name]]
            return 200, self.page(call, items)

        @self.route("POST", r"/api/cloudstorages")
        def create(call: Call) -> tuple[int, Any]:
            body = dict(call.body)
            storage_id = self.new_id()
            self.storage_credentials[storage_id] = {k: body.pop(k) for k in secret_fields if k in body}
            body.pop("owner", None)
            stamp = self.now()
            self.cloud_storages[storage_id] = {
                "id": storage_id, "owner": self.owner(call.user), "manifests": body.pop("manifests", []),
                "created_date": stamp, "updated_date": stamp, "description": body.pop("description", ""),
                "specific_attributes": body.pop("specific_attributes", ""), "organization": None, **body,
            }
            return 201, read(storage_id)

        @self.route("GET", r"/api/cloudstorages/(?P<id>[0-9]+)")
        def retrieve(call: Call) -> tuple[int, Any]:
            storage_id = int(call.params["id"])
            return (200, read(storage_id)) if storage_id in self.cloud_storages else (404, {"detail": "Not found."})

        @self.route("PATCH", r"/api/cloudstorages/(?P<id>[0-9]+)")
        def update(call: Call) -> tuple[int, Any]:
            storage_id = int(call.params["id"])
            if storage_id not in self.cloud_storages:
                return 404, {"detail": "Not found."}
            body = dict(call.body)
            secrets = {k: body.pop(k) for k in secret_fields if k in body}
            if secrets:
                self.storage_credentials[storage_id] = secrets
            self.cloud_storages[storage_id].update(body, updated_date=self.now())
            return 200, read(storage_id)

        @self.route("DELETE", r"/api/cloudstorages/(?P<id>[0-9]+)")
        def delete(call: Call) -> tuple[int, Any]:
            storage_id = int(call.params["id"])
            if self.cloud_storages.pop(storage_id, None) is None:
                return 404, {"detail": "Not found."}
            self.storage_credentials.pop(storage_id, None)
            return 204, None

        @self.route("GET", r"/api/cloudstorages/(?P<id>[0-9]+)/status")
        def status(call: Call) -> tuple[int, Any]:
            storage_id = int(call.params["id"])
            if storage_id not in self.cloud_storages:
                return 404, {"detail": "Not found."}
            if self.credentials_valid is not None and not self.credentials_valid(self.storage_credentials.get(storage_id, {})):
                return 200, "FORBIDDEN"
            return 200, self.bucket_status.get(self.cloud_storages[storage_id]["resource"], "AVAILABLE")

    def _register_projects(self) -> None:
        def storage(spec: dict[str, Any] | None) -> dict[str, Any] | None:
            if not spec:
                return None
            return {"id": self.new_id(), "location": spec["location"], "cloud_storage_id": spec.get("cloud_storage_id")}

        def add_labels(project_id: int, labels: list[dict[str, Any]]) -> None:
            for label in labels:
                if label.get("deleted"):
                    self.labels.pop(label["id"], None)
                    continue
                same = [i for i, known in self.labels.items() if known["project_id"] == project_id and known["name"] == label["name"]]
                if same:
                    self.labels[same[0]].update({k: v for k, v in label.items() if k in ("color", "type")})
                    continue
                label_id = self.new_id()
                self.labels[label_id] = {
                    "id": label_id, "name": label["name"], "color": label.get("color", "#33ddff"), "attributes": label.get("attributes", []),
                    "type": label.get("type", "any"), "sublabels": [], "project_id": project_id, "task_id": None, "parent_id": None,
                    "has_parent": False,
                }

        def read(project_id: int) -> dict[str, Any]:
            count = sum(1 for task in self.tasks.values() if task["project_id"] == project_id)
            return dict(self.projects[project_id], tasks={"count": count, "url": f"{self.url}/api/tasks?project_id={project_id}"},
                        labels={"url": f"{self.url}/api/labels?project_id={project_id}"})

        @self.route("GET", r"/api/projects")
        def list_projects(call: Call) -> tuple[int, Any]:
            items = [read(i) for i in sorted(self.projects)]
            if "name" in call.query:
                items = [p for p in items if call.query["name"].lower() in p["name"].lower()]
            return 200, self.page(call, items)

        @self.route("POST", r"/api/projects")
        def create(call: Call) -> tuple[int, Any]:
            names = [label["name"] for label in call.body.get("labels", [])]
            if len(names) != len(set(names)):
                return 400, {"labels": ["All label names must be unique"]}
            project_id = self.new_id()
            stamp = self.now()
            self.projects[project_id] = {
                "url": f"{self.url}/api/projects/{project_id}", "id": project_id, "name": call.body["name"], "owner": self.owner(call.user),
                "assignee": None, "guide_id": None, "bug_tracker": call.body.get("bug_tracker", ""), "task_subsets": [],
                "created_date": stamp, "updated_date": stamp, "status": "annotation", "dimension": None, "organization": None,
                "organization_id": None, "target_storage": storage(call.body.get("target_storage")),
                "source_storage": storage(call.body.get("source_storage")), "assignee_updated_date": None,
            }
            add_labels(project_id, call.body.get("labels", []))
            return 201, read(project_id)

        @self.route("GET", r"/api/projects/(?P<id>[0-9]+)")
        def retrieve(call: Call) -> tuple[int, Any]:
            project_id = int(call.params["id"])
            return (200, read(project_id)) if project_id in self.projects else (404, {"detail": "Not found."})

        @self.route("PATCH", r"/api/projects/(?P<id>[0-9]+)")
        def update(call: Call) -> tuple[int, Any]:
            project_id = int(call.params["id"])
            if project_id not in self.projects:
                return 404, {"detail": "Not found."}
            body = dict(call.body)
            add_labels(project_id, body.pop("labels", []))
            for key in ("source_storage", "target_storage"):
                if key in body:
                    self.projects[project_id][key] = storage(body.pop(key))
            self.projects[project_id].update(body, updated_date=self.now())
            return 200, read(project_id)

        @self.route("DELETE", r"/api/projects/(?P<id>[0-9]+)")
        def delete(call: Call) -> tuple[int, Any]:
            project_id = int(call.params["id"])
            if self.projects.pop(project_id, None) is None:
                return 404, {"detail": "Not found."}
            for label_id in [i for i, label in self.labels.items() if label["project_id"] == project_id]:
                del self.labels[label_id]
            for task_id in [i for i, task in self.tasks.items() if task["project_id"] == project_id]:
                del self.tasks[task_id]
            return 204, None

        @self.route("GET", r"/api/labels")
        def list_labels(call: Call) -> tuple[int, Any]:
            project_id = int(call.query.get("project_id", 0))
            return 200, self.page(call, [dict(label) for i, label in sorted(self.labels.items()) if label["project_id"] == project_id])
