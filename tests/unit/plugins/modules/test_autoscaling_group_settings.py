# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import autoscaling_group_settings as ags

NAME = "cvat-prod-app"


def policy(low, high):
    return {"min_healthy_percentage": low, "max_healthy_percentage": high}


@pytest.mark.parametrize(
    "given, expected",
    [
        (None, None),
        (policy(90, 120), None),
        (policy(0, 100), None),
        (policy(100, 200), None),
        (policy(50, 150), None),
        (policy(-1, -1), None),
        (policy(-1, 150), "instance_maintenance_policy: set both percentages to -1 to remove the policy, or neither"),
        (policy(90, -1), "instance_maintenance_policy: set both percentages to -1 to remove the policy, or neither"),
        (policy(101, 150), "instance_maintenance_policy.min_healthy_percentage must be 0 to 100, not 101"),
        (policy(90, 99), "instance_maintenance_policy.max_healthy_percentage must be 100 to 200, not 99"),
        (policy(90, 201), "instance_maintenance_policy.max_healthy_percentage must be 100 to 200, not 201"),
        (policy(50, 200), "instance_maintenance_policy: max_healthy_percentage (200) may be at most 100 above min_healthy_percentage (50)"),
    ],
)
def test_maintenance_policy_error(given, expected):
    assert ags.maintenance_policy_error(given) == expected


@pytest.mark.parametrize("warmup, ok", [(None, True), (-1, True), (0, True), (300, True), (-2, False)])
def test_warmup_error(warmup, ok):
    assert (ags.warmup_error(warmup) is None) is ok


@pytest.mark.parametrize(
    "group, expected",
    [
        ({}, {"capacity_rebalance": False, "default_instance_warmup": None, "instance_maintenance_policy": None}),
        (
            {"CapacityRebalance": True, "DefaultInstanceWarmup": 120, "InstanceMaintenancePolicy": {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 120}},
            {"capacity_rebalance": True, "default_instance_warmup": 120, "instance_maintenance_policy": policy(90, 120)},
        ),
        # AWS may report a removed setting as -1 rather than leaving it out
        (
            {"DefaultInstanceWarmup": -1, "InstanceMaintenancePolicy": {"MinHealthyPercentage": -1, "MaxHealthyPercentage": -1}},
            {"capacity_rebalance": False, "default_instance_warmup": None, "instance_maintenance_policy": None},
        ),
        ({"DefaultInstanceWarmup": 0}, {"capacity_rebalance": False, "default_instance_warmup": 0, "instance_maintenance_policy": None}),
    ],
)
def test_current_settings(group, expected):
    assert ags.current_settings(group) == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {}),
        ({"capacity_rebalance": None, "default_instance_warmup": None, "instance_maintenance_policy": None}, {}),
        ({"capacity_rebalance": False}, {"capacity_rebalance": False}),
        ({"default_instance_warmup": 0}, {"default_instance_warmup": 0}),
        ({"default_instance_warmup": -1}, {"default_instance_warmup": None}),
        ({"instance_maintenance_policy": policy(90, 120)}, {"instance_maintenance_policy": policy(90, 120)}),
        ({"instance_maintenance_policy": policy(-1, -1)}, {"instance_maintenance_policy": None}),
    ],
)
def test_wanted_settings(params, expected):
    assert ags.wanted_settings(params) == expected


UNSET_ALL = {"capacity_rebalance": False, "default_instance_warmup": None, "instance_maintenance_policy": None}
REMOVE_BOTH = {"instance_maintenance_policy": None, "default_instance_warmup": None}
SET_ALL = {"capacity_rebalance": True, "default_instance_warmup": 120, "instance_maintenance_policy": policy(90, 120)}


@pytest.mark.parametrize(
    "current, wanted, expected",
    [
        (UNSET_ALL, {}, {}),
        (UNSET_ALL, {"capacity_rebalance": False}, {}),
        (UNSET_ALL, {"default_instance_warmup": None, "instance_maintenance_policy": None}, {}),
        (UNSET_ALL, SET_ALL, SET_ALL),
        (SET_ALL, SET_ALL, {}),
        # only what the user set is compared
        (SET_ALL, {"default_instance_warmup": 120}, {}),
        (SET_ALL, {"default_instance_warmup": 60}, {"default_instance_warmup": 60}),
        (SET_ALL, {"instance_maintenance_policy": policy(100, 150)}, {"instance_maintenance_policy": policy(100, 150)}),
        (SET_ALL, REMOVE_BOTH, REMOVE_BOTH),
        # 0 is a setting (no warmup), not the absence of one
        (UNSET_ALL, {"default_instance_warmup": 0}, {"default_instance_warmup": 0}),
    ],
)
def test_setting_changes(current, wanted, expected):
    assert ags.setting_changes(current, wanted) == expected


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, {}),
        ({"capacity_rebalance": True}, {"CapacityRebalance": True}),
        ({"default_instance_warmup": 0}, {"DefaultInstanceWarmup": 0}),
        ({"default_instance_warmup": None}, {"DefaultInstanceWarmup": -1}),
        ({"instance_maintenance_policy": policy(90, 120)}, {"InstanceMaintenancePolicy": {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 120}}),
        ({"instance_maintenance_policy": None}, {"InstanceMaintenancePolicy": {"MinHealthyPercentage": -1, "MaxHealthyPercentage": -1}}),
    ],
)
def test_build_update_params(changes, expected):
    assert ags.build_update_params(NAME, changes) == {"AutoScalingGroupName": NAME, **expected}
