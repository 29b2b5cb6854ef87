# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from botocore.exceptions import ClientError

from ansible_collections.cvatops.aws.plugins.module_utils import elasticache
from ansible_collections.cvatops.aws.plugins.modules import elasticache_replication_group as rg
from ansible_collections.cvatops.aws.plugins.modules import elasticache_replication_group_info as info


def group(replicas=1, **overrides):
    """A DescribeReplicationGroups entry."""
    members = [
        {"CacheClusterId": f"cvat-redis-{i + 1:03d}", "CurrentRole": "replica" if i else "primary", "PreferredAvailabilityZone": f"us-east-1{'ab'[i % 2]}"}
        for i in range(replicas + 1)
    ]
    base = {
        "ReplicationGroupId": "cvat-redis",
        "Description": "CVAT Redis",
        "Status": "available",
        "MemberClusters": [m["CacheClusterId"] for m in members],
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "Status": "available",
                "PrimaryEndpoint": {"Address": "master.cvat-redis.abc123.use1.cache.amazonaws.com", "Port": 6379},
                "ReaderEndpoint": {"Address": "replica.cvat-redis.abc123.use1.cache.amazonaws.com", "Port": 6379},
                "NodeGroupMembers": members,
            }
        ],
        "AutomaticFailover": "enabled",
        "MultiAZ": "enabled",
        "CacheNodeType": "cache.t4g.micro",
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": False,
        "ARN": "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cvat-redis",
        "Engine": "redis",
    }
    base.update(overrides)
    return base


def cluster(**overrides):
    """A DescribeCacheClusters entry of the primary."""
    base = {
        "CacheClusterId": "cvat-redis-001",
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "CacheClusterStatus": "available",
        "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
        "CacheParameterGroup": {"CacheParameterGroupName": "cvat-redis7"},
        "CacheSubnetGroupName": "cvat-cache",
        "SecurityGroups": [{"SecurityGroupId": "sg-2"}, {"SecurityGroupId": "sg-1"}],
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "state, member, tags",
    [
        (group(), cluster(), {"Name": "cvat"}),
        (group(3), cluster(SecurityGroups=[]), {}),
        (group(0, AutomaticFailover="disabled", MultiAZ="disabled"), cluster(), None),
        (group(Status="creating", NodeGroups=[{"NodeGroupId": "0001", "Status": "creating"}]), None, None),
        (group(Engine=None), cluster(Engine="valkey", EngineVersion="8.0.1"), {"a": "b"}),
    ],
)
def test_normalize_group_adds_tags_replicas_and_member_settings(state, member, tags):
    result = elasticache.normalize_group(state, member, tags)
    assert result["tags"] == dict(tags or {})
    assert result["replicas_per_node_group"] == elasticache.replica_count(state)
    assert result["pending_modified_values"] == {}
    if member and member.get("EngineVersion"):
        assert result["engine_version"] == member["EngineVersion"]


def test_both_modules_shape_groups_with_the_same_code():
    """The resource module and its _info twin must never drift apart: they share module_utils/elasticache.py."""
    assert info.normalize_group is rg.normalize_group is elasticache.normalize_group
    assert info.primary_member_id is rg.primary_member_id is elasticache.primary_member_id


def _not_found(code, operation):
    return ClientError({"Error": {"Code": code, "Message": "not found"}}, operation)


class FakePaginator:
    def __init__(self, key, items):
        self.key, self.items = key, items

    def paginate(self, **_kwargs):
        return self

    def build_full_result(self):
        return {self.key: self.items}


class FakeElastiCache:
    def __init__(self, groups, clusters, tags):
        self.groups, self.clusters, self.tags = groups, clusters, tags
        self.calls = []

    def describe_replication_groups(self, ReplicationGroupId, **_kwargs):  # pylint: disable=invalid-name
        self.calls.append(("DescribeReplicationGroups", ReplicationGroupId))
        found = [g for g in self.groups if g["ReplicationGroupId"] == ReplicationGroupId]
        if not found:
            raise _not_found("ReplicationGroupNotFoundFault", "DescribeReplicationGroups")
        return {"ReplicationGroups": found}

    def describe_cache_clusters(self, CacheClusterId, **_kwargs):  # pylint: disable=invalid-name
        self.calls.append(("DescribeCacheClusters", CacheClusterId))
        return {"CacheClusters": [c for c in self.clusters if c["CacheClusterId"] == CacheClusterId]}

    def get_paginator(self, name):
        self.calls.append(("paginate", name))
        if name == "describe_replication_groups":
            return FakePaginator("ReplicationGroups", self.groups)
        return FakePaginator("CacheClusters", self.clusters)

    def list_tags_for_resource(self, ResourceName, **_kwargs):  # pylint: disable=invalid-name
        self.calls.append(("ListTagsForResource", ResourceName))
        if ResourceName not in self.tags:
            raise _not_found("InvalidReplicationGroupState", "ListTagsForResource")
        return {"TagList": [{"Key": k, "Value": v} for k, v in self.tags[ResourceName].items()]}


def _fake():
    other = group(ReplicationGroupId="other", ARN="arn:aws:elasticache:us-east-1:123456789012:replicationgroup:other")
    other["NodeGroups"][0]["NodeGroupMembers"][0]["CacheClusterId"] = "other-001"
    return FakeElastiCache(
        groups=[group(), other],
        clusters=[cluster(), cluster(CacheClusterId="other-001", EngineVersion="6.2.6")],
        tags={group()["ARN"]: {"Name": "cvat"}},
    )


def test_describe_one_group_reads_only_its_primary():
    client = _fake()
    [result] = info.describe(client, "cvat-redis")
    assert result["replication_group_id"] == "cvat-redis"
    assert result["tags"] == {"Name": "cvat"}
    assert result["engine_version"] == "7.1.0"
    assert ("DescribeCacheClusters", "cvat-redis-001") in client.calls
    assert ("paginate", "describe_cache_clusters") not in client.calls


def test_describe_unknown_group_is_an_empty_list():
    assert info.describe(_fake(), "nope") == []


def test_describe_all_groups_reads_clusters_once():
    client = _fake()
    results = info.describe(client, None)
    assert [r["replication_group_id"] for r in results] == ["cvat-redis", "other"]
    assert results[1]["engine_version"] == "6.2.6"
    # tags that can not be read yet (a group being created) are empty
    assert results[1]["tags"] == {}
    assert [c for c in client.calls if c[0] == "paginate"] == [
        ("paginate", "describe_replication_groups"),
        ("paginate", "describe_cache_clusters"),
    ]
