# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data tier and the boot-time configuration contract, read back from the emulator after converging."""

from __future__ import annotations

import fnmatch
import json
import re

import pytest

from infra.playbook import REPO, run_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

STACK = "cvat-local"
PARAMETER_PREFIX = f"/cvat/{STACK}"
SECRET_PREFIX = f"cvat/{STACK}"


def _contract_from_docs():
    """Parameter and secret names listed in docs/boot-contract.md, for this stack."""
    text = (REPO / "docs" / "boot-contract.md").read_text()
    parameters = {m.replace("<stack>", STACK) for m in re.findall(r"^\| `(/cvat/<stack>/[^`]+)` \|", text, re.M)}
    secrets = {m.replace("<stack>", STACK) for m in re.findall(r"^\| `(cvat/<stack>/[^`]+)` \|", text, re.M)}
    return parameters, secrets


@pytest.fixture(scope="module")
def stack_key(converged, client):
    return client("kms").describe_key(KeyId=f"alias/{STACK}")["KeyMetadata"]


@pytest.fixture(scope="module")
def database(converged, client):
    return client("rds").describe_db_instances(DBInstanceIdentifier=f"{STACK}-db")["DBInstances"][0]


def test_database_is_multi_az_encrypted_private_and_backed_up(database, stack_key, client):
    assert database["Engine"] == "postgres" and database["EngineVersion"].startswith("15.")
    assert database["MultiAZ"] is True
    assert database["StorageEncrypted"] is True
    assert database["KmsKeyId"] in (stack_key["Arn"], stack_key["KeyId"])
    assert database["PubliclyAccessible"] is False
    assert database["BackupRetentionPeriod"] == 7
    assert database["PreferredBackupWindow"] == "03:00-03:30"
    assert database["DeletionProtection"] is True
    assert database["StorageType"] == "gp3" and database["AllocatedStorage"] == 100 and database["MaxAllocatedStorage"] == 500
    assert database["DBInstanceClass"] == "db.t3.medium"
    assert set(database["EnabledCloudwatchLogsExports"]) == {"postgresql", "upgrade"}
    groups = client("ec2").describe_security_groups(GroupNames=[f"{STACK}-db"])["SecurityGroups"]
    assert [g["VpcSecurityGroupId"] for g in database["VpcSecurityGroups"]] == [groups[0]["GroupId"]]
    subnet_group = database["DBSubnetGroup"]
    data_subnets = client("ec2").describe_subnets(Filters=[{"Name": "tag:Tier", "Values": ["data"]}, {"Name": "tag:Stack", "Values": [STACK]}])
    assert {s["SubnetIdentifier"] for s in subnet_group["Subnets"]} == {s["SubnetId"] for s in data_subnets["Subnets"]}


def test_database_forces_tls(database, client):
    """The instance uses the stack's parameter group, whose effective rds.force_ssl is 1.

    PostgreSQL 15 on RDS already defaults to 1; the role sets it anyway, so that a parameter group
    family with another default, or a changed AWS default, can never turn TLS off unnoticed.
    """
    group = database["DBParameterGroups"][0]["DBParameterGroupName"]
    assert group == f"{STACK}-postgres15"
    paginator = client("rds").get_paginator("describe_db_parameters")
    parameters = {p["ParameterName"]: p.get("ParameterValue") for page in paginator.paginate(DBParameterGroupName=group) for p in page["Parameters"]}
    assert parameters["rds.force_ssl"] == "1"


def test_database_password_lives_only_in_secrets_manager(converged, client, stack_key):
    secrets = client("secretsmanager")
    described = secrets.describe_secret(SecretId=f"{SECRET_PREFIX}/database")
    assert described["KmsKeyId"] in (stack_key["Arn"], stack_key["KeyId"])
    value = json.loads(secrets.get_secret_value(SecretId=f"{SECRET_PREFIX}/database")["SecretString"])
    assert value["username"] == "cvat" and len(value["password"]) == 32
    for path in (REPO / "inventories").rglob("*.yml"):
        assert value["password"] not in path.read_text()


def test_redis_replication_group_fails_over_across_azs(converged, client, stack_key):
    group = client("elasticache").describe_replication_groups(ReplicationGroupId=f"{STACK}-redis")["ReplicationGroups"][0]
    assert group["AutomaticFailover"] == "enabled"
    assert group["MultiAZ"] == "enabled"
    assert group["AtRestEncryptionEnabled"] is True
    assert group["KmsKeyId"] in (stack_key["Arn"], stack_key["KeyId"])
    members = group["NodeGroups"][0]["NodeGroupMembers"]
    primary = [m for m in members if m["CurrentRole"] == "primary"]
    replicas = [m for m in members if m["CurrentRole"] == "replica"]
    assert len(primary) == 1 and len(replicas) >= 1
    assert any(r["PreferredAvailabilityZone"] != primary[0]["PreferredAvailabilityZone"] for r in replicas)


def test_efs_is_encrypted_with_a_mount_target_per_az(converged, client, stack_key):
    efs = client("efs")
    systems = [fs for fs in efs.describe_file_systems()["FileSystems"] if fs.get("Name") == f"{STACK}-data"]
    assert len(systems) == 1
    fs = systems[0]
    assert fs["Encrypted"] is True and fs["KmsKeyId"] in (stack_key["Arn"], stack_key["KeyId"])
    targets = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
    app_subnets = client("ec2").describe_subnets(Filters=[{"Name": "tag:Tier", "Values": ["app"]}, {"Name": "tag:Stack", "Values": [STACK]}])
    assert sorted(t["SubnetId"] for t in targets) == sorted(s["SubnetId"] for s in app_subnets["Subnets"])
    assert len({t["AvailabilityZoneName"] for t in targets}) == len(targets) == 2
    # The local inventory leaves EFS backups to the backup role's plan (tests/infra/test_backup.py): no automatic backups.
    with pytest.raises(efs.exceptions.PolicyNotFound):
        efs.describe_backup_policy(FileSystemId=fs["FileSystemId"])
    lifecycle = efs.describe_lifecycle_configuration(FileSystemId=fs["FileSystemId"])["LifecyclePolicies"]
    assert {"TransitionToIA": "AFTER_30_DAYS"} in lifecycle
    (point,) = efs.describe_access_points(FileSystemId=fs["FileSystemId"])["AccessPoints"]
    assert point["RootDirectory"]["Path"] == "/cvat-data"
    assert point["PosixUser"]["Uid"] == 1000 and point["PosixUser"]["Gid"] == 1000
    assert point["RootDirectory"]["CreationInfo"] == {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0750"}


def test_contract_has_exactly_the_documented_parameters_and_secrets(converged, client):
    documented_parameters, documented_secrets = _contract_from_docs()
    assert len(documented_parameters) >= 14 and len(documented_secrets) == 4
    ssm = client("ssm")
    found = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=PARAMETER_PREFIX, Recursive=True):
        found.update({p["Name"]: p["Value"] for p in page["Parameters"]})
    assert set(found) == documented_parameters
    database = client("rds").describe_db_instances(DBInstanceIdentifier=f"{STACK}-db")["DBInstances"][0]
    assert found[f"{PARAMETER_PREFIX}/database/host"] == database["Endpoint"]["Address"]
    assert found[f"{PARAMETER_PREFIX}/database/port"] == "5432"
    redis = client("elasticache").describe_replication_groups(ReplicationGroupId=f"{STACK}-redis")["ReplicationGroups"][0]
    assert found[f"{PARAMETER_PREFIX}/redis/host"] == redis["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
    assert found[f"{PARAMETER_PREFIX}/cvat/host"] == "cvat.local.test"
    assert found[f"{PARAMETER_PREFIX}/efs/file-system-id"].startswith("fs-")
    names = {s["Name"] for s in client("secretsmanager").list_secrets()["SecretList"] if s["Name"].startswith(SECRET_PREFIX + "/")}
    assert names == documented_secrets
    # The first administrator's credentials, for cvat_docker's superuser step (cvat_docker_superuser_secret: admin).
    admin = json.loads(client("secretsmanager").get_secret_value(SecretId=f"{SECRET_PREFIX}/admin")["SecretString"])
    assert admin["username"] == "admin" and len(admin["password"]) == 32 and admin["password"].isalnum()


def _statements(document):
    doc = json.loads(document) if isinstance(document, str) else document
    return doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]


def _allowed(iam, action_prefix):
    """Resources the instance role may use with actions of ``action_prefix`` (ssm:Get..., secretsmanager:Get...)."""
    resources = set()
    for name in iam.list_role_policies(RoleName=f"{STACK}-app")["PolicyNames"]:
        for statement in _statements(iam.get_role_policy(RoleName=f"{STACK}-app", PolicyName=name)["PolicyDocument"]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement["Effect"] == "Allow" and any(a.startswith(action_prefix) for a in actions):
                resources |= set(statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]])
    return resources


def test_instance_role_reads_the_contract_and_nothing_else(converged, client):
    iam = client("iam")
    parameter_arns = _allowed(iam, "ssm:GetParameter")
    secret_arns = _allowed(iam, "secretsmanager:GetSecretValue")
    assert parameter_arns and secret_arns
    parameters, secrets = _contract_from_docs()
    arn = "arn:aws:{}:us-east-1:123456789012:{}"

    def readable(patterns, value):
        return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)

    for name in parameters:
        assert readable(parameter_arns, arn.format("ssm", "parameter" + name)), name
    for name in secrets:
        assert readable(secret_arns, arn.format("secretsmanager", f"secret:{name}-AbCdEf")), name
    for foreign in ("/cvat/other-stack/database/host", "/cvat/cvat-local2/x", "/aws/service/ami", "/cvat-local/db"):
        assert not readable(parameter_arns, arn.format("ssm", "parameter" + foreign)), foreign
    for foreign in ("cvat/other-stack/database", "cvat/cvat-local2/s3-user", "prod/db-password"):
        assert not readable(secret_arns, arn.format("secretsmanager", f"secret:{foreign}-AbCdEf")), foreign
    assert not _allowed(iam, "ssm:GetParameter") & {"*", "arn:aws:ssm:*"}


def test_no_secret_value_in_a_verbose_run(converged, env, client):
    """The whole play at -vvv: none of the stack's secret values appears anywhere in its output."""
    run = run_playbook("site.yml", env, "-vvv", json_output=False)
    assert run.returncode == 0, run.stdout[-3000:]
    secrets = client("secretsmanager")
    values = []
    for name in ("database", "django-secret-key", "s3-user", "admin"):
        value = json.loads(secrets.get_secret_value(SecretId=f"{SECRET_PREFIX}/{name}")["SecretString"])
        values += [v for k, v in value.items() if k in ("password", "secret_key", "aws_secret_access_key")]
    assert len(values) == 4 and all(len(v) >= 32 for v in values)
    output = run.stdout + run.stderr
    assert "Secrets Manager" in output  # the run really printed task output
    for value in values:
        assert value not in output
