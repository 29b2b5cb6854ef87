# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""WSGI middleware that counts the AWS API calls the emulator serves.

Tests use the counts to assert how many API calls a role makes (and that a second,
idempotent run makes no mutating ones), so every request must be attributed to the
AWS operation name a human would look up in the API reference, whatever wire protocol
the service speaks. A request is counted as (service, action):

* service: the SigV4 credential scope ``AKID/date/region/SERVICE/aws4_request`` from
  the ``Authorization`` header (or ``X-Amz-Credential`` of a presigned URL);
* action: ``X-Amz-Target`` after the dot (JSON protocols), else ``Action=`` from the
  query string or form body (query/EC2 protocols), else the operation of botocore's
  REST service models whose HTTP binding matches most specifically (S3, EFS, Lambda);
* neither known: ``("unknown" or the service, "METHOD /first-segment/...")``.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import botocore.session
from botocore.model import OperationModel

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_CREDENTIAL_RE = re.compile(r"Credential=([^,\s]+)")
_REST_PROTOCOLS = ("rest-xml", "rest-json")
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_METADATA_HEAD_CHARS = 8192
# One session for the process: its loader caches the few models actually used.
_SESSION = botocore.session.get_session()


@dataclass(frozen=True)
class _Route:  # pylint: disable=too-many-instance-attributes  # one field per part of an HTTP binding
    """One operation's HTTP binding, compiled for matching against a request."""

    name: str
    method: str
    match_path: Callable[[str], re.Match[str] | None]
    literal_segments: int
    query_literals: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    deprecated: bool

    def score(self, method: str, path: str, query: dict[str, list[str]], headers: set[str]) -> int | None:
        """How specifically this route matches the request, or None when it cannot be it.

        Literal path segments, literal query keys (``?encryption``, ``?list-type=2``) and
        required query/header members all count, because AWS disambiguates operations that
        share a path exactly by those (PutObject vs UploadPart vs CopyObject).
        """
        if method != self.method or self.match_path(path) is None:
            return None
        for key, value in self.query_literals:
            if key not in query or (value is not None and value not in query[key]):
                return None
        if any(key not in query for key in self.required_query):
            return None
        if any(header not in headers for header in self.required_headers):
            return None
        return self.literal_segments + len(self.query_literals) + len(self.required_query) + len(self.required_headers)


def _path_matcher(template: str) -> tuple[Callable[[str], re.Match[str] | None], int]:
    """Compile a botocore ``requestUri`` path such as ``/{Bucket}/{Key+}`` into a full-match function.

    ``{Name+}`` is greedy (may span ``/``), ``{Name}`` is one segment. Returns the
    matcher and the number of segments that are entirely literal.
    """
    parts: list[str] = []
    for token in re.split(r"(\{[^}]+\})", template):
        if token.startswith("{"):
            parts.append(".+" if token.endswith("+}") else "[^/]+")
        else:
            parts.append(re.escape(token))
    literal_segments = sum(1 for segment in template.split("/") if segment and "{" not in segment)
    return re.compile("".join(parts).rstrip("/") + "/?").fullmatch, literal_segments


def _required_members(operation: OperationModel, location: str) -> tuple[str, ...]:
    """Wire names of the input members that must appear at ``location`` (querystring/header)."""
    shape = operation.input_shape
    if shape is None:
        return ()
    names = []
    for member in shape.required_members:
        serialization = shape.members[member].serialization
        if serialization.get("location") == location:
            names.append(serialization.get("name", member))
    return tuple(name.lower() for name in names) if location == "header" else tuple(names)


def _compile_route(operation: OperationModel) -> _Route:
    """Turn one operation's ``http`` trait into a :class:`_Route`."""
    path, _separator, query = operation.http["requestUri"].partition("?")
    match_path, literal_segments = _path_matcher(path)
    literals = []
    for item in filter(None, query.split("&")):
        key, sep, value = item.partition("=")
        literals.append((key, value if sep else None))
    return _Route(
        name=operation.name,
        method=operation.http.get("method", "POST").upper(),
        match_path=match_path,
        literal_segments=literal_segments,
        query_literals=tuple(literals),
        required_query=_required_members(operation, "querystring"),
        required_headers=_required_members(operation, "header"),
        deprecated=bool(operation.deprecated),
    )


def _metadata_from_head(head: str) -> dict[str, Any] | None:
    """Decode the ``"metadata"`` object from the start of a service-2.json, if it is complete there."""
    key = head.find('"metadata"')
    brace = head.find("{", key) if key >= 0 else -1
    if brace < 0:
        return None
    try:
        return dict(json.JSONDecoder().raw_decode(head, brace)[0])
    except json.JSONDecodeError:
        return None


def _service_metadata(service_name: str) -> dict[str, Any]:
    """A model's ``metadata`` block, read from the head of its data file when possible.

    Parsing all ~450 complete models costs seconds and ~400 MB; the metadata (signing
    name, protocol) sits at the top of each file, so reading a few KiB is enough.
    """
    loader = _SESSION.get_component("data_loader")
    version = loader.determine_latest_version(service_name, "service-2")
    for root in loader.search_paths:
        for suffix, opener in ((".json.gz", gzip.open), (".json", open)):
            path = Path(root, service_name, version, f"service-2{suffix}")
            if path.is_file():
                with opener(path, "rt", encoding="utf-8") as handle:
                    metadata = _metadata_from_head(handle.read(_METADATA_HEAD_CHARS))
                if metadata is not None:
                    return metadata
    return dict(_SESSION.get_service_model(service_name).metadata)


@functools.cache
def _rest_models_by_signing_name() -> dict[str, tuple[str, ...]]:
    """``{signing name: REST service models signed that way}``: s3 -> s3, s3control; elasticfilesystem -> efs."""
    index: dict[str, list[str]] = {}
    for service_name in _SESSION.get_available_services():
        metadata = _service_metadata(service_name)
        if metadata.get("protocol") in _REST_PROTOCOLS:
            index.setdefault(metadata.get("signingName") or metadata["endpointPrefix"], []).append(service_name)
    return {signing_name: tuple(names) for signing_name, names in index.items()}


@functools.cache
def _service_routes(service_name: str) -> tuple[_Route, ...]:
    """All operations of one model, compiled once per process."""
    model = _SESSION.get_service_model(service_name)
    return tuple(_compile_route(model.operation_model(name)) for name in list(model.operation_names))


def resolve_rest_operation(signing_name: str, method: str, path: str, query: dict[str, list[str]], headers: set[str]) -> str | None:
    """Best matching operation of the REST models signed as ``signing_name``, or None.

    Routes come from botocore's own service models, so every service boto3 can call is
    covered without a hand-written table. Highest score wins; ties prefer the model named
    like the signing name, then non-deprecated operations, then name order.
    """
    candidates = []
    for service_name in _rest_models_by_signing_name().get(signing_name, ()):
        for route in _service_routes(service_name):
            score = route.score(method, path, query, headers)
            if score is not None:
                candidates.append((-score, service_name != signing_name, route.deprecated, route.name))
    return min(candidates)[3] if candidates else None


def signing_service(environ: dict[str, Any], query: dict[str, list[str]]) -> str | None:
    """Service from the SigV4 credential scope ``AKID/date/region/SERVICE/aws4_request``.

    Presigned URLs carry the same scope in ``X-Amz-Credential`` instead of a header.
    """
    match = _CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    scope = match.group(1) if match else (query.get("X-Amz-Credential") or [""])[0]
    parts = scope.split("/")
    return parts[3] if len(parts) == 5 else None


def buffer_form_body(environ: dict[str, Any]) -> bytes:
    """Read a form-encoded body and put an identical, rewound stream back for moto.

    Only ``application/x-www-form-urlencoded`` bodies can carry ``Action=``, so other
    bodies (S3 uploads) are streamed to moto untouched.
    """
    if not environ.get("CONTENT_TYPE", "").startswith(_FORM_CONTENT_TYPE):
        return b""
    stream = environ["wsgi.input"]
    body: bytes
    if environ.get("CONTENT_LENGTH"):
        body = stream.read(int(environ["CONTENT_LENGTH"]))
    elif environ.get("wsgi.input_terminated"):  # chunked: werkzeug's stream ends with the body
        body = stream.read()
    else:  # no length and no end marker: reading could block, so leave the stream alone
        return b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def path_shape(path: str) -> str:
    """Collapse a path to its first segment so unknown calls on many resources group together."""
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return "/"
    return f"/{segments[0]}/..." if len(segments) > 1 else f"/{segments[0]}"


class RequestCounter:
    """Counts requests by (service, action) and forwards them unchanged to ``app``.

    Paths starting with any of ``ignored_prefixes`` (the emulator's own control API,
    moto's ``/moto-api``) are forwarded but not counted: they are not AWS calls.
    """

    def __init__(self, app: WSGIApp, ignored_prefixes: tuple[str, ...] = ()) -> None:
        self._app = app
        self._ignored_prefixes = ignored_prefixes
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Count (unless ignored), then hand the request on."""
        if not environ.get("PATH_INFO", "").startswith(self._ignored_prefixes):
            key = self.classify(environ)
            with self._lock:
                self._counts[key] += 1
        return self._app(environ, start_response)

    def classify(self, environ: dict[str, Any]) -> tuple[str, str]:
        """(service, action) of one request, by the rules in the module docstring."""
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        service = signing_service(environ, query)
        action = self._action(environ, service, method, path, query)
        return service or "unknown", action or f"{method} {path_shape(path)}"

    def _action(self, environ: dict[str, Any], service: str | None, method: str, path: str, query: dict[str, list[str]]) -> str | None:
        target: str = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            return target.rpartition(".")[2]
        actions = query.get("Action") or parse_qs(buffer_form_body(environ).decode("utf-8", "replace")).get("Action")
        if actions:
            return actions[0]
        if service is None:
            return None
        headers = {key[5:].replace("_", "-").lower() for key in environ if key.startswith("HTTP_")}
        headers.update(key.replace("_", "-").lower() for key in ("CONTENT_TYPE", "CONTENT_LENGTH") if key in environ)
        return resolve_rest_operation(service, method, path, query, headers)

    def counts(self) -> dict[str, dict[str, int]]:
        """Snapshot as ``{service: {action: n}}``, sorted for stable output."""
        with self._lock:
            items = sorted(self._counts.items())
        result: dict[str, dict[str, int]] = {}
        for (service, action), count in items:
            result.setdefault(service, {})[action] = count
        return result

    def total(self) -> int:
        """Number of counted requests since start or the last reset."""
        with self._lock:
            return sum(self._counts.values())

    def reset(self) -> None:
        """Forget all counts (e.g. between the first and the idempotence run)."""
        with self._lock:
            self._counts.clear()
