#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_restore_job
version_added: 0.1.0
short_description: Restore an AWS Backup recovery point and wait for the restore job
description:
  - Start an AWS Backup restore job of a recovery point, with the restore metadata that describes the new resource
    (for RDS for example C(DBInstanceIdentifier), C(DBSubnetGroupName), C(VpcSecurityGroupIds); for EFS
    C(file-system-id), C(newFileSystem), C(CreationToken), C(Encrypted), C(KmsKeyId), C(PerformanceMode)), and the
    IAM role AWS Backup assumes to create it.
  - By default waits until the job has C(COMPLETED) and returns the ARN of the resource it created; a job that
    ends C(FAILED) or C(ABORTED), or does not end within O(wait_timeout), fails the task.
  - Every run that is not in check mode starts a job (a restore is an action, not a state), unless
    O(idempotency_token) names a job started before with the same token, which AWS then returns instead.
  - In check mode nothing is started; the result says what would be.
  - amazon.aws.backup_restore_job_info only reads restore jobs; no module of amazon.aws or community.aws starts one.
author:
  - cvatops maintainers (@cvatops)
options:
  recovery_point_arn:
    description:
      - The ARN of the recovery point to restore (see cvatops.aws.backup_recovery_point_info).
    type: str
    required: true
  iam_role_arn:
    description:
      - The ARN of the IAM role AWS Backup assumes to create the restored resource.
    type: str
    required: true
  metadata:
    description:
      - The restore metadata, as AWS Backup takes it (string values; lists such as C(VpcSecurityGroupIds) as a JSON
        list in a string). Values that are not strings are converted; lists and dicts become JSON.
    type: dict
    required: true
  resource_type:
    description:
      - The type of the resource to restore, for example V(RDS) or V(EFS). AWS Backup takes it from the recovery
        point when it is left out.
    type: str
  idempotency_token:
    description:
      - A token that identifies this restore; starting again with the same token returns the job started before
        instead of a second one.
    type: str
  copy_source_tags_to_restored_resource:
    description:
      - Copy the tags of the backed-up resource to the restored one (where the resource type supports it).
    type: bool
    default: false
  wait:
    description:
      - Wait until the restore job has ended.
    type: bool
    default: true
  wait_timeout:
    description:
      - Longest wait for the job, in seconds.
    type: int
    default: 3600
  wait_delay:
    description:
      - Seconds between two looks at the job while waiting.
    type: int
    default: 15
notes:
  - The module needs C(backup:StartRestoreJob), C(backup:DescribeRestoreJob) and C(iam:PassRole) on O(iam_role_arn).
  - Removing the restored resource is up to the caller (for example amazon.aws.rds_instance or community.aws.efs
    with C(state=absent)).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Restore the newest database recovery point into a temporary instance
  cvatops.aws.backup_restore_job:
    recovery_point_arn: "{{ points.recovery_points[0].recovery_point_arn }}"
    iam_role_arn: arn:aws:iam::123456789012:role/cvat-prod-backup
    resource_type: RDS
    metadata:
      DBInstanceIdentifier: cvat-prod-restoretest-20261206t031500z
      DBInstanceClass: db.t3.medium
      DBSubnetGroupName: cvat-prod-db
      VpcSecurityGroupIds: [sg-0123456789abcdef0]
      MultiAZ: false
      DeletionProtection: false
    wait_timeout: 7200
  register: restore

- name: Restore a file system recovery point into a new encrypted file system
  cvatops.aws.backup_restore_job:
    recovery_point_arn: "{{ efs_points.recovery_points[0].recovery_point_arn }}"
    iam_role_arn: arn:aws:iam::123456789012:role/cvat-prod-backup
    resource_type: EFS
    metadata:
      # The backed-up file system (the recovery point's resource), required for every EFS restore.
      file-system-id: fs-0123456789abcdef0
      newFileSystem: true
      CreationToken: cvat-prod-restoretest-20261206t031500z
      Encrypted: true
      KmsKeyId: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
      PerformanceMode: generalPurpose
"""

RETURN = r"""
changed:
  description: Whether a restore job was started (or would be, in check mode).
  returned: always
  type: bool
  sample: true
restore_job:
  description: The restore job as AWS Backup last described it; in check mode, what would be started.
  returned: always
  type: dict
  contains:
    restore_job_id:
      description: The id of the restore job (absent in check mode).
      returned: unless in check mode
      type: str
      sample: 1A2B3C4D-5E6F-7A8B-9C0D-1E2F3A4B5C6D
    status:
      description: V(PENDING), V(RUNNING), V(COMPLETED), V(ABORTED) or V(FAILED); V(NOT_STARTED) in check mode.
      returned: always
      type: str
      sample: COMPLETED
    created_resource_arn:
      description: The ARN of the restored resource.
      returned: when the job has completed
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:db:cvat-prod-restoretest-20261206t031500z
    recovery_point_arn:
      description: The recovery point restored.
      returned: always
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-0f2c4f5e-6a3b-4c8f-9d0e-1a2b3c4d5e6f
    status_message:
      description: Why the job failed, as AWS Backup says.
      returned: when AWS gives one
      type: str
      sample: Insufficient privileges to perform this action.
    metadata:
      description: The restore metadata sent (strings).
      returned: always
      type: dict
      sample: {DBInstanceIdentifier: cvat-prod-restoretest-20261206t031500z, MultiAZ: "false"}
seconds:
  description: Seconds from starting the job until it ended (or until the module stopped waiting).
  returned: always
  type: float
  sample: 842.6
"""

import json
import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils.backup import AnsibleBackupError
from ansible_collections.cvatops.aws.plugins.module_utils.backup import BackupErrorHandler

DONE = ("COMPLETED",)
BROKEN = ("ABORTED", "FAILED")


# --- pure helpers -----------------------------------------------------------------------------


def metadata_value(value):
    """A restore metadata value as AWS Backup takes it: a string (booleans lower case, lists and dicts as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def metadata_strings(metadata):
    return {str(key): metadata_value(value) for key, value in (metadata or {}).items() if value is not None}


def start_params(params, metadata):
    """The StartRestoreJob request for the module's options."""
    request = {
        "RecoveryPointArn": params["recovery_point_arn"],
        "IamRoleArn": params["iam_role_arn"],
        "Metadata": metadata,
    }
    if params.get("resource_type"):
        request["ResourceType"] = params["resource_type"]
    if params.get("idempotency_token"):
        request["IdempotencyToken"] = params["idempotency_token"]
    if params.get("copy_source_tags_to_restored_resource"):
        request["CopySourceTagsToRestoredResource"] = True
    return request


def has_ended(job):
    return (job or {}).get("Status") in DONE + BROKEN


def normalize(job, metadata):
    """The job in snake case (times as ISO 8601 strings) with the metadata sent."""
    plain = {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in (job or {}).items() if key != "ResponseMetadata"}
    out = camel_dict_to_snake_dict(plain)
    out["metadata"] = metadata
    return out


def failure_message(job):
    return f"Restore job {job.get('RestoreJobId')} of {job.get('RecoveryPointArn')} ended {job.get('Status')}: " + (
        job.get("StatusMessage") or "AWS Backup gave no reason"
    )


# --- AWS calls -------------------------------------------------------------------------------


@BackupErrorHandler.common_error_handler("start a restore job of {request[RecoveryPointArn]}")
def start_restore_job(client, request):
    return client.start_restore_job(aws_retry=True, **request)["RestoreJobId"]


@BackupErrorHandler.common_error_handler("describe restore job {job_id}")
def describe_restore_job(client, job_id):
    return client.describe_restore_job(RestoreJobId=job_id, aws_retry=True)


def wait_for(client, job_id, timeout, delay, clock=time.monotonic, sleep=time.sleep):
    """The job once it has ended, or as last seen when timeout seconds have passed."""
    deadline = clock() + timeout
    while True:
        job = describe_restore_job(client, job_id)
        if has_ended(job) or clock() >= deadline:
            return job
        sleep(max(min(delay, deadline - clock()), 0.1))


def main():
    argument_spec = dict(
        recovery_point_arn=dict(type="str", required=True),
        iam_role_arn=dict(type="str", required=True),
        metadata=dict(type="dict", required=True),
        resource_type=dict(type="str"),
        idempotency_token=dict(type="str", no_log=False),
        copy_source_tags_to_restored_resource=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
        wait_delay=dict(type="int", default=15),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if params["wait_timeout"] < 1 or params["wait_delay"] < 1:
        module.fail_json(msg="wait_timeout and wait_delay must be at least 1 second")
    metadata = metadata_strings(params["metadata"])
    request = start_params(params, metadata)
    result = dict(changed=True)
    if module._diff:
        result["diff"] = {"before": {}, "after": {"recovery_point_arn": params["recovery_point_arn"], "metadata": metadata}}

    if module.check_mode:
        module.exit_json(
            restore_job=normalize(
                {"Status": "NOT_STARTED", "RecoveryPointArn": params["recovery_point_arn"], "ResourceType": params.get("resource_type")}, metadata
            ),
            seconds=0.0,
            **result,
        )

    client = module.client("backup", retry_decorator=AWSRetry.jittered_backoff())
    started = time.monotonic()
    try:
        job_id = start_restore_job(client, request)
        job = wait_for(client, job_id, params["wait_timeout"], params["wait_delay"]) if params["wait"] else describe_restore_job(client, job_id)
    except AnsibleBackupError as e:
        module.fail_json_aws_error(e)
    result.update(restore_job=normalize(job, metadata), seconds=round(time.monotonic() - started, 1))

    if job.get("Status") in BROKEN:
        module.fail_json(msg=failure_message(job), **result)
    if params["wait"] and not has_ended(job):
        module.fail_json(msg=f"Restore job {job_id} was still {job.get('Status')} after {params['wait_timeout']} s", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
