# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.efs_access_point and efs_backup_policy against the emulator, on an encrypted community.aws.efs file system.

Every step is one ansible-playbook run; the state is read back with boto3 after each.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from awsemu.server import merged_env
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("efs")]


BASE_PLAYBOOK = """
- name: Key, network and an encrypted file system with a mount target per subnet
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
        cidr_block: 10.61.0.0/16
      register: vpc

    - name: Subnets
      amazon.aws.ec2_vpc_subnet:
        vpc_id: "{{ vpc.vpc.id }}"
        cidr: "10.61.{{ index }}.0/24"
        az: "{{ item }}"
        tags: {Name: "{{ prefix }}-{{ item }}"}
      loop: [us-east-1a, us-east-1b]
      loop_control: {index_var: index}
      register: subnets

    - name: Security group
      amazon.aws.ec2_security_group:
        name: "{{ prefix }}-efs"
        description: NFS from the VPC
        vpc_id: "{{ vpc.vpc.id }}"
        rules:
          - {proto: tcp, ports: [2049], cidr_ip: 10.61.0.0/16}
        rules_egress: []
      register: group

    - name: File system
      community.aws.efs:
        name: "{{ prefix }}-fs"
        encrypt: true
        kms_key_id: "{{ key.key_arn }}"
        performance_mode: general_purpose
        throughput_mode: bursting
        transition_to_ia: "30"
        targets: >-
          {{ subnets.results | map(attribute='subnet.id') | map('community.general.dict_kv', 'subnet_id')
             | map('combine', {'security_groups': [group.group_id]}) }}
        tags: {Name: "{{ prefix }}-fs", Project: cvat}
        wait: true
        wait_timeout: 60
        state: present
"""

ACCESS_POINT_PLAYBOOK = """
- name: One access point
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Access point
      cvatops.aws.efs_access_point:
        file_system_id: "{{ file_system_id }}"
        name: "{{ name }}"
        path: "{{ path | default(omit) }}"
        posix_user: "{{ posix_user | default(omit) }}"
        creation_info: "{{ creation_info | default(omit) }}"
        tags: "{{ tags | default(omit) }}"
        recreate: "{{ recreate | default(omit) }}"
        state: "{{ state | default(omit) }}"
        wait_timeout: 30
"""

BACKUP_POLICY_PLAYBOOK = """
- name: Backup policy
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Backup policy
      cvatops.aws.efs_backup_policy:
        file_system_id: "{{ file_system_id }}"
        enabled: "{{ enabled }}"
"""

CVAT_DATA = {
    "name": "cvat-data",
    "path": "/cvat-data",
    "posix_user": {"uid": 1000, "gid": 1000},
    "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"},
    "tags": {"Project": "cvat"},
}


@pytest.fixture(scope="module")
def env(aws_emulator):
    return merged_env(aws_emulator.env())


@pytest.fixture(scope="module")
def stack(aws_emulator, env, tmp_path_factory):
    """The base playbook converged twice (API calls of the second run counted), and the file system it made."""
    directory = tmp_path_factory.mktemp("efs-playbooks")
    prefix = f"efsmod-{uuid.uuid4().hex[:6]}"
    base = write_playbook(directory, "base.yml", BASE_PLAYBOOK)
    first = run_playbook(base, env, extra_vars={"prefix": prefix})
    assert first.returncode == 0, first.explain()
    aws_emulator.reset_counts()
    second = run_playbook(base, env, extra_vars={"prefix": prefix})
    second_calls = aws_emulator.counts()
    efs = aws_emulator.client("efs")
    (file_system,) = [fs for fs in efs.describe_file_systems()["FileSystems"] if fs["CreationToken"] == f"{prefix}-fs"]
    return SimpleNamespace(
        prefix=prefix,
        first=first,
        second=second,
        second_calls=second_calls,
        file_system=file_system,
        access_point_playbook=write_playbook(directory, "access_point.yml", ACCESS_POINT_PLAYBOOK),
        backup_policy_playbook=write_playbook(directory, "backup_policy.yml", BACKUP_POLICY_PLAYBOOK),
    )


def _access_point(stack, env, *args: str, **options: Any) -> tuple[PlaybookRun, dict[str, Any]]:
    run = run_playbook(stack.access_point_playbook, env, *args, extra_vars={"file_system_id": stack.file_system["FileSystemId"], **options})
    return run, run.result("Access point")


def _backup_policy(stack, env, *args: str, enabled: bool) -> tuple[PlaybookRun, dict[str, Any]]:
    run = run_playbook(stack.backup_policy_playbook, env, *args, extra_vars={"file_system_id": stack.file_system["FileSystemId"], "enabled": enabled})
    return run, run.result("Backup policy")


def _access_points(aws_client, file_system_id: str) -> list[dict[str, Any]]:
    return list(aws_client("efs").describe_access_points(FileSystemId=file_system_id)["AccessPoints"])


def _tags(access_point: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in access_point["Tags"]}


def test_file_system_converges_and_second_run_only_reads(stack):
    assert stack.first.stats["changed"] > 0
    assert stack.second.returncode == 0, stack.second.explain()
    assert stack.second.changed_tasks() == []
    assert write_calls(stack.second_calls) == {}


def test_file_system_is_encrypted_with_a_mount_target_per_subnet(stack, aws_client):
    efs, fs = aws_client("efs"), stack.file_system
    key_arn = aws_client("kms").describe_key(KeyId=f"alias/{stack.prefix}")["KeyMetadata"]["Arn"]
    assert fs["Encrypted"] is True and fs["KmsKeyId"] == key_arn
    assert fs["ThroughputMode"] == "bursting" and fs["PerformanceMode"] == "generalPurpose"
    assert {t["Key"]: t["Value"] for t in fs["Tags"]} == {"Name": f"{stack.prefix}-fs", "Project": "cvat"}
    assert efs.describe_lifecycle_configuration(FileSystemId=fs["FileSystemId"])["LifecyclePolicies"] == [{"TransitionToIA": "AFTER_30_DAYS"}]
    ec2 = aws_client("ec2")
    (group,) = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{stack.prefix}-efs"]}])["SecurityGroups"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [group["VpcId"]]}])["Subnets"]
    targets = efs.describe_mount_targets(FileSystemId=fs["FileSystemId"])["MountTargets"]
    assert sorted(t["SubnetId"] for t in targets) == sorted(s["SubnetId"] for s in subnets)
    assert sorted(t["AvailabilityZoneName"] for t in targets) == ["us-east-1a", "us-east-1b"]
    for target in targets:
        assert efs.describe_mount_target_security_groups(MountTargetId=target["MountTargetId"])["SecurityGroups"] == [group["GroupId"]]


def test_access_point_lifecycle(stack, env, aws_client):
    fs_id = stack.file_system["FileSystemId"]

    run, result = _access_point(stack, env, "--check", "--diff", **CVAT_DATA)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert "access_point_id" not in result["access_point"] and result["access_point"]["root_directory"]["path"] == "/cvat-data"
    assert _access_points(aws_client, fs_id) == [], "check mode must not create"

    run, result = _access_point(stack, env, **CVAT_DATA)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    (point,) = _access_points(aws_client, fs_id)
    created_id = point["AccessPointId"]
    assert result["access_point"]["access_point_id"] == created_id and result["access_point"]["access_point_arn"] == point["AccessPointArn"]
    assert point["LifeCycleState"] == "available"
    assert point["RootDirectory"] == {"Path": "/cvat-data", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0750"}}
    assert point["PosixUser"]["Uid"] == 1000 and point["PosixUser"]["Gid"] == 1000 and not point["PosixUser"].get("SecondaryGids")
    assert _tags(point) == {"Name": "cvat-data", "Project": "cvat"}

    run, result = _access_point(stack, env, "--diff", **CVAT_DATA)
    assert run.returncode == 0 and result["changed"] is False, run.explain()
    assert result["access_point"]["access_point_id"] == created_id

    run, result = _access_point(stack, env, **{**CVAT_DATA, "tags": {"Project": "cvat", "Owner": "data-team"}})
    assert run.returncode == 0 and result["changed"] is True and result["replaced"] is False, run.explain()
    (point,) = _access_points(aws_client, fs_id)
    assert point["AccessPointId"] == created_id and _tags(point) == {"Name": "cvat-data", "Project": "cvat", "Owner": "data-team"}

    run, result = _access_point(stack, env, **{**CVAT_DATA, "path": "/cvat/data", "posix_user": {"uid": 1001, "gid": 1000}})
    assert run.returncode != 0 and result.get("failed") is True
    assert "differs in path, posix_user" in result["msg"] and "recreate=true" in result["msg"]
    assert [p["AccessPointId"] for p in _access_points(aws_client, fs_id)] == [created_id], "a refused change must leave the access point alone"

    run, result = _access_point(stack, env, **{**CVAT_DATA, "path": "/cvat/data", "recreate": True, "tags": None})
    assert run.returncode == 0 and result["changed"] is True and result["replaced"] is True, run.explain()
    assert result["replaced_access_point_id"] == created_id
    (point,) = _access_points(aws_client, fs_id)
    assert point["AccessPointId"] != created_id and point["AccessPointId"] == result["access_point"]["access_point_id"]
    assert point["RootDirectory"]["Path"] == "/cvat/data"
    assert _tags(point) == {"Name": "cvat-data", "Project": "cvat", "Owner": "data-team"}, "tags carry over when tags is not set"

    run, result = _access_point(stack, env, name="cvat-data", state="absent")
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert result["deleted_access_point_ids"] == [point["AccessPointId"]]
    assert _access_points(aws_client, fs_id) == []

    run, result = _access_point(stack, env, name="cvat-data", state="absent")
    assert run.returncode == 0 and result["changed"] is False and result["deleted_access_point_ids"] == [], run.explain()


def test_access_point_on_a_missing_file_system_fails_clearly(stack, env):
    run = run_playbook(stack.access_point_playbook, env, extra_vars={"file_system_id": "fs-00000000000000000", **CVAT_DATA})
    result = run.result("Access point")
    assert run.returncode != 0 and result["msg"] == "File system fs-00000000000000000 does not exist"


def test_backup_policy_lifecycle(stack, env, aws_client):
    efs, fs_id = aws_client("efs"), stack.file_system["FileSystemId"]

    def status() -> str:
        return str(efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"])

    run, result = _backup_policy(stack, env, enabled=True)
    assert run.returncode == 0 and result["changed"] is True and result["backup_policy"] == {"status": "ENABLED"}, run.explain()
    assert status() == "ENABLED"

    run, result = _backup_policy(stack, env, enabled=True)
    assert run.returncode == 0 and result["changed"] is False, run.explain()

    run, result = _backup_policy(stack, env, "--check", "--diff", enabled=False)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert result["diff"] == {"before": {"status": "ENABLED"}, "after": {"status": "DISABLED"}}
    assert status() == "ENABLED", "check mode must not change the policy"

    run, result = _backup_policy(stack, env, enabled=False)
    assert run.returncode == 0 and result["changed"] is True and result["backup_policy"] == {"status": "DISABLED"}, run.explain()
    assert status() == "DISABLED"
