# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # The options of the Secrets Manager secret that holds a credential the module makes
    # (plugins/module_utils/secrets.py, SECRET_ARGUMENT_SPEC); tags and purge_tags come from amazon.aws.tags.
    DOCUMENTATION = r"""
options:
  secret_name:
    description:
      - The name (or ARN) of the Secrets Manager secret holding the credential.
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
  recovery_window_in_days:
    description:
      - With O(state=absent), how many days (7 to 30) Secrets Manager keeps the deleted secret
        recoverable.
      - V(0) deletes the secret at once, without recovery.
    type: int
    default: 30
notes:
  - On the secret, the module needs C(secretsmanager:DescribeSecret), C(GetSecretValue), C(CreateSecret),
    C(PutSecretValue), C(UpdateSecret), C(TagResource), C(UntagResource), C(RestoreSecret) and
    C(DeleteSecret). When O(kms_key_id) names a key by alias, C(kms:DescribeKey) lets the module compare it
    with the secret's key.
  - Reading the stored credential requires decrypting the secret value; it is only held in memory.
"""
