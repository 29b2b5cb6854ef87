# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS Backup jobs, recovery points and restore jobs; same contract as :mod:`awsemu.patches` ((a)/(b)/(c), a test each).

The restore test (``playbooks/restore_test.yml``) needs what AWS Backup does between a backup plan and a
restored resource: on-demand backup jobs that leave recovery points in a vault, and restore jobs that make
a new RDS instance or EFS file system from one. Vaults, plans and selections are patched elsewhere
(``patches_backup.py``); this module keeps its own state on the same backend object.

The tests live in ``tests/emulator/test_patches_restore.py``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported

# A restore job reports RUNNING this long before COMPLETED, so that callers really have to wait for it
# (AWS takes minutes; the RDS and EFS resources themselves are available at once in moto).
RESTORE_RUNNING_SECONDS = 2.0

_RDS_ARN = re.compile(r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):db:(?P<name>[A-Za-z0-9-]+)$")
_RDS_SNAPSHOT_ARN = re.compile(r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):snapshot:(?P<name>.+)$")
_EFS_ARN = re.compile(r"^arn:aws[a-z-]*:elasticfilesystem:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):file-system/(?P<name>fs-[0-9a-f]+)$")

# Restore metadata of RDS (string values, as AWS Backup takes them) -> moto's create_db_instance keywords.
_RDS_METADATA = {
    "DBInstanceIdentifier": ("db_instance_identifier", str),
    "DBInstanceClass": ("db_instance_class", str),
    "DBSubnetGroupName": ("db_subnet_group_name", str),
    "AvailabilityZone": ("availability_zone", str),
    "Port": ("port", int),
    "StorageType": ("storage_type", str),
    "DBParameterGroupName": ("db_parameter_group_name", str),
    "OptionGroupName": ("option_group_name", str),
}
# Boolean settings that RestoreDBInstanceFromDBSnapshot does not take from the snapshot: AWS's defaults.
_RDS_BOOLEANS = {
    "MultiAZ": ("multi_az", False),
    "DeletionProtection": ("deletion_protection", False),
    "PubliclyAccessible": ("publicly_accessible", False),
    "CopyTagsToSnapshot": ("copy_tags_to_snapshot", False),
    "AutoMinorVersionUpgrade": ("auto_minor_version_upgrade", True),
}


def _now() -> float:
    return time.time()


def _state(backend: Any) -> dict[str, dict[str, Any]]:
    """This module's state on the (per account and region) backup backend; a moto reset drops it with the backend."""
    state = getattr(backend, "_awsemu_restore_state", None)
    if state is None:
        state = {"backup_jobs": {}, "recovery_points": {}, "restore_jobs": {}, "tokens": {}}
        backend._awsemu_restore_state = state  # pylint: disable=protected-access
    return state


def _errors() -> ModuleType:
    from moto.backup import exceptions  # pylint: disable=import-outside-toplevel

    return exceptions


def _bool(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _vault(backend: Any, name: str) -> Any:
    vault = backend.vaults.get(name)
    if vault is None:
        raise _errors().ResourceNotFoundException(msg=f"Backup vault {name} does not exist")
    return vault


def _rds_backend(account: str, region: str) -> Any:
    from moto.rds.models import rds_backends  # pylint: disable=import-outside-toplevel

    return rds_backends[account][region]


def _efs_backend(account: str, region: str) -> Any:
    from moto.efs.models import efs_backends  # pylint: disable=import-outside-toplevel

    return efs_backends[account][region]


def _recovery_point(backend: Any, arn: str, vault_name: str | None = None) -> dict[str, Any]:
    point = _state(backend)["recovery_points"].get(arn)
    if point is None or (vault_name is not None and point["BackupVaultName"] != vault_name):
        raise _errors().ResourceNotFoundException(msg=f"Recovery point {arn} not found")
    return point


def start_backup_job(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Back up an RDS instance (a DB snapshot ``awsbackup:job-<id>``) or an EFS file system into a vault."""
    errors = _errors()
    vault = _vault(backend, params.get("BackupVaultName") or "")
    resource_arn = params.get("ResourceArn") or ""
    if not params.get("IamRoleArn"):
        raise errors.InvalidParameterValueException(msg="IamRoleArn is required")
    job_id = str(uuid.uuid4()).upper()
    now = _now()
    rds = _RDS_ARN.match(resource_arn)
    efs = _EFS_ARN.match(resource_arn)
    if rds:
        rds_backend = _rds_backend(backend.account_id, backend.region_name)
        if rds.group("name").lower() not in rds_backend.databases:
            raise errors.InvalidParameterValueException(msg=f"Resource {resource_arn} not found")
        snapshot = rds_backend.create_db_snapshot(rds.group("name").lower(), f"awsbackup:job-{job_id.lower()}", snapshot_type="awsbackup")
        resource_type, point_arn = "RDS", snapshot.db_snapshot_arn
        size = int(snapshot.allocated_storage) * 2**30
        source = {"encrypted": bool(snapshot.encrypted), "kms_key_id": snapshot.kms_key_id}
    elif efs:
        file_system = _efs_backend(backend.account_id, backend.region_name).file_systems_by_id.get(efs.group("name"))
        if file_system is None:
            raise errors.InvalidParameterValueException(msg=f"Resource {resource_arn} not found")
        resource_type = "EFS"
        point_arn = f"arn:aws:backup:{backend.region_name}:{backend.account_id}:recovery-point:{uuid.uuid4()}"
        size = int(file_system.size_in_bytes.get("Value", 0)) if isinstance(getattr(file_system, "size_in_bytes", None), dict) else 0
        source = {
            "encrypted": bool(file_system.encrypted),
            "kms_key_id": file_system.kms_key_id,
            "performance_mode": file_system.performance_mode,
            "throughput_mode": file_system.throughput_mode,
        }
    else:
        raise errors.InvalidParameterValueException(msg=f"Resource type of {resource_arn} is not supported by this emulator (RDS, EFS)")
    point = {
        "RecoveryPointArn": point_arn,
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": resource_arn,
        "ResourceType": resource_type,
        "CreatedBy": {"BackupPlanId": "", "BackupPlanArn": "", "BackupPlanVersion": "", "BackupRuleId": ""},
        "IamRoleArn": params["IamRoleArn"],
        "Status": "COMPLETED",
        "CreationDate": now,
        "CompletionDate": now,
        "BackupSizeInBytes": size,
        "EncryptionKeyArn": vault.encryption_key_arn or source.get("kms_key_id") or "",
        "IsEncrypted": bool(source.get("encrypted") or vault.encryption_key_arn),
        "Lifecycle": params.get("Lifecycle") or {},
        "_source": source,
    }
    job = {
        "AccountId": backend.account_id,
        "BackupJobId": job_id,
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "RecoveryPointArn": point_arn,
        "ResourceArn": resource_arn,
        "ResourceType": resource_type,
        "IamRoleArn": params["IamRoleArn"],
        "State": "COMPLETED",
        "PercentDone": "100.0",
        "CreationDate": now,
        "CompletionDate": now,
        "BackupSizeInBytes": size,
        "IsParent": False,
    }
    state = _state(backend)
    state["recovery_points"][point_arn] = point
    state["backup_jobs"][job_id] = job
    vault.num_of_recovery_points = getattr(vault, "num_of_recovery_points", 0) + 1
    return job


class _RestoreFailed(Exception):
    """A restore that AWS Backup accepts and that then fails: the job ends FAILED with this message."""


def _restore_rds(backend: Any, point: dict[str, Any], metadata: dict[str, str]) -> str:
    errors = _errors()
    if not metadata.get("DBInstanceIdentifier"):
        raise errors.InvalidParameterValueException(msg="Restore metadata must name the new DBInstanceIdentifier")
    rds_backend = _rds_backend(backend.account_id, backend.region_name)
    overrides: dict[str, Any] = {moto_key: cast(metadata[key]) for key, (moto_key, cast) in _RDS_METADATA.items() if metadata.get(key)}
    if metadata.get("VpcSecurityGroupIds"):
        groups = metadata["VpcSecurityGroupIds"]
        overrides["vpc_security_group_ids"] = json.loads(groups) if groups.strip().startswith("[") else [g.strip() for g in groups.split(",")]
    snapshot_name = _RDS_SNAPSHOT_ARN.match(point["RecoveryPointArn"]).group("name")  # type: ignore[union-attr]
    snapshot = rds_backend.database_snapshots.get(snapshot_name)
    if snapshot is None:
        raise errors.InvalidRequestException(msg=f"Restore failed: the snapshot of recovery point {point['RecoveryPointArn']} is gone")
    source = snapshot.database
    if getattr(source, "_awsemu_gp3_baseline", False) and not getattr(source, "_awsemu_gp3_provisioned", False):
        # gp3's baseline IOPS/throughput (patches_storage reports them) are not settings of the snapshot; copied into
        # the new instance they would be refused below 400 GiB, as if the restore had asked for them.
        source.iops = source.storage_throughput = None
    # moto's restore looks the snapshot up among the automated and manual ones only (as DescribeDBSnapshots
    # without SnapshotType does on AWS); AWS Backup restores its own "awsbackup" snapshots.
    snapshot.snapshot_type = "manual"
    try:
        instance = rds_backend.restore_db_instance_from_db_snapshot(snapshot_name, overrides)
    except Exception as exc:  # RDS refuses what AWS Backup accepted: the job fails, the request does not
        raise _RestoreFailed(str(exc)) from exc
    finally:
        snapshot.snapshot_type = "awsbackup"
    # moto copies these from the snapshot's instance (and ignores false overrides); RDS uses its defaults.
    for key, (attribute, default) in _RDS_BOOLEANS.items():
        setattr(instance, attribute, _bool(metadata.get(key), default))
    return str(instance.db_instance_arn)


def _restore_efs(backend: Any, point: dict[str, Any], metadata: dict[str, str]) -> str:
    errors = _errors()
    efs_backend = _efs_backend(backend.account_id, backend.region_name)
    source = point["_source"]
    # The backed-up file system (a new one) or the one restored into: AWS Backup's EFS metadata always names it.
    target = metadata.get("file-system-id") or ""
    if not target:
        raise errors.InvalidParameterValueException(msg="Restore metadata of an EFS recovery point must have file-system-id")
    if not _bool(metadata.get("newFileSystem"), False):
        if target not in efs_backend.file_systems_by_id:
            raise errors.InvalidParameterValueException(msg=f"file-system-id {target!r} does not exist")
        return str(efs_backend.file_systems_by_id[target].file_system_arn)
    encrypted = _bool(metadata.get("Encrypted"), source.get("encrypted", False))
    kms_key_id = metadata.get("KmsKeyId") or (source.get("kms_key_id") if encrypted else None)
    if encrypted and not kms_key_id:
        raise errors.InvalidParameterValueException(msg="Encrypted restore needs a KmsKeyId")
    file_system = efs_backend.create_file_system(
        creation_token=metadata.get("CreationToken") or str(uuid.uuid4()),
        performance_mode=metadata.get("PerformanceMode") or source.get("performance_mode") or "generalPurpose",
        encrypted=encrypted,
        kms_key_id=kms_key_id,
        throughput_mode=source.get("throughput_mode") or "bursting",
        provisioned_throughput_in_mibps=None,
        availability_zone_name=None,
        backup=False,
        tags=[],
    )
    return str(file_system.file_system_arn)


def start_restore_job(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Restore a recovery point into a new resource, as the metadata describes it."""
    errors = _errors()
    state = _state(backend)
    token = params.get("IdempotencyToken")
    if token and token in state["tokens"]:
        return state["restore_jobs"][state["tokens"][token]]
    point = _recovery_point(backend, params.get("RecoveryPointArn") or "")
    if not params.get("IamRoleArn"):
        raise errors.InvalidParameterValueException(msg="IamRoleArn is required")
    metadata = {key: str(value) for key, value in (params.get("Metadata") or {}).items()}
    if params.get("ResourceType") and params["ResourceType"] != point["ResourceType"]:
        raise errors.InvalidParameterValueException(msg=f"ResourceType {params['ResourceType']} does not match the recovery point ({point['ResourceType']})")
    created, failure = "", ""
    try:
        created = _restore_rds(backend, point, metadata) if point["ResourceType"] == "RDS" else _restore_efs(backend, point, metadata)
    except _RestoreFailed as exc:
        failure = str(exc)
    job_id = str(uuid.uuid4()).upper()
    now = _now()
    job = {
        "AccountId": backend.account_id,
        "RestoreJobId": job_id,
        "RecoveryPointArn": point["RecoveryPointArn"],
        "CreationDate": now,
        "IamRoleArn": params["IamRoleArn"],
        "ResourceType": point["ResourceType"],
        "BackupSizeInBytes": point["BackupSizeInBytes"],
        "ExpectedCompletionTimeMinutes": 1,
        "_created": created,
        "_failure": failure,
        "_done_at": now + RESTORE_RUNNING_SECONDS,
    }
    state["restore_jobs"][job_id] = job
    if token:
        state["tokens"][token] = job_id
    return job


def describe_restore_job(job: dict[str, Any]) -> dict[str, Any]:
    """The job as AWS reports it now: RUNNING for a moment, then COMPLETED with the created resource, or FAILED
    with the reason when the restore was refused."""
    out = {key: value for key, value in job.items() if not key.startswith("_")}
    if _now() < job["_done_at"]:
        out.update(Status="RUNNING", PercentDone="50.00%")
    elif job.get("_failure"):
        out.update(Status="FAILED", CompletionDate=job["_done_at"], StatusMessage=job["_failure"])
    else:
        out.update(Status="COMPLETED", PercentDone="100.00%", CompletionDate=job["_done_at"], CreatedResourceArn=job["_created"])
    return out


def _public(point: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in point.items() if not key.startswith("_")}


def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 1000)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def list_recovery_points(backend: Any, params: dict[str, Any]) -> dict[str, Any]:
    vault = _vault(backend, params.get("BackupVaultName") or "")
    points = [p for p in _state(backend)["recovery_points"].values() if p["BackupVaultName"] == vault.backup_vault_name]
    if params.get("ByResourceArn"):
        points = [p for p in points if p["ResourceArn"] == params["ByResourceArn"]]
    if params.get("ByResourceType"):
        points = [p for p in points if p["ResourceType"] == params["ByResourceType"]]
    if params.get("ByCreatedBefore") is not None:
        points = [p for p in points if p["CreationDate"] < float(params["ByCreatedBefore"])]
    if params.get("ByCreatedAfter") is not None:
        points = [p for p in points if p["CreationDate"] > float(params["ByCreatedAfter"])]
    page, token = _page([_public(p) for p in points], params)
    return {"RecoveryPoints": page, **({"NextToken": token} if token else {})}


def delete_recovery_point(backend: Any, vault_name: str, arn: str) -> None:
    point = _recovery_point(backend, arn, vault_name)
    if point["ResourceType"] == "RDS":
        snapshot = _RDS_SNAPSHOT_ARN.match(arn).group("name")  # type: ignore[union-attr]
        _rds_backend(backend.account_id, backend.region_name).database_snapshots.pop(snapshot, None)
    del _state(backend)["recovery_points"][arn]
    vault = backend.vaults.get(vault_name)
    if vault is not None:
        vault.num_of_recovery_points = max(0, getattr(vault, "num_of_recovery_points", 1) - 1)


@_patch
def backup_jobs_and_restores() -> None:
    """On-demand backup jobs leave recovery points; restore jobs make a new RDS instance or EFS file system.

    (a) AWS: ``StartBackupJob`` backs up a resource into a vault (RDS: a DB snapshot named
        ``awsbackup:job-<job id>``, whose ARN is the recovery point's; EFS: a recovery point
        ``arn:aws:backup:...:recovery-point:<uuid>``); ``DescribeBackupJob`` reports the job;
        ``ListRecoveryPointsByBackupVault`` lists a vault's recovery points (filters ``ByResourceArn``,
        ``ByResourceType``, ``ByCreatedBefore/After``; pages); ``DescribeRecoveryPoint`` and
        ``DeleteRecoveryPoint`` read and remove one; ``StartRestoreJob`` restores a recovery point as its
        metadata says (RDS: a new instance ``DBInstanceIdentifier`` in ``DBSubnetGroupName`` with
        ``VpcSecurityGroupIds``, RDS's defaults for MultiAZ/DeletionProtection/PubliclyAccessible;
        EFS: ``file-system-id`` always, with ``newFileSystem=true`` a new file system with ``CreationToken``,
        ``Encrypted``, ``KmsKeyId``, ``PerformanceMode``); ``DescribeRestoreJob`` and ``ListRestoreJobs``
        report the job (RUNNING, then COMPLETED with ``CreatedResourceArn``, or FAILED with a
        ``StatusMessage`` when RDS refuses the restore: AWS Backup accepts the request and the job fails);
        a repeated ``IdempotencyToken`` returns the same restore job. Unknown vaults, jobs and recovery
        points are ResourceNotFoundException; restore metadata that cannot describe the resource (no
        ``DBInstanceIdentifier``, no ``file-system-id``) is InvalidParameterValueException.
    (b) moto 5.2.5 routes none of these operations (HTTP 404), and a vault never holds a recovery point.
    (c) playbooks/restore_test.yml (cvatops.aws.backup_recovery_point_info, cvatops.aws.backup_restore_job)
        finds no recovery point to restore; amazon.aws.backup_restore_job_info cannot list jobs.
    """
    # Exactly botocore's request URIs: the server's routing drops a trailing "/?" and then tells
    # "/restore-jobs" (StartRestoreJob) from "/restore-jobs/" (ListRestoreJobs).
    paths = (
        "{0}/backup-jobs$",
        "{0}/backup-jobs/(?P<backupJobId>[^/]+)$",
        "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/$",
        "{0}/backup-vaults/(?P<backupVaultName>[^/]+)/recovery-points/(?P<recoveryPointArn>[^/]+)$",
        "{0}/restore-jobs$",
        "{0}/restore-jobs/$",
        "{0}/restore-jobs/(?P<restoreJobId>[^/]+)$",
    )

    def add_routes(backup_urls: ModuleType) -> None:
        for path in paths:
            backup_urls.url_paths[path] = backup_urls.response.dispatch

    def body(self: Any) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    def segment(self: Any, after: str) -> str:
        from urllib.parse import unquote  # pylint: disable=import-outside-toplevel

        parts = self.path.rstrip("/").split("/")
        return unquote(parts[parts.index(after) + 1])

    def query(self: Any, name: str) -> Any:
        values = self.querystring.get(name)
        return values[0] if values else None

    def start_backup_job_response(self: Any) -> str:
        job = start_backup_job(self.backup_backend, body(self))
        return json.dumps({key: job[key] for key in ("BackupJobId", "RecoveryPointArn", "CreationDate", "IsParent")})

    def describe_backup_job_response(self: Any) -> str:
        job = _state(self.backup_backend)["backup_jobs"].get(segment(self, "backup-jobs"))
        if job is None:
            raise _errors().ResourceNotFoundException(msg="Backup job not found")
        return json.dumps(job)

    def list_recovery_points_response(self: Any) -> str:
        params = {
            "BackupVaultName": segment(self, "backup-vaults"),
            "ByResourceArn": query(self, "resourceArn"),
            "ByResourceType": query(self, "resourceType"),
            "ByCreatedBefore": _epoch(query(self, "createdBefore")),
            "ByCreatedAfter": _epoch(query(self, "createdAfter")),
            "MaxResults": query(self, "maxResults"),
            "NextToken": query(self, "nextToken"),
        }
        return json.dumps(list_recovery_points(self.backup_backend, params))

    def describe_recovery_point_response(self: Any) -> str:
        point = _recovery_point(self.backup_backend, segment(self, "recovery-points"), segment(self, "backup-vaults"))
        return json.dumps(_public(point))

    def delete_recovery_point_response(self: Any) -> str:
        delete_recovery_point(self.backup_backend, segment(self, "backup-vaults"), segment(self, "recovery-points"))
        return "{}"

    def start_restore_job_response(self: Any) -> str:
        return json.dumps({"RestoreJobId": start_restore_job(self.backup_backend, body(self))["RestoreJobId"]})

    def describe_restore_job_response(self: Any) -> str:
        job = _state(self.backup_backend)["restore_jobs"].get(segment(self, "restore-jobs"))
        if job is None:
            raise _errors().ResourceNotFoundException(msg="Restore job not found")
        return json.dumps(describe_restore_job(job))

    def list_restore_jobs_response(self: Any) -> str:
        jobs = [describe_restore_job(job) for job in _state(self.backup_backend)["restore_jobs"].values()]
        if query(self, "status"):
            jobs = [job for job in jobs if job["Status"] == query(self, "status")]
        page, token = _page(jobs, {"MaxResults": query(self, "maxResults"), "NextToken": query(self, "nextToken")})
        return json.dumps({"RestoreJobs": page, **({"NextToken": token} if token else {})})

    def add_actions(backup_responses: ModuleType) -> None:
        cls = backup_responses.BackupResponse
        cls.start_backup_job = start_backup_job_response
        cls.describe_backup_job = describe_backup_job_response
        cls.list_recovery_points_by_backup_vault = list_recovery_points_response
        cls.describe_recovery_point = describe_recovery_point_response
        cls.delete_recovery_point = delete_recovery_point_response
        cls.start_restore_job = start_restore_job_response
        cls.describe_restore_job = describe_restore_job_response
        cls.list_restore_jobs = list_restore_jobs_response

    _when_imported("moto.backup.responses", add_actions)
    _when_imported("moto.backup.urls", add_routes)


def _epoch(value: str | None) -> float | None:
    """A timestamp query parameter (epoch seconds or ISO 8601) as epoch seconds."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        from datetime import datetime  # pylint: disable=import-outside-toplevel

        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
