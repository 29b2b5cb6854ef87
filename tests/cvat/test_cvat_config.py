# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/configure_cvat.yml and playbooks/rotate_credentials.yml (role cvatops.aws.cvat_config) against the AWS
emulator (the stack's secrets, the S3 user and its keys) and the fake CVAT, whose cloud storages are AVAILABLE only
while the IAM key they were given exists."""

from __future__ import annotations

import json
import uuid

import pytest

from awsemu.server import merged_env
from cvat.helpers import add_cloud_storage, cvat_env, writes
from infra.playbook import run_playbook, write_calls, write_playbook

PROJECTS = [
    {"name": "street-scenes", "labels": [{"name": "car", "type": "rectangle"}, {"name": "pedestrian", "type": "polygon"}],
     "tasks": [{"name": "batch-001", "files": ["batches/001/"], "filename_pattern": "*.jpg", "segment_size": 50, "subset": "train"}]},
    {"name": "signs", "labels": [{"name": "stop"}, {"name": "yield"}]},
]
ROLE = "cvatops.aws.cvat_config : "
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex


class Stack:
    """One stack's worth of AWS state in the shared emulator: KMS key, the S3 user with a key, the admin secret."""

    def __init__(self, emulator, fake):
        self.emulator = emulator
        self.fake = fake
        self.name = "cfg-" + uuid.uuid4().hex[:8]
        self.user = f"{self.name}-cvat-s3"
        self.iam = emulator.client("iam")
        self.secrets = emulator.client("secretsmanager")
        account = emulator.client("sts").get_caller_identity()["Account"]
        self._old_secrets: dict[str, str] = {}
        self.buckets = {kind: f"{self.name}-{kind}-{account}-us-east-1" for kind in ("raw-data", "annotations")}
        key_id = emulator.client("kms").create_key()["KeyMetadata"]["KeyId"]
        emulator.client("kms").create_alias(AliasName=f"alias/{self.name}", TargetKeyId=key_id)
        self.iam.create_user(UserName=self.user)
        key = self.iam.create_access_key(UserName=self.user)["AccessKey"]
        self.secrets.create_secret(Name=f"cvat/{self.name}/s3-user", SecretString=json.dumps(
            {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}))
        self.secrets.create_secret(Name=f"cvat/{self.name}/admin", SecretString=json.dumps(
            {"username": "admin", "email": "", "password": ADMIN_PASSWORD}))
        fake.users = {"admin": ADMIN_PASSWORD}
        fake.tokens = {}
        fake.bucket_objects[self.buckets["raw-data"]] = {f"batches/001/{n:03d}.jpg" for n in range(120)} | {"batches/001/README"}
        # CVAT can list a bucket only with a key that IAM still has, and the right secret for it.
        fake.credentials_valid = self.key_works

    def key_works(self, credentials):
        keys = self.iam.list_access_keys(UserName=self.user)["AccessKeyMetadata"]
        return any(k["AccessKeyId"] == credentials.get("key") and k["Status"] == "Active" for k in keys) and \
            credentials.get("secret_key") == self.secret_of(credentials.get("key"))

    def secret_of(self, key_id):
        stored = self.s3_key()
        return stored["aws_secret_access_key"] if stored["aws_access_key_id"] == key_id else self._old_secrets.get(key_id)

    def s3_key(self):
        return json.loads(self.secrets.get_secret_value(SecretId=f"cvat/{self.name}/s3-user")["SecretString"])

    def remember_key(self):
        """Keep the current key's secret: after a rotation CVAT may still hold it, and it stays valid until deleted."""
        stored = self.s3_key()
        self._old_secrets[stored["aws_access_key_id"]] = stored["aws_secret_access_key"]

    def iam_keys(self):
        return sorted(k["AccessKeyId"] for k in self.iam.list_access_keys(UserName=self.user)["AccessKeyMetadata"])

    def token_secret(self):
        try:
            return json.loads(self.secrets.get_secret_value(SecretId=f"cvat/{self.name}/automation-token")["SecretString"])
        except self.secrets.exceptions.ResourceNotFoundException:
            return None

    def run(self, playbook, *args, json_output=True, **extra):
        extra_vars = {"cvat_stack_name": self.name, "cvat_config_enabled": True, "cvat_config_url": self.fake.url, "cvat_config_validate_certs": False,
                      "cvat_config_ready_delay": 1, "cvat_config_storage_wait_timeout": 2, "cvat_config_projects": PROJECTS, **extra}
        env = merged_env(self.emulator.env(), cvat_env())
        return run_playbook(playbook, env, *args, extra_vars=extra_vars, json_output=json_output, timeout=300)


@pytest.fixture
def stack(aws_emulator, fake_cvat):
    return Stack(aws_emulator, fake_cvat)


def storages_by_name(fake):
    return {s["display_name"]: s for s in fake.cloud_storages.values()}


def test_configure_then_nothing_to_do(stack, aws_emulator):
    fake = stack.fake
    # Check mode before anything exists: no token can be made, so nothing is sent to CVAT but reads.
    check = stack.run("playbooks/configure_cvat.yml", "--check")
    assert check.returncode == 0, check.explain()
    assert writes(fake) == [] and stack.token_secret() is None

    first = stack.run("playbooks/configure_cvat.yml")
    assert first.returncode == 0, first.explain()
    token = stack.token_secret()
    assert token and fake.tokens.get(token["token"]) == "admin"
    # Only the token was made with the administrator's password; everything else used the token.
    assert {c.auth for c in fake.calls if c.path.startswith("/api/auth/access_tokens") and c.method == "POST"} == {"basic"}
    assert {c.auth for c in fake.calls if not c.path.startswith(("/api/auth", "/api/server"))} == {"token"}

    storages = storages_by_name(fake)
    raw, annotations = storages[f"{stack.name}-raw-data"], storages[f"{stack.name}-annotations"]
    assert (raw["resource"], annotations["resource"]) == (stack.buckets["raw-data"], stack.buckets["annotations"])
    assert raw["specific_attributes"] == "region=us-east-1"
    key = stack.s3_key()
    assert fake.storage_credentials[raw["id"]] == {"key": key["aws_access_key_id"], "secret_key": key["aws_secret_access_key"]}
    projects = {p["name"]: p for p in fake.projects.values()}
    assert set(projects) == {"street-scenes", "signs"}
    assert projects["street-scenes"]["target_storage"]["cloud_storage_id"] == annotations["id"]
    assert projects["street-scenes"]["source_storage"]["cloud_storage_id"] == raw["id"]
    (task,) = fake.tasks.values()
    assert (task["name"], task["project_id"], task["size"], task["subset"]) == ("batch-001", projects["street-scenes"]["id"], 120, "train")
    facts = first.result(ROLE + "Publish what CVAT holds for the stack")["ansible_facts"]
    assert facts["cvat_config_cloud_storage_ids"] == {"raw_data": raw["id"], "annotations": annotations["id"]}

    count = len(writes(fake))
    aws_emulator.reset_counts()
    second = stack.run("playbooks/configure_cvat.yml")
    assert second.returncode == 0 and second.stats["changed"] == 0, second.explain()
    assert len(writes(fake)) == count
    assert write_calls(aws_emulator.counts()) == {}
    checked = stack.run("playbooks/configure_cvat.yml", "--check", "--diff")
    assert checked.returncode == 0 and checked.stats["changed"] == 0, checked.explain()
    assert len(writes(fake)) == count


def test_rotation_and_a_rerun_after_it_stopped_half_way(stack):
    fake = stack.fake
    assert stack.run("playbooks/configure_cvat.yml").returncode == 0
    (old_key,) = stack.iam_keys()
    stack.remember_key()
    # A storage of another bucket, with a key of its own: not the stack's to rotate.
    other = add_cloud_storage(fake, "someone-elses", "another-bucket")
    fake.storage_credentials[other] = {"key": "AKIAOTHERKEY00000000", "secret_key": "other-secret"}

    rotated = stack.run("playbooks/rotate_credentials.yml")
    assert rotated.returncode == 0, rotated.explain()
    (new_key,) = stack.iam_keys()
    assert new_key != old_key and stack.s3_key()["aws_access_key_id"] == new_key
    ours = [s for s in fake.cloud_storages if s != other]
    assert all(fake.storage_credentials[s]["key"] == new_key for s in ours)
    assert fake.storage_credentials[other] == {"key": "AKIAOTHERKEY00000000", "secret_key": "other-secret"}
    report = rotated.result(ROLE + "Publish the rotation")["ansible_facts"]["cvat_config_rotation"]
    assert report["access_key_id"] == new_key and report["new_key_created"] is True and report["deleted_access_key_ids"] == [old_key]
    assert sorted(report["cloud_storages"]) == sorted([f"{stack.name}-annotations", f"{stack.name}-raw-data"])

    # The next rotation stops while CVAT is being updated: the old key must survive, and still work.
    stack.remember_key()
    fake.fail_next("PATCH", r"/api/cloudstorages/\d+", 500, times=100, body={"detail": "database is locked"})
    stopped = stack.run("playbooks/rotate_credentials.yml")
    assert stopped.returncode != 0
    assert new_key in stack.iam_keys() and len(stack.iam_keys()) == 2
    assert all(fake.storage_credentials[s]["key"] == new_key for s in ours)
    fake.faults.clear()

    resumed = stack.run("playbooks/rotate_credentials.yml")
    assert resumed.returncode == 0, resumed.explain()
    (newest,) = stack.iam_keys()
    assert newest not in (old_key, new_key) and stack.s3_key()["aws_access_key_id"] == newest
    report = resumed.result(ROLE + "Publish the rotation")["ansible_facts"]["cvat_config_rotation"]
    assert report["new_key_created"] is False and report["deleted_access_key_ids"] == [new_key]
    assert all(fake.storage_credentials[s]["key"] == newest for s in ours)


def test_rotation_needs_a_configured_cvat(stack):
    result = stack.run("playbooks/rotate_credentials.yml")
    assert result.returncode != 0
    assert result.result(ROLE + "Check that CVAT has been configured")["msg"] == (
        f"No automation token in the secret cvat/{stack.name}/automation-token: run playbooks/configure_cvat.yml first.")
    assert len(stack.iam_keys()) == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"cvat_config_projects": [PROJECTS[1], PROJECTS[1]]}, "cvat_config_projects: project names repeat: signs."),
        ({"cvat_config_projects": [{"name": "p", "labels": [{"name": "a"}, {"name": "a"}]}]},
         "cvat_config_projects: project 'p': labels must have unique names; repeated: a."),
        ({"cvat_config_projects": [{"name": "p", "labels": [{"name": "a"}], "tasks": [{"name": "t", "files": []}]}]},
         "cvat_config_projects: project 'p', task 't': files: give at least one object key or prefix (a prefix ends with /)."),
        ({"cvat_config_url": "cvat.example.com"}, None),
        ({"cvat_config_token_name": "t" * 51}, None),
    ],
    ids=["repeated project", "repeated label", "task without files", "url", "token name"],
)
def test_bad_input_fails_before_any_call(stack, aws_emulator, extra, message):
    aws_emulator.reset_counts()
    result = stack.run("playbooks/configure_cvat.yml", **extra)
    assert result.returncode != 0
    failures = result.failure_messages()
    assert len(failures) == 1, failures
    variable = next(iter(extra))
    assert variable in failures[0]
    if message:
        assert failures[0].endswith(message), failures[0]
    assert stack.fake.calls == [] and aws_emulator.total() == 0


def test_no_secret_in_the_output(stack):
    first = stack.run("playbooks/configure_cvat.yml", "-vvv", "--diff", json_output=False)
    stack.remember_key()
    rotated = stack.run("playbooks/rotate_credentials.yml", "-vvv", "--diff", json_output=False)
    assert first.returncode == 0 and rotated.returncode == 0, first.stdout[-3000:] + rotated.stdout[-3000:]
    output = first.stdout + first.stderr + rotated.stdout + rotated.stderr
    secrets = [ADMIN_PASSWORD, stack.token_secret()["token"], stack.s3_key()["aws_secret_access_key"], *stack._old_secrets.values()]
    assert "Register the stack's buckets" in output
    for secret in secrets:
        assert secret not in output


def test_teardown_removes_the_token_secret(stack, tmp_path):
    assert stack.run("playbooks/configure_cvat.yml").returncode == 0
    playbook = write_playbook(tmp_path, "teardown.yml", """
        - name: Teardown of the CVAT configuration
          hosts: localhost
          gather_facts: false
          module_defaults:
            group/cvatops.aws.aws:
              region: "{{ cvat_stack_region }}"
              endpoint_url: "{{ cvat_stack_aws_endpoint_url | default(omit, true) }}"
          tasks:
            - name: Identity of the stack
              ansible.builtin.import_role:
                name: cvatops.aws.cvat_stack
            - name: Teardown
              ansible.builtin.import_role:
                name: cvatops.aws.cvat_config
                tasks_from: absent
        """)
    first = stack.run(playbook)
    assert first.returncode == 0, first.explain()
    removed = first.result(ROLE + "Publish what the CVAT configuration teardown removed")["ansible_facts"]["cvat_config_teardown_removed"]
    assert removed == [f"secret cvat/{stack.name}/automation-token"]
    assert "DeletedDate" in stack.secrets.describe_secret(SecretId=f"cvat/{stack.name}/automation-token")
    again = stack.run(playbook)
    assert again.returncode == 0 and again.stats["changed"] == 0, again.explain()
