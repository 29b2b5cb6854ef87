# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_access_token through ansible-playbook against the fake CVAT and the AWS emulator.

Each step runs one playbook and is judged by what it left behind: the token in the fake CVAT, the secret in
the emulator (read back with boto3, its value tried against the fake) and the writes it made to either.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CvatClient, CvatError
from awsemu.server import merged_env
from cvat.helpers import cvat_env, writes
from cvatfake import tokens
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook

ADMIN = {"cvat_username": "admin", "cvat_password": "admin-password"}
NEEDS_PASSWORD = ("cvat_username and cvat_password (or CVAT_USERNAME and CVAT_PASSWORD) are required: %s, and CVAT lets only a "
                  "password-authenticated request create, change or revoke tokens.")
PLAYBOOK = """
- name: CVAT access token
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cvatops.aws.aws:
      region: us-east-1
    group/cvatops.aws.cvat:
      cvat_url: "{{ url }}"
      cvat_retries: 1
  tasks:
    - name: Access token
      cvatops.aws.cvat_access_token: "{{ token }}"
      register: access_token
"""


class Steps:
    """Runs the module once per step and reads back what the step left in CVAT and in Secrets Manager."""

    def __init__(self, fake: Any, emulator: Any, directory: Path) -> None:
        self.fake = fake
        self.emulator = emulator
        self.playbook = write_playbook(directory, "access_token.yml", PLAYBOOK)
        self.secrets = emulator.client("secretsmanager")
        self.secret_name = f"cvat/test/{uuid.uuid4().hex[:12]}/automation-token"
        self.options = {"name": "automation", "secret_name": self.secret_name, "description": "CVAT token for automation",
                        "tags": {"Project": "cvat"}, **ADMIN}

    def run(self, *args: str, url: str | None = None, json_output: bool = True, **options: Any) -> SimpleNamespace:
        token = {k: v for k, v in dict(self.options, **options).items() if v is not None}
        self.emulator.reset_counts()
        before = len(self.fake.calls)
        run: PlaybookRun = run_playbook(self.playbook, merged_env(self.emulator.env(), cvat_env()), *args,
                                        extra_vars={"url": url or self.fake.url, "token": token}, json_output=json_output, timeout=180)
        calls = self.fake.calls[before:]
        results = [result for name, result in run.tasks() if name == "Access token"]
        return SimpleNamespace(run=run, result=results[0] if results else {}, aws_writes=write_calls(self.emulator.counts()),
                               cvat_calls=calls, cvat_writes=[(c.method, c.path) for c in calls if c.method != "GET"])

    def stored(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.secrets.get_secret_value(SecretId=self.secret_name)["SecretString"])
        except ClientError as error:
            assert error.response["Error"]["Code"] in ("ResourceNotFoundException", "InvalidRequestException"), error
            return None

    def describe(self) -> dict[str, Any] | None:
        try:
            return self.secrets.describe_secret(SecretId=self.secret_name)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException", error
            return None


def whoami(fake: Any, value: str) -> dict[str, Any] | None:
    """The token this value authenticates as (GET /api/auth/access_tokens/self), None if it does not."""
    try:
        return CvatClient(fake.url, token=value, retries=0).get("/api/auth/access_tokens/self")
    except CvatError as error:
        assert error.status == 401, error.message
        return None


@pytest.fixture
def steps(fake_cvat, aws_emulator, tmp_path):
    return Steps(fake_cvat, aws_emulator, tmp_path)


def ok(step: SimpleNamespace) -> dict[str, Any]:
    assert step.run.returncode == 0, step.run.explain()
    return step.result


def test_lifecycle(steps, fake_cvat):
    # Check mode: the token it would make; nothing written anywhere.
    check = ok(steps.run("--check", "--diff"))
    assert check["changed"] and check["created_token"] and check["token"]["id"] is None
    assert check["token"]["owner"] == "admin" and check["token"]["read_only"] is False
    assert check["reason"] == f"secret {steps.secret_name} does not exist"
    assert fake_cvat.access_tokens == {} and steps.describe() is None

    # Create: the secret holds a value that authenticates as the token it names.
    created = steps.run()
    result = ok(created)
    assert result["changed"] and result["created_token"] and result["revoked_token_ids"] == []
    stored = steps.stored()
    assert set(stored) == {"cvat_url", "name", "token", "token_id"}
    assert stored["cvat_url"] == fake_cvat.url and stored["name"] == "automation" and stored["token_id"] == result["token"]["id"]
    assert whoami(fake_cvat, stored["token"])["id"] == stored["token_id"]
    assert [(t["name"], t["owner"]["username"], t["read_only"]) for t in fake_cvat.access_tokens.values()] == [("automation", "admin", False)]
    assert result["secret_arn"] == steps.describe()["ARN"]
    assert steps.describe()["Description"] == "CVAT token for automation"
    assert {t["Key"]: t["Value"] for t in steps.describe()["Tags"]} == {"Project": "cvat"}
    assert created.cvat_writes == [("POST", "/api/auth/access_tokens")]
    first = stored

    # Again: the stored token still works; nothing written.
    again = steps.run()
    assert ok(again)["changed"] is False and again.cvat_writes == [] and again.aws_writes == {}, again.aws_writes
    assert again.result["token"]["id"] == first["token_id"] and steps.stored() == first

    # Later runs need no password: the token alone is checked.
    token_only = steps.run(cvat_username=None, cvat_password=None)
    assert ok(token_only)["changed"] is False and token_only.aws_writes == {}
    assert {c.auth for c in token_only.cvat_calls} == {"token"}

    # Rotation: a new value; the old token is revoked and no longer authenticates.
    rotated = ok(steps.run("--diff", rotate=True))
    second = steps.stored()
    assert rotated["changed"] and rotated["created_token"] and rotated["revoked_token_ids"] == [first["token_id"]]
    assert second["token"] != first["token"] and whoami(fake_cvat, first["token"]) is None
    assert whoami(fake_cvat, second["token"])["id"] == second["token_id"] == rotated["token"]["id"]
    assert rotated["diff"] == {"before": dict(rotated["diff"]["before"], id=first["token_id"]), "after": rotated["token"]}
    assert list(fake_cvat.access_tokens) == [second["token_id"]]

    # The secret overwritten with garbage: a new token, the old one of that name revoked.
    steps.secrets.put_secret_value(SecretId=steps.secret_name, SecretString="not json at all")
    garbage = ok(steps.run())
    third = steps.stored()
    assert garbage["created_token"] and garbage["reason"] == f"secret {steps.secret_name} holds no token"
    assert garbage["revoked_token_ids"] == [second["token_id"]] and whoami(fake_cvat, second["token"]) is None
    assert whoami(fake_cvat, third["token"])["id"] == third["token_id"]

    # The secret lost: the same.
    steps.secrets.delete_secret(SecretId=steps.secret_name, ForceDeleteWithoutRecovery=True)
    lost = ok(steps.run())
    fourth = steps.stored()
    assert lost["created_token"] and lost["revoked_token_ids"] == [third["token_id"]] and whoami(fake_cvat, third["token"]) is None

    # The token revoked in CVAT behind the module's back: a new one, nothing left to revoke.
    tokens.revoke(fake_cvat, fourth["token_id"])
    replaced = ok(steps.run())
    fifth = steps.stored()
    assert replaced["created_token"] and replaced["reason"] == "the secret's token no longer authenticates (revoked or expired)"
    assert replaced["revoked_token_ids"] == [] and whoami(fake_cvat, fifth["token"])["id"] == fifth["token_id"]

    # Absent: the token revoked, the secret scheduled for deletion; again: nothing to do.
    absent_check = ok(steps.run("--check", state="absent"))
    assert absent_check["changed"] and absent_check["revoked_token_ids"] == [fifth["token_id"]]
    assert whoami(fake_cvat, fifth["token"]) is not None and "DeletedDate" not in steps.describe()
    absent = steps.run(state="absent")
    assert ok(absent)["changed"] and absent.result["revoked_token_ids"] == [fifth["token_id"]] and absent.result["token"] == {}
    assert whoami(fake_cvat, fifth["token"]) is None and fake_cvat.access_tokens == {}
    assert "DeletedDate" in steps.describe()
    still = steps.run(state="absent")
    assert ok(still)["changed"] is False and still.cvat_writes == [] and still.aws_writes == {}

    # Present again: the secret is restored; the token it holds was revoked, so a new one is made.
    restored = ok(steps.run())
    assert restored["changed"] and restored["created_token"] and "DeletedDate" not in steps.describe()
    assert whoami(fake_cvat, steps.stored()["token"]) is not None


def test_the_token_is_changed_in_place_and_renewed_before_it_expires(steps, fake_cvat):
    first = ok(steps.run())
    value = steps.stored()["token"]

    # read_only and an expiry: the same token, changed in place.
    limited = steps.run("--diff", read_only=True, expires_in_days=30, renew_before_days=7)
    result = ok(limited)
    assert result["changed"] and result["created_token"] is False and steps.stored()["token"] == value
    assert limited.cvat_writes == [("PATCH", f"/api/auth/access_tokens/{first['token']['id']}")]
    token = fake_cvat.access_tokens[first["token"]["id"]]
    created = datetime.fromisoformat(token["created_date"].replace("Z", "+00:00"))
    assert token["read_only"] is True and token["expiry_date"] == (created + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert result["diff"]["before"]["read_only"] is False and result["diff"]["after"]["read_only"] is True
    again = steps.run(read_only=True, expires_in_days=30, renew_before_days=7)
    assert ok(again)["changed"] is False and again.cvat_writes == []

    # 25 days later the token is within renew_before_days of its expiry: a new one replaces it.
    token["created_date"] = (datetime.now(timezone.utc) - timedelta(days=25)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    renewed = ok(steps.run(read_only=True, expires_in_days=30, renew_before_days=7))
    assert renewed["created_token"] and renewed["reason"].startswith("the token expires on ")
    assert renewed["revoked_token_ids"] == [first["token"]["id"]] and whoami(fake_cvat, value) is None
    new = fake_cvat.access_tokens[steps.stored()["token_id"]]
    assert new["read_only"] is True and new["expiry_date"] > (datetime.now(timezone.utc) + timedelta(days=29)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # An expired token is replaced too.
    tokens.expire(fake_cvat, new["id"])
    assert ok(steps.run(read_only=True, expires_in_days=30, renew_before_days=7))["created_token"]


def test_strays_of_the_same_name_are_revoked_and_others_left_alone(steps, fake_cvat):
    stray = tokens.issue(fake_cvat, "admin", "automation")
    other = tokens.issue(fake_cvat, "admin", "automation-2")
    created = ok(steps.run())
    assert created["revoked_token_ids"] == [stray["id"]]
    assert whoami(fake_cvat, stray["value"]) is None and whoami(fake_cvat, other["value"]) is not None
    # A stray that appears later goes on the next run that has the password.
    late = tokens.issue(fake_cvat, "admin", "automation")
    cleaned = ok(steps.run())
    assert cleaned["changed"] and cleaned["created_token"] is False and cleaned["revoked_token_ids"] == [late["id"]]


def test_absent_without_the_password_deletes_the_secret_and_warns(steps, fake_cvat):
    ok(steps.run())
    value = steps.stored()["token"]
    gone = ok(steps.run(state="absent", cvat_username=None, cvat_password=None, recovery_window_in_days=0))
    assert gone["changed"] and gone["revoked_token_ids"] == [] and steps.describe() is None
    assert any("was not revoked: that needs cvat_username and cvat_password" in w for w in gone.get("warnings", [])), gone
    assert whoami(fake_cvat, value) is not None
    # With the password, absent finds the token by its name.
    cleaned = ok(steps.run(state="absent"))
    assert cleaned["changed"] and whoami(fake_cvat, value) is None


@pytest.mark.parametrize(
    "options, message",
    [
        ({"name": "x" * 51}, "name must be 1-50 characters (CVAT's limit), got 51"),
        ({"name": "  "}, "name must be 1-50 characters (CVAT's limit), got 2"),
        ({"cvat_password": None}, NEEDS_PASSWORD % "secret {secret} does not exist yet, so a new token must be created"),
        ({"cvat_username": None, "cvat_password": None, "rotate": True}, NEEDS_PASSWORD % "rotate=true creates a new token"),
        ({"expires_in_days": 7}, "renew_before_days (7) must be less than expires_in_days (7), or every run would replace the token"),
        ({"recovery_window_in_days": 3, "state": "absent"}, "recovery_window_in_days must be 0 or between 7 and 30, got 3"),
    ],
    ids=["long name", "blank name", "no password", "rotate without password", "renew window", "recovery window"],
)
def test_bad_input_fails_before_any_call(steps, fake_cvat, options, message):
    failed = steps.run(**options)
    assert failed.run.returncode != 0
    assert failed.result["msg"] == message.format(secret=steps.secret_name)
    assert fake_cvat.calls == [] and failed.aws_writes == {} and steps.describe() is None


def test_a_wrong_password_is_a_clear_401_and_creates_nothing(steps, fake_cvat):
    failed = steps.run(cvat_password="wrong-password")
    assert failed.run.returncode != 0
    assert failed.result["msg"] == "CVAT GET /api/auth/access_tokens: HTTP 401: Invalid username/password. (check cvat_username and cvat_password)"
    assert failed.result["status"] == 401
    assert fake_cvat.access_tokens == {} and writes(fake_cvat) == [] and failed.aws_writes == {} and steps.describe() is None


def test_an_unreachable_cvat(steps, fake_cvat):
    failed = steps.run(url="http://127.0.0.1:9")
    assert failed.run.returncode != 0
    assert failed.result["msg"].startswith("Cannot reach CVAT at http://127.0.0.1:9 (GET /api/auth/access_tokens):")
    assert failed.aws_writes == {} and steps.describe() is None


def test_the_token_value_never_shows(steps, fake_cvat):
    runs = [steps.run("-vvv", "--diff", json_output=False)]
    values = [steps.stored()["token"]]
    runs.append(steps.run("-vvv", "--diff", json_output=False))
    runs.append(steps.run("-vvv", "--diff", json_output=False, rotate=True))
    values.append(steps.stored()["token"])
    runs.append(steps.run("-vvv", "--diff", json_output=False, state="absent"))
    output = "".join(step.run.stdout + step.run.stderr for step in runs)
    assert all(step.run.returncode == 0 for step in runs), output[-3000:]
    assert "revoked_token_ids" in output and values[0] != values[1]
    for value in values:
        assert value not in output
        # Nor any long piece of it (a value cut or wrapped in the output).
        assert value.split(".")[-1][:16] not in output


# --- the fake's rules, as CVAT's ----------------------------------------------------------------------


def test_the_fake_creates_tokens_with_a_password_only(fake_cvat):
    admin = CvatClient(fake_cvat.url, username="admin", password="admin-password", retries=0)
    created = admin.post("/api/auth/access_tokens", {"name": "automation", "read_only": False}, expected=(201,))
    assert created["value"] and whoami(fake_cvat, created["value"])["id"] == created["id"]
    assert "value" not in admin.get(f"/api/auth/access_tokens/{created['id']}")
    by_token = CvatClient(fake_cvat.url, token=created["value"], retries=0)
    for method, path, body in [("POST", "/api/auth/access_tokens", {"name": "x"}),
                               ("PATCH", f"/api/auth/access_tokens/{created['id']}", {"read_only": True}),
                               ("DELETE", f"/api/auth/access_tokens/{created['id']}", None)]:
        with pytest.raises(CvatError) as denied:
            by_token.request(method, path, body=body)
        assert denied.value.status == 403
    assert [t["id"] for t in by_token.paginate("/api/auth/access_tokens")] == [created["id"]]
    with pytest.raises(CvatError) as anonymous:
        CvatClient(fake_cvat.url, retries=0).post("/api/auth/access_tokens", {"name": "x"})
    assert anonymous.value.status == 401
    with pytest.raises(CvatError) as basic_self:
        admin.get("/api/auth/access_tokens/self")
    assert basic_self.value.status == 401
    # CVAT's model makes a token read-only unless told otherwise.
    assert admin.post("/api/auth/access_tokens", {"name": "default"}, expected=(201,))["read_only"] is True
    admin.delete(f"/api/auth/access_tokens/{created['id']}")
    assert whoami(fake_cvat, created["value"]) is None and created["id"] in fake_cvat.revoked_tokens
