# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import json

import pytest

from ansible_collections.cvatops.aws.plugins.modules import iam_access_key_secret as aks

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def key(key_id, status="Active", created="2024-01-01T00:00:00+00:00"):
    return {"AccessKeyId": key_id, "Status": status, "CreateDate": created}


# --- secret value -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (json.dumps({"aws_access_key_id": "AKIA1", "aws_secret_access_key": SECRET}), ("AKIA1", True)),
        (json.dumps({"aws_access_key_id": "AKIA1"}), ("AKIA1", False)),
        (json.dumps({"aws_access_key_id": "AKIA1", "aws_secret_access_key": ""}), ("AKIA1", False)),
        (json.dumps({"aws_secret_access_key": SECRET}), (None, False)),
        (json.dumps({"aws_access_key_id": 12, "aws_secret_access_key": SECRET}), (None, False)),
        (json.dumps(["AKIA1"]), (None, False)),
        ("not json", (None, False)),
        ("", (None, False)),
        (None, (None, False)),
    ],
)
def test_parse_secret_value(value, expected):
    assert aks.parse_secret_value(value) == expected


def test_parse_secret_value_never_returns_the_secret():
    assert SECRET not in repr(aks.parse_secret_value(aks.build_secret_string("AKIA1", SECRET)))


def test_build_secret_string_round_trip():
    document = json.loads(aks.build_secret_string("AKIA1", SECRET))
    assert document == {"aws_access_key_id": "AKIA1", "aws_secret_access_key": SECRET}


# --- key plan -----------------------------------------------------------------------------------

OLD = key("AKIAOLD", created="2024-01-01T00:00:00+00:00")
MID = key("AKIAMID", created="2024-02-01T00:00:00+00:00")
NEW = key("AKIANEW", created="2024-03-01T00:00:00+00:00")


@pytest.mark.parametrize(
    "keys, stored, complete, rotate, delete_stale, expected",
    [
        # nothing stored yet, no keys: create
        ([], None, False, False, False, dict(create=True, keep_id=None, stale=[], delete_before=[], delete_after=[])),
        # stored key is active: keep it, nothing else
        ([MID], "AKIAMID", True, False, False, dict(create=False, keep_id="AKIAMID", stale=[], delete_after=[])),
        # another key exists: it is stale, kept or deleted
        ([OLD, MID], "AKIAMID", True, False, False, dict(create=False, stale=["AKIAOLD"], delete_after=[])),
        ([OLD, MID], "AKIAMID", True, False, True, dict(create=False, stale=[], delete_after=["AKIAOLD"])),
        # stored key deleted out of band: new key, previous id reported
        ([OLD], "AKIAGONE", True, False, False, dict(create=True, previous_id="AKIAGONE", stale=["AKIAOLD"])),
        # stored key inactive: new key, the inactive one becomes stale
        (
            [key("AKIAMID", status="Inactive")],
            "AKIAMID",
            True,
            False,
            False,
            dict(create=True, previous_id="AKIAMID", stale=["AKIAMID"], delete_before=[]),
        ),
        # secret without the secret access key: unusable
        ([MID], "AKIAMID", False, False, False, dict(create=True, stale=["AKIAMID"])),
        # rotation with room
        ([MID], "AKIAMID", True, True, False, dict(create=True, previous_id="AKIAMID", stale=["AKIAMID"])),
        (
            [MID],
            "AKIAMID",
            True,
            True,
            True,
            dict(create=True, previous_id="AKIAMID", stale=[], delete_before=[], delete_after=["AKIAMID"]),
        ),
        # rotation at the limit: the stale (not the stored) key makes room
        (
            [MID, OLD],
            "AKIAMID",
            True,
            True,
            True,
            dict(create=True, delete_before=["AKIAOLD"], delete_after=["AKIAMID"], stale=[]),
        ),
        # at the limit and neither key is stored: the oldest goes first
        (
            [NEW, OLD],
            "AKIAGONE",
            True,
            False,
            True,
            dict(create=True, delete_before=["AKIAOLD"], delete_after=["AKIANEW"], error=None),
        ),
        (
            [NEW, OLD],
            None,
            False,
            False,
            True,
            dict(create=True, delete_before=["AKIAOLD"], delete_after=["AKIANEW"], previous_id=None),
        ),
        # at the limit with an inactive stored key: it is not protected
        (
            [key("AKIAOLD", status="Inactive", created="2024-01-01"), NEW],
            "AKIAOLD",
            True,
            False,
            True,
            dict(create=True, delete_before=["AKIAOLD"], delete_after=["AKIANEW"]),
        ),
    ],
)
def test_plan_keys(keys, stored, complete, rotate, delete_stale, expected):
    plan = aks.plan_keys(keys, stored, complete, rotate, delete_stale, "u")
    assert plan["error"] is None
    for name, value in expected.items():
        assert plan[name] == value, name


@pytest.mark.parametrize(
    "keys, stored, rotate",
    [
        ([OLD, NEW], None, False),
        ([OLD, NEW], "AKIAGONE", False),
        ([OLD, NEW], "AKIANEW", True),
    ],
)
def test_plan_keys_limit_without_delete_stale_keys(keys, stored, rotate):
    plan = aks.plan_keys(keys, stored, True, rotate, False, "cvat-backup")
    assert "cvat-backup already has 2 access keys" in plan["error"]
    assert "delete_stale_keys=true" in plan["error"]
    assert plan["delete_before"] == [] and plan["delete_after"] == []


def test_plan_keys_never_deletes_the_stored_key_before_the_new_one_is_stored():
    plan = aks.plan_keys([NEW, OLD], "AKIAOLD", True, True, True)
    assert plan["delete_before"] == ["AKIANEW"]
    assert plan["delete_after"] == ["AKIAOLD"]


# --- no secret in results -----------------------------------------------------------------------


class FakeModule:
    def __init__(self):
        self.no_log_values = set()


def test_stored_key_registers_the_secret_for_masking():
    module = FakeModule()
    value = aks.build_secret_string("AKIA1", SECRET)
    assert aks.stored_key(module, value) == ("AKIA1", True)
    assert SECRET in module.no_log_values
    assert aks.stored_key(FakeModule(), None) == (None, False)
