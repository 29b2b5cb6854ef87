# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One client for CVAT's REST API (the cvatops.aws.cvat_* modules), over ansible.module_utils.urls.

- Authentication: a personal access token (``Authorization: Bearer``, CVAT 2.48+) or, for bootstrap,
  basic auth with a user name and password. ``X-Organization`` selects an organization.
- Errors: CVAT's JSON error bodies (``{"detail": ...}`` or per-field lists) become one readable message
  that names the method, the path and the status; never a credential.
- Retries with exponential backoff (and ``Retry-After``) on 429 and on 5xx answers to requests that
  are safe to repeat; POST is repeated only on 429 and 503, which CVAT answers before doing anything.
- Pagination: ``paginate()`` follows ``next`` through every page.
- Asynchronous work: ``wait_request()`` polls ``/api/requests/{rq_id}`` until it finishes, fails or a
  bounded timeout passes.
"""

import base64
import json
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode, urlsplit
from ansible.module_utils.urls import open_url

MEDIA_TYPE = "application/vnd.cvat+json"
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
# CVAT answers these before it does anything, so even a POST may be sent again.
RETRY_STATUSES_POST = frozenset((429, 503))
REQUEST_DONE = "finished"
REQUEST_FAILED = "failed"

# The options every cvatops.aws.cvat_* module shares (doc fragment cvatops.aws.cvat).
CVAT_COMMON_ARGUMENT_SPEC = dict(
    cvat_url=dict(type="str", required=True, fallback=(env_fallback, ["CVAT_URL"])),
    cvat_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CVAT_TOKEN"])),
    cvat_username=dict(type="str", fallback=(env_fallback, ["CVAT_USERNAME"])),
    cvat_password=dict(type="str", no_log=True, fallback=(env_fallback, ["CVAT_PASSWORD"])),
    cvat_organization=dict(type="str", fallback=(env_fallback, ["CVAT_ORGANIZATION"])),
    validate_certs=dict(type="bool", default=True),
    cvat_timeout=dict(type="int", default=30),
    cvat_retries=dict(type="int", default=5),
)


class CvatError(Exception):
    """A CVAT API call that failed; ``status`` is the HTTP status, or None when CVAT was not reached."""

    def __init__(self, message, status=None, body=None):
        super(CvatError, self).__init__(message)
        self.message = message
        self.status = status
        self.body = body


def error_detail(body):
    """CVAT's (Django REST framework's) error body as one line: detail, or field: messages."""
    if body is None or body == "":
        return ""
    if isinstance(body, dict):
        if set(body) == {"detail"}:
            return to_text(body["detail"])
        parts = []
        for key in sorted(body):
            value = body[key]
            parts.append("%s: %s" % (key, error_detail(value) if isinstance(value, (dict, list)) else to_text(value)))
        return "; ".join(parts)
    if isinstance(body, list):
        return "; ".join(error_detail(item) if isinstance(item, (dict, list)) else to_text(item) for item in body)
    return to_text(body).strip()[:500]


def auth_header(token=None, username=None, password=None):
    if token:
        return "Bearer %s" % token
    if username and password is not None:
        pair = ("%s:%s" % (username, password)).encode("utf-8")
        return "Basic %s" % to_native(base64.b64encode(pair))
    return None


def retry_delay(attempt, backoff, retry_after=None, ceiling=60.0):
    """Seconds to wait before retry number ``attempt`` (1-based): Retry-After if CVAT sent one, else exponential."""
    if retry_after is not None:
        try:
            return min(max(float(retry_after), 0.0), ceiling)
        except (TypeError, ValueError):
            pass
    return min(backoff * (2 ** (attempt - 1)), ceiling)


class CvatClient(object):
    """CVAT's REST API at ``url``; ``opener`` and ``sleep`` are seams for unit tests."""

    def __init__(self, url, token=None, username=None, password=None, organization=None, validate_certs=True,
                 timeout=30, retries=5, backoff=1.0, opener=None, sleep=None):
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CvatError("cvat_url must be an http(s) URL such as https://cvat.example.com, got %r" % (url,))
        self.url = url.rstrip("/")
        self.organization = organization
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = max(int(retries), 0)
        self.backoff = backoff
        self._authorization = auth_header(token, username, password)
        self._open = opener or open_url
        self._sleep = sleep or time.sleep

    @classmethod
    def from_module(cls, module, require_auth=True):
        params = module.params
        if require_auth and not (params.get("cvat_token") or (params.get("cvat_username") and params.get("cvat_password"))):
            module.fail_json(msg="No CVAT credentials: set cvat_token (or CVAT_TOKEN), or cvat_username and cvat_password.")
        try:
            return cls(
                params["cvat_url"],
                token=params.get("cvat_token"),
                username=params.get("cvat_username"),
                password=params.get("cvat_password"),
                organization=params.get("cvat_organization"),
                validate_certs=params["validate_certs"],
                timeout=params["cvat_timeout"],
                retries=params["cvat_retries"],
            )
        except CvatError as exc:
            module.fail_json(msg=exc.message)

    def _headers(self, has_body):
        headers = {"Accept": "%s, application/json" % MEDIA_TYPE}
        if has_body:
            headers["Content-Type"] = "application/json"
        if self._authorization:
            headers["Authorization"] = self._authorization
        if self.organization:
            headers["X-Organization"] = self.organization
        return headers

    def absolute(self, path, query=None):
        if path.startswith(("http://", "https://")):
            url = path
        else:
            url = self.url + "/" + path.lstrip("/")
        if query:
            url += ("&" if "?" in url else "?") + urlencode(sorted((k, v) for k, v in query.items() if v is not None))
        return url

    def request(self, method, path, query=None, body=None, expected=(200, 201, 202, 204), missing_ok=False):
        """Send one request; return the decoded JSON answer (None for an empty one, or for 404 with missing_ok)."""
        return self.call(method, path, query=query, body=body, expected=expected, missing_ok=missing_ok)[1]

    def call(self, method, path, query=None, body=None, expected=(200, 201, 202, 204), missing_ok=False):
        """Send one request, retrying where that is safe; (status, decoded answer)."""
        url = self.absolute(path, query)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        retryable = RETRY_STATUSES_POST if method == "POST" else RETRY_STATUSES
        where = "%s %s" % (method, urlsplit(url).path)
        attempt = 0
        while True:
            attempt += 1
            status, payload, retry_after = self._send(method, url, data, where)
            if status in expected:
                return status, payload
            if status == 404 and missing_ok:
                return status, None
            if status in retryable and attempt <= self.retries:
                self._sleep(retry_delay(attempt, self.backoff, retry_after))
                continue
            raise CvatError(self._message(where, status, payload), status=status, body=payload)

    def _send(self, method, url, data, where):
        try:
            response = self._open(url, method=method, data=data, headers=self._headers(data is not None),
                                  validate_certs=self.validate_certs, timeout=self.timeout, follow_redirects="safe")
            status, raw, retry_after = response.getcode(), response.read(), None
        except HTTPError as exc:
            status = exc.code
            try:
                raw = exc.read()
            except Exception:  # pylint: disable=broad-except
                raw = b""
            retry_after = exc.headers.get("Retry-After") if exc.headers is not None else None
        except (URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CvatError("Cannot reach CVAT at %s (%s): %s" % (self.url, where, to_native(reason)))
        return status, self._decode(raw), retry_after

    @staticmethod
    def _decode(raw):
        if not raw:
            return None
        text = to_text(raw, errors="surrogate_or_replace")
        try:
            return json.loads(text)
        except ValueError:
            return text

    @staticmethod
    def _message(where, status, payload):
        detail = error_detail(payload)
        hints = {401: "the token or password is not valid", 403: "the credentials lack the permission"}
        message = "CVAT %s: HTTP %s" % (where, status)
        if detail:
            message += ": %s" % detail
        elif status in hints:
            message += " (%s)" % hints[status]
        return message

    def get(self, path, query=None, missing_ok=False):
        return self.request("GET", path, query=query, expected=(200,), missing_ok=missing_ok)

    def post(self, path, body=None, query=None, expected=(200, 201, 202)):
        return self.request("POST", path, query=query, body=body, expected=expected)

    def patch(self, path, body):
        return self.request("PATCH", path, body=body, expected=(200,))

    def delete(self, path, missing_ok=True):
        """Delete; True if it was deleted, False if it did not exist (with missing_ok)."""
        status = self.call("DELETE", path, expected=(200, 202, 204), missing_ok=missing_ok)[0]
        return status != 404

    def paginate(self, path, query=None, page_size=100):
        """Every item of a paginated list (CVAT's ``{count, next, previous, results}``)."""
        query = dict(query or {}, page_size=page_size)
        page = self.get(path, query=query)
        while True:
            if isinstance(page, list):  # a few endpoints answer a plain list
                yield from page
                return
            yield from (page or {}).get("results") or []
            following = (page or {}).get("next")
            if not following:
                return
            page = self.get(following)

    def wait_request(self, rq_id, timeout=600, interval=2.0):
        """Poll ``/api/requests/{rq_id}`` until it has finished; its final state. Fails on failure or timeout."""
        deadline = time.time() + timeout
        delay = interval
        while True:
            state = self.get("/api/requests/%s" % rq_id)
            status = (state or {}).get("status")
            if status == REQUEST_DONE:
                return state
            if status == REQUEST_FAILED:
                raise CvatError("CVAT request %s failed: %s" % (rq_id, (state or {}).get("message") or "no message"), body=state)
            if time.time() + delay > deadline:
                raise CvatError("CVAT request %s still %s after %s s (timeout)" % (rq_id, status, timeout), body=state)
            self._sleep(delay)
            delay = min(delay * 1.5, 15.0)


def run_module(module, run, require_auth=True):
    """Exit the module with ``run(module, client, params)``'s result; a CVAT error or a failed lookup
    (LookupError: a name that matches no or several objects) fails it with one message."""
    client = CvatClient.from_module(module, require_auth=require_auth)
    try:
        module.exit_json(**run(module, client, module.params))
    except CvatError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    except LookupError as exc:
        module.fail_json(msg=str(exc))
