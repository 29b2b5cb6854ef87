# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cvatops.aws.elasticache_replication_group and its _info twin share: reading a replication group
back from DescribeReplicationGroups and its primary's DescribeCacheClusters entry, and error handling."""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict

AVAILABLE = "available"


class AnsibleElastiCacheError(AnsibleAWSError):
    pass


class ElastiCacheErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleElastiCacheError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ReplicationGroupNotFoundFault", "CacheClusterNotFound"])


def replica_count(group):
    """Number of replicas of a cluster-mode-disabled group (its members minus the primary)."""
    members = group.get("MemberClusters")
    if members is None:
        members = [m for ng in group.get("NodeGroups") or [] for m in ng.get("NodeGroupMembers") or []]
    return max(len(members) - 1, 0)


def primary_member_id(group):
    """The cache cluster id of the primary node (else the first member), or None."""
    for node_group in group.get("NodeGroups") or []:
        for member in node_group.get("NodeGroupMembers") or []:
            if member.get("CurrentRole") == "primary":
                return member.get("CacheClusterId")
    members = group.get("MemberClusters") or []
    return members[0] if members else None


def endpoint_port(group):
    for node_group in group.get("NodeGroups") or []:
        for key in ("PrimaryEndpoint", "ReaderEndpoint"):
            port = (node_group.get(key) or {}).get("Port")
            if port is not None:
                return port
    return None


def current_config(group, cluster, tags):
    """The settings of a described group, keyed by option name, for comparison and diff.

    group: DescribeReplicationGroups entry; cluster: DescribeCacheClusters entry of a member (or None);
    tags: dict (None when unknown).
    """
    cluster = cluster or {}
    parameter_group = (cluster.get("CacheParameterGroup") or {}).get("CacheParameterGroupName")
    security_groups = cluster.get("SecurityGroups")
    failover = group.get("AutomaticFailover")
    config = {
        "description": group.get("Description"),
        "engine": group.get("Engine") or cluster.get("Engine"),
        "engine_version": cluster.get("EngineVersion"),
        "cache_node_type": group.get("CacheNodeType") or cluster.get("CacheNodeType"),
        "replicas_per_node_group": replica_count(group),
        "automatic_failover": None if failover is None else failover in ("enabled", "enabling"),
        "multi_az": group.get("MultiAZ") == "enabled" if group.get("MultiAZ") is not None else None,
        "cache_subnet_group_name": cluster.get("CacheSubnetGroupName"),
        "cache_parameter_group_name": parameter_group,
        "security_group_ids": None if security_groups is None else sorted(sg["SecurityGroupId"] for sg in security_groups),
        "port": endpoint_port(group),
        "at_rest_encryption": bool(group.get("AtRestEncryptionEnabled")),
        "kms_key_id": group.get("KmsKeyId"),
        "transit_encryption": bool(group.get("TransitEncryptionEnabled")),
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit"),
        "snapshot_window": group.get("SnapshotWindow"),
        "preferred_maintenance_window": cluster.get("PreferredMaintenanceWindow"),
        "cluster_mode": "enabled" if group.get("ClusterEnabled") else "disabled",
        "tags": tags,
    }
    pending = dict(cluster.get("PendingModifiedValues") or {})
    failover_pending = (group.get("PendingModifiedValues") or {}).get("AutomaticFailoverStatus")
    config["pending"] = {
        "cache_node_type": pending.get("CacheNodeType"),
        "engine_version": pending.get("EngineVersion"),
        "automatic_failover": None if failover_pending is None else failover_pending == "enabled",
    }
    return config


def normalize_group(group, cluster, tags):
    """The module's replication_group: the snake_cased description, tags, and the member cluster's settings."""
    result = boto3_resource_to_ansible_dict(group, transform_tags=False, force_tags=False)
    config = current_config(group, cluster, tags)
    result["tags"] = dict(tags or {})
    result["replicas_per_node_group"] = config["replicas_per_node_group"]
    for option in ("engine", "engine_version", "cache_subnet_group_name", "cache_parameter_group_name", "security_group_ids", "port"):
        if config[option] is not None:
            result[option] = config[option]
    if config["preferred_maintenance_window"] is not None:
        result["preferred_maintenance_window"] = config["preferred_maintenance_window"]
    result.setdefault("pending_modified_values", {})
    return result


@ElastiCacheErrorHandler.list_error_handler("describe cache cluster {cluster_id}")
def describe_cache_cluster(client, cluster_id):
    clusters = client.describe_cache_clusters(CacheClusterId=cluster_id, aws_retry=True)["CacheClusters"]
    return clusters[0] if clusters else None
