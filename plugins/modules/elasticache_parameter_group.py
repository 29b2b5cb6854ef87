#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_parameter_group
version_added: 0.1.0
short_description: Manage an ElastiCache cache parameter group of any family, including redis7 and valkey
description:
  - Create, update and delete an Amazon ElastiCache cache parameter group and the values of its parameters.
  - Unlike M(community.aws.elasticache_parameter_group), any family AWS offers is accepted (for example
    V(redis7), V(valkey8)), only the parameters given in O(parameters) are compared, and the parameters
    changed by hand can be reset with O(purge_parameters).
  - Parameter values are compared as strings with the values set on the group (the parameters whose
    C(Source) is V(user)); a parameter still at the family default counts as not set.
  - Changes are sent in batches of at most 20 parameters, the limit of C(ModifyCacheParameterGroup).
author:
  - cvatops maintainers (@cvatops)
options:
  name:
    description:
      - The name of the cache parameter group.
      - 1 to 255 letters, digits and hyphens, starting with a letter, without two consecutive hyphens and not
        ending with a hyphen. AWS stores it in lower case.
      - The V(default.*) groups belong to AWS and can not be managed.
    type: str
    required: true
  family:
    description:
      - The parameter group family, for example V(redis7), V(redis6.x), V(valkey8) or V(memcached1.6).
      - Required to create the group.
      - The family of an existing group can not be changed; a different family fails. Delete the group
        first, or use another name.
    type: str
  description:
    description:
      - The description of the group, used when it is created.
      - AWS can not change the description of an existing group; a different one is reported as a warning
        and left as it is.
    type: str
    default: ""
  parameters:
    description:
      - Parameter names and the values they must have, for example C(maxmemory-policy=allkeys-lru).
      - Values are compared and sent as strings; V(true)/V(false) become V(yes)/V(no) and an empty value
        (V(null)) becomes the empty string.
      - Parameters not listed are left alone unless O(purge_parameters=true).
      - An unknown or non-modifiable parameter of the family fails before any change.
    type: dict
    default: {}
  purge_parameters:
    description:
      - Reset the parameters set on the group but not listed in O(parameters) to the family defaults.
    type: bool
    default: false
  state:
    description:
      - V(present) ensures that the group exists with O(parameters).
      - V(absent) deletes the group. AWS refuses while a cache cluster or replication group uses it.
    type: str
    choices: ["present", "absent"]
    default: "present"
notes:
  - The module needs C(elasticache:DescribeCacheParameterGroups), C(DescribeCacheParameters),
    C(CreateCacheParameterGroup), C(ModifyCacheParameterGroup), C(ResetCacheParameterGroup),
    C(DeleteCacheParameterGroup), C(ListTagsForResource), C(AddTagsToResource) and C(RemoveTagsFromResource).
  - Most changes apply at once; parameters whose C(ChangeType) is V(requires-reboot) apply to running nodes
    only after they reboot.
  - In check mode, parameter names of a group that does not exist yet are not validated.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Redis 7 parameter group for CVAT
  cvatops.aws.elasticache_parameter_group:
    name: cvat-prod-redis7
    family: redis7
    description: CVAT Redis of stack cvat-prod
    parameters:
      maxmemory-policy: allkeys-lru
      timeout: 300
    tags:
      Project: cvat

- name: Keep exactly these parameters changed (reset every other one set by hand)
  cvatops.aws.elasticache_parameter_group:
    name: cvat-prod-redis7
    family: redis7
    parameters:
      maxmemory-policy: allkeys-lru
    purge_parameters: true

- name: Delete the group
  cvatops.aws.elasticache_parameter_group:
    name: cvat-prod-redis7
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the group, its parameters or its tags were changed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
parameter_group:
  description:
    - The parameter group. Empty with O(state=absent).
    - In check mode, when the group would be created, the predicted group (without RV(parameter_group.arn)).
  returned: always
  type: dict
  contains:
    cache_parameter_group_name:
      description: The name of the group.
      returned: when the group exists
      type: str
      sample: cvat-prod-redis7
    cache_parameter_group_family:
      description: The family of the group.
      returned: when the group exists
      type: str
      sample: redis7
    description:
      description: The description of the group.
      returned: when the group exists
      type: str
      sample: CVAT Redis of stack cvat-prod
    is_global:
      description: Whether the group belongs to a global datastore.
      returned: when the group exists
      type: bool
      sample: false
    arn:
      description: The ARN of the group.
      returned: when the group exists
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:parametergroup:cvat-prod-redis7
    tags:
      description: The tags of the group.
      returned: when the group exists
      type: dict
      sample: {"Project": "cvat"}
parameters:
  description:
    - The parameters set on the group (C(Source=user)) after the change, name to value.
    - In check mode the predicted values. Empty with O(state=absent).
  returned: always
  type: dict
  sample: {"maxmemory-policy": "allkeys-lru", "timeout": "300"}
modified_parameters:
  description: The parameters given new values (or that would be, in check mode).
  returned: always
  type: dict
  sample: {"timeout": "300"}
reset_parameters:
  description: The parameters reset to the family default by O(purge_parameters) (or that would be).
  returned: always
  type: list
  elements: str
  sample: ["notify-keyspace-events"]
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import apply_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tag_changes

# "A maximum of 20 parameters may be modified per request" (ModifyCacheParameterGroup).
MAX_PARAMETERS_PER_REQUEST = 20
NOT_FOUND = "CacheParameterGroupNotFound"
NAME_PATTERN = re.compile(r"^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0,254}$")


class AnsibleElastiCacheError(AnsibleAWSError):
    pass


class ParameterGroupErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleElastiCacheError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(NOT_FOUND)


# --- pure helpers -----------------------------------------------------------------------------


def parameter_value(value):
    """The string AWS stores for a value given in YAML (yes/no for booleans, "" for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def normalize_parameters(parameters):
    return {str(name): parameter_value(value) for name, value in (parameters or {}).items()}


def validate_params(params):
    """Returns an error message for input argument_spec can not check, or None."""
    name = params["name"]
    if name.lower().startswith("default."):
        return f"Parameter group {name} is a default group of AWS; it can not be created, changed or deleted"
    if not NAME_PATTERN.match(name) or name.endswith("-"):
        return (
            f"Invalid parameter group name {name!r}: use 1 to 255 letters, digits and hyphens, starting with a "
            "letter, without two consecutive hyphens and not ending with a hyphen"
        )
    empty = sorted(key for key in (params.get("parameters") or {}) if not str(key).strip())
    if empty:
        return "parameters contains an empty parameter name"
    return None


def immutable_problem(group, family):
    """Error message when the existing group has another family than requested, else None."""
    current = group.get("CacheParameterGroupFamily")
    if family and current and family != current:
        return (
            f"Parameter group {group.get('CacheParameterGroupName')} has family {current}, not {family}, and AWS can "
            f"not change the family of a parameter group. Delete the group (state=absent) or use another name."
        )
    return None


def description_warning(group, description):
    current = group.get("Description") or ""
    if description is not None and description != current:
        return (
            f"Parameter group {group.get('CacheParameterGroupName')} keeps its description {current!r}: AWS can not "
            f"change the description of a parameter group (requested {description!r})."
        )
    return None


def user_set_values(parameters):
    """Name -> value of the parameters set on the group (Source user), from DescribeCacheParameters entries."""
    return {p["ParameterName"]: p.get("ParameterValue") or "" for p in parameters if p.get("Source") == "user"}


def parameter_problems(desired, parameters):
    """Error message for desired names the family does not have or that can not be modified, or None."""
    known = {p["ParameterName"]: p for p in parameters}
    unknown = sorted(name for name in desired if name not in known)
    fixed = sorted(name for name in desired if name in known and known[name].get("IsModifiable") is False)
    problems = []
    if unknown:
        problems.append(f"unknown parameters: {', '.join(unknown)}")
    if fixed:
        problems.append(f"parameters that can not be modified: {', '.join(fixed)}")
    return "; ".join(problems) or None


def parameter_changes(current, desired, purge):
    """(to_modify, to_reset): the values to set and the names to reset to the family default.

    current: name -> value of the parameters set on the group; desired: normalized O(parameters).
    """
    to_modify = {name: value for name, value in sorted(desired.items()) if current.get(name) != value}
    to_reset = sorted(name for name in current if name not in desired) if purge else []
    return to_modify, to_reset


def predicted_parameters(current, to_modify, to_reset):
    after = {name: value for name, value in current.items() if name not in to_reset}
    after.update(to_modify)
    return dict(sorted(after.items()))


def batches(items, size=MAX_PARAMETERS_PER_REQUEST):
    """Consecutive chunks of at most size items."""
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)]


def modify_requests(to_modify):
    return [
        [{"ParameterName": name, "ParameterValue": value} for name, value in batch]
        for batch in batches(sorted(to_modify.items()))
    ]


def reset_requests(to_reset):
    return [[{"ParameterName": name} for name in batch] for batch in batches(sorted(to_reset))]


def normalize_group(group, tags):
    """The snake_case view of a DescribeCacheParameterGroups entry, with its tags as a dict."""
    return {
        "cache_parameter_group_name": group.get("CacheParameterGroupName"),
        "cache_parameter_group_family": group.get("CacheParameterGroupFamily"),
        "description": group.get("Description") or "",
        "is_global": bool(group.get("IsGlobal", False)),
        "arn": group.get("ARN"),
        "tags": dict(tags or {}),
    }


def predicted_group(params):
    """What check mode reports for a group it would create."""
    group = {
        "CacheParameterGroupName": params["name"].lower(),
        "CacheParameterGroupFamily": params["family"],
        "Description": params["description"],
    }
    return normalize_group(group, params["tags"] or {})


# --- AWS calls ----------------------------------------------------------------------------------


@ParameterGroupErrorHandler.list_error_handler("describe cache parameter group {name}")
def describe_group(client, name):
    groups = client.describe_cache_parameter_groups(CacheParameterGroupName=name, aws_retry=True)
    return (groups.get("CacheParameterGroups") or [None])[0]


@ParameterGroupErrorHandler.common_error_handler("describe the parameters of cache parameter group {name}")
def describe_parameters(client, name):
    paginator = client.get_paginator("describe_cache_parameters")
    pages = paginator.paginate(CacheParameterGroupName=name).build_full_result()
    return pages.get("Parameters", [])


@ParameterGroupErrorHandler.common_error_handler("list the tags of cache parameter group {arn}")
def list_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceName=arn, aws_retry=True).get("TagList", []))


@ParameterGroupErrorHandler.common_error_handler("create cache parameter group {name}")
def create_group(client, name, family, description, tags):
    create = dict(CacheParameterGroupName=name, CacheParameterGroupFamily=family, Description=description)
    if tags:
        create["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return client.create_cache_parameter_group(aws_retry=True, **create)["CacheParameterGroup"]


@ParameterGroupErrorHandler.common_error_handler("modify the parameters of cache parameter group {name}")
def modify_parameters(client, name, to_modify):
    for request in modify_requests(to_modify):
        client.modify_cache_parameter_group(CacheParameterGroupName=name, ParameterNameValues=request, aws_retry=True)


@ParameterGroupErrorHandler.common_error_handler("reset the parameters of cache parameter group {name}")
def reset_parameters(client, name, to_reset):
    for request in reset_requests(to_reset):
        client.reset_cache_parameter_group(
            CacheParameterGroupName=name, ResetAllParameters=False, ParameterNameValues=request, aws_retry=True
        )


@ParameterGroupErrorHandler.common_error_handler("tag cache parameter group {arn}")
def set_tags(client, arn, to_set, to_unset):
    if to_unset:
        client.remove_tags_from_resource(ResourceName=arn, TagKeys=to_unset, aws_retry=True)
    if to_set:
        client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@ParameterGroupErrorHandler.deletion_error_handler("delete cache parameter group {name}")
def delete_group(client, name):
    client.delete_cache_parameter_group(CacheParameterGroupName=name, aws_retry=True)
    return True


# --- state handlers ------------------------------------------------------------------------


def ensure_present(client, module, group):
    """Returns (result, parameters before the change)."""
    params = module.params
    name = params["name"]
    desired = normalize_parameters(params["parameters"])
    result = dict(changed=False, modified_parameters={}, reset_parameters=[])

    if group is None:
        if not params["family"]:
            module.fail_json(msg=f"Cache parameter group {name} does not exist; family is required to create it")
        to_modify = parameter_changes({}, desired, False)[0]
        result.update(changed=True, modified_parameters=to_modify, parameters=dict(sorted(to_modify.items())))
        if module.check_mode:
            result["parameter_group"] = predicted_group(params)
            return result, {}
        group = create_group(client, name, params["family"], params["description"], params["tags"])
        all_parameters = describe_parameters(client, group["CacheParameterGroupName"])
        problem = parameter_problems(desired, all_parameters)
        if problem:
            module.fail_json(msg=f"Cache parameter group {name} was created, but its family {params['family']} has {problem}")
        modify_parameters(client, group["CacheParameterGroupName"], to_modify)
        tags = list_tags(client, group["ARN"])
        result["parameter_group"] = normalize_group(group, tags)
        result["parameters"] = user_set_values(describe_parameters(client, group["CacheParameterGroupName"]))
        return result, {}

    problem = immutable_problem(group, params["family"])
    if problem:
        module.fail_json(msg=problem)
    warning = description_warning(group, params["description"])
    if warning:
        module.warn(warning)

    real_name = group["CacheParameterGroupName"]
    all_parameters = describe_parameters(client, real_name)
    current = user_set_values(all_parameters)
    problem = parameter_problems(desired, all_parameters)
    if problem:
        module.fail_json(msg=f"Cache parameter group {real_name} (family {group.get('CacheParameterGroupFamily')}) has {problem}")
    to_modify, to_reset = parameter_changes(current, desired, params["purge_parameters"])
    current_tags = list_tags(client, group["ARN"])
    to_set, to_unset = tag_changes(current_tags, params["tags"], params["purge_tags"])

    result.update(
        changed=bool(to_modify or to_reset or to_set or to_unset),
        modified_parameters=to_modify,
        reset_parameters=to_reset,
        parameter_group=normalize_group(group, apply_tag_changes(current_tags, to_set, to_unset)),
        parameters=predicted_parameters(current, to_modify, to_reset),
    )
    if module.check_mode or not result["changed"]:
        return result, current

    reset_parameters(client, real_name, to_reset)
    modify_parameters(client, real_name, to_modify)
    if to_set or to_unset:
        set_tags(client, group["ARN"], to_set, to_unset)
        result["parameter_group"]["tags"] = list_tags(client, group["ARN"])
    if to_modify or to_reset:
        result["parameters"] = user_set_values(describe_parameters(client, real_name))
    return result, current


def ensure_absent(client, module, group):
    result = dict(changed=False, parameter_group={}, parameters={}, modified_parameters={}, reset_parameters=[])
    if group is None:
        return result, {}
    before = user_set_values(describe_parameters(client, group["CacheParameterGroupName"]))
    result["changed"] = True
    if not module.check_mode:
        result["changed"] = delete_group(client, group["CacheParameterGroupName"])
    return result, before


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        family=dict(type="str"),
        description=dict(type="str", default=""),
        parameters=dict(type="dict", default={}),
        purge_parameters=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = validate_params(module.params)
    if problem:
        module.fail_json(msg=problem)

    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    try:
        group = describe_group(client, module.params["name"])
        if module.params["state"] == "present":
            result, before = ensure_present(client, module, group)
        else:
            result, before = ensure_absent(client, module, group)
    except AnsibleElastiCacheError as e:
        module.fail_json_aws_error(e)

    if module._diff:
        result["diff"] = {
            "before": {"parameters": before} if group is not None else {},
            "after": {"parameters": result["parameters"]} if result["parameter_group"] else {},
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
