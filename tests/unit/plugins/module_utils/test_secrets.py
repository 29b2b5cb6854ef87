# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Secrets Manager half that cvatops.aws.iam_access_key_secret and cvat_access_token share."""

import json

import botocore.exceptions
import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import secrets as sm

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = "arn:aws:secretsmanager:us-east-1:1:secret:cvat/key-abc"


def client_error(code="ValidationException", message="boom", operation="PutSecretValue"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeModule:
    def __init__(self, check_mode=False, **params):
        self.no_log_values = set()
        self.check_mode = check_mode
        self.params = params


class FakeSecrets:
    """A Secrets Manager client whose secret holds value (or that raises error); it records the calls."""

    def __init__(self, error=None, value=None):
        self.error = error
        self.value = value
        self.calls = []

    def _fail(self, name):
        self.calls.append(name)
        if self.error:
            raise self.error

    def create_secret(self, **kwargs):
        self._fail("create_secret")
        return {"ARN": ARN}

    def put_secret_value(self, **kwargs):
        self._fail("put_secret_value")

    def restore_secret(self, **kwargs):
        self.calls.append("restore_secret")

    def get_secret_value(self, **kwargs):
        self._fail("get_secret_value")
        return {"SecretString": self.value}


@pytest.mark.parametrize(
    "text, secrets, expected",
    [
        (f"value: {SECRET}, again {SECRET}", [SECRET], "value: ********, again ********"),
        ('password "s3cret" rejected', ["s3cret", None, ""], 'password "********" rejected'),
        ("pw-one and pw-two", ["pw-one", "pw-two"], "******** and ********"),
        ("nothing", [None, ""], "nothing"),
        # postgres_restore_check scrubs error texts that may be empty; None is no text, not "None"
        (None, ["x"], ""),
        (ValueError("bad s3cret"), ["s3cret"], "bad ********"),
    ],
)
def test_scrub(text, secrets, expected):
    assert sm.scrub(text, secrets) == expected


def test_hide_skips_short_values():
    module = FakeModule()
    sm.hide(module, "{}", None, SECRET)
    assert module.no_log_values == {SECRET}


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
    assert sm.kms_key_matches(current, desired) is expected


def test_kms_key_matches_with_resolver():
    known = {"alias/cvat": {"1234", KEY_ARN}, KEY_ARN: {"1234", KEY_ARN}, "alias/other": {"9999"}}
    assert sm.kms_key_matches(KEY_ARN, "alias/cvat", known.get) is True
    assert sm.kms_key_matches("alias/other", "alias/cvat", known.get) is False
    # keys KMS can not resolve only match themselves
    assert sm.kms_key_matches("alias/unknown", "alias/cvat", known.get) is False


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
    assert sm.secret_update_params(secret, description, kms) == expected


def test_secret_create_params():
    params = sm.secret_create_params("cvat/key", "{}", "d", "alias/cvat", {"App": "cvat"})
    token = params.pop("ClientRequestToken")
    assert len(token) >= 32
    assert params == {
        "Name": "cvat/key",
        "SecretString": "{}",
        "Description": "d",
        "KmsKeyId": "alias/cvat",
        "Tags": [{"Key": "App", "Value": "cvat"}],
    }
    assert set(sm.secret_create_params("n", "{}", None, None, None)) == {"Name", "SecretString", "ClientRequestToken"}


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
    assert sm.secret_tag_changes({"Tags": current}, tags, purge) == expected


@pytest.mark.parametrize("window, ok", [(0, True), (7, True), (30, True), (1, False), (6, False), (31, False)])
def test_recovery_window_error(window, ok):
    assert (sm.recovery_window_error(window) is None) is ok


# --- calls ----------------------------------------------------------------------------------------


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
    secret_string = json.dumps({"token": SECRET})
    with pytest.raises(sm.SecretError) as raised:
        sm.store_secret(FakeSecrets(error=error), existing, STORE_PARAMS, secret_string, (SECRET, secret_string))
    assert SECRET not in str(raised.value)
    assert SECRET not in raised.value.message
    assert raised.value.exception is None
    assert "cvat/key" in raised.value.message


def test_read_secret_string_registers_the_value_for_masking():
    module = FakeModule()
    value = json.dumps({"token": SECRET})
    assert sm.read_secret_string(module, FakeSecrets(value=value), ARN) == value
    assert value in module.no_log_values


def test_read_secret_string_without_value():
    error = client_error("ResourceNotFoundException", "no AWSCURRENT version", "GetSecretValue")
    assert sm.read_secret_string(FakeModule(), FakeSecrets(error=error), ARN) is None


def test_read_secret_string_other_errors():
    error = client_error("AccessDeniedException", "denied", "GetSecretValue")
    with pytest.raises(sm.SecretError) as raised:
        sm.read_secret_string(FakeModule(), FakeSecrets(error=error), ARN)
    assert "AccessDeniedException: denied" in raised.value.message


@pytest.mark.parametrize(
    "secret, check_mode, expected, calls",
    [
        (None, False, (None, False), []),
        ({"ARN": ARN}, False, ("{}", False), ["get_secret_value"]),
        # Scheduled for deletion: restored, then read; in check mode neither.
        ({"ARN": ARN, "DeletedDate": "x"}, False, ("{}", True), ["restore_secret", "get_secret_value"]),
        ({"ARN": ARN, "DeletedDate": "x"}, True, (None, True), []),
    ],
)
def test_open_secret(secret, check_mode, expected, calls):
    client = FakeSecrets(value="{}")
    assert sm.open_secret(FakeModule(check_mode=check_mode), client, secret) == expected
    assert client.calls == calls


@pytest.mark.parametrize(
    "secret, window, expected",
    [
        (None, 30, False),
        ({"ARN": ARN}, 30, True),
        ({"ARN": ARN}, 0, True),
        # Already scheduled: only a forced deletion is still to do.
        ({"ARN": ARN, "DeletedDate": "x"}, 30, False),
        ({"ARN": ARN, "DeletedDate": "x"}, 0, True),
    ],
)
def test_deletion_needed(secret, window, expected):
    assert sm.deletion_needed(secret, window) is expected


def test_metadata_changes():
    module = FakeModule(description="new", kms_key_id=None, tags={"App": "cvat"}, purge_tags=True)
    secret = {"ARN": ARN, "Description": "old", "Tags": [{"Key": "Old", "Value": "1"}]}
    assert sm.metadata_changes(module, secret) == ({"Description": "new"}, {"App": "cvat"}, ["Old"])
    assert sm.metadata_changes(module, None) == ({}, {}, [])
