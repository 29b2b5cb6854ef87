# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of cvatops.aws.cvat_access_token: the secret's document, keep or replace, what to patch."""

import json
from datetime import datetime, timezone

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import cvat_access_token as at

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
VALUE = "a1b2c3d4.0123456789abcdefghijklmnopqrstuvwxyzABCD"
PARAMS = dict(name="automation", rotate=False, read_only=False, expires_in_days=None, renew_before_days=7)


def token(**fields):
    base = dict(id=7, name="automation", created_date="2026-02-01T12:00:00.123456Z", updated_date="2026-02-01T12:00:00.123456Z",
                expiry_date=None, last_used_date=None, read_only=False, owner={"id": 1, "username": "admin"})
    return dict(base, **fields)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-02-01T12:00:00Z", datetime(2026, 2, 1, 12, tzinfo=timezone.utc)),
        ("2026-02-01T12:00:00.123456Z", datetime(2026, 2, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)),
        # Neither 3 nor 6 fractional digits, an offset, no zone at all.
        ("2026-02-01T12:00:00.1Z", datetime(2026, 2, 1, 12, 0, 0, 100000, tzinfo=timezone.utc)),
        ("2026-02-01T12:00:00.123456789Z", datetime(2026, 2, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)),
        ("2026-02-01T14:00:00+02:00", datetime(2026, 2, 1, 12, tzinfo=timezone.utc)),
        ("2026-02-01T12:00:00", datetime(2026, 2, 1, 12, tzinfo=timezone.utc)),
        (None, None),
        ("", None),
        ("yesterday", None),
    ],
)
def test_parse_date(text, expected):
    assert at.parse_date(text) == expected


@pytest.mark.parametrize(
    "change, message",
    [
        ({}, None),
        ({"name": "x" * 50}, None),
        ({"name": "x" * 51}, "name must be 1-50 characters (CVAT's limit), got 51"),
        ({"name": ""}, "name must be 1-50 characters (CVAT's limit), got 0"),
        ({"name": "   "}, "name must be 1-50 characters (CVAT's limit), got 3"),
        ({"expires_in_days": 0}, "expires_in_days must be 1 or more, got 0"),
        ({"expires_in_days": 8}, None),
        ({"expires_in_days": 7}, "renew_before_days (7) must be less than expires_in_days (7), or every run would replace the token"),
        ({"expires_in_days": 1, "renew_before_days": 0}, None),
        ({"renew_before_days": -1}, "renew_before_days must be 0 or more, got -1"),
    ],
)
def test_validate_params(change, message):
    assert at.validate_params(dict(PARAMS, **change)) == message


@pytest.mark.parametrize(
    "text, expected",
    [
        (json.dumps({"token": VALUE, "token_id": 7}), {"token": VALUE, "token_id": 7}),
        (json.dumps({"token": ""}), None),
        (json.dumps({"token": 12}), None),
        (json.dumps({"token_id": 7}), None),
        (json.dumps([VALUE]), None),
        ("not json", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_document(text, expected):
    assert at.parse_document(text) == expected


def test_document_round_trip_and_comparison():
    text = at.build_document("https://cvat.example.com", "automation", VALUE, 7)
    document = at.parse_document(text)
    assert document == {"cvat_url": "https://cvat.example.com", "name": "automation", "token": VALUE, "token_id": 7}
    assert at.document_matches(document, "https://cvat.example.com", "automation", 7)
    assert not at.document_matches(document, "https://cvat.other.example.com", "automation", 7)
    assert not at.document_matches(document, "https://cvat.example.com", "automation", 8)


EXPIRY_30 = "2026-03-03T12:00:00Z"  # created_date + 30 days


@pytest.mark.parametrize(
    "current, change, username, expected",
    [
        # The token stays as it is.
        (token(), {}, "admin", (None, {})),
        (token(), {}, None, (None, {})),
        (token(expiry_date="2026-03-03T12:00:00.123456Z"), {"expires_in_days": 30, "renew_before_days": 1}, "admin", (None, {})),
        # ...or is changed in place.
        (token(), {"read_only": True}, "admin", (None, {"read_only": True})),
        (token(), {"expires_in_days": 30, "renew_before_days": 1}, "admin", (None, {"expiry_date": EXPIRY_30})),
        (token(expiry_date="2026-06-01T00:00:00Z"), {"expires_in_days": 30, "renew_before_days": 1}, "admin",
         (None, {"expiry_date": EXPIRY_30})),
        (token(expiry_date="2026-06-01T00:00:00Z"), {}, "admin", (None, {"expiry_date": None})),
        # ...or replaced.
        (token(), {"rotate": True}, "admin", ("rotate is set", {})),
        (None, {}, "admin", ("the secret is gone", {})),
        (token(name="other"), {}, "admin", ("the secret's token is named 'other'", {})),
        (token(owner={"username": "bob"}), {}, "admin", ("the secret's token belongs to bob, not admin", {})),
        (token(), {"expires_in_days": 30, "renew_before_days": 3}, "admin",
         ("the token expires on 2026-03-03T12:00:00Z, within renew_before_days (3)", {})),
        (token(), {"expires_in_days": 20, "renew_before_days": 0}, "admin",
         ("the token expires on 2026-02-21T12:00:00Z, within renew_before_days (0)", {})),
    ],
)
def test_plan(current, change, username, expected):
    assert at.plan(current, dict(PARAMS, **change), NOW, username, missing="the secret is gone") == expected


def test_plan_tolerates_clock_skew_in_the_expiry():
    params = dict(PARAMS, expires_in_days=30, renew_before_days=1)
    assert at.plan(token(expiry_date="2026-03-03T12:59:00Z"), params, NOW) == (None, {})
    assert at.plan(token(expiry_date="2026-03-03T13:01:00Z"), params, NOW) == (None, {"expiry_date": EXPIRY_30})


def test_views_never_carry_the_value():
    view = at.public_view(dict(token(), value=VALUE))
    assert VALUE not in repr(view) and view["owner"] == "admin" and view["id"] == 7
    assert at.public_view(None) == {}
    predicted = at.public_view(at.predicted_token(dict(PARAMS, expires_in_days=10), NOW, "admin"))
    assert predicted == dict(id=None, name="automation", created_date=None, updated_date=None, last_used_date=None, owner="admin",
                             expiry_date="2026-03-11T12:00:00Z", read_only=False)


@pytest.mark.parametrize(
    "keep, expected",
    [(None, [3, 7]), (7, [3])],
)
def test_stray_ids(keep, expected):
    listed = [token(id=7), token(id=3), token(id=5, name="automation-2"), token(id=9, name="Automation")]
    assert at.stray_ids(listed, "automation", keep) == expected
