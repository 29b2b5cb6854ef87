# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import json

import botocore.exceptions
import pytest

from ansible_collections.cvatops.aws.plugins.modules import iam_access_key_secret as aks

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def key(key_id, status="Active", created="2024-01-01T00:00:00+00:00"):
    return {"AccessKeyId": key_id, "Status": status, "CreateDate": created}


def client_error(code="ValidationException", message="boom", operation="PutSecretValue"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


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


def test_scrub():
    assert aks.scrub(f"value: {SECRET}, again {SECRET}", [SECRET]) == "value: ********, again ********"
    assert aks.scrub("nothing", [None, ""]) == "nothing"


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


# --- secret metadata ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, desired, expected",
    [
        (KEY_ARN, None, True),
        (None, None, True),
        (KEY_ARN, KEY_ARN, True),
        (KEY_ARN, "1234abcd-12ab-34cd-56ef-1234567890ab", True),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", KEY_ARN, True),
        ("arn:aws:kms:us-east-1:123456789012:alias/cvat", "alias/cvat", True),
        ("alias/cvat", "alias/cvat", True),
        (None, "alias/aws/secretsmanager", True),
        (None, "alias/cvat", False),
        ("alias/other", "alias/cvat", False),
        (KEY_ARN, "alias/cvat", False),
    ],
)
def test_kms_key_matches_without_resolver(current, desired, expected):
    assert aks.kms_key_matches(current, desired) is expected


def test_kms_key_matches_with_resolver():
    known = {"alias/cvat": {"1234", KEY_ARN}, KEY_ARN: {"1234", KEY_ARN}, "alias/other": {"9999"}}
    assert aks.kms_key_matches(KEY_ARN, "alias/cvat", known.get) is True
    assert aks.kms_key_matches("alias/other", "alias/cvat", known.get) is False
    # keys KMS can not resolve only match themselves
    assert aks.kms_key_matches("alias/unknown", "alias/cvat", known.get) is False


@pytest.mark.parametrize(
    "secret, description, kms, expected",
    [
        ({}, None, None, {}),
        ({"Description": "d"}, "d", None, {}),
        ({"Description": "d"}, "e", None, {"Description": "e"}),
        ({}, "", None, {}),
        ({"KmsKeyId": "alias/a"}, None, "alias/b", {"KmsKeyId": "alias/b"}),
        ({"KmsKeyId": "alias/a", "Description": "d"}, "e", "alias/a", {"Description": "e"}),
    ],
)
def test_secret_update_params(secret, description, kms, expected):
    assert aks.secret_update_params(secret, description, kms) == expected


def test_secret_create_params():
    params = aks.secret_create_params("cvat/key", "{}", "d", "alias/cvat", {"App": "cvat"})
    token = params.pop("ClientRequestToken")
    assert len(token) >= 32
    assert params == {
        "Name": "cvat/key",
        "SecretString": "{}",
        "Description": "d",
        "KmsKeyId": "alias/cvat",
        "Tags": [{"Key": "App", "Value": "cvat"}],
    }
    assert set(aks.secret_create_params("n", "{}", None, None, None)) == {"Name", "SecretString", "ClientRequestToken"}


@pytest.mark.parametrize(
    "current, tags, purge, expected",
    [
        ([{"Key": "a", "Value": "1"}], None, True, ({}, [])),
        ([{"Key": "a", "Value": "1"}], {"a": "1"}, True, ({}, [])),
        ([{"Key": "a", "Value": "1"}], {"b": "2"}, True, ({"b": "2"}, ["a"])),
        ([{"Key": "a", "Value": "1"}], {"b": "2"}, False, ({"b": "2"}, [])),
        ([], {}, True, ({}, [])),
    ],
)
def test_secret_tag_changes(current, tags, purge, expected):
    assert aks.secret_tag_changes({"Tags": current}, tags, purge) == expected


@pytest.mark.parametrize("window, ok", [(0, True), (7, True), (30, True), (1, False), (6, False), (31, False)])
def test_validate_params(window, ok):
    assert (aks.validate_params({"recovery_window_in_days": window}) is None) is ok


# --- no secret in errors or results -------------------------------------------------------------


class FakeModule:
    def __init__(self):
        self.no_log_values = set()


class FakeSecrets:
    def __init__(self, error=None, value=None):
        self.error = error
        self.value = value

    def create_secret(self, **kwargs):
        raise self.error

    def put_secret_value(self, **kwargs):
        raise self.error

    def get_secret_value(self, **kwargs):
        if self.error:
            raise self.error
        return {"SecretString": self.value}


STORE_PARAMS = {"secret_name": "cvat/key", "description": None, "kms_key_id": None, "tags": None}


@pytest.mark.parametrize("existing", [None, {"ARN": "arn:aws:secretsmanager:us-east-1:1:secret:cvat/key-abc"}])
@pytest.mark.parametrize(
    "error",
    [
        client_error(message=f"Value {SECRET} is not valid"),
        botocore.exceptions.ParamValidationError(report=f"Invalid type for parameter SecretString, value: {SECRET}"),
    ],
)
def test_store_secret_errors_never_carry_the_secret(existing, error):
    secret_string = aks.build_secret_string("AKIA1", SECRET)
    with pytest.raises(aks.AccessKeySecretError) as raised:
        aks.store_secret(FakeSecrets(error=error), existing, STORE_PARAMS, secret_string, (SECRET, secret_string))
    assert SECRET not in str(raised.value)
    assert SECRET not in raised.value.message
    assert raised.value.exception is None
    assert "cvat/key" in raised.value.message


def test_read_stored_key_registers_the_secret_for_masking():
    module = FakeModule()
    value = aks.build_secret_string("AKIA1", SECRET)
    assert aks.read_stored_key(module, FakeSecrets(value=value), "arn") == ("AKIA1", True)
    assert SECRET in module.no_log_values


def test_read_stored_key_without_value():
    error = client_error("ResourceNotFoundException", "no AWSCURRENT version", "GetSecretValue")
    assert aks.read_stored_key(FakeModule(), FakeSecrets(error=error), "arn") == (None, False)


def test_read_stored_key_other_errors():
    error = client_error("AccessDeniedException", "denied", "GetSecretValue")
    with pytest.raises(aks.AccessKeySecretError) as raised:
        aks.read_stored_key(FakeModule(), FakeSecrets(error=error), "arn")
    assert "AccessDeniedException: denied" in raised.value.message


def test_hide_skips_short_values():
    module = FakeModule()
    aks.hide(module, "{}", None, SECRET)
    assert module.no_log_values == {SECRET}
