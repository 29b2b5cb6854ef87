# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import copy

import pytest
from botocore.exceptions import ClientError

from ansible_collections.cvatops.aws.plugins.module_utils import elasticache
from ansible_collections.cvatops.aws.plugins.modules import elasticache_replication_group as rg

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-01ab-23cd-45ef-0123456789ab"
KEY_ID = "0123abcd-01ab-23cd-45ef-0123456789ab"


def params(**overrides):
    base = dict(
        replication_group_id="cvat-redis",
        description="CVAT Redis",
        state="present",
        engine="redis",
        engine_version=None,
        cache_node_type="cache.t4g.micro",
        replicas_per_node_group=1,
        automatic_failover=True,
        multi_az=True,
        preferred_cache_cluster_azs=None,
        cache_subnet_group_name=None,
        cache_parameter_group_name=None,
        security_group_ids=None,
        port=6379,
        at_rest_encryption=True,
        kms_key_id=None,
        transit_encryption=False,
        snapshot_retention_limit=None,
        snapshot_window=None,
        preferred_maintenance_window=None,
        apply_immediately=False,
        final_snapshot_identifier=None,
        tags=None,
        purge_tags=True,
        wait=True,
        wait_timeout=1800,
        wait_interval=10,
    )
    base.update(overrides)
    return base


def member(cluster_id, role, zone):
    return {
        "CacheClusterId": cluster_id,
        "CacheNodeId": "0001",
        "ReadEndpoint": {"Address": f"{cluster_id}.cvat-redis.abc123.use1.cache.amazonaws.com", "Port": 6379},
        "PreferredAvailabilityZone": zone,
        "CurrentRole": role,
    }


def group(replicas=1, **overrides):
    """A DescribeReplicationGroups entry as AWS returns it."""
    members = [member("cvat-redis-001", "primary", "us-east-1a")]
    members += [member(f"cvat-redis-{i + 2:03d}", "replica", "us-east-1b") for i in range(replicas)]
    base = {
        "ReplicationGroupId": "cvat-redis",
        "Description": "CVAT Redis",
        "Status": "available",
        "PendingModifiedValues": {},
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
        "SnapshotRetentionLimit": 1,
        "SnapshotWindow": "03:00-04:00",
        "ClusterEnabled": False,
        "CacheNodeType": "cache.t4g.micro",
        "TransitEncryptionEnabled": False,
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": KEY_ARN,
        "ARN": "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cvat-redis",
        "Engine": "redis",
    }
    base.update(overrides)
    return base


def cluster(**overrides):
    """A DescribeCacheClusters entry of the primary."""
    base = {
        "CacheClusterId": "cvat-redis-001",
        "CacheNodeType": "cache.t4g.micro",
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "CacheClusterStatus": "available",
        "PreferredAvailabilityZone": "us-east-1a",
        "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
        "PendingModifiedValues": {},
        "CacheParameterGroup": {"CacheParameterGroupName": "cvat-redis7", "ParameterApplyStatus": "in-sync"},
        "CacheSubnetGroupName": "cvat-cache",
        "SecurityGroups": [{"SecurityGroupId": "sg-2", "Status": "active"}, {"SecurityGroupId": "sg-1", "Status": "active"}],
        "ReplicationGroupId": "cvat-redis",
    }
    base.update(overrides)
    return base


def config(tags=None, group_overrides=None, cluster_overrides=None, replicas=1):
    return rg.current_config(group(replicas, **(group_overrides or {})), cluster(**(cluster_overrides or {})), tags or {"Name": "cvat"})


def matching_params(**overrides):
    """Options that describe group()/cluster() exactly."""
    values = dict(
        engine_version="7.1",
        cache_subnet_group_name="cvat-cache",
        cache_parameter_group_name="cvat-redis7",
        security_group_ids=["sg-1", "sg-2"],
        kms_key_id=KEY_ARN,
        snapshot_retention_limit=1,
        snapshot_window="03:00-04:00",
        preferred_maintenance_window="Sun:05:00-Sun:06:00",
        tags={"Name": "cvat"},
    )
    values.update(overrides)
    return params(**values)


# --- input validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({}, None),
        ({"replicas_per_node_group": 0, "automatic_failover": False, "multi_az": False}, None),
        ({"replicas_per_node_group": 0}, "automatic_failover=true needs at least one replica"),
        ({"replicas_per_node_group": 0, "automatic_failover": False}, "multi_az=true needs at least one replica"),
        ({"multi_az": True, "automatic_failover": False}, "multi_az=true requires automatic_failover=true"),
        ({"replicas_per_node_group": 6}, "replicas_per_node_group must be between 0 and 5"),
        ({"replicas_per_node_group": -1, "automatic_failover": False, "multi_az": False}, "replicas_per_node_group"),
        ({"kms_key_id": KEY_ARN, "at_rest_encryption": False}, "kms_key_id needs at_rest_encryption=true"),
        ({"preferred_cache_cluster_azs": ["us-east-1a", "us-east-1b"]}, None),
        ({"preferred_cache_cluster_azs": ["us-east-1a"]}, "at least two Availability Zones"),
        ({"preferred_cache_cluster_azs": ["us-east-1a"], "multi_az": False}, None),
        ({"preferred_cache_cluster_azs": []}, "must name at least one"),
        ({"snapshot_retention_limit": 36}, "snapshot_retention_limit"),
        ({"wait_interval": 0}, "wait_interval"),
        ({"wait_timeout": -1, "state": "absent"}, "wait_timeout"),
        # absent ignores the settings of a group
        ({"state": "absent", "replicas_per_node_group": 0}, None),
    ],
)
def test_validate_params(overrides, error):
    problem = rg.validate_params(params(**overrides))
    if error is None:
        assert problem is None
    else:
        assert error in problem


@pytest.mark.parametrize(
    "azs, count, expected",
    [
        (["a", "b"], 2, ["a", "b"]),
        (["a", "b"], 3, ["a", "b", "a"]),
        (["a", "b", "c"], 2, ["a", "b"]),
        (["a"], 2, ["a", "a"]),
    ],
)
def test_node_azs(azs, count, expected):
    assert rg.node_azs(azs, count) == expected


# --- payloads --------------------------------------------------------------------------------


def test_build_create_params_full():
    wanted = matching_params(replicas_per_node_group=2, preferred_cache_cluster_azs=["us-east-1a", "us-east-1b"])
    assert rg.build_create_params(wanted, {"Name": "cvat"}) == {
        "ReplicationGroupId": "cvat-redis",
        "ReplicationGroupDescription": "CVAT Redis",
        "Engine": "redis",
        "EngineVersion": "7.1",
        "CacheNodeType": "cache.t4g.micro",
        "NumCacheClusters": 3,
        "PreferredCacheClusterAZs": ["us-east-1a", "us-east-1b", "us-east-1a"],
        "AutomaticFailoverEnabled": True,
        "MultiAZEnabled": True,
        "CacheSubnetGroupName": "cvat-cache",
        "CacheParameterGroupName": "cvat-redis7",
        "SecurityGroupIds": ["sg-1", "sg-2"],
        "Port": 6379,
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": KEY_ARN,
        "TransitEncryptionEnabled": False,
        "SnapshotRetentionLimit": 1,
        "SnapshotWindow": "03:00-04:00",
        "PreferredMaintenanceWindow": "Sun:05:00-Sun:06:00",
        "Tags": [{"Key": "Name", "Value": "cvat"}],
    }


def test_build_create_params_minimal_uses_the_id_as_description():
    wanted = params(description=None, replicas_per_node_group=0, automatic_failover=False, multi_az=False, engine="valkey")
    assert rg.build_create_params(wanted, None) == {
        "ReplicationGroupId": "cvat-redis",
        "ReplicationGroupDescription": "cvat-redis",
        "Engine": "valkey",
        "CacheNodeType": "cache.t4g.micro",
        "NumCacheClusters": 1,
        "AutomaticFailoverEnabled": False,
        "MultiAZEnabled": False,
        "Port": 6379,
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": False,
    }


def test_build_modify_params_uses_api_names():
    changes = {"description": "new", "security_group_ids": ["sg-1"], "multi_az": False, "snapshot_retention_limit": 0}
    assert rg.build_modify_params("cvat-redis", changes, True) == {
        "ReplicationGroupId": "cvat-redis",
        "ApplyImmediately": True,
        "ReplicationGroupDescription": "new",
        "SecurityGroupIds": ["sg-1"],
        "MultiAZEnabled": False,
        "SnapshotRetentionLimit": 0,
    }


# --- reading the current state -----------------------------------------------------------------


def test_current_config_reads_group_and_member_cluster():
    current = config()
    assert {k: v for k, v in current.items() if k != "pending"} == {
        "description": "CVAT Redis",
        "engine": "redis",
        "engine_version": "7.1.0",
        "cache_node_type": "cache.t4g.micro",
        "replicas_per_node_group": 1,
        "automatic_failover": True,
        "multi_az": True,
        "cache_subnet_group_name": "cvat-cache",
        "cache_parameter_group_name": "cvat-redis7",
        "security_group_ids": ["sg-1", "sg-2"],
        "port": 6379,
        "at_rest_encryption": True,
        "kms_key_id": KEY_ARN,
        "transit_encryption": False,
        "snapshot_retention_limit": 1,
        "snapshot_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "cluster_mode": "disabled",
        "tags": {"Name": "cvat"},
    }
    assert current["pending"] == {"cache_node_type": None, "engine_version": None, "automatic_failover": None}


@pytest.mark.parametrize(
    "group_overrides, cluster_overrides, key, expected",
    [
        ({"AutomaticFailover": "enabling"}, {}, "automatic_failover", True),
        ({"AutomaticFailover": "disabling"}, {}, "automatic_failover", False),
        ({"MultiAZ": "disabled"}, {}, "multi_az", False),
        ({"ClusterEnabled": True}, {}, "cluster_mode", "enabled"),
        ({"Engine": None}, {"Engine": "valkey"}, "engine", "valkey"),
        ({}, {"SecurityGroups": []}, "security_group_ids", []),
        ({"NodeGroups": [{"NodeGroupId": "0001", "Status": "creating"}]}, {}, "port", None),
    ],
)
def test_current_config_fields(group_overrides, cluster_overrides, key, expected):
    assert config(group_overrides=group_overrides, cluster_overrides=cluster_overrides)[key] == expected


def test_current_config_without_cluster_or_tags():
    current = rg.current_config(group(), None, None)
    assert current["engine_version"] is None and current["security_group_ids"] is None and current["tags"] is None


def test_current_config_pending_values():
    current = config(
        group_overrides={"PendingModifiedValues": {"AutomaticFailoverStatus": "disabled"}},
        cluster_overrides={"PendingModifiedValues": {"CacheNodeType": "cache.r7g.large", "EngineVersion": "7.2.0"}},
    )
    assert current["pending"] == {"cache_node_type": "cache.r7g.large", "engine_version": "7.2.0", "automatic_failover": False}


@pytest.mark.parametrize("replicas", [0, 1, 3])
def test_replica_count(replicas):
    assert elasticache.replica_count(group(replicas)) == replicas
    without_list = group(replicas)
    del without_list["MemberClusters"]
    assert elasticache.replica_count(without_list) == replicas


def test_primary_member_id_follows_the_role():
    failed_over = group(1)
    members = failed_over["NodeGroups"][0]["NodeGroupMembers"]
    members[0]["CurrentRole"], members[1]["CurrentRole"] = "replica", "primary"
    assert rg.primary_member_id(failed_over) == "cvat-redis-002"
    assert rg.primary_member_id({"MemberClusters": ["x-001"]}) == "x-001"
    assert rg.primary_member_id({}) is None


# --- comparison ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, wanted, expected",
    [
        ("7.1.0", "7.1", True),
        ("7.1.0", "7.1.0", True),
        ("7.1.0", "7", True),
        ("7.1.0", "7.0", False),
        ("7.10.0", "7.1", False),
        (None, "7.1", False),
        ("7.1.0", None, True),
    ],
)
def test_engine_version_matches(current, wanted, expected):
    assert rg.engine_version_matches(current, wanted) is expected


@pytest.mark.parametrize(
    "current, wanted, expected",
    [
        (KEY_ARN, KEY_ARN, True),
        (KEY_ARN, KEY_ID, True),
        (KEY_ID, KEY_ARN, True),
        (KEY_ARN, "alias/cvat", False),
        (KEY_ARN, "0123", False),
        (None, KEY_ID, False),
        (KEY_ARN, None, True),
    ],
)
def test_same_kms_key(current, wanted, expected):
    assert rg.same_kms_key(current, wanted) is expected


@pytest.mark.parametrize(
    "overrides, kms_key_arn, expected",
    [
        ({}, None, []),
        ({"engine": "valkey"}, None, ["engine"]),
        ({"at_rest_encryption": False, "kms_key_id": None}, None, ["at_rest_encryption"]),
        ({"transit_encryption": True}, None, ["transit_encryption"]),
        ({"kms_key_id": KEY_ID}, None, []),
        ({"kms_key_id": "alias/cvat"}, None, ["kms_key_id"]),
        ({"kms_key_id": "alias/cvat"}, KEY_ARN, []),
        ({"kms_key_id": None}, None, []),
        ({"cache_subnet_group_name": "other"}, None, ["cache_subnet_group_name"]),
        ({"cache_subnet_group_name": None}, None, []),
        ({"port": 6380}, None, ["port"]),
        (
            {"engine": "valkey", "transit_encryption": True, "port": 6380},
            None,
            ["engine", "transit_encryption", "port"],
        ),
    ],
)
def test_immutable_differences(overrides, kms_key_arn, expected):
    assert rg.immutable_differences(config(), matching_params(**overrides), kms_key_arn) == expected


def test_immutable_differences_of_a_cluster_mode_group():
    assert rg.immutable_differences(config(group_overrides={"ClusterEnabled": True}), matching_params()) == ["cluster_mode"]


def test_immutable_differences_skip_what_a_creating_group_does_not_report():
    creating = rg.current_config(group(NodeGroups=[{"NodeGroupId": "0001", "Status": "creating"}]), None, None)
    assert rg.immutable_differences(creating, matching_params(kms_key_id=None)) == []


def test_immutable_message_names_the_options_and_values():
    message = rg.immutable_message("cvat-redis", config(), params(at_rest_encryption=False, port=6380), ["at_rest_encryption", "port"])
    assert "cannot change at_rest_encryption, port" in message
    assert "at_rest_encryption is true, requested false" in message
    assert "port is 6379, requested 6380" in message
    assert "Nothing was changed" in message


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, {}),
        # options that are not set are not compared
        ({k: None for k in rg.MODIFY_API_NAMES if k not in ("automatic_failover", "multi_az")}, {}),
        ({"description": "new"}, {"description": "new"}),
        ({"cache_node_type": "cache.r7g.large"}, {"cache_node_type": "cache.r7g.large"}),
        ({"engine_version": "7.1.0"}, {}),
        ({"engine_version": "7.2"}, {"engine_version": "7.2"}),
        ({"automatic_failover": False, "multi_az": False}, {"automatic_failover": False, "multi_az": False}),
        ({"multi_az": False}, {"multi_az": False}),
        ({"security_group_ids": ["sg-2", "sg-1", "sg-1"]}, {}),
        ({"security_group_ids": ["sg-3"]}, {"security_group_ids": ["sg-3"]}),
        ({"security_group_ids": []}, {"security_group_ids": []}),
        ({"cache_parameter_group_name": "default.redis7"}, {"cache_parameter_group_name": "default.redis7"}),
        ({"snapshot_retention_limit": 0}, {"snapshot_retention_limit": 0}),
        ({"snapshot_window": "04:00-05:00"}, {"snapshot_window": "04:00-05:00"}),
        ({"preferred_maintenance_window": "SUN:05:00-SUN:06:00"}, {}),
        ({"preferred_maintenance_window": "mon:05:00-mon:06:00"}, {"preferred_maintenance_window": "mon:05:00-mon:06:00"}),
    ],
)
def test_modifications(overrides, expected):
    assert rg.modifications(config(), matching_params(**overrides)) == expected


@pytest.mark.parametrize(
    "pending, overrides, expected",
    [
        # a change that waits for the maintenance window is not requested again
        ({"CacheNodeType": "cache.r7g.large"}, {"cache_node_type": "cache.r7g.large"}, {}),
        ({"EngineVersion": "7.2.0"}, {"engine_version": "7.2"}, {}),
        ({"CacheNodeType": "cache.r7g.large"}, {"cache_node_type": "cache.m7g.large"}, {"cache_node_type": "cache.m7g.large"}),
    ],
)
def test_modifications_respect_pending_values(pending, overrides, expected):
    current = config(cluster_overrides={"PendingModifiedValues": pending})
    assert rg.modifications(current, matching_params(**overrides)) == expected


def test_plan_changes_of_an_unchanged_group_is_empty():
    plan = rg.plan_changes(config(), matching_params())
    assert rg.plan_is_empty(plan)


def test_plan_changes_collects_every_kind():
    plan = rg.plan_changes(config(), matching_params(description="new", replicas_per_node_group=2, tags={"Name": "x"}))
    assert plan == {"modify": {"description": "new"}, "replicas": 2, "tags_to_set": {"Name": "x"}, "tags_to_unset": []}
    assert not rg.plan_is_empty(plan)


@pytest.mark.parametrize(
    "plan, current_replicas, expected",
    [
        ({"modify": {}, "replicas": None, "tags_to_set": {}, "tags_to_unset": []}, 1, []),
        ({"modify": {"description": "x"}, "replicas": None, "tags_to_set": {}, "tags_to_unset": ["a"]}, 1, ["tags", "modify"]),
        # enabling failover needs the replica first
        ({"modify": {"automatic_failover": True}, "replicas": 1, "tags_to_set": {}, "tags_to_unset": []}, 0, ["increase", "modify"]),
        # disabling failover must come before the last replica goes
        ({"modify": {"automatic_failover": False}, "replicas": 0, "tags_to_set": {}, "tags_to_unset": []}, 1, ["modify", "decrease"]),
        ({"modify": {}, "replicas": 3, "tags_to_set": {"a": "b"}, "tags_to_unset": []}, 1, ["tags", "increase"]),
    ],
)
def test_ordered_steps(plan, current_replicas, expected):
    assert rg.ordered_steps(plan, current_replicas) == expected


# --- results and diff ---------------------------------------------------------------------------


def test_desired_config_and_diff_view():
    current = config()
    plan = rg.plan_changes(current, matching_params(description="new", replicas_per_node_group=2, tags={"Name": "x"}, purge_tags=False))
    after = rg.desired_config(current, plan)
    before_view, after_view = rg.diff_view(current), rg.diff_view(after)
    changed = {k for k in set(before_view) | set(after_view) if before_view.get(k) != after_view.get(k)}
    assert changed == {"description", "replicas_per_node_group", "tags"}
    assert after_view["tags"] == {"Name": "x"}
    assert "pending" not in after_view and "cluster_mode" not in before_view
    assert rg.diff_view(None) == {}


def test_requested_and_predicted_group_for_check_mode():
    wanted = matching_params(security_group_ids=["sg-2", "sg-1"], automatic_failover=True, multi_az=False)
    requested = rg.requested_config(wanted, {"Name": "cvat"})
    assert requested["security_group_ids"] == ["sg-1", "sg-2"]
    predicted = rg.predicted_group(wanted, requested, "cvat-redis")
    assert predicted["replication_group_id"] == "cvat-redis"
    assert (predicted["automatic_failover"], predicted["multi_az"]) == ("enabled", "disabled")
    assert predicted["at_rest_encryption_enabled"] is True and predicted["transit_encryption_enabled"] is False
    assert "at_rest_encryption" not in predicted
    assert predicted["tags"] == {"Name": "cvat"}
    assert predicted["replicas_per_node_group"] == 1


def test_normalize_group_snake_cases_and_adds_member_settings():
    result = rg.normalize_group(group(), cluster(), {"Name": "cvat"})
    assert result["replication_group_id"] == "cvat-redis"
    assert result["arn"].endswith(":replicationgroup:cvat-redis")
    assert (result["automatic_failover"], result["multi_az"]) == ("enabled", "enabled")
    assert result["at_rest_encryption_enabled"] is True and result["transit_encryption_enabled"] is False
    assert result["kms_key_id"] == KEY_ARN
    assert result["member_clusters"] == ["cvat-redis-001", "cvat-redis-002"]
    node_group = result["node_groups"][0]
    assert node_group["primary_endpoint"] == {"address": "master.cvat-redis.abc123.use1.cache.amazonaws.com", "port": 6379}
    assert node_group["reader_endpoint"]["address"].startswith("replica.")
    assert [(m["cache_cluster_id"], m["current_role"], m["preferred_availability_zone"]) for m in node_group["node_group_members"]] == [
        ("cvat-redis-001", "primary", "us-east-1a"),
        ("cvat-redis-002", "replica", "us-east-1b"),
    ]
    assert result["tags"] == {"Name": "cvat"}
    assert result["engine_version"] == "7.1.0"
    assert result["cache_parameter_group_name"] == "cvat-redis7"
    assert result["cache_subnet_group_name"] == "cvat-cache"
    assert result["security_group_ids"] == ["sg-1", "sg-2"]
    assert result["preferred_maintenance_window"] == "sun:05:00-sun:06:00"
    assert result["port"] == 6379
    assert result["replicas_per_node_group"] == 1
    assert rg.endpoints(result) == (node_group["primary_endpoint"], node_group["reader_endpoint"])


def test_normalize_group_while_creating():
    creating = group(Status="creating", NodeGroups=[{"NodeGroupId": "0001", "Status": "creating"}])
    result = rg.normalize_group(creating, None, None)
    assert result["tags"] == {} and "engine_version" not in result and "port" not in result
    assert rg.endpoints(result) == (None, None)
    assert rg.endpoints(None) == (None, None)


# --- waiting ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_that_succeeds_at_once_does_not_sleep():
    fake = FakeClock()
    assert rg.poll(lambda: (True, "x"), 60, 10, fake.sleep, fake.clock) == (True, "x", 0.0)
    assert fake.sleeps == []


def test_poll_sleeps_the_interval_until_done():
    fake = FakeClock()
    answers = iter([(False, 1), (False, 2), (True, 3)])
    assert rg.poll(lambda: next(answers), 60, 10, fake.sleep, fake.clock) == (True, 3, 20.0)
    assert fake.sleeps == [10, 10]


def test_poll_gives_up_at_the_timeout_with_the_last_value():
    fake = FakeClock()
    calls = []

    def check():
        calls.append(fake.now)
        return False, len(calls)

    done, value, waited = rg.poll(check, 25, 10, fake.sleep, fake.clock)
    assert (done, value, waited) == (False, 4, 25.0)
    # the last sleep is cut to the time left, and one more check follows it
    assert fake.sleeps == [10, 10, 5]


def _not_found(operation):
    return ClientError({"Error": {"Code": "ReplicationGroupNotFoundFault", "Message": "not found"}}, operation)


class FakeElastiCache:
    """Answers DescribeReplicationGroups from a list of states (the last one repeats)."""

    def __init__(self, states, cluster_status="available"):
        self.states = list(states)
        self.cluster_status = cluster_status
        self.calls = []

    def describe_replication_groups(self, ReplicationGroupId, **_kwargs):  # pylint: disable=invalid-name
        self.calls.append("DescribeReplicationGroups")
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if state is None:
            raise _not_found("DescribeReplicationGroups")
        return {"ReplicationGroups": [copy.deepcopy(state)]}

    def describe_cache_clusters(self, CacheClusterId, **_kwargs):  # pylint: disable=invalid-name
        self.calls.append("DescribeCacheClusters")
        return {"CacheClusters": [cluster(CacheClusterId=CacheClusterId, CacheClusterStatus=self.cluster_status)]}


def waiter_for(client, timeout=60):
    fake = FakeClock()
    return rg.Waiter(client, "cvat-redis", timeout, 10, fake.sleep, fake.clock), fake


def test_waiter_available_checks_group_then_members():
    client = FakeElastiCache([group(Status="creating"), group(Status="modifying"), group()])
    waiter, fake = waiter_for(client)
    assert waiter.available()["Status"] == "available"
    assert fake.sleeps == [10, 10]
    assert waiter.waited == 20
    # members are only described once the group itself is available
    assert client.calls == ["DescribeReplicationGroups"] * 3 + ["DescribeCacheClusters"] * 2


def test_waiter_available_at_once_costs_no_time():
    client = FakeElastiCache([group()])
    waiter, fake = waiter_for(client)
    waiter.available()
    assert fake.sleeps == [] and waiter.waited == 0


def test_waiter_times_out_with_the_last_state():
    waiter, _fake = waiter_for(FakeElastiCache([group()], cluster_status="modifying"), timeout=30)
    with pytest.raises(rg.AnsibleElastiCacheError) as error:
        waiter.available()
    assert "Timed out after 30 s" in error.value.message
    assert "member cluster cvat-redis-001 modifying" in error.value.message


@pytest.mark.parametrize("state, reason", [(group(Status="create-failed"), "create-failed"), (None, "disappeared")])
def test_waiter_available_fails_fast(state, reason):
    waiter, fake = waiter_for(FakeElastiCache([state]))
    with pytest.raises(rg.AnsibleElastiCacheError) as error:
        waiter.available()
    assert reason in error.value.message
    assert fake.sleeps == []


def test_waiter_gone():
    waiter, fake = waiter_for(FakeElastiCache([group(Status="deleting"), None]))
    waiter.gone()
    assert fake.sleeps == [10]
    stuck, _fake = waiter_for(FakeElastiCache([group(Status="deleting")]), timeout=20)
    with pytest.raises(rg.AnsibleElastiCacheError) as error:
        stuck.gone()
    assert "last status: deleting" in error.value.message


@pytest.mark.parametrize(
    "state, expected",
    [
        (group(), None),
        (group(Status="modifying"), "status modifying"),
        (group(NodeGroups=[{"NodeGroupId": "0001", "Status": "modifying"}]), "node group 0001 modifying"),
    ],
)
def test_group_readiness(state, expected):
    assert rg.group_readiness(state) == expected


def test_members_readiness():
    state = group(1)
    available = {"cvat-redis-001": cluster(), "cvat-redis-002": cluster(CacheClusterId="cvat-redis-002")}
    assert rg.members_readiness(state, available) is None
    assert rg.members_readiness(state, {"cvat-redis-001": cluster()}) == "member cluster cvat-redis-002 not found yet"
    creating = dict(available, **{"cvat-redis-002": cluster(CacheClusterStatus="creating")})
    assert rg.members_readiness(state, creating) == "member cluster cvat-redis-002 creating"
