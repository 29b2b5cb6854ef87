#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: efs_access_point
version_added: 0.1.0
short_description: Manage access points of an Amazon EFS file system
description:
  - Create, tag, replace or delete an access point of an Amazon EFS file system.
  - An access point is an application's entry into the file system. It can pin the root directory the
    application sees (O(path)), have EFS create that directory with an owner and permissions on first
    use (O(creation_info)), and make every request through it act as one POSIX user (O(posix_user)).
  - The access point is identified by its C(Name) tag (O(name)) among the access points of
    O(file_system_id). EFS itself allows several access points with the same name; when there are
    several, one whose settings match is managed and the others are left alone, except with
    O(state=absent), which deletes all of them.
  - Access points can not be modified, except for their tags. When O(path), O(posix_user) or
    O(creation_info) differ from the existing access point, the module fails and names the differing
    options, unless O(recreate=true), with which it deletes the access point and creates a new one, which
    gets a new id (RV(replaced=true)).
  - The C(Name) tag is always O(name); a C(Name) key in O(tags) must equal O(name). Without O(tags), only
    the C(Name) tag is ensured and the other tags of an existing access point are left alone.
author:
  - cvatops maintainers (@cvatops)
options:
  file_system_id:
    description:
      - The id of the EFS file system, for example V(fs-0123456789abcdef0).
    type: str
    required: true
  name:
    description:
      - The name of the access point, kept in its C(Name) tag, which identifies it among the access points
        of the file system.
    type: str
    required: true
  path:
    description:
      - The directory of the file system that clients of the access point see as their root, for example
        V(/cvat-data).
      - An absolute path of at most four levels and 100 characters, without a trailing slash.
    type: str
    default: /
  posix_user:
    description:
      - The POSIX user and groups that every file system request through the access point acts as,
        whatever the client's own identity.
      - If not set, a new access point enforces no user, and the user of an existing access point is not
        compared.
    type: dict
    suboptions:
      uid:
        description: The user id.
        type: int
        required: true
      gid:
        description: The primary group id.
        type: int
        required: true
      secondary_gids:
        description: Up to 16 further group ids.
        type: list
        elements: int
  creation_info:
    description:
      - Owner and permissions with which EFS creates O(path) when a client first mounts the access point
        and the directory does not exist yet.
      - Without it, O(path) must already exist when the access point is used.
      - If not set, a new access point has none, and that of an existing access point is not compared.
    type: dict
    suboptions:
      owner_uid:
        description: The user id that owns the directory.
        type: int
        required: true
      owner_gid:
        description: The group id that owns the directory.
        type: int
        required: true
      permissions:
        description:
          - The permissions of the directory in octal, as a quoted string such as V('0750').
          - An unquoted C(0750) is read by YAML as the decimal number 488, so numbers are refused.
        type: raw
        required: true
  recreate:
    description:
      - Replace the access point (delete it, then create a new one) when O(path), O(posix_user) or
        O(creation_info) differ from the existing one.
      - Clients that mounted the old access point lose access and must mount the new one, which has a new id.
      - With V(false) such a difference makes the module fail.
    type: bool
    default: false
  state:
    description:
      - Whether the access point should exist.
    type: str
    choices: ["present", "absent"]
    default: "present"
  wait:
    description:
      - Wait until a created access point is available, or a deleted one is gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
    type: int
    default: 120
notes:
  - The module needs C(elasticfilesystem:DescribeAccessPoints), C(CreateAccessPoint),
    C(DeleteAccessPoint), C(TagResource) and C(UntagResource).
  - An access point does not make EFS create O(path) until a client mounts it, and only with O(creation_info).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Access point for CVAT's data directory, owned by CVAT's container user
  cvatops.aws.efs_access_point:
    file_system_id: "{{ efs.efs.file_system_id }}"
    name: cvat-data
    path: /cvat-data
    posix_user:
      uid: 1000
      gid: 1000
    creation_info:
      owner_uid: 1000
      owner_gid: 1000
      permissions: "0750"
    tags:
      Project: cvat
  register: cvat_data_access_point

- name: Move the access point to another directory (clients must mount the new one)
  cvatops.aws.efs_access_point:
    file_system_id: fs-0123456789abcdef0
    name: cvat-data
    path: /cvat/data
    recreate: true

- name: Remove the access point
  cvatops.aws.efs_access_point:
    file_system_id: fs-0123456789abcdef0
    name: cvat-data
    state: absent
"""

RETURN = r"""
changed:
  description: Whether an access point was created, replaced, re-tagged or deleted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
replaced:
  description: Whether the access point was (or would be, in check mode) deleted and created anew because
    O(path), O(posix_user) or O(creation_info) differed.
  returned: always
  type: bool
  sample: false
replaced_access_point_id:
  description: The id of the access point that was replaced.
  returned: when RV(replaced=true)
  type: str
  sample: fsap-0123456789abcdef0
deleted_access_point_ids:
  description: The ids of the access points deleted (or that would be, in check mode) with O(state=absent).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["fsap-0123456789abcdef0"]
access_point:
  description:
    - The access point.
    - In check mode, for an access point that would be created, only the requested attributes are set.
  returned: when O(state=present)
  type: complex
  contains:
    access_point_id:
      description: The id of the access point.
      returned: when the access point exists
      type: str
      sample: fsap-0123456789abcdef0
    access_point_arn:
      description: The ARN of the access point.
      returned: when the access point exists
      type: str
      sample: arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0
    file_system_id:
      description: The id of the file system.
      returned: always
      type: str
      sample: fs-0123456789abcdef0
    name:
      description: The name of the access point.
      returned: always
      type: str
      sample: cvat-data
    root_directory:
      description: The root directory of the access point.
      returned: always
      type: complex
      contains:
        path:
          description: The path of the directory.
          returned: always
          type: str
          sample: /cvat-data
        creation_info:
          description: Owner and permissions with which EFS creates the directory.
          returned: when set
          type: dict
          sample: {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"}
    posix_user:
      description: The POSIX user that requests through the access point act as.
      returned: when set
      type: dict
      sample: {"uid": 1000, "gid": 1000, "secondary_gids": []}
    life_cycle_state:
      description: The state of the access point (V(creating), V(available), V(updating), V(deleting), V(error)).
      returned: when the access point exists
      type: str
      sample: available
    owner_id:
      description: The AWS account that owns the access point.
      returned: when the access point exists
      type: str
      sample: "123456789012"
    client_token:
      description: The idempotency token the access point was created with.
      returned: when the access point exists
      type: str
      sample: 2f3c6a5e-1b1d-4f3a-9e1e-1d2c3b4a5f6e
    tags:
      description: The tags of the access point.
      returned: always
      type: dict
      sample: {"Name": "cvat-data", "Project": "cvat"}
"""

import re
import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import apply_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import name_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import name_tag_conflict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tags_for_replacement

# RootDirectory.Path as the EFS API defines it: "/" or up to four levels, no hidden or special names.
PATH_PATTERN = re.compile(r"^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$")
PERMISSIONS_PATTERN = re.compile(r"^[0-7]{3,4}$")
MAX_ID = 4294967295
MAX_SECONDARY_GIDS = 16
MAX_PATH_LENGTH = 100
MAX_NAME_LENGTH = 256
IMMUTABLE_OPTIONS = ("path", "posix_user", "creation_info")
POLL_SECONDS = 2
# A file system that is still being created refuses access points for a moment.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["IncorrectFileSystemLifeCycleState"])


class AnsibleEFSError(AnsibleAWSError):
    pass


class FileSystemErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEFSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("FileSystemNotFound")


class AccessPointErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEFSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("AccessPointNotFound")


# --- pure helpers -----------------------------------------------------------------------------


def _id_problem(label, value):
    if value is not None and not 0 <= value <= MAX_ID:
        return f"{label} must be between 0 and {MAX_ID}, got {value}"
    return None


def validate_params(params):
    """Returns an error message for values argument_spec can not check, or None."""
    name, path = params["name"], params["path"]
    if not name or len(name) > MAX_NAME_LENGTH:
        return f"name must be 1 to {MAX_NAME_LENGTH} characters long"
    conflict = name_tag_conflict(name, params.get("tags"), "name", "access point")
    if conflict:
        return conflict
    if params["state"] == "absent":
        return None
    if len(path) > MAX_PATH_LENGTH or not PATH_PATTERN.match(path):
        return (
            f"path {path} is not valid: use an absolute path of at most four levels and {MAX_PATH_LENGTH} "
            "characters, without a trailing slash, hidden (.name) levels or any of $#<>;`|&?{}^*"
        )
    posix_user = params.get("posix_user")
    if posix_user:
        for label, value in (("posix_user.uid", posix_user["uid"]), ("posix_user.gid", posix_user["gid"])):
            problem = _id_problem(label, value)
            if problem:
                return problem
        gids = posix_user.get("secondary_gids") or []
        if len(gids) > MAX_SECONDARY_GIDS:
            return f"posix_user.secondary_gids may list at most {MAX_SECONDARY_GIDS} groups, got {len(gids)}"
        for gid in gids:
            problem = _id_problem("posix_user.secondary_gids", gid)
            if problem:
                return problem
    creation_info = params.get("creation_info")
    if creation_info:
        for key in ("owner_uid", "owner_gid"):
            problem = _id_problem(f"creation_info.{key}", creation_info[key])
            if problem:
                return problem
        permissions = creation_info["permissions"]
        if not isinstance(permissions, str):
            return (
                f"creation_info.permissions must be a quoted octal string such as '0750', got the number {permissions} "
                "(YAML reads an unquoted 0750 as 488)"
            )
        if not PERMISSIONS_PATTERN.match(permissions):
            return f"creation_info.permissions must be 3 or 4 octal digits such as '0750', got '{permissions}'"
    return None


def requested_posix_user(params):
    """The PosixUser structure the options ask for, or None."""
    posix_user = params.get("posix_user")
    if not posix_user:
        return None
    requested = {"Uid": posix_user["uid"], "Gid": posix_user["gid"]}
    if posix_user.get("secondary_gids"):
        requested["SecondaryGids"] = list(posix_user["secondary_gids"])
    return requested


def requested_root_directory(params):
    """The RootDirectory structure the options ask for."""
    root = {"Path": params["path"]}
    creation_info = params.get("creation_info")
    if creation_info:
        root["CreationInfo"] = {
            "OwnerUid": creation_info["owner_uid"],
            "OwnerGid": creation_info["owner_gid"],
            "Permissions": creation_info["permissions"],
        }
    return root


def _comparable_posix_user(posix_user):
    if not posix_user:
        return None
    return (posix_user.get("Uid"), posix_user.get("Gid"), sorted(posix_user.get("SecondaryGids") or []))


def _comparable_creation_info(creation_info):
    if not creation_info:
        return None
    # "750" and "0750" are the same mode.
    return (creation_info.get("OwnerUid"), creation_info.get("OwnerGid"), int(str(creation_info.get("Permissions")), 8))


def immutable_differences(access_point, params):
    """Names of the options that differ from the existing access point (options that are not set are not compared)."""
    differences = []
    root = access_point.get("RootDirectory") or {}
    if (root.get("Path") or "/") != params["path"]:
        differences.append("path")
    wanted_user = requested_posix_user(params)
    if wanted_user is not None and _comparable_posix_user(access_point.get("PosixUser")) != _comparable_posix_user(wanted_user):
        differences.append("posix_user")
    wanted_root = requested_root_directory(params)
    if "CreationInfo" in wanted_root and _comparable_creation_info(root.get("CreationInfo")) != _comparable_creation_info(
        wanted_root["CreationInfo"]
    ):
        differences.append("creation_info")
    return differences


def describe_difference(option, access_point, params):
    """'option (is X, wanted Y)' for the failure message."""
    root = access_point.get("RootDirectory") or {}
    if option == "path":
        current, wanted = root.get("Path") or "/", params["path"]
    elif option == "posix_user":
        current, wanted = access_point.get("PosixUser"), requested_posix_user(params)
    else:
        current, wanted = root.get("CreationInfo"), requested_root_directory(params).get("CreationInfo")
    return f"{option} (is {current}, wanted {wanted})"


def immutable_change_message(access_point, params, differences):
    details = "; ".join(describe_difference(option, access_point, params) for option in differences)
    return (
        f"Access point {params['name']} ({access_point['AccessPointId']}) of file system {params['file_system_id']} "
        f"differs in {', '.join(differences)}: {details}. Access points can not be modified: set recreate=true to "
        "delete it and create a new one (clients must then mount the new access point), or change the options back."
    )


def access_point_name(access_point):
    """The Name tag (AWS also reports it as Name)."""
    tags = boto3_tag_list_to_ansible_dict(access_point.get("Tags") or [])
    return tags.get("Name", access_point.get("Name"))


def matching_access_points(access_points, name):
    return [ap for ap in access_points if access_point_name(ap) == name and ap.get("LifeCycleState") != "deleting"]


def choose_access_point(matches, params):
    """The access point to manage among those with the name: one that needs no replacement if there is one."""
    for access_point in matches:
        if not immutable_differences(access_point, params):
            return access_point
    return matches[0] if matches else None


def build_create_params(params, tags, client_token):
    """Keyword arguments of efs.create_access_point()."""
    create = {
        "ClientToken": client_token,
        "FileSystemId": params["file_system_id"],
        "RootDirectory": requested_root_directory(params),
        "Tags": ansible_dict_to_boto3_tag_list(tags),
    }
    posix_user = requested_posix_user(params)
    if posix_user:
        create["PosixUser"] = posix_user
    return create


def normalize_access_point(access_point):
    if not access_point:
        return access_point
    return boto3_resource_to_ansible_dict(access_point)


def predicted_access_point(params, tags):
    """What check mode can tell about an access point that would be created."""
    create = build_create_params(params, tags, None)
    predicted = {
        "FileSystemId": create["FileSystemId"],
        "Name": params["name"],
        "RootDirectory": create["RootDirectory"],
        "Tags": create["Tags"],
    }
    if "PosixUser" in create:
        predicted["PosixUser"] = create["PosixUser"]
    return normalize_access_point(predicted)


def diff_view(access_point):
    if not access_point:
        return {}
    volatile = ("life_cycle_state", "client_token", "owner_id")
    return {k: v for k, v in access_point.items() if k not in volatile}


# --- AWS calls -------------------------------------------------------------------------------


@FileSystemErrorHandler.list_error_handler("describe access points of file system {file_system_id}")
@AWSRetry.jittered_backoff()
def describe_access_points_of(client, file_system_id):
    """The access points of the file system; None when the file system does not exist."""
    paginator = client.get_paginator("describe_access_points")
    return paginator.paginate(FileSystemId=file_system_id).build_full_result()["AccessPoints"]


@AccessPointErrorHandler.list_error_handler("describe access point {access_point_id}")
def describe_access_point(client, access_point_id):
    access_points = client.describe_access_points(AccessPointId=access_point_id, aws_retry=True)["AccessPoints"]
    return access_points[0] if access_points else None


@FileSystemErrorHandler.common_error_handler("create access point")
def create_access_point(client, create_params):
    return client.create_access_point(aws_retry=True, **create_params)


@AccessPointErrorHandler.deletion_error_handler("delete access point {access_point_id}")
def delete_access_point(client, access_point_id):
    client.delete_access_point(AccessPointId=access_point_id, aws_retry=True)
    return True


@AccessPointErrorHandler.common_error_handler("tag access point {access_point_id}")
def set_tags(client, access_point_id, to_set, to_unset):
    if to_unset:
        client.untag_resource(ResourceId=access_point_id, TagKeys=list(to_unset), aws_retry=True)
    if to_set:
        client.tag_resource(ResourceId=access_point_id, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


def wait_until(check, timeout, what, delay=POLL_SECONDS):
    """Calls check() every delay seconds until it returns (True, value); raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        done, value = check()
        if done:
            return value
        if time.monotonic() >= deadline:
            raise AnsibleEFSError(message=f"Timed out after {timeout}s waiting for {what}")
        time.sleep(max(min(delay, deadline - time.monotonic()), 0.1))


def wait_for_available(client, access_point, timeout):
    access_point_id = access_point["AccessPointId"]

    def check():
        current = describe_access_point(client, access_point_id)
        state = (current or {}).get("LifeCycleState")
        if state == "error":
            raise AnsibleEFSError(message=f"Access point {access_point_id} is in state error")
        return state == "available", current

    return wait_until(check, timeout, f"access point {access_point_id} to become available")


def wait_for_deletion(client, access_point_id, timeout):
    def check():
        current = describe_access_point(client, access_point_id)
        return current is None or current.get("LifeCycleState") == "deleted", None

    wait_until(check, timeout, f"access point {access_point_id} to be deleted")


def create(client, module, tags):
    params = module.params
    created = create_access_point(client, build_create_params(params, tags, str(uuid.uuid4())))
    created.pop("ResponseMetadata", None)
    if params["wait"] and created.get("LifeCycleState") != "available":
        created = wait_for_available(client, created, params["wait_timeout"]) or created
    return created


def delete(client, module, access_point_ids):
    for access_point_id in access_point_ids:
        delete_access_point(client, access_point_id)
    if module.params["wait"]:
        for access_point_id in access_point_ids:
            wait_for_deletion(client, access_point_id, module.params["wait_timeout"])


# --- state handlers ------------------------------------------------------------------------


def ensure_present(client, module, current):
    """Returns (changed, result extras, final access point in Ansible form)."""
    params = module.params
    name, tags, purge_tags = params["name"], params["tags"], params["purge_tags"]
    current_tags = boto3_tag_list_to_ansible_dict(current.get("Tags") or []) if current else {}

    differences = immutable_differences(current, params) if current else []
    if differences and not params["recreate"]:
        module.fail_json(
            msg=immutable_change_message(current, params, differences),
            differing_options=differences,
            access_point=normalize_access_point(current),
        )
    if current is None or differences:
        new_tags = tags_for_replacement(current_tags, name, tags, purge_tags)
        extras = {"replaced": current is not None}
        if current is not None:
            extras["replaced_access_point_id"] = current["AccessPointId"]
        if module.check_mode:
            return True, extras, predicted_access_point(params, new_tags)
        if current is not None:
            delete(client, module, [current["AccessPointId"]])
        return True, extras, normalize_access_point(create(client, module, new_tags))

    to_set, to_unset = name_tag_changes(current_tags, name, tags, purge_tags)
    final = normalize_access_point(current)
    if not to_set and not to_unset:
        return False, {"replaced": False}, final
    final["tags"] = apply_tag_changes(current_tags, to_set, to_unset)
    if not module.check_mode:
        set_tags(client, current["AccessPointId"], to_set, to_unset)
        final = normalize_access_point(describe_access_point(client, current["AccessPointId"]) or current)
    return True, {"replaced": False}, final


def ensure_absent(client, module, matches):
    ids = [access_point["AccessPointId"] for access_point in matches]
    if ids and not module.check_mode:
        delete(client, module, ids)
    return bool(ids), {"replaced": False, "deleted_access_point_ids": ids}, None


def main():
    argument_spec = dict(
        file_system_id=dict(type="str", required=True),
        name=dict(type="str", required=True),
        path=dict(type="str", default="/"),
        posix_user=dict(
            type="dict",
            options=dict(
                uid=dict(type="int", required=True),
                gid=dict(type="int", required=True),
                secondary_gids=dict(type="list", elements="int"),
            ),
        ),
        creation_info=dict(
            type="dict",
            options=dict(
                owner_uid=dict(type="int", required=True),
                owner_gid=dict(type="int", required=True),
                permissions=dict(type="raw", required=True),
            ),
        ),
        recreate=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=120),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = validate_params(module.params)
    if problem:
        module.fail_json(msg=problem)

    client = module.client("efs", retry_decorator=RETRY)
    params = module.params
    try:
        access_points = describe_access_points_of(client, params["file_system_id"])
        if access_points is None and params["state"] == "present":
            module.fail_json(msg=f"File system {params['file_system_id']} does not exist")
        matches = matching_access_points(access_points or [], params["name"])
        current = choose_access_point(matches, params)
        if params["state"] == "present":
            changed, extras, final = ensure_present(client, module, current)
        else:
            changed, extras, final = ensure_absent(client, module, matches)
    except AnsibleEFSError as e:
        module.fail_json_aws_error(e)

    result = dict(changed=changed, **extras)
    if params["state"] == "present":
        result["access_point"] = final
    if module._diff:
        result["diff"] = {
            "before": diff_view(normalize_access_point(current)) if current else {},
            "after": diff_view(final),
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
