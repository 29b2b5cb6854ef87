#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_replication_group
version_added: 0.1.0
short_description: Manage an ElastiCache (Redis OSS / Valkey) replication group
description:
  - Create, modify or delete an Amazon ElastiCache replication group with cluster mode disabled (one
    node group of a primary node and O(replicas_per_node_group) read replicas), with automatic failover
    and Multi-AZ, as a highly available Redis OSS or Valkey endpoint.
  - The input is checked before any AWS call. O(automatic_failover=true) and O(multi_az=true) need at
    least one replica, and O(multi_az=true) needs O(automatic_failover=true).
  - An existing group is compared with the options. Only options that are set and differ are changed, that is
    O(description), O(cache_node_type), O(engine_version), O(automatic_failover), O(multi_az),
    O(security_group_ids), O(cache_parameter_group_name), O(snapshot_retention_limit),
    O(snapshot_window) and O(preferred_maintenance_window) through ModifyReplicationGroup, the number of
    replicas through IncreaseReplicaCount / DecreaseReplicaCount, and O(tags).
  - O(engine), O(at_rest_encryption), O(transit_encryption), O(kms_key_id), O(cache_subnet_group_name)
    and O(port) are fixed when a group is created. When they differ, the module fails without changing
    anything and names them; delete and re-create the group to change them.
  - AWS accepts changes only while a group is V(available). Before the first change, and between two
    changes that AWS runs one after the other (adding replicas, then modifying), the module waits for
    the group to become available, even with O(wait=false). Each of these waits, and the final one with
    O(wait=true), polls every O(wait_interval) seconds and gives up after O(wait_timeout) seconds.
author:
  - cvatops maintainers (@cvatops)
options:
  replication_group_id:
    description:
      - The identifier of the replication group (1 to 40 lowercase letters, digits and hyphens).
    type: str
    required: true
  description:
    description:
      - The description of the replication group.
      - When creating a group and not set, the O(replication_group_id) is used. When not set, the
        description of an existing group is left alone.
    type: str
  state:
    description:
      - Whether the replication group should exist.
    type: str
    choices: ["present", "absent"]
    default: "present"
  engine:
    description:
      - The cache engine. Fixed at creation.
    type: str
    choices: ["redis", "valkey"]
    default: "redis"
  engine_version:
    description:
      - The engine version, for example V(7.1). AWS reports the patch level it runs (V(7.1.0)), which
        matches V(7.1).
      - If not set, a new group gets AWS's default version and the version of an existing group is left
        alone. AWS does not downgrade.
    type: str
  cache_node_type:
    description:
      - The node type, for example V(cache.t4g.micro) or V(cache.r7g.large).
      - Required to create a group. If not set, the node type of an existing group is left alone.
    type: str
  replicas_per_node_group:
    description:
      - The number of read replicas beside the primary node (0 to 5). The group has
        O(replicas_per_node_group) + 1 nodes.
      - Replicas are added and removed at once, whatever O(apply_immediately) says (AWS supports nothing else).
    type: int
    default: 1
  automatic_failover:
    description:
      - Whether a replica is promoted automatically when the primary fails. Needs at least one replica.
    type: bool
    default: true
  multi_az:
    description:
      - Whether Multi-AZ is enabled (failover to a replica in another Availability Zone).
      - Needs O(automatic_failover=true) and at least one replica.
    type: bool
    default: true
  preferred_cache_cluster_azs:
    description:
      - The Availability Zones of the nodes of a new group, the primary's first, then the replicas'.
      - A list shorter than the number of nodes is repeated (V([us-east-1a, us-east-1b]) with two replicas
        places the nodes in a, b, a); extra entries are ignored.
      - Used only when the group is created. AWS chooses the Availability Zone of replicas added later,
        and a failover changes which node is the primary, so the placement of an existing group is not
        compared.
      - With O(multi_az=true) the list must name at least two Availability Zones.
      - If not set, AWS spreads the nodes over the Availability Zones of the subnet group.
    type: list
    elements: str
  cache_subnet_group_name:
    description:
      - The cache subnet group the nodes are placed in (its subnets decide the VPC and the Availability
        Zones). Fixed at creation.
      - If not set, AWS uses the default subnet group of the default VPC.
    type: str
  cache_parameter_group_name:
    description:
      - The cache parameter group of the nodes. Its family must match the engine version.
      - If not set, a new group uses the family's default group and the parameter group of an existing group
        is left alone.
    type: str
  security_group_ids:
    description:
      - The VPC security groups of the nodes. The order does not matter.
      - If not set, a new group uses the VPC's default security group and the security groups of an existing
        group are left alone.
    type: list
    elements: str
  port:
    description:
      - The port the nodes accept connections on. Fixed at creation.
    type: int
    default: 6379
  at_rest_encryption:
    description:
      - Whether the data on disk (snapshots, swap, backups) is encrypted. Fixed at creation.
    type: bool
    default: true
  kms_key_id:
    description:
      - The KMS key (id, ARN or alias) that encrypts the data at rest. Needs O(at_rest_encryption=true).
        Fixed at creation.
      - If not set, AWS uses an AWS owned key, and the key of an existing group is not compared.
    type: str
  transit_encryption:
    description:
      - Whether connections to the nodes must use TLS. Fixed at creation.
    type: bool
    default: false
  snapshot_retention_limit:
    description:
      - For how many days automatic snapshots are kept (0 to 35). V(0) turns automatic snapshots off.
      - If not set, a new group keeps none and the setting of an existing group is left alone.
    type: int
  snapshot_window:
    description:
      - The daily time range (UTC) for automatic snapshots, for example V(05:00-06:00).
      - If not set, AWS chooses one for a new group and the window of an existing group is left alone.
    type: str
  preferred_maintenance_window:
    description:
      - The weekly time range (UTC) for maintenance, for example V(sun:23:00-mon:01:30). Compared without
        regard to case.
      - If not set, AWS chooses one for a new group and the window of an existing group is left alone.
    type: str
  apply_immediately:
    description:
      - Whether node changes (O(cache_node_type), O(engine_version)) are applied now rather than in the next
        maintenance window. Until then AWS lists them as pending and the module does not request them again.
      - The other changes are applied at once in any case.
    type: bool
    default: false
  final_snapshot_identifier:
    description:
      - With O(state=absent), the name of a snapshot AWS takes before it deletes the group.
      - If not set, no final snapshot is taken.
    type: str
  wait:
    description:
      - Whether to wait until the group is V(available) (and its member clusters are) after it was created
        or changed, or until it is gone after it was deleted.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long, in seconds, one wait lasts at most. The module then fails and reports the last status.
      - Creating a group takes AWS 5 to 15 minutes, adding a replica or changing the node type longer.
    type: int
    default: 1800
  wait_interval:
    description:
      - How many seconds to sleep between two status polls while waiting.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - Cluster mode (sharding over several node groups) is not supported. A group with cluster mode enabled
    is reported as an immutable difference.
  - The module reads a group's engine version, parameter group, subnet group, security groups and
    maintenance window from its primary member cluster (DescribeCacheClusters), because
    DescribeReplicationGroups does not return them.
"""

EXAMPLES = r"""
- name: Multi-AZ Redis for CVAT, a primary and a replica in two Availability Zones
  cvatops.aws.elasticache_replication_group:
    replication_group_id: cvat-prod-redis
    description: CVAT in-memory Redis (queues, locks, cache)
    engine: redis
    engine_version: "7.1"
    cache_node_type: cache.t4g.medium
    replicas_per_node_group: 1
    preferred_cache_cluster_azs: [us-east-1a, us-east-1b]
    cache_subnet_group_name: cvat-prod-cache
    cache_parameter_group_name: cvat-prod-redis7
    security_group_ids: ["{{ cache_security_group_id }}"]
    kms_key_id: alias/cvat-prod
    snapshot_retention_limit: 7
    snapshot_window: "03:00-04:00"
    preferred_maintenance_window: "sun:05:00-sun:06:00"
    tags:
      Project: cvat
      Environment: prod
  register: redis

- name: Point CVAT at the primary endpoint
  ansible.builtin.set_fact:
    cvat_redis_host: "{{ redis.primary_endpoint.address }}"

- name: Add a second replica and apply a larger node type now
  cvatops.aws.elasticache_replication_group:
    replication_group_id: cvat-prod-redis
    cache_node_type: cache.r7g.large
    replicas_per_node_group: 2
    apply_immediately: true

- name: Start creating a group without waiting for it (a later task with wait=true waits)
  cvatops.aws.elasticache_replication_group:
    replication_group_id: cvat-dev-redis
    cache_node_type: cache.t4g.micro
    replicas_per_node_group: 0
    automatic_failover: false
    multi_az: false
    wait: false

- name: Delete the group, keeping a final snapshot
  cvatops.aws.elasticache_replication_group:
    replication_group_id: cvat-prod-redis
    state: absent
    final_snapshot_identifier: cvat-prod-redis-final
"""

RETURN = r"""
changed:
  description: Whether the group was (or, in check mode, would be) created, changed or deleted.
  returned: always
  type: bool
  sample: true
replication_group:
  description:
    - The replication group, as DescribeReplicationGroups returns it (snake_case), with its tags and the
      settings read from its primary member cluster.
    - In check mode, for a group that would be created, only the requested settings; for a group that would
      change, its current description with the changes applied.
  returned: when O(state=present)
  type: complex
  contains:
    replication_group_id:
      description: The identifier of the group.
      returned: always
      type: str
      sample: cvat-prod-redis
    description:
      description: The description of the group.
      returned: always
      type: str
      sample: CVAT in-memory Redis
    status:
      description: The status of the group (V(creating), V(available), V(modifying), V(deleting), V(create-failed), V(snapshotting)).
      returned: when the group exists
      type: str
      sample: available
    engine:
      description: The cache engine.
      returned: always
      type: str
      sample: redis
    engine_version:
      description: The engine version the nodes run.
      returned: when known
      type: str
      sample: 7.1.0
    cache_node_type:
      description: The node type.
      returned: when known
      type: str
      sample: cache.t4g.medium
    member_clusters:
      description: The identifiers of the member cache clusters (one per node).
      returned: when the group exists
      type: list
      elements: str
      sample: ["cvat-prod-redis-001", "cvat-prod-redis-002"]
    replicas_per_node_group:
      description: The number of read replicas.
      returned: always
      type: int
      sample: 1
    node_groups:
      description: The node group of the group (one, cluster mode being disabled).
      returned: when the group exists
      type: list
      elements: dict
      contains:
        node_group_id:
          description: The id of the node group.
          type: str
          sample: "0001"
        status:
          description: The status of the node group.
          type: str
          sample: available
        primary_endpoint:
          description: The endpoint of the primary node (C(address), C(port)); it follows failovers.
          type: dict
          sample: {"address": "master.cvat-prod-redis.abc123.use1.cache.amazonaws.com", "port": 6379}
        reader_endpoint:
          description: The endpoint that spreads connections over the replicas (C(address), C(port)).
          type: dict
          sample: {"address": "replica.cvat-prod-redis.abc123.use1.cache.amazonaws.com", "port": 6379}
        node_group_members:
          description: The nodes, with C(cache_cluster_id), C(cache_node_id), C(read_endpoint),
            C(preferred_availability_zone) and C(current_role) (V(primary) or V(replica)).
          type: list
          elements: dict
          sample:
            - cache_cluster_id: cvat-prod-redis-001
              cache_node_id: "0001"
              current_role: primary
              preferred_availability_zone: us-east-1a
              read_endpoint: {"address": "cvat-prod-redis-001.cvat-prod-redis.abc123.use1.cache.amazonaws.com", "port": 6379}
    automatic_failover:
      description: The automatic failover status (V(enabled), V(disabled), V(enabling), V(disabling)).
      returned: always
      type: str
      sample: enabled
    multi_az:
      description: The Multi-AZ status (V(enabled), V(disabled)).
      returned: always
      type: str
      sample: enabled
    at_rest_encryption_enabled:
      description: Whether data at rest is encrypted.
      returned: always
      type: bool
      sample: true
    transit_encryption_enabled:
      description: Whether connections must use TLS.
      returned: always
      type: bool
      sample: false
    kms_key_id:
      description: The KMS key that encrypts the data at rest.
      returned: when a customer managed key is used
      type: str
      sample: arn:aws:kms:us-east-1:123456789012:key/0123abcd-01ab-23cd-45ef-0123456789ab
    arn:
      description: The ARN of the group.
      returned: when the group exists
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cvat-prod-redis
    cache_subnet_group_name:
      description: The cache subnet group.
      returned: when known
      type: str
      sample: cvat-prod-cache
    cache_parameter_group_name:
      description: The cache parameter group of the nodes.
      returned: when known
      type: str
      sample: default.redis7
    security_group_ids:
      description: The VPC security groups of the nodes, sorted.
      returned: when known
      type: list
      elements: str
      sample: ["sg-0123456789abcdef0"]
    port:
      description: The port of the nodes.
      returned: when known
      type: int
      sample: 6379
    preferred_maintenance_window:
      description: The weekly maintenance window.
      returned: when known
      type: str
      sample: sun:05:00-sun:06:00
    snapshot_retention_limit:
      description: For how many days automatic snapshots are kept.
      returned: when known
      type: int
      sample: 7
    snapshot_window:
      description: The daily snapshot window.
      returned: when known
      type: str
      sample: 03:00-04:00
    pending_modified_values:
      description: Changes AWS has accepted but not applied yet (group level).
      returned: when the group exists
      type: dict
      sample: {}
    tags:
      description: The tags of the group.
      returned: always
      type: dict
      sample: {"Project": "cvat"}
primary_endpoint:
  description: The endpoint of the primary node, for writes. It keeps its address across failovers.
  returned: when O(state=present) and AWS has assigned it
  type: dict
  contains:
    address:
      description: The DNS name.
      type: str
      sample: master.cvat-prod-redis.abc123.use1.cache.amazonaws.com
    port:
      description: The port.
      type: int
      sample: 6379
reader_endpoint:
  description: The endpoint that spreads reads over the replicas.
  returned: when O(state=present) and AWS has assigned it
  type: dict
  contains:
    address:
      description: The DNS name.
      type: str
      sample: replica.cvat-prod-redis.abc123.use1.cache.amazonaws.com
    port:
      description: The port.
      type: int
      sample: 6379
waited_seconds:
  description:
    - How long the module slept, in total, between polls while waiting for the group to become available or
      to be deleted (the calls themselves not counted).
    - AWS takes minutes for most changes; an emulator that completes them at once costs no wait.
  returned: always
  type: float
  sample: 412.3
diff:
  description: The compared settings before and after (option names as keys), with C(--diff).
  returned: when diff mode is on
  type: dict
  sample:
    before: {"description": "old", "replicas_per_node_group": 1}
    after: {"description": "new", "replicas_per_node_group": 2}
"""

import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import scrub_none_parameters

from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import AVAILABLE
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import AnsibleElastiCacheError
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import ElastiCacheErrorHandler
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import current_config
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import describe_cache_cluster
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import normalize_group
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import primary_member_id
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import apply_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tag_changes

MAX_REPLICAS = 5
# Statuses from which a group does not become available by waiting.
FAILED_STATUSES = ("create-failed", "deleting")

# Options compared with an existing group, by kind.
IMMUTABLE_OPTIONS = ("engine", "at_rest_encryption", "transit_encryption", "kms_key_id", "cache_subnet_group_name", "port")
MODIFY_API_NAMES = {
    "description": "ReplicationGroupDescription",
    "cache_node_type": "CacheNodeType",
    "engine_version": "EngineVersion",
    "automatic_failover": "AutomaticFailoverEnabled",
    "multi_az": "MultiAZEnabled",
    "security_group_ids": "SecurityGroupIds",
    "cache_parameter_group_name": "CacheParameterGroupName",
    "snapshot_retention_limit": "SnapshotRetentionLimit",
    "snapshot_window": "SnapshotWindow",
    "preferred_maintenance_window": "PreferredMaintenanceWindow",
}


# --- pure helpers -----------------------------------------------------------------------------


def validate_params(params):
    """Returns an error message for input that argument_spec can not check, or None."""
    if params["wait_timeout"] < 0:
        return "wait_timeout must not be negative"
    if params["wait_interval"] < 1:
        return "wait_interval must be at least 1 second"
    if params["state"] != "present":
        return None
    replicas = params["replicas_per_node_group"]
    if not 0 <= replicas <= MAX_REPLICAS:
        return f"replicas_per_node_group must be between 0 and {MAX_REPLICAS}, got {replicas}"
    for option in ("automatic_failover", "multi_az"):
        if params[option] and replicas < 1:
            return (
                f"{option}=true needs at least one replica: set replicas_per_node_group >= 1, or {option}=false"
                + (" (and multi_az=false)" if option == "automatic_failover" else "")
            )
    if params["multi_az"] and not params["automatic_failover"]:
        return "multi_az=true requires automatic_failover=true"
    if params.get("kms_key_id") and not params["at_rest_encryption"]:
        return "kms_key_id needs at_rest_encryption=true"
    azs = params.get("preferred_cache_cluster_azs")
    if azs is not None:
        if not azs or not all(azs):
            return "preferred_cache_cluster_azs must name at least one Availability Zone"
        if params["multi_az"] and len(set(node_azs(azs, replicas + 1))) < 2:
            return "multi_az=true needs preferred_cache_cluster_azs to place the nodes in at least two Availability Zones"
    limit = params.get("snapshot_retention_limit")
    if limit is not None and not 0 <= limit <= 35:
        return f"snapshot_retention_limit must be between 0 and 35, got {limit}"
    return None


def node_azs(azs, count):
    """The Availability Zone of each of ``count`` nodes: the list, repeated or cut to length."""
    return [azs[i % len(azs)] for i in range(count)]


def build_create_params(params, tags):
    """Keyword arguments of CreateReplicationGroup (cluster mode disabled: NumCacheClusters nodes)."""
    nodes = params["replicas_per_node_group"] + 1
    azs = params.get("preferred_cache_cluster_azs")
    create = {
        "ReplicationGroupId": params["replication_group_id"],
        "ReplicationGroupDescription": params.get("description") or params["replication_group_id"],
        "Engine": params["engine"],
        "EngineVersion": params.get("engine_version"),
        "CacheNodeType": params.get("cache_node_type"),
        "NumCacheClusters": nodes,
        "PreferredCacheClusterAZs": node_azs(azs, nodes) if azs else None,
        "AutomaticFailoverEnabled": params["automatic_failover"],
        "MultiAZEnabled": params["multi_az"],
        "CacheSubnetGroupName": params.get("cache_subnet_group_name"),
        "CacheParameterGroupName": params.get("cache_parameter_group_name"),
        "SecurityGroupIds": params.get("security_group_ids"),
        "Port": params["port"],
        "AtRestEncryptionEnabled": params["at_rest_encryption"],
        "KmsKeyId": params.get("kms_key_id"),
        "TransitEncryptionEnabled": params["transit_encryption"],
        "SnapshotRetentionLimit": params.get("snapshot_retention_limit"),
        "SnapshotWindow": params.get("snapshot_window"),
        "PreferredMaintenanceWindow": params.get("preferred_maintenance_window"),
        "Tags": ansible_dict_to_boto3_tag_list(tags) if tags else None,
    }
    return scrub_none_parameters(create)


def engine_version_matches(current, wanted):
    """Does the running version (7.1.0) satisfy the requested one (7.1 or 7.1.0)?"""
    if not wanted:
        return True
    if not current:
        return False
    return current == wanted or current.startswith(wanted + ".")


def same_kms_key(current, wanted):
    """Do two key references (id, ARN, alias, alias ARN) designate the same key, judging by their text?"""
    if not wanted:
        return True
    if not current:
        return False
    if current == wanted:
        return True
    return current.endswith(("/" + wanted, ":" + wanted)) or wanted.endswith(("/" + current, ":" + current))


def immutable_differences(config, params, kms_key_arn=None):
    """Names of the options that differ from the group but are fixed at creation.

    kms_key_arn: the ARN the requested kms_key_id resolves to, when known (an alias is not
    comparable by its text).
    """
    differences = []
    if config.get("cluster_mode") == "enabled":
        differences.append("cluster_mode")
    for option in IMMUTABLE_OPTIONS:
        wanted, current = params.get(option), config.get(option)
        if wanted is None:
            continue
        if option == "kms_key_id":
            if not (same_kms_key(current, wanted) or (kms_key_arn and same_kms_key(current, kms_key_arn))):
                differences.append(option)
        elif option in ("port", "engine", "cache_subnet_group_name") and current is None:
            continue  # not reported yet (e.g. while creating): nothing to compare
        elif wanted != current:
            differences.append(option)
    return differences


def _show(value):
    """A value as YAML writes it (true, not True), for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "(not set)" if value is None else str(value)


def immutable_message(group_id, config, params, differences):
    requested = dict(params, cluster_mode="disabled")
    details = ", ".join(f"{name} is {_show(config.get(name))}, requested {_show(requested.get(name))}" for name in differences)
    return (
        f"Replication group {group_id}: cannot change {', '.join(differences)}, which are fixed when a group is created "
        f"({details}). Nothing was changed; delete and re-create the group to change them."
    )


def _differs(option, current, wanted, pending):
    if option == "engine_version":
        return not (engine_version_matches(current, wanted) or engine_version_matches(pending, wanted))
    if option == "security_group_ids":
        return sorted(set(wanted)) != (current or [])
    if option == "preferred_maintenance_window":
        return (current or "").lower() != wanted.lower()
    if pending is not None and pending == wanted:
        return False
    return current != wanted


def modifications(config, params):
    """The modifiable options that are set and differ, with their wanted value, keyed by option name."""
    changes = {}
    for option in MODIFY_API_NAMES:
        wanted = params.get(option)
        if wanted is None:
            continue
        if _differs(option, config.get(option), wanted, config["pending"].get(option)):
            changes[option] = sorted(set(wanted)) if option == "security_group_ids" else wanted
    return changes


def build_modify_params(group_id, changes, apply_immediately):
    """Keyword arguments of ModifyReplicationGroup for the changes of modifications()."""
    modify = {MODIFY_API_NAMES[option]: value for option, value in changes.items()}
    modify.update(ReplicationGroupId=group_id, ApplyImmediately=apply_immediately)
    return modify


def plan_changes(config, params):
    """What to change on an existing group: ModifyReplicationGroup changes, the new replica count, tags."""
    to_set, to_unset = tag_changes(config.get("tags"), params.get("tags"), params["purge_tags"])
    wanted_replicas = params["replicas_per_node_group"]
    return {
        "modify": modifications(config, params),
        "replicas": wanted_replicas if wanted_replicas != config["replicas_per_node_group"] else None,
        "tags_to_set": to_set,
        "tags_to_unset": to_unset,
    }


def plan_is_empty(plan):
    return not (plan["modify"] or plan["replicas"] is not None or plan["tags_to_set"] or plan["tags_to_unset"])


def ordered_steps(plan, current_replicas):
    """The API steps, in an order AWS accepts.

    More replicas first, then the modification (enabling failover needs the replica); fewer replicas
    last (disabling failover must come first).
    """
    steps = []
    if plan["tags_to_set"] or plan["tags_to_unset"]:
        steps.append("tags")
    replicas = plan["replicas"]
    if replicas is not None and replicas > current_replicas:
        steps.append("increase")
    if plan["modify"]:
        steps.append("modify")
    if replicas is not None and replicas < current_replicas:
        steps.append("decrease")
    return steps


def diff_view(config):
    """The compared settings (no internal bookkeeping), for --diff."""
    if not config:
        return {}
    return {k: v for k, v in config.items() if k not in ("pending", "cluster_mode") and v is not None}


def desired_config(config, plan):
    """The settings after the plan is applied (a predicted view for check mode and diff)."""
    after = {k: v for k, v in config.items() if k != "pending"}
    after.update(plan["modify"])
    if plan["replicas"] is not None:
        after["replicas_per_node_group"] = plan["replicas"]
    if plan["tags_to_set"] or plan["tags_to_unset"]:
        after["tags"] = apply_tag_changes(config.get("tags"), plan["tags_to_set"], plan["tags_to_unset"])
    return after


def requested_config(params, tags):
    """The settings of a group that would be created, as current_config() would report them."""
    return {
        "description": params.get("description") or params["replication_group_id"],
        "engine": params["engine"],
        "engine_version": params.get("engine_version"),
        "cache_node_type": params.get("cache_node_type"),
        "replicas_per_node_group": params["replicas_per_node_group"],
        "automatic_failover": params["automatic_failover"],
        "multi_az": params["multi_az"],
        "cache_subnet_group_name": params.get("cache_subnet_group_name"),
        "cache_parameter_group_name": params.get("cache_parameter_group_name"),
        "security_group_ids": sorted(set(params["security_group_ids"])) if params.get("security_group_ids") is not None else None,
        "port": params["port"],
        "at_rest_encryption": params["at_rest_encryption"],
        "kms_key_id": params.get("kms_key_id"),
        "transit_encryption": params["transit_encryption"],
        "snapshot_retention_limit": params.get("snapshot_retention_limit"),
        "snapshot_window": params.get("snapshot_window"),
        "preferred_maintenance_window": params.get("preferred_maintenance_window"),
        "tags": dict(tags or {}),
    }


def _status_word(enabled):
    return "enabled" if enabled else "disabled"


def predicted_group(params, config, group_id):
    """The replication_group result for check mode: the settings, in the shape normalize_group() returns."""
    predicted = {k: v for k, v in config.items() if k not in ("pending", "cluster_mode") and v is not None}
    predicted["replication_group_id"] = group_id
    predicted["automatic_failover"] = _status_word(config.get("automatic_failover"))
    predicted["multi_az"] = _status_word(config.get("multi_az"))
    predicted["at_rest_encryption_enabled"] = predicted.pop("at_rest_encryption", False)
    predicted["transit_encryption_enabled"] = predicted.pop("transit_encryption", False)
    predicted.setdefault("tags", {})
    return predicted


def endpoints(result):
    """(primary_endpoint, reader_endpoint) of a normalized group; None where AWS has not assigned one yet."""
    node_groups = (result or {}).get("node_groups") or []
    if not node_groups:
        return None, None
    return node_groups[0].get("primary_endpoint"), node_groups[0].get("reader_endpoint")


def group_readiness(group):
    """None when the group and its node groups are available, else what is not."""
    status = group.get("Status")
    if status != AVAILABLE:
        return f"status {status}"
    for node_group in group.get("NodeGroups") or []:
        if node_group.get("Status", AVAILABLE) != AVAILABLE:
            return f"node group {node_group.get('NodeGroupId')} {node_group.get('Status')}"
    return None


def members_readiness(group, clusters):
    """None when every member cluster is available, else the first that is not.

    clusters: {cache_cluster_id: DescribeCacheClusters entry, or None when not found}.
    """
    for cluster_id in group.get("MemberClusters") or []:
        cluster = clusters.get(cluster_id)
        if cluster is None:
            return f"member cluster {cluster_id} not found yet"
        if cluster.get("CacheClusterStatus") != AVAILABLE:
            return f"member cluster {cluster_id} {cluster.get('CacheClusterStatus')}"
    return None


def poll(check, timeout, interval, sleep=time.sleep, clock=time.monotonic):
    """Calls check() until it returns (True, value), at most ``timeout`` seconds, ``interval`` apart.

    Returns (done, value, slept seconds); value is the last one check() returned. The first check is
    immediate, so a resource that is already there costs one call and no sleep.
    """
    deadline = clock() + timeout
    slept = 0.0
    while True:
        done, value = check()
        left = deadline - clock()
        if done or left <= 0:
            return done, value, slept
        pause = min(interval, left)
        sleep(pause)
        slept += pause


# --- AWS calls -------------------------------------------------------------------------------


@ElastiCacheErrorHandler.list_error_handler("describe replication group {group_id}")
def describe_replication_group(client, group_id):
    groups = client.describe_replication_groups(ReplicationGroupId=group_id, aws_retry=True)["ReplicationGroups"]
    return groups[0] if groups else None


def describe_primary_cluster(client, group):
    cluster_id = primary_member_id(group)
    return describe_cache_cluster(client, cluster_id) if cluster_id else None


@ElastiCacheErrorHandler.common_error_handler("list tags of {arn}")
def list_tags(client, arn):
    """The tags as a dict; None while AWS refuses to list them (a group that is being created)."""
    try:
        response = client.list_tags_for_resource(ResourceName=arn, aws_retry=True)
    except is_boto3_error_code("InvalidReplicationGroupState"):
        return None
    return boto3_tag_list_to_ansible_dict(response.get("TagList") or [])


@ElastiCacheErrorHandler.common_error_handler("create replication group")
def create_replication_group(client, create_params):
    return client.create_replication_group(aws_retry=True, **create_params)["ReplicationGroup"]


@ElastiCacheErrorHandler.common_error_handler("modify replication group")
def modify_replication_group(client, modify_params):
    return client.modify_replication_group(aws_retry=True, **modify_params)["ReplicationGroup"]


@ElastiCacheErrorHandler.common_error_handler("change the replica count of {group_id} to {new_count}")
def change_replica_count(client, group_id, new_count, increase):
    call = client.increase_replica_count if increase else client.decrease_replica_count
    # AWS supports only ApplyImmediately=true for these two.
    return call(ReplicationGroupId=group_id, NewReplicaCount=new_count, ApplyImmediately=True, aws_retry=True)


@ElastiCacheErrorHandler.common_error_handler("tag replication group {arn}")
def set_tags(client, arn, to_set, to_unset):
    if to_unset:
        client.remove_tags_from_resource(ResourceName=arn, TagKeys=list(to_unset), aws_retry=True)
    if to_set:
        client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@ElastiCacheErrorHandler.deletion_error_handler("delete replication group {group_id}")
def delete_replication_group(client, group_id, final_snapshot_identifier):
    delete = {"ReplicationGroupId": group_id}
    if final_snapshot_identifier:
        delete["FinalSnapshotIdentifier"] = final_snapshot_identifier
    client.delete_replication_group(aws_retry=True, **delete)
    return True


def resolve_kms_key_arn(module, key_id):
    """The ARN of a KMS key reference (alias, id), or None when it can not be read."""
    try:
        kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
        return kms.describe_key(KeyId=key_id, aws_retry=True)["KeyMetadata"]["Arn"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
        # Not being allowed to read the key is no reason to fail: the ids are then compared as text.
        return None


class Waiter:
    """Polls a group until it is available (with its member clusters) or gone, within wait_timeout."""

    def __init__(self, client, group_id, timeout, interval, sleep=time.sleep, clock=time.monotonic):
        self.client = client
        self.group_id = group_id
        self.timeout = timeout
        self.interval = interval
        self.sleep = sleep
        self.clock = clock
        self.waited = 0.0

    def _poll(self, check):
        done, value, waited = poll(check, self.timeout, self.interval, self.sleep, self.clock)
        self.waited += waited
        return done, value

    def available(self):
        """Returns the available group; raises if it fails, disappears or the time runs out."""

        def check():
            group = describe_replication_group(self.client, self.group_id)
            if group is None:
                raise AnsibleElastiCacheError(message=f"Replication group {self.group_id} disappeared while waiting for it")
            if group.get("Status") in FAILED_STATUSES:
                raise AnsibleElastiCacheError(
                    message=f"Replication group {self.group_id} is {group.get('Status')}; it will not become available"
                )
            reason = group_readiness(group)
            if reason is None:
                # Only an available group is worth the member clusters' calls.
                clusters = {cid: describe_cache_cluster(self.client, cid) for cid in group.get("MemberClusters") or []}
                reason = members_readiness(group, clusters)
            return reason is None, (group, reason)

        done, (group, reason) = self._poll(check)
        if not done:
            raise AnsibleElastiCacheError(
                message=f"Timed out after {self.timeout} s waiting for replication group {self.group_id} to become available; last state: {reason}"
            )
        return group

    def gone(self):
        def check():
            group = describe_replication_group(self.client, self.group_id)
            return group is None, group

        done, group = self._poll(check)
        if not done:
            raise AnsibleElastiCacheError(
                message=f"Timed out after {self.timeout} s waiting for replication group {self.group_id} to be deleted; last status: {group.get('Status')}"
            )


# --- state handlers ------------------------------------------------------------------------


def read_group(client, group):
    """(primary member cluster, tags) of a described group."""
    tags = list_tags(client, group["ARN"]) if group.get("ARN") else None
    return describe_primary_cluster(client, group), tags


def ensure_created(client, module, waiter):
    params = module.params
    if not params.get("cache_node_type"):
        raise AnsibleElastiCacheError(message=f"cache_node_type is required to create replication group {params['replication_group_id']}")
    config = requested_config(params, params.get("tags"))
    if module.check_mode:
        return True, {}, config, predicted_group(params, config, params["replication_group_id"])
    created = create_replication_group(client, build_create_params(params, params.get("tags")))
    group = waiter.available() if params["wait"] else (describe_replication_group(client, params["replication_group_id"]) or created)
    cluster, tags = read_group(client, group)
    if tags is None:
        tags = dict(params.get("tags") or {})
    return True, {}, current_config(group, cluster, tags), normalize_group(group, cluster, tags)


def ensure_present(client, module, waiter, group):
    """Returns (changed, before config, after config, replication_group result)."""
    params = module.params
    group_id = params["replication_group_id"]
    if group is None:
        return ensure_created(client, module, waiter)
    if group.get("Status") in FAILED_STATUSES:
        raise AnsibleElastiCacheError(message=f"Replication group {group_id} is {group.get('Status')}; it can not be managed until it is gone")

    cluster, tags = read_group(client, group)
    if tags is None and not module.check_mode:
        # AWS lists no tags while a group is created: wait for it, then compare with all of it.
        group = waiter.available()
        cluster, tags = read_group(client, group)
    config = current_config(group, cluster, tags)

    kms_key_arn = None
    wanted_key = params.get("kms_key_id")
    if wanted_key and not same_kms_key(config["kms_key_id"], wanted_key):
        kms_key_arn = resolve_kms_key_arn(module, wanted_key)
    differences = immutable_differences(config, params, kms_key_arn)
    if differences:
        raise AnsibleElastiCacheError(message=immutable_message(group_id, config, params, differences))

    plan = plan_changes(config, params)
    if tags is None:
        module.warn(f"The tags of replication group {group_id} can not be read while it is {group.get('Status')}; not compared.")
        plan["tags_to_set"], plan["tags_to_unset"] = {}, []
    if plan_is_empty(plan):
        return False, config, config, normalize_group(group, cluster, tags)
    after = desired_config(config, plan)
    if module.check_mode:
        predicted = normalize_group(group, cluster, after.get("tags"))
        predicted.update(predicted_group(params, after, group_id))
        return True, config, after, predicted

    if group.get("Status") != AVAILABLE:
        # AWS accepts changes only on an available group: wait, then plan again on what it became.
        group = waiter.available()
        cluster, tags = read_group(client, group)
        config = current_config(group, cluster, tags)
        plan = plan_changes(config, params)
        if plan_is_empty(plan):
            return False, config, config, normalize_group(group, cluster, tags)
    apply_plan(client, module, waiter, group, config, plan)
    after = desired_config(config, plan)
    group = waiter.available() if params["wait"] else describe_replication_group(client, group_id)
    cluster, tags = read_group(client, group)
    return True, config, after, normalize_group(group, cluster, after.get("tags") if tags is None else tags)


def apply_plan(client, module, waiter, group, config, plan):
    """Runs the steps of the plan, waiting for the group to be available between two of them."""
    group_id = module.params["replication_group_id"]
    busy = False
    for step in ordered_steps(plan, config["replicas_per_node_group"]):
        if step == "tags":
            set_tags(client, group["ARN"], plan["tags_to_set"], plan["tags_to_unset"])
            continue
        if busy:
            waiter.available()
        if step == "modify":
            modify_replication_group(client, build_modify_params(group_id, plan["modify"], module.params["apply_immediately"]))
        else:
            change_replica_count(client, group_id, plan["replicas"], step == "increase")
        busy = True


def ensure_absent(client, module, waiter, group):
    params = module.params
    if group is None:
        return False, None, None, None
    config = current_config(group, None, None)
    if group.get("Status") == "deleting":
        if params["wait"] and not module.check_mode:
            waiter.gone()
        return False, config, None, None
    if module.check_mode:
        return True, config, None, None
    if group.get("Status") not in (AVAILABLE, "create-failed"):
        waiter.available()
    delete_replication_group(client, params["replication_group_id"], params.get("final_snapshot_identifier"))
    if params["wait"]:
        waiter.gone()
    return True, config, None, None


def main():
    argument_spec = dict(
        replication_group_id=dict(type="str", required=True),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine=dict(type="str", default="redis", choices=["redis", "valkey"]),
        engine_version=dict(type="str"),
        cache_node_type=dict(type="str"),
        replicas_per_node_group=dict(type="int", default=1),
        automatic_failover=dict(type="bool", default=True),
        multi_az=dict(type="bool", default=True),
        preferred_cache_cluster_azs=dict(type="list", elements="str"),
        cache_subnet_group_name=dict(type="str"),
        cache_parameter_group_name=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        port=dict(type="int", default=6379),
        at_rest_encryption=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        transit_encryption=dict(type="bool", default=False),
        snapshot_retention_limit=dict(type="int"),
        snapshot_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        apply_immediately=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        wait_interval=dict(type="int", default=10),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = validate_params(module.params)
    if problem:
        module.fail_json(msg=problem)

    params = module.params
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    waiter = Waiter(client, params["replication_group_id"], params["wait_timeout"], params["wait_interval"])
    try:
        group = describe_replication_group(client, params["replication_group_id"])
        if params["state"] == "present":
            changed, before, after, result = ensure_present(client, module, waiter, group)
        else:
            changed, before, after, result = ensure_absent(client, module, waiter, group)
    except AnsibleElastiCacheError as e:
        module.fail_json_aws_error(e)

    output = dict(changed=changed, waited_seconds=round(waiter.waited, 1))
    if params["state"] == "present":
        primary, reader = endpoints(result)
        output.update(replication_group=result, primary_endpoint=primary, reader_endpoint=reader)
    if module._diff:
        output["diff"] = {"before": diff_view(before), "after": diff_view(after)}
    module.exit_json(**output)


if __name__ == "__main__":
    main()
