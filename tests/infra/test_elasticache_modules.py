# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.elasticache_replication_group(_info) and the community.aws ElastiCache modules, against the emulator.

One fixture runs the whole lifecycle of a replication group (each step a playbook, the state read
back with boto3 after each), so that no other test can reset the emulator in the middle of it; the
tests then check what each step did.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsemu.server import merged_env
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("elasticache")]

GROUP_ID = "cvat-test-redis"
SUBNET_GROUP = "cvat-test-cache"
GROUP_TASK = "replication group"


def _play(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": "ElastiCache modules",
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"group/cvatops.aws.aws": {"region": "us-east-1"}},
            "tasks": tasks,
        }
    ]


class Lifecycle:
    """Writes one playbook per step into a temporary directory and runs it against the emulator."""

    def __init__(self, emulator: Any, directory: Path) -> None:
        self.emulator = emulator
        self.directory = directory
        self.env = merged_env(emulator.env())
        self.steps = 0

    def run(self, tasks: list[dict[str, Any]], *args: str) -> PlaybookRun:
        self.steps += 1
        path = write_playbook(self.directory, f"step{self.steps:02d}.yml", json.dumps(_play(tasks), indent=2))  # JSON is YAML
        return run_playbook(path, self.env, *args)

    def writes_during(self, tasks: list[dict[str, Any]], *args: str) -> tuple[PlaybookRun, dict[str, int]]:
        """Runs the tasks; returns the run and the API calls it made that are not reads."""
        self.emulator.reset_counts()
        run = self.run(tasks, *args)
        return run, write_calls(self.emulator.counts())


def _network_tasks() -> list[dict[str, Any]]:
    return [
        {
            "name": "VPC",
            "amazon.aws.ec2_vpc_net": {"name": "cvat-test-cache", "cidr_block": "10.61.0.0/16"},
            "register": "vpc",
        },
        {
            "name": "Data subnets in two AZs",
            "amazon.aws.ec2_vpc_subnet": {
                "vpc_id": "{{ vpc.vpc.id }}",
                "cidr": "10.61.{{ index }}.0/24",
                "az": "us-east-1{{ item }}",
                "tags": {"Name": "cvat-test-data-{{ item }}"},
            },
            "loop": ["a", "b"],
            "loop_control": {"index_var": "index"},
            "register": "subnets",
        },
        {
            "name": "Cache subnet group",
            "community.aws.elasticache_subnet_group": {
                "name": SUBNET_GROUP,
                "description": "CVAT test cache",
                "subnets": "{{ subnets.results | map(attribute='subnet.id') | list }}",
            },
        },
        {
            "name": "Cache security group",
            "amazon.aws.ec2_security_group": {
                "name": "cvat-test-cache",
                "description": "CVAT test cache",
                "vpc_id": "{{ vpc.vpc.id }}",
                "rules": [],
            },
        },
        {
            "name": "KMS key",
            "amazon.aws.kms_key": {"alias": "cvat-test-cache", "description": "CVAT test cache"},
        },
    ]


def _group_task(options: dict[str, Any], name: str = GROUP_TASK) -> dict[str, Any]:
    return {"name": name, "cvatops.aws.elasticache_replication_group": options}


def _state(client: Any) -> dict[str, Any] | None:
    """The group, its member clusters and tags as boto3 sees them (None when it does not exist)."""
    elasticache = client("elasticache")
    try:
        group = elasticache.describe_replication_groups(ReplicationGroupId=GROUP_ID)["ReplicationGroups"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ReplicationGroupNotFoundFault":
            return None
        raise
    clusters = {cid: elasticache.describe_cache_clusters(CacheClusterId=cid)["CacheClusters"][0] for cid in group["MemberClusters"]}
    tags = elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
    return {"group": group, "clusters": clusters, "tags": {t["Key"]: t["Value"] for t in tags}}


@pytest.fixture(scope="module")
def lifecycle(aws_emulator, tmp_path_factory):
    """Runs every step once; each step's run, module result, boto3 state and write calls are kept."""
    client = aws_emulator.client
    steps = Lifecycle(aws_emulator, tmp_path_factory.mktemp("elasticache"))
    out = SimpleNamespace()
    # The session's emulator is shared: start from no group even if an earlier run stopped half-way.
    if _state(client) is not None:
        client("elasticache").delete_replication_group(ReplicationGroupId=GROUP_ID)

    out.network, out.network_writes = steps.writes_during(_network_tasks())
    out.network_again, out.network_again_writes = steps.writes_during(_network_tasks())
    ec2 = client("ec2")
    security_group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["cvat-test-cache"]}])["SecurityGroups"][0]
    key_arn = client("kms").describe_key(KeyId="alias/cvat-test-cache")["KeyMetadata"]["Arn"]
    out.security_group_id, out.key_arn = security_group["GroupId"], key_arn
    out.subnet_group = client("elasticache").describe_cache_subnet_groups(CacheSubnetGroupName=SUBNET_GROUP)["CacheSubnetGroups"][0]

    options = {
        "replication_group_id": GROUP_ID,
        "description": "CVAT test Redis",
        "engine": "redis",
        "engine_version": "7.1",
        "cache_node_type": "cache.t4g.micro",
        "replicas_per_node_group": 1,
        "automatic_failover": True,
        "multi_az": True,
        "preferred_cache_cluster_azs": ["us-east-1a", "us-east-1b"],
        "cache_subnet_group_name": SUBNET_GROUP,
        "security_group_ids": [security_group["GroupId"]],
        "at_rest_encryption": True,
        "kms_key_id": key_arn,
        "transit_encryption": False,
        "snapshot_retention_limit": 1,
        "snapshot_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "tags": {"Project": "cvat", "Name": GROUP_ID},
        "wait_interval": 5,
        "wait_timeout": 600,
    }
    out.options = options

    def step(name: str, overrides: dict[str, Any] | None = None, *args: str) -> None:
        run, writes = steps.writes_during([_group_task(dict(options, **(overrides or {})))], *args)
        setattr(out, name, SimpleNamespace(run=run, writes=writes, state=_state(client)))

    step("check", None, "--check", "--diff")
    step("create", None, "--diff")
    step("again")
    step("check_again", None, "--check", "--diff")
    options.update(description="CVAT test Redis, modified", snapshot_retention_limit=3)
    step("modify", None, "--diff")
    options.update(replicas_per_node_group=2)
    step("grow", None, "--diff")
    step("grow_again")
    step("immutable", {"at_rest_encryption": False, "kms_key_id": None})

    run, writes = steps.writes_during([{"name": "info", "cvatops.aws.elasticache_replication_group_info": {"replication_group_id": GROUP_ID}}])
    out.info = SimpleNamespace(run=run, writes=writes)
    run, writes = steps.writes_during([{"name": "info", "cvatops.aws.elasticache_replication_group_info": {}}])
    out.info_all = SimpleNamespace(run=run, writes=writes)

    step("delete", {"state": "absent"})
    step("delete_again", {"state": "absent"})
    return out


def test_network_and_subnet_group_converge_and_rerun_without_writes(lifecycle):
    assert lifecycle.network.returncode == 0, lifecycle.network.explain()
    zones = [s["SubnetAvailabilityZone"]["Name"] for s in lifecycle.subnet_group["Subnets"]]
    assert sorted(zones) == ["us-east-1a", "us-east-1b"]
    assert lifecycle.network_again.returncode == 0, lifecycle.network_again.explain()
    assert lifecycle.network_again.changed_tasks() == []
    assert lifecycle.network_again_writes == {}


def test_check_mode_reports_a_change_and_creates_nothing(lifecycle):
    check = lifecycle.check
    result = check.run.result(GROUP_TASK)
    assert check.run.returncode == 0, check.run.explain()
    assert result["changed"] is True
    assert check.state is None
    assert check.writes == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["replicas_per_node_group"] == 1
    predicted = result["replication_group"]
    assert (predicted["replication_group_id"], predicted["automatic_failover"], predicted["multi_az"]) == (GROUP_ID, "enabled", "enabled")


def test_create_makes_a_multi_az_encrypted_group_with_a_replica_in_another_az(lifecycle):
    create = lifecycle.create
    assert create.run.returncode == 0, create.run.explain()
    result = create.run.result(GROUP_TASK)
    assert result["changed"] is True
    assert create.writes == {"elasticache:CreateReplicationGroup": 1}

    group = create.state["group"]
    assert group["Status"] == "available"
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    assert group["AtRestEncryptionEnabled"] is True and group["TransitEncryptionEnabled"] is False
    assert group["KmsKeyId"] == lifecycle.key_arn
    members = [(m["CurrentRole"], m["PreferredAvailabilityZone"]) for m in group["NodeGroups"][0]["NodeGroupMembers"]]
    assert members == [("primary", "us-east-1a"), ("replica", "us-east-1b")]
    assert create.state["tags"] == {"Project": "cvat", "Name": GROUP_ID}
    for cluster in create.state["clusters"].values():
        assert cluster["CacheSubnetGroupName"] == SUBNET_GROUP
        assert [sg["SecurityGroupId"] for sg in cluster["SecurityGroups"]] == [lifecycle.security_group_id]
        assert cluster["EngineVersion"].startswith("7.1")

    assert result["primary_endpoint"]["address"] == group["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
    assert result["reader_endpoint"]["address"] == group["NodeGroups"][0]["ReaderEndpoint"]["Address"]
    assert result["replication_group"]["status"] == "available"
    assert result["replication_group"]["tags"] == {"Project": "cvat", "Name": GROUP_ID}
    # The emulator completes at once: no poll waits.
    assert result["waited_seconds"] == 0


def test_rerun_changes_nothing_and_only_reads(lifecycle):
    for step in (lifecycle.again, lifecycle.check_again):
        assert step.run.returncode == 0, step.run.explain()
        assert step.run.result(GROUP_TASK)["changed"] is False
        assert step.writes == {}
    diff = lifecycle.check_again.run.result(GROUP_TASK)["diff"]
    assert diff["before"] == diff["after"]


def test_modify_changes_description_and_snapshot_retention(lifecycle):
    modify = lifecycle.modify
    assert modify.run.returncode == 0, modify.run.explain()
    result = modify.run.result(GROUP_TASK)
    assert result["changed"] is True
    assert modify.writes == {"elasticache:ModifyReplicationGroup": 1}
    assert modify.state["group"]["Description"] == "CVAT test Redis, modified"
    assert modify.state["group"]["SnapshotRetentionLimit"] == 3
    before, after = result["diff"]["before"], result["diff"]["after"]
    assert {k for k in after if before.get(k) != after[k]} == {"description", "snapshot_retention_limit"}


def test_growing_to_two_replicas(lifecycle):
    grow = lifecycle.grow
    assert grow.run.returncode == 0, grow.run.explain()
    assert grow.run.result(GROUP_TASK)["changed"] is True
    assert grow.writes == {"elasticache:IncreaseReplicaCount": 1}
    group = grow.state["group"]
    assert len(group["MemberClusters"]) == 3
    zones = sorted(m["PreferredAvailabilityZone"] for m in group["NodeGroups"][0]["NodeGroupMembers"])
    assert set(zones) == {"us-east-1a", "us-east-1b"}
    assert grow.run.result(GROUP_TASK)["replication_group"]["replicas_per_node_group"] == 2
    again = lifecycle.grow_again
    assert again.run.result(GROUP_TASK)["changed"] is False
    assert again.writes == {}


def test_immutable_change_fails_naming_the_option_and_writes_nothing(lifecycle):
    immutable = lifecycle.immutable
    assert immutable.run.returncode != 0
    message = immutable.run.result(GROUP_TASK)["msg"]
    assert "at_rest_encryption" in message
    assert "cannot change" in message
    assert immutable.writes == {}
    assert immutable.state["group"]["AtRestEncryptionEnabled"] is True


def test_info_returns_the_group(lifecycle):
    info = lifecycle.info.run.result("info")
    assert lifecycle.info.writes == {}
    [group] = info["replication_groups"]
    assert group["replication_group_id"] == GROUP_ID
    assert group["status"] == "available"
    assert group["description"] == "CVAT test Redis, modified"
    assert group["replicas_per_node_group"] == 2
    assert group["tags"] == {"Project": "cvat", "Name": GROUP_ID}
    assert group["node_groups"][0]["primary_endpoint"]["port"] == 6379
    assert group["security_group_ids"] == [lifecycle.security_group_id]
    listed = lifecycle.info_all.run.result("info")["replication_groups"]
    assert GROUP_ID in [g["replication_group_id"] for g in listed]


def test_delete_and_delete_again(lifecycle):
    delete, again = lifecycle.delete, lifecycle.delete_again
    assert delete.run.returncode == 0, delete.run.explain()
    assert delete.run.result(GROUP_TASK)["changed"] is True
    assert delete.writes == {"elasticache:DeleteReplicationGroup": 1}
    assert delete.state is None
    assert again.run.returncode == 0, again.run.explain()
    assert again.run.result(GROUP_TASK)["changed"] is False
    assert again.writes == {}


def test_every_step_is_fast_on_the_emulator(lifecycle):
    """Nothing polls against an emulator that completes at once: each step is one ansible-playbook start-up."""
    for name in ("create", "modify", "grow", "delete"):
        result = getattr(lifecycle, name).run.result(GROUP_TASK)
        assert result.get("waited_seconds", 0) == 0, name


@pytest.fixture(scope="module")
def parameter_group_runs(aws_emulator, tmp_path_factory):
    steps = Lifecycle(aws_emulator, tmp_path_factory.mktemp("elasticache-params"))
    try:
        aws_emulator.client("elasticache").delete_cache_parameter_group(CacheParameterGroupName="cvat-test-community-redis6-x")
    except ClientError:
        pass  # not there: the usual case

    def task(family: str) -> dict[str, Any]:
        return {
            "name": "parameter group",
            "community.aws.elasticache_parameter_group": {
                "name": f"cvat-test-community-{family.replace('.', '-')}",
                "group_family": family,
                "description": "CVAT test cache",
                "values": {"maxmemory-policy": "allkeys-lru"},
                "state": "present",
            },
            "ignore_errors": True,
        }

    first = steps.writes_during([task("redis6.x")])
    second = steps.writes_during([task("redis6.x")])
    redis7 = steps.writes_during([task("redis7")])
    return SimpleNamespace(first=first, second=second, redis7=redis7, client=aws_emulator.client)


def test_parameter_group_module_is_idempotent_but_writes_on_every_run(parameter_group_runs):
    (first, first_writes), (second, second_writes) = parameter_group_runs.first, parameter_group_runs.second
    assert first.result("parameter group")["changed"] is True
    assert "elasticache:CreateCacheParameterGroup" in first_writes
    assert second.result("parameter group")["changed"] is False
    # community.aws.elasticache_parameter_group sends ModifyCacheParameterGroup even when nothing differs
    # (on AWS as well): a converge that uses it with values is not read-only on its second run.
    assert second_writes == {"elasticache:ModifyCacheParameterGroup": 1}
    parameters = parameter_group_runs.client("elasticache").describe_cache_parameters(CacheParameterGroupName="cvat-test-community-redis6-x")["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in parameters if p["Source"] == "user"} == {"maxmemory-policy": "allkeys-lru"}


def test_parameter_group_module_rejects_the_redis7_family(parameter_group_runs):
    """community.aws 11 lists families up to redis6.x only; when it learns redis7 this test tells."""
    run, writes = parameter_group_runs.redis7
    result = run.result("parameter group")
    assert result["failed"] is True
    assert "value of group_family must be one of" in result["msg"]
    assert writes == {}
