# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.backup_recovery_point_info, backup_restore_job and cloudwatch_metric_data against the emulator.

Each step is one ansible-playbook run (check mode first, then the real thing); the state is read back with boto3.
The recovery points come from StartBackupJob calls of the test (patch ``backup_jobs_and_restores``).
"""

from __future__ import annotations

import datetime
import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from awsemu.server import merged_env
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("backup-restore-modules")]

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

POINTS_PLAYBOOK = """
- name: Recovery points
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Recovery points
      cvatops.aws.backup_recovery_point_info:
        backup_vault_name: "{{ vault }}"
        resource_arn: "{{ resource_arn | default(omit) }}"
        resource_type: "{{ resource_type | default(omit) }}"
        status: "{{ status | default(omit) }}"
        created_after: "{{ created_after | default(omit) }}"
      register: points
"""

RESTORE_PLAYBOOK = """
- name: Restore job
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Restore
      cvatops.aws.backup_restore_job:
        recovery_point_arn: "{{ point }}"
        iam_role_arn: "{{ role }}"
        resource_type: "{{ resource_type | default(omit) }}"
        metadata: "{{ metadata }}"
        idempotency_token: "{{ token | default(omit) }}"
        wait: "{{ wait | default(true) }}"
        wait_timeout: "{{ wait_timeout | default(60) }}"
        wait_delay: 1
      register: restore
"""

METRICS_PLAYBOOK = """
- name: Metric data
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Metrics
      cvatops.aws.cloudwatch_metric_data:
        namespace: "{{ namespace }}"
        metric_data: "{{ metric_data }}"
      register: metrics
"""


@pytest.fixture(scope="module")
def env(aws_emulator: Any) -> dict[str, str]:
    return merged_env(aws_emulator.env())


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory: Any) -> SimpleNamespace:
    directory = tmp_path_factory.mktemp("backup-restore-modules")
    return SimpleNamespace(
        points=write_playbook(directory, "points.yml", POINTS_PLAYBOOK),
        restore=write_playbook(directory, "restore.yml", RESTORE_PLAYBOOK),
        metrics=write_playbook(directory, "metrics.yml", METRICS_PLAYBOOK),
    )


@pytest.fixture(scope="module")
def backups(aws_emulator: Any) -> SimpleNamespace:
    """A vault with two backups of a DB instance and one of a file system, and the role AWS Backup uses."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    client = aws_emulator.client
    client("backup").create_backup_vault(BackupVaultName=name)
    role = client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    database = client("rds").create_db_instance(
        DBInstanceIdentifier=f"{name}-db", Engine="postgres", EngineVersion="15.12", DBInstanceClass="db.t3.medium", AllocatedStorage=20,
        MasterUsername="cvat", MasterUserPassword="not-a-secret-123", DBName="cvat", MultiAZ=True, DeletionProtection=True,
    )["DBInstance"]
    file_system = client("efs").create_file_system(CreationToken=f"{name}-fs", Encrypted=True, KmsKeyId=client("kms").create_key()["KeyMetadata"]["Arn"])
    jobs = [client("backup").start_backup_job(BackupVaultName=name, ResourceArn=arn, IamRoleArn=role)
            for arn in (database["DBInstanceArn"], file_system["FileSystemArn"], database["DBInstanceArn"])]
    return SimpleNamespace(vault=name, role=role, database=database, file_system=file_system, points=[j["RecoveryPointArn"] for j in jobs])


def _run(playbook: str, env: dict[str, str], extra_vars: dict[str, Any], *args: str) -> PlaybookRun:
    return run_playbook(playbook, env, *args, extra_vars=extra_vars)


def test_recovery_points_newest_first_filtered(playbooks, env, backups):
    run = _run(playbooks.points, env, {"vault": backups.vault})
    assert run.returncode == 0, run.explain()
    listed = run.result("Recovery points")["recovery_points"]
    # Newest first: the second database backup, the file system, the first database backup.
    assert [p["recovery_point_arn"] for p in listed] == list(reversed(backups.points))
    assert all(p["status"] == "COMPLETED" and p["backup_vault_name"] == backups.vault for p in listed)
    assert listed[0]["creation_date"] >= listed[1]["creation_date"] >= listed[2]["creation_date"]

    by_resource = _run(playbooks.points, env, {"vault": backups.vault, "resource_arn": backups.database["DBInstanceArn"], "status": ["COMPLETED"]})
    assert [p["recovery_point_arn"] for p in by_resource.result("Recovery points")["recovery_points"]] == [backups.points[2], backups.points[0]]
    by_type = _run(playbooks.points, env, {"vault": backups.vault, "resource_type": "EFS"})
    assert [p["resource_arn"] for p in by_type.result("Recovery points")["recovery_points"]] == [backups.file_system["FileSystemArn"]]
    tomorrow = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _run(playbooks.points, env, {"vault": backups.vault, "created_after": tomorrow}).result("Recovery points")["recovery_points"] == []
    assert _run(playbooks.points, env, {"vault": backups.vault, "status": ["PARTIAL"]}).result("Recovery points")["recovery_points"] == []


def test_recovery_points_of_a_missing_vault_or_bad_input_fail_clearly(playbooks, env):
    missing = _run(playbooks.points, env, {"vault": "no-such-vault"})
    assert missing.returncode != 0 and missing.result("Recovery points")["msg"] == "Backup vault no-such-vault does not exist"
    bad = _run(playbooks.points, env, {"vault": "v", "status": ["DONE"], "created_after": "2026-01-01T00:00:00Z"})
    assert bad.returncode != 0 and "status: unknown recovery point states ['DONE']" in bad.result("Recovery points")["msg"]


def test_restore_job_lifecycle(playbooks, env, backups, aws_emulator):
    name = f"{backups.vault}-restored"
    extra = {
        "point": backups.points[2],
        "role": backups.role,
        "resource_type": "RDS",
        "metadata": {"DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.micro", "MultiAZ": False, "DeletionProtection": False},
        "token": name,
    }
    before = aws_emulator.counts()
    check = _run(playbooks.restore, env, extra, "--check", "--diff")
    assert check.returncode == 0, check.explain()
    assert write_calls(aws_emulator.counts()) == write_calls(before)
    predicted = check.result("Restore")
    assert predicted["changed"] is True and predicted["restore_job"]["status"] == "NOT_STARTED"
    assert predicted["restore_job"]["metadata"]["MultiAZ"] == "false" and predicted["diff"]["after"]["metadata"]["DBInstanceIdentifier"] == name

    run = _run(playbooks.restore, env, extra)
    assert run.returncode == 0, run.explain()
    job = run.result("Restore")
    restored = aws_emulator.client("rds").describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    assert job["changed"] is True and job["restore_job"]["status"] == "COMPLETED"
    assert job["restore_job"]["created_resource_arn"] == restored["DBInstanceArn"]
    assert restored["DBInstanceClass"] == "db.t3.micro" and restored["MultiAZ"] is False and restored["DeletionProtection"] is False
    # The emulator keeps the job RUNNING for a moment: the module waited for it.
    assert job["seconds"] >= 1.5

    # The same token is the same job: no second instance.
    again = _run(playbooks.restore, env, extra)
    assert again.returncode == 0 and again.result("Restore")["restore_job"]["restore_job_id"] == job["restore_job"]["restore_job_id"]

    # Without waiting, the job is returned as it is just after the start.
    other = dict(extra, token=None, wait=False, resource_type="EFS", point=backups.points[1],
                 metadata={"file-system-id": backups.file_system["FileSystemId"], "newFileSystem": True, "CreationToken": f"{name}-fs"})
    del other["token"]
    started = _run(playbooks.restore, env, other)
    assert started.returncode == 0, started.explain()
    assert started.result("Restore")["restore_job"]["status"] in ("PENDING", "RUNNING")
    assert "created_resource_arn" not in started.result("Restore")["restore_job"]


def test_restore_job_that_aws_refuses_fails_with_its_reason(playbooks, env, backups):
    run = _run(playbooks.restore, env, {"point": backups.points[0], "role": backups.role, "metadata": {"DBInstanceClass": "db.t3.micro"}})
    assert run.returncode != 0
    assert "Failed to start a restore job of " + backups.points[0] in run.result("Restore")["msg"]
    assert "DBInstanceIdentifier" in run.result("Restore")["msg"]
    # EFS metadata without the backed-up file system's id is refused as well.
    efs = _run(playbooks.restore, env, {"point": backups.points[1], "role": backups.role, "metadata": {"newFileSystem": True}})
    assert efs.returncode != 0 and "file-system-id" in efs.result("Restore")["msg"]


def test_restore_job_that_ends_failed_fails_with_aws_backups_message(playbooks, env, backups, aws_emulator):
    """AWS Backup accepts the request; the job ends FAILED (here RDS knows no such subnet group) and the task fails
    with the job's StatusMessage, returning the job."""
    name = f"{backups.vault}-failed"
    metadata = {"DBInstanceIdentifier": name, "DBSubnetGroupName": f"{name}-no-such-group"}
    run = _run(playbooks.restore, env, {"point": backups.points[0], "role": backups.role, "resource_type": "RDS", "metadata": metadata})
    assert run.returncode != 0
    result = run.result("Restore")
    assert result["restore_job"]["status"] == "FAILED" and f"{name}-no-such-group" in result["restore_job"]["status_message"]
    assert result["msg"] == (
        f"Restore job {result['restore_job']['restore_job_id']} of {backups.points[0]} ended FAILED: {result['restore_job']['status_message']}"
    )
    assert name not in [i["DBInstanceIdentifier"] for i in aws_emulator.client("rds").describe_db_instances()["DBInstances"]]


def test_metric_data_lifecycle(playbooks, env, aws_emulator):
    namespace = f"cvatops/Test-{uuid.uuid4().hex[:8]}"
    extra = {
        "namespace": namespace,
        "metric_data": [
            {"metric_name": "RecoveryTimeSeconds", "value": 321.5, "unit": "Seconds", "dimensions": {"Stack": "s1"}},
            {"metric_name": "Succeeded", "value": 1, "unit": "Count", "dimensions": {"Stack": "s1"}},
        ],
    }
    cloudwatch = aws_emulator.client("cloudwatch")
    check = _run(playbooks.metrics, env, extra, "--check")
    assert check.returncode == 0 and check.result("Metrics")["changed"] is True
    assert cloudwatch.list_metrics(Namespace=namespace)["Metrics"] == []

    run = _run(playbooks.metrics, env, extra)
    assert run.returncode == 0, run.explain()
    assert [m["metric_name"] for m in run.result("Metrics")["metric_data"]] == ["RecoveryTimeSeconds", "Succeeded"]
    now = datetime.datetime.now(datetime.timezone.utc)
    statistics = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName="RecoveryTimeSeconds", Dimensions=[{"Name": "Stack", "Value": "s1"}],
        StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5), Period=600, Statistics=["Maximum"],
    )
    assert [p["Maximum"] for p in statistics["Datapoints"]] == [321.5]
    assert {m["MetricName"] for m in cloudwatch.list_metrics(Namespace=namespace)["Metrics"]} == {"RecoveryTimeSeconds", "Succeeded"}

    bad = _run(playbooks.metrics, env, {"namespace": "AWS/RDS", "metric_data": [{"metric_name": "x", "value": 1}]})
    assert bad.returncode != 0 and "must not start with AWS/" in bad.result("Metrics")["msg"]
