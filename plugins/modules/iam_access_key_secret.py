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
  secret_name:
    description:
      - The name (or ARN) of the Secrets Manager secret holding the access key.
      - The secret is created when it does not exist, and restored when it is scheduled for deletion.
    type: str
    required: true
  kms_key_id:
    description:
      - The KMS key (id, ARN or alias) that encrypts the secret.
      - If not set, a new secret uses the account's default key V(alias/aws/secretsmanager) and the key of
        an existing secret is left alone.
    type: str
  description:
    description:
      - The description of the secret.
      - If not set, the description of an existing secret is left alone.
    type: str
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
  recovery_window_in_days:
    description:
      - With O(state=absent), how many days (7 to 30) Secrets Manager keeps the deleted secret
        recoverable.
      - V(0) deletes the secret at once, without recovery.
    type: int
    default: 30
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
    user, and C(secretsmanager:DescribeSecret), C(GetSecretValue), C(CreateSecret), C(PutSecretValue),
    C(UpdateSecret), C(TagResource), C(UntagResource), C(RestoreSecret) and C(DeleteSecret) on the
    secret. When O(kms_key_id) names a key by alias, C(kms:DescribeKey) lets the module compare it with the
    secret's key.
  - Reading the stored key id requires decrypting the secret value; it is only held in memory.
  - A secret that is scheduled for deletion can not be read, so O(state=absent) can not delete the key it
    referenced.
extends_documentation_fragment:
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
import uuid

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tag_changes

KEYS_PER_USER = 2
ID_FIELD = "aws_access_key_id"
SECRET_FIELD = "aws_secret_access_key"
DEFAULT_SECRETS_KMS_KEY = "alias/aws/secretsmanager"
MASK = "********"


class AccessKeySecretError(AnsibleAWSError):
    """An error whose message was built (and scrubbed) by this module; it never carries the boto exception."""


class AnsibleSecretsManagerError(AnsibleAWSError):
    pass


class SecretsManagerErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleSecretsManagerError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


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


def scrub(text, secrets):
    """Replaces every secret in text by a mask."""
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


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


def kms_key_matches(current, desired, resolve=None):
    """Does the secret's KmsKeyId (current) designate the same key as the requested one?

    resolve: optional callable returning the set of ids/ARNs a key reference designates (or None).
    """
    if desired is None:
        return True
    current = current or DEFAULT_SECRETS_KMS_KEY
    if current == desired or current.endswith(("/" + desired, ":" + desired)):
        return True
    if desired.endswith(("/" + current, ":" + current)):
        return True
    if resolve is None:
        return False
    current_ids = resolve(current) or {current}
    desired_ids = resolve(desired) or {desired}
    return bool(current_ids & desired_ids)


def secret_update_params(secret, description, kms_key_id, resolve=None):
    """Keyword arguments for UpdateSecret that reconcile the metadata, or {} when nothing differs."""
    params = {}
    if description is not None and (secret.get("Description") or "") != description:
        params["Description"] = description
    if not kms_key_matches(secret.get("KmsKeyId"), kms_key_id, resolve):
        params["KmsKeyId"] = kms_key_id
    return params


def secret_create_params(secret_name, secret_string, description, kms_key_id, tags):
    params = {"Name": secret_name, "SecretString": secret_string, "ClientRequestToken": str(uuid.uuid4())}
    if description is not None:
        params["Description"] = description
    if kms_key_id is not None:
        params["KmsKeyId"] = kms_key_id
    if tags:
        params["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return params


def secret_tag_changes(secret, tags, purge_tags):
    return tag_changes(boto3_tag_list_to_ansible_dict(secret.get("Tags") or []), tags, purge_tags)


def validate_params(params):
    window = params["recovery_window_in_days"]
    if window != 0 and not 7 <= window <= 30:
        return f"recovery_window_in_days must be 0 or between 7 and 30, got {window}"
    return None


# --- AWS calls (none of these ever sees a secret value in an error message) ---------------------


@SecretsManagerErrorHandler.list_error_handler("describe secret {secret_id}")
def describe_secret(client, secret_id):
    return client.describe_secret(SecretId=secret_id, aws_retry=True)


def read_stored_key(module, client, secret_id):
    """(access_key_id, complete) from the secret's current value.  The value stays in this function."""
    try:
        response = client.get_secret_value(SecretId=secret_id, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None, False  # a secret without any value
    except (
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
    ) as e:  # pylint: disable=duplicate-except
        raise AccessKeySecretError(message=f"Failed to read the value of secret {secret_id}: {_error_text(e)}")
    secret_string = response.get("SecretString")
    key_id, complete = parse_secret_value(secret_string)
    hide(module, secret_string)
    if complete:
        hide(module, json.loads(secret_string)[SECRET_FIELD])
    return key_id, complete


def hide(module, *values):
    """Register values so that Ansible masks them wherever they could appear in the module output."""
    for value in values:
        if isinstance(value, str) and len(value) >= 8:
            module.no_log_values.add(value)


def _error_text(exception, secrets=()):
    """An AWS error as text without the request parameters (which may hold a secret)."""
    if isinstance(exception, botocore.exceptions.ClientError):
        error = exception.response.get("Error", {})
        text = f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}"
    else:
        text = type(exception).__name__
    return scrub(text, secrets)


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
        raise AccessKeySecretError(message=f"Failed to create an access key for user {user_name}: {_error_text(e)}")
    hide(module, key["SecretAccessKey"])
    return key["AccessKeyId"], key["SecretAccessKey"]


@IAMErrorHandler.deletion_error_handler("delete access key {access_key_id} of user {user_name}")
def delete_access_key(client, user_name, access_key_id):
    client.delete_access_key(UserName=user_name, AccessKeyId=access_key_id, aws_retry=True)
    return True


def store_secret(client, secret, params, secret_string, secrets):
    """Creates the secret or puts a new value into it.  Returns the secret's ARN.

    Errors are re-raised without the boto exception so that no request parameter can leak.
    """
    try:
        if secret is None:
            create = secret_create_params(
                params["secret_name"], secret_string, params["description"], params["kms_key_id"], params["tags"]
            )
            return client.create_secret(aws_retry=True, **create)["ARN"]
        client.put_secret_value(
            SecretId=secret["ARN"],
            SecretString=secret_string,
            ClientRequestToken=str(uuid.uuid4()),
            aws_retry=True,
        )
        return secret["ARN"]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        action = "create secret" if secret is None else "store the new access key in secret"
        raise AccessKeySecretError(message=f"Failed to {action} {params['secret_name']}: {_error_text(e, secrets)}")


@SecretsManagerErrorHandler.common_error_handler("restore secret {secret_id}")
def restore_secret(client, secret_id):
    client.restore_secret(SecretId=secret_id, aws_retry=True)


@SecretsManagerErrorHandler.common_error_handler("update secret {secret_id}")
def update_secret(client, secret_id, update):
    client.update_secret(SecretId=secret_id, aws_retry=True, **update)


@SecretsManagerErrorHandler.common_error_handler("tag secret {secret_id}")
def tag_secret(client, secret_id, to_set, to_unset):
    if to_unset:
        client.untag_resource(SecretId=secret_id, TagKeys=to_unset, aws_retry=True)
    if to_set:
        client.tag_resource(SecretId=secret_id, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@SecretsManagerErrorHandler.deletion_error_handler("delete secret {secret_id}")
def delete_secret(client, secret_id, recovery_window_in_days):
    if recovery_window_in_days == 0:
        client.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True, aws_retry=True)
    else:
        client.delete_secret(SecretId=secret_id, RecoveryWindowInDays=recovery_window_in_days, aws_retry=True)
    return True


def kms_resolver(module):
    """A resolver for kms_key_matches() that asks KMS; None when KMS can not be asked."""
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())

    def resolve(key_ref):
        try:
            metadata = kms.describe_key(KeyId=key_ref, aws_retry=True)["KeyMetadata"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            return None
        return {metadata.get("KeyId"), metadata.get("Arn")} - {None}

    return resolve


# --- state handlers ------------------------------------------------------------------------


def ensure_present(module, iam, secrets):
    params = module.params
    user_name, secret_name = params["user_name"], params["secret_name"]
    result = dict(changed=False, secret_name=secret_name, created_access_key=False, deleted_access_key_ids=[])

    keys = list_access_keys(iam, user_name)
    if keys is None:
        module.fail_json(msg=f"IAM user {user_name} does not exist")

    secret = describe_secret(secrets, secret_name)
    pending_deletion = bool(secret and secret.get("DeletedDate"))
    stored_id, complete = None, False
    if pending_deletion:
        result["changed"] = True
        if not module.check_mode:
            restore_secret(secrets, secret["ARN"])
            pending_deletion = False
    if secret and not pending_deletion:
        stored_id, complete = read_stored_key(module, secrets, secret["ARN"])

    plan = plan_keys(keys, stored_id, complete, params["rotate"], params["delete_stale_keys"], user_name)
    if plan["error"]:
        module.fail_json(msg=plan["error"], access_key_id=None, secret_name=secret_name)

    update = {}
    to_set, to_unset = {}, []
    if secret:
        resolve = kms_resolver(module) if params["kms_key_id"] else None
        update = secret_update_params(secret, params["description"], params["kms_key_id"], resolve)
        to_set, to_unset = secret_tag_changes(secret, params["tags"], params["purge_tags"])

    result.update(
        access_key_id=plan["keep_id"],
        secret_arn=secret["ARN"] if secret else None,
        previous_access_key_id=plan["previous_id"],
        stale_access_key_ids=plan["stale"],
        created_access_key=plan["create"],
        deleted_access_key_ids=plan["delete_before"] + plan["delete_after"],
    )
    result["changed"] |= bool(
        plan["create"] or result["deleted_access_key_ids"] or update or to_set or to_unset or secret is None
    )
    if module.check_mode:
        return result, stored_id

    if update:
        update_secret(secrets, secret["ARN"], update)
    if to_set or to_unset:
        tag_secret(secrets, secret["ARN"], to_set, to_unset)
    if plan["create"]:
        for key_id in plan["delete_before"]:
            delete_access_key(iam, user_name, key_id)
        new_id, new_secret = create_access_key(module, iam, user_name)
        secret_string = build_secret_string(new_id, new_secret)
        try:
            result["secret_arn"] = store_secret(secrets, secret, params, secret_string, (new_secret, secret_string))
        except AccessKeySecretError:
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
    secret = describe_secret(secrets, secret_name)
    keys = list_access_keys(iam, user_name) or []
    key_ids = [k["AccessKeyId"] for k in sorted(keys, key=_key_sort)]
    if secret is None:
        result["stale_access_key_ids"] = key_ids
        return result, None

    result["secret_arn"] = secret["ARN"]
    pending_deletion = bool(secret.get("DeletedDate"))
    stored_id = None
    if not pending_deletion:
        stored_id, _complete = read_stored_key(module, secrets, secret["ARN"])
    if stored_id in key_ids:
        result["deleted_access_key_ids"] = [stored_id]
    result["previous_access_key_id"] = stored_id
    result["stale_access_key_ids"] = [k for k in key_ids if k != stored_id]
    # A secret already scheduled for deletion only changes when it must go at once.
    delete_now = not pending_deletion or params["recovery_window_in_days"] == 0
    result["changed"] = bool(result["deleted_access_key_ids"]) or delete_now
    if module.check_mode:
        return result, stored_id

    for key_id in result["deleted_access_key_ids"]:
        delete_access_key(iam, user_name, key_id)
    if delete_now:
        delete_secret(secrets, secret["ARN"], params["recovery_window_in_days"])
    return result, stored_id


def main():
    argument_spec = dict(
        user_name=dict(type="str", required=True),
        secret_name=dict(type="str", required=True, no_log=False),
        kms_key_id=dict(type="str", no_log=False),
        description=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        rotate=dict(type="bool", default=False),
        delete_stale_keys=dict(type="bool", default=False, no_log=False),
        recovery_window_in_days=dict(type="int", default=30),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = validate_params(module.params)
    if problem:
        module.fail_json(msg=problem)

    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    secrets = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    try:
        if module.params["state"] == "present":
            result, before_id = ensure_present(module, iam, secrets)
        else:
            result, before_id = ensure_absent(module, iam, secrets)
    except AccessKeySecretError as e:
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
