# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/restore_test.yml (role cvatops.aws.restore_test): AWS orchestration in an emulator of its own, integrity
checks against a real PostgreSQL server and real directories.

The emulator holds the part of the local stack the restore test needs (network, security, database, shared file
system: ``playbooks/infra.yml`` with those tags), the backup vault and IAM role the backup role would make, and
recovery points made by StartBackupJob calls from the test (patch ``backup_jobs_and_restores``).

The emulated RDS instances have no PostgreSQL behind them: the live database and the restored copy are two databases
on the test server (tests/pgserver.py), loaded with a CVAT-like schema and data (tests/restore/cvat_db.py). The
playbook reaches them through ``restore_test_db_connect``, which maps the emulator's endpoint host names to
127.0.0.1:<port> and the database names, as a tunnel or an SSM port forward would. The server's certificate is
issued for localhost, not for the RDS host names, so the checks verify the CA only (``verify-ca``).

The emulated file systems hold no files either: the restored one is mounted by the role's own mount task, bound to a
local directory that holds what AWS Backup restores (``aws-backup-restore_<time>/cvat-data``), and compared with
another local directory that stands for the live data (``restore_test_efs_mount_*``). Bind mounts need root.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infra.playbook import PlaybookRun, run_playbook, write_calls
from pgserver import quote_ident
from restore import cvat_db

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("restore-test")]

STACK = "cvat-local"
PLAYBOOK = "playbooks/restore_test.yml"
PREFIX = f"{STACK}-restoretest"
NAMESPACE = "cvatops/RestoreTest"
PHASES = ["find_recovery_points", "restore_job", "instance_available", "db_checks", "efs_restore", "efs_checks", "cleanup"]
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
# Files of the live data directory, written before the backup (CVAT's data layout: tasks and their chunks).
DATA_FILES = {f"data/{task}/raw/img_{n:03d}.jpg": os.urandom(256 + n) for task in (1, 2, 3) for n in range(6)} | {
    "data/1/compressed/0.zip": b"PK\x03\x04" + os.urandom(512),
    "tasks/1/task.json": b'{"name": "task 1"}',
}


def _delta(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {
        service: {action: n - before.get(service, {}).get(action, 0) for action, n in actions.items() if n != before.get(service, {}).get(action, 0)}
        for service, actions in after.items()
    }


def _tag_dict(tags: dict[str, str] | list[dict[str, str]]) -> dict[str, str]:
    """Tags as a dict, whether a module returns a dict (rds_instance_info) or a list of key/value pairs (efs)."""
    return tags if isinstance(tags, dict) else {t["key"]: t["value"] for t in tags}


def _role_result(run: PlaybookRun, task: str) -> dict[str, Any]:
    return run.result(f"cvatops.aws.restore_test : {task}")


@pytest.fixture(scope="module")
def stack(own_emulator: Any) -> SimpleNamespace:
    """The stack's network, security, database and file system, the backup vault and role, and a recovery point of each."""
    converge = run_playbook("playbooks/infra.yml", own_emulator.env, "--tags", "network,security,database,shared_fs")
    assert converge.returncode == 0, converge.explain()
    backup, iam = own_emulator.client("backup"), own_emulator.client("iam")
    key = own_emulator.client("kms").describe_key(KeyId=f"alias/{STACK}")["KeyMetadata"]["Arn"]
    # What the backup role makes (same names): looked up by the restore test, never made by it.
    backup.create_backup_vault(BackupVaultName=f"{STACK}-backup", EncryptionKeyArn=key)
    role = iam.create_role(RoleName=f"{STACK}-backup", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    database = own_emulator.client("rds").describe_db_instances(DBInstanceIdentifier=f"{STACK}-db")["DBInstances"][0]
    (file_system,) = [fs for fs in own_emulator.client("efs").describe_file_systems()["FileSystems"] if fs.get("Name") == f"{STACK}-data"]
    return SimpleNamespace(emulator=own_emulator, key=key, role=role, database=database, file_system=file_system)


@pytest.fixture(scope="module")
def recovery_points(stack: SimpleNamespace) -> dict[str, dict[str, Any]]:
    """One on-demand backup of the database and one of the file system, as a backup plan's daily rule would make them."""
    backup = stack.emulator.client("backup")
    points = {}
    for name, arn in (("database", stack.database["DBInstanceArn"]), ("file_system", stack.file_system["FileSystemArn"])):
        job = backup.start_backup_job(BackupVaultName=f"{STACK}-backup", ResourceArn=arn, IamRoleArn=stack.role)
        points[name] = backup.describe_recovery_point(BackupVaultName=f"{STACK}-backup", RecoveryPointArn=job["RecoveryPointArn"])
    return points


@pytest.fixture
def databases(postgres_server: Any, stack: SimpleNamespace) -> Any:
    """The live database (CVAT-like, loaded) and its restored copy (a template copy, as a snapshot holds it); the
    emulator's database secret opens both."""
    source = postgres_server.create_database()
    with contextlib.closing(postgres_server.connect(source, autocommit=False)) as conn:
        cvat_db.load(conn)
    restored = postgres_server.create_database()
    postgres_server.drop_database(restored)
    with contextlib.closing(postgres_server.connect("postgres", superuser=True)) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {quote_ident(restored)} TEMPLATE {quote_ident(source)} OWNER {quote_ident(postgres_server.user)}")
    stack.emulator.client("secretsmanager").put_secret_value(
        SecretId=f"cvat/{STACK}/database", SecretString=json.dumps({"username": postgres_server.user, "password": postgres_server.password})
    )
    try:
        yield SimpleNamespace(source=source, restored=restored)
    finally:
        postgres_server.drop_database(source)
        postgres_server.drop_database(restored)


@pytest.fixture
def trees(tmp_path: Path) -> SimpleNamespace:
    """The live data directory and what AWS Backup restores of it: aws-backup-restore_<time>/cvat-data."""
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the restore test's file system part bind-mounts directories: CI must run as root")
        pytest.skip("bind mounts need root")
    live = tmp_path / "live"
    past = time.time() - 3 * 86400
    for relative, content in DATA_FILES.items():
        path = live / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.utime(path, (past, past))
    restored = tmp_path / "restored-fs"
    shutil.copytree(live, restored / "aws-backup-restore_2026-12-06T03-10-00-000Z" / "cvat-data", copy_function=shutil.copy2)
    mount = tmp_path / "mnt"
    return SimpleNamespace(live=live, restored=restored, mount=mount, reports=tmp_path / "reports")


def _extra_vars(stack: SimpleNamespace, postgres_server: Any, databases: Any, trees: SimpleNamespace) -> dict[str, Any]:
    live_host = stack.database["Endpoint"]["Address"]
    server = {"hostaddr": "127.0.0.1", "port": postgres_server.port}
    return {
        "restore_test_db_ssl_mode": "verify-ca",
        "restore_test_db_ca_file": str(postgres_server.ca_file),
        "restore_test_db_connect": {live_host: {**server, "database": databases.source}, f"{PREFIX}-*": {**server, "database": databases.restored}},
        "restore_test_efs_live_path": str(trees.live),
        "restore_test_efs_mount_path": str(trees.mount),
        "restore_test_efs_mount_src": str(trees.restored),
        "restore_test_efs_mount_fstype": "none",
        "restore_test_efs_mount_opts": "bind,ro",
        "restore_test_efs_become": False,
        "restore_test_report_dir": str(trees.reports),
        "restore_test_wait_interval": 1,
    }


def _restore_test(stack: SimpleNamespace, extra_vars: dict[str, Any], *args: str) -> tuple[PlaybookRun, dict[str, dict[str, int]]]:
    before = stack.emulator.counts()
    run = run_playbook(PLAYBOOK, stack.emulator.env, *args, extra_vars=extra_vars)
    return run, _delta(before, stack.emulator.counts())


def _temporary_resources(stack: SimpleNamespace) -> dict[str, list[str]]:
    instances = stack.emulator.client("rds").describe_db_instances()["DBInstances"]
    file_systems = stack.emulator.client("efs").describe_file_systems()["FileSystems"]
    return {
        "db_instances": [i["DBInstanceIdentifier"] for i in instances if i["DBInstanceIdentifier"].startswith(PREFIX)],
        "file_systems": [fs["FileSystemId"] for fs in file_systems if fs["CreationToken"].startswith(PREFIX)],
    }


def _report(trees: SimpleNamespace) -> tuple[dict[str, Any], str]:
    (json_file,) = trees.reports.glob(f"restore-test-{STACK}-*.json")
    return json.loads(json_file.read_text()), json_file.with_suffix(".md").read_text()


def _datapoints(stack: SimpleNamespace, metric: str, since: datetime.datetime) -> list[dict[str, Any]]:
    statistics = stack.emulator.client("cloudwatch").get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=metric,
        Dimensions=[{"Name": "Stack", "Value": STACK}],
        StartTime=since,
        EndTime=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum", "Minimum", "SampleCount"],
    )
    return statistics["Datapoints"]


def test_check_mode_starts_nothing_and_says_what_it_would_do(stack, recovery_points, postgres_server, databases, trees):
    run, calls = _restore_test(stack, _extra_vars(stack, postgres_server, databases, trees), "--check")
    assert run.returncode == 0, run.explain()
    assert write_calls(calls) == {}, calls
    assert _temporary_resources(stack) == {"db_instances": [], "file_systems": []}
    assert not trees.reports.exists() and not os.path.ismount(trees.mount)
    plan = _role_result(run, "Summary of the restore test")["msg"]
    assert recovery_points["database"]["RecoveryPointArn"] in plan["would_restore"]["database"]
    assert recovery_points["file_system"]["RecoveryPointArn"] in plan["would_restore"]["file_system"]
    assert f"into DB instance {PREFIX}-" in plan["would_restore"]["database"]


def test_good_restore_passes_records_metrics_and_a_report_and_removes_what_it_made(stack, recovery_points, postgres_server, databases, trees):
    # The live database and data directory change after the backup: the checks compare as of the recovery point.
    with contextlib.closing(postgres_server.connect(databases.source)) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO engine_project (name, bug_tracker, created_date, updated_date, status)"
            " VALUES ('made after the backup', '', now(), now(), 'annotation')"
        )
    (trees.live / "data" / "4").mkdir()
    (trees.live / "data" / "4" / "new.jpg").write_bytes(b"after the backup")
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)

    run, calls = _restore_test(stack, _extra_vars(stack, postgres_server, databases, trees))
    assert run.returncode == 0, run.explain()

    # Restored where the brief says: single-AZ, no deletion protection, small class, the live instance's network.
    job = _role_result(run, "Restore the database recovery point into a temporary instance")["restore_job"]
    assert job["status"] == "COMPLETED" and job["recovery_point_arn"] == recovery_points["database"]["RecoveryPointArn"]
    (restored,) = _role_result(run, "Wait until the restored instance is available")["instances"]
    assert restored["db_instance_identifier"].startswith(f"{PREFIX}-") and job["created_resource_arn"] == restored["db_instance_arn"]
    assert restored["multi_az"] is False and restored["deletion_protection"] is False
    assert restored["db_instance_class"] == "db.t3.medium"
    assert restored["db_subnet_group"]["db_subnet_group_name"] == stack.database["DBSubnetGroup"]["DBSubnetGroupName"]
    assert [g["vpc_security_group_id"] for g in restored["vpc_security_groups"]] == [g["VpcSecurityGroupId"] for g in stack.database["VpcSecurityGroups"]]
    efs_job = _role_result(run, "Restore the file system recovery point into a new file system")["restore_job"]
    assert efs_job["status"] == "COMPLETED" and efs_job["metadata"]["KmsKeyId"] == stack.file_system["KmsKeyId"] == stack.key
    assert efs_job["metadata"]["Encrypted"] == "true" and efs_job["metadata"]["newFileSystem"] == "true"
    assert efs_job["metadata"]["file-system-id"] == stack.file_system["FileSystemId"]
    assert calls["elasticfilesystem"].get("CreateMountTarget", 0) == len(stack.database["DBSubnetGroup"]["Subnets"])

    # The temporary copies carry the house tags but not Stack, which the backup role's selection goes by: read back
    # while they existed (the instance restored with the live one's tags, Stack among them, so it was retagged).
    expected_tags = {"Project": "cvat", "Environment": "local", "ManagedBy": "cvatops.aws", "RestoreTestOf": STACK}
    live_tags = {t["Key"]: t["Value"] for t in stack.database["TagList"]}
    assert live_tags["Stack"] == STACK
    assert _role_result(run, "Tag the restored instance as a temporary copy, not part of the stack")["changed"] is True
    restored_fs = _role_result(run, "Mount targets of the restored file system")["efs"]
    for tags, name in ((_tag_dict(restored["tags"]), restored["db_instance_identifier"]), (_tag_dict(restored_fs["tags"]), restored_fs["creation_token"])):
        assert "Stack" not in tags and tags.items() >= {**expected_tags, "Name": name}.items(), tags

    db_check = _role_result(run, "Check the restored database against the live one")
    assert db_check["passed"] is True and db_check["missing_tables"] == []
    assert db_check["counts"], db_check
    efs_check = _role_result(run, "Compare the restored data directory with the live one")
    assert efs_check["passed"] is True and efs_check["missing"] == []

    report, markdown = _report(trees)
    assert report["succeeded"] is True and report["failures"] == []
    assert set(report["phases_seconds"]) == set(PHASES) and all(isinstance(report["phases_seconds"][p], (int, float)) for p in PHASES), report
    # The restore job is RUNNING for a while in the emulator (as on AWS): the run really waited for it.
    assert report["phases_seconds"]["restore_job"] >= 1.5
    validated = sum(report["phases_seconds"][p] for p in PHASES if p != "cleanup")
    assert report["recovery_time_seconds"] == pytest.approx(validated, abs=1.0)
    assert report["recovery_points"]["database"]["creation_date"].startswith(str(datetime.datetime.now(datetime.timezone.utc).year))
    assert "PASSED" in markdown and all(f"| {p} |" in markdown for p in PHASES)
    assert "password" not in json.dumps(report).lower().replace("password varchar", "")
    assert postgres_server.password not in run.stdout and postgres_server.password not in json.dumps(report)

    (succeeded,) = _datapoints(stack, "Succeeded", since)
    assert succeeded["Maximum"] == 1.0
    (recovery_time,) = _datapoints(stack, "RecoveryTimeSeconds", since)
    assert recovery_time["Maximum"] == pytest.approx(report["recovery_time_seconds"])
    listed = {m["MetricName"] for m in stack.emulator.client("cloudwatch").list_metrics(Namespace=NAMESPACE)["Metrics"]}
    assert {"Succeeded", "RecoveryTimeSeconds", "RestoreJobSeconds", "CleanupSeconds"} <= listed

    assert _temporary_resources(stack) == {"db_instances": [], "file_systems": []}
    assert not os.path.ismount(trees.mount)


def test_restored_copy_missing_rows_fails_and_still_cleans_up(stack, recovery_points, postgres_server, databases, trees):
    with contextlib.closing(postgres_server.connect(databases.restored)) as conn, conn.cursor() as cur:
        cur.execute("DELETE FROM engine_comment WHERE id IN (SELECT id FROM engine_comment ORDER BY id LIMIT 2)")
        assert cur.rowcount == 2
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)

    run, _calls = _restore_test(stack, _extra_vars(stack, postgres_server, databases, trees))
    assert run.returncode != 0, run.explain()
    failed = _role_result(run, "Fail when the restore or a check failed")
    assert failed.get("failed") and "database checks" in failed["msg"] and "engine_comment" in failed["msg"], failed

    # It got that far, and removed what it made all the same.
    assert _role_result(run, "Check the restored database against the live one")["passed"] is False
    assert _role_result(run, "Compare the restored data directory with the live one")["passed"] is True
    assert _temporary_resources(stack) == {"db_instances": [], "file_systems": []}
    assert not os.path.ismount(trees.mount)

    report, markdown = _report(trees)
    assert report["succeeded"] is False and report["recovery_time_seconds"] is None
    assert any("engine_comment" in failure for failure in report["failures"]), report["failures"]
    assert report["phases_seconds"]["cleanup"] is not None and "FAILED" in markdown
    assert min(p["Minimum"] for p in _datapoints(stack, "Succeeded", since)) == 0.0


def test_no_recent_recovery_point_is_a_failed_test_recorded_like_any_other(stack, recovery_points, postgres_server, databases, trees):
    """A vault without a recent recovery point (the backups stopped) fails the run, with the vault named, and still
    publishes Succeeded=0 and a report; nothing is restored."""
    empty = f"{STACK}-empty"
    stack.emulator.client("backup").create_backup_vault(BackupVaultName=empty)
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    run, calls = _restore_test(stack, {**_extra_vars(stack, postgres_server, databases, trees), "restore_test_vault_name": empty})
    assert run.returncode != 0
    message = _role_result(run, "Fail when the restore or a check failed")["msg"]
    assert f"Vault {empty} (restore_test_vault_name) holds no completed recovery point" in message, message
    assert "StartRestoreJob" not in calls.get("backup", {})
    report, _markdown = _report(trees)
    assert report["succeeded"] is False and report["phases_seconds"]["restore_job"] is None and report["phases_seconds"]["cleanup"] is not None
    assert min(p["Minimum"] for p in _datapoints(stack, "Succeeded", since)) == 0.0


def test_failed_restore_job_is_a_failed_test_recorded_like_any_other(stack, recovery_points, postgres_server, databases, trees):
    """A restore job that AWS Backup accepts and that ends FAILED (here RDS knows no such subnet group) fails the
    run with the job's message, publishes Succeeded=0 and a report, and still runs the cleanup."""
    group = f"{STACK}-no-such-group"
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    run, calls = _restore_test(stack, {**_extra_vars(stack, postgres_server, databases, trees), "restore_test_db_subnet_group": group})
    assert run.returncode != 0
    message = _role_result(run, "Fail when the restore or a check failed")["msg"]
    assert "ended FAILED" in message and f"Subnet Group {group} not found" in message, message
    assert calls["backup"]["StartRestoreJob"] == 1 and _temporary_resources(stack) == {"db_instances": [], "file_systems": []}
    report, markdown = _report(trees)
    assert report["succeeded"] is False and report["recovery_time_seconds"] is None
    assert any("ended FAILED" in failure and group in failure for failure in report["failures"]), report["failures"]
    assert report["phases_seconds"]["restore_job"] is None and report["phases_seconds"]["cleanup"] is not None
    assert "FAILED" in markdown and group in markdown
    assert min(p["Minimum"] for p in _datapoints(stack, "Succeeded", since)) == 0.0


@pytest.mark.parametrize(
    "bad, named",
    [
        ({"restore_test_name_prefix": "x" * 47}, "restore_test_name_prefix"),
        ({"restore_test_db_connect": {"cvat-local-db.*": "localhost:5432"}}, "restore_test_db_connect['cvat-local-db.*']: hostaddr must be an IP address"),
        ({"restore_test_db_ca_file": "/nonexistent/ca.pem"}, "restore_test_db_ca_file"),
        ({"restore_test_efs_check_host": "no-such-host"}, "restore_test_efs_check_host 'no-such-host' must be an inventory host"),
        ({"restore_test_db_ssl_mode": "disable"}, "restore_test_db_ssl_mode"),
    ],
)
def test_bad_input_fails_before_any_aws_call(stack, postgres_server, databases, trees, bad, named):
    run, calls = _restore_test(stack, {**_extra_vars(stack, postgres_server, databases, trees), **bad})
    assert run.returncode != 0
    assert calls == {} or all(n == 0 for actions in calls.values() for n in actions.values()), calls
    assert any(named in message for message in run.failure_messages()), run.explain()
