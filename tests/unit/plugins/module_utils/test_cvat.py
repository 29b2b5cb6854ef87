# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CVAT client's logic with a scripted transport: retries, errors, pagination, polling, headers."""

import io
import json
from email.message import Message
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import cvat

URL = "https://cvat.example.com"
TOKEN = "tok-0123456789abcdef"


class Response(object):
    def __init__(self, status, body):
        self.status, self.body = status, body

    def getcode(self):
        return self.status

    def read(self):
        return b"" if self.body is None else json.dumps(self.body).encode()


class Transport(object):
    """Answers from a script: (status, body[, headers]) per request, in order."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.sent = []

    def __call__(self, url, method, data, headers, **kwargs):
        self.sent.append(dict(url=url, method=method, body=json.loads(data) if data else None, headers=headers, **kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer[0], answer[1]
        if status >= 400:
            message = Message()
            for name, value in (answer[2] if len(answer) > 2 else {}).items():
                message[name] = value
            raise HTTPError(url, status, "error", message, io.BytesIO(b"" if body is None else json.dumps(body).encode()))
        return Response(status, body)


def client(transport, sleeps=None, **kwargs):
    return cvat.CvatClient(URL, token=kwargs.pop("token", TOKEN), opener=transport,
                           sleep=(sleeps.append if sleeps is not None else lambda s: None), **kwargs)


@pytest.mark.parametrize(
    "method, answers, retried, sleeps",
    [
        ("GET", [(429, {"detail": "slow down"}, {"Retry-After": "3"}), (200, {"ok": 1})], 1, [3.0]),
        ("GET", [(503, None), (502, None), (200, {"ok": 1})], 2, [1.0, 2.0]),
        ("GET", [(500, {"detail": "boom"}), (200, {"ok": 1})], 1, [1.0]),
        ("PATCH", [(504, None), (200, {"ok": 1})], 1, [1.0]),
        ("POST", [(429, None), (503, None), (201, {"ok": 1})], 2, [1.0, 2.0]),
    ],
    ids=["429 with Retry-After", "5xx backoff", "500 on GET", "504 on PATCH", "POST on 429 and 503"],
)
def test_retries_where_it_is_safe(method, answers, retried, sleeps):
    transport, slept = Transport(*answers), []
    result = client(transport, slept).request(method, "/api/x", body={"a": 1} if method != "GET" else None)
    assert result == {"ok": 1}
    assert len(transport.sent) == retried + 1
    assert slept == sleeps


@pytest.mark.parametrize("status", [500, 502, 504])
def test_post_is_not_repeated_on_errors_that_may_have_done_something(status):
    transport = Transport((status, {"detail": "upstream"}))
    with pytest.raises(cvat.CvatError) as raised:
        client(transport).post("/api/projects", {"name": "p"})
    assert len(transport.sent) == 1
    assert raised.value.status == status


def test_retries_are_bounded():
    transport, slept = Transport(*([(503, None)] * 4)), []
    with pytest.raises(cvat.CvatError) as raised:
        client(transport, slept, retries=3).get("/api/projects")
    assert len(transport.sent) == 4 and slept == [1.0, 2.0, 4.0]
    assert raised.value.message == "CVAT GET /api/projects: HTTP 503"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"detail": "Invalid token."}, "CVAT GET /api/projects: HTTP 401: Invalid token."),
        (None, "CVAT GET /api/projects: HTTP 401 (the token or password is not valid)"),
        ({"name": ["This field is required."], "labels": [{"name": ["Duplicate."]}]},
         "CVAT GET /api/projects: HTTP 401: labels: name: Duplicate.; name: This field is required."),
        (["Something went wrong"], "CVAT GET /api/projects: HTTP 401: Something went wrong"),
    ],
)
def test_cvat_errors_become_one_clear_message(body, message):
    with pytest.raises(cvat.CvatError) as raised:
        client(Transport((401, body))).get("/api/projects")
    assert raised.value.message == message
    assert TOKEN not in raised.value.message


def test_unreachable_cvat_names_the_url_not_the_token():
    with pytest.raises(cvat.CvatError) as raised:
        client(Transport(URLError("[Errno 111] Connection refused"))).get("/api/server/about")
    assert raised.value.message == "Cannot reach CVAT at https://cvat.example.com (GET /api/server/about): [Errno 111] Connection refused"
    assert raised.value.status is None


def test_missing_resource_with_missing_ok_and_delete():
    assert client(Transport((404, {"detail": "Not found."}))).get("/api/projects/7", missing_ok=True) is None
    assert client(Transport((204, None))).delete("/api/projects/7") is True
    assert client(Transport((404, {"detail": "Not found."}))).delete("/api/projects/7") is False


@pytest.mark.parametrize(
    "kwargs, authorization",
    [
        (dict(token=TOKEN), "Bearer " + TOKEN),
        (dict(token=None, username="admin", password="p:w"), "Basic YWRtaW46cDp3"),
        (dict(token=None), None),
    ],
)
def test_headers(kwargs, authorization):
    transport = Transport((200, {}))
    client(transport, organization="ml-team", **kwargs).post("/api/projects", {"name": "p"})
    headers = transport.sent[0]["headers"]
    assert headers.get("Authorization") == authorization
    assert headers["X-Organization"] == "ml-team"
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept"].startswith("application/vnd.cvat+json")
    assert transport.sent[0]["validate_certs"] is True


def test_query_is_encoded_and_sorted():
    transport = Transport((200, {}))
    client(transport).get("/api/cloudstorages", query={"resource": "my bucket", "name": "raw", "page": None})
    assert transport.sent[0]["url"] == URL + "/api/cloudstorages?name=raw&resource=my+bucket"


def test_paginate_follows_next():
    transport = Transport(
        (200, {"count": 3, "next": URL + "/api/projects?page=2&page_size=2", "previous": None, "results": [{"id": 1}, {"id": 2}]}),
        (200, {"count": 3, "next": None, "previous": URL + "/api/projects?page=1", "results": [{"id": 3}]}),
    )
    assert [p["id"] for p in client(transport).paginate("/api/projects", {"name": "x"}, page_size=2)] == [1, 2, 3]
    assert transport.sent[0]["url"] == URL + "/api/projects?name=x&page_size=2"
    assert transport.sent[1]["url"] == URL + "/api/projects?page=2&page_size=2"


def test_wait_request_polls_until_finished():
    transport, slept = Transport((200, {"status": "queued"}), (200, {"status": "started"}), (200, {"status": "finished", "result_url": "x"})), []
    assert client(transport, slept).wait_request("rq-1", timeout=60, interval=2)["result_url"] == "x"
    assert slept == [2, 3.0]
    assert transport.sent[0]["url"] == URL + "/api/requests/rq-1"


def test_wait_request_failed_and_timeout():
    with pytest.raises(cvat.CvatError, match="CVAT request rq-2 failed: Storage is not available"):
        client(Transport((200, {"status": "failed", "message": "Storage is not available"}))).wait_request("rq-2")
    with pytest.raises(cvat.CvatError, match=r"CVAT request rq-3 still started after 1 s \(timeout\)"):
        client(Transport((200, {"status": "started"}))).wait_request("rq-3", timeout=1, interval=2)


@pytest.mark.parametrize("url", ["", "cvat.example.com", "ftp://cvat.example.com", "https://"])
def test_cvat_url_must_be_http(url):
    with pytest.raises(cvat.CvatError, match="cvat_url must be an http"):
        cvat.CvatClient(url)


@pytest.mark.parametrize(
    "attempt, retry_after, delay",
    [(1, None, 1.0), (3, None, 4.0), (10, None, 60.0), (1, "7", 7.0), (1, "600", 60.0), (2, "soon", 2.0), (1, "-3", 0.0)],
)
def test_retry_delay(attempt, retry_after, delay):
    assert cvat.retry_delay(attempt, 1.0, retry_after) == delay
