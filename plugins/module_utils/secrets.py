# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A credential kept in one AWS Secrets Manager secret, for the modules that make the credential themselves
(cvatops.aws.iam_access_key_secret, cvatops.aws.cvat_access_token).

- The secret value is read, stored and masked here, and never leaves through an error: AWS errors are
  reduced to their code and message, with every known secret replaced by a mask (a ParamValidationError
  would otherwise quote the request's SecretString).
- The secret's metadata (description, KMS key, tags) is reconciled like any resource's; a secret that is
  scheduled for deletion is restored by O(state=present).
- ``scrub()`` also serves the modules that hold a password for a client library (postgres_restore_check).
"""

import uuid

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tag_changes

DEFAULT_SECRETS_KMS_KEY = "alias/aws/secretsmanager"
MASK = "********"

# The options of the secret, the same in every module that keeps a credential in one.
SECRET_ARGUMENT_SPEC = dict(
    secret_name=dict(type="str", required=True, no_log=False),
    kms_key_id=dict(type="str", no_log=False),
    description=dict(type="str"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    recovery_window_in_days=dict(type="int", default=30),
)


class SecretError(AnsibleAWSError):
    """An error whose message was built (and scrubbed) here; it never carries the boto exception."""


class AnsibleSecretsManagerError(AnsibleAWSError):
    pass


class SecretsManagerErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleSecretsManagerError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


# --- pure helpers -----------------------------------------------------------------------------


def scrub(text, secrets):
    """text (None is "") with every non-empty secret replaced by a mask: error messages of client libraries
    (botocore, libpq) may echo what they were given."""
    text = "" if text is None else str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def error_text(exception, secrets=()):
    """An AWS error as text without the request parameters (which may hold a secret)."""
    if isinstance(exception, botocore.exceptions.ClientError):
        error = exception.response.get("Error", {})
        text = f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}"
    else:
        text = type(exception).__name__
    return scrub(text, secrets)


def hide(module, *values):
    """Register values so that Ansible masks them wherever they could appear in the module output."""
    for value in values:
        if isinstance(value, str) and len(value) >= 8:
            module.no_log_values.add(value)


def recovery_window_error(window):
    """The error message for an invalid O(recovery_window_in_days), else None."""
    if window != 0 and not 7 <= window <= 30:
        return f"recovery_window_in_days must be 0 or between 7 and 30, got {window}"
    return None


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


def is_pending_deletion(secret):
    return bool(secret and secret.get("DeletedDate"))


# --- AWS calls (none of these ever sees a secret value in an error message) ---------------------


@SecretsManagerErrorHandler.list_error_handler("describe secret {secret_id}")
def describe_secret(client, secret_id):
    return client.describe_secret(SecretId=secret_id, aws_retry=True)


def read_secret_string(module, client, secret_id):
    """The secret's current SecretString (None when it has no value), registered for masking."""
    try:
        response = client.get_secret_value(SecretId=secret_id, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None  # a secret without any value
    except (
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
    ) as e:  # pylint: disable=duplicate-except
        raise SecretError(message=f"Failed to read the value of secret {secret_id}: {error_text(e)}")
    secret_string = response.get("SecretString")
    hide(module, secret_string)
    return secret_string


def store_secret(client, secret, params, secret_string, secrets):
    """Creates the secret (O(secret_name), O(description), O(kms_key_id), O(tags) of params) or puts a new
    value into it.  Returns the secret's ARN.

    Errors are re-raised without the boto exception, with secrets masked, so that no request parameter can leak.
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
        action = "create secret" if secret is None else "store the new value in secret"
        raise SecretError(message=f"Failed to {action} {params['secret_name']}: {error_text(e, secrets)}")


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


# --- the secret's life cycle, as both modules run it --------------------------------------------


def open_secret(module, client, secret):
    """(secret_string, restored) of a described secret (or None) for O(state=present): its current value (None
    when there is none or it can not be read yet) and whether it was scheduled for deletion (it is restored,
    except in check mode)."""
    if secret is None:
        return None, False
    restored = is_pending_deletion(secret)
    if restored:
        if module.check_mode:
            return None, True
        restore_secret(client, secret["ARN"])
    return read_secret_string(module, client, secret["ARN"]), restored


def metadata_changes(module, secret):
    """(update_secret arguments, tags to set, tag keys to unset) that reconcile the secret with the module's
    O(description), O(kms_key_id), O(tags) and O(purge_tags); nothing for a secret that does not exist yet."""
    if secret is None:
        return {}, {}, []
    params = module.params
    resolve = kms_resolver(module) if params["kms_key_id"] else None
    update = secret_update_params(secret, params["description"], params["kms_key_id"], resolve)
    to_set, to_unset = secret_tag_changes(secret, params["tags"], params["purge_tags"])
    return update, to_set, to_unset


def apply_metadata_changes(client, secret, changes):
    update, to_set, to_unset = changes
    if update:
        update_secret(client, secret["ARN"], update)
    if to_set or to_unset:
        tag_secret(client, secret["ARN"], to_set, to_unset)


def deletion_needed(secret, recovery_window_in_days):
    """Whether O(state=absent) must delete the secret: a secret already scheduled for deletion only when it
    must go at once."""
    return secret is not None and (not is_pending_deletion(secret) or recovery_window_in_days == 0)
