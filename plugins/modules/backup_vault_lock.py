#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_vault_lock
version_added: 0.1.0
short_description: Set or remove the AWS Backup Vault Lock of a backup vault
description:
  - Set the vault lock of an AWS Backup vault, which enforces a minimum and a maximum retention on every recovery
    point in the vault and refuses their early deletion, or remove it.
  - Without O(changeable_for_days) the lock is in B(governance mode) and can be removed again by anyone with the
    permission to do so.
  - With O(changeable_for_days) the lock is in B(compliance mode) - after that many days (the lock date) nobody,
    not even the account root, can change or remove it, and the vault cannot be deleted while it holds recovery
    points. This cannot be undone.
  - The lock is compared by mode and retention range. The lock date of a compliance lock is never moved by a run
    that changes nothing - setting the lock again during the grace time would restart it.
  - amazon.aws.backup_vault cannot lock a vault.
author:
  - cvatops maintainers (@cvatops)
options:
  backup_vault_name:
    description:
      - The name of the backup vault.
    type: str
    required: true
  min_retention_days:
    description:
      - The shortest retention, in days, that a recovery point in the vault may have (1-36500).
      - Backup and copy jobs with a shorter retention fail.
    type: int
  max_retention_days:
    description:
      - The longest retention, in days, that a recovery point in the vault may have (1-36500).
      - Backup and copy jobs with a longer retention fail.
    type: int
  changeable_for_days:
    description:
      - Compliance mode - the days (3-36500) during which the lock can still be changed or removed. After
        that the lock is permanent.
      - Leave unset for governance mode.
    type: int
  state:
    description:
      - V(present) sets the lock, V(absent) removes it.
      - Removing or changing a compliance lock after its lock date fails, as AWS refuses it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The module needs C(backup:DescribeBackupVault), C(backup:PutBackupVaultLockConfiguration) and
    C(backup:DeleteBackupVaultLockConfiguration).
  - The vault must exist (for example through amazon.aws.backup_vault).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Governance mode - recovery points are kept 7 to 400 days, and the lock can be removed again
  cvatops.aws.backup_vault_lock:
    backup_vault_name: cvat-prod-backup
    min_retention_days: 7
    max_retention_days: 400

- name: Compliance mode - permanent after 7 days, cannot be undone
  cvatops.aws.backup_vault_lock:
    backup_vault_name: cvat-prod-backup
    min_retention_days: 7
    max_retention_days: 400
    changeable_for_days: 7

- name: Remove a governance lock (or a compliance lock before its lock date)
  cvatops.aws.backup_vault_lock:
    backup_vault_name: cvat-prod-backup
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the lock was set or removed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
vault_lock:
  description: The vault lock after the run (in check mode, what it would be).
  returned: always
  type: dict
  contains:
    backup_vault_name:
      description: The name of the vault.
      returned: always
      type: str
      sample: cvat-prod-backup
    backup_vault_arn:
      description: The ARN of the vault.
      returned: always
      type: str
      sample: arn:aws:backup:us-east-1:123456789012:backup-vault:cvat-prod-backup
    locked:
      description: Whether a vault lock is set.
      returned: always
      type: bool
      sample: true
    mode:
      description: V(governance), V(compliance) or V(none) (no lock).
      returned: always
      type: str
      sample: compliance
    min_retention_days:
      description: The shortest retention allowed, or null.
      returned: always
      type: int
      sample: 7
    max_retention_days:
      description: The longest retention allowed, or null.
      returned: always
      type: int
      sample: 400
    lock_date:
      description:
        - When a compliance lock becomes permanent (ISO 8601), or null. Unknown (null) in check mode for a
          lock that would be set.
      returned: always
      type: str
      sample: "2025-03-01T12:00:00+00:00"
    immutable:
      description: Whether the lock date has passed, so that the lock can no longer be changed or removed.
      returned: always
      type: bool
      sample: false
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils.backup import AnsibleBackupError
from ansible_collections.cvatops.aws.plugins.module_utils.backup import BackupVaultErrorHandler
from ansible_collections.cvatops.aws.plugins.module_utils.timeparse import as_utc

GOVERNANCE = "governance"
COMPLIANCE = "compliance"
NONE = "none"


# --- pure helpers -----------------------------------------------------------------------------


def lock_of(vault, now):
    """The lock of a DescribeBackupVault answer, as the module reports it."""
    lock_date = as_utc(vault.get("LockDate"))
    locked = bool(vault.get("Locked"))
    if not locked:
        mode = NONE
    else:
        mode = COMPLIANCE if lock_date is not None else GOVERNANCE
    return {
        "backup_vault_name": vault.get("BackupVaultName"),
        "backup_vault_arn": vault.get("BackupVaultArn"),
        "locked": locked,
        "mode": mode,
        "min_retention_days": vault.get("MinRetentionDays") if locked else None,
        "max_retention_days": vault.get("MaxRetentionDays") if locked else None,
        "lock_date": lock_date.isoformat() if lock_date else None,
        "immutable": bool(locked and lock_date is not None and lock_date <= now),
    }


def wanted_lock(current, params):
    """The lock the parameters ask for, in the shape of lock_of (lock date unknown until AWS sets it)."""
    if params["state"] == "absent":
        return dict(current, locked=False, mode=NONE, min_retention_days=None, max_retention_days=None, lock_date=None, immutable=False)
    mode = COMPLIANCE if params.get("changeable_for_days") is not None else GOVERNANCE
    same_mode = current["mode"] == mode
    return dict(
        current,
        locked=True,
        mode=mode,
        min_retention_days=params.get("min_retention_days"),
        max_retention_days=params.get("max_retention_days"),
        # A compliance lock that is left alone keeps its date; a new one gets its date from AWS.
        lock_date=current["lock_date"] if same_mode and mode == COMPLIANCE else None,
        immutable=current["immutable"] if same_mode else False,
    )


def differences(current, wanted):
    """The reported keys in which the lock differs (the lock date is the consequence, not the request)."""
    return [key for key in ("locked", "mode", "min_retention_days", "max_retention_days") if current.get(key) != wanted.get(key)]


def parameter_errors(params):
    """What AWS would refuse, said before any call."""
    errors = []
    if params["state"] == "absent":
        return errors
    minimum, maximum, changeable = params.get("min_retention_days"), params.get("max_retention_days"), params.get("changeable_for_days")
    if minimum is None and maximum is None:
        errors.append("set min_retention_days, max_retention_days or both")
    for name, value in (("min_retention_days", minimum), ("max_retention_days", maximum)):
        if value is not None and not 1 <= value <= 36500:
            errors.append(f"{name} must be 1-36500, not {value}")
    if minimum is not None and maximum is not None and minimum > maximum:
        errors.append(f"min_retention_days ({minimum}) must not exceed max_retention_days ({maximum})")
    if changeable is not None and not 3 <= changeable <= 36500:
        errors.append(f"changeable_for_days must be 3-36500, not {changeable}")
    return errors


def put_arguments(params):
    arguments = {"BackupVaultName": params["backup_vault_name"]}
    for option, key in (("min_retention_days", "MinRetentionDays"), ("max_retention_days", "MaxRetentionDays"), ("changeable_for_days", "ChangeableForDays")):
        if params.get(option) is not None:
            arguments[key] = params[option]
    return arguments


# --- AWS calls -------------------------------------------------------------------------------


@BackupVaultErrorHandler.list_error_handler("describe backup vault {name}")
def describe_vault(client, name):
    return client.describe_backup_vault(BackupVaultName=name, aws_retry=True)


@BackupVaultErrorHandler.common_error_handler("set the lock of backup vault {arguments[BackupVaultName]}")
def put_lock(client, arguments):
    client.put_backup_vault_lock_configuration(aws_retry=True, **arguments)


@BackupVaultErrorHandler.common_error_handler("remove the lock of backup vault {name}")
def delete_lock(client, name):
    client.delete_backup_vault_lock_configuration(BackupVaultName=name, aws_retry=True)


def main():
    argument_spec = dict(
        backup_vault_name=dict(type="str", required=True),
        min_retention_days=dict(type="int"),
        max_retention_days=dict(type="int"),
        changeable_for_days=dict(type="int"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    name = params["backup_vault_name"]
    errors = parameter_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    client = module.client("backup", retry_decorator=AWSRetry.jittered_backoff())

    try:
        vault = describe_vault(client, name)
        if vault is None:
            module.fail_json(msg=f"Backup vault {name} does not exist")
        now = datetime.datetime.now(datetime.timezone.utc)
        before = lock_of(vault, now)
        after = wanted_lock(before, params)
        changed = bool(differences(before, after))
        if changed and before["immutable"]:
            module.fail_json(
                msg=(
                    f"The compliance lock of backup vault {name} became permanent on {before['lock_date']}: it can no longer be "
                    f"changed or removed (differs in {', '.join(differences(before, after))})"
                ),
                vault_lock=before,
            )
        if changed and not module.check_mode:
            # A compliance lock still in its grace time turns into a governance lock only by removing it first:
            # setting it again without ChangeableForDays would keep its lock date.
            if params["state"] == "absent" or (before["mode"] == COMPLIANCE and after["mode"] == GOVERNANCE):
                delete_lock(client, name)
            if params["state"] == "present":
                put_lock(client, put_arguments(params))
            after = lock_of(describe_vault(client, name), now)
    except AnsibleBackupError as e:
        module.fail_json_aws_error(e)

    result = dict(changed=changed, vault_lock=after)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
