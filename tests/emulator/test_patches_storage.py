# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per EFS and RDS compatibility patch (tests/awsemu/patches_storage.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_storage.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ClientFactory = Callable[..., Any]
MISSING_FILE_SYSTEM = "fs-00000000000000000"


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def efs(aws_client: ClientFactory) -> Any:
    return aws_client("efs")


@pytest.fixture
def rds(aws_client: ClientFactory) -> Any:
    return aws_client("rds")


def _file_system(efs: Any, **kwargs: Any) -> str:
    return str(efs.create_file_system(CreationToken=_unique("fs"), **kwargs)["FileSystemId"])


# --- EFS ------------------------------------------------------------------------------------------


def test_efs_legacy_tags(efs: Any) -> None:
    """DescribeTags/CreateTags/DeleteTags read and change the same tags as the newer tag API."""
    fs_id = _file_system(efs, Tags=[{"Key": "Name", "Value": "shared"}])
    assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "Name", "Value": "shared"}]
    efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "Project", "Value": "cvat"}, {"Key": "Name", "Value": "renamed"}])
    tags = {t["Key"]: t["Value"] for t in efs.describe_tags(FileSystemId=fs_id)["Tags"]}
    assert tags == {"Name": "renamed", "Project": "cvat"}
    efs.delete_tags(FileSystemId=fs_id, TagKeys=["Project"])
    assert efs.list_tags_for_resource(ResourceId=fs_id)["Tags"] == [{"Key": "Name", "Value": "renamed"}]
    assert efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["Name"] == "renamed"
    for call in (
        lambda: efs.describe_tags(FileSystemId=MISSING_FILE_SYSTEM),
        lambda: efs.create_tags(FileSystemId=MISSING_FILE_SYSTEM, Tags=[{"Key": "a", "Value": "b"}]),
        lambda: efs.delete_tags(FileSystemId=MISSING_FILE_SYSTEM, TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error_code(error) == "FileSystemNotFound"


def test_efs_backup_policy(efs: Any) -> None:
    """PutBackupPolicy switches automatic backups; a policy never set is PolicyNotFound; unknown file systems fail cleanly."""
    fs_id = _file_system(efs)
    with pytest.raises(ClientError) as error:
        efs.describe_backup_policy(FileSystemId=fs_id)
    assert _error_code(error) == "PolicyNotFound"

    assert efs.put_backup_policy(FileSystemId=fs_id, BackupPolicy={"Status": "ENABLED"})["BackupPolicy"] == {"Status": "ENABLED"}
    assert efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"] == {"Status": "ENABLED"}
    efs.put_backup_policy(FileSystemId=fs_id, BackupPolicy={"Status": "DISABLED"})
    assert efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"] == {"Status": "DISABLED"}

    # A file system created with automatic backups reports them without a PutBackupPolicy.
    assert efs.describe_backup_policy(FileSystemId=_file_system(efs, Backup=True))["BackupPolicy"] == {"Status": "ENABLED"}

    with pytest.raises(ClientError) as error:
        efs.put_backup_policy(FileSystemId=fs_id, BackupPolicy={"Status": "ENABLING"})
    assert _error_code(error) == "BadRequest"
    for call in (
        lambda: efs.describe_backup_policy(FileSystemId=MISSING_FILE_SYSTEM),
        lambda: efs.put_backup_policy(FileSystemId=MISSING_FILE_SYSTEM, BackupPolicy={"Status": "ENABLED"}),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error_code(error) == "FileSystemNotFound"


def test_efs_update_file_system(efs: Any) -> None:
    """UpdateFileSystem switches between bursting and provisioned throughput."""
    fs_id = _file_system(efs)

    def describe() -> dict[str, Any]:
        return dict(efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0])

    assert describe()["ThroughputMode"] == "bursting"
    updated = efs.update_file_system(FileSystemId=fs_id, ThroughputMode="provisioned", ProvisionedThroughputInMibps=16.0)
    assert (updated["ThroughputMode"], updated["ProvisionedThroughputInMibps"]) == ("provisioned", 16.0)
    efs.update_file_system(FileSystemId=fs_id, ProvisionedThroughputInMibps=32.0)
    assert (describe()["ThroughputMode"], describe()["ProvisionedThroughputInMibps"]) == ("provisioned", 32.0)
    efs.update_file_system(FileSystemId=fs_id, ThroughputMode="bursting")
    assert describe()["ThroughputMode"] == "bursting" and describe().get("ProvisionedThroughputInMibps") is None

    with pytest.raises(ClientError) as error:
        efs.update_file_system(FileSystemId=fs_id, ThroughputMode="provisioned")
    assert _error_code(error) == "BadRequest"
    with pytest.raises(ClientError) as error:
        efs.update_file_system(FileSystemId=MISSING_FILE_SYSTEM, ThroughputMode="bursting")
    assert _error_code(error) == "FileSystemNotFound"


def test_efs_access_point_not_found(efs: Any) -> None:
    """Access point calls name the missing file system or access point instead of succeeding."""
    with pytest.raises(ClientError) as error:
        efs.describe_access_points(FileSystemId=MISSING_FILE_SYSTEM)
    assert _error_code(error) == "FileSystemNotFound"
    with pytest.raises(ClientError) as error:
        efs.create_access_point(ClientToken=_unique("token"), FileSystemId=MISSING_FILE_SYSTEM)
    assert _error_code(error) == "FileSystemNotFound"
    assert [ap for ap in efs.describe_access_points()["AccessPoints"] if ap["FileSystemId"] == MISSING_FILE_SYSTEM] == []
    with pytest.raises(ClientError) as error:
        efs.delete_access_point(AccessPointId="fsap-0000000000000000")
    assert _error_code(error) == "AccessPointNotFound"

    # The ordinary path still works.
    fs_id = _file_system(efs)
    point = efs.create_access_point(ClientToken=_unique("token"), FileSystemId=fs_id, RootDirectory={"Path": "/data"})
    assert [ap["AccessPointId"] for ap in efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"]] == [point["AccessPointId"]]
    efs.delete_access_point(AccessPointId=point["AccessPointId"])
    assert efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"] == []


# --- RDS ------------------------------------------------------------------------------------------


def _parameter_group(rds: Any, family: str = "postgres15") -> str:
    name = _unique("pg")
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description="test")
    return name


def _parameters(rds: Any, group: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group, **kwargs)
    return {p["ParameterName"]: p for page in pages for p in page["Parameters"]}


def test_rds_parameter_group_not_found(rds: Any) -> None:
    """A missing group is DBParameterGroupNotFound; names are case-insensitive."""
    with pytest.raises(ClientError) as error:
        rds.describe_db_parameter_groups(DBParameterGroupName=_unique("no-such-group"))
    assert _error_code(error) == "DBParameterGroupNotFound"
    name = _unique("MixedCase")
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily="postgres15", Description="test")
    for spelling in (name, name.lower()):
        groups = rds.describe_db_parameter_groups(DBParameterGroupName=spelling)["DBParameterGroups"]
        assert [g["DBParameterGroupName"] for g in groups] == [name.lower()]


def test_rds_engine_default_parameters(rds: Any) -> None:
    """A new group lists its family's defaults; set values read back with Source=user; bad changes are refused."""
    group = _parameter_group(rds)
    defaults = _parameters(rds, group)
    force_ssl = defaults["rds.force_ssl"]
    # RDS for PostgreSQL 15 requires TLS by default.
    assert (force_ssl["ParameterValue"], force_ssl["Source"], force_ssl["DataType"], force_ssl["ApplyType"]) == ("1", "engine-default", "boolean", "dynamic")
    assert "ParameterValue" not in defaults["log_min_duration_statement"]
    assert defaults["max_connections"]["ApplyType"] == "static"
    assert _parameters(rds, _parameter_group(rds, "postgres14"))["rds.force_ssl"]["ParameterValue"] == "0"
    assert _parameters(rds, group, Source="user") == {}

    rds.modify_db_parameter_group(
        DBParameterGroupName=group,
        Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "immediate"},
            {"ParameterName": "log_min_duration_statement", "ParameterValue": "1000", "ApplyMethod": "immediate"},
            {"ParameterName": "max_connections", "ParameterValue": "200", "ApplyMethod": "pending-reboot"},
        ],
    )
    user = _parameters(rds, group, Source="user")
    assert {name: (p["ParameterValue"], p["Source"]) for name, p in user.items()} == {
        "rds.force_ssl": ("0", "user"),
        "log_min_duration_statement": ("1000", "user"),
        "max_connections": ("200", "user"),
    }
    assert user["log_min_duration_statement"]["DataType"] == "integer"
    assert _parameters(rds, group)["log_statement"]["Source"] == "engine-default"

    refused = [
        ({"ParameterName": "no_such_parameter", "ParameterValue": "1", "ApplyMethod": "immediate"}, "InvalidParameterValue"),
        ({"ParameterName": "rds.force_ssl", "ParameterValue": "2", "ApplyMethod": "immediate"}, "InvalidParameterValue"),
        ({"ParameterName": "log_statement", "ParameterValue": "everything", "ApplyMethod": "immediate"}, "InvalidParameterValue"),
        ({"ParameterName": "max_connections", "ParameterValue": "100", "ApplyMethod": "immediate"}, "InvalidParameterCombination"),
        ({"ParameterName": "rds.rds_superuser_reserved_connections", "ParameterValue": "3", "ApplyMethod": "pending-reboot"}, "InvalidParameterValue"),
    ]
    for parameter, code in refused:
        with pytest.raises(ClientError) as error:
            rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[parameter])
        assert _error_code(error) == code, parameter
    assert _parameters(rds, group)["rds.force_ssl"]["ParameterValue"] == "0", "a refused change leaves the group alone"


def _instance(rds: Any, **kwargs: Any) -> dict[str, Any]:
    options = dict(
        DBInstanceIdentifier=_unique("db"),
        DBInstanceClass="db.t3.medium",
        Engine="postgres",
        EngineVersion="15.12",
        MasterUsername="cvat",
        MasterUserPassword="not-a-real-password",
        AllocatedStorage=100,
        StorageType="gp3",
    )
    options.update(kwargs)
    rds.create_db_instance(**options)
    return dict(rds.describe_db_instances(DBInstanceIdentifier=options["DBInstanceIdentifier"])["DBInstances"][0])


def test_rds_gp3_storage_baseline(rds: Any) -> None:
    """gp3 reports the baseline IOPS/throughput for its size, and refuses explicit values below 400 GiB."""
    small = _instance(rds)
    assert (small["Iops"], small["StorageThroughput"]) == (3000, 125)
    large = _instance(rds, AllocatedStorage=400)
    assert (large["Iops"], large["StorageThroughput"]) == (12000, 500)
    provisioned = _instance(rds, AllocatedStorage=500, Iops=15000, StorageThroughput=600)
    assert (provisioned["Iops"], provisioned["StorageThroughput"]) == (15000, 600)

    with pytest.raises(ClientError) as error:
        _instance(rds, Iops=3000)
    assert _error_code(error) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as error:
        rds.modify_db_instance(DBInstanceIdentifier=small["DBInstanceIdentifier"], StorageThroughput=200, ApplyImmediately=True)
    assert _error_code(error) == "InvalidParameterCombination"

    grown = rds.modify_db_instance(DBInstanceIdentifier=small["DBInstanceIdentifier"], AllocatedStorage=450, ApplyImmediately=True)["DBInstance"]
    assert (grown["AllocatedStorage"], grown["Iops"], grown["StorageThroughput"]) == (450, 12000, 500)
    gp2 = _instance(rds, StorageType="gp2")
    assert "StorageThroughput" not in gp2 and "Iops" not in gp2
    moved = rds.modify_db_instance(DBInstanceIdentifier=large["DBInstanceIdentifier"], StorageType="gp2", ApplyImmediately=True)["DBInstance"]
    assert "StorageThroughput" not in moved and "Iops" not in moved, "gp3 baseline values do not stay after leaving gp3"


def test_rds_performance_insights(rds: Any, aws_client: ClientFactory) -> None:
    """Performance Insights settings are kept and reported, the key as its ARN."""
    key = aws_client("kms").create_key()["KeyMetadata"]
    plain = _instance(rds)
    assert plain["PerformanceInsightsEnabled"] is False and "PerformanceInsightsKMSKeyId" not in plain

    watched = _instance(rds, EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key["KeyId"])
    assert watched["PerformanceInsightsEnabled"] is True
    assert watched["PerformanceInsightsKMSKeyId"] == key["Arn"]
    assert watched["PerformanceInsightsRetentionPeriod"] == 7

    identifier = watched["DBInstanceIdentifier"]
    modified = rds.modify_db_instance(DBInstanceIdentifier=identifier, PerformanceInsightsRetentionPeriod=731, ApplyImmediately=True)["DBInstance"]
    assert (modified["PerformanceInsightsEnabled"], modified["PerformanceInsightsRetentionPeriod"]) == (True, 731)
    assert modified["PerformanceInsightsKMSKeyId"] == key["Arn"]
    off = rds.modify_db_instance(DBInstanceIdentifier=identifier, EnablePerformanceInsights=False, ApplyImmediately=True)["DBInstance"]
    assert off["PerformanceInsightsEnabled"] is False and "PerformanceInsightsKMSKeyId" not in off

    # Without a key RDS uses the account's aws/rds key.
    default_key = aws_client("kms").describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"]
    on = rds.modify_db_instance(DBInstanceIdentifier=plain["DBInstanceIdentifier"], EnablePerformanceInsights=True, ApplyImmediately=True)["DBInstance"]
    assert (on["PerformanceInsightsEnabled"], on["PerformanceInsightsKMSKeyId"], on["PerformanceInsightsRetentionPeriod"]) == (True, default_key, 7)
