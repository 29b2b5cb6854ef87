# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS Backup job and restore patch (tests/awsemu/patches_restore.py), through boto3.

Fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=backup_jobs_and_restores python -m pytest tests/emulator/test_patches_restore.py``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsemu import patches_restore

ClientFactory = Callable[..., Any]
ROLE = "arn:aws:iam::123456789012:role/backup"


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def backup(aws_client: ClientFactory) -> Any:
    return aws_client("backup")


@pytest.fixture
def vault(backup: Any) -> str:
    name = _unique("vault")
    backup.create_backup_vault(BackupVaultName=name)
    return name


@pytest.fixture
def network(aws_client: ClientFactory) -> dict[str, Any]:
    """Two subnets, a DB subnet group over them and two security groups."""
    ec2, rds = aws_client("ec2"), aws_client("rds")
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.70.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    group_name = _unique("data")
    rds.create_db_subnet_group(DBSubnetGroupName=group_name, DBSubnetGroupDescription="data", SubnetIds=subnets)
    groups = [ec2.create_security_group(GroupName=_unique(f"sg{index}"), Description="db", VpcId=vpc)["GroupId"] for index in range(2)]
    return {"vpc": vpc, "subnets": subnets, "subnet_group": group_name, "security_groups": groups}


@pytest.fixture
def database(aws_client: ClientFactory, network: dict[str, Any]) -> dict[str, Any]:
    """A Multi-AZ, deletion-protected PostgreSQL instance, as the database role makes it."""
    name = _unique("src")
    return aws_client("rds").create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        EngineVersion="15.12",
        DBInstanceClass="db.t3.medium",
        AllocatedStorage=100,
        MasterUsername="cvat",
        MasterUserPassword="not-a-secret-123",
        DBName="cvat",
        MultiAZ=True,
        DeletionProtection=True,
        StorageEncrypted=True,
        DBSubnetGroupName=network["subnet_group"],
        VpcSecurityGroupIds=[network["security_groups"][0]],
    )["DBInstance"]


@pytest.fixture
def file_system(aws_client: ClientFactory) -> dict[str, Any]:
    key = aws_client("kms").create_key()["KeyMetadata"]["Arn"]
    return aws_client("efs").create_file_system(CreationToken=_unique("fs"), Encrypted=True, KmsKeyId=key, PerformanceMode="generalPurpose")


def _wait_restore(backup: Any, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job = backup.describe_restore_job(RestoreJobId=job_id)
        if job["Status"] in ("COMPLETED", "FAILED", "ABORTED"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"restore job {job_id} did not end")


def test_backup_job_of_an_rds_instance_is_a_snapshot_recovery_point(backup: Any, vault: str, database: dict[str, Any], aws_client: ClientFactory) -> None:
    started = backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)
    job = backup.describe_backup_job(BackupJobId=started["BackupJobId"])
    assert job["State"] == "COMPLETED" and job["ResourceType"] == "RDS" and job["RecoveryPointArn"] == started["RecoveryPointArn"]
    snapshot_id = f"awsbackup:job-{started['BackupJobId'].lower()}"
    assert started["RecoveryPointArn"].endswith(f":snapshot:{snapshot_id}")
    snapshots = aws_client("rds").describe_db_snapshots(SnapshotType="awsbackup")["DBSnapshots"]
    assert snapshot_id in [s["DBSnapshotIdentifier"] for s in snapshots]
    point = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=started["RecoveryPointArn"])
    assert point["Status"] == "COMPLETED" and point["ResourceArn"] == database["DBInstanceArn"] and point["ResourceType"] == "RDS"
    assert backup.list_backup_vaults()["BackupVaultList"] and any(
        v["BackupVaultName"] == vault and v["NumberOfRecoveryPoints"] == 1 for v in backup.list_backup_vaults()["BackupVaultList"]
    )


def test_list_recovery_points_filters_and_pages(backup: Any, vault: str, database: dict[str, Any], file_system: dict[str, Any]) -> None:
    rds_points = [
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)["RecoveryPointArn"],
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)["RecoveryPointArn"],
    ]
    efs_point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=file_system["FileSystemArn"], IamRoleArn=ROLE)["RecoveryPointArn"]
    assert efs_point.startswith("arn:aws:backup:us-east-1:123456789012:recovery-point:")

    def listed(**kwargs: Any) -> list[str]:
        pages = backup.get_paginator("list_recovery_points_by_backup_vault").paginate(BackupVaultName=vault, PaginationConfig={"PageSize": 1}, **kwargs)
        return [p["RecoveryPointArn"] for page in pages for p in page["RecoveryPoints"]]

    assert sorted(listed()) == sorted([*rds_points, efs_point])
    assert sorted(listed(ByResourceArn=database["DBInstanceArn"])) == sorted(rds_points)
    assert listed(ByResourceType="EFS") == [efs_point]
    assert listed(ByResourceType="EBS") == []
    assert listed(ByCreatedAfter=time.time() + 60) == []


def test_backup_jobs_and_restores(backup: Any, vault: str, database: dict[str, Any], network: dict[str, Any], aws_client: ClientFactory) -> None:
    """The patch end to end: a backup job's recovery point restored into the instance the metadata describes.

    The tests below cover the rest of the patch: listing, EFS, deletion and errors.
    """
    point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)["RecoveryPointArn"]
    name = _unique("restored")
    metadata = {
        "DBInstanceIdentifier": name,
        "DBInstanceClass": "db.t3.micro",
        "DBSubnetGroupName": network["subnet_group"],
        "VpcSecurityGroupIds": f'["{network["security_groups"][1]}"]',
        "MultiAZ": "false",
        "DeletionProtection": "false",
    }
    job_id = backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=metadata, ResourceType="RDS")["RestoreJobId"]
    # The job is not done at once: callers have to wait for it, as on AWS.
    assert backup.describe_restore_job(RestoreJobId=job_id)["Status"] in ("PENDING", "RUNNING")
    job = _wait_restore(backup, job_id)
    restored = aws_client("rds").describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    assert job["CreatedResourceArn"] == restored["DBInstanceArn"]
    assert restored["DBInstanceClass"] == "db.t3.micro" and restored["DBName"] == "cvat" and restored["MasterUsername"] == "cvat"
    # The source is Multi-AZ and protected; the restored copy is what the metadata asks for.
    assert restored["MultiAZ"] is False and restored["DeletionProtection"] is False
    assert restored["DBSubnetGroup"]["DBSubnetGroupName"] == network["subnet_group"]
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == [network["security_groups"][1]]
    assert restored["StorageEncrypted"] is True
    assert job["RestoreJobId"] in [j["RestoreJobId"] for j in backup.list_restore_jobs()["RestoreJobs"]]
    # A repeated idempotency token is the same job, not a second instance.
    token = _unique("token")
    metadata["DBInstanceIdentifier"] = _unique("again")
    first = backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=metadata, IdempotencyToken=token)["RestoreJobId"]
    assert backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=metadata, IdempotencyToken=token)["RestoreJobId"] == first


def test_restore_of_an_efs_recovery_point_makes_a_new_encrypted_file_system(
    backup: Any, vault: str, file_system: dict[str, Any], aws_client: ClientFactory
) -> None:
    point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=file_system["FileSystemArn"], IamRoleArn=ROLE)["RecoveryPointArn"]
    token = _unique("restored-fs")
    metadata = {
        "file-system-id": file_system["FileSystemId"],
        "newFileSystem": "true",
        "CreationToken": token,
        "Encrypted": "true",
        "KmsKeyId": file_system["KmsKeyId"],
        "PerformanceMode": "generalPurpose",
    }
    job = _wait_restore(backup, backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=metadata, ResourceType="EFS")["RestoreJobId"])
    (restored,) = aws_client("efs").describe_file_systems(CreationToken=token)["FileSystems"]
    assert job["Status"] == "COMPLETED" and job["CreatedResourceArn"] == restored["FileSystemArn"] != file_system["FileSystemArn"]
    assert restored["Encrypted"] is True and restored["KmsKeyId"] == file_system["KmsKeyId"]
    # AWS Backup's EFS metadata always names the backed-up file system; without it the request is refused.
    del metadata["file-system-id"]
    metadata["CreationToken"] = _unique("no-source")
    with pytest.raises(ClientError) as error:
        backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata=metadata, ResourceType="EFS")
    assert _code(error) == "InvalidParameterValueException" and "file-system-id" in str(error.value)
    assert aws_client("efs").describe_file_systems(CreationToken=metadata["CreationToken"])["FileSystems"] == []


def test_restore_that_rds_refuses_is_a_failed_job(backup: Any, vault: str, database: dict[str, Any], aws_client: ClientFactory) -> None:
    """AWS Backup accepts the request and the job ends FAILED with RDS's reason; nothing is created."""
    point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)["RecoveryPointArn"]
    name, group = _unique("refused"), _unique("no-such-group")
    job_id = backup.start_restore_job(
        RecoveryPointArn=point, IamRoleArn=ROLE, ResourceType="RDS", Metadata={"DBInstanceIdentifier": name, "DBSubnetGroupName": group}
    )["RestoreJobId"]
    assert backup.describe_restore_job(RestoreJobId=job_id)["Status"] == "RUNNING"
    job = _wait_restore(backup, job_id)
    assert job["Status"] == "FAILED" and group in job["StatusMessage"] and "CreatedResourceArn" not in job
    assert job_id in [j["RestoreJobId"] for j in backup.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"]]
    assert name not in [i["DBInstanceIdentifier"] for i in aws_client("rds").describe_db_instances()["DBInstances"]]


def test_delete_recovery_point_removes_the_snapshot(backup: Any, vault: str, database: dict[str, Any], aws_client: ClientFactory) -> None:
    point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)["RecoveryPointArn"]
    backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=point)
    assert backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"] == []
    snapshot_id = point.split(":snapshot:")[1]
    assert snapshot_id not in [s["DBSnapshotIdentifier"] for s in aws_client("rds").describe_db_snapshots(SnapshotType="awsbackup")["DBSnapshots"]]


def test_unknown_vaults_jobs_and_points_are_not_found(backup: Any, vault: str, database: dict[str, Any]) -> None:
    missing_point = "arn:aws:backup:us-east-1:123456789012:recovery-point:00000000-0000-0000-0000-000000000000"
    calls = [
        lambda: backup.list_recovery_points_by_backup_vault(BackupVaultName=_unique("missing")),
        lambda: backup.start_backup_job(BackupVaultName=_unique("missing"), ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE),
        lambda: backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=missing_point),
        lambda: backup.describe_backup_job(BackupJobId="00000000-0000-0000-0000-000000000000"),
        lambda: backup.describe_restore_job(RestoreJobId="00000000-0000-0000-0000-000000000000"),
        lambda: backup.start_restore_job(RecoveryPointArn=missing_point, IamRoleArn=ROLE, Metadata={}),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert _code(error) == "ResourceNotFoundException"


def test_bad_requests_are_refused(backup: Any, vault: str, database: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as error:
        backup.start_backup_job(BackupVaultName=vault, ResourceArn="arn:aws:s3:::some-bucket", IamRoleArn=ROLE)
    assert _code(error) == "InvalidParameterValueException"
    point = backup.start_backup_job(BackupVaultName=vault, ResourceArn=database["DBInstanceArn"], IamRoleArn=ROLE)["RecoveryPointArn"]
    with pytest.raises(ClientError) as error:  # RDS needs the new instance's name
        backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata={"DBInstanceClass": "db.t3.micro"})
    assert _code(error) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        backup.start_restore_job(RecoveryPointArn=point, IamRoleArn=ROLE, Metadata={"DBInstanceIdentifier": _unique("x")}, ResourceType="EFS")
    assert _code(error) == "InvalidParameterValueException"


def test_restore_job_reports_running_before_completed() -> None:
    """The documented delay is what the describe answer is built from (no emulator needed)."""
    now = time.time()
    job = {"RestoreJobId": "J", "_created": "arn:x", "_done_at": now + 60}
    assert patches_restore.describe_restore_job(job)["Status"] == "RUNNING" and "CreatedResourceArn" not in patches_restore.describe_restore_job(job)
    job["_done_at"] = now - 1
    assert patches_restore.describe_restore_job(job)["CreatedResourceArn"] == "arn:x"
    job.update(_created="", _failure="refused")
    assert patches_restore.describe_restore_job(job)["Status"] == "FAILED" and patches_restore.describe_restore_job(job)["StatusMessage"] == "refused"
