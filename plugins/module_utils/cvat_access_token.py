# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of cvatops.aws.cvat_access_token (pure functions): the secret's JSON document, whether the token it
holds can stay, what to change on it, and what the module returns about a token (never its value)."""

import json
import re
from datetime import datetime, timedelta, timezone

PATH = "/api/auth/access_tokens"
NAME_MAX = 50
# A new token's expiry is set from this machine's clock, CVAT's created_date from CVAT's: allow for skew.
EXPIRY_TOLERANCE = timedelta(hours=1)
DOCUMENT_FIELDS = ("cvat_url", "name", "token", "token_id")
PUBLIC_FIELDS = ("id", "name", "created_date", "updated_date", "expiry_date", "last_used_date", "read_only")


def parse_date(text):
    """CVAT's date-time (``2026-01-31T12:00:00.123456Z``) as an aware datetime; None for none or nonsense."""
    if not text:
        return None
    value = re.sub(r"Z$", "+00:00", str(text).strip())
    # Older Pythons' fromisoformat takes exactly 3 or 6 fractional digits.
    value = re.sub(r"\.(\d+)", lambda m: "." + m.group(1)[:6].ljust(6, "0"), value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def format_date(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_params(params):
    """The first problem with the options, as one message naming the option, else None."""
    name = params["name"]
    if not name.strip() or len(name) > NAME_MAX:
        return "name must be 1-%d characters (CVAT's limit), got %d" % (NAME_MAX, len(name))
    days, renew = params["expires_in_days"], params["renew_before_days"]
    if days is not None and days < 1:
        return "expires_in_days must be 1 or more, got %d" % days
    if renew < 0:
        return "renew_before_days must be 0 or more, got %d" % renew
    if days is not None and renew >= days:
        return "renew_before_days (%d) must be less than expires_in_days (%d), or every run would replace the token" % (renew, days)
    return None


def parse_document(secret_string):
    """The secret's JSON document as a dict with a non-empty ``token``, else None (no value, not JSON, no token)."""
    if not secret_string:
        return None
    try:
        document = json.loads(secret_string)
    except (TypeError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("token"), str) or not document["token"]:
        return None
    return document


def build_document(cvat_url, name, value, token_id):
    return json.dumps(dict(cvat_url=cvat_url, name=name, token=value, token_id=token_id), sort_keys=True)


def document_matches(document, cvat_url, name, token_id):
    """Does the stored document say what a new one would (besides the token itself)?"""
    wanted = dict(cvat_url=cvat_url, name=name, token_id=token_id)
    return all(document.get(key) == value for key, value in wanted.items())


def owner_name(token):
    return ((token or {}).get("owner") or {}).get("username")


def wanted_expiry(token, expires_in_days):
    """The expiry the token should have: created_date + expires_in_days, or None (no expiry)."""
    if expires_in_days is None:
        return None
    created = parse_date(token.get("created_date"))
    return created + timedelta(days=expires_in_days) if created else None


def new_token_expiry(expires_in_days, now):
    return format_date(now + timedelta(days=expires_in_days)) if expires_in_days is not None else None


def plan(current, params, now, username=None, missing="the secret holds no token that authenticates"):
    """(reason, update) for the token the secret holds.

    current: CVAT's AccessTokenRead of that token (``GET .../self`` with it), None when there is none or it no
    longer authenticates (missing says why). reason: why a new token is needed (None: the token stays); update:
    the PATCH body that brings the token that stays in line with O(read_only) and O(expires_in_days).
    """
    if params["rotate"]:
        return "rotate is set", {}
    if current is None:
        return missing, {}
    if current.get("name") != params["name"]:
        return "the secret's token is named %r" % current.get("name"), {}
    if username and owner_name(current) != username:
        return "the secret's token belongs to %s, not %s" % (owner_name(current), username), {}
    update = {}
    expiry = wanted_expiry(current, params["expires_in_days"])
    if expiry is not None and expiry - now <= timedelta(days=params["renew_before_days"]):
        return "the token expires on %s, within renew_before_days (%d)" % (format_date(expiry), params["renew_before_days"]), {}
    current_expiry = parse_date(current.get("expiry_date"))
    if expiry is None and current_expiry is not None:
        update["expiry_date"] = None
    elif expiry is not None and (current_expiry is None or abs(current_expiry - expiry) > EXPIRY_TOLERANCE):
        update["expiry_date"] = format_date(expiry)
    if bool(current.get("read_only")) != params["read_only"]:
        update["read_only"] = params["read_only"]
    return None, update


def public_view(token):
    """What the module returns about a token: CVAT's fields and the owner's name, never the value."""
    if not token:
        return {}
    view = dict((key, token.get(key)) for key in PUBLIC_FIELDS)
    view["owner"] = owner_name(token)
    return view


def predicted_token(params, now, username):
    """The token check mode reports as it would be created."""
    return dict(id=None, name=params["name"], created_date=None, updated_date=None, last_used_date=None, owner=dict(username=username),
                expiry_date=new_token_expiry(params["expires_in_days"], now), read_only=params["read_only"])


def stray_ids(tokens, name, keep_id=None):
    """The ids of the listed tokens named exactly ``name`` (CVAT's filter is looser), except ``keep_id``."""
    return sorted(t["id"] for t in tokens if t.get("name") == name and t.get("id") != keep_id)
