# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The database role's AWS tasks, as the role runs them, converge twice on the emulator and read back as asked.

Covers the emulator's RDS patches end to end (tests/awsemu/patches_storage.py): the parameter group lookup,
PostgreSQL engine defaults and user values, gp3 baseline storage fields and Performance Insights, plus the
Secrets Manager secret and the String / SecureString SSM parameters that the data tier publishes.
"""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import pytest

from awsemu.server import merged_env
from infra.playbook import run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("rds")]


PLAYBOOK = """
- name: RDS PostgreSQL 15 Multi-AZ as the database role makes it
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Key
      amazon.aws.kms_key:
        alias: "{{ prefix }}"
        tags: {Name: "{{ prefix }}"}
      register: key

    - name: VPC
      amazon.aws.ec2_vpc_net:
        name: "{{ prefix }}"
        cidr_block: 10.62.0.0/16
      register: vpc

    - name: Subnets
      amazon.aws.ec2_vpc_subnet:
        vpc_id: "{{ vpc.vpc.id }}"
        cidr: "10.62.{{ index }}.0/24"
        az: "{{ item }}"
      loop: [us-east-1a, us-east-1b]
      loop_control: {index_var: index}
      register: subnets

    - name: Security group
      amazon.aws.ec2_security_group:
        name: "{{ prefix }}-db"
        description: PostgreSQL from the VPC
        vpc_id: "{{ vpc.vpc.id }}"
        rules:
          - {proto: tcp, ports: [5432], cidr_ip: 10.62.0.0/16}
      register: group

    - name: Subnet group
      amazon.aws.rds_subnet_group:
        name: "{{ prefix }}"
        description: database subnets
        subnets: "{{ subnets.results | map(attribute='subnet.id') }}"
        tags: {Project: cvat}
        state: present

    - name: Parameter group
      amazon.aws.rds_instance_param_group:
        name: "{{ prefix }}-postgres15"
        engine: postgres15
        description: TLS only
        params:
          rds.force_ssl: 1
          log_min_duration_statement: 1000
        tags: {Project: cvat}
        state: present
      register: parameter_group

    - name: Master password
      community.aws.secretsmanager_secret:
        name: "{{ prefix }}/database"
        kms_key_id: "{{ key.key_arn }}"
        json_secret:
          username: cvat
          password: "{{ lookup('ansible.builtin.password', '/dev/null', length=32, chars=['ascii_letters', 'digits']) }}"
        overwrite: false
        tags: {Project: cvat}
      no_log: true

    - name: Look for the instances
      amazon.aws.rds_instance_info:
        filters:
          db-instance-id: ["{{ prefix }}-db", "{{ prefix }}-pi"]
      register: existing

    - name: Instances
      amazon.aws.rds_instance:
        db_instance_identifier: "{{ prefix }}-{{ item.suffix }}"
        engine: postgres
        engine_version: "15.12"
        db_instance_class: db.t3.medium
        db_name: cvat
        master_username: cvat
        master_user_password: >-
          {{ (lookup('amazon.aws.secretsmanager_secret', prefix ~ '/database') | from_json).password
             if (prefix ~ '-' ~ item.suffix) not in existing.instances | map(attribute='db_instance_identifier') else omit }}
        allocated_storage: 100
        max_allocated_storage: 500
        storage_type: gp3
        storage_encrypted: true
        kms_key_id: "{{ key.key_arn }}"
        multi_az: "{{ item.multi_az }}"
        db_subnet_group_name: "{{ prefix }}"
        db_parameter_group_name: "{{ prefix }}-postgres15"
        vpc_security_group_ids: ["{{ group.group_id }}"]
        publicly_accessible: false
        port: 5432
        backup_retention_period: 7
        preferred_backup_window: "03:00-03:30"
        preferred_maintenance_window: "sun:04:00-sun:04:30"
        auto_minor_version_upgrade: true
        copy_tags_to_snapshot: true
        deletion_protection: true
        enable_cloudwatch_logs_exports: [postgresql, upgrade]
        enable_performance_insights: "{{ item.insights }}"
        performance_insights_kms_key_id: "{{ key.key_arn if item.insights else omit }}"
        performance_insights_retention_period: "{{ 7 if item.insights else omit }}"
        skip_final_snapshot: false
        apply_immediately: false
        tags: {Project: cvat, Name: "{{ prefix }}-{{ item.suffix }}"}
        wait: false
        state: present
      loop:
        - {suffix: db, multi_az: true, insights: false}
        - {suffix: pi, multi_az: false, insights: true}
      no_log: true

    - name: Plain parameter
      community.aws.ssm_parameter:
        name: "/{{ prefix }}/database/host"
        value: db.example.internal
        string_type: String
        tags: {Project: cvat}

    - name: Secure parameter
      community.aws.ssm_parameter:
        name: "/{{ prefix }}/database/token"
        value: not-a-real-secret
        string_type: SecureString
        key_id: "{{ key.key_arn }}"
        tags: {Project: cvat}
      no_log: true
"""


@pytest.fixture(scope="module")
def converged(aws_emulator, tmp_path_factory):
    """The playbook run twice; API calls of the second run counted."""
    env = merged_env(aws_emulator.env())
    playbook = write_playbook(tmp_path_factory.mktemp("rds-playbooks"), "database.yml", PLAYBOOK)
    prefix = f"rdsemu-{uuid.uuid4().hex[:6]}"
    first = run_playbook(playbook, env, extra_vars={"prefix": prefix})
    assert first.returncode == 0, first.explain()
    aws_emulator.reset_counts()
    second = run_playbook(playbook, env, extra_vars={"prefix": prefix})
    return SimpleNamespace(prefix=prefix, first=first, second=second, second_calls=aws_emulator.counts())


@pytest.fixture(scope="module")
def key_arn(converged, aws_emulator):
    return aws_emulator.client("kms").describe_key(KeyId=f"alias/{converged.prefix}")["KeyMetadata"]["Arn"]


def _instance(aws_client, identifier):
    return aws_client("rds").describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def test_second_run_changes_nothing_and_only_reads(converged):
    assert converged.first.stats["changed"] > 0
    assert converged.second.returncode == 0, converged.second.explain()
    assert converged.second.changed_tasks() == []
    assert write_calls(converged.second_calls) == {}


def test_parameter_group_holds_the_role_parameters(converged, aws_client):
    """Both parameters are in effect; only the one that differs from the PostgreSQL 15 default is a user value.

    RDS for PostgreSQL 15 already defaults ``rds.force_ssl`` to 1, so setting it to 1 changes nothing and it
    keeps ``Source`` engine-default (as on AWS); the effective value is what makes the database TLS only.
    """
    group = f"{converged.prefix}-postgres15"
    parameter_group = converged.first.result("Parameter group")
    assert parameter_group["errors"] == [], "rds_instance_param_group must find every parameter"
    rds = aws_client("rds")
    pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group)
    parameters = {p["ParameterName"]: p for page in pages for p in page["Parameters"]}
    assert (parameters["rds.force_ssl"]["ParameterValue"], parameters["rds.force_ssl"]["Source"]) == ("1", "engine-default")
    user = rds.describe_db_parameters(DBParameterGroupName=group, Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"], p["Source"]) for p in user] == [("log_min_duration_statement", "1000", "user")]


def test_instance_is_multi_az_encrypted_gp3_and_backed_up(converged, aws_client, key_arn):
    db = _instance(aws_client, f"{converged.prefix}-db")
    assert db["DBInstanceStatus"] == "available"
    assert (db["Engine"], db["EngineVersion"], db["DBInstanceClass"]) == ("postgres", "15.12", "db.t3.medium")
    assert db["MultiAZ"] is True
    assert db["StorageEncrypted"] is True and db["KmsKeyId"] == key_arn
    assert (db["StorageType"], db["AllocatedStorage"], db["MaxAllocatedStorage"]) == ("gp3", 100, 500)
    assert (db["Iops"], db["StorageThroughput"]) == (3000, 125), "gp3 baseline below 400 GiB"
    assert db["BackupRetentionPeriod"] == 7
    assert (db["PreferredBackupWindow"], db["PreferredMaintenanceWindow"]) == ("03:00-03:30", "sun:04:00-sun:04:30")
    assert db["DeletionProtection"] is True and db["CopyTagsToSnapshot"] is True and db["PubliclyAccessible"] is False
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    assert db["PerformanceInsightsEnabled"] is False
    assert [g["DBParameterGroupName"] for g in db["DBParameterGroups"]] == [f"{converged.prefix}-postgres15"]
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == converged.prefix
    assert {t["Key"]: t["Value"] for t in db["TagList"]} == {"Project": "cvat", "Name": f"{converged.prefix}-db"}


def test_performance_insights_instance(converged, aws_client, key_arn):
    db = _instance(aws_client, f"{converged.prefix}-pi")
    assert db["MultiAZ"] is False
    assert db["PerformanceInsightsEnabled"] is True
    assert db["PerformanceInsightsKMSKeyId"] == key_arn and db["PerformanceInsightsRetentionPeriod"] == 7


def test_master_secret_and_parameters(converged, aws_client, key_arn):
    secrets = aws_client("secretsmanager")
    described = secrets.describe_secret(SecretId=f"{converged.prefix}/database")
    assert described["KmsKeyId"] == key_arn
    value = json.loads(secrets.get_secret_value(SecretId=f"{converged.prefix}/database")["SecretString"])
    assert value["username"] == "cvat" and len(value["password"]) == 32
    ssm = aws_client("ssm")
    plain = ssm.get_parameter(Name=f"/{converged.prefix}/database/host")["Parameter"]
    assert (plain["Type"], plain["Value"]) == ("String", "db.example.internal")
    (secure,) = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [f"/{converged.prefix}/database/token"]}])["Parameters"]
    assert secure["Type"] == "SecureString" and secure["KeyId"] == key_arn
    assert ssm.get_parameter(Name=f"/{converged.prefix}/database/token", WithDecryption=True)["Parameter"]["Value"] == "not-a-real-secret"
