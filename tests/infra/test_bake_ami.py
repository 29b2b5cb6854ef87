# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/bake_ami.yml (role cvatops.aws.ami) against an emulator of its own.

The emulator holds Canonical's Ubuntu 22.04 images (patch ``ec2_canonical_ubuntu_jammy_images``), so the
bake runs with its real base image search. Its instances cannot be reached: the local inventory sets
``ami_configure_builder: false`` and the builder is imaged as launched; the host part (cvat_docker) is
tested by its molecule scenario.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from infra.playbook import REPO, PlaybookRun, run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("bake-ami")]

PLAYBOOK = "playbooks/bake_ami.yml"
VERSION = "v2.73.0"
BUILDER = "cvat-local-ami-builder"
PARAMETER = f"/cvatops/ami/cvat-host/{VERSION}"
CANONICAL = "099720109477"
# The newest amd64 jammy image of the emulator (the arm64 one is newer still).
NEWEST_JAMMY = "ami-0e86e20dae9224db8"
CONTRACT = {"Project": "cvat", "cvatops:image": "cvat-host", "cvatops:cvat-version": VERSION}
TAKEN_NAME = "cvat-host-name-taken"
NAME_PATTERN = re.compile(rf"^cvat-host-{re.escape(VERSION)}-\d{{8}}T\d{{6}}Z$")


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def _total(counts: dict[str, dict[str, int]]) -> int:
    return sum(n for actions in counts.values() for n in actions.values())


def _delta(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {
        service: {action: n - before.get(service, {}).get(action, 0) for action, n in actions.items() if n != before.get(service, {}).get(action, 0)}
        for service, actions in after.items()
    }


def _images(emulator: Any) -> list[dict[str, Any]]:
    filters = [{"Name": f"tag:{key}", "Values": [value]} for key, value in CONTRACT.items()]
    return sorted(emulator.client("ec2").describe_images(Owners=["self"], Filters=filters)["Images"], key=lambda i: i["CreationDate"])


def _builders(emulator: Any) -> list[dict[str, Any]]:
    reservations = emulator.client("ec2").describe_instances(Filters=[{"Name": "tag:cvatops:role", "Values": ["ami-builder"]}])["Reservations"]
    return [instance for reservation in reservations for instance in reservation["Instances"]]


def _leftovers(emulator: Any) -> dict[str, list[str]]:
    """What of a builder still exists: live instances, its security group, its key pair."""
    ec2 = emulator.client("ec2")
    return {
        "instances": [i["InstanceId"] for i in _builders(emulator) if i["State"]["Name"] != "terminated"],
        "security_groups": [g["GroupId"] for g in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [BUILDER]}])["SecurityGroups"]],
        "key_pairs": [k["KeyName"] for k in ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": [BUILDER]}])["KeyPairs"]],
    }


def _result(run: PlaybookRun, task: str) -> dict[str, Any]:
    """The result of the one role task of that name (the json callback prefixes the role)."""
    return run.result(f"cvatops.aws.ami : {task}")


def _parameter(emulator: Any) -> str:
    return str(emulator.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"])


def _bake(emulator: Any, *args: str, **extra_vars: Any) -> tuple[PlaybookRun, dict[str, dict[str, int]]]:
    """One run of the playbook and the API calls it made."""
    before = emulator.counts()
    run = run_playbook(PLAYBOOK, {**emulator.env, "ANSIBLE_SHOW_CUSTOM_STATS": "true"}, *args, extra_vars=extra_vars or None)
    return run, _delta(before, emulator.counts())


def _stack_network(emulator: Any) -> dict[str, Any]:
    """The VPC and public subnets the network role would make, tagged as it tags them (AZ b created first)."""
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    tags = [{"Key": "Stack", "Value": "cvat-local"}, {"Key": "Tier", "Value": "public"}, {"Key": "ManagedBy", "Value": "cvatops.aws"}]
    subnets = {
        zone: ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}])[
            "Subnet"
        ]["SubnetId"]
        for zone, cidr in (("us-east-1b", "10.40.1.0/24"), ("us-east-1a", "10.40.0.0/24"))
    }
    return {"vpc": vpc, "subnets": subnets}


def _earlier_failed_bake(emulator: Any, network: dict[str, Any]) -> dict[str, str]:
    """What a bake that died half-way leaves: a running builder, its security group and key pair."""
    ec2 = emulator.client("ec2")
    tag_spec = [{"Key": "Name", "Value": BUILDER}, {"Key": "cvatops:role", "Value": "ami-builder"}]
    group = ec2.create_security_group(
        GroupName=BUILDER, Description="left over", VpcId=network["vpc"], TagSpecifications=[{"ResourceType": "security-group", "Tags": tag_spec}]
    )["GroupId"]
    ec2.create_key_pair(KeyName=BUILDER)
    instance = ec2.run_instances(
        ImageId=NEWEST_JAMMY,
        InstanceType="t3.large",
        MinCount=1,
        MaxCount=1,
        KeyName=BUILDER,
        SubnetId=network["subnets"]["us-east-1a"],
        SecurityGroupIds=[group],
        TagSpecifications=[{"ResourceType": "instance", "Tags": tag_spec}],
    )["Instances"][0]["InstanceId"]
    return {"instance": instance, "security_group": group}


@pytest.fixture(scope="module")
def bake(own_emulator: Any) -> SimpleNamespace:
    """Every bake of the story, recorded once: the tests assert on the record."""
    steps = SimpleNamespace()
    steps.network = _stack_network(own_emulator)
    steps.first, steps.first_calls = _bake(own_emulator)
    assert steps.first.returncode == 0, steps.first.explain()
    steps.first_images = _images(own_emulator)
    steps.first_parameter = _parameter(own_emulator)
    steps.first_builders = _builders(own_emulator)
    steps.first_leftovers = _leftovers(own_emulator)
    steps.first_volumes = own_emulator.client("ec2").describe_volumes()["Volumes"]

    steps.again, steps.again_calls = _bake(own_emulator)
    steps.check, steps.check_calls = _bake(own_emulator, "--check")
    steps.check_force, steps.check_force_calls = _bake(own_emulator, "--check", ami_force=True)
    steps.images_after_noop = _images(own_emulator)

    steps.forced, steps.forced_calls = _bake(own_emulator, ami_force=True)
    assert steps.forced.returncode == 0, steps.forced.explain()
    steps.forced_images = _images(own_emulator)
    steps.forced_parameter = _parameter(own_emulator)
    steps.forced_leftovers = _leftovers(own_emulator)

    # CreateImage refuses a name the account uses already (as AWS does): a failure after the launch.
    own_emulator.client("ec2").register_image(
        Name=TAKEN_NAME, RootDeviceName="/dev/sda1", BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}}]
    )
    steps.failed, steps.failed_calls = _bake(own_emulator, ami_force=True, ami_image_name=TAKEN_NAME)
    steps.failed_images = _images(own_emulator)
    steps.failed_leftovers = _leftovers(own_emulator)

    steps.stale = _earlier_failed_bake(own_emulator, steps.network)
    steps.stale_leftovers = _leftovers(own_emulator)
    steps.recovered, steps.recovered_calls = _bake(own_emulator, ami_force=True)
    steps.recovered_leftovers = _leftovers(own_emulator)
    steps.stale_state = own_emulator.client("ec2").describe_instances(InstanceIds=[steps.stale["instance"]])["Reservations"][0]["Instances"][0]["State"]["Name"]
    return steps


def test_the_bake_makes_one_image_with_the_tag_contract(bake: SimpleNamespace) -> None:
    [image] = bake.first_images
    tags = _tags(image)
    assert {key: tags.get(key) for key in CONTRACT} == CONTRACT
    assert tags["cvatops:base-image"] == NEWEST_JAMMY, "the newest x86_64 Canonical jammy image, not the newer arm64 one"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", tags["cvatops:baked-at"])
    assert NAME_PATTERN.match(image["Name"]), image["Name"]
    assert image["Name"].endswith(tags["cvatops:baked-at"].replace("-", "").replace(":", ""))
    assert image["State"] == "available" and image["Description"].startswith(f"CVAT {VERSION} host")
    [mapping] = image["BlockDeviceMappings"]
    assert (mapping["Ebs"]["VolumeType"], mapping["Ebs"]["VolumeSize"], mapping["Ebs"]["Encrypted"]) == ("gp3", 30, True)


def test_the_image_id_is_published(bake: SimpleNamespace) -> None:
    [image] = bake.first_images
    assert bake.first_parameter == image["ImageId"]
    summary = bake.first.result("Summary of the bake")["msg"]["image"]
    assert summary["image_id"] == image["ImageId"] and summary["baked"] in (True, "True")
    stats = bake.first.report.get("global_custom_stats", {})
    assert stats.get("ami_image_id") == image["ImageId"], bake.first.report.get("global_custom_stats")


def test_the_builder_ran_as_specified_and_is_gone(bake: SimpleNamespace) -> None:
    [builder] = bake.first_builders
    assert builder["State"]["Name"] == "terminated"
    assert builder["ImageId"] == NEWEST_JAMMY and builder["InstanceType"] == "t3.large"
    assert builder["MetadataOptions"]["HttpTokens"] == "required"
    assert builder["SubnetId"] == bake.network["subnets"]["us-east-1a"], "the stack's first public subnet, in AZ order"
    tags = _tags(builder)
    assert (tags["Name"], tags["Project"], tags["ManagedBy"], tags["cvatops:role"]) == (BUILDER, "cvat", "cvatops.aws", "ami-builder")
    assert bake.first_leftovers == {"instances": [], "security_groups": [], "key_pairs": []}
    attached = [v["VolumeId"] for v in bake.first_volumes for a in v.get("Attachments", []) if a["InstanceId"] == builder["InstanceId"]]
    assert attached == [], "the builder's root volume goes with it"


def test_the_builder_has_ssh_from_the_listed_networks_only(bake: SimpleNamespace) -> None:
    ingress = _result(bake.first, "Temporary security group of the builder")["ip_permissions"]
    assert [(r["ip_protocol"], r["from_port"], r["to_port"], [c["cidr_ip"] for c in r["ip_ranges"]]) for r in ingress] == [("tcp", 22, 22, ["127.0.0.1/32"])]


def test_the_private_key_never_reaches_the_output(bake: SimpleNamespace) -> None:
    output = bake.first.stdout + bake.first.stderr
    assert "PRIVATE KEY" not in output
    assert _result(bake.first, "Temporary key pair of the builder").get("censored"), "the key task is no_log"
    key_dir = _result(bake.first, "Temporary directory for the builder's private key")["path"]
    assert not Path(key_dir).exists(), "the private key is removed from the controller"


def test_a_second_bake_changes_nothing(bake: SimpleNamespace) -> None:
    assert bake.again.returncode == 0, bake.again.explain()
    assert bake.again.changed_tasks() == [] and bake.again.stats.get("changed") == 0
    assert write_calls(bake.again_calls) == {}
    assert "RunInstances" not in bake.again_calls.get("ec2", {})
    assert [i["ImageId"] for i in bake.images_after_noop] == [i["ImageId"] for i in bake.first_images]


def test_check_mode_reports_no_change_on_an_existing_image_and_a_bake_when_forced(bake: SimpleNamespace) -> None:
    assert bake.check.returncode == 0, bake.check.explain()
    assert bake.check.changed_tasks() == []
    assert bake.check_force.returncode == 0, bake.check_force.explain()
    assert [name.split(" : ")[-1] for name in bake.check_force.changed_tasks()] == ["Report the bake that would run"]
    assert write_calls(bake.check_calls) == {} and write_calls(bake.check_force_calls) == {}


def test_ami_force_bakes_a_second_image_and_publishes_it(bake: SimpleNamespace) -> None:
    assert len(bake.forced_images) == 2
    newest = bake.forced_images[-1]
    assert newest["ImageId"] != bake.first_images[0]["ImageId"] and NAME_PATTERN.match(newest["Name"])
    assert bake.forced_parameter == newest["ImageId"]
    assert bake.forced_leftovers == {"instances": [], "security_groups": [], "key_pairs": []}


def test_a_failure_after_the_launch_still_removes_the_builder(bake: SimpleNamespace) -> None:
    assert bake.failed.returncode != 0
    # amazon.aws 11.4's ec2_ami drops the AWS error (InvalidAMIName.Duplicate) and says only this.
    created = _result(bake.failed, "Create the image")
    assert created.get("failed") and "Failed to create image" in created["msg"], created
    assert bake.failed_calls["ec2"].get("CreateImage") == 1
    assert bake.failed_calls["ec2"].get("RunInstances") == 1 and bake.failed_calls["ec2"].get("TerminateInstances") == 1
    assert bake.failed_leftovers == {"instances": [], "security_groups": [], "key_pairs": []}
    assert len(bake.failed_images) == len(bake.forced_images)


def test_a_bake_removes_what_an_earlier_failed_bake_left(bake: SimpleNamespace) -> None:
    assert bake.stale_leftovers["instances"] == [bake.stale["instance"]] and bake.stale_leftovers["security_groups"]
    assert bake.recovered.returncode == 0, bake.recovered.explain()
    assert bake.stale_state == "terminated"
    assert bake.recovered_leftovers == {"instances": [], "security_groups": [], "key_pairs": []}


def test_the_compute_role_finds_the_image_by_its_own_tags(bake: SimpleNamespace, own_emulator: Any) -> None:
    """compute_ami_tags (roles/compute) and ami_image_tags (roles/ami) are one contract."""
    compute = yaml.safe_load((REPO / "roles" / "compute" / "defaults" / "main.yml").read_text())
    ami = yaml.safe_load((REPO / "roles" / "ami" / "defaults" / "main.yml").read_text())
    assert compute["compute_cvat_version"] == ami["ami_cvat_version"] == VERSION
    rendered = {k: v.replace("{{ compute_cvat_version }}", compute["compute_cvat_version"]) for k, v in compute["compute_ami_tags"].items()}
    assert rendered == {k: v.replace("{{ ami_cvat_version }}", ami["ami_cvat_version"]) for k, v in ami["ami_image_tags"].items()} == CONTRACT
    filters = [{"Name": f"tag:{key}", "Values": [value]} for key, value in rendered.items()] + [{"Name": "state", "Values": ["available"]}]
    found = own_emulator.client("ec2").describe_images(Owners=compute["compute_ami_owners"], Filters=filters)["Images"]
    assert bake.first_images[0]["ImageId"] in {i["ImageId"] for i in found}


BAD_INPUT = {
    "version without v": ({"ami_cvat_version": "2.73.0"}, "ami_cvat_version"),
    "version not X.Y.Z": ({"ami_cvat_version": "v2.73"}, "ami_cvat_version"),
    "bad instance type": ({"ami_builder_instance_type": "large"}, "ami_builder_instance_type"),
    "bad subnet id": ({"ami_builder_subnet_id": "public-a"}, "ami_builder_subnet_id"),
    "no SSH networks": ({"ami_builder_ssh_cidrs": []}, "ami_builder_ssh_cidrs"),
    "bad SSH network": ({"ami_builder_ssh_cidrs": ["10.0.0.0/33"]}, "ami_builder_ssh_cidrs"),
    "SSH open to the world on AWS": (
        {"cvat_stack_environment": "production", "cvat_stack_aws_endpoint_url": "", "ami_builder_ssh_cidrs": ["0.0.0.0/0"]},
        "ami_builder_ssh_cidrs",
    ),
    "bad base image id": ({"ami_base_image_id": "ubuntu-22.04"}, "ami_base_image_id"),
    "unknown architecture": ({"ami_base_image_architecture": "amd64"}, "ami_base_image_architecture"),
    "no base image owner": ({"ami_base_image_owners": []}, "ami_base_image_owners"),
    "reserved parameter name": ({"ami_publish_parameter": "/aws/service/cvat"}, "ami_publish_parameter"),
    "relative parameter name": ({"ami_publish_parameter": "cvat/ami"}, "ami_publish_parameter"),
    "bad image name": ({"ami_image_name": "cvat:host"}, "ami_image_name"),
    "volume too small": ({"ami_builder_volume_size": 4}, "ami_builder_volume_size"),
    "force not a boolean": ({"ami_force": "sometimes"}, "ami_force"),
    "reserved tag key": ({"ami_tags": {"aws:owner": "me"}}, "ami_tags"),
}


def _assert_failed_before_aws(run: PlaybookRun, variable: str, calls: dict[str, dict[str, int]]) -> None:
    assert run.returncode != 0, run.explain()
    assert variable in " ".join(run.failure_messages()), run.explain()
    assert _total(calls) == 0, f"AWS was called before preflight failed: {calls}"


@pytest.mark.parametrize("extra_vars,variable", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_fails_before_any_aws_call(extra_vars: dict[str, Any], variable: str, own_emulator: Any) -> None:
    run, calls = _bake(own_emulator, **extra_vars)
    _assert_failed_before_aws(run, variable, calls)


def test_missing_ssh_networks_fail_before_any_aws_call(tmp_path: Path, own_emulator: Any) -> None:
    inventory = tmp_path / "inventory"
    shutil.copytree(REPO / "inventories" / "local", inventory)
    (inventory / "group_vars" / "all" / "ami.yml").unlink()
    before = own_emulator.counts()
    run = run_playbook(PLAYBOOK, own_emulator.env, inventory=inventory)
    _assert_failed_before_aws(run, "ami_builder_ssh_cidrs", _delta(before, own_emulator.counts()))


def test_without_a_stack_the_subnet_is_required(tmp_path: Path, own_emulator: Any) -> None:
    """The role alone (no cvat_stack_name, no network outputs) needs ami_builder_subnet_id."""
    playbook = write_playbook(
        tmp_path,
        "bake.yml",
        """
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.include_role:
                name: cvatops.aws.ami
              vars:
                ami_builder_ssh_cidrs: [192.0.2.0/24]
        """,
    )
    inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    before = own_emulator.counts()
    run = run_playbook(playbook, own_emulator.env, inventory=tmp_path / "hosts.yml")
    _assert_failed_before_aws(run, "ami_builder_subnet_id", _delta(before, own_emulator.counts()))
