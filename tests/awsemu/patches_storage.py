# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for RDS and EFS; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

The tests live in ``tests/emulator/test_patches_storage.py``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported

JSON = {"Content-Type": "application/json"}


# --- EFS ------------------------------------------------------------------------------------------


def _efs_file_system(backend: Any, file_system_id: str) -> Any:
    """The file system, or FileSystemNotFound as AWS answers (moto indexes its dict and fails with a KeyError)."""
    from moto.efs.exceptions import FileSystemNotFound  # pylint: disable=import-outside-toplevel

    if file_system_id not in backend.file_systems_by_id:
        raise FileSystemNotFound(file_system_id)
    return backend.file_systems_by_id[file_system_id]


@_patch
def efs_legacy_tags() -> None:
    """The original EFS tag API (DescribeTags, CreateTags, DeleteTags of a file system) answers.

    (a) AWS: ``GET /2015-02-01/tags/{FileSystemId}/``, ``POST /2015-02-01/create-tags/{FileSystemId}``
        and ``POST /2015-02-01/delete-tags/{FileSystemId}`` read and change a file system's tags
        (deprecated in favour of ListTagsForResource/TagResource/UntagResource, but served);
        an unknown file system is FileSystemNotFound.
    (b) moto 5.2.5 routes none of these paths: HTTP 404 with an HTML body.
    (c) community.aws.efs reads (and changes) tags only this way: every run with ``state: present``
        fails at DescribeTags.
    """

    def describe_tags(self: Any) -> tuple[str, dict[str, Any]]:
        file_system_id = self._get_param("FileSystemId")  # pylint: disable=protected-access
        _efs_file_system(self.efs_backend, file_system_id)
        return json.dumps({"Tags": self.efs_backend.list_tags_for_resource(file_system_id)}), JSON

    def create_tags(self: Any) -> tuple[str, dict[str, Any]]:
        file_system_id = self._get_param("FileSystemId")  # pylint: disable=protected-access
        _efs_file_system(self.efs_backend, file_system_id)
        tags = self._get_param("Tags") or []  # pylint: disable=protected-access
        self.efs_backend.tag_resource(file_system_id, {tag["Key"]: tag.get("Value", "") for tag in tags})
        return "", {"status": 204}

    def delete_tags(self: Any) -> tuple[str, dict[str, Any]]:
        file_system_id = self._get_param("FileSystemId")  # pylint: disable=protected-access
        _efs_file_system(self.efs_backend, file_system_id)
        self.efs_backend.untag_resource(file_system_id, self._get_param("TagKeys") or [])  # pylint: disable=protected-access
        return "", {"status": 204}

    def add_routes(efs_urls: ModuleType) -> None:
        # Server mode reads url_paths when it builds the EFS app (at the first EFS request).
        for path in ("/2015-02-01/tags/<file_system_id>/", "/2015-02-01/create-tags/<file_system_id>", "/2015-02-01/delete-tags/<file_system_id>"):
            efs_urls.url_paths[path] = efs_urls.response.dispatch

    def add_actions(efs_responses: ModuleType) -> None:
        efs_responses.EFSResponse.describe_tags = describe_tags
        efs_responses.EFSResponse.create_tags = create_tags
        efs_responses.EFSResponse.delete_tags = delete_tags

    _when_imported("moto.efs.responses", add_actions)
    _when_imported("moto.efs.urls", add_routes)


@_patch
def efs_backup_policy() -> None:
    """PutBackupPolicy turns automatic backups on and off; DescribeBackupPolicy then reports the status.

    (a) AWS: ``PutBackupPolicy`` sets ``BackupPolicy.Status`` to ENABLED or DISABLED (ENABLING and
        DISABLING are transitional states AWS reports, never accepts) and DescribeBackupPolicy
        returns it; a file system whose policy was never set answers PolicyNotFound (unless it was
        created with automatic backups); an unknown file system is FileSystemNotFound.
    (b) moto 5.2.5 does not implement PutBackupPolicy (HTTP 500, ``NotImplementedError``), and
        DescribeBackupPolicy of an unknown file system fails with a ``KeyError`` (HTTP 500).
    (c) cvatops.aws.efs_backup_policy can not enable automatic backups of the shared file system.
        The emulator settles at once: it never reports ENABLING or DISABLING.
    """

    def backup_policy(self: Any) -> dict[str, str] | None:
        status = getattr(self, "_awsemu_backup_status", None)
        if status:
            return {"Status": status}
        return {"Status": "ENABLED"} if self._backup else None  # pylint: disable=protected-access

    def put_backup_policy(self: Any) -> tuple[str, dict[str, Any]]:
        from moto.efs.exceptions import BadRequest  # pylint: disable=import-outside-toplevel

        file_system = _efs_file_system(self.efs_backend, self._get_param("FileSystemId"))  # pylint: disable=protected-access
        status = (self._get_param("BackupPolicy") or {}).get("Status")  # pylint: disable=protected-access
        if status not in ("ENABLED", "DISABLED"):
            raise BadRequest(f"Invalid backup policy status {status}: use ENABLED or DISABLED.")
        file_system._awsemu_backup_status = status  # pylint: disable=protected-access
        return json.dumps({"BackupPolicy": {"Status": status}}), JSON

    def fix_models(efs_models: ModuleType) -> None:
        efs_models.FileSystem.backup_policy = property(backup_policy)
        original = efs_models.EFSBackend.describe_backup_policy

        @functools.wraps(original)
        def describe_backup_policy(backend: Any, file_system_id: str) -> dict[str, str]:
            _efs_file_system(backend, file_system_id)
            return original(backend, file_system_id)

        efs_models.EFSBackend.describe_backup_policy = describe_backup_policy

    def fix_responses(efs_responses: ModuleType) -> None:
        efs_responses.EFSResponse.put_backup_policy = put_backup_policy

    _when_imported("moto.efs.models", fix_models)
    _when_imported("moto.efs.responses", fix_responses)


@_patch
def efs_update_file_system() -> None:
    """UpdateFileSystem changes the throughput mode and the provisioned throughput.

    (a) AWS: ``UpdateFileSystem`` sets ``ThroughputMode`` (bursting, provisioned, elastic) and
        ``ProvisionedThroughputInMibps`` (only with provisioned) and answers 202 with the file system;
        an unknown file system is FileSystemNotFound.
    (b) moto 5.2.5 does not implement it: HTTP 500 (``NotImplementedError``).
    (c) community.aws.efs fails whenever ``throughput_mode`` or ``provisioned_throughput_in_mibps``
        of an existing file system changes (a changed inventory value, not a second run).
    """

    def update_file_system(self: Any) -> tuple[str, dict[str, Any]]:
        from moto.efs.exceptions import BadRequest  # pylint: disable=import-outside-toplevel

        file_system = _efs_file_system(self.efs_backend, self._get_param("FileSystemId"))  # pylint: disable=protected-access
        mode = self._get_param("ThroughputMode") or file_system.throughput_mode  # pylint: disable=protected-access
        mibps = self._get_param("ProvisionedThroughputInMibps")  # pylint: disable=protected-access
        if mode not in ("bursting", "provisioned", "elastic"):
            raise BadRequest(f"Invalid throughput mode {mode}.")
        if mode == "provisioned":
            mibps = mibps if mibps is not None else file_system.provisioned_throughput_in_mibps
            if not mibps:
                raise BadRequest("ProvisionedThroughputInMibps is required with the provisioned throughput mode.")
        elif mibps is not None:
            raise BadRequest("ProvisionedThroughputInMibps is only allowed with the provisioned throughput mode.")
        file_system.throughput_mode = mode
        file_system.provisioned_throughput_in_mibps = mibps if mode == "provisioned" else None
        return json.dumps(file_system.info_json()), {"status": 202, **JSON}

    def fix(efs_responses: ModuleType) -> None:
        efs_responses.EFSResponse.update_file_system = update_file_system

    _when_imported("moto.efs.responses", fix)


@_patch
def efs_access_point_not_found() -> None:
    """Access point calls on a missing file system or access point fail, as on AWS.

    (a) AWS: CreateAccessPoint and DescribeAccessPoints(FileSystemId=...) answer FileSystemNotFound
        for an unknown file system; DeleteAccessPoint answers AccessPointNotFound for an unknown
        access point.
    (b) moto 5.2.5 creates an access point on any file system id, lists none (instead of failing)
        and deletes unknown access points silently.
    (c) cvatops.aws.efs_access_point would create an orphan access point for a mistyped
        ``file_system_id`` instead of failing, and its tests could not check that it does fail.
    """

    def fix(efs_models: ModuleType) -> None:
        backend_class = efs_models.EFSBackend
        original_create = backend_class.create_access_point
        original_describe = backend_class.describe_access_points
        original_delete = backend_class.delete_access_point

        @functools.wraps(original_create)
        def create_access_point(backend: Any, client_token: str, tags: Any, file_system_id: str, *args: Any, **kwargs: Any) -> Any:
            _efs_file_system(backend, file_system_id)
            return original_create(backend, client_token, tags, file_system_id, *args, **kwargs)

        @functools.wraps(original_describe)
        def describe_access_points(backend: Any, access_point_id: str | None, file_system_id: str | None) -> Any:
            if file_system_id and not access_point_id:
                _efs_file_system(backend, file_system_id)
            return original_describe(backend, access_point_id, file_system_id)

        @functools.wraps(original_delete)
        def delete_access_point(backend: Any, access_point_id: str) -> None:
            if access_point_id not in backend.access_points:
                raise efs_models.AccessPointNotFound(access_point_id)
            original_delete(backend, access_point_id)

        backend_class.create_access_point = create_access_point
        backend_class.describe_access_points = describe_access_points
        backend_class.delete_access_point = delete_access_point

    _when_imported("moto.efs.models", fix)


# --- RDS ------------------------------------------------------------------------------------------


@_patch
def rds_parameter_group_not_found() -> None:
    """DescribeDBParameterGroups of a missing group is DBParameterGroupNotFound; names are case-insensitive.

    (a) AWS: ``DescribeDBParameterGroups(DBParameterGroupName=name)`` answers DBParameterGroupNotFound
        when no such group exists; group names are stored in lower case and looked up ignoring case.
    (b) moto 5.2.5 returns an empty list, and compares the name case-sensitively.
    (c) amazon.aws.rds_instance_param_group indexes the (empty) list: IndexError on the first run,
        so the database role's parameter group is never created.
    """

    def fix(rds_models: ModuleType) -> None:
        original = rds_models.RDSBackend.describe_db_parameter_groups

        @functools.wraps(original)
        def describe_db_parameter_groups(backend: Any, kwargs: dict[str, Any]) -> list[Any]:
            name = kwargs.get("db_parameter_group_name")
            if not name:
                return original(backend, kwargs)
            groups = [group for group in backend.db_parameter_groups.values() if group.name == name.lower()]
            if not groups:
                raise rds_models.DBParameterGroupNotFoundError(name)
            return groups

        rds_models.RDSBackend.describe_db_parameter_groups = describe_db_parameter_groups

    _when_imported("moto.rds.models", fix)


_INT = "-1-2147483647"
_NON_NEGATIVE = "0-2147483647"
_LIBRARIES = "auto_explain,orafce,pgaudit,pglogical,pg_bigm,pg_cron,pg_hint_plan,pg_prewarm,pg_stat_statements,pg_tle,pg_transport,plprofiler"
_DEFAULT = "engine-default"

# The engine defaults of the RDS PostgreSQL families (postgres11 ... postgres17) that the database role
# sets or may set through ``database_parameters``: TLS, logging, time-outs, connection and memory sizing,
# extensions, log retention. Types, apply types and allowed values as AWS reports them; a value only
# where RDS sets one (the others are PostgreSQL's own defaults, which RDS reports without a value).
# name: (DataType, ApplyType, AllowedValues, ParameterValue, Source, Description)
_POSTGRES_DEFAULTS: dict[str, tuple[str, str, str | None, str | None, str, str]] = {
    "rds.force_ssl": ("boolean", "dynamic", "0,1", "0", _DEFAULT, "Force SSL connections."),
    "log_min_duration_statement": ("integer", "dynamic", _INT, None, _DEFAULT, "(ms) Minimum execution time above which statements are logged."),
    "log_statement": ("string", "dynamic", "none,ddl,mod,all", None, _DEFAULT, "Sets the type of statements logged."),
    "log_connections": ("boolean", "dynamic", "0,1", None, _DEFAULT, "Logs each successful connection."),
    "log_disconnections": ("boolean", "dynamic", "0,1", None, _DEFAULT, "Logs end of a session, including duration."),
    "log_lock_waits": ("boolean", "dynamic", "0,1", None, _DEFAULT, "Logs long lock waits."),
    "log_temp_files": ("integer", "dynamic", _INT, None, _DEFAULT, "(kB) Logs the use of temporary files larger than this."),
    "log_autovacuum_min_duration": ("integer", "dynamic", _INT, "10000", _DEFAULT, "(ms) Minimum execution time above which autovacuum is logged."),
    "rds.log_retention_period": ("integer", "dynamic", "1440-10080", "4320", _DEFAULT, "(min) Deletes PostgreSQL logs older than this."),
    "idle_in_transaction_session_timeout": ("integer", "dynamic", _NON_NEGATIVE, None, _DEFAULT, "(ms) Longest allowed idle transaction."),
    "statement_timeout": ("integer", "dynamic", _NON_NEGATIVE, None, _DEFAULT, "(ms) Longest allowed statement."),
    "lock_timeout": ("integer", "dynamic", _NON_NEGATIVE, None, _DEFAULT, "(ms) Longest allowed wait for a lock."),
    "max_connections": ("integer", "static", "6-262143", "LEAST({DBInstanceClassMemory/9531392},5000)", "system", "Maximum concurrent connections."),
    "shared_buffers": ("integer", "static", "16-1073741823", "{DBInstanceClassMemory/32768}", "system", "(8kB) Shared memory buffers."),
    "work_mem": ("integer", "dynamic", "64-2147483647", None, _DEFAULT, "(kB) Maximum memory for query workspaces."),
    "maintenance_work_mem": (
        "integer",
        "dynamic",
        "1024-2147483647",
        "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
        "system",
        "(kB) Maximum memory for maintenance operations.",
    ),
    "shared_preload_libraries": ("list", "static", _LIBRARIES, "pg_stat_statements", "system", "Shared libraries to preload into the server."),
    "pg_stat_statements.track": ("string", "dynamic", "none,top,all", None, _DEFAULT, "Which statements pg_stat_statements tracks."),
    "track_io_timing": ("boolean", "dynamic", "0,1", "1", "system", "Collects timing statistics for database I/O activity."),
    "timezone": ("string", "dynamic", None, "UTC", "system", "Time zone for displaying and interpreting time stamps."),
    "password_encryption": ("string", "dynamic", "md5,scram-sha-256", None, _DEFAULT, "Encrypt passwords."),
    "ssl_min_protocol_version": ("string", "dynamic", "TLSv1,TLSv1.1,TLSv1.2,TLSv1.3", "TLSv1.2", "system", "Minimum SSL/TLS protocol version."),
    "rds.logical_replication": ("boolean", "static", "0,1", "0", "system", "Enables logical decoding."),
    "random_page_cost": ("float", "dynamic", "0-2147483647", None, _DEFAULT, "Planner's cost of a nonsequentially fetched disk page."),
    "autovacuum": ("boolean", "dynamic", "0,1", "1", _DEFAULT, "Starts the autovacuum subprocess."),
}
# Listed, but RDS manages them: ModifyDBParameterGroup refuses them.
_NOT_MODIFIABLE = {
    "rds.rds_superuser_reserved_connections": ("integer", "static", "0-262143", "2", "system", "Connection slots reserved for rds_superusers."),
}


def _parameter(name: str, row: tuple[str, str, str | None, str | None, str, str], modifiable: bool) -> dict[str, Any]:
    data_type, apply_type, allowed, value, source, description = row
    parameter: dict[str, Any] = {
        "ParameterName": name,
        "Description": description,
        "Source": source,
        "ApplyType": apply_type,
        "DataType": data_type,
        "IsModifiable": modifiable,
        "ApplyMethod": "pending-reboot",
    }
    if allowed is not None:
        parameter["AllowedValues"] = allowed
    if value is not None:
        parameter["ParameterValue"] = value
    return parameter


def engine_default_parameters(family: str | None) -> dict[str, dict[str, Any]] | None:
    """The engine defaults known for a parameter group family, or None for families the emulator does not model."""
    match = re.fullmatch(r"postgres(\d+)", family or "")
    if not match:
        return None
    defaults = {name: _parameter(name, row, modifiable=True) for name, row in _POSTGRES_DEFAULTS.items()}
    defaults.update({name: _parameter(name, row, modifiable=False) for name, row in _NOT_MODIFIABLE.items()})
    if int(match.group(1)) >= 15:
        # RDS for PostgreSQL 15 and later require TLS unless a parameter group turns it off.
        defaults["rds.force_ssl"]["ParameterValue"] = "1"
    return defaults


def _parameter_error(defaults: dict[str, dict[str, Any]], new: dict[str, Any]) -> str | None:
    """Why ModifyDBParameterGroup refuses this parameter (AWS's wording), or None."""
    name = new.get("ParameterName")
    default = defaults.get(name or "")
    if default is None:
        return f"Could not find parameter with name: {name}"
    if not default["IsModifiable"]:
        return f"The parameter {name} cannot be modified."
    if new.get("ApplyMethod") == "immediate" and default["ApplyType"] == "static":
        return f"cannot use immediate apply method for static parameter {name}"
    return _value_error(default, name or "", str(new.get("ParameterValue", "")))


def _value_error(default: dict[str, Any], name: str, value: str) -> str | None:
    allowed = default.get("AllowedValues")
    if allowed is None or value.startswith("{") or (default["DataType"] == "list" and value == ""):
        return None
    range_match = re.fullmatch(r"(-?\d+)-(\d+)", allowed)
    if range_match and default["DataType"] in ("integer", "float"):
        try:
            number = float(value)
        except ValueError:
            return f"Invalid parameter value: {value} for: {name} allowed values are: {allowed}"
        if not float(range_match.group(1)) <= number <= float(range_match.group(2)):
            return f"Invalid parameter value: {value} for: {name} allowed values are: {allowed}"
        return None
    choices = allowed.split(",")
    values = value.split(",") if default["DataType"] == "list" else [value]
    if any(item.strip() not in choices for item in values):
        return f"Invalid parameter value: {value} for: {name} allowed values are: {allowed}"
    return None


@_patch
def rds_engine_default_parameters() -> None:
    """DescribeDBParameters lists the family's engine defaults; ModifyDBParameterGroup checks and keeps user values.

    (a) AWS: a new DB parameter group reports every parameter of its family (``Source`` engine-default
        or system, with ``DataType``, ``ApplyType``, ``AllowedValues``, ``IsModifiable``); a value set
        with ModifyDBParameterGroup reads back with ``Source`` user; unknown or non-modifiable names,
        values outside ``AllowedValues`` and ``ApplyMethod=immediate`` on static parameters are
        InvalidParameterValue / InvalidParameterCombination; the ``Source`` argument filters.
        For PostgreSQL 15 and later ``rds.force_ssl`` defaults to 1.
    (b) moto 5.2.5 reports only the parameters set so far, stores any name and value, and ignores
        ``Source``.
    (c) amazon.aws.rds_instance_param_group skips a parameter it cannot find in DescribeDBParameters
        (it only returns an ``errors`` entry): every parameter of the database role (``rds.force_ssl``,
        ``log_min_duration_statement``, ``database_parameters``) is silently dropped while the task
        succeeds, and the group never shows that PostgreSQL 15 forces TLS.
        Modelled: the PostgreSQL families (postgresNN) and the parameters in ``_POSTGRES_DEFAULTS``;
        other families keep moto's behaviour.
    """

    def fix_models(rds_models: ModuleType) -> None:
        original_update = rds_models.DBParameterGroup.update_parameters

        @functools.wraps(original_update)
        def update_parameters(group: Any, new_parameters: Iterable[dict[str, Any]]) -> None:
            new_parameters = list(new_parameters)
            defaults = engine_default_parameters(group.family)
            if defaults is None:
                original_update(group, new_parameters)
                return
            for new in new_parameters:
                error = _parameter_error(defaults, new)
                if error:
                    code = "InvalidParameterCombination" if "immediate apply method" in error else "InvalidParameterValue"
                    raise rds_models.RDSClientError(code, error)
            for new in new_parameters:
                parameter = dict(defaults[new["ParameterName"]], **group.parameters.get(new["ParameterName"], {}))
                parameter.update({key: value for key, value in new.items() if key in ("ParameterName", "ParameterValue", "ApplyMethod")})
                parameter["Source"] = "user"
                group.parameters[new["ParameterName"]] = parameter

        rds_models.DBParameterGroup.update_parameters = update_parameters

    def fix_responses(rds_responses: ModuleType) -> None:
        def describe_db_parameters(self: Any) -> Any:
            groups = self.backend.describe_db_parameter_groups({"db_parameter_group_name": self.params.get("DBParameterGroupName")})
            group = groups[0]
            parameters = dict(engine_default_parameters(group.family) or {})
            parameters.update(group.parameters)
            source = self.params.get("Source")
            listed = [parameters[name] for name in sorted(parameters) if not source or parameters[name].get("Source") == source]
            return rds_responses.ActionResult({"Parameters": listed})

        rds_responses.RDSResponse.describe_db_parameters = describe_db_parameters

    _when_imported("moto.rds.models", fix_models)
    _when_imported("moto.rds.responses", fix_responses)


# gp3 baseline (IOPS, MiB/s) by engine: below the threshold (GiB) / at or above it.
_GP3_SMALL = (3000, 125)
_GP3_LARGE = (12000, 500)
_GP3_THRESHOLD_GIB = {"oracle": 200, "sqlserver": None}  # None: one baseline at every size


def gp3_baseline(engine: str, allocated_storage: int) -> tuple[tuple[int, int], bool]:
    """((iops, throughput) that AWS reports for gp3 storage without explicit values, whether they may be set)."""
    family = next((prefix for prefix in _GP3_THRESHOLD_GIB if engine.startswith(prefix)), None)
    threshold = _GP3_THRESHOLD_GIB[family] if family else 400
    if threshold is None:
        return _GP3_SMALL, True
    if allocated_storage < threshold:
        return _GP3_SMALL, False
    return _GP3_LARGE, True


@_patch
def rds_gp3_storage_baseline() -> None:
    """gp3 DB instances report their baseline IOPS and throughput, and refuse them below the size threshold.

    (a) AWS: an RDS instance on gp3 storage always reports ``Iops`` and ``StorageThroughput``: the
        baseline 3000 IOPS / 125 MiB/s below 400 GiB (200 GiB for Oracle; SQL Server at every size),
        12000 / 500 from there on, or the provisioned values. Below the threshold, setting either is
        InvalidParameterCombination ("You can't specify IOPS or storage throughput for engine ...
        and a storage size less than 400.").
    (b) moto 5.2.5 reports neither unless they were given, and accepts any values at any size.
    (c) amazon.aws.rds_instance reads ``instance["StorageThroughput"]`` of a gp3 instance: KeyError on
        every run after the instance exists, so the database role never converges twice.
    """

    def given(db_kwargs: dict[str, Any]) -> bool:
        return db_kwargs.get("iops") is not None or db_kwargs.get("storage_throughput") is not None

    def refuse_below_threshold(engine: str, storage_type: str | None, allocated_storage: Any) -> None:
        from moto.rds.exceptions import InvalidParameterCombination  # pylint: disable=import-outside-toplevel

        if storage_type == "gp3" and not gp3_baseline(engine, int(allocated_storage or 0))[1]:
            threshold = next((size for prefix, size in _GP3_THRESHOLD_GIB.items() if engine.startswith(prefix)), 400)
            raise InvalidParameterCombination(
                f"You can't specify IOPS or storage throughput for engine {engine} and a storage size less than {threshold}."
            )

    def settle(instance: Any, provisioned_now: bool) -> None:
        """Report the baseline unless IOPS/throughput were provisioned (then fill in only what is missing)."""
        if getattr(instance, "storage_type", None) != "gp3":
            if getattr(instance, "_awsemu_gp3_baseline", False):
                # Moved off gp3: the baseline values were never the instance's own.
                instance.iops = instance.storage_throughput = None
                instance._awsemu_gp3_baseline = False  # pylint: disable=protected-access
            return
        instance._awsemu_gp3_baseline = True  # pylint: disable=protected-access
        baseline_iops, baseline_throughput = gp3_baseline(instance.engine, int(instance.allocated_storage or 0))[0]
        if provisioned_now:
            instance._awsemu_gp3_provisioned = True  # pylint: disable=protected-access
        if getattr(instance, "_awsemu_gp3_provisioned", False):
            instance.iops = instance.iops or baseline_iops
            instance.storage_throughput = instance.storage_throughput or baseline_throughput
        else:
            instance.iops, instance.storage_throughput = baseline_iops, baseline_throughput

    def fix(rds_models: ModuleType) -> None:
        instance_class = rds_models.DBInstance
        original_init = instance_class.__init__
        original_update = instance_class.update

        @functools.wraps(original_init)
        def init(instance: Any, *args: Any, **kwargs: Any) -> None:
            original_init(instance, *args, **kwargs)
            if getattr(instance, "db_cluster_identifier", None) is not None:
                return  # Aurora: storage belongs to the cluster
            if given(kwargs):
                # Not yet registered with the backend: refusing now leaves nothing behind.
                refuse_below_threshold(instance.engine, instance.storage_type, instance.allocated_storage)
            settle(instance, given(kwargs))

        @functools.wraps(original_update)
        def update(instance: Any, *args: Any, **db_kwargs: Any) -> None:
            if given(db_kwargs) and getattr(instance, "db_cluster_identifier", None) is None:
                refuse_below_threshold(
                    instance.engine,
                    db_kwargs.get("storage_type") or instance.storage_type,
                    db_kwargs.get("allocated_storage") or instance.allocated_storage,
                )
            original_update(instance, *args, **db_kwargs)
            if getattr(instance, "db_cluster_identifier", None) is None:
                settle(instance, given(db_kwargs))

        instance_class.__init__ = init
        instance_class.update = update

    _when_imported("moto.rds.models", fix)


@_patch
def rds_performance_insights() -> None:
    """DB instances report Performance Insights: enabled flag, KMS key ARN and retention.

    (a) AWS: DescribeDBInstances returns ``PerformanceInsightsEnabled`` (false unless enabled) and,
        when enabled, ``PerformanceInsightsKMSKeyId`` (the key ARN; the account's ``aws/rds`` key if
        none was given) and ``PerformanceInsightsRetentionPeriod`` (7 days unless set); Create and
        ModifyDBInstance set them.
    (b) moto 5.2.5 ignores the three options: none of the fields is ever returned.
    (c) amazon.aws.rds_instance with ``enable_performance_insights: true`` sees Performance Insights
        off and modifies the instance on every run (the database role's optional Performance Insights
        never converge).
    """

    def key_arn(instance: Any, key_ref: str | None) -> str | None:
        from moto.kms.models import kms_backends  # pylint: disable=import-outside-toplevel

        try:
            return str(kms_backends[instance.account_id][instance.region].describe_key(key_ref or "alias/aws/rds").arn)
        except Exception:  # pylint: disable=broad-except
            return key_ref  # an unknown key is reported as given

    def apply(instance: Any, options: dict[str, Any], creating: bool) -> None:
        enabled = options.get("enable_performance_insights")
        if enabled is None and not creating:
            enabled = getattr(instance, "performance_insights_enabled", False)
        instance.performance_insights_enabled = bool(enabled)
        if not enabled:
            instance.performance_insights_kms_key_id = None
            instance.performance_insights_retention_period = None
            return
        previous_key = None if creating else getattr(instance, "performance_insights_kms_key_id", None)
        instance.performance_insights_kms_key_id = key_arn(instance, options.get("performance_insights_kms_key_id") or previous_key)
        previous_retention = None if creating else getattr(instance, "performance_insights_retention_period", None)
        instance.performance_insights_retention_period = int(options.get("performance_insights_retention_period") or previous_retention or 7)

    def fix(rds_models: ModuleType) -> None:
        instance_class = rds_models.DBInstance
        original_init = instance_class.__init__
        original_update = instance_class.update

        @functools.wraps(original_init)
        def init(instance: Any, *args: Any, **kwargs: Any) -> None:
            original_init(instance, *args, **kwargs)
            apply(instance, kwargs, creating=True)

        @functools.wraps(original_update)
        def update(instance: Any, *args: Any, **db_kwargs: Any) -> None:
            original_update(instance, *args, **db_kwargs)
            apply(instance, db_kwargs, creating=False)

        instance_class.__init__ = init
        instance_class.update = update

    _when_imported("moto.rds.models", fix)
