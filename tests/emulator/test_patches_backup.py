# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per AWS Backup compatibility patch (tests/awsemu/patches_backup.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_backup.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ClientFactory = Callable[..., Any]
ROLE_ARN = "arn:aws:iam::123456789012:role/backup"


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return str(error.value.response["Error"]["Code"]), int(error.value.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture
def backup(aws_client: ClientFactory) -> Any:
    return aws_client("backup")


@pytest.fixture
def key_arn(aws_client: ClientFactory) -> str:
    return str(aws_client("kms").create_key()["KeyMetadata"]["Arn"])


def _plan(backup: Any, vault: str, name: str | None = None, **rule: Any) -> dict[str, Any]:
    document = {"BackupPlanName": name or _unique("plan"), "Rules": [{"RuleName": "daily", "TargetBackupVaultName": vault, **rule}]}
    return dict(backup.create_backup_plan(BackupPlan=document))


# --- vaults ---------------------------------------------------------------------------------------


def test_backup_vault_describe(backup: Any, key_arn: str) -> None:
    """A missing vault is AccessDeniedException (403); an existing one reports its key, lock and recovery point count."""
    with pytest.raises(ClientError) as error:
        backup.describe_backup_vault(BackupVaultName=_unique("missing"))
    assert _error(error) == ("AccessDeniedException", 403)

    name = _unique("vault")
    backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key_arn)
    vault = backup.describe_backup_vault(BackupVaultName=name)
    assert vault["EncryptionKeyArn"] == key_arn
    assert vault["NumberOfRecoveryPoints"] == 0 and vault["Locked"] is False
    assert vault["VaultType"] == "BACKUP_VAULT" and vault["VaultState"] == "AVAILABLE"
    assert "LockDate" not in vault and "MinRetentionDays" not in vault

    backup.put_backup_vault_lock_configuration(BackupVaultName=name, MinRetentionDays=1, MaxRetentionDays=30, ChangeableForDays=3)
    vault = backup.describe_backup_vault(BackupVaultName=name)
    assert vault["Locked"] is True and vault["MinRetentionDays"] == 1 and vault["MaxRetentionDays"] == 30
    assert (vault["LockDate"] - vault["CreationDate"]).days in (2, 3), "compliance mode: the lock date is three days out"


def test_backup_vault_create_checks(backup: Any, key_arn: str, aws_client: ClientFactory) -> None:
    """Bad names, unknown keys and keys of another region are refused; an alias resolves to the key ARN."""
    unknown_key = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    for name, key in (("a", key_arn), ("bad name!", key_arn), (_unique("vault"), unknown_key)):
        with pytest.raises(ClientError) as error:
            backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key)
        assert _error(error)[0] == "InvalidParameterValueException", name

    west_key = aws_client("kms", region_name="us-west-2").create_key()["KeyMetadata"]["Arn"]
    with pytest.raises(ClientError) as error:
        backup.create_backup_vault(BackupVaultName=_unique("vault"), EncryptionKeyArn=west_key)
    assert _error(error)[0] == "InvalidParameterValueException"
    west = aws_client("backup", region_name="us-west-2")
    name = _unique("vault")
    west.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=west_key)
    assert west.describe_backup_vault(BackupVaultName=name)["EncryptionKeyArn"] == west_key

    alias = f"alias/{_unique('key')}"
    aws_client("kms").create_alias(AliasName=alias, TargetKeyId=key_arn)
    name = _unique("vault")
    backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=alias)
    assert backup.describe_backup_vault(BackupVaultName=name)["EncryptionKeyArn"] == key_arn


def test_backup_vault_delete(backup: Any, key_arn: str) -> None:
    """Deleting a missing vault fails; a deleted vault's tags do not come back with a new vault of the same name."""
    with pytest.raises(ClientError) as error:
        backup.delete_backup_vault(BackupVaultName=_unique("missing"))
    assert _error(error)[0] == "ResourceNotFoundException"

    name = _unique("vault")
    arn = backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key_arn, BackupVaultTags={"Stack": "old"})["BackupVaultArn"]
    backup.delete_backup_vault(BackupVaultName=name)
    assert backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key_arn)["BackupVaultArn"] == arn
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {}


# --- plans ----------------------------------------------------------------------------------------


def test_backup_plan_update_and_names(backup: Any, key_arn: str) -> None:
    """UpdateBackupPlan replaces the rules with a new version; a deleted plan's name can be used again; bad documents fail."""
    vault = _unique("vault")
    backup.create_backup_vault(BackupVaultName=vault, EncryptionKeyArn=key_arn)
    name = _unique("plan")
    created = _plan(backup, vault, name, Lifecycle={"DeleteAfterDays": 7})
    copy_arn = "arn:aws:backup:us-west-2:123456789012:backup-vault:copy"
    updated = backup.update_backup_plan(
        BackupPlanId=created["BackupPlanId"],
        BackupPlan={
            "BackupPlanName": name,
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": vault,
                    "ScheduleExpression": "cron(0 5 * * ? *)",
                    "Lifecycle": {"DeleteAfterDays": 14},
                    "CopyActions": [{"DestinationBackupVaultArn": copy_arn, "Lifecycle": {"DeleteAfterDays": 14}}],
                }
            ],
        },
    )
    assert updated["BackupPlanId"] == created["BackupPlanId"] and updated["VersionId"] != created["VersionId"]
    (rule,) = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]["Rules"]
    assert rule["Lifecycle"] == {"DeleteAfterDays": 14} and rule["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert rule["CopyActions"] == [{"DestinationBackupVaultArn": copy_arn, "Lifecycle": {"DeleteAfterDays": 14}}]
    assert rule["StartWindowMinutes"] == 480 and rule["CompletionWindowMinutes"] == 10080 and rule["RuleId"]

    with pytest.raises(ClientError) as error:
        _plan(backup, vault, name)
    assert _error(error)[0] == "AlreadyExistsException", "a live plan's name is taken"
    backup.delete_backup_plan(BackupPlanId=created["BackupPlanId"])
    again = _plan(backup, vault, name)
    assert again["BackupPlanId"] != created["BackupPlanId"]
    with pytest.raises(ClientError) as error:
        backup.update_backup_plan(BackupPlanId=created["BackupPlanId"], BackupPlan={"BackupPlanName": name, "Rules": []})
    assert _error(error)[0] == "ResourceNotFoundException", "a deleted plan cannot be updated"

    for rule in ({"Lifecycle": {"DeleteAfterDays": 30, "MoveToColdStorageAfterDays": 7}}, {"Lifecycle": {"DeleteAfterDays": 0}}):
        with pytest.raises(ClientError) as error:
            _plan(backup, vault, **rule)
        assert _error(error)[0] == "InvalidParameterValueException", rule
    with pytest.raises(ClientError) as error:
        _plan(backup, vault, name="bad name")
    assert _error(error)[0] == "InvalidParameterValueException"


# --- selections -----------------------------------------------------------------------------------


def test_backup_selections(backup: Any, key_arn: str) -> None:
    """Selections are created, read back with every list and condition type, listed, deleted; they block the plan's deletion."""
    vault = _unique("vault")
    backup.create_backup_vault(BackupVaultName=vault, EncryptionKeyArn=key_arn)
    plan_id = _plan(backup, vault)["BackupPlanId"]
    resources = ["arn:aws:rds:us-east-1:123456789012:db:*", "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/*"]
    condition = {"ConditionKey": "aws:ResourceTag/Stack", "ConditionValue": "cvat-x"}
    created = backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "stack", "IamRoleArn": ROLE_ARN, "Resources": resources, "Conditions": {"StringEquals": [condition]}},
    )
    assert created["BackupPlanId"] == plan_id

    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert got["BackupSelection"] == {
        "SelectionName": "stack",
        "IamRoleArn": ROLE_ARN,
        "Resources": resources,
        "ListOfTags": [],
        "NotResources": [],
        "Conditions": {"StringEquals": [condition], "StringNotEquals": [], "StringLike": [], "StringNotLike": []},
    }
    (listed,) = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert listed["SelectionId"] == created["SelectionId"] and listed["SelectionName"] == "stack" and listed["IamRoleArn"] == ROLE_ARN

    with pytest.raises(ClientError) as error:
        backup.delete_backup_plan(BackupPlanId=plan_id)
    assert _error(error)[0] == "InvalidRequestException", "a plan with selections cannot be deleted"

    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    for call in (
        lambda: backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"]),
        lambda: backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"]),
        lambda: backup.list_backup_selections(BackupPlanId=str(uuid.uuid4())),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error(error)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={"SelectionName": "x", "IamRoleArn": "not-a-role"})
    assert _error(error)[0] == "InvalidParameterValueException"
    backup.delete_backup_plan(BackupPlanId=plan_id)


# --- vault lock and tags --------------------------------------------------------------------------


def test_backup_vault_lock_checks(backup: Any, key_arn: str) -> None:
    """ChangeableForDays and MinRetentionDays above 36500 are refused; the vault stays unlocked."""
    name = _unique("vault")
    backup.create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key_arn)
    for options in ({"MinRetentionDays": 1, "ChangeableForDays": 36501}, {"MinRetentionDays": 36501}):
        with pytest.raises(ClientError) as error:
            backup.put_backup_vault_lock_configuration(BackupVaultName=name, **options)
        assert _error(error)[0] == "InvalidParameterValueException", options
    assert backup.describe_backup_vault(BackupVaultName=name)["Locked"] is False


def test_backup_tags_of_missing_resources(backup: Any, key_arn: str) -> None:
    """Tag calls on a missing vault or a deleted plan fail; on existing ones they work."""
    missing_vault = f"arn:aws:backup:us-east-1:123456789012:backup-vault:{_unique('missing')}"
    vault = _unique("vault")
    vault_arn = backup.create_backup_vault(BackupVaultName=vault, EncryptionKeyArn=key_arn)["BackupVaultArn"]
    plan = _plan(backup, vault)
    backup.tag_resource(ResourceArn=plan["BackupPlanArn"], Tags={"Stack": "x"})
    assert backup.list_tags(ResourceArn=plan["BackupPlanArn"])["Tags"] == {"Stack": "x"}
    backup.untag_resource(ResourceArn=vault_arn, TagKeyList=["Nothing"])
    backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])
    for arn in (missing_vault, plan["BackupPlanArn"]):
        for call in (
            lambda arn=arn: backup.list_tags(ResourceArn=arn),
            lambda arn=arn: backup.tag_resource(ResourceArn=arn, Tags={"a": "b"}),
            lambda arn=arn: backup.untag_resource(ResourceArn=arn, TagKeyList=["a"]),
        ):
            with pytest.raises(ClientError) as error:
                call()
            assert _error(error)[0] == "ResourceNotFoundException", arn
