# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup role read back from the emulator: the local stack (site.yml converged twice), a stack of its own with
the monthly rule and vault lock, and cvatops.aws.backup_vault_lock's lifecycle."""

from __future__ import annotations

import fnmatch
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from infra.playbook import run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

STACK = "cvat-local"
ACCOUNT = "123456789012"
REGION, COPY_REGION = "us-east-1", "us-west-2"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{STACK}-backup"


def _vault_arn(stack: str, region: str) -> str:
    return f"arn:aws:backup:{region}:{ACCOUNT}:backup-vault:{stack}-backup"


def _plan(backup: Any, name: str) -> dict[str, Any]:
    (listed,) = [p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == name]
    return dict(backup.get_backup_plan(BackupPlanId=listed["BackupPlanId"]))


def _selection(backup: Any, plan_id: str) -> dict[str, Any]:
    (listed,) = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    return dict(backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=listed["SelectionId"]))


def _key_arn(client: Any, alias: str, region: str) -> str:
    return str(client("kms", region_name=region).describe_key(KeyId=alias)["KeyMetadata"]["Arn"])


# --- the local stack (site.yml) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan(converged, client):
    return _plan(client("backup"), STACK)


def test_vault_is_encrypted_with_the_stack_key(converged, client):
    backup = client("backup")
    vault = backup.describe_backup_vault(BackupVaultName=f"{STACK}-backup")
    assert vault["BackupVaultArn"] == _vault_arn(STACK, REGION)
    assert vault["EncryptionKeyArn"] == _key_arn(client, f"alias/{STACK}", REGION)
    assert vault["Locked"] is False, "the local inventory does not lock the vault"
    assert backup.list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"]["Stack"] == STACK


def test_copy_vault_lives_in_the_second_region_with_its_own_key(converged, client):
    vault = client("backup", region_name=COPY_REGION).describe_backup_vault(BackupVaultName=f"{STACK}-backup")
    assert vault["BackupVaultArn"] == _vault_arn(STACK, COPY_REGION)
    kms = client("kms", region_name=COPY_REGION)
    key = kms.describe_key(KeyId=f"alias/{STACK}-backup-copy")["KeyMetadata"]
    assert vault["EncryptionKeyArn"] == key["Arn"] and key["Arn"].startswith(f"arn:aws:kms:{COPY_REGION}:")
    assert key["KeyManager"] == "CUSTOMER" and kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    statements = {s["Sid"]: s for s in json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])["Statement"]}
    assert statements["AccountAdministers"]["Principal"]["AWS"] in (f"arn:aws:iam::{ACCOUNT}:root", [f"arn:aws:iam::{ACCOUNT}:root"])
    assert statements["AWSBackupUsesTheKey"]["Principal"]["AWS"] == ROLE_ARN
    assert statements["AWSBackupGrantsToAWSServices"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}} or statements[
        "AWSBackupGrantsToAWSServices"
    ]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": True}}


def test_daily_rule_is_copied_to_the_second_region(plan):
    (rule,) = plan["BackupPlan"]["Rules"]
    assert rule["RuleName"] == "daily" and rule["TargetBackupVaultName"] == f"{STACK}-backup"
    assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)" and rule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert rule["StartWindowMinutes"] == 60 and rule["CompletionWindowMinutes"] == 1440
    assert rule["Lifecycle"] == {"DeleteAfterDays": 7}
    assert rule["CopyActions"] == [{"DestinationBackupVaultArn": _vault_arn(STACK, COPY_REGION), "Lifecycle": {"DeleteAfterDays": 7}}]


def test_selection_takes_the_stacks_database_volumes_and_file_system_only(plan, client):
    selection = _selection(client("backup"), plan["BackupPlanId"])["BackupSelection"]
    assert selection["IamRoleArn"] == ROLE_ARN
    assert selection["Conditions"]["StringEquals"] == [{"ConditionKey": "aws:ResourceTag/Stack", "ConditionValue": STACK}]
    # The restore test's temporary copies carry RestoreTestOf (and, for a moment after an RDS restore, Stack).
    assert selection["Conditions"]["StringNotLike"] == [{"ConditionKey": "aws:ResourceTag/RestoreTestOf", "ConditionValue": "*"}]
    assert selection["ListOfTags"] == [] and selection["NotResources"] == []
    patterns = selection["Resources"]
    assert patterns == [
        f"arn:aws:rds:{REGION}:{ACCOUNT}:db:*",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/*",
        f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/*",
    ]

    def selected(arn: str, tags: dict[str, str]) -> bool:
        return any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns) and tags.get("Stack") == STACK

    database = client("rds").describe_db_instances(DBInstanceIdentifier=f"{STACK}-db")["DBInstances"][0]
    assert selected(database["DBInstanceArn"], {t["Key"]: t["Value"] for t in database["TagList"]})
    (file_system,) = [fs for fs in client("efs").describe_file_systems()["FileSystems"] if fs.get("Name") == f"{STACK}-data"]
    assert selected(file_system["FileSystemArn"], {t["Key"]: t["Value"] for t in file_system["Tags"]})
    # The launch template tags the hosts' volumes: what AWS Backup will find when the hosts run.
    template = client("ec2").describe_launch_template_versions(LaunchTemplateName=f"{STACK}-app", Versions=["$Default"])["LaunchTemplateVersions"][0]
    volume_tags = [s for s in template["LaunchTemplateData"]["TagSpecifications"] if s["ResourceType"] == "volume"]
    assert {"Key": "Stack", "Value": STACK} in volume_tags[0]["Tags"]
    assert selected(f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0", {"Stack": STACK})
    # The buckets carry the Stack tag too, but are not among the patterns.
    assert not selected(f"arn:aws:s3:::{STACK}-raw-data-{ACCOUNT}-{REGION}", {"Stack": STACK})


def test_backup_role_trusts_aws_backup_and_may_use_both_keys(converged, client):
    iam = client("iam")
    role = iam.get_role(RoleName=f"{STACK}-backup")["Role"]
    assert role["Arn"] == ROLE_ARN
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    attached = {p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=f"{STACK}-backup")["AttachedPolicies"]}
    assert attached == {"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"}
    (name,) = iam.list_role_policies(RoleName=f"{STACK}-backup")["PolicyNames"]
    document = iam.get_role_policy(RoleName=f"{STACK}-backup", PolicyName=name)["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    keys = {_key_arn(client, f"alias/{STACK}", REGION), _key_arn(client, f"alias/{STACK}-backup-copy", COPY_REGION)}
    for statement in document["Statement"]:
        assert set(statement["Resource"]) == keys, statement
        assert all(action.startswith("kms:") for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]))


def test_summary_names_the_vault_and_the_plan(converged, plan):
    summary = converged.second.result("Summary of the stack")["msg"]["backup"]
    assert _vault_arn(STACK, REGION) in summary and plan["BackupPlanId"] in summary and _vault_arn(STACK, COPY_REGION) in summary


# --- a stack of its own: monthly rule, cold storage, vault lock, teardown ----------------------------

OWN_PLAYBOOK = """
- name: The backup role alone, on the stack key of its own stack
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cvatops.aws.aws:
      region: us-east-1
  tasks:
    - name: Stack identity
      ansible.builtin.include_role:
        name: cvatops.aws.cvat_stack

    - name: Stack key (what the security role publishes)
      amazon.aws.kms_key:
        alias: "alias/{{ cvat_stack_name }}"
        tags: "{{ cvat_stack_common_tags }}"
      register: key

    - name: Backups
      ansible.builtin.include_role:
        name: cvatops.aws.backup
        tasks_from: "{{ entry | default('main') }}"
      vars:
        security_kms_key_arn: "{{ key.key_arn }}"
"""

MONTHLY = {
    "backup_monthly_enabled": True,
    "backup_monthly_retention_days": 365,
    "backup_monthly_cold_storage_after_days": 30,
    "backup_vault_lock_enabled": True,
    "backup_vault_lock_min_retention_days": 7,
    "backup_vault_lock_max_retention_days": 400,
}


@pytest.fixture(scope="module")
def own_stack(aws_emulator, env, tmp_path_factory):
    """The backup role with the monthly rule and a governance vault lock, converged twice on a stack of its own."""
    name = f"cvat-bk{uuid.uuid4().hex[:6]}"
    playbook = write_playbook(tmp_path_factory.mktemp("backup-playbooks"), "backup.yml", OWN_PLAYBOOK)
    extra = {"cvat_stack_name": name, **MONTHLY}
    first = run_playbook(playbook, env, extra_vars=extra)
    assert first.returncode == 0, first.explain()
    aws_emulator.reset_counts()
    second = run_playbook(playbook, env, extra_vars=extra)
    return SimpleNamespace(name=name, playbook=playbook, extra=extra, first=first, second=second, second_calls=aws_emulator.counts())


def test_own_stack_converges_and_second_run_only_reads(own_stack):
    assert own_stack.first.stats["changed"] > 0
    assert own_stack.second.returncode == 0 and own_stack.second.changed_tasks() == [], own_stack.second.explain()
    assert write_calls(own_stack.second_calls) == {}


def test_monthly_rule_moves_to_cold_storage_and_is_copied_alike(own_stack, client):
    rules = {rule["RuleName"]: rule for rule in _plan(client("backup"), own_stack.name)["BackupPlan"]["Rules"]}
    assert set(rules) == {"daily", "monthly"}
    monthly = rules["monthly"]
    assert monthly["ScheduleExpression"] == "cron(0 6 1 * ? *)"
    assert monthly["Lifecycle"] == {"DeleteAfterDays": 365, "MoveToColdStorageAfterDays": 30}
    assert monthly["CopyActions"] == [
        {"DestinationBackupVaultArn": _vault_arn(own_stack.name, COPY_REGION), "Lifecycle": {"DeleteAfterDays": 365, "MoveToColdStorageAfterDays": 30}}
    ]


def test_vault_lock_on_both_vaults(own_stack, client):
    for region in (REGION, COPY_REGION):
        vault = client("backup", region_name=region).describe_backup_vault(BackupVaultName=f"{own_stack.name}-backup")
        assert vault["Locked"] is True and vault["MinRetentionDays"] == 7 and vault["MaxRetentionDays"] == 400, region
        assert "LockDate" not in vault, "governance mode: no lock date"


def test_changed_retention_updates_the_plan_and_switching_the_lock_off_removes_it(own_stack, env, client):
    extra = dict(own_stack.extra, backup_daily_retention_days=14, backup_vault_lock_enabled=False)
    check = run_playbook(own_stack.playbook, env, "--check", extra_vars=extra)
    assert check.returncode == 0 and {"cvatops.aws.backup : Backup plan", "cvatops.aws.backup : Vault locks"} <= set(check.changed_tasks()), check.explain()
    assert _plan(client("backup"), own_stack.name)["BackupPlan"]["Rules"][0]["Lifecycle"] == {"DeleteAfterDays": 7}, "check mode must not change"

    run = run_playbook(own_stack.playbook, env, extra_vars=extra)
    assert run.returncode == 0, run.explain()
    daily = [r for r in _plan(client("backup"), own_stack.name)["BackupPlan"]["Rules"] if r["RuleName"] == "daily"][0]
    assert daily["Lifecycle"] == {"DeleteAfterDays": 14} and daily["CopyActions"][0]["Lifecycle"] == {"DeleteAfterDays": 14}
    assert client("backup").describe_backup_vault(BackupVaultName=f"{own_stack.name}-backup")["Locked"] is False
    again = run_playbook(own_stack.playbook, env, extra_vars=extra)
    assert again.returncode == 0 and again.changed_tasks() == [], again.explain()


def test_teardown_keeps_the_vaults_unless_asked_then_removes_them(own_stack, env, client):
    """Runs last in this module: it removes the stack's backups."""
    name = own_stack.name
    kept = run_playbook(own_stack.playbook, env, extra_vars=dict(own_stack.extra, entry="absent"))
    assert kept.returncode == 0, kept.explain()
    assert [p for p in client("backup").list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == name] == []
    iam = client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=f"{name}-backup")
    for region in (REGION, COPY_REGION):
        client("backup", region_name=region).describe_backup_vault(BackupVaultName=f"{name}-backup")
    facts = kept.result("cvatops.aws.backup : Publish what the backup teardown removed and kept")["ansible_facts"]
    assert len([k for k in facts["backup_teardown_kept"] if k.startswith("backup vault")]) == 2
    assert f"backup plan {name}" in facts["backup_teardown_removed"]

    removed = run_playbook(own_stack.playbook, env, extra_vars=dict(own_stack.extra, entry="absent", backup_teardown_delete_vault=True))
    assert removed.returncode == 0, removed.explain()
    for region in (REGION, COPY_REGION):
        names = [v["BackupVaultName"] for v in client("backup", region_name=region).list_backup_vaults()["BackupVaultList"]]
        assert f"{name}-backup" not in names, region
    copy_key = client("kms", region_name=COPY_REGION).describe_key(KeyId=f"alias/{name}-backup-copy")["KeyMetadata"]
    assert copy_key["KeyState"] == "PendingDeletion"
    facts = removed.result("cvatops.aws.backup : Publish what the backup teardown removed and kept")["ansible_facts"]
    assert facts["backup_teardown_kept"] == []


# --- cvatops.aws.backup_vault_lock ------------------------------------------------------------------

LOCK_PLAYBOOK = """
- name: Vault lock
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Vault lock
      cvatops.aws.backup_vault_lock:
        backup_vault_name: "{{ vault }}"
        min_retention_days: "{{ min | default(omit) }}"
        max_retention_days: "{{ max | default(omit) }}"
        changeable_for_days: "{{ changeable | default(omit) }}"
        state: "{{ state | default(omit) }}"
"""


def test_backup_vault_lock_lifecycle(aws_emulator, env, client, tmp_path):
    backup = client("backup")
    vault = f"lock-{uuid.uuid4().hex[:8]}"
    backup.create_backup_vault(BackupVaultName=vault, EncryptionKeyArn=client("kms").create_key()["KeyMetadata"]["Arn"])
    playbook = write_playbook(tmp_path, "lock.yml", LOCK_PLAYBOOK)

    def lock(*args: str, **options: Any) -> tuple[Any, dict[str, Any]]:
        run = run_playbook(playbook, env, *args, extra_vars={"vault": vault, **options})
        return run, run.result("Vault lock")

    run, result = lock("--check", "--diff", min=7, max=400)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert result["diff"]["before"]["mode"] == "none" and result["diff"]["after"]["mode"] == "governance"
    assert backup.describe_backup_vault(BackupVaultName=vault)["Locked"] is False, "check mode must not lock"

    run, result = lock(min=7, max=400)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert result["vault_lock"]["mode"] == "governance" and result["vault_lock"]["min_retention_days"] == 7
    described = backup.describe_backup_vault(BackupVaultName=vault)
    assert described["Locked"] is True and described["MaxRetentionDays"] == 400

    aws_emulator.reset_counts()
    run, result = lock(min=7, max=400)
    assert run.returncode == 0 and result["changed"] is False, run.explain()
    assert write_calls(aws_emulator.counts()) == {}

    run, result = lock(min=7, max=400, changeable=3)
    assert run.returncode == 0 and result["changed"] is True and result["vault_lock"]["mode"] == "compliance", run.explain()
    lock_date = backup.describe_backup_vault(BackupVaultName=vault)["LockDate"]
    aws_emulator.reset_counts()
    run, result = lock(min=7, max=400, changeable=3)
    assert run.returncode == 0 and result["changed"] is False, "the same compliance lock again must not restart its grace time"
    assert write_calls(aws_emulator.counts()) == {} and backup.describe_backup_vault(BackupVaultName=vault)["LockDate"] == lock_date

    # Within the grace time a compliance lock can still go back to governance mode, and be removed.
    run, result = lock(min=1, max=400)
    assert run.returncode == 0 and result["changed"] is True and result["vault_lock"]["mode"] == "governance", run.explain()
    assert "LockDate" not in backup.describe_backup_vault(BackupVaultName=vault)

    run, result = lock(min=30, max=7)
    assert run.returncode != 0 and "min_retention_days (30) must not exceed max_retention_days (7)" in result["msg"]

    run, result = lock(state="absent")
    assert run.returncode == 0 and result["changed"] is True and result["vault_lock"]["locked"] is False, run.explain()
    assert backup.describe_backup_vault(BackupVaultName=vault)["Locked"] is False
    run, result = lock(state="absent")
    assert run.returncode == 0 and result["changed"] is False, run.explain()

    run, result = lock(vault=f"missing-{uuid.uuid4().hex[:6]}", min=7)
    assert run.returncode != 0 and "does not exist" in result["msg"]
