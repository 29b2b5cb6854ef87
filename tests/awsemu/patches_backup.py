# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for AWS Backup vaults, plans, selections, vault locks and tags; same contract as
:mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

Recovery points, backup jobs and restore jobs are not modelled here (see ``patches_restore``). The tests
are in ``tests/emulator/test_patches_backup.py``.
"""

from __future__ import annotations

import functools
import json
import re
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from .patches import _patch, _when_imported

# AWS Backup's names: vaults 2-50 letters, digits, hyphens and underscores; plans and selections 1-50
# letters, digits, hyphens, underscores and dots.
_VAULT_NAME = re.compile(r"^[A-Za-z0-9_-]{2,50}$")
_PLAN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_CONDITION_TYPES = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")


def _exceptions() -> ModuleType:
    from moto.backup import exceptions  # pylint: disable=import-outside-toplevel

    return exceptions


def _access_denied() -> Exception:
    from moto.core.exceptions import JsonRESTError  # pylint: disable=import-outside-toplevel

    error = JsonRESTError("AccessDeniedException", "Insufficient privileges to perform this action.")
    error.code = 403
    return error


def _invalid_parameter(message: str) -> Exception:
    return _exceptions().InvalidParameterValueException(msg=message)


def _not_found(message: str) -> Exception:
    return _exceptions().ResourceNotFoundException(msg=message)


def _invalid_request(message: str) -> Exception:
    return _exceptions().InvalidRequestException(msg=message)


def _path_after(path: str, marker: str) -> list[str]:
    """The (unquoted) path segments after ``marker``, e.g. plan and selection ids after ``/backup/plans/``."""
    return [unquote(part) for part in path.split(marker, 1)[-1].split("/") if part]


def _key_arn(account_id: str, region: str, key_ref: str | None) -> str | None:
    """The ARN of a KMS key (id, ARN or alias) in that account and region; None when there is no such key."""
    from moto.kms.models import kms_backends  # pylint: disable=import-outside-toplevel

    try:
        return str(kms_backends[account_id][region].describe_key(key_ref).arn)
    except Exception:  # pylint: disable=broad-except
        return None


# --- vaults ---------------------------------------------------------------------------------------


def vault_description(vault: Any) -> dict[str, Any]:
    """DescribeBackupVault's answer for a vault, with the fields AWS always returns."""
    out: dict[str, Any] = {
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "VaultType": "BACKUP_VAULT",
        "VaultState": "AVAILABLE",
        "EncryptionKeyArn": vault.encryption_key_arn,
        "CreationDate": vault.creation_date,
        "CreatorRequestId": vault.creator_request_id,
        "NumberOfRecoveryPoints": vault.num_of_recovery_points,
        "Locked": vault.locked,
    }
    for key, value in (
        ("MinRetentionDays", vault.min_retention_days),
        ("MaxRetentionDays", vault.max_retention_days),
        ("LockDate", vault.lock_date),
    ):
        if value is not None:
            out[key] = value
    return {key: value for key, value in out.items() if value is not None}


@_patch
def backup_vault_describe() -> None:
    """DescribeBackupVault of a missing vault is AccessDeniedException; an existing one reports its key and lock.

    (a) AWS: DescribeBackupVault of a vault that does not exist answers AccessDeniedException (HTTP 403,
        "Insufficient privileges to perform this action."), even to a caller allowed to describe it;
        an existing vault reports EncryptionKeyArn, NumberOfRecoveryPoints, Locked, VaultType and
        VaultState, plus MinRetentionDays / MaxRetentionDays / LockDate when a vault lock is set.
    (b) moto 5.2.5 answers ResourceNotFoundException and leaves out EncryptionKeyArn,
        NumberOfRecoveryPoints and LockDate.
    (c) amazon.aws.backup_vault treats only AccessDeniedException as "no such vault" and fails on
        anything else, so no vault can be created in the emulator; the backup role's key check and
        cvatops.aws.backup_vault_lock read the key and the lock from DescribeBackupVault.
    """

    def describe_backup_vault(self: Any) -> tuple[str, dict[str, Any]]:
        name = _path_after(self.path, "/backup-vaults/")[0]
        vault = self.backup_backend.vaults.get(name)
        if vault is None:
            raise _access_denied()
        return json.dumps(vault_description(vault)), {"Content-Type": "application/json"}

    def fix(backup_responses: ModuleType) -> None:
        backup_responses.BackupResponse.describe_backup_vault = describe_backup_vault

    _when_imported("moto.backup.responses", fix)


@_patch
def backup_vault_create_checks() -> None:
    """CreateBackupVault checks the name and the key.

    (a) AWS: a vault name has 2-50 letters, digits, hyphens or underscores (else
        InvalidParameterValueException); ``EncryptionKeyArn`` must be a KMS key of the vault's own
        region (a key of another region is refused). Without a key AWS uses the account's AWS managed
        key ``aws/backup``, which moto's KMS does not have: such a vault reports no key here.
    (b) moto 5.2.5 accepts any name and any key string.
    (c) The backup role creates a second vault in another region with that region's key: a slip that
        passed the stack's (first region's) key would go unnoticed in the emulator.
    """

    def fix(backup_models: ModuleType) -> None:
        original = backup_models.BackupBackend.create_backup_vault

        @functools.wraps(original)
        def create_backup_vault(backend: Any, backup_vault_name: str, backup_vault_tags: Any, encryption_key_arn: str | None, creator_request_id: Any) -> Any:
            if not _VAULT_NAME.match(backup_vault_name or ""):
                raise _invalid_parameter(f"Invalid backup vault name {backup_vault_name}: 2-50 letters, digits, hyphens or underscores.")
            if encryption_key_arn:
                if encryption_key_arn.startswith("arn:") and encryption_key_arn.split(":")[3] != backend.region_name:
                    raise _invalid_parameter(f"Encryption key {encryption_key_arn} is not in region {backend.region_name}.")
                resolved = _key_arn(backend.account_id, backend.region_name, encryption_key_arn)
                if resolved is None:
                    raise _invalid_parameter(f"Invalid encryption key {encryption_key_arn}.")
                encryption_key_arn = resolved
            return original(backend, backup_vault_name, backup_vault_tags, encryption_key_arn, creator_request_id)

        backup_models.BackupBackend.create_backup_vault = create_backup_vault

    _when_imported("moto.backup.models", fix)


@_patch
def backup_vault_delete() -> None:
    """DeleteBackupVault refuses a missing vault and a vault with recovery points, and drops the vault's tags.

    (a) AWS: deleting a vault that does not exist is ResourceNotFoundException; a vault that still holds
        recovery points is InvalidRequestException ("Backup vault cannot be deleted because it contains
        recovery points"); a vault's tags go with it, so a new vault of the same name (same ARN) starts
        without tags.
    (b) moto 5.2.5 ignores a missing vault, deletes a vault whatever it holds and keeps its tags, which
        a new vault of the same name then inherits.
    (c) The backup role's teardown keeps a vault that holds recovery points instead of trying to
        delete it; a converge after a teardown must tag a re-created vault itself.
    """

    def fix(backup_models: ModuleType) -> None:
        def delete_backup_vault(backend: Any, backup_vault_name: str) -> None:
            vault = backend.vaults.get(backup_vault_name)
            if vault is None:
                raise _not_found(f"Backup vault {backup_vault_name} does not exist.")
            if (vault.num_of_recovery_points or 0) > 0:
                raise _invalid_request("Backup vault cannot be deleted because it contains recovery points.")
            backend.tagger.delete_all_tags_for_resource(vault.backup_vault_arn)
            del backend.vaults[backup_vault_name]

        backup_models.BackupBackend.delete_backup_vault = delete_backup_vault

    _when_imported("moto.backup.models", fix)


# --- plans ----------------------------------------------------------------------------------------


def _live_plans(backend: Any) -> list[Any]:
    return [plan for plan in backend.plans.values() if plan.deletion_date is None]


def _plan_defaults(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules as AWS stores them: the defaults filled in and a rule id each."""
    from moto.moto_api._internal import mock_random  # pylint: disable=import-outside-toplevel

    out = []
    for rule in rules:
        rule = dict(rule)
        rule.setdefault("ScheduleExpression", "cron(0 5 ? * * *)")
        rule.setdefault("StartWindowMinutes", 480)
        rule.setdefault("CompletionWindowMinutes", 10080)
        rule.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        rule["RuleId"] = str(mock_random.uuid4())
        out.append(rule)
    return out


def plan_errors(backup_plan: dict[str, Any]) -> list[str]:
    """What AWS refuses in a plan document: names, retention below 1 day, cold storage less than 90 days before deletion."""
    errors = []
    if not _PLAN_NAME.match(str(backup_plan.get("BackupPlanName") or "")):
        errors.append(f"Invalid backup plan name {backup_plan.get('BackupPlanName')}.")
    for rule in backup_plan.get("Rules") or []:
        lifecycles = [rule.get("Lifecycle") or {}] + [(action.get("Lifecycle") or {}) for action in rule.get("CopyActions") or []]
        for lifecycle in lifecycles:
            delete, cold = lifecycle.get("DeleteAfterDays"), lifecycle.get("MoveToColdStorageAfterDays")
            if delete is not None and delete < 1:
                errors.append(f"Rule {rule.get('RuleName')}: DeleteAfterDays must be at least 1.")
            if delete is not None and cold is not None and delete < cold + 90:
                errors.append(
                    f"Rule {rule.get('RuleName')}: DeleteAfterDays ({delete}) must be at least 90 days after MoveToColdStorageAfterDays ({cold})."
                )
        for action in rule.get("CopyActions") or []:
            if not str(action.get("DestinationBackupVaultArn", "")).startswith("arn:"):
                errors.append(f"Rule {rule.get('RuleName')}: DestinationBackupVaultArn must be a backup vault ARN.")
    return errors


@_patch
def backup_plan_update_and_names() -> None:
    """UpdateBackupPlan answers; a deleted plan's name is free again; plan documents are checked.

    (a) AWS: ``UpdateBackupPlan`` (POST /backup/plans/{id}) replaces the plan document and answers
        a new VersionId; only plans that are not deleted count for the unique name, so a plan can be
        created again under the name of a deleted one; invalid names, DeleteAfterDays below 1 and
        cold storage less than 90 days before deletion are InvalidParameterValueException.
    (b) moto 5.2.5 does not implement UpdateBackupPlan (HTTP 500), refuses the name of a deleted plan
        with AlreadyExistsException forever, and accepts any plan document.
    (c) amazon.aws.backup_plan fails whenever a rule changes (retention, schedule, copy action), and
        the backup role cannot create its plan again after a teardown.
    """

    def fix_models(backup_models: ModuleType) -> None:
        original_create = backup_models.BackupBackend.create_backup_plan

        @functools.wraps(original_create)
        def create_backup_plan(backend: Any, backup_plan: dict[str, Any], backup_plan_tags: Any, creator_request_id: Any) -> Any:
            errors = plan_errors(backup_plan)
            if errors:
                raise _invalid_parameter(" ".join(errors))
            if any(plan.backup_plan["BackupPlanName"] == backup_plan["BackupPlanName"] for plan in _live_plans(backend)):
                raise _exceptions().AlreadyExistsException(msg="Backup plan with the same plan document already exists")
            # moto compares names with deleted plans too: hide them while it checks.
            deleted = {plan_id: plan for plan_id, plan in backend.plans.items() if plan.deletion_date is not None}
            for plan_id in deleted:
                del backend.plans[plan_id]
            try:
                return original_create(backend, backup_plan, backup_plan_tags, creator_request_id)
            finally:
                backend.plans.update(deleted)

        def update_backup_plan(backend: Any, backup_plan_id: str, backup_plan: dict[str, Any]) -> Any:
            from moto.moto_api._internal import mock_random  # pylint: disable=import-outside-toplevel

            plan = backend.plans.get(backup_plan_id)
            if plan is None or plan.deletion_date is not None:
                raise _not_found(f"Failed reading Backup plan {backup_plan_id}")
            errors = plan_errors(backup_plan)
            if errors:
                raise _invalid_parameter(" ".join(errors))
            plan.backup_plan = dict(backup_plan, Rules=_plan_defaults(backup_plan.get("Rules") or []))
            plan.advanced_backup_settings = backup_plan.get("AdvancedBackupSettings") or []
            plan.version_id = mock_random.get_random_string(length=48)
            return plan

        backup_models.BackupBackend.create_backup_plan = create_backup_plan
        backup_models.BackupBackend.update_backup_plan = update_backup_plan

    def fix_responses(backup_responses: ModuleType) -> None:
        def update_backup_plan(self: Any) -> str:
            plan_id = _path_after(self.path, "/backup/plans/")[0]
            body = json.loads(self.body or "{}")
            plan = self.backup_backend.update_backup_plan(plan_id, body.get("BackupPlan") or {})
            answer = {
                "BackupPlanId": plan.backup_plan_id,
                "BackupPlanArn": plan.backup_plan_arn,
                "CreationDate": plan.creation_date,
                "VersionId": plan.version_id,
            }
            if plan.advanced_backup_settings:
                answer["AdvancedBackupSettings"] = plan.advanced_backup_settings
            return json.dumps(answer)

        backup_responses.BackupResponse.update_backup_plan = update_backup_plan

    _when_imported("moto.backup.models", fix_models)
    _when_imported("moto.backup.responses", fix_responses)


# --- selections -----------------------------------------------------------------------------------


def normalized_selection(selection: dict[str, Any]) -> dict[str, Any]:
    """A selection document as GetBackupSelection returns it: every list present, every condition type present."""
    conditions = selection.get("Conditions") or {}
    return {
        "SelectionName": selection["SelectionName"],
        "IamRoleArn": selection["IamRoleArn"],
        "Resources": list(selection.get("Resources") or []),
        "ListOfTags": list(selection.get("ListOfTags") or []),
        "NotResources": list(selection.get("NotResources") or []),
        "Conditions": {kind: list(conditions.get(kind) or []) for kind in _CONDITION_TYPES},
    }


def selection_errors(selection: dict[str, Any]) -> list[str]:
    """What AWS refuses in a selection document."""
    errors = []
    if not _PLAN_NAME.match(str(selection.get("SelectionName") or "")):
        errors.append(f"Invalid selection name {selection.get('SelectionName')}.")
    if not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/", str(selection.get("IamRoleArn") or "")):
        errors.append(f"IamRoleArn {selection.get('IamRoleArn')} is not an IAM role ARN.")
    for key in ("Resources", "NotResources"):
        for arn in selection.get(key) or []:
            if arn != "*" and not str(arn).startswith("arn:"):
                errors.append(f"{key}: {arn} is not an ARN or *.")
    for kind in (selection.get("Conditions") or {}):
        if kind not in _CONDITION_TYPES:
            errors.append(f"Unknown condition type {kind}.")
    return errors


@_patch
def backup_selections() -> None:
    """Backup selections: CreateBackupSelection, GetBackupSelection, ListBackupSelections, DeleteBackupSelection.

    (a) AWS: a selection assigns resources to a plan by ARN (``Resources``, ``NotResources``, ``*``
        wildcards) and by tag (``ListOfTags``, and ``Conditions`` that all must hold); Get returns
        every list and all four condition types, empty ones included; a selection of a missing or
        deleted plan, or a missing selection, is ResourceNotFoundException; DeleteBackupPlan refuses
        with InvalidRequestException while the plan still has selections.
    (b) moto 5.2.5 implements none of the four selection operations (HTTP 500) and deletes plans
        whatever is attached.
    (c) amazon.aws.backup_selection (and backup_selection_info) fail, so the backup role cannot assign
        the stack's resources to its plan, and a teardown that deletes the plan before its selection
        would pass in the emulator and fail on AWS.
    """

    def plan_of(backend: Any, plan_id: str) -> Any:
        plan = backend.plans.get(plan_id)
        if plan is None or plan.deletion_date is not None:
            raise _not_found(f"Failed reading Backup plan {plan_id}")
        if not hasattr(plan, "_awsemu_selections"):
            plan._awsemu_selections = {}  # pylint: disable=protected-access
        return plan

    def fix_models(backup_models: ModuleType) -> None:
        original_delete_plan = backup_models.BackupBackend.delete_backup_plan

        @functools.wraps(original_delete_plan)
        def delete_backup_plan(backend: Any, backup_plan_id: str) -> Any:
            plan = backend.plans.get(backup_plan_id)
            if plan is not None and plan.deletion_date is None and getattr(plan, "_awsemu_selections", None):
                raise _invalid_request("Related backup plan selections must be deleted prior to backup plan deletion.")
            return original_delete_plan(backend, backup_plan_id)

        backup_models.BackupBackend.delete_backup_plan = delete_backup_plan

    def fix_responses(backup_responses: ModuleType) -> None:
        from moto.core.utils import unix_time  # pylint: disable=import-outside-toplevel
        from moto.moto_api._internal import mock_random  # pylint: disable=import-outside-toplevel

        def create_backup_selection(self: Any) -> str:
            plan_id = _path_after(self.path, "/backup/plans/")[0]
            plan = plan_of(self.backup_backend, plan_id)
            body = json.loads(self.body or "{}")
            document = body.get("BackupSelection") or {}
            errors = selection_errors(document)
            if errors:
                raise _invalid_parameter(" ".join(errors))
            selection = {
                "SelectionId": str(mock_random.uuid4()),
                "BackupPlanId": plan_id,
                "CreationDate": unix_time(),
                "CreatorRequestId": body.get("CreatorRequestId") or str(mock_random.uuid4()),
                "BackupSelection": normalized_selection(document),
            }
            plan._awsemu_selections[selection["SelectionId"]] = selection  # pylint: disable=protected-access
            return json.dumps({key: selection[key] for key in ("SelectionId", "BackupPlanId", "CreationDate")})

        def selection_of(self: Any) -> tuple[Any, dict[str, Any]]:
            parts = _path_after(self.path, "/backup/plans/")  # {plan id}/selections/{selection id}
            plan_id, selection_id = parts[0], parts[2]
            plan = plan_of(self.backup_backend, plan_id)
            selection = plan._awsemu_selections.get(selection_id)  # pylint: disable=protected-access
            if selection is None:
                raise _not_found(f"Failed reading backup selection {selection_id}")
            return plan, selection

        def get_backup_selection(self: Any) -> str:
            return json.dumps(selection_of(self)[1])

        def delete_backup_selection(self: Any) -> str:
            plan, selection = selection_of(self)
            del plan._awsemu_selections[selection["SelectionId"]]  # pylint: disable=protected-access
            return "{}"

        def list_backup_selections(self: Any) -> str:
            plan_id = _path_after(self.path, "/backup/plans/")[0]
            plan = plan_of(self.backup_backend, plan_id)
            listed = [
                {
                    "SelectionId": selection["SelectionId"],
                    "SelectionName": selection["BackupSelection"]["SelectionName"],
                    "BackupPlanId": selection["BackupPlanId"],
                    "CreationDate": selection["CreationDate"],
                    "CreatorRequestId": selection["CreatorRequestId"],
                    "IamRoleArn": selection["BackupSelection"]["IamRoleArn"],
                }
                for selection in plan._awsemu_selections.values()  # pylint: disable=protected-access
            ]
            return json.dumps({"BackupSelectionsList": listed})

        response_class = backup_responses.BackupResponse
        response_class.create_backup_selection = create_backup_selection
        response_class.get_backup_selection = get_backup_selection
        response_class.delete_backup_selection = delete_backup_selection
        response_class.list_backup_selections = list_backup_selections

    _when_imported("moto.backup.models", fix_models)
    _when_imported("moto.backup.responses", fix_responses)


# --- vault lock -----------------------------------------------------------------------------------


@_patch
def backup_vault_lock_checks() -> None:
    """PutBackupVaultLockConfiguration checks ChangeableForDays' upper bound and a lock reads back after its grace time.

    (a) AWS: ``ChangeableForDays`` is 3 to 36500 and ``MinRetentionDays`` at most 36500, else
        InvalidParameterValueException; a lock without ChangeableForDays (governance mode) has no
        LockDate and can always be removed; with it (compliance mode) DescribeBackupVault reports the
        LockDate after which the lock can be neither changed nor removed.
    (b) moto 5.2.5 accepts any ChangeableForDays of 3 or more and any MinRetentionDays.
    (c) cvatops.aws.backup_vault_lock relies on AWS refusing such values; its tests check that the
        refusal reaches the user.
    """

    def fix(backup_models: ModuleType) -> None:
        original = backup_models.BackupBackend.put_backup_vault_lock_configuration

        @functools.wraps(original)
        def put_backup_vault_lock_configuration(
            backend: Any, backup_vault_name: str, min_retention_days: Any, max_retention_days: Any, changeable_for_days: Any
        ) -> None:
            if changeable_for_days is not None and changeable_for_days > 36500:
                raise _invalid_parameter("ChangeableForDays cannot exceed 36500 days")
            if min_retention_days is not None and min_retention_days > 36500:
                raise _invalid_parameter("MinRetentionDays cannot exceed 36500 days")
            original(backend, backup_vault_name, min_retention_days, max_retention_days, changeable_for_days)

        backup_models.BackupBackend.put_backup_vault_lock_configuration = put_backup_vault_lock_configuration

    _when_imported("moto.backup.models", fix)


# --- tags -----------------------------------------------------------------------------------------


@_patch
def backup_tags_of_missing_resources() -> None:
    """ListTags, TagResource and UntagResource of a vault or plan that does not exist fail.

    (a) AWS: tagging calls on the ARN of a backup vault or plan that does not exist (or a plan that was
        deleted) answer ResourceNotFoundException.
    (b) moto 5.2.5 tags any ARN, and lists tags of missing resources as empty.
    (c) amazon.aws.backup_tag would report tags set on a vault that a typo named; stale tags would
        be reported for deleted resources.
    """

    def exists(backend: Any, arn: str) -> bool:
        if ":backup-vault:" in arn:
            return any(vault.backup_vault_arn == arn for vault in backend.vaults.values())
        if ":backup-plan:" in arn:
            return any(plan.backup_plan_arn == arn for plan in _live_plans(backend))
        return True  # other resource types (recovery points, report plans) keep moto's behaviour

    def guard(method: Any, marker: str) -> Any:
        @functools.wraps(method)
        def wrapper(self: Any) -> Any:
            # The ARN is the path segment after /tags/ or /untag/ (ListTags ends with a slash).
            resource_arn = _path_after(self.path, marker)[0]
            if not exists(self.backup_backend, resource_arn):
                raise _not_found(f"Resource {resource_arn} not found")
            return method(self)

        return wrapper

    # Guarded where the API is called, not in the backend: moto tags a vault or plan through the same
    # backend method while it creates it, before the resource is registered.
    def fix_responses(backup_responses: ModuleType) -> None:
        response_class = backup_responses.BackupResponse
        response_class.list_tags = guard(response_class.list_tags, "/tags/")
        response_class.tag_resource = guard(response_class.tag_resource, "/tags/")
        response_class.untag_resource = guard(response_class.untag_resource, "/untag/")

    _when_imported("moto.backup.responses", fix_responses)
