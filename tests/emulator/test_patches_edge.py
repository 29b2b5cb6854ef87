# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per edge-tier compatibility patch (tests/awsemu/patches_edge.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_edge.py -k <patch name>``.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from testcerts import make_certificate

ClientFactory = Callable[..., Any]
# A moto built-in AMI (Ubuntu, root device /dev/sda1).
BASE_AMI = "ami-1e749f67"
# Stock moto answers some of these calls with HTTP 500: fail at once instead of retrying.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def ec2(aws_client: ClientFactory) -> Any:
    return aws_client("ec2", config=NO_RETRIES)


@pytest.fixture
def elbv2(aws_client: ClientFactory) -> Any:
    return aws_client("elbv2", config=NO_RETRIES)


@pytest.fixture
def network(ec2: Any) -> dict[str, Any]:  # pylint: disable=redefined-outer-name
    """A VPC with one subnet in each of two Availability Zones and a security group."""
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(("us-east-1a", "us-east-1b"))
    ]
    group = ec2.create_security_group(GroupName=_unique("alb"), Description="alb", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnets": subnets, "security_group": group}


def _load_balancer(elbv2: Any, network: dict[str, Any], **kwargs: Any) -> dict[str, Any]:  # pylint: disable=redefined-outer-name
    options = {"Name": _unique("alb"), "Subnets": network["subnets"], "SecurityGroups": [network["security_group"]], "Type": "application"}
    options.update(kwargs)
    return dict(elbv2.create_load_balancer(**options)["LoadBalancers"][0])


def _target_group(elbv2: Any, network: dict[str, Any]) -> str:  # pylint: disable=redefined-outer-name
    name = _unique("tg")
    return str(
        elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=network["vpc"], TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    )


@pytest.fixture
def certificate_arn(aws_client: ClientFactory) -> str:
    """An ACM certificate (self-signed, imported) for HTTPS listeners."""
    certificate = make_certificate("edge.example.com", ca=None, san=False, backdate=datetime.timedelta(days=1))
    return str(aws_client("acm").import_certificate(Certificate=certificate.pem, PrivateKey=certificate.key_pem)["CertificateArn"])


def _https_listener(elbv2: Any, balancer_arn: str, certificate: str, actions: list[dict[str, Any]]) -> str:  # pylint: disable=redefined-outer-name
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer_arn, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": certificate}], DefaultActions=actions
    )["Listeners"][0]
    return str(listener["ListenerArn"])


def _default_actions(elbv2: Any, listener_arn: str) -> list[dict[str, Any]]:  # pylint: disable=redefined-outer-name
    return list(elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["DefaultActions"])


# --- ELBv2 ----------------------------------------------------------------------------------------


def test_elbv2_alb_default_attributes(elbv2: Any, network: dict[str, Any]) -> None:  # pylint: disable=redefined-outer-name
    """A new ALB reports its default attributes, including the ones nobody set."""
    balancer = _load_balancer(elbv2, network)
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=balancer["LoadBalancerArn"])["Attributes"]}
    expected = {
        "access_logs.s3.enabled": "false",
        "access_logs.s3.bucket": "",
        "deletion_protection.enabled": "false",
        "idle_timeout.timeout_seconds": "60",
        "routing.http2.enabled": "true",
        "routing.http.desync_mitigation_mode": "defensive",
        "routing.http.drop_invalid_header_fields.enabled": "false",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
        "routing.http.xff_client_port.enabled": "false",
        "waf.fail_open.enabled": "false",
        "load_balancing.cross_zone.enabled": "true",
    }
    assert {key: attributes.get(key) for key in expected} == expected
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=balancer["LoadBalancerArn"], Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "600"}])
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=balancer["LoadBalancerArn"])["Attributes"]}
    assert (attributes["idle_timeout.timeout_seconds"], attributes["routing.http2.enabled"]) == ("600", "true")


def test_elbv2_target_group_default_attributes(elbv2: Any, network: dict[str, Any]) -> None:  # pylint: disable=redefined-outer-name
    """An HTTP target group reports the stickiness defaults."""
    arn = _target_group(elbv2, network)
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}
    assert attributes["stickiness.enabled"] == "false"
    assert attributes["stickiness.type"] == "lb_cookie"
    assert attributes["stickiness.lb_cookie.duration_seconds"] == "86400"
    assert attributes["stickiness.app_cookie.duration_seconds"] == "86400"
    assert attributes["stickiness.app_cookie.cookie_name"] == ""


def test_elbv2_deletion_protection(elbv2: Any, network: dict[str, Any]) -> None:  # pylint: disable=redefined-outer-name
    """A protected ALB survives DeleteLoadBalancer (OperationNotPermitted) until protection is turned off."""
    arn = _load_balancer(elbv2, network)["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}])
    with pytest.raises(ClientError) as error:
        elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert _error_code(error) == "OperationNotPermitted"
    assert elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["LoadBalancerArn"] == arn

    elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    with pytest.raises(ClientError) as error:
        elbv2.describe_load_balancers(LoadBalancerArns=[arn])
    assert _error_code(error) == "LoadBalancerNotFound"


def test_elbv2_alb_dns_name(elbv2: Any, network: dict[str, Any]) -> None:  # pylint: disable=redefined-outer-name
    """ALBs carry the us-east-1 ELB hosted zone and a DNS name of their own, also when re-created."""
    name = _unique("alb")
    first = _load_balancer(elbv2, network, Name=name)
    assert first["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert re.fullmatch(rf"{name}-\d{{10}}\.us-east-1\.elb\.amazonaws\.com", first["DNSName"]), first["DNSName"]
    elbv2.delete_load_balancer(LoadBalancerArn=first["LoadBalancerArn"])
    second = _load_balancer(elbv2, network, Name=name)
    assert second["DNSName"] != first["DNSName"]
    internal = _load_balancer(elbv2, network, Scheme="internal")
    assert internal["DNSName"].startswith(f"internal-{internal['LoadBalancerName']}-")


def test_elbv2_forward_config(elbv2: Any, network: dict[str, Any], certificate_arn: str) -> None:  # pylint: disable=redefined-outer-name
    """A forward action given by TargetGroupArn comes back with the equivalent ForwardConfig."""
    target_group = _target_group(elbv2, network)
    balancer = _load_balancer(elbv2, network)["LoadBalancerArn"]
    listener = _https_listener(elbv2, balancer, certificate_arn, [{"Type": "forward", "TargetGroupArn": target_group}])
    (action,) = _default_actions(elbv2, listener)
    assert action["TargetGroupArn"] == target_group
    assert action["ForwardConfig"] == {
        "TargetGroups": [{"TargetGroupArn": target_group, "Weight": 1}],
        "TargetGroupStickinessConfig": {"Enabled": False},
    }


OIDC = {
    "Issuer": "https://idp.example.com",
    "AuthorizationEndpoint": "https://idp.example.com/authorize",
    "TokenEndpoint": "https://idp.example.com/token",
    "UserInfoEndpoint": "https://idp.example.com/userinfo",
    "ClientId": "cvat",
}
COGNITO = {
    "UserPoolArn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example1",
    "UserPoolClientId": "1example23456789",
    "UserPoolDomain": "cvat-auth",
}
AUTHENTICATE_DEFAULTS = {
    "SessionCookieName": "AWSELBAuthSessionCookie",
    "Scope": "openid",
    "SessionTimeout": 604800,
    "OnUnauthenticatedRequest": "authenticate",
}


def test_elbv2_authenticate_action_defaults(elbv2: Any, network: dict[str, Any], certificate_arn: str) -> None:  # pylint: disable=redefined-outer-name
    """Authenticate actions report the defaults of the settings they were created without, and keep those given."""
    target_group = _target_group(elbv2, network)
    forward = {"Type": "forward", "TargetGroupArn": target_group, "Order": 2}
    balancer = _load_balancer(elbv2, network)["LoadBalancerArn"]
    listener = _https_listener(elbv2, balancer, certificate_arn, [{"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": COGNITO}, forward])
    cognito = _default_actions(elbv2, listener)[0]["AuthenticateCognitoConfig"]
    assert cognito == {**COGNITO, **AUTHENTICATE_DEFAULTS}

    oidc = {**OIDC, "ClientSecret": "s3cret", "Scope": "openid email", "SessionTimeout": 3600}
    elbv2.modify_listener(ListenerArn=listener, DefaultActions=[{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": oidc}, forward])
    described = _default_actions(elbv2, listener)[0]["AuthenticateOidcConfig"]
    assert {key: described.get(key) for key in AUTHENTICATE_DEFAULTS} == {**AUTHENTICATE_DEFAULTS, "Scope": "openid email", "SessionTimeout": 3600}


def test_elbv2_oidc_client_secret(elbv2: Any, network: dict[str, Any], certificate_arn: str) -> None:  # pylint: disable=redefined-outer-name
    """The client secret is required on create, never reported, and kept by UseExistingClientSecret; not both at once."""
    target_group = _target_group(elbv2, network)
    forward = {"Type": "forward", "TargetGroupArn": target_group, "Order": 2}
    balancer = _load_balancer(elbv2, network)["LoadBalancerArn"]

    def actions(**config: Any) -> list[dict[str, Any]]:
        return [{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {**OIDC, **config}}, forward]

    for config in ({"UseExistingClientSecret": True}, {"ClientSecret": "s3cret", "UseExistingClientSecret": True}, {}):
        with pytest.raises(ClientError) as error:
            _https_listener(elbv2, balancer, certificate_arn, actions(**config))
        assert _error_code(error) == "InvalidLoadBalancerAction", config

    listener = _https_listener(elbv2, balancer, certificate_arn, actions(ClientSecret="s3cret"))
    for described in (_default_actions(elbv2, listener), elbv2.describe_rules(ListenerArn=listener)["Rules"][0]["Actions"]):
        config = described[0]["AuthenticateOidcConfig"]
        assert "ClientSecret" not in config and "UseExistingClientSecret" not in config
        assert config["ClientId"] == "cvat"

    # Modify: keep the stored secret, or give a new one; never both, never neither.
    modified = elbv2.modify_listener(ListenerArn=listener, DefaultActions=actions(ClientId="cvat-2", UseExistingClientSecret=True))
    assert "UseExistingClientSecret" not in modified["Listeners"][0]["DefaultActions"][0]["AuthenticateOidcConfig"]
    assert _default_actions(elbv2, listener)[0]["AuthenticateOidcConfig"]["ClientId"] == "cvat-2"
    elbv2.modify_listener(ListenerArn=listener, DefaultActions=actions(UseExistingClientSecret=True))
    elbv2.modify_listener(ListenerArn=listener, DefaultActions=actions(ClientSecret="rotated"))
    for config in ({"ClientSecret": "s3cret", "UseExistingClientSecret": True}, {}):
        with pytest.raises(ClientError) as error:
            elbv2.modify_listener(ListenerArn=listener, DefaultActions=actions(**config))
        assert _error_code(error) == "InvalidLoadBalancerAction", config

    # Listener rules follow the same rules.
    conditions = [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/admin/*"]}}]
    with pytest.raises(ClientError) as error:
        elbv2.create_rule(ListenerArn=listener, Priority=10, Conditions=conditions, Actions=actions(UseExistingClientSecret=True))
    assert _error_code(error) == "InvalidLoadBalancerAction"
    rule = elbv2.create_rule(ListenerArn=listener, Priority=10, Conditions=conditions, Actions=actions(ClientSecret="s3cret"))["Rules"][0]
    assert "ClientSecret" not in rule["Actions"][0]["AuthenticateOidcConfig"]
    elbv2.modify_rule(RuleArn=rule["RuleArn"], Actions=actions(UseExistingClientSecret=True))
    described_rule = elbv2.describe_rules(RuleArns=[rule["RuleArn"]])["Rules"][0]
    assert "UseExistingClientSecret" not in described_rule["Actions"][0]["AuthenticateOidcConfig"]


# --- EC2 launch templates -------------------------------------------------------------------------


def _version_data(ec2: Any, template_id: str, version: str) -> dict[str, Any]:  # pylint: disable=redefined-outer-name
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=[version])["LaunchTemplateVersions"]
    return dict(versions[0]["LaunchTemplateData"])


def test_ec2_launch_template_own_tags(ec2: Any) -> None:  # pylint: disable=redefined-outer-name
    """The template's own tags stay on the template; the version data keeps only the caller's tag specifications."""
    instance_tags = {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "app"}]}
    template = ec2.create_launch_template(
        LaunchTemplateName=_unique("lt"),
        LaunchTemplateData={"ImageId": BASE_AMI, "InstanceType": "t3.large", "TagSpecifications": [instance_tags]},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Project", "Value": "cvat"}]}],
    )["LaunchTemplate"]
    assert template["Tags"] == [{"Key": "Project", "Value": "cvat"}]
    assert _version_data(ec2, template["LaunchTemplateId"], "1")["TagSpecifications"] == [instance_tags]

    bare = ec2.create_launch_template(
        LaunchTemplateName=_unique("lt"),
        LaunchTemplateData={"ImageId": BASE_AMI},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Project", "Value": "cvat"}]}],
    )["LaunchTemplate"]
    assert "TagSpecifications" not in _version_data(ec2, bare["LaunchTemplateId"], "1")


def test_ec2_launch_template_source_version(ec2: Any) -> None:  # pylint: disable=redefined-outer-name
    """A version based on SourceVersion inherits what it does not override; one without SourceVersion does not."""
    template_id = ec2.create_launch_template(
        LaunchTemplateName=_unique("lt"),
        LaunchTemplateData={"ImageId": BASE_AMI, "InstanceType": "t3.large", "Monitoring": {"Enabled": True}, "EbsOptimized": True},
    )["LaunchTemplate"]["LaunchTemplateId"]

    ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.xlarge"})
    assert _version_data(ec2, template_id, "2") == {"ImageId": BASE_AMI, "InstanceType": "t3.xlarge", "Monitoring": {"Enabled": True}, "EbsOptimized": True}

    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={"ImageId": BASE_AMI, "InstanceType": "t3.small"})
    assert _version_data(ec2, template_id, "3") == {"ImageId": BASE_AMI, "InstanceType": "t3.small"}


# --- EC2 images -----------------------------------------------------------------------------------


@pytest.fixture
def encrypted_instance(ec2: Any, aws_client: ClientFactory) -> dict[str, str]:  # pylint: disable=redefined-outer-name
    """A running instance whose root volume is an encrypted 40 GiB gp3 volume."""
    key_arn = aws_client("kms").create_key()["KeyMetadata"]["Arn"]
    instance = ec2.run_instances(
        ImageId=BASE_AMI,
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.large",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 40, "VolumeType": "gp3", "Encrypted": True, "KmsKeyId": key_arn, "DeleteOnTermination": True}}
        ],
    )["Instances"][0]
    return {"instance_id": instance["InstanceId"], "key_arn": key_arn}


def test_ec2_create_image_block_devices(ec2: Any, encrypted_instance: dict[str, str]) -> None:  # pylint: disable=redefined-outer-name
    """The image maps the instance's encrypted gp3 root volume through an encrypted snapshot."""
    image_id = ec2.create_image(InstanceId=encrypted_instance["instance_id"], Name=_unique("bake"))["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["RootDeviceType"] == "ebs" and image["RootDeviceName"] == "/dev/sda1"
    (mapping,) = image["BlockDeviceMappings"]
    ebs = mapping["Ebs"]
    assert (mapping["DeviceName"], ebs["VolumeSize"], ebs["VolumeType"], ebs["Encrypted"], ebs["DeleteOnTermination"]) == ("/dev/sda1", 40, "gp3", True, True)
    snapshot = ec2.describe_snapshots(SnapshotIds=[ebs["SnapshotId"]])["Snapshots"][0]
    assert (snapshot["Encrypted"], snapshot["KmsKeyId"], snapshot["VolumeSize"]) == (True, encrypted_instance["key_arn"], 40)

    # The snapshot belongs to the image: it can be deleted only after the image is deregistered.
    with pytest.raises(ClientError) as error:
        ec2.delete_snapshot(SnapshotId=ebs["SnapshotId"])
    assert _error_code(error) == "InvalidSnapshot.InUse"
    ec2.deregister_image(ImageId=image_id)
    ec2.delete_snapshot(SnapshotId=ebs["SnapshotId"])


def test_ec2_create_image_snapshot_tags(ec2: Any, encrypted_instance: dict[str, str]) -> None:  # pylint: disable=redefined-outer-name
    """CreateImage tags the image and its snapshots from their own tag specifications."""
    image_tags = [{"Key": "Name", "Value": "cvat-app"}, {"Key": "Project", "Value": "cvat"}]
    snapshot_tags = [{"Key": "Project", "Value": "cvat"}, {"Key": "Backup", "Value": "no"}]
    image_id = ec2.create_image(
        InstanceId=encrypted_instance["instance_id"],
        Name=_unique("bake"),
        TagSpecifications=[{"ResourceType": "image", "Tags": image_tags}, {"ResourceType": "snapshot", "Tags": snapshot_tags}],
    )["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert sorted(image["Tags"], key=str) == sorted(image_tags, key=str)
    snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
    assert snapshot_ids
    for snapshot in ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]:
        assert sorted(snapshot["Tags"], key=str) == sorted(snapshot_tags, key=str)
    found = ec2.describe_images(Owners=["self"], Filters=[{"Name": "tag:Name", "Values": ["cvat-app"]}, {"Name": "tag:Project", "Values": ["cvat"]}])["Images"]
    assert image_id in [i["ImageId"] for i in found]


def test_ec2_create_image_duplicate_name(ec2: Any, encrypted_instance: dict[str, str]) -> None:  # pylint: disable=redefined-outer-name
    """A second image with the same name is InvalidAMIName.Duplicate until the first is deregistered."""
    name = _unique("bake")
    image_id = ec2.create_image(InstanceId=encrypted_instance["instance_id"], Name=name)["ImageId"]
    with pytest.raises(ClientError) as error:
        ec2.create_image(InstanceId=encrypted_instance["instance_id"], Name=name)
    assert _error_code(error) == "InvalidAMIName.Duplicate"
    assert image_id in error.value.response["Error"]["Message"]
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [name]}])["Images"]] == [image_id]
    ec2.deregister_image(ImageId=image_id)
    assert ec2.create_image(InstanceId=encrypted_instance["instance_id"], Name=name)["ImageId"] != image_id


def test_ec2_canonical_ubuntu_jammy_images(ec2: Any) -> None:  # pylint: disable=redefined-outer-name
    """Canonical's public Ubuntu 22.04 images are found by owner, name pattern, architecture and state."""
    images = ec2.describe_images(
        Owners=["099720109477"],
        Filters=[
            {"Name": "name", "Values": ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]},
            {"Name": "architecture", "Values": ["x86_64"]},
            {"Name": "state", "Values": ["available"]},
        ],
    )["Images"]
    assert len(images) >= 2
    assert {(i["OwnerId"], i["Public"], i["Architecture"], i["RootDeviceType"]) for i in images} == {("099720109477", True, "x86_64", "ebs")}
    newest = max(images, key=lambda image: image["CreationDate"])
    assert newest["Name"] == "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250516"
    arm_name = {"Name": "name", "Values": ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*"]}
    arm = ec2.describe_images(Owners=["099720109477"], Filters=[arm_name])["Images"]
    assert [i["Architecture"] for i in arm] == ["arm64"] and arm[0]["CreationDate"] > newest["CreationDate"]
    # An instance can be launched from it (the AMI bake's builder).
    reservation = ec2.run_instances(ImageId=newest["ImageId"], InstanceType="t3.micro", MinCount=1, MaxCount=1)
    assert reservation["Instances"][0]["ImageId"] == newest["ImageId"]
    ec2.terminate_instances(InstanceIds=[reservation["Instances"][0]["InstanceId"]])


def test_elbv2_rule_condition_values(elbv2: Any, network: dict[str, Any], certificate_arn: str) -> None:  # pylint: disable=redefined-outer-name
    """Rule conditions come back with both Values and PathPatternConfig/HostHeaderConfig, whichever form created them."""
    target_group = _target_group(elbv2, network)
    forward = [{"Type": "forward", "TargetGroupArn": target_group}]
    balancer = _load_balancer(elbv2, network)["LoadBalancerArn"]
    listener = _https_listener(elbv2, balancer, certificate_arn, forward)
    by_config = elbv2.create_rule(
        ListenerArn=listener, Priority=10, Actions=forward, Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*", "/git/*"]}}]
    )["Rules"][0]["RuleArn"]
    by_values = elbv2.create_rule(ListenerArn=listener, Priority=20, Actions=forward, Conditions=[{"Field": "host-header", "Values": ["cvat.example.com"]}])[
        "Rules"
    ][0]["RuleArn"]
    rules = {rule["RuleArn"]: rule for rule in elbv2.describe_rules(ListenerArn=listener)["Rules"]}
    assert rules[by_config]["Conditions"] == [{"Field": "path-pattern", "Values": ["/api/*", "/git/*"], "PathPatternConfig": {"Values": ["/api/*", "/git/*"]}}]
    assert rules[by_values]["Conditions"] == [{"Field": "host-header", "Values": ["cvat.example.com"], "HostHeaderConfig": {"Values": ["cvat.example.com"]}}]

    elbv2.modify_rule(RuleArn=by_config, Conditions=[{"Field": "path-pattern", "Values": ["/static/*"]}])
    (condition,) = elbv2.describe_rules(RuleArns=[by_config])["Rules"][0]["Conditions"]
    assert (condition["Values"], condition["PathPatternConfig"]["Values"]) == (["/static/*"], ["/static/*"])
