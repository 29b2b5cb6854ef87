# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compute role's image choice and rolling replacement, on a stack of its own in an emulator of its own.

Only the roles the hosts need run (``--tags network,security,load_balancer,compute``): the data tier
plays no part in choosing an image or replacing hosts.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest

from infra.playbook import PlaybookRun, run_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("compute-rollout")]

STACK = "cvat-local"
APP = f"{STACK}-app"
TAGS = "network,security,load_balancer,compute"
BAKED_TAGS = {"Project": "cvat", "cvatops:image": "cvat-host", "cvatops:cvat-version": "v2.73.0"}
# The local inventory pins a stock image; these runs search the baked ones instead.
SEARCH = {"compute_ami_id": ""}


def _bake(emulator: Any, name: str) -> str:
    """A stand-in for playbooks/bake_ami.yml: an image of a builder instance, tagged like a baked one."""
    ec2 = emulator.client("ec2")
    builder = ec2.run_instances(ImageId="ami-785db401", InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image = ec2.create_image(
        InstanceId=builder, Name=name, TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": k, "Value": v} for k, v in BAKED_TAGS.items()]}]
    )["ImageId"]
    ec2.terminate_instances(InstanceIds=[builder])
    return image


def _converge(emulator: Any, **extra_vars: Any) -> PlaybookRun:
    run = run_playbook("site.yml", emulator.env, "--tags", TAGS, extra_vars={**SEARCH, **extra_vars})
    assert run.returncode == 0, run.explain()
    return run


def _template_image(emulator: Any, version: str) -> str:
    versions = emulator.client("ec2").describe_launch_template_versions(LaunchTemplateName=APP, Versions=[version])
    return str(versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"])


def _group(emulator: Any) -> dict[str, Any]:
    return emulator.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[APP])["AutoScalingGroups"][0]


def _refreshes(emulator: Any) -> list[dict[str, Any]]:
    return list(emulator.client("autoscaling").describe_instance_refreshes(AutoScalingGroupName=APP)["InstanceRefreshes"])


def _task_changed(run: PlaybookRun, task: str) -> bool:
    return any(name.split(" : ", 1)[-1] == task for name in run.changed_tasks())


@pytest.fixture(scope="module")
def rollout(own_emulator: Any) -> SimpleNamespace:
    """Every step of the story, recorded once: tests assert on the record, in any order."""
    steps = SimpleNamespace()
    steps.no_image = run_playbook("site.yml", own_emulator.env, "--tags", TAGS, extra_vars={**SEARCH, "compute_cvat_version": "v9.9.9"})
    steps.first_image = _bake(own_emulator, "cvat-v2.73.0-20261101T000000")
    steps.first = _converge(own_emulator)
    steps.first_template_image = _template_image(own_emulator, "$Latest")
    steps.first_group = _group(own_emulator)
    steps.first_refreshes = _refreshes(own_emulator)
    steps.again = _converge(own_emulator)
    time.sleep(1.1)  # creation dates have a one-second resolution
    steps.second_image = _bake(own_emulator, "cvat-v2.73.0-20261125T000000")
    steps.rollout = _converge(own_emulator)
    steps.rollout_template_image = _template_image(own_emulator, "$Latest")
    steps.rollout_group = _group(own_emulator)
    steps.rollout_refreshes = _refreshes(own_emulator)
    steps.after_rollout = _converge(own_emulator)
    steps.after_rollout_refreshes = _refreshes(own_emulator)
    return steps


def test_without_a_baked_image_the_run_fails_naming_the_tags(rollout: SimpleNamespace) -> None:
    assert rollout.no_image.returncode != 0
    message = " ".join(rollout.no_image.failure_messages())
    assert "compute_ami_tags" in message and "v9.9.9" in message and "bake_ami.yml" in message


def test_the_newest_baked_image_is_found_by_its_tags(rollout: SimpleNamespace) -> None:
    assert _task_changed(rollout.first, "Launch template of the CVAT hosts")
    assert rollout.first_template_image == rollout.first_image
    assert rollout.first_group["LaunchTemplate"]["Version"] == "1"
    assert rollout.first_refreshes == [], "a new group needs no refresh"
    assert rollout.again.changed_tasks() == []


def test_a_new_image_rolls_out_through_an_instance_refresh(rollout: SimpleNamespace) -> None:
    assert _task_changed(rollout.rollout, "Launch template of the CVAT hosts")
    assert _task_changed(rollout.rollout, "Auto Scaling group over the private app subnets of every AZ")
    assert _task_changed(rollout.rollout, "Start a rolling instance refresh")
    assert rollout.rollout_template_image == rollout.second_image != rollout.first_image
    assert rollout.rollout_group["LaunchTemplate"]["Version"] == "2"
    before = {i["InstanceId"] for i in rollout.first_group["Instances"]}
    assert {i["InstanceId"] for i in rollout.rollout_group["Instances"]} == before, "the converge itself replaces no host"
    [refresh] = rollout.rollout_refreshes
    assert refresh["Status"] in ("Pending", "InProgress")
    preferences = refresh["Preferences"]
    assert preferences["MinHealthyPercentage"] == 100 and preferences["MaxHealthyPercentage"] == 200
    assert preferences["SkipMatching"] is True and preferences["InstanceWarmup"] == 300


def test_a_running_refresh_is_not_started_twice(rollout: SimpleNamespace) -> None:
    assert rollout.after_rollout.changed_tasks() == []
    assert len(rollout.after_rollout_refreshes) == 1
