# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per ElastiCache compatibility patch (tests/awsemu/patches_cache.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_cache.py``.
Groups are made with ``ReplicasPerNodeGroup`` unless a test is about ``NumCacheClusters``, so that
each test depends on the patch it is about only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ClientFactory = Callable[..., Any]


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def elasticache(aws_client: ClientFactory) -> Any:
    return aws_client("elasticache")


@pytest.fixture
def subnet_group(aws_client: ClientFactory, elasticache: Any) -> str:
    """A cache subnet group over two subnets, in us-east-1a and us-east-1b."""
    ec2 = aws_client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.98.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.98.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab")
    ]
    name = _unique("cache-subnets")
    elasticache.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription="cache", SubnetIds=subnets)
    return name


def _create_group(elasticache: Any, subnet_group: str | None = None, **extra: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "ReplicationGroupId": _unique("rg"),
        "ReplicationGroupDescription": "test group",
        "Engine": "redis",
        "CacheNodeType": "cache.t4g.micro",
        "AutomaticFailoverEnabled": True,
        "MultiAZEnabled": True,
        "ReplicasPerNodeGroup": 1,
    }
    if subnet_group:
        arguments["CacheSubnetGroupName"] = subnet_group
    arguments.update(extra)
    return dict(elasticache.create_replication_group(**arguments)["ReplicationGroup"])


def _describe(elasticache: Any, group_id: str) -> dict[str, Any]:
    return dict(elasticache.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0])


def _members(group: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (m["CacheClusterId"], m["CurrentRole"], m["PreferredAvailabilityZone"])
        for node_group in group["NodeGroups"]
        for m in node_group["NodeGroupMembers"]
    ]


def _cluster(elasticache: Any, cluster_id: str) -> dict[str, Any]:
    return dict(elasticache.describe_cache_clusters(CacheClusterId=cluster_id)["CacheClusters"][0])


def test_elasticache_num_cache_clusters(elasticache: Any) -> None:
    """NumCacheClusters=3 is a primary and two replicas, each in its PreferredCacheClusterAZs entry."""
    group_id = _unique("rg")
    elasticache.create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="three nodes",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        AutomaticFailoverEnabled=True,
        NumCacheClusters=3,
        PreferredCacheClusterAZs=["us-east-1b", "us-east-1a", "us-east-1c"],
    )
    group = _describe(elasticache, group_id)
    assert _members(group) == [
        (f"{group_id}-001", "primary", "us-east-1b"),
        (f"{group_id}-002", "replica", "us-east-1a"),
        (f"{group_id}-003", "replica", "us-east-1c"),
    ]
    assert group["MemberClusters"] == [f"{group_id}-001", f"{group_id}-002", f"{group_id}-003"]


def test_elasticache_reader_endpoint(elasticache: Any) -> None:
    """The node group of a cluster-mode-disabled group has a reader endpoint beside the primary one."""
    group = _describe(elasticache, _create_group(elasticache, Port=6380)["ReplicationGroupId"])
    node_group = group["NodeGroups"][0]
    assert node_group["PrimaryEndpoint"]["Address"].startswith("master.")
    assert node_group["ReaderEndpoint"]["Address"].startswith("replica.")
    assert node_group["ReaderEndpoint"]["Port"] == 6380


def test_elasticache_replication_group_member_clusters(elasticache: Any, subnet_group: str) -> None:
    """Each member is a cache cluster carrying the group's engine version, parameter group, network settings."""
    group = _create_group(
        elasticache,
        subnet_group,
        EngineVersion="7.1",
        SecurityGroupIds=["sg-0123456789abcdef0"],
        PreferredMaintenanceWindow="sun:05:00-sun:06:00",
        TransitEncryptionEnabled=False,
        AtRestEncryptionEnabled=True,
    )
    group_id = group["ReplicationGroupId"]
    primary, replica = group["MemberClusters"]
    cluster = _cluster(elasticache, replica)
    assert cluster["ReplicationGroupId"] == group_id
    assert cluster["CacheClusterStatus"] == "available"
    assert cluster["PreferredAvailabilityZone"] == "us-east-1b"
    assert cluster["EngineVersion"] == "7.1.0"
    assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7"
    assert cluster["CacheSubnetGroupName"] == subnet_group
    assert cluster["SecurityGroups"] == [{"SecurityGroupId": "sg-0123456789abcdef0", "Status": "active"}]
    assert cluster["PreferredMaintenanceWindow"] == "sun:05:00-sun:06:00"
    assert cluster["AtRestEncryptionEnabled"] is True
    listed = {c["CacheClusterId"]: c for c in elasticache.describe_cache_clusters()["CacheClusters"]}
    assert listed[primary]["PreferredAvailabilityZone"] == "us-east-1a"


def test_elasticache_modify_replication_group(elasticache: Any) -> None:
    """Windows, security groups, parameter group and engine version change; node changes wait unless applied now."""
    group_id = _create_group(elasticache, EngineVersion="7.0")["ReplicationGroupId"]
    elasticache.modify_replication_group(
        ReplicationGroupId=group_id,
        SnapshotWindow="03:00-04:00",
        PreferredMaintenanceWindow="Mon:01:00-Mon:02:00",
        SecurityGroupIds=["sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"],
        CacheParameterGroupName="default.redis7",
        EngineVersion="7.1",
        ApplyImmediately=True,
    )
    group = _describe(elasticache, group_id)
    assert group["SnapshotWindow"] == "03:00-04:00"
    cluster = _cluster(elasticache, group["MemberClusters"][0])
    assert cluster["PreferredMaintenanceWindow"] == "mon:01:00-mon:02:00"
    assert [sg["SecurityGroupId"] for sg in cluster["SecurityGroups"]] == ["sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"]
    assert cluster["EngineVersion"] == "7.1.0"

    elasticache.modify_replication_group(ReplicationGroupId=group_id, CacheNodeType="cache.m7g.large", ApplyImmediately=False)
    assert _describe(elasticache, group_id)["CacheNodeType"] == "cache.t4g.micro"
    assert _cluster(elasticache, group["MemberClusters"][0])["PendingModifiedValues"] == {"CacheNodeType": "cache.m7g.large"}
    elasticache.modify_replication_group(ReplicationGroupId=group_id, ApplyImmediately=True)
    assert _describe(elasticache, group_id)["CacheNodeType"] == "cache.m7g.large"
    assert _cluster(elasticache, group["MemberClusters"][0])["PendingModifiedValues"] == {}

    with pytest.raises(ClientError) as error:
        elasticache.modify_replication_group(ReplicationGroupId=group_id, AutomaticFailoverEnabled=False, ApplyImmediately=True)
    assert _error_code(error) == "InvalidParameterCombination"


def test_elasticache_replica_count(elasticache: Any, subnet_group: str) -> None:
    """Replicas are added (spread over the subnet group's AZs) and removed; impossible counts are refused."""
    group_id = _create_group(elasticache, subnet_group)["ReplicationGroupId"]
    grown = elasticache.increase_replica_count(ReplicationGroupId=group_id, NewReplicaCount=3, ApplyImmediately=True)
    assert len(grown["ReplicationGroup"]["MemberClusters"]) == 4
    assert _members(_describe(elasticache, group_id)) == [
        (f"{group_id}-001", "primary", "us-east-1a"),
        (f"{group_id}-002", "replica", "us-east-1b"),
        (f"{group_id}-003", "replica", "us-east-1a"),
        (f"{group_id}-004", "replica", "us-east-1b"),
    ]
    elasticache.decrease_replica_count(ReplicationGroupId=group_id, ReplicasToRemove=[f"{group_id}-002"], ApplyImmediately=True)
    elasticache.decrease_replica_count(ReplicationGroupId=group_id, NewReplicaCount=1, ApplyImmediately=True)
    group = _describe(elasticache, group_id)
    assert group["MemberClusters"] == [f"{group_id}-001", f"{group_id}-003"]

    with pytest.raises(ClientError) as error:
        elasticache.increase_replica_count(ReplicationGroupId=group_id, NewReplicaCount=1, ApplyImmediately=True)
    assert _error_code(error) == "InvalidParameterValue"
    with pytest.raises(ClientError) as error:
        elasticache.decrease_replica_count(ReplicationGroupId=group_id, NewReplicaCount=0, ApplyImmediately=True)
    assert _error_code(error) == "InvalidParameterCombination"


def test_elasticache_delete_replication_group(elasticache: Any) -> None:
    """A deleted group is gone with its tags; the final snapshot remains."""
    group = _create_group(elasticache, Tags=[{"Key": "Name", "Value": "old"}])
    group_id, arn = group["ReplicationGroupId"], group["ARN"]
    snapshot = _unique("final")
    deleted = elasticache.delete_replication_group(ReplicationGroupId=group_id, FinalSnapshotIdentifier=snapshot)
    assert deleted["ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(ClientError) as error:
        elasticache.describe_replication_groups(ReplicationGroupId=group_id)
    assert _error_code(error) == "ReplicationGroupNotFoundFault"
    assert elasticache.describe_snapshots(SnapshotName=snapshot)["Snapshots"][0]["ReplicationGroupId"] == group_id

    _create_group(elasticache, ReplicationGroupId=group_id)
    assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == []


def test_elasticache_subnet_availability_zone(elasticache: Any, subnet_group: str) -> None:
    """Each subnet of a cache subnet group names its AZ."""
    subnets = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)["CacheSubnetGroups"][0]["Subnets"]
    assert sorted(s["SubnetAvailabilityZone"]["Name"] for s in subnets) == ["us-east-1a", "us-east-1b"]


def test_elasticache_cache_subnet_group_modify_delete(elasticache: Any, subnet_group: str) -> None:
    """Subnet groups can be changed, and deleted once no replication group uses them."""
    current = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)["CacheSubnetGroups"][0]
    first_subnet = current["Subnets"][0]["SubnetIdentifier"]
    modified = elasticache.modify_cache_subnet_group(
        CacheSubnetGroupName=subnet_group, CacheSubnetGroupDescription="one subnet", SubnetIds=[first_subnet]
    )["CacheSubnetGroup"]
    assert modified["CacheSubnetGroupDescription"] == "one subnet"
    assert [s["SubnetIdentifier"] for s in modified["Subnets"]] == [first_subnet]

    group_id = _create_group(elasticache, subnet_group)["ReplicationGroupId"]
    with pytest.raises(ClientError) as error:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName=subnet_group)
    assert _error_code(error) == "CacheSubnetGroupInUse"
    elasticache.delete_replication_group(ReplicationGroupId=group_id)
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName=subnet_group)
    with pytest.raises(ClientError) as error:
        elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)
    assert _error_code(error) == "CacheSubnetGroupNotFoundFault"


def test_elasticache_replication_group_subnet_group_exists(elasticache: Any, subnet_group: str) -> None:
    """A replication group can only be placed in a subnet group that exists."""
    with pytest.raises(ClientError) as error:
        _create_group(elasticache, _unique("no-such-subnets"))
    assert _error_code(error) == "CacheSubnetGroupNotFoundFault"
    assert _create_group(elasticache, subnet_group)["Status"] == "available"


def _parameter(elasticache: Any, group: str, name: str) -> dict[str, Any]:
    parameters = elasticache.describe_cache_parameters(CacheParameterGroupName=group)["Parameters"]
    return next(dict(p) for p in parameters if p["ParameterName"] == name)


def test_elasticache_cache_parameter_groups(elasticache: Any) -> None:
    """Parameter groups are created, described, modified with validation, and protected while in use."""
    name = _unique("redis7-params")
    created = elasticache.create_cache_parameter_group(
        CacheParameterGroupName=name, CacheParameterGroupFamily="redis7", Description="CVAT cache"
    )["CacheParameterGroup"]
    assert created["CacheParameterGroupFamily"] == "redis7"
    listed = elasticache.describe_cache_parameter_groups()["CacheParameterGroups"]
    assert {"default.redis7", name} <= {g["CacheParameterGroupName"] for g in listed}

    policy = _parameter(elasticache, name, "maxmemory-policy")
    assert (policy["ParameterValue"], policy["Source"], policy["DataType"], policy["IsModifiable"]) == ("volatile-lru", "system", "string", True)
    assert "allkeys-lru" in policy["AllowedValues"].split(",")
    elasticache.modify_cache_parameter_group(
        CacheParameterGroupName=name, ParameterNameValues=[{"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lru"}]
    )
    policy = _parameter(elasticache, name, "maxmemory-policy")
    assert (policy["ParameterValue"], policy["Source"]) == ("allkeys-lru", "user")

    for group, parameter, value in (
        (name, "maxmemory-policy", "sometimes"),
        (name, "timeout", "5"),
        (name, "maxclients", "10"),
        (name, "no-such-parameter", "1"),
        ("default.redis7", "timeout", "60"),
    ):
        with pytest.raises(ClientError) as error:
            elasticache.modify_cache_parameter_group(
                CacheParameterGroupName=group, ParameterNameValues=[{"ParameterName": parameter, "ParameterValue": value}]
            )
        assert _error_code(error) == "InvalidParameterValue", (group, parameter, value)

    with pytest.raises(ClientError) as error:
        _create_group(elasticache, CacheParameterGroupName=_unique("no-such-group"))
    assert _error_code(error) == "CacheParameterGroupNotFound"
    group_id = _create_group(elasticache, CacheParameterGroupName=name)["ReplicationGroupId"]
    with pytest.raises(ClientError) as error:
        elasticache.delete_cache_parameter_group(CacheParameterGroupName=name)
    assert _error_code(error) == "InvalidCacheParameterGroupState"
    elasticache.delete_replication_group(ReplicationGroupId=group_id)
    elasticache.delete_cache_parameter_group(CacheParameterGroupName=name)
    with pytest.raises(ClientError) as error:
        elasticache.describe_cache_parameters(CacheParameterGroupName=name)
    assert _error_code(error) == "CacheParameterGroupNotFound"
