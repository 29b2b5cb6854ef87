#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: efs_backup_policy
version_added: 0.1.0
short_description: Turn automatic backups of an Amazon EFS file system on or off
description:
  - Set the backup policy of an Amazon EFS file system, which decides whether AWS Backup takes automatic
    daily backups of it (in the account's default backup vault, with the default backup plan).
  - A file system whose backup policy was never set has automatic backups off.
  - A policy that is being turned on (C(ENABLING)) counts as on, and one that is being turned off
    (C(DISABLING)) as off, so the module does not change the policy again while AWS applies it.
author:
  - cvatops maintainers (@cvatops)
options:
  file_system_id:
    description:
      - The id of the EFS file system, for example V(fs-0123456789abcdef0).
    type: str
    required: true
  enabled:
    description:
      - Whether automatic backups should be on.
    type: bool
    default: true
notes:
  - The module needs C(elasticfilesystem:DescribeBackupPolicy) and C(elasticfilesystem:PutBackupPolicy).
  - Backups that AWS Backup already took are kept when automatic backups are turned off.
  - Backup plans of your own (for example with amazon.aws.backup_plan and amazon.aws.backup_selection)
    do not need this policy; it only controls the automatic daily backups.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Back up the shared file system automatically
  cvatops.aws.efs_backup_policy:
    file_system_id: "{{ efs.efs.file_system_id }}"

- name: Turn automatic backups off (a backup plan of your own covers the file system)
  cvatops.aws.efs_backup_policy:
    file_system_id: fs-0123456789abcdef0
    enabled: false
"""

RETURN = r"""
changed:
  description: Whether the backup policy was changed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
backup_policy:
  description: The backup policy of the file system.
  returned: always
  type: dict
  contains:
    status:
      description:
        - The status of automatic backups, V(ENABLED), V(ENABLING), V(DISABLED) or V(DISABLING).
        - V(DISABLED) also for a file system whose policy was never set.
        - In check mode, the status the change would lead to.
      returned: always
      type: str
      sample: ENABLED
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ENABLED = "ENABLED"
DISABLED = "DISABLED"
# Statuses that already lead to automatic backups being on.
ON_STATUSES = (ENABLED, "ENABLING")


class AnsibleEFSError(AnsibleAWSError):
    pass


class BackupPolicyErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEFSError

    @classmethod
    def _is_missing(cls):
        # A file system whose backup policy was never set.
        return is_boto3_error_code("PolicyNotFound")


# --- pure helpers -----------------------------------------------------------------------------


def current_status(policy):
    """The status of a DescribeBackupPolicy result; None (no policy) counts as DISABLED."""
    return (policy or {}).get("Status") or DISABLED


def is_on(status):
    return status in ON_STATUSES


def wanted_status(enabled):
    return ENABLED if enabled else DISABLED


def needs_change(status, enabled):
    return is_on(status) != bool(enabled)


def error_code(exception):
    """The AWS error code of a botocore ClientError, or None."""
    response = getattr(exception, "response", None) or {}
    return (response.get("Error") or {}).get("Code")


# --- AWS calls -------------------------------------------------------------------------------


@BackupPolicyErrorHandler.list_error_handler("describe the backup policy of file system {file_system_id}")
def describe_backup_policy(client, file_system_id):
    return client.describe_backup_policy(FileSystemId=file_system_id, aws_retry=True).get("BackupPolicy")


@BackupPolicyErrorHandler.common_error_handler("set the backup policy of file system {file_system_id}")
def put_backup_policy(client, file_system_id, status):
    response = client.put_backup_policy(FileSystemId=file_system_id, BackupPolicy={"Status": status}, aws_retry=True)
    return response.get("BackupPolicy") or {"Status": status}


def main():
    argument_spec = dict(
        file_system_id=dict(type="str", required=True),
        enabled=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    file_system_id, enabled = module.params["file_system_id"], module.params["enabled"]
    client = module.client("efs", retry_decorator=AWSRetry.jittered_backoff())

    try:
        before = current_status(describe_backup_policy(client, file_system_id))
        after = before
        changed = needs_change(before, enabled)
        if changed:
            after = wanted_status(enabled)
            if not module.check_mode:
                after = current_status(put_backup_policy(client, file_system_id, after))
    except AnsibleEFSError as e:
        if error_code(e.exception) == "FileSystemNotFound":
            module.fail_json(msg=f"File system {file_system_id} does not exist")
        module.fail_json_aws_error(e)

    result = dict(changed=changed, backup_policy={"status": after})
    if module._diff:
        result["diff"] = {"before": {"status": before}, "after": {"status": after}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
