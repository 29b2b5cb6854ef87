#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_recovery_point_info
version_added: 0.1.0
short_description: List the recovery points of an AWS Backup vault, newest first
description:
  - List the recovery points that an AWS Backup vault holds, optionally only those of one resource (by its ARN) or
    of one resource type, and only those in the given states.
  - The result is sorted by creation time, newest first, so that C(recovery_points[0]) is the recovery point a
    restore test or a disaster recovery would restore.
  - amazon.aws has modules for vaults, plans and selections and for restore jobs, but none that lists recovery points.
author:
  - cvatops maintainers (@cvatops)
options:
  backup_vault_name:
    description:
      - The name of the backup vault.
    type: str
    required: true
  resource_arn:
    description:
      - Only recovery points of this resource, for example the ARN of an RDS DB instance or an EFS file system.
    type: str
  resource_type:
    description:
      - Only recovery points of this type of resource, for example V(RDS), V(EFS), V(EBS).
    type: str
  status:
    description:
      - Only recovery points in one of these states (V(COMPLETED), V(PARTIAL), V(DELETING), V(EXPIRED),
        V(AVAILABLE), V(STOPPED), V(CREATING)).
      - Empty (the default) means every state.
    type: list
    elements: str
    default: []
  created_after:
    description:
      - Only recovery points created after this time (ISO 8601, for example V(2026-01-31T00:00:00Z)).
    type: str
  created_before:
    description:
      - Only recovery points created before this time (ISO 8601).
    type: str
notes:
  - The module needs C(backup:ListRecoveryPointsByBackupVault).
  - Supports check mode (it only reads).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the newest completed recovery point of the database
  cvatops.aws.backup_recovery_point_info:
    backup_vault_name: cvat-prod-backup
    resource_arn: "{{ database_arn }}"
    status: [COMPLETED]
  register: points

- name: Restore it
  cvatops.aws.backup_restore_job:
    recovery_point_arn: "{{ points.recovery_points[0].recovery_point_arn }}"
    iam_role_arn: "{{ backup_role_arn }}"
    metadata:
      DBInstanceIdentifier: cvat-prod-restored
  when: points.recovery_points | length > 0
"""

RETURN = r"""
recovery_points:
  description: The matching recovery points, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    recovery_point_arn:
      description: The ARN of the recovery point (for RDS, the ARN of the DB snapshot AWS Backup took).
      returned: always
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-0f2c4f5e-6a3b-4c8f-9d0e-1a2b3c4d5e6f
    resource_arn:
      description: The ARN of the backed-up resource.
      returned: always
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:db:cvat-prod-db
    resource_type:
      description: The type of the backed-up resource.
      returned: always
      type: str
      sample: RDS
    status:
      description: The state of the recovery point.
      returned: always
      type: str
      sample: COMPLETED
    creation_date:
      description: When the backup started, ISO 8601 in UTC; the point in time the data is from.
      returned: always
      type: str
      sample: "2026-12-06T03:12:44+00:00"
    completion_date:
      description: When the backup finished, ISO 8601 in UTC.
      returned: when the backup has finished
      type: str
      sample: "2026-12-06T03:20:01+00:00"
    backup_vault_name:
      description: The vault that holds the recovery point.
      returned: always
      type: str
      sample: cvat-prod-backup
    iam_role_arn:
      description: The role AWS Backup used to create the recovery point.
      returned: always
      type: str
      sample: arn:aws:iam::123456789012:role/cvat-prod-backup
    encryption_key_arn:
      description: The KMS key the recovery point is encrypted with.
      returned: when encrypted
      type: str
      sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    backup_size_in_bytes:
      description: The size of the backup.
      returned: when known
      type: int
      sample: 107374182400
"""

from datetime import datetime
from datetime import timezone

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils.backup import AnsibleBackupError
from ansible_collections.cvatops.aws.plugins.module_utils.backup import BackupErrorHandler
from ansible_collections.cvatops.aws.plugins.module_utils.timeparse import as_utc
from ansible_collections.cvatops.aws.plugins.module_utils.timeparse import parse_time

STATES = ("COMPLETED", "PARTIAL", "DELETING", "EXPIRED", "AVAILABLE", "STOPPED", "CREATING")


# --- pure helpers -----------------------------------------------------------------------------


def list_params(params):
    """The ListRecoveryPointsByBackupVault request for the module's options (filters AWS applies itself)."""
    request = {"BackupVaultName": params["backup_vault_name"]}
    if params.get("resource_arn"):
        request["ByResourceArn"] = params["resource_arn"]
    if params.get("resource_type"):
        request["ByResourceType"] = params["resource_type"]
    if params.get("created_after"):
        request["ByCreatedAfter"] = parse_time(params["created_after"], "created_after")
    if params.get("created_before"):
        request["ByCreatedBefore"] = parse_time(params["created_before"], "created_before")
    return request


def select(points, statuses):
    """The points in one of statuses (all when empty), newest first."""
    wanted = {s.upper() for s in statuses or []}
    chosen = [p for p in points if not wanted or p.get("Status") in wanted]
    return sorted(chosen, key=lambda p: as_utc(p.get("CreationDate")) or datetime.min.replace(tzinfo=timezone.utc), reverse=True)


def normalize(point):
    """A recovery point in snake case, its times as ISO 8601 strings in UTC."""
    out = camel_dict_to_snake_dict({k: v for k, v in point.items() if k not in ("CreationDate", "CompletionDate", "LastRestoreTime")})
    for key, name in (("CreationDate", "creation_date"), ("CompletionDate", "completion_date"), ("LastRestoreTime", "last_restore_time")):
        if point.get(key) is not None:
            out[name] = as_utc(point[key]).isoformat()
    return out


# --- AWS calls -------------------------------------------------------------------------------


@BackupErrorHandler.list_error_handler("list the recovery points of vault {backup_vault_name}")
def list_recovery_points(client, backup_vault_name, request):
    paginator = client.get_paginator("list_recovery_points_by_backup_vault")
    return AWSRetry.jittered_backoff()(paginator.paginate(**request).build_full_result)()["RecoveryPoints"]


def main():
    argument_spec = dict(
        backup_vault_name=dict(type="str", required=True),
        resource_arn=dict(type="str"),
        resource_type=dict(type="str"),
        status=dict(type="list", elements="str", default=[]),
        created_after=dict(type="str"),
        created_before=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    unknown = [s for s in module.params["status"] if s.upper() not in STATES]
    if unknown:
        module.fail_json(msg=f"status: unknown recovery point states {unknown}; use {', '.join(STATES)}")
    try:
        request = list_params(module.params)
    except ValueError as e:
        module.fail_json(msg=str(e))
    client = module.client("backup", retry_decorator=AWSRetry.jittered_backoff())
    vault = module.params["backup_vault_name"]
    try:
        points = list_recovery_points(client, vault, request)
    except AnsibleBackupError as e:
        module.fail_json_aws_error(e)
    if points is None:  # the vault does not exist
        module.fail_json(msg=f"Backup vault {vault} does not exist")
    module.exit_json(changed=False, recovery_points=[normalize(p) for p in select(points, module.params["status"])])


if __name__ == "__main__":
    main()
