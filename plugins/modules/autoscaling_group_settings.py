#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: autoscaling_group_settings
version_added: 0.1.0
short_description: Set the Auto Scaling group settings that amazon.aws.autoscaling_group can not set
description:
  - Set capacity rebalancing, the default instance warmup and the instance maintenance policy of an
    existing EC2 Auto Scaling group. amazon.aws.autoscaling_group creates and manages the group; it has no
    options for these settings.
  - Only the options that are set are compared and changed; the others are left as they are.
  - The module fails, naming the group, when the group does not exist.
author:
  - cvatops maintainers (@cvatops)
options:
  name:
    description:
      - The name of the Auto Scaling group.
    type: str
    required: true
    aliases: ['group_name']
  capacity_rebalance:
    description:
      - Whether the group replaces a Spot Instance proactively when EC2 warns that it is at an elevated
        risk of interruption.
    type: bool
  default_instance_warmup:
    description:
      - How many seconds a new instance needs before it counts towards the group's metrics and health
        (used by instance refreshes, target tracking and step scaling alike).
      - V(-1) removes the setting (AWS then falls back to the health check grace period and the policies'
        own warmup).
    type: int
  instance_maintenance_policy:
    description:
      - How many instances (percentages of the desired capacity) must stay in service, and may be in
        service, while the group replaces instances (health check replacements, rebalancing, instance
        refreshes).
      - V(min_healthy_percentage=-1) and V(max_healthy_percentage=-1) together remove the policy.
    type: dict
    suboptions:
      min_healthy_percentage:
        description:
          - The lowest percentage of the desired capacity to keep in service, 0 to 100.
        type: int
        required: true
      max_healthy_percentage:
        description:
          - The highest percentage of the desired capacity that may be in service or pending, 100 to 200,
            at most 100 above O(instance_maintenance_policy.min_healthy_percentage).
        type: int
        required: true
notes:
  - The module needs C(autoscaling:DescribeAutoScalingGroups) and C(autoscaling:UpdateAutoScalingGroup).
  - amazon.aws.autoscaling_group does not send these settings, so running it does not undo them.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Keep the whole desired capacity in service while instances are replaced, two minutes warmup
  cvatops.aws.autoscaling_group_settings:
    name: cvat-prod-app
    default_instance_warmup: 120
    instance_maintenance_policy:
      min_healthy_percentage: 100
      max_healthy_percentage: 150

- name: Rebalance Spot capacity, leave the rest alone
  cvatops.aws.autoscaling_group_settings:
    name: cvat-prod-app
    capacity_rebalance: true

- name: Remove the maintenance policy and the warmup again
  cvatops.aws.autoscaling_group_settings:
    name: cvat-prod-app
    default_instance_warmup: -1
    instance_maintenance_policy: {min_healthy_percentage: -1, max_healthy_percentage: -1}
"""

RETURN = r"""
changed:
  description: Whether a setting was changed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
auto_scaling_group_name:
  description: The name of the group.
  returned: always
  type: str
  sample: cvat-prod-app
auto_scaling_group_arn:
  description: The ARN of the group.
  returned: always
  type: str
  sample: arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0b7e0f8a-1c2d-4e5f-8a9b-0123456789ab:autoScalingGroupName/cvat-prod-app
settings:
  description: The settings of the group after the change (in check mode, as they would be).
  returned: always
  type: dict
  contains:
    capacity_rebalance:
      description: Whether capacity rebalancing is on.
      returned: always
      type: bool
      sample: false
    default_instance_warmup:
      description: The default instance warmup in seconds, V(null) when not set.
      returned: always
      type: int
      sample: 120
    instance_maintenance_policy:
      description: The instance maintenance policy, V(null) when not set.
      returned: always
      type: dict
      sample: {"min_healthy_percentage": 100, "max_healthy_percentage": 150}
"""

from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AnsibleAutoScalingError
from ansible_collections.amazon.aws.plugins.module_utils.autoscaling import AutoScalingErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

UNSET = -1

# --- pure helpers -----------------------------------------------------------------------------


def maintenance_policy_error(policy):
    """What is wrong with an instance_maintenance_policy by AWS's rules, or None."""
    if policy is None:
        return None
    low, high = policy["min_healthy_percentage"], policy["max_healthy_percentage"]
    if (low, high) == (UNSET, UNSET):
        return None
    if UNSET in (low, high):
        return "instance_maintenance_policy: set both percentages to -1 to remove the policy, or neither"
    if not 0 <= low <= 100:
        return f"instance_maintenance_policy.min_healthy_percentage must be 0 to 100, not {low}"
    if not 100 <= high <= 200:
        return f"instance_maintenance_policy.max_healthy_percentage must be 100 to 200, not {high}"
    if high - low > 100:
        return f"instance_maintenance_policy: max_healthy_percentage ({high}) may be at most 100 above min_healthy_percentage ({low})"
    return None


def warmup_error(warmup):
    if warmup is not None and warmup < UNSET:
        return f"default_instance_warmup must be -1 (to remove it) or more seconds, not {warmup}"
    return None


def current_settings(group):
    """The group's settings (DescribeAutoScalingGroups), with None for what is not set."""
    warmup = group.get("DefaultInstanceWarmup")
    policy = group.get("InstanceMaintenancePolicy") or {}
    low, high = policy.get("MinHealthyPercentage"), policy.get("MaxHealthyPercentage")
    unset_policy = low is None or high is None or (low, high) == (UNSET, UNSET)
    return {
        "capacity_rebalance": bool(group.get("CapacityRebalance", False)),
        "default_instance_warmup": None if warmup in (None, UNSET) else warmup,
        "instance_maintenance_policy": None if unset_policy else {"min_healthy_percentage": low, "max_healthy_percentage": high},
    }


def wanted_settings(params):
    """The settings the user set (None meaning "remove"), leaving out the options that are not set."""
    wanted = {}
    if params.get("capacity_rebalance") is not None:
        wanted["capacity_rebalance"] = params["capacity_rebalance"]
    if params.get("default_instance_warmup") is not None:
        warmup = params["default_instance_warmup"]
        wanted["default_instance_warmup"] = None if warmup == UNSET else warmup
    policy = params.get("instance_maintenance_policy")
    if policy is not None:
        low, high = policy["min_healthy_percentage"], policy["max_healthy_percentage"]
        wanted["instance_maintenance_policy"] = None if (low, high) == (UNSET, UNSET) else {"min_healthy_percentage": low, "max_healthy_percentage": high}
    return wanted


def setting_changes(current, wanted):
    return {key: value for key, value in wanted.items() if current.get(key) != value}


def build_update_params(name, changes):
    """UpdateAutoScalingGroup parameters for the changed settings; None becomes AWS's -1 ("remove")."""
    update = {"AutoScalingGroupName": name}
    if "capacity_rebalance" in changes:
        update["CapacityRebalance"] = changes["capacity_rebalance"]
    if "default_instance_warmup" in changes:
        warmup = changes["default_instance_warmup"]
        update["DefaultInstanceWarmup"] = UNSET if warmup is None else warmup
    if "instance_maintenance_policy" in changes:
        policy = changes["instance_maintenance_policy"] or {"min_healthy_percentage": UNSET, "max_healthy_percentage": UNSET}
        update["InstanceMaintenancePolicy"] = {
            "MinHealthyPercentage": policy["min_healthy_percentage"],
            "MaxHealthyPercentage": policy["max_healthy_percentage"],
        }
    return update


# --- AWS calls -------------------------------------------------------------------------------


@AutoScalingErrorHandler.list_error_handler("describe Auto Scaling group {name}")
def describe_group(client, name):
    groups = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name], aws_retry=True)["AutoScalingGroups"]
    return groups[0] if groups else None


@AutoScalingErrorHandler.common_error_handler("update Auto Scaling group {params[AutoScalingGroupName]}")
def update_group(client, params):
    client.update_auto_scaling_group(aws_retry=True, **params)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["group_name"]),
        capacity_rebalance=dict(type="bool"),
        default_instance_warmup=dict(type="int"),
        instance_maintenance_policy=dict(
            type="dict",
            options=dict(
                min_healthy_percentage=dict(type="int", required=True),
                max_healthy_percentage=dict(type="int", required=True),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    error = warmup_error(params["default_instance_warmup"]) or maintenance_policy_error(params["instance_maintenance_policy"])
    if error:
        module.fail_json(msg=error)
    name = params["name"]
    client = module.client("autoscaling", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["ResourceContention"]))

    try:
        group = describe_group(client, name)
        if group is None:
            module.fail_json(msg=f"Auto Scaling group {name} does not exist")
        before = current_settings(group)
        changes = setting_changes(before, wanted_settings(params))
        after = {**before, **changes}
        if changes and not module.check_mode:
            update_group(client, build_update_params(name, changes))
            group = describe_group(client, name) or group
            after = current_settings(group)
    except AnsibleAutoScalingError as e:
        module.fail_json_aws_error(e)

    result = dict(
        changed=bool(changes),
        auto_scaling_group_name=group["AutoScalingGroupName"],
        auto_scaling_group_arn=group.get("AutoScalingGroupARN"),
        settings=after,
    )
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
