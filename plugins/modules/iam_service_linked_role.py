#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_service_linked_role
version_added: 0.1.0
short_description: Ensure an AWS service-linked IAM role exists or is absent
description:
  - Ensure that the IAM service-linked role of an AWS service exists (or is deleted).
  - AWS creates some service-linked roles on its own the first time a service needs one, so a
    role may already exist; the module then reports RV(changed=false).
  - The existing role is found by listing the roles under the path
    C(/aws-service-role/<aws_service_name>/).
  - "Typical use: a KMS key policy that names the Auto Scaling service-linked role
    C(arn:aws:iam::<account>:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling)
    is rejected by AWS until that role exists, which is not the case in a fresh account."
author:
  - cvatops maintainers (@cvatops)
options:
  aws_service_name:
    description:
      - The service principal of the AWS service the role is linked to, for example
        V(autoscaling.amazonaws.com) or V(elasticloadbalancing.amazonaws.com).
    type: str
    required: true
  custom_suffix:
    description:
      - A suffix appended (with an underscore) to the role name AWS chooses for the service.
      - Only some services accept a custom suffix; AWS rejects the request for the others.
      - Without O(custom_suffix) the module manages the service's default role
        (the one without a suffix).
      - A custom suffix can not be changed on an existing role.
    type: str
  description:
    description:
      - The description of the role.
      - When the role already exists and the description differs, the description is updated.
      - If not set, the description of an existing role is left alone.
    type: str
  state:
    description:
      - Whether the role should exist or not.
      - V(absent) asks AWS to delete the role. AWS refuses (and the module fails) while resources of
        the service still use the role.
    type: str
    choices: ["present", "absent"]
    default: "present"
  wait:
    description:
      - With O(state=absent), wait until AWS reports the deletion task as finished.
      - Ignored with O(state=present).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait for the deletion task when O(wait=true).
    type: int
    default: 300
notes:
  - Service-linked roles can not be tagged, renamed or given another trust or permissions policy;
    only the description can be changed.
  - When several roles exist under the service's path and O(custom_suffix) is not set, the role whose
    name carries no suffix (no underscore) is the default one. For services with a sub-domain
    service principal (for example V(dynamodb.application-autoscaling.amazonaws.com)), whose default
    role name contains an underscore, the shortest name is taken.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the Auto Scaling service-linked role exists (needed by KMS key policies that name it)
  cvatops.aws.iam_service_linked_role:
    aws_service_name: autoscaling.amazonaws.com
    description: Default Service-Linked Role enables access to AWS Services and Resources used or managed by Auto Scaling
  register: asg_role

- name: Use the role ARN in a key policy
  ansible.builtin.debug:
    msg: "{{ asg_role.role.arn }}"

- name: A second Auto Scaling service-linked role with a custom suffix
  cvatops.aws.iam_service_linked_role:
    aws_service_name: autoscaling.amazonaws.com
    custom_suffix: cvat

- name: Delete it again and wait up to 10 minutes for AWS to finish
  cvatops.aws.iam_service_linked_role:
    aws_service_name: autoscaling.amazonaws.com
    custom_suffix: cvat
    state: absent
    wait_timeout: 600
"""

RETURN = r"""
changed:
  description: Whether the role was created, updated or deleted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
role:
  description:
    - The service-linked role.
    - With O(state=absent), the role that was deleted, or V(null) when there was none.
    - In check mode, when the role would be created, only the keys known before creation are set.
  returned: always
  type: complex
  contains:
    arn:
      description: The ARN of the role.
      returned: when the role exists
      type: str
      sample: arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling
    role_name:
      description: The name of the role.
      returned: when the role exists
      type: str
      sample: AWSServiceRoleForAutoScaling
    role_id:
      description: The stable unique id of the role.
      returned: when the role exists
      type: str
      sample: AROA1234567890EXAMPLE
    path:
      description: The path of the role.
      returned: always
      type: str
      sample: /aws-service-role/autoscaling.amazonaws.com/
    create_date:
      description: When the role was created.
      returned: when the role exists
      type: str
      sample: "2024-01-01T12:00:00+00:00"
    description:
      description: The description of the role.
      returned: when the role has a description
      type: str
      sample: Default Service-Linked Role enables access to AWS Services and Resources used or managed by Auto Scaling
    assume_role_policy_document:
      description: The trust policy of the role (AWS lets only the linked service assume it).
      returned: when the role exists
      type: dict
      sample:
        Version: "2012-10-17"
        Statement:
          - Action: ["sts:AssumeRole"]
            Effect: Allow
            Principal: {"Service": ["autoscaling.amazonaws.com"]}
    max_session_duration:
      description: The maximum session duration in seconds.
      returned: when the role exists
      type: int
      sample: 3600
    role_last_used:
      description: When and in which region the role was last used.
      returned: when the role exists
      type: dict
      sample: {"last_used_date": "2024-01-02T12:00:00+00:00", "region": "eu-west-1"}
    tags:
      description: The tags of the role (service-linked roles normally have none).
      returned: always
      type: dict
      sample: {}
deletion_task_id:
  description: The id of the deletion task AWS started.
  returned: when O(state=absent) and a role was deleted (not in check mode)
  type: str
  sample: task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_cvat/0e8e0f51-54a0-4d0d-b5d3-EXAMPLE
deletion_status:
  description: The last status AWS reported for the deletion task.
  returned: when O(state=absent) and a role was deleted (not in check mode)
  type: str
  sample: SUCCEEDED
"""

import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_message
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.iam import normalize_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import scrub_none_parameters

SERVICE_ROLE_PATH_ROOT = "/aws-service-role/"
# "Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix."
_NAME_TAKEN = re.compile(r"role name (?P<name>[\w+=,.@-]+) has been taken")
DELETION_DONE = ("SUCCEEDED", "FAILED")


class ServiceLinkedRoleError(AnsibleAWSError):
    pass


def service_role_path(aws_service_name):
    return f"{SERVICE_ROLE_PATH_ROOT}{aws_service_name}/"


def _name_has_suffix(name, custom_suffix):
    return name.endswith(f"_{custom_suffix}") and len(name) > len(custom_suffix) + 1


def select_service_linked_role(roles, aws_service_name, custom_suffix=None):
    """Pick the role this module manages out of the roles listed under the service's path.

    roles: boto3 Role dicts (list_roles output).  Returns one of them or None.
    """
    path = service_role_path(aws_service_name)
    candidates = sorted(
        (r for r in roles or [] if r.get("Path") == path),
        key=lambda r: (len(r["RoleName"]), r["RoleName"]),
    )
    if custom_suffix:
        for role in candidates:
            if _name_has_suffix(role["RoleName"], custom_suffix):
                return role
        return None

    for role in candidates:
        if "_" not in role["RoleName"]:
            return role
    # The default name of a role for a "sub.service.amazonaws.com" principal can contain an
    # underscore (AWSServiceRoleForApplicationAutoScaling_DynamoDBTable). A suffixed role is then the
    # default role's name plus "_suffix", so the shortest one is the default role.
    if candidates and len(aws_service_name.split(".")) > 3:
        shortest = candidates[0]["RoleName"]
        if all(r["RoleName"] == shortest or r["RoleName"].startswith(shortest + "_") for r in candidates):
            return candidates[0]
    return None


def taken_role_name(message):
    """The role name from AWS's "role name X has been taken" error message, or None."""
    match = _NAME_TAKEN.search(message or "")
    return match.group("name") if match else None


def build_create_params(aws_service_name, custom_suffix, description):
    return scrub_none_parameters(
        {"AWSServiceName": aws_service_name, "CustomSuffix": custom_suffix, "Description": description}
    )


def predicted_role(aws_service_name, description):
    """What check mode can tell about a role that would be created."""
    role = {"path": service_role_path(aws_service_name), "tags": {}}
    if description is not None:
        role["description"] = description
    return role


def description_needs_update(role, description):
    if description is None or role is None:
        return False
    return (role.get("Description") or "") != description


def deletion_failure_message(status_response):
    """Turn a FAILED GetServiceLinkedRoleDeletionStatus answer into a readable message."""
    reason = status_response.get("Reason") or {}
    parts = [reason.get("Reason") or "AWS did not give a reason"]
    for usage in reason.get("RoleUsageList") or []:
        resources = ", ".join(usage.get("Resources") or [])
        parts.append(f"used in {usage.get('Region', '?')}: {resources}")
    return "; ".join(parts)


def diff_view(role):
    if not role:
        return {}
    keys = ("arn", "role_name", "path", "description")
    return {k: role[k] for k in keys if k in role}


# --- AWS calls -------------------------------------------------------------------------------


@IAMErrorHandler.list_error_handler("list service-linked roles", [])
@AWSRetry.jittered_backoff()
def list_service_roles(client, aws_service_name):
    paginator = client.get_paginator("list_roles")
    return paginator.paginate(PathPrefix=service_role_path(aws_service_name)).build_full_result()["Roles"]


@IAMErrorHandler.list_error_handler("get role {name}")
def get_role(client, name):
    return client.get_role(RoleName=name, aws_retry=True)["Role"]


def find_role(client, aws_service_name, custom_suffix):
    role = select_service_linked_role(list_service_roles(client, aws_service_name), aws_service_name, custom_suffix)
    if role is None:
        return None
    # list_roles leaves out RoleLastUsed and Tags
    return get_role(client, role["RoleName"]) or role


@IAMErrorHandler.common_error_handler("create service-linked role for {aws_service_name}")
def create_role(client, aws_service_name, custom_suffix, description):
    """Returns (created, role).

    When AWS answers that the role name is already taken (a role this module did not recognise, or a
    concurrent creation), returns (False, {"RoleName": <taken name>}).
    """
    params = build_create_params(aws_service_name, custom_suffix, description)
    try:
        return True, client.create_service_linked_role(aws_retry=True, **params)["Role"]
    except is_boto3_error_message("has been taken") as e:
        name = taken_role_name(e.response.get("Error", {}).get("Message"))
        if not name:
            raise
        return False, {"RoleName": name}


@IAMErrorHandler.common_error_handler("update description of role {name}")
def update_description(client, name, description):
    client.update_role_description(RoleName=name, Description=description, aws_retry=True)


@IAMErrorHandler.common_error_handler("delete service-linked role {name}")
def delete_role(client, name):
    return client.delete_service_linked_role(RoleName=name, aws_retry=True)["DeletionTaskId"]


@IAMErrorHandler.common_error_handler("get deletion status of {task_id}")
def deletion_status(client, task_id):
    return client.get_service_linked_role_deletion_status(DeletionTaskId=task_id, aws_retry=True)


def wait_for_deletion(client, task_id, timeout, delay=5):
    deadline = time.monotonic() + timeout
    while True:
        status = deletion_status(client, task_id)
        if status.get("Status") in DELETION_DONE or time.monotonic() >= deadline:
            return status
        time.sleep(max(min(delay, deadline - time.monotonic()), 0.1))


# --- state handlers ------------------------------------------------------------------------


def ensure_present(module, client, existing):
    params = module.params
    service, suffix, description = params["aws_service_name"], params["custom_suffix"], params["description"]
    if existing is None:
        if module.check_mode:
            return True, predicted_role(service, description), {}
        changed, role = create_role(client, service, suffix, description)
        if not changed:
            role = get_role(client, role["RoleName"])
            if role is None:
                raise ServiceLinkedRoleError(
                    message=f"AWS says the service-linked role for {service} exists but it can not be read"
                )
            if description_needs_update(role, description):
                update_description(client, role["RoleName"], description)
                changed = True
        return changed, normalize_iam_role(get_role(client, role["RoleName"]) or role), {}

    if not description_needs_update(existing, description):
        return False, normalize_iam_role(existing), {}
    if module.check_mode:
        role = normalize_iam_role(existing)
        role["description"] = description
        return True, role, {}
    update_description(client, existing["RoleName"], description)
    return True, normalize_iam_role(get_role(client, existing["RoleName"]) or existing), {}


def ensure_absent(module, client, existing):
    if existing is None:
        return False, None, {}
    role = normalize_iam_role(existing)
    if module.check_mode:
        return True, role, {}
    task_id = delete_role(client, existing["RoleName"])
    extra = {"deletion_task_id": task_id, "deletion_status": "IN_PROGRESS"}
    if not module.params["wait"]:
        return True, role, extra
    status = wait_for_deletion(client, task_id, module.params["wait_timeout"])
    extra["deletion_status"] = status.get("Status")
    if status.get("Status") == "FAILED":
        module.fail_json(
            msg=f"AWS failed to delete service-linked role {existing['RoleName']}: {deletion_failure_message(status)}",
            changed=True,
            role=role,
            **extra,
        )
    if status.get("Status") != "SUCCEEDED":
        module.fail_json(
            msg=(
                f"Timed out after {module.params['wait_timeout']}s waiting for the deletion of service-linked role "
                f"{existing['RoleName']} (last status {status.get('Status')})"
            ),
            changed=True,
            role=role,
            **extra,
        )
    return True, role, extra


def main():
    argument_spec = dict(
        aws_service_name=dict(type="str", required=True),
        custom_suffix=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())

    try:
        existing = find_role(client, module.params["aws_service_name"], module.params["custom_suffix"])
        handler = ensure_present if module.params["state"] == "present" else ensure_absent
        changed, role, extra = handler(module, client, existing)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)

    result = dict(changed=changed, role=role, **extra)
    if module._diff:
        before = diff_view(normalize_iam_role(existing)) if existing else {}
        after = diff_view(role) if module.params["state"] == "present" else {}
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
