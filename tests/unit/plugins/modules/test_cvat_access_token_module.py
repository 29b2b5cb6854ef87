# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_access_token's CVAT side with scripted answers: a token that cannot be stored is revoked,
a 401 says which credentials, a token that no longer authenticates is told from CVAT failing."""

from datetime import datetime, timezone

import botocore.exceptions
import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import secrets as sm
from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CvatError
from ansible_collections.cvatops.aws.plugins.modules import cvat_access_token as mod

VALUE = "a1b2c3d4.0123456789abcdefghijklmnopqrstuvwxyzABCD"
PARAMS = dict(cvat_url="https://cvat.example.com/", cvat_username="admin", cvat_password="pw", validate_certs=True, cvat_timeout=5,
              cvat_retries=0, name="automation", secret_name="cvat/token", description=None, kms_key_id=None, tags=None,
              read_only=False, expires_in_days=None)


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, **params):
        self.params = dict(PARAMS, **params)
        self.check_mode = False
        self.no_log_values = set()

    def fail_json(self, msg, **kwargs):
        raise Failed(msg)


class FakeAdmin:
    """The admin's CVAT client: answers POST with a new token, records the other calls."""

    def __init__(self, answer=None, error=None):
        self.answer = answer if answer is not None else dict(id=9, name="automation", value=VALUE)
        self.error = error
        self.calls = []

    def post(self, path, body, expected):
        self.calls.append(("POST", path, body))
        if self.error:
            raise self.error
        return dict(self.answer)

    def delete(self, path):
        self.calls.append(("DELETE", path, None))
        return True


class FailingSecrets:
    def create_secret(self, **kwargs):
        raise botocore.exceptions.ParamValidationError(report="Invalid length for parameter SecretString, value: %s" % kwargs["SecretString"])


def cvat_with(module, admin):
    cvat = mod.Cvat(module)
    cvat.admin = admin
    return cvat


def test_a_token_that_cannot_be_stored_is_revoked_and_never_shown():
    module, admin = FakeModule(), FakeAdmin()
    with pytest.raises(sm.SecretError) as raised:
        mod.create_and_store(module, cvat_with(module, admin), FailingSecrets(), None, datetime(2026, 3, 1, tzinfo=timezone.utc))
    assert [c[:2] for c in admin.calls] == [("POST", "/api/auth/access_tokens"), ("DELETE", "/api/auth/access_tokens/9")]
    assert admin.calls[0][2] == {"name": "automation", "read_only": False, "expiry_date": None}
    assert VALUE not in raised.value.message and "Failed to create secret cvat/token" in raised.value.message
    assert VALUE in module.no_log_values


def test_an_answer_without_a_value_is_revoked():
    module, admin = FakeModule(), FakeAdmin(answer=dict(id=9, name="automation"))
    with pytest.raises(CvatError) as raised:
        mod.create_and_store(module, cvat_with(module, admin), FailingSecrets(), None, datetime(2026, 3, 1, tzinfo=timezone.utc))
    assert "answered without the token's value; the token (id 9) was revoked again" in raised.value.message
    assert admin.calls[-1][:2] == ("DELETE", "/api/auth/access_tokens/9")


def test_a_401_to_the_admin_names_the_options():
    module = FakeModule()
    admin = FakeAdmin(error=CvatError("CVAT POST /api/auth/access_tokens: HTTP 401: Invalid username/password.", status=401))
    with pytest.raises(CvatError) as raised:
        cvat_with(module, admin).create({"name": "automation"})
    assert raised.value.message.endswith("Invalid username/password. (check cvat_username and cvat_password)")


@pytest.mark.parametrize("params", [dict(cvat_username=None), dict(cvat_password=None), dict(cvat_password="")])
def test_changes_without_the_password_fail_naming_the_options(params):
    cvat = mod.Cvat(FakeModule(**params))
    assert cvat.admin is None and cvat.url == "https://cvat.example.com"
    with pytest.raises(Failed) as failed:
        cvat.require_admin("a new token is needed")
    assert str(failed.value).startswith("cvat_username and cvat_password (or CVAT_USERNAME and CVAT_PASSWORD) are required: a new")


class Answer:
    def __init__(self, status):
        self.status = status

    def __call__(self, *args, **kwargs):
        raise CvatError("CVAT GET /api/auth/access_tokens/self: HTTP %s" % self.status, status=self.status)


@pytest.mark.parametrize("status, gone", [(401, True), (403, False), (500, False), (None, False)])
def test_whoami_tells_a_dead_token_from_a_failing_cvat(monkeypatch, status, gone):
    monkeypatch.setattr(mod.CvatClient, "get", Answer(status))
    cvat = mod.Cvat(FakeModule())
    if gone:
        assert cvat.whoami(VALUE) == (None, "the secret's token no longer authenticates (revoked or expired)")
    else:
        with pytest.raises(CvatError):
            cvat.whoami(VALUE)
