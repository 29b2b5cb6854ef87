#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_access_key_secret
version_added: 0.1.0
short_description: Keep an IAM user's access key in an AWS Secrets Manager secret
description:
  - >-
    Ensure that an IAM user has an active access key whose secret access key is stored in an AWS
    Secrets Manager secret, as the JSON document
    C({"aws_access_key_id": "...", "aws_secret_access_key": "..."}).
  - The secret access key never leaves AWS through this module. It is not returned, not shown in the
    diff, not logged and not put in error messages. Consumers read it from Secrets Manager.
  - When the secret already references an active access key of the user, only the secret's metadata
    (O(description), O(kms_key_id), O(tags)) is reconciled.
  - Otherwise (no secret yet, no readable key in it, a key that was deleted or deactivated, or
    O(rotate=true)) a new access key is created and stored in the secret.
  - AWS allows two access keys per user. When a new key is needed and the user already has two, the
    module fails unless O(delete_stale_keys=true), which deletes the oldest key the secret does not
    reference (never the one it currently references) to make room.
author:
  - cvatops maintainers (@cvatops)
options:
  user_name:
    description:
      - The name of the IAM user whose access key is managed. The user must exist.
    type: str
    required: true
  rotate:
    description:
      - Create a new access key and store it even when the stored one is fine.
      - The module then reports a change on every run.
      - The key the secret referenced before is returned as RV(previous_access_key_id). It is kept (and
        listed in RV(stale_access_key_ids)) unless O(delete_stale_keys=true).
    type: bool
    default: false
  delete_stale_keys:
    description:
      - After the secret references a working key, delete the user's other access keys (the stale ones).
      - This includes the key the secret referenced before a rotation; programs still using it lose
        access right away.
      - With V(false) the stale keys are left alone and listed in RV(stale_access_key_ids).
      - Ignored with O(state=absent).
    type: bool
    default: false
  state:
    description:
      - V(present) ensures the key and the secret exist.
      - V(absent) deletes the access key the secret references (if it belongs to O(user_name)) and then the secret.
        The user's other keys are not touched.
    type: str
    choices: ["present", "absent"]
    default: "present"
notes:
  - The module needs C(iam:ListAccessKeys), C(iam:CreateAccessKey) and C(iam:DeleteAccessKey) on the
    user.
  - A secret that is scheduled for deletion can not be read, so O(state=absent) can not delete the key it
    referenced.
extends_documentation_fragment:
  - cvatops.aws.secret
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Give the CVAT backup user an access key, kept in Secrets Manager
  cvatops.aws.iam_access_key_secret:
    user_name: cvat-backup
    secret_name: cvat/backup/aws-access-key
    kms_key_id: alias/cvat
    description: Access key of the cvat-backup IAM user
    tags:
      Application: cvat
  register: backup_key

- name: Rotate the key, and delete the old one (programs must re-read the secret first)
  cvatops.aws.iam_access_key_secret:
    user_name: cvat-backup
    secret_name: cvat/backup/aws-access-key
    rotate: true
    delete_stale_keys: true

- name: Remove the key and the secret at once
  cvatops.aws.iam_access_key_secret:
    user_name: cvat-backup
    secret_name: cvat/backup/aws-access-key
    recovery_window_in_days: 0
    state: absent
"""

RETURN = r"""
changed:
  description: Whether a key or the secret was created, updated or deleted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
access_key_id:
  description:
    - The id of the access key the secret references.
    - V(null) in check mode when a new key would be created, and with O(state=absent).
  returned: always
  type: str
  sample: AKIA1234567890EXAMPLE
secret_arn:
  description: The ARN of the secret (V(null) in check mode when it would be created, or when there is none).
  returned: always
  type: str
  sample: arn:aws:secretsmanager:us-east-1:123456789012:secret:cvat/backup/aws-access-key-AbCdEf
secret_name:
  description: The name of the secret.
  returned: always
  type: str
  sample: cvat/backup/aws-access-key
created_access_key:
  description: Whether a new access key was created (or would be, in check mode).
  returned: always
  type: bool
  sample: true
previous_access_key_id:
  description: The access key the secret referenced before a new key replaced it, or V(null).
  returned: always
  type: str
  sample: AKIA0987654321EXAMPLE
stale_access_key_ids:
  description: The user's access keys that the secret does not reference and that were not deleted.
  returned: always
  type: list
  elements: str
  sample: ["AKIA0987654321EXAMPLE"]
deleted_access_key_ids:
  description: The access keys deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["AKIA0987654321EXAMPLE"]
"""

import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils import secrets as sm

KEYS_PER_USER = 2
ID_FIELD = "aws_access_key_id"
SECRET_FIELD = "aws_secret_access_key"


# --- pure helpers -----------------------------------------------------------------------------


def parse_secret_value(secret_string):
    """Returns (access_key_id, complete) from the stored JSON; never the secret itself.

    complete is True when both the key id and the secret access key are present.
    """
    if not secret_string:
        return None, False
    try:
        document = json.loads(secret_string)
    except (TypeError, ValueError):
        return None, False
    if not isinstance(document, dict):
        return None, False
    key_id = document.get(ID_FIELD)
    if not isinstance(key_id, str) or not key_id:
        return None, False
    secret = document.get(SECRET_FIELD)
    return key_id, isinstance(secret, str) and bool(secret)


def build_secret_string(access_key_id, secret_access_key):
    return json.dumps({ID_FIELD: access_key_id, SECRET_FIELD: secret_access_key}, sort_keys=True)


def _key_sort(key):
    return (str(key.get("CreateDate") or ""), key["AccessKeyId"])


def plan_keys(keys, stored_id, stored_complete, rotate, delete_stale_keys, user_name="the user"):
    """Decides what to do with the user's access keys.

    keys: the user's AccessKeyMetadata.  Returns a dict with
      keep_id: the stored key to keep using (None when a new key is needed),
      create: whether a new key is needed,
      delete_before: keys to delete before creating one (to stay within the AWS limit),
      delete_after: stale keys to delete once the secret references a working key,
      stale: stale keys that stay,
      previous_id: the key the secret referenced before a new key replaces it,
      error: a message when the plan is impossible.
    """
    keys = sorted(keys or [], key=_key_sort)
    usable = (
        bool(stored_id)
        and stored_complete
        and any(k["AccessKeyId"] == stored_id and k.get("Status") == "Active" for k in keys)
    )
    plan = {
        "keep_id": None,
        "create": rotate or not usable,
        "delete_before": [],
        "delete_after": [],
        "stale": [],
        "previous_id": None,
        "error": None,
    }
    if not plan["create"]:
        plan["keep_id"] = stored_id
        others = [k["AccessKeyId"] for k in keys if k["AccessKeyId"] != stored_id]
        plan["delete_after" if delete_stale_keys else "stale"] = others
        return plan

    plan["previous_id"] = stored_id
    remaining = [k["AccessKeyId"] for k in keys]
    excess = len(keys) - (KEYS_PER_USER - 1)
    if excess > 0:
        # Never delete the key consumers use now before the new one is stored.
        candidates = [k["AccessKeyId"] for k in keys if not (usable and k["AccessKeyId"] == stored_id)]
        if not delete_stale_keys or len(candidates) < excess:
            plan["error"] = (
                f"IAM user {user_name} already has {len(keys)} access keys ({', '.join(remaining)}), the most AWS "
                f"allows, so no new key can be created. Set delete_stale_keys=true to delete the oldest key the "
                f"secret does not reference, or delete a key yourself."
            )
            return plan
        plan["delete_before"] = candidates[:excess]
        remaining = [k for k in remaining if k not in plan["delete_before"]]
    plan["delete_after" if delete_stale_keys else "stale"] = remaining
    return plan


# --- AWS calls (none of these ever sees a secret value in an error message) ---------------------


def stored_key(module, secret_string):
    """(access_key_id, complete) from the secret's value; the secret access key is registered for masking."""
    key_id, complete = parse_secret_value(secret_string)
    if complete:
        sm.hide(module, json.loads(secret_string)[SECRET_FIELD])
    return key_id, complete


def read_stored_key(module, secrets, secret_id):
    """(access_key_id, complete) from the secret's current value.  The value stays in this function."""
    return stored_key(module, sm.read_secret_string(module, secrets, secret_id))


@IAMErrorHandler.list_error_handler("list access keys of user {user_name}")
@AWSRetry.jittered_backoff()
def list_access_keys(client, user_name):
    paginator = client.get_paginator("list_access_keys")
    return paginator.paginate(UserName=user_name).build_full_result()["AccessKeyMetadata"]


def create_access_key(module, client, user_name):
    """Returns (access_key_id, secret_access_key)."""
    try:
        key = client.create_access_key(UserName=user_name, aws_retry=True)["AccessKey"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise sm.SecretError(message=f"Failed to create an access key for user {user_name}: {sm.error_text(e)}")
    sm.hide(module, key["SecretAccessKey"])
    return key["AccessKeyId"], key["SecretAccessKey"]


@IAMErrorHandler.deletion_error_handler("delete access key {access_key_id} of user {user_name}")
def delete_access_key(client, user_name, access_key_id):
    client.delete_access_key(UserName=user_name, AccessKeyId=access_key_id, aws_retry=True)
    return True


# --- state handlers ------------------------------------------------------------------------


def ensure_present(module, iam, secrets):
    params = module.params
    user_name, secret_name = params["user_name"], params["secret_name"]
    result = dict(changed=False, secret_name=secret_name, created_access_key=False, deleted_access_key_ids=[])

    keys = list_access_keys(iam, user_name)
    if keys is None:
        module.fail_json(msg=f"IAM user {user_name} does not exist")

    secret = sm.describe_secret(secrets, secret_name)
    secret_string, restored = sm.open_secret(module, secrets, secret)
    result["changed"] = restored
    stored_id, complete = stored_key(module, secret_string)

    plan = plan_keys(keys, stored_id, complete, params["rotate"], params["delete_stale_keys"], user_name)
    if plan["error"]:
        module.fail_json(msg=plan["error"], access_key_id=None, secret_name=secret_name)

    metadata = sm.metadata_changes(module, secret)

    result.update(
        access_key_id=plan["keep_id"],
        secret_arn=secret["ARN"] if secret else None,
        previous_access_key_id=plan["previous_id"],
        stale_access_key_ids=plan["stale"],
        created_access_key=plan["create"],
        deleted_access_key_ids=plan["delete_before"] + plan["delete_after"],
    )
    result["changed"] |= bool(
        plan["create"] or result["deleted_access_key_ids"] or any(metadata) or secret is None
    )
    if module.check_mode:
        return result, stored_id

    if secret:
        sm.apply_metadata_changes(secrets, secret, metadata)
    if plan["create"]:
        for key_id in plan["delete_before"]:
            delete_access_key(iam, user_name, key_id)
        new_id, new_secret = create_access_key(module, iam, user_name)
        secret_string = build_secret_string(new_id, new_secret)
        try:
            result["secret_arn"] = sm.store_secret(secrets, secret, params, secret_string, (new_secret, secret_string))
        except sm.SecretError:
            # Do not leave a key behind that nobody can ever read.
            delete_access_key(iam, user_name, new_id)
            raise
        result["access_key_id"] = new_id
    for key_id in plan["delete_after"]:
        delete_access_key(iam, user_name, key_id)
    return result, stored_id


def ensure_absent(module, iam, secrets):
    params = module.params
    user_name, secret_name = params["user_name"], params["secret_name"]
    result = dict(
        changed=False,
        access_key_id=None,
        secret_arn=None,
        secret_name=secret_name,
        created_access_key=False,
        previous_access_key_id=None,
        stale_access_key_ids=[],
        deleted_access_key_ids=[],
    )
    secret = sm.describe_secret(secrets, secret_name)
    keys = list_access_keys(iam, user_name) or []
    key_ids = [k["AccessKeyId"] for k in sorted(keys, key=_key_sort)]
    if secret is None:
        result["stale_access_key_ids"] = key_ids
        return result, None

    result["secret_arn"] = secret["ARN"]
    stored_id = None
    if not sm.is_pending_deletion(secret):
        stored_id, _complete = read_stored_key(module, secrets, secret["ARN"])
    if stored_id in key_ids:
        result["deleted_access_key_ids"] = [stored_id]
    result["previous_access_key_id"] = stored_id
    result["stale_access_key_ids"] = [k for k in key_ids if k != stored_id]
    delete_now = sm.deletion_needed(secret, params["recovery_window_in_days"])
    result["changed"] = bool(result["deleted_access_key_ids"]) or delete_now
    if module.check_mode:
        return result, stored_id

    for key_id in result["deleted_access_key_ids"]:
        delete_access_key(iam, user_name, key_id)
    if delete_now:
        sm.delete_secret(secrets, secret["ARN"], params["recovery_window_in_days"])
    return result, stored_id


def main():
    argument_spec = dict(
        sm.SECRET_ARGUMENT_SPEC,
        user_name=dict(type="str", required=True),
        rotate=dict(type="bool", default=False),
        delete_stale_keys=dict(type="bool", default=False, no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = sm.recovery_window_error(module.params["recovery_window_in_days"])
    if problem:
        module.fail_json(msg=problem)

    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    secrets = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    try:
        if module.params["state"] == "present":
            result, before_id = ensure_present(module, iam, secrets)
        else:
            result, before_id = ensure_absent(module, iam, secrets)
    except sm.SecretError as e:
        # Raised with a scrubbed message and without the boto exception: nothing else may be reported.
        module.fail_json(msg=str(e.message))
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    if module._diff:
        result["diff"] = {
            "before": {"access_key_id": before_id},
            "after": {"access_key_id": result["access_key_id"]},
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
