#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_access_token
short_description: A CVAT personal access token kept in an AWS Secrets Manager secret
version_added: 0.1.0
description:
  - >-
    Ensures that a CVAT user has a working personal access token named O(name), whose value is stored in an AWS
    Secrets Manager secret as the JSON document C({"cvat_url": ..., "name": ..., "token": ..., "token_id": ...}),
    so that later runs, AWX jobs and other programs authenticate to CVAT with the token alone
    (C(Authorization: Bearer <token>)).
  - The token's value never leaves AWS through this module. It is not returned, not shown in the diff, not
    logged and not put in error messages. Consumers read it from Secrets Manager.
  - When the secret holds a token that still authenticates (C(GET /api/auth/access_tokens/self) with it answers),
    has the name O(name) and belongs to O(cvat_username), the token stays. Its O(read_only) flag and expiry are
    brought in line with the options, and the secret's metadata (O(description), O(kms_key_id), O(tags)) is
    reconciled. Such a run needs no password.
  - Otherwise (no secret yet, no token in it, a token that was revoked or has expired, O(rotate=true), or an
    expiry within O(renew_before_days)) a new token is created with the user's password, stored in the secret
    and only then are the user's other tokens named O(name) revoked (RV(revoked_token_ids)). A new token that
    cannot be stored is revoked again.
  - CVAT does not let a request authenticated by a token create, change or revoke tokens, so those steps need
    O(cvat_username) and O(cvat_password) (basic authentication); O(cvat_token) is not used by this module.
    The module fails before any call when they are missing and a token must be created.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
  - cvatops.aws.secret
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
options:
  name:
    description:
      - The name of the token in CVAT (1 to 50 characters). CVAT does not require names to be unique; this module
        treats the O(cvat_username)'s tokens of this name as the ones it manages.
    type: str
    required: true
  read_only:
    description:
      - Whether the token may only read (CVAT refuses its requests that change anything).
      - A token that stays is changed in place when this differs.
    type: bool
    default: false
  expires_in_days:
    description:
      - A new token expires this many days after it is created; a token that stays gets the expiry
        C(created_date + expires_in_days).
      - If not set, the token never expires (an expiry set elsewhere is removed).
      - CVAT also removes tokens that were not used for a long time (a year by default).
    type: int
  renew_before_days:
    description:
      - With O(expires_in_days), a token that expires within this many days is replaced by a new one, so that
        a regularly scheduled run renews the token before consumers lose access.
      - Must be less than O(expires_in_days).
    type: int
    default: 7
  rotate:
    description:
      - Create a new token and store it even when the stored one is fine; the old one is revoked once the new
        one is stored. Programs that hold the old value lose access at once.
      - The module then reports a change on every run.
    type: bool
    default: false
  state:
    description:
      - V(present) ensures a working token and the secret that holds it.
      - V(absent) revokes the token the secret holds and the O(cvat_username)'s other tokens named O(name), then
        deletes the secret. Without O(cvat_username) and O(cvat_password) the tokens cannot be revoked; the
        module warns and deletes the secret only.
    type: str
    choices: [present, absent]
    default: present
  validate_certs:
    description:
      - Verify the TLS certificates of CVAT and of the AWS endpoints. Turn off only for test servers.
    type: bool
    default: true
notes:
  - The module belongs to both action groups, C(group/cvatops.aws.aws) and C(group/cvatops.aws.cvat).
  - Tokens belong to a user, not to an organization; O(cvat_organization) is not used.
  - A secret that is scheduled for deletion cannot be read. In check mode the module then reports that a new
    token would be created, which the real run may find unnecessary once the secret is restored.
attributes:
  check_mode:
    support: full
    description: Reports the token and the revocations as they would be, without writing to CVAT or AWS.
  diff_mode:
    support: full
    description: Shows the token's fields before and after; never its value.
"""

EXAMPLES = r"""
- name: A token for automation, kept in Secrets Manager (the first run needs the admin's password)
  cvatops.aws.cvat_access_token:
    cvat_url: https://cvat.example.com
    cvat_username: admin
    cvat_password: "{{ cvat_admin_password }}"
    name: automation
    secret_name: cvat/prod/automation-token
    kms_key_id: alias/cvat-prod
    description: CVAT personal access token of the admin, for Ansible and AWX
    expires_in_days: 90
    renew_before_days: 14
    tags:
      Project: cvat
      Environment: prod
  register: cvat_automation_token

- name: Use the token in later tasks
  cvatops.aws.cvat_project:
    cvat_url: https://cvat.example.com
    cvat_token: "{{ (lookup('amazon.aws.secretsmanager_secret', 'cvat/prod/automation-token') | from_json).token }}"
    name: traffic-signs
    labels: [{name: stop}]
  no_log: true

# The tasks below take cvat_url, cvat_username and cvat_password from module_defaults (group/cvatops.aws.cvat).
- name: Rotate the token (programs must read the secret again)
  cvatops.aws.cvat_access_token:
    name: automation
    secret_name: cvat/prod/automation-token
    rotate: true

- name: Revoke the token and delete the secret at once
  cvatops.aws.cvat_access_token:
    name: automation
    secret_name: cvat/prod/automation-token
    recovery_window_in_days: 0
    state: absent
"""

RETURN = r"""
token:
  description:
    - The token the secret holds (or would, in check mode), without its value; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: CVAT's id of the token (null in check mode when a new token would be created).
      type: int
      sample: 12
    name:
      description: Its name.
      type: str
      sample: automation
    owner:
      description: The user name of its owner.
      type: str
      sample: admin
    read_only:
      description: Whether it may only read.
      type: bool
      sample: false
    expiry_date:
      description: When it expires, or null.
      type: str
      sample: "2026-04-30T12:00:00Z"
    created_date:
      description: When it was created.
      type: str
      sample: "2026-01-30T12:00:00.123456Z"
    updated_date:
      description: When it was last changed.
      type: str
      sample: "2026-01-30T12:00:00.123456Z"
    last_used_date:
      description: When it was last used (CVAT updates this at most daily), or null.
      type: str
      sample: null
created_token:
  description: Whether a new token was created (or would be, in check mode).
  returned: always
  type: bool
  sample: true
reason:
  description: Why a new token was needed, or null.
  returned: always
  type: str
  sample: the secret's token no longer authenticates (revoked or expired)
revoked_token_ids:
  description: The ids of the tokens revoked (or that would be, in check mode).
  returned: always
  type: list
  elements: int
  sample: [11]
secret_arn:
  description: The ARN of the secret (null in check mode when it would be created, or when there is none).
  returned: always
  type: str
  sample: arn:aws:secretsmanager:us-east-1:123456789012:secret:cvat/prod/automation-token-AbCdEf
secret_name:
  description: The name of the secret.
  returned: always
  type: str
  sample: cvat/prod/automation-token
"""

from datetime import datetime, timezone

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_access_token as at
from ansible_collections.cvatops.aws.plugins.module_utils import secrets as sm
from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, CvatClient, CvatError

NEEDS_PASSWORD = ("cvat_username and cvat_password (or CVAT_USERNAME and CVAT_PASSWORD) are required: %s, and CVAT lets "
                  "only a password-authenticated request create, change or revoke tokens.")


class Cvat(object):
    """CVAT as this module sees it: the user's password for changes, the stored token for the check."""

    def __init__(self, module):
        params = module.params
        self.module = module
        self.settings = dict(validate_certs=params["validate_certs"], timeout=params["cvat_timeout"], retries=params["cvat_retries"])
        self.url = CvatClient(params["cvat_url"], **self.settings).url  # validates the URL before any call
        self.admin = None
        if params["cvat_username"] and params["cvat_password"]:
            self.admin = CvatClient(self.url, username=params["cvat_username"], password=params["cvat_password"], **self.settings)

    def require_admin(self, why):
        if self.admin is None:
            self.module.fail_json(msg=NEEDS_PASSWORD % why)

    def whoami(self, value):
        """(token, None) for the token with this value, or (None, why) when it does not authenticate."""
        try:
            token = CvatClient(self.url, token=value, **self.settings).get(at.PATH + "/self", missing_ok=True)
        except CvatError as exc:
            if exc.status != 401:
                raise
            token = None
        return (token, None) if token else (None, "the secret's token no longer authenticates (revoked or expired)")

    @staticmethod
    def _as_admin(call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except CvatError as exc:
            if exc.status == 401:
                exc.message += " (check cvat_username and cvat_password)"
            raise

    def tokens_named(self, name):
        """The user's tokens of that name (CVAT lists only the caller's own tokens)."""
        return self._as_admin(lambda: list(self.admin.paginate(at.PATH, {"name": name})))

    def create(self, body):
        return self._as_admin(self.admin.post, at.PATH, body, expected=(201,))

    def update(self, token_id, body):
        return self._as_admin(self.admin.patch, "%s/%s" % (at.PATH, token_id), body)

    def revoke(self, token_id):
        self._as_admin(self.admin.delete, "%s/%s" % (at.PATH, token_id))


def read_document(module, secrets, secret):
    """(document, why not) from the secret's value; the token in it is registered for masking."""
    secret_string, restored = sm.open_secret(module, secrets, secret)
    document = at.parse_document(secret_string)
    if document:
        sm.hide(module, document["token"])
        return document, None
    if secret is None:
        return None, "secret %s does not exist" % module.params["secret_name"]
    if restored and module.check_mode:
        return None, "secret %s is scheduled for deletion and cannot be read in check mode" % module.params["secret_name"]
    return None, "secret %s holds no token" % module.params["secret_name"]


def create_and_store(module, cvat, secrets, secret, now):
    """Creates a token, stores it in the secret; (token without value, secret ARN)."""
    params = module.params
    body = dict(name=params["name"], read_only=params["read_only"], expiry_date=at.new_token_expiry(params["expires_in_days"], now))
    token = cvat.create(body)
    value = token.pop("value", None)
    sm.hide(module, value)
    if not value:
        cvat.revoke(token["id"])
        raise CvatError("CVAT POST %s answered without the token's value; the token (id %s) was revoked again" % (at.PATH, token["id"]))
    document = at.build_document(cvat.url, params["name"], value, token["id"])
    try:
        return token, sm.store_secret(secrets, secret, params, document, (value, document))
    except sm.SecretError:
        # A token whose value nobody can ever read must not stay valid.
        cvat.revoke(token["id"])
        raise


def ensure_present(module, cvat, secrets):
    params = module.params
    now = datetime.now(timezone.utc)
    secret = sm.describe_secret(secrets, params["secret_name"])
    if secret is None:
        cvat.require_admin("secret %s does not exist yet, so a new token must be created" % params["secret_name"])
    document, missing = read_document(module, secrets, secret)
    restored = sm.is_pending_deletion(secret)
    current = None
    if document:
        current, missing = cvat.whoami(document["token"])
    reason, update = at.plan(current, params, now, params["cvat_username"], missing)
    if reason:
        cvat.require_admin("a new token is needed (%s)" % reason)
    elif update:
        cvat.require_admin("token %s must change (%s)" % (current["id"], ", ".join(sorted(update))))
    keep_id = None if reason else current["id"]
    strays = at.stray_ids(cvat.tokens_named(params["name"]), params["name"], keep_id) if cvat.admin else []
    metadata = sm.metadata_changes(module, secret)
    rewrite = not reason and not at.document_matches(document, cvat.url, params["name"], keep_id)

    result = dict(
        changed=bool(restored or reason or update or strays or any(metadata) or rewrite),
        secret_name=params["secret_name"],
        secret_arn=secret["ARN"] if secret else None,
        created_token=bool(reason),
        reason=reason,
        revoked_token_ids=strays,
    )
    if reason:
        token = at.predicted_token(params, now, params["cvat_username"])
    else:
        token = dict(current, **update)
    if module.check_mode:
        return result, current, token

    if secret:
        sm.apply_metadata_changes(secrets, secret, metadata)
    if reason:
        token, result["secret_arn"] = create_and_store(module, cvat, secrets, secret, now)
    else:
        if update:
            token = cvat.update(keep_id, update)
        if rewrite:
            value = document["token"]
            stored = at.build_document(cvat.url, params["name"], value, keep_id)
            sm.store_secret(secrets, secret, params, stored, (value, stored))
    for token_id in strays:
        cvat.revoke(token_id)
    return result, current, token


def ensure_absent(module, cvat, secrets):
    params = module.params
    secret = sm.describe_secret(secrets, params["secret_name"])
    current = None
    if secret is not None and not sm.is_pending_deletion(secret):
        document = at.parse_document(sm.read_secret_string(module, secrets, secret["ARN"]))
        if document:
            sm.hide(module, document["token"])
            current = cvat.whoami(document["token"])[0]
    revoke = set([current["id"]]) if current else set()
    if cvat.admin:
        revoke.update(at.stray_ids(cvat.tokens_named(params["name"]), params["name"]))
    elif revoke:
        module.warn("Token %s, which secret %s holds, was not revoked: that needs cvat_username and cvat_password. It stays "
                    "valid until it expires or a run with them revokes the tokens named %s." % (current["id"], params["secret_name"], params["name"]))
        revoke = set()
    delete = sm.deletion_needed(secret, params["recovery_window_in_days"])
    result = dict(
        changed=bool(revoke) or delete,
        secret_name=params["secret_name"],
        secret_arn=secret["ARN"] if secret else None,
        created_token=False,
        reason=None,
        revoked_token_ids=sorted(revoke),
    )
    if not module.check_mode:
        for token_id in result["revoked_token_ids"]:
            cvat.revoke(token_id)
        if delete:
            sm.delete_secret(secrets, secret["ARN"], params["recovery_window_in_days"])
    return result, current, None


def main():
    argument_spec = dict(CVAT_COMMON_ARGUMENT_SPEC, **sm.SECRET_ARGUMENT_SPEC)
    argument_spec.update(
        name=dict(type="str", required=True),
        read_only=dict(type="bool", default=False),
        expires_in_days=dict(type="int"),
        renew_before_days=dict(type="int", default=7),
        rotate=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problem = at.validate_params(params) or sm.recovery_window_error(params["recovery_window_in_days"])
    if problem:
        module.fail_json(msg=problem)
    try:
        cvat = Cvat(module)
        if params["state"] == "present" and params["rotate"]:
            cvat.require_admin("rotate=true creates a new token")
        secrets = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
        handler = ensure_present if params["state"] == "present" else ensure_absent
        result, before, after = handler(module, cvat, secrets)
    except CvatError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    except sm.SecretError as exc:
        # Raised with a scrubbed message and without the boto exception: nothing else may be reported.
        module.fail_json(msg=str(exc.message))
    except AnsibleAWSError as exc:
        module.fail_json_aws_error(exc)

    result["token"] = at.public_view(after)
    if module._diff:
        result["diff"] = dict(before=at.public_view(before), after=result["token"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
