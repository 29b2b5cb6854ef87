# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for ElastiCache; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

The tests are in ``tests/emulator/test_patches_cache.py``. moto keeps a replication group's
members as names only; these patches make them cache clusters, implement the replication
group and parameter group operations moto lacks, and let deletions finish. Like the rest of
the emulator, every change completes at once: a group is ``available`` right after it is
created or modified, and gone right after it is deleted.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported

_MODELS = "moto.elasticache.models"
_RESPONSES = "moto.elasticache.responses"
_MAX_REPLICAS = 5
# What AWS reports when CreateReplicationGroup names no EngineVersion (the newest it offers).
_DEFAULT_ENGINE_VERSIONS = {"redis": "7.1.0", "valkey": "8.0.1"}
# AWS picks a weekly hour when CreateReplicationGroup names none; any fixed one will do here.
_DEFAULT_MAINTENANCE_WINDOW = "sun:23:00-mon:00:00"


def _models() -> ModuleType:
    from moto.elasticache import models  # pylint: disable=import-outside-toplevel

    return models


def _exceptions() -> ModuleType:
    from moto.elasticache import exceptions  # pylint: disable=import-outside-toplevel

    return exceptions


def _error(code: str, message: str) -> Exception:
    """A moto ServiceException with an AWS error code moto has no class for (the HTTP status comes from botocore's model)."""
    return _exceptions().ElastiCacheException(code, message)


def _invalid_value(message: str) -> Exception:
    return _exceptions().InvalidParameterValueException(message)


def _invalid_combination(message: str) -> Exception:
    return _exceptions().InvalidParameterCombinationException(message)


def _members(group: Any) -> list[dict[str, Any]]:
    """Node group members of a cluster-mode-disabled group (its only node group), primary first."""
    return [member for node_group in group.node_groups for member in node_group["node_group_members"]]


def _full_engine_version(engine: str, version: str | None) -> str:
    """AWS accepts ``7.1`` and reports the patch level it runs (``7.1.0``)."""
    if not version:
        return _DEFAULT_ENGINE_VERSIONS.get(engine, _DEFAULT_ENGINE_VERSIONS["redis"])
    return version if version.count(".") >= 2 else f"{version}.0"


def _parameter_group_family(engine: str, version: str) -> str:
    parts = version.split(".")
    major, minor = parts[0], parts[1] if len(parts) > 1 else "0"
    if engine == "valkey":
        return f"valkey{major}"
    if int(major) >= 7:
        return "redis7"
    if int(major) == 6:
        return "redis6.x"
    return f"redis{major}.{minor}"


def _wrap_after(cls: Any, name: str, after: Callable[..., None]) -> None:
    """Rebind ``cls.name`` so that ``after(self, result, *args, **kwargs)`` runs after it."""
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        after(self, result, *args, **kwargs)
        return result

    setattr(cls, name, wrapper)


@_patch
def elasticache_num_cache_clusters() -> None:
    """CreateReplicationGroup creates NumCacheClusters nodes (primary + replicas) in the requested AZs.

    (a) AWS: a cluster-mode-disabled replication group created with ``NumCacheClusters=N`` has a
        primary and N-1 replicas, node i in ``PreferredCacheClusterAZs[i]``.
    (b) moto 5.2.5 derives the node count from ``ReplicasPerNodeGroup`` only: with
        ``NumCacheClusters=2`` it creates the primary alone.
    (c) cvatops.aws.elasticache_replication_group creates primary + replicas with NumCacheClusters:
        the group has no replica, so there is no failover target, and every later run calls
        IncreaseReplicaCount (changed on every run).
    """

    def fix(models: ModuleType) -> None:
        original = models.ReplicationGroup._set_node_members_clusters_disabled  # pylint: disable=protected-access

        @functools.wraps(original)
        def set_members(self: Any, *args: Any, **kwargs: Any) -> None:
            bound = inspect.signature(original).bind(self, *args, **kwargs)
            arguments = bound.arguments
            if not arguments.get("replicas_per_node_group") and (arguments.get("num_cache_clusters") or 1) > 1:
                arguments["replicas_per_node_group"] = arguments["num_cache_clusters"] - 1
            original(*bound.args, **bound.kwargs)

        models.ReplicationGroup._set_node_members_clusters_disabled = set_members  # pylint: disable=protected-access

    _when_imported(_MODELS, fix)


@_patch
def elasticache_reader_endpoint() -> None:
    """A cluster-mode-disabled replication group has a ReaderEndpoint beside its PrimaryEndpoint.

    (a) AWS: the node group of a cluster-mode-disabled group reports ``ReaderEndpoint``
        (``replica.<group>....cache.amazonaws.com``), which spreads reads over the replicas.
    (b) moto 5.2.5 computes the reader address but never returns it: no ``ReaderEndpoint``.
    (c) cvatops.aws.elasticache_replication_group returns ``reader_endpoint: null``, so the cache
        role has no read endpoint to publish.
    """

    def add_reader_endpoint(group: Any, _result: Any, *_args: Any, **_kwargs: Any) -> None:
        for node_group in group.node_groups:
            address = node_group.get("reader_endpoint_address")
            if address and "reader_endpoint" not in node_group:
                node_group["reader_endpoint"] = {"address": address, "port": group.port}

    _when_imported(_MODELS, lambda models: _wrap_after(models.ReplicationGroup, "__init__", add_reader_endpoint))


def _sync_member_clusters(backend: Any) -> None:
    """Make ``backend.cache_clusters`` hold one cache cluster per replication group member.

    Runs before every DescribeCacheClusters, so the members follow whatever the replication
    group operations (moto's and the patches') did to the group.
    """
    models = _models()
    wanted: dict[str, tuple[Any, dict[str, Any]]] = {}
    for group in backend.replication_groups.values():
        for member in _members(group):
            wanted[member["cache_cluster_id"]] = (group, member)

    for cluster_id, cluster in list(backend.cache_clusters.items()):
        member_of = getattr(cluster, "awsemu_member_of", None)
        if member_of and cluster_id not in wanted:
            del backend.cache_clusters[cluster_id]

    constructor = inspect.signature(models.CacheCluster.__init__).parameters
    for cluster_id, (group, member) in wanted.items():
        cluster = backend.cache_clusters.get(cluster_id)
        if cluster is None or getattr(cluster, "awsemu_member_of", None) != group.replication_group_id:
            arguments: dict[str, Any] = {name: None for name in constructor if name != "self"}
            arguments.update(
                account_id=backend.account_id,
                region_name=backend.region_name,
                cache_cluster_id=cluster_id,
                cache_node_type=group.cache_node_type,
                engine=group.engine,
                log_delivery_configurations=[],
            )
            cluster = models.CacheCluster(**arguments)
            cluster.awsemu_member_of = group.replication_group_id
            backend.cache_clusters[cluster_id] = cluster
        engine_version = _full_engine_version(group.engine, group.engine_version)
        parameter_group = group.cache_parameter_group_name or f"default.{_parameter_group_family(group.engine, engine_version)}"
        cluster.replication_group_id = group.replication_group_id
        cluster.engine = group.engine
        cluster.engine_version = engine_version
        cluster.cache_node_type = group.cache_node_type
        cluster.num_cache_nodes = 1
        cluster.preferred_availability_zone = member.get("preferred_availability_zone")
        cluster.cache_subnet_group_name = group.cache_subnet_group_name
        cluster.cache_parameter_group = {
            "CacheParameterGroupName": parameter_group,
            "ParameterApplyStatus": "in-sync",
            "CacheNodeIdsToReboot": [],
        }
        cluster.security_groups = [{"SecurityGroupId": sg, "Status": "active"} for sg in group.security_group_ids or []]
        cluster.preferred_maintenance_window = (group.preferred_maintenance_window or _DEFAULT_MAINTENANCE_WINDOW).lower()
        cluster.snapshot_retention_limit = group.snapshot_retention_limit
        cluster.snapshot_window = group.snapshot_window
        cluster.transit_encryption_enabled = group.transit_encryption_enabled
        cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
        cluster.port = group.port
        cluster.pending_modified_values = dict(getattr(group, "awsemu_pending", {}))
        cluster.cache_cluster_status = "available"


@_patch
def elasticache_replication_group_member_clusters() -> None:
    """The members of a replication group are cache clusters that DescribeCacheClusters lists.

    (a) AWS: every member of a replication group is a cache cluster: DescribeCacheClusters shows it
        with ``ReplicationGroupId``, its ``PreferredAvailabilityZone``, ``CacheClusterStatus``, the
        full ``EngineVersion`` (``7.1.0`` for a requested ``7.1``), ``CacheParameterGroup`` (the
        family's ``default.*`` group if none was named), ``CacheSubnetGroupName``,
        ``SecurityGroups``, ``PreferredMaintenanceWindow`` (lowercase, as AWS stores it) and
        ``PendingModifiedValues``. These settings are readable only there, not in
        DescribeReplicationGroups.
    (b) moto 5.2.5 keeps the members as names in ``MemberClusters``; DescribeCacheClusters
        answers CacheClusterNotFound for them (and lists none).
    (c) cvatops.aws.elasticache_replication_group cannot read the engine version, security groups,
        parameter group, subnet group or maintenance window of a group it manages (nor wait for
        its members to be available), so it could not compare them.
    """

    def fix(models: ModuleType) -> None:
        original = models.ElastiCacheBackend.describe_cache_clusters

        @functools.wraps(original)
        def describe_cache_clusters(self: Any, *args: Any, **kwargs: Any) -> Any:
            _sync_member_clusters(self)
            return original(self, *args, **kwargs)

        models.ElastiCacheBackend.describe_cache_clusters = describe_cache_clusters

    _when_imported(_MODELS, fix)


@_patch
def elasticache_modify_replication_group() -> None:
    """ModifyReplicationGroup applies every setting it is given, honouring ApplyImmediately.

    (a) AWS: ModifyReplicationGroup also changes ``SnapshotWindow``, ``PreferredMaintenanceWindow``,
        ``SecurityGroupIds``, ``CacheParameterGroupName`` and ``EngineVersion``. Node changes
        (``CacheNodeType``, ``EngineVersion``) wait for the maintenance window unless
        ``ApplyImmediately=true`` and meanwhile show in the members' ``PendingModifiedValues``;
        ``MultiAZEnabled=true`` without automatic failover, or automatic failover without a
        replica, is InvalidParameterCombination.
    (b) moto 5.2.5 silently ignores those five settings, applies a new node type at once whatever
        ``ApplyImmediately`` says, and accepts Multi-AZ without failover.
    (c) cvatops.aws.elasticache_replication_group changes of ``snapshot_window``,
        ``preferred_maintenance_window``, ``security_group_ids``, ``cache_parameter_group_name`` or
        ``engine_version`` never take effect: changed on every run. (Here the pending values stay
        pending until a later call with ApplyImmediately=true: the emulator has no maintenance window.)
    """

    def fix(responses: ModuleType) -> None:
        original = responses.ElastiCacheResponse.modify_replication_group

        @functools.wraps(original)
        def modify_replication_group(self: Any) -> Any:
            group = self.elasticache_backend.replication_groups.get(self._get_param("ReplicationGroupId"))  # pylint: disable=protected-access
            if group is None:
                return original(self)  # moto answers ReplicationGroupNotFoundFault
            failover = self._get_bool_param("AutomaticFailoverEnabled")  # pylint: disable=protected-access
            multi_az = self._get_bool_param("MultiAZEnabled")  # pylint: disable=protected-access
            failover_after = group.automatic_failover == "enabled" if failover is None else failover
            multi_az_after = group.multi_az == "enabled" if multi_az is None else multi_az
            if multi_az_after and not failover_after:
                raise _invalid_combination("Multi-AZ can only be enabled together with automatic failover.")
            if failover and len(_members(group)) < 2:
                raise _invalid_combination("Automatic failover needs at least one replica in the replication group.")
            apply_now = bool(self._get_bool_param("ApplyImmediately", False))  # pylint: disable=protected-access
            node_type_before = group.cache_node_type
            result = original(self)

            pending: dict[str, str] = {} if apply_now else dict(getattr(group, "awsemu_pending", {}))
            node_type = self._get_param("CacheNodeType")  # pylint: disable=protected-access
            engine_version = self._get_param("EngineVersion")  # pylint: disable=protected-access
            if node_type and not apply_now and node_type != node_type_before:
                group.cache_node_type = node_type_before
                pending["CacheNodeType"] = node_type
            if engine_version:
                if apply_now:
                    group.engine_version = engine_version
                elif _full_engine_version(group.engine, engine_version) != _full_engine_version(group.engine, group.engine_version):
                    pending["EngineVersion"] = _full_engine_version(group.engine, engine_version)
            if apply_now:
                # ApplyImmediately also applies what was pending.
                for key, value in getattr(group, "awsemu_pending", {}).items():
                    if key == "CacheNodeType" and not node_type:
                        group.cache_node_type = value
                    if key == "EngineVersion" and not engine_version:
                        group.engine_version = value
            group.awsemu_pending = pending
            for param, attribute in (
                ("SnapshotWindow", "snapshot_window"),
                ("SecurityGroupIds", "security_group_ids"),
                ("CacheParameterGroupName", "cache_parameter_group_name"),
            ):
                value = self._get_param(param)  # pylint: disable=protected-access
                if value is not None:
                    setattr(group, attribute, value)
            window = self._get_param("PreferredMaintenanceWindow")  # pylint: disable=protected-access
            if window is not None:
                group.preferred_maintenance_window = window.lower()
            return result

        responses.ElastiCacheResponse.modify_replication_group = modify_replication_group

    _when_imported(_RESPONSES, fix)


def _subnet_group_azs(backend: Any, group: Any) -> list[str]:
    subnet_group = backend.cache_subnet_groups.get(group.cache_subnet_group_name or "")
    azs: list[str] = []
    for subnet in getattr(subnet_group, "subnets", []):
        zone = subnet.get("subnet_availability_zone")
        zone = zone.get("Name") if isinstance(zone, dict) else zone
        if zone and zone not in azs:
            azs.append(zone)
    return azs or [f"{backend.region_name}a", f"{backend.region_name}b"]


def _add_replica(backend: Any, group: Any) -> None:
    """Append a replica to the only node group, in the AZ of the subnet group with the fewest members."""
    node_group = group.node_groups[0]
    members = node_group["node_group_members"]
    used = [member.get("preferred_availability_zone") for member in members]
    zone = min(_subnet_group_azs(backend, group), key=used.count)
    number = max(int(member["cache_cluster_id"].rsplit("-", 1)[1]) for member in members) + 1
    cluster_id = f"{group.replication_group_id}-{number:03d}"
    domain = members[0]["read_endpoint"]["address"].split(".", 1)[1]
    members.append(
        {
            "cache_cluster_id": cluster_id,
            "cache_node_id": node_group["node_group_id"],
            "read_endpoint": {"address": f"{cluster_id}.{domain}", "port": group.port},
            "preferred_availability_zone": zone,
            "current_role": "replica",
        }
    )
    group.member_clusters.append(cluster_id)


def _remove_replicas(group: Any, cluster_ids: list[str]) -> None:
    node_group = group.node_groups[0]
    node_group["node_group_members"] = [m for m in node_group["node_group_members"] if m["cache_cluster_id"] not in cluster_ids]
    group.member_clusters = [cluster_id for cluster_id in group.member_clusters if cluster_id not in cluster_ids]
    if group.snapshotting_cluster_id in cluster_ids:
        group.snapshotting_cluster_id = group.member_clusters[-1]


@_patch
def elasticache_replica_count() -> None:
    """IncreaseReplicaCount and DecreaseReplicaCount add and remove replicas of a replication group.

    (a) AWS: ``IncreaseReplicaCount`` / ``DecreaseReplicaCount`` with ``NewReplicaCount`` (and the
        required ``ApplyImmediately=true``) change the number of replicas of a cluster-mode-disabled
        group; ``DecreaseReplicaCount`` may name ``ReplicasToRemove``. A count that does not grow
        (shrink) is InvalidParameterValue; fewer than one replica with automatic failover or
        Multi-AZ enabled is InvalidParameterCombination.
    (b) moto 5.2.5 implements neither: HTTP 500 (NotImplementedError).
    (c) cvatops.aws.elasticache_replication_group fails whenever ``replicas_per_node_group`` changes.
    """

    def members_after_decrease(group: Any, new_count: int | None, to_remove: list[str]) -> list[str]:
        replicas = [m["cache_cluster_id"] for m in _members(group) if m.get("current_role") != "primary"]
        unknown = [cluster_id for cluster_id in to_remove if cluster_id not in replicas]
        if unknown:
            raise _invalid_value(f"ReplicasToRemove names clusters that are not replicas of {group.replication_group_id}: {unknown}")
        if to_remove:
            return to_remove
        if new_count is None:
            raise _invalid_value("Either NewReplicaCount or ReplicasToRemove must be provided.")
        if new_count >= len(replicas):
            raise _invalid_value(f"NewReplicaCount {new_count} must be less than the current replica count {len(replicas)}.")
        return replicas[new_count:]

    def fix(responses: ModuleType) -> None:
        def group_and_count(response: Any) -> tuple[Any, Any, int | None]:
            backend = response.elasticache_backend
            group = backend.describe_replication_groups(response._get_param("ReplicationGroupId"))[0]  # pylint: disable=protected-access
            if group.cluster_mode == "enabled" or response._get_param("ReplicaConfiguration"):  # pylint: disable=protected-access
                raise _invalid_value("The emulator changes replica counts of cluster-mode-disabled groups only (NewReplicaCount).")
            if not response._get_bool_param("ApplyImmediately", False):  # pylint: disable=protected-access
                raise _invalid_value("ApplyImmediately=false is not currently supported.")
            return backend, group, response._get_int_param("NewReplicaCount")  # pylint: disable=protected-access

        def increase_replica_count(self: Any) -> Any:
            backend, group, new_count = group_and_count(self)
            current = len(_members(group)) - 1
            if new_count is None or new_count <= current:
                raise _invalid_value(f"NewReplicaCount {new_count} must be greater than the current replica count {current}.")
            if new_count > _MAX_REPLICAS:
                raise _invalid_value(f"NewReplicaCount must be at most {_MAX_REPLICAS}.")
            for _replica in range(new_count - current):
                _add_replica(backend, group)
            return responses.ActionResult({"ReplicationGroup": group})

        def decrease_replica_count(self: Any) -> Any:
            _backend, group, new_count = group_and_count(self)
            to_remove = members_after_decrease(group, new_count, self._get_param("ReplicasToRemove") or [])  # pylint: disable=protected-access
            remaining = len(_members(group)) - 1 - len(to_remove)
            if remaining < 1 and (group.automatic_failover == "enabled" or group.multi_az == "enabled"):
                raise _invalid_combination("A group with automatic failover or Multi-AZ enabled needs at least one replica.")
            _remove_replicas(group, to_remove)
            return responses.ActionResult({"ReplicationGroup": group})

        responses.ElastiCacheResponse.increase_replica_count = increase_replica_count
        responses.ElastiCacheResponse.decrease_replica_count = decrease_replica_count

    _when_imported(_RESPONSES, fix)


@_patch
def elasticache_delete_replication_group() -> None:
    """DeleteReplicationGroup removes the group (with its tags), after a final snapshot if asked.

    (a) AWS: a deleted group answers ``Status: deleting`` and is then gone: DescribeReplicationGroups
        says ReplicationGroupNotFoundFault, its tags go with it (a new group of the same name starts
        untagged), and ``FinalSnapshotIdentifier`` leaves a snapshot of that name.
    (b) moto 5.2.5 keeps the group forever in ``deleting`` (with its tags) and ignores
        ``FinalSnapshotIdentifier``.
    (c) cvatops.aws.elasticache_replication_group with ``state: absent`` and ``wait: true`` waits for
        ``wait_timeout`` and fails; a second ``state: absent`` would find the group again; a group
        re-created under the same id inherits the old tags.
    """

    def fix(responses: ModuleType) -> None:
        original = responses.ElastiCacheResponse.delete_replication_group

        @functools.wraps(original)
        def delete_replication_group(self: Any) -> Any:
            backend = self.elasticache_backend
            group_id = self._get_param("ReplicationGroupId")  # pylint: disable=protected-access
            final_snapshot = self._get_param("FinalSnapshotIdentifier")  # pylint: disable=protected-access
            if final_snapshot and group_id in backend.replication_groups:
                backend.create_snapshot(
                    snapshot_name=final_snapshot, replication_group_id=group_id, cache_cluster_id=None, kms_key_id=None, tags=None
                )
            result = original(self)
            group = backend.replication_groups.pop(group_id, None)
            if group is not None:
                backend.tagging_service.delete_all_tags_for_resource(group.arn)
            return result

        responses.ElastiCacheResponse.delete_replication_group = delete_replication_group

    _when_imported(_RESPONSES, fix)


@_patch
def elasticache_subnet_availability_zone() -> None:
    """The subnets of a cache subnet group carry their Availability Zone.

    (a) AWS: ``Subnets[].SubnetAvailabilityZone`` is ``{"Name": "us-east-1a"}``.
    (b) moto 5.2.5 stores the zone as a bare string, which its serializer drops: ``{}``.
    (c) community.aws.elasticache_subnet_group returns subnets without zones, so a role cannot derive
        ``preferred_cache_cluster_azs`` of cvatops.aws.elasticache_replication_group from it.
    """

    def zone_as_structure(subnet_group: Any, _result: Any, *_args: Any, **_kwargs: Any) -> None:
        for subnet in subnet_group.subnets:
            for key in ("subnet_availability_zone", "Subnet_availability_zone"):
                zone = subnet.pop(key, None)
                if zone is not None:
                    subnet["subnet_availability_zone"] = zone if isinstance(zone, dict) else {"Name": zone}

    _when_imported(_MODELS, lambda models: _wrap_after(models.CacheSubnetGroup, "__init__", zone_as_structure))


def _groups_using_subnet_group(backend: Any, name: str) -> list[str]:
    users = [g.replication_group_id for g in backend.replication_groups.values() if g.cache_subnet_group_name == name]
    users += [
        c.cache_cluster_id
        for c in backend.cache_clusters.values()
        if c.cache_subnet_group_name == name and not getattr(c, "awsemu_member_of", None)
    ]
    return users


@_patch
def elasticache_cache_subnet_group_modify_delete() -> None:
    """ModifyCacheSubnetGroup and DeleteCacheSubnetGroup work.

    (a) AWS: ModifyCacheSubnetGroup changes the description and the subnets (all in one VPC) and
        returns the group; DeleteCacheSubnetGroup deletes it (with its tags), or answers
        CacheSubnetGroupInUse while a cluster or replication group uses it, and
        CacheSubnetGroupNotFoundFault for an unknown name.
    (b) moto 5.2.5 implements neither: HTTP 500 (NotImplementedError).
    (c) community.aws.elasticache_subnet_group fails when the subnets or the description change, and
        with ``state: absent`` (teardown).
    """

    def fix(responses: ModuleType) -> None:
        models = _models()

        def modify_cache_subnet_group(self: Any) -> Any:
            backend = self.elasticache_backend
            name = self._get_param("CacheSubnetGroupName")  # pylint: disable=protected-access
            current = backend.describe_cache_subnet_groups(name)[0]
            description = self._get_param("CacheSubnetGroupDescription") or current.cache_subnet_group_description  # pylint: disable=protected-access
            subnet_ids = self._get_param("SubnetIds") or current.subnet_ids  # pylint: disable=protected-access
            # The constructor validates the subnets (one VPC) and reads their zones.
            updated = models.CacheSubnetGroup(backend.account_id, backend.region_name, name, description, subnet_ids, current.tags)
            backend.cache_subnet_groups[name] = updated
            return responses.ActionResult({"CacheSubnetGroup": updated})

        def delete_cache_subnet_group(self: Any) -> Any:
            backend = self.elasticache_backend
            name = self._get_param("CacheSubnetGroupName")  # pylint: disable=protected-access
            group = backend.describe_cache_subnet_groups(name)[0]
            users = _groups_using_subnet_group(backend, name)
            if users:
                raise _error("CacheSubnetGroupInUse", f"Cache subnet group {name} is currently in use by {', '.join(users)}.")
            del backend.cache_subnet_groups[name]
            backend.tagging_service.delete_all_tags_for_resource(group.arn)
            return responses.EmptyResult()

        responses.ElastiCacheResponse.modify_cache_subnet_group = modify_cache_subnet_group
        responses.ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group

    _when_imported(_RESPONSES, fix)


@_patch
def elasticache_replication_group_subnet_group_exists() -> None:
    """CreateReplicationGroup checks that the cache subnet group it names exists.

    (a) AWS: a ``CacheSubnetGroupName`` that does not exist is CacheSubnetGroupNotFoundFault.
    (b) moto 5.2.5 accepts any name.
    (c) a cache role that creates cvatops.aws.elasticache_replication_group before (or without) its
        community.aws.elasticache_subnet_group, or mistypes the name, converges locally and fails on AWS.
    """

    def fix(responses: ModuleType) -> None:
        original = responses.ElastiCacheResponse.create_replication_group

        @functools.wraps(original)
        def create_replication_group(self: Any) -> Any:
            name = self._get_param("CacheSubnetGroupName")  # pylint: disable=protected-access
            if name:
                self.elasticache_backend.describe_cache_subnet_groups(name)  # raises CacheSubnetGroupNotFoundFault
            return original(self)

        responses.ElastiCacheResponse.create_replication_group = create_replication_group

    _when_imported(_RESPONSES, fix)


# --- cache parameter groups ----------------------------------------------------------------------

# Families CreateCacheParameterGroup accepts (AWS's list as of 2025).
_FAMILIES = (
    "memcached1.4", "memcached1.5", "memcached1.6",
    "redis2.6", "redis2.8", "redis3.2", "redis4.0", "redis5.0", "redis6.x", "redis7",
    "valkey7", "valkey8",
)  # fmt: skip
# A subset of the Redis OSS / Valkey parameters, with AWS's defaults and metadata:
# (name, default, data type, allowed values, modifiable, change type, minimum engine version).
_REDIS_PARAMETERS = (
    ("activedefrag", "no", "string", "yes,no", True, "immediate", "4.0.9"),
    ("appendonly", "no", "string", "yes,no", False, "immediate", "2.8.6"),
    ("cluster-enabled", "no", "string", "yes,no", True, "requires-reboot", "3.2.4"),
    ("databases", "16", "integer", "1-1200000", True, "requires-reboot", "2.6.13"),
    ("latency-tracking", "no", "string", "yes,no", True, "immediate", "7.0.0"),
    ("lfu-decay-time", "1", "integer", "0-", True, "immediate", "4.0.10"),
    ("lfu-log-factor", "10", "integer", "1-", True, "immediate", "4.0.10"),
    ("lua-time-limit", "5000", "integer", "5000", False, "immediate", "2.6.13"),
    ("maxclients", "65000", "integer", "1-65000", False, "immediate", "2.6.13"),
    (
        "maxmemory-policy",
        "volatile-lru",
        "string",
        "volatile-lru,allkeys-lru,volatile-lfu,allkeys-lfu,volatile-random,allkeys-random,volatile-ttl,noeviction",
        True,
        "immediate",
        "2.6.13",
    ),
    ("maxmemory-samples", "3", "integer", "1-", True, "immediate", "2.6.13"),
    ("notify-keyspace-events", "", "string", None, True, "immediate", "2.8.6"),
    ("reserved-memory-percent", "25", "integer", "0-100", True, "immediate", "2.6.13"),
    ("slowlog-log-slower-than", "10000", "integer", "0-", True, "immediate", "2.6.13"),
    ("slowlog-max-len", "128", "integer", "0-", True, "immediate", "2.6.13"),
    ("tcp-keepalive", "300", "integer", "0-", True, "immediate", "3.2.4"),
    ("timeout", "0", "integer", "0,20-", True, "immediate", "2.6.13"),
)
_MEMCACHED_PARAMETERS = (
    ("chunk_size", "48", "integer", "1-", True, "requires-reboot", "1.4.5"),
    ("max_item_size", "1048576", "integer", "1048576-134217728", True, "requires-reboot", "1.4.5"),
)


def _family_parameters(family: str) -> list[dict[str, Any]]:
    """DescribeCacheParameters entries (system defaults) of a family."""
    if family.startswith("memcached"):
        catalogue = _MEMCACHED_PARAMETERS
    else:
        catalogue = _REDIS_PARAMETERS
    top = "9.9.9" if family.startswith("valkey") else {"redis6.x": "6.9.9", "redis7": "7.9.9"}.get(family, family.removeprefix("redis") + ".99")

    def version_key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", version))

    parameters = []
    for name, value, data_type, allowed, modifiable, change_type, minimum in catalogue:
        if family.startswith("redis") and version_key(minimum) > version_key(top):
            continue
        parameter = {
            "ParameterName": name,
            "Description": f"{name} (emulated)",
            "Source": "system",
            "DataType": data_type,
            "IsModifiable": modifiable,
            "MinimumEngineVersion": minimum,
            "ChangeType": change_type,
        }
        if value != "":
            parameter["ParameterValue"] = value
        if allowed is not None:
            parameter["AllowedValues"] = allowed
        parameters.append(parameter)
    return parameters


class _CacheParameterGroup:  # pylint: disable=too-few-public-methods
    """A cache parameter group: the family's parameters, with user values over the system defaults."""

    def __init__(self, backend: Any, name: str, family: str, description: str, is_default: bool = False) -> None:
        self.cache_parameter_group_name = name
        self.cache_parameter_group_family = family
        self.description = description
        self.is_global = False
        self.is_default = is_default
        self.arn = f"arn:aws:elasticache:{backend.region_name}:{backend.account_id}:parametergroup:{name}"
        self.parameters = {parameter["ParameterName"]: parameter for parameter in _family_parameters(family)}


def _parameter_groups(backend: Any) -> dict[str, _CacheParameterGroup]:
    """The backend's parameter groups, created with AWS's ``default.<family>`` groups on first use."""
    groups = backend.__dict__.get("awsemu_cache_parameter_groups")
    if groups is None:
        groups = {}
        for family in _FAMILIES:
            name = f"default.{family}"
            groups[name] = _CacheParameterGroup(backend, name, family, f"Default parameter group for {family}", is_default=True)
        backend.awsemu_cache_parameter_groups = groups
    return groups


def _parameter_group(backend: Any, name: str | None) -> _CacheParameterGroup:
    group = _parameter_groups(backend).get(name or "")
    if group is None:
        raise _error("CacheParameterGroupNotFound", f"CacheParameterGroup {name} not found.")
    return group


def _check_value(parameter: dict[str, Any], value: str) -> None:
    name = parameter["ParameterName"]
    if not parameter["IsModifiable"]:
        raise _invalid_value(f"Parameter {name} is not modifiable.")
    allowed = parameter.get("AllowedValues")
    if parameter["DataType"] == "integer":
        if not re.fullmatch(r"-?\d+", value):
            raise _invalid_value(f"Value {value} for parameter {name} is not an integer.")
        if allowed:
            number = int(value)
            ranges = [part.split("-", 1) if "-" in part else [part, part] for part in allowed.split(",")]
            if not any(int(low) <= number and (high == "" or number <= int(high)) for low, high in ranges):
                raise _invalid_value(f"Value {value} for parameter {name} is out of range ({allowed}).")
    elif allowed and value not in allowed.split(","):
        raise _invalid_value(f"Value {value} for parameter {name} is not one of {allowed}.")


@_patch
def elasticache_cache_parameter_groups() -> None:
    """Cache parameter groups: Create/Describe/Modify/Reset/Delete and DescribeCacheParameters.

    (a) AWS: CreateCacheParameterGroup makes a group of a family (``redis7``, ``valkey8``, ...);
        ``default.<family>`` groups always exist and cannot be modified or deleted;
        DescribeCacheParameters lists the family's parameters with ``DataType``,
        ``AllowedValues``, ``IsModifiable``, ``Source`` (``user`` once modified);
        ModifyCacheParameterGroup rejects unknown, non-modifiable and out-of-range values
        (InvalidParameterValue); DeleteCacheParameterGroup answers InvalidCacheParameterGroupState
        while a replication group uses the group; CreateReplicationGroup / ModifyReplicationGroup
        naming an unknown group answer CacheParameterGroupNotFound.
    (b) moto 5.2.5 implements none of the parameter group operations (HTTP 500) and accepts any
        ``CacheParameterGroupName`` on a replication group. The emulated families carry a subset of
        the real parameters (the commonly tuned ones, e.g. ``maxmemory-policy``, ``timeout``,
        ``notify-keyspace-events``).
    (c) community.aws.elasticache_parameter_group fails on every call, so the cache role cannot
        create its parameter group, and a mistyped ``cache_parameter_group_name`` of
        cvatops.aws.elasticache_replication_group would pass locally and fail on AWS.
    """

    def fix(responses: ModuleType) -> None:
        def describe(group: _CacheParameterGroup) -> dict[str, Any]:
            return {
                "CacheParameterGroupName": group.cache_parameter_group_name,
                "CacheParameterGroupFamily": group.cache_parameter_group_family,
                "Description": group.description,
                "IsGlobal": group.is_global,
                "ARN": group.arn,
            }

        def create_cache_parameter_group(self: Any) -> Any:
            backend = self.elasticache_backend
            name = self._get_param("CacheParameterGroupName")  # pylint: disable=protected-access
            family = self._get_param("CacheParameterGroupFamily")  # pylint: disable=protected-access
            groups = _parameter_groups(backend)
            if name in groups:
                raise _error("CacheParameterGroupAlreadyExists", f"Parameter group {name} already exists.")
            if family not in _FAMILIES:
                raise _invalid_value(f"The parameter CacheParameterGroupFamily {family} is not valid.")
            if name.lower().startswith("default."):
                raise _invalid_value("Parameter group names starting with 'default.' are reserved.")
            group = _CacheParameterGroup(backend, name, family, self._get_param("Description") or "")  # pylint: disable=protected-access
            groups[name] = group
            tags = self._get_param("Tags")  # pylint: disable=protected-access
            if tags:
                backend.tagging_service.tag_resource(group.arn, tags)
            return responses.ActionResult({"CacheParameterGroup": describe(group)})

        def describe_cache_parameter_groups(self: Any) -> Any:
            backend = self.elasticache_backend
            name = self._get_param("CacheParameterGroupName")  # pylint: disable=protected-access
            groups = [_parameter_group(backend, name)] if name else list(_parameter_groups(backend).values())
            return responses.ActionResult({"CacheParameterGroups": [describe(group) for group in groups]})

        def describe_cache_parameters(self: Any) -> Any:
            group = _parameter_group(self.elasticache_backend, self._get_param("CacheParameterGroupName"))  # pylint: disable=protected-access
            source = self._get_param("Source")  # pylint: disable=protected-access
            parameters = [p for p in group.parameters.values() if not source or p["Source"] == source]
            return responses.ActionResult({"Parameters": parameters, "CacheNodeTypeSpecificParameters": []})

        def modifiable_group(response: Any) -> _CacheParameterGroup:
            group = _parameter_group(response.elasticache_backend, response._get_param("CacheParameterGroupName"))  # pylint: disable=protected-access
            if group.is_default:
                raise _invalid_value(f"Default parameter group {group.cache_parameter_group_name} cannot be modified.")
            return group

        def modify_cache_parameter_group(self: Any) -> Any:
            group = modifiable_group(self)
            changes = self._get_param("ParameterNameValues") or []  # pylint: disable=protected-access
            for change in changes:
                parameter = group.parameters.get(change.get("ParameterName"))
                if parameter is None:
                    raise _invalid_value(f"Parameter {change.get('ParameterName')} not found in {group.cache_parameter_group_family}.")
                _check_value(parameter, str(change.get("ParameterValue", "")))
            for change in changes:
                parameter = group.parameters[change["ParameterName"]]
                parameter["ParameterValue"] = str(change.get("ParameterValue", ""))
                parameter["Source"] = "user"
            return responses.ActionResult({"CacheParameterGroupName": group.cache_parameter_group_name})

        def reset_cache_parameter_group(self: Any) -> Any:
            group = modifiable_group(self)
            defaults = {p["ParameterName"]: p for p in _family_parameters(group.cache_parameter_group_family)}
            names = [c.get("ParameterName") for c in self._get_param("ParameterNameValues") or []]  # pylint: disable=protected-access
            if self._get_bool_param("ResetAllParameters", False) or not names:  # pylint: disable=protected-access
                names = list(defaults)
            for name in names:
                if name not in defaults:
                    raise _invalid_value(f"Parameter {name} not found in {group.cache_parameter_group_family}.")
                group.parameters[name] = defaults[name]
            return responses.ActionResult({"CacheParameterGroupName": group.cache_parameter_group_name})

        def delete_cache_parameter_group(self: Any) -> Any:
            backend = self.elasticache_backend
            group = modifiable_group(self)
            name = group.cache_parameter_group_name
            users = [g.replication_group_id for g in backend.replication_groups.values() if g.cache_parameter_group_name == name]
            if users:
                raise _error("InvalidCacheParameterGroupState", f"Parameter group {name} is in use by {', '.join(users)}.")
            del _parameter_groups(backend)[name]
            backend.tagging_service.delete_all_tags_for_resource(group.arn)
            return responses.EmptyResult()

        for handler in (
            create_cache_parameter_group,
            describe_cache_parameter_groups,
            describe_cache_parameters,
            modify_cache_parameter_group,
            reset_cache_parameter_group,
            delete_cache_parameter_group,
        ):
            setattr(responses.ElastiCacheResponse, handler.__name__, handler)

        def check_parameter_group(original: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(original)
            def handler(self: Any) -> Any:
                name = self._get_param("CacheParameterGroupName")  # pylint: disable=protected-access
                if name:
                    _parameter_group(self.elasticache_backend, name)
                return original(self)

            return handler

        for name in ("create_replication_group", "modify_replication_group"):
            setattr(responses.ElastiCacheResponse, name, check_parameter_group(getattr(responses.ElastiCacheResponse, name)))

    _when_imported(_RESPONSES, fix)
