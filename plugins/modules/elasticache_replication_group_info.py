#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_replication_group_info
version_added: 0.1.0
short_description: Describe ElastiCache (Redis OSS / Valkey) replication groups
description:
  - Describe one replication group, or all replication groups of the region, with their tags and the
    settings of their primary member cluster, in the shape RV(cvatops.aws.elasticache_replication_group#module:replication_group)
    returns.
  - Useful to wait for a group created with O(cvatops.aws.elasticache_replication_group#module:wait=false), by
    polling C(replication_groups[0].status) with C(until).
author:
  - cvatops maintainers (@cvatops)
options:
  replication_group_id:
    description:
      - The identifier of the replication group to describe.
      - If not set, every replication group of the region is described.
      - An unknown identifier returns an empty list.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait until the CVAT Redis group is available
  cvatops.aws.elasticache_replication_group_info:
    replication_group_id: cvat-prod-redis
  register: redis
  until: redis.replication_groups | length == 1 and redis.replication_groups[0].status == 'available'
  retries: 90
  delay: 10

- name: The endpoint CVAT writes to
  ansible.builtin.debug:
    msg: "{{ redis.replication_groups[0].node_groups[0].primary_endpoint.address }}"

- name: All replication groups of the region
  cvatops.aws.elasticache_replication_group_info:
  register: all_groups
"""

RETURN = r"""
replication_groups:
  description:
    - The replication groups, as DescribeReplicationGroups returns them (snake_case), with their tags (a dict),
      the number of replicas, and the engine version, parameter group, subnet group, security groups, port and
      maintenance window of their primary member cluster.
    - See RV(cvatops.aws.elasticache_replication_group#module:replication_group) for every key.
  returned: always
  type: list
  elements: dict
  sample:
    - replication_group_id: cvat-prod-redis
      description: CVAT in-memory Redis
      status: available
      engine: redis
      engine_version: 7.1.0
      cache_node_type: cache.t4g.medium
      member_clusters: ["cvat-prod-redis-001", "cvat-prod-redis-002"]
      replicas_per_node_group: 1
      automatic_failover: enabled
      multi_az: enabled
      at_rest_encryption_enabled: true
      transit_encryption_enabled: false
      kms_key_id: arn:aws:kms:us-east-1:123456789012:key/0123abcd-01ab-23cd-45ef-0123456789ab
      arn: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:cvat-prod-redis
      cache_subnet_group_name: cvat-prod-cache
      cache_parameter_group_name: cvat-prod-redis7
      security_group_ids: ["sg-0123456789abcdef0"]
      port: 6379
      preferred_maintenance_window: sun:05:00-sun:06:00
      snapshot_retention_limit: 7
      snapshot_window: 03:00-04:00
      node_groups:
        - node_group_id: "0001"
          status: available
          primary_endpoint: {"address": "master.cvat-prod-redis.abc123.use1.cache.amazonaws.com", "port": 6379}
          reader_endpoint: {"address": "replica.cvat-prod-redis.abc123.use1.cache.amazonaws.com", "port": 6379}
          node_group_members:
            - cache_cluster_id: cvat-prod-redis-001
              current_role: primary
              preferred_availability_zone: us-east-1a
            - cache_cluster_id: cvat-prod-redis-002
              current_role: replica
              preferred_availability_zone: us-east-1b
      tags: {"Project": "cvat"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import AnsibleElastiCacheError
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import ElastiCacheErrorHandler
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import describe_cache_cluster
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import normalize_group
from ansible_collections.cvatops.aws.plugins.module_utils.elasticache import primary_member_id

# --- AWS calls -------------------------------------------------------------------------------


@ElastiCacheErrorHandler.list_error_handler("describe replication group {group_id}", [])
def describe_replication_groups(client, group_id=None):
    if group_id:
        return client.describe_replication_groups(ReplicationGroupId=group_id, aws_retry=True)["ReplicationGroups"]
    paginator = client.get_paginator("describe_replication_groups")
    return paginator.paginate().build_full_result()["ReplicationGroups"]


@ElastiCacheErrorHandler.list_error_handler("describe cache clusters", [])
def describe_all_cache_clusters(client):
    paginator = client.get_paginator("describe_cache_clusters")
    return paginator.paginate().build_full_result()["CacheClusters"]


@ElastiCacheErrorHandler.common_error_handler("list tags of {arn}")
def list_tags(client, arn):
    """The tags as a dict; empty while AWS refuses to list them (a group that is being created)."""
    try:
        response = client.list_tags_for_resource(ResourceName=arn, aws_retry=True)
    except is_boto3_error_code(["InvalidReplicationGroupState", "ReplicationGroupNotFoundFault"]):
        return {}
    return boto3_tag_list_to_ansible_dict(response.get("TagList") or [])


def describe(client, group_id):
    groups = describe_replication_groups(client, group_id)
    if group_id:
        # One group: its primary's cluster only, rather than every cluster of the region.
        clusters = {}
        for group in groups:
            member = primary_member_id(group)
            if member:
                clusters[member] = describe_cache_cluster(client, member)
    else:
        clusters = {cluster["CacheClusterId"]: cluster for cluster in describe_all_cache_clusters(client)} if groups else {}
    return [
        normalize_group(group, clusters.get(primary_member_id(group)), list_tags(client, group["ARN"]) if group.get("ARN") else {})
        for group in groups
    ]


def main():
    module = AnsibleAWSModule(argument_spec=dict(replication_group_id=dict(type="str")), supports_check_mode=True)
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    try:
        groups = describe(client, module.params["replication_group_id"])
    except AnsibleElastiCacheError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, replication_groups=groups)


if __name__ == "__main__":
    main()
