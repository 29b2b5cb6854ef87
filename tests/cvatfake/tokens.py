# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake CVAT's personal access tokens (``/api/auth/access_tokens``), with CVAT's rules:

- a token's value is answered once, by the POST that creates it; it then authenticates as
  ``Authorization: Bearer <value>`` (it is added to ``fake.tokens``) until it is revoked or expires;
- a request authenticated by a token may list and read tokens but not create, change or revoke one
  (403), so a first token needs basic auth (a password);
- ``GET /api/auth/access_tokens/self`` answers only for a request authenticated by a token (401
  otherwise), with that token; the list shows the caller's own usable tokens, newest first;
- a new token is read-only unless the request says otherwise (CVAT's model default).

State added to the fake:
- ``access_tokens``: id -> AccessTokenRead (without the value) of every usable token;
- ``revoked_tokens``: id -> the same, for the tokens revoked or expired since;
- ``fake.token_ids`` (server.py): value -> id, so that a request's ``call.token_id`` names its token.

The preset ``automation-token`` of the fake has no record: ``/self`` answers 404 for it. ``issue()``,
``revoke()`` and ``expire()`` let a test make and break tokens behind a module's back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import Call, FakeCvat

PATH = r"/api/auth/access_tokens"
NOT_FOUND = (404, {"detail": "Not found."})
FORBIDDEN = (403, {"detail": "You do not have permission to perform this action."})
NOT_AUTHENTICATED = (401, {"detail": "Authentication credentials were not provided."})


def issue(fake: FakeCvat, username: str, name: str, read_only: bool = False, expiry_date: str | None = None) -> dict[str, Any]:
    """A new token of ``username``, as POST /api/auth/access_tokens makes it: its AccessTokenRead with the value."""
    token_id = fake.new_id()
    value = f"{secrets.token_hex(4)}.{secrets.token_urlsafe(32)}"
    stamp = fake.now()
    fake.access_tokens[token_id] = {
        "id": token_id, "name": name, "created_date": stamp, "updated_date": stamp, "expiry_date": expiry_date,
        "last_used_date": None, "read_only": read_only, "owner": fake.owner(username),
    }
    fake.tokens[value] = username
    fake.token_ids[value] = token_id
    return dict(fake.access_tokens[token_id], value=value)


def revoke(fake: FakeCvat, token_id: int) -> None:
    """The token stops authenticating and disappears from the list, as CVAT's DELETE does."""
    fake.revoked_tokens[token_id] = fake.access_tokens.pop(token_id)
    for value in [v for v, i in fake.token_ids.items() if i == token_id]:
        del fake.token_ids[value]
        fake.tokens.pop(value, None)


def expire(fake: FakeCvat, token_id: int) -> None:
    """The token's expiry date passes: it no longer authenticates."""
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    fake.access_tokens[token_id]["expiry_date"] = yesterday.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    revoke(fake, token_id)


def register(fake: FakeCvat) -> None:
    fake.access_tokens = {}
    fake.revoked_tokens = {}

    def owned(handler: Callable[[Call, int], tuple[int, Any]]) -> Callable[[Call], tuple[int, Any]]:
        """The handler of /{id}, called only when the caller may act on that token (else CVAT's 404 or 403)."""
        def guarded(call: Call) -> tuple[int, Any]:
            token_id = int(call.params["id"])
            token = fake.access_tokens.get(token_id)
            if token is None:
                return NOT_FOUND
            if token["owner"]["username"] != call.user or (call.method != "GET" and call.auth == "token"):
                return FORBIDDEN
            return handler(call, token_id)

        return guarded

    @fake.route("GET", PATH)
    def list_tokens(call: Call) -> tuple[int, Any]:
        items = [dict(t) for i, t in sorted(fake.access_tokens.items(), reverse=True) if t["owner"]["username"] == call.user]
        if "name" in call.query:
            items = [t for t in items if t["name"] == call.query["name"]]
        if "read_only" in call.query:
            items = [t for t in items if t["read_only"] == (call.query["read_only"].lower() == "true")]
        if "search" in call.query:
            items = [t for t in items if call.query["search"].lower() in t["name"].lower()]
        return 200, fake.page(call, items)

    @fake.route("POST", PATH)
    def create(call: Call) -> tuple[int, Any]:
        if call.auth == "token":
            return FORBIDDEN
        body = call.body
        return 201, issue(fake, call.user, body["name"], body.get("read_only", True), body.get("expiry_date"))

    @fake.route("GET", PATH + r"/self")
    def current(call: Call) -> tuple[int, Any]:
        if call.auth != "token":
            return NOT_AUTHENTICATED
        token = fake.access_tokens.get(call.token_id)
        return (200, dict(token)) if token else NOT_FOUND

    @fake.route("GET", PATH + r"/(?P<id>[0-9]+)")
    @owned
    def retrieve(call: Call, token_id: int) -> tuple[int, Any]:
        return 200, dict(fake.access_tokens[token_id])

    @fake.route("PATCH", PATH + r"/(?P<id>[0-9]+)")
    @owned
    def update(call: Call, token_id: int) -> tuple[int, Any]:
        fake.access_tokens[token_id].update(call.body, updated_date=fake.now())
        return 200, dict(fake.access_tokens[token_id])

    @fake.route("DELETE", PATH + r"/(?P<id>[0-9]+)")
    @owned
    def destroy(call: Call, token_id: int) -> tuple[int, Any]:
        revoke(fake, token_id)
        return 204, None
