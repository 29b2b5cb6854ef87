# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per Auto Scaling and ACM compatibility patch (tests/awsemu/patches_compute.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_compute.py``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsemu.patches_compute import ACM_RECORD_DELAY
from testcerts import make_certificate

ClientFactory = Callable[..., Any]


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


# --- Auto Scaling ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def network(aws_emulator: Any) -> dict[str, Any]:
    """A VPC with a subnet in each of two AZs and a launch template (version 1) for the groups of the tests."""
    ec2 = aws_emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.90.{index}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for index, zone in enumerate(["us-east-1a", "us-east-1b"])
    ]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName=_unique("lt"), LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"})
    return {"vpc": vpc, "subnets": subnets, "image": image, "template": template["LaunchTemplate"]}


@pytest.fixture
def autoscaling(aws_client: ClientFactory) -> Any:
    return aws_client("autoscaling")


def _group(autoscaling: Any, network: dict[str, Any], size: int = 0, **kwargs: Any) -> str:
    name = _unique("asg")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": network["template"]["LaunchTemplateId"], "Version": "1"},
        MinSize=size,
        MaxSize=max(size, 4),
        DesiredCapacity=size,
        VPCZoneIdentifier=",".join(network["subnets"]),
        **kwargs,
    )
    return name


def _describe(autoscaling: Any, name: str) -> dict[str, Any]:
    return dict(autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0])


def _metrics(autoscaling: Any, name: str) -> list[str]:
    return sorted(m["Metric"] for m in _describe(autoscaling, name).get("EnabledMetrics", []))


def test_autoscaling_metrics_collection(autoscaling: Any, network: dict[str, Any]) -> None:
    """EnableMetricsCollection adds metrics, DisableMetricsCollection removes them (all without a list)."""
    name = _group(autoscaling, network)
    autoscaling.enable_metrics_collection(AutoScalingGroupName=name, Granularity="1Minute", Metrics=["GroupMinSize"])
    autoscaling.enable_metrics_collection(AutoScalingGroupName=name, Granularity="1Minute", Metrics=["GroupMaxSize"])
    assert _metrics(autoscaling, name) == ["GroupMaxSize", "GroupMinSize"]
    assert {m["Granularity"] for m in _describe(autoscaling, name)["EnabledMetrics"]} == {"1Minute"}

    autoscaling.disable_metrics_collection(AutoScalingGroupName=name, Metrics=["GroupMinSize"])
    assert _metrics(autoscaling, name) == ["GroupMaxSize"]
    autoscaling.enable_metrics_collection(AutoScalingGroupName=name, Granularity="1Minute")
    assert "GroupInServiceInstances" in _metrics(autoscaling, name) and "GroupTotalCapacity" in _metrics(autoscaling, name)
    autoscaling.disable_metrics_collection(AutoScalingGroupName=name)
    assert _metrics(autoscaling, name) == []

    with pytest.raises(ClientError) as error:
        autoscaling.enable_metrics_collection(AutoScalingGroupName=name, Granularity="5Minute")
    assert _error_code(error) == "ValidationError"
    with pytest.raises(ClientError) as error:
        autoscaling.disable_metrics_collection(AutoScalingGroupName=_unique("no-such-group"))
    assert _error_code(error) == "ValidationError"


def test_autoscaling_update_group_settings(autoscaling: Any, network: dict[str, Any]) -> None:
    """UpdateAutoScalingGroup changes the cooldown, termination policies, capacity rebalancing and instance lifetime."""
    name = _group(autoscaling, network, MaxInstanceLifetime=604800)
    group = _describe(autoscaling, name)
    assert (group["DefaultCooldown"], group["TerminationPolicies"], group["CapacityRebalance"]) == (300, ["Default"], False)
    assert group["MaxInstanceLifetime"] == 604800

    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name,
        DefaultCooldown=600,
        TerminationPolicies=["OldestLaunchTemplate", "Default"],
        CapacityRebalance=True,
        MaxInstanceLifetime=86400,
    )
    group = _describe(autoscaling, name)
    assert (group["DefaultCooldown"], group["TerminationPolicies"], group["CapacityRebalance"]) == (600, ["OldestLaunchTemplate", "Default"], True)
    assert group["MaxInstanceLifetime"] == 86400

    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, MaxSize=3, MaxInstanceLifetime=0)
    group = _describe(autoscaling, name)
    assert "MaxInstanceLifetime" not in group and group["DefaultCooldown"] == 600 and group["CapacityRebalance"] is True, "unset parameters stay"
    with pytest.raises(ClientError) as error:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, MaxInstanceLifetime=3600)
    assert _error_code(error) == "ValidationError"
    with pytest.raises(ClientError) as error:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=_unique("no-such-group"), DefaultCooldown=60)
    assert _error_code(error) == "ValidationError"


def test_autoscaling_instance_maintenance_settings(autoscaling: Any, network: dict[str, Any]) -> None:
    """DefaultInstanceWarmup and InstanceMaintenancePolicy are kept, reported, checked and cleared with -1."""
    name = _group(autoscaling, network, DefaultInstanceWarmup=120)
    group = _describe(autoscaling, name)
    assert group["DefaultInstanceWarmup"] == 120 and "InstanceMaintenancePolicy" not in group

    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, InstanceMaintenancePolicy={"MinHealthyPercentage": 90, "MaxHealthyPercentage": 120})
    group = _describe(autoscaling, name)
    assert group["InstanceMaintenancePolicy"] == {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 120}
    assert group["DefaultInstanceWarmup"] == 120

    for policy in (
        {"MinHealthyPercentage": 101, "MaxHealthyPercentage": 150},
        {"MinHealthyPercentage": 50, "MaxHealthyPercentage": 99},
        {"MinHealthyPercentage": 50, "MaxHealthyPercentage": 200},
        {"MinHealthyPercentage": 90},
    ):
        with pytest.raises(ClientError) as error:
            autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, InstanceMaintenancePolicy=policy)
        assert _error_code(error) == "ValidationError", policy
    assert _describe(autoscaling, name)["InstanceMaintenancePolicy"] == {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 120}

    cleared = {"MinHealthyPercentage": -1, "MaxHealthyPercentage": -1}
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, DefaultInstanceWarmup=-1, InstanceMaintenancePolicy=cleared)
    group = _describe(autoscaling, name)
    assert "DefaultInstanceWarmup" not in group and "InstanceMaintenancePolicy" not in group


def test_autoscaling_instance_refresh(autoscaling: Any, network: dict[str, Any], aws_client: ClientFactory) -> None:
    """Start, describe and cancel instance refreshes; SkipMatching with nothing to replace succeeds at once."""
    name = _group(autoscaling, network, size=2)

    matching = autoscaling.start_instance_refresh(AutoScalingGroupName=name, Preferences={"SkipMatching": True, "InstanceWarmup": 300})["InstanceRefreshId"]
    (refresh,) = autoscaling.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"]
    assert (refresh["InstanceRefreshId"], refresh["Status"], refresh["PercentageComplete"], refresh["InstancesToUpdate"]) == (matching, "Successful", 100, 0)
    assert refresh["Preferences"]["MinHealthyPercentage"] == 90 and refresh["Preferences"]["InstanceWarmup"] == 300 and refresh["Strategy"] == "Rolling"

    # A new launch template version: the group's instances no longer match.
    ec2 = aws_client("ec2")
    template_id = network["template"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"})
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateId": template_id, "Version": "2"})
    started = autoscaling.start_instance_refresh(AutoScalingGroupName=name, Preferences={"MinHealthyPercentage": 50, "SkipMatching": True})["InstanceRefreshId"]
    with pytest.raises(ClientError) as error:
        autoscaling.start_instance_refresh(AutoScalingGroupName=name)
    assert _error_code(error) == "InstanceRefreshInProgress"

    refreshes = autoscaling.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"]
    assert [r["InstanceRefreshId"] for r in refreshes] == [started, matching], "newest first"
    assert (refreshes[0]["Status"], refreshes[0]["InstancesToUpdate"]) == ("InProgress", 2)
    assert autoscaling.describe_instance_refreshes(AutoScalingGroupName=name, InstanceRefreshIds=[matching])["InstanceRefreshes"][0]["Status"] == "Successful"
    assert len(autoscaling.describe_instance_refreshes(AutoScalingGroupName=name, MaxRecords=1)["InstanceRefreshes"]) == 1

    assert autoscaling.cancel_instance_refresh(AutoScalingGroupName=name)["InstanceRefreshId"] == started
    assert autoscaling.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"][0]["Status"] == "Cancelled"
    with pytest.raises(ClientError) as error:
        autoscaling.cancel_instance_refresh(AutoScalingGroupName=name)
    assert _error_code(error) == "ActiveInstanceRefreshNotFound"


def test_autoscaling_instance_launch_template_version(autoscaling: Any, network: dict[str, Any], aws_client: ClientFactory) -> None:
    """Instances keep reporting the version they were launched with after the group moves to another one."""
    ec2 = aws_client("ec2")
    template = ec2.create_launch_template(LaunchTemplateName=_unique("lt"), LaunchTemplateData={"ImageId": network["image"], "InstanceType": "t3.micro"})
    template_id = template["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"})
    name = _unique("asg")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "2"},
        MinSize=1,
        MaxSize=2,
        DesiredCapacity=1,
        VPCZoneIdentifier=network["subnets"][0],
    )
    (first,) = _describe(autoscaling, name)["Instances"]
    assert first["LaunchTemplate"]["Version"] == "2", "the default version is 1, the instance was launched from 2"

    ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="2", LaunchTemplateData={"InstanceType": "t3.medium"})
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Latest"}, DesiredCapacity=2)
    group = _describe(autoscaling, name)
    assert group["LaunchTemplate"]["Version"] == "$Latest"
    assert {i["InstanceId"]: i["LaunchTemplate"]["Version"] for i in group["Instances"]} == {
        first["InstanceId"]: "2",
        next(i["InstanceId"] for i in group["Instances"] if i["InstanceId"] != first["InstanceId"]): "3",
    }
    (described,) = autoscaling.describe_auto_scaling_instances(InstanceIds=[first["InstanceId"]])["AutoScalingInstances"]
    assert described["LaunchTemplate"]["Version"] == "2"


def test_autoscaling_instances_across_subnets(autoscaling: Any, network: dict[str, Any], aws_client: ClientFactory) -> None:
    """Four instances in a group of two subnets: two in each subnet, in that subnet's AZ."""
    name = _group(autoscaling, network, size=4)
    instances = _describe(autoscaling, name)["Instances"]
    described = aws_client("ec2").describe_instances(InstanceIds=[i["InstanceId"] for i in instances])
    placed = sorted((i["SubnetId"], i["Placement"]["AvailabilityZone"]) for r in described["Reservations"] for i in r["Instances"])
    first, second = network["subnets"]
    assert placed == sorted([(first, "us-east-1a")] * 2 + [(second, "us-east-1b")] * 2)
    assert sorted(i["AvailabilityZone"] for i in instances) == ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"]


# --- ACM ------------------------------------------------------------------------------------------


@pytest.fixture
def acm(aws_client: ClientFactory) -> Any:
    return aws_client("acm")


def _import(acm: Any, **kwargs: Any) -> str:
    made = make_certificate(f"{uuid.uuid4().hex[:8]}.example.com")
    return str(acm.import_certificate(Certificate=made.pem, PrivateKey=made.key_pem, **kwargs)["CertificateArn"])


def test_acm_imported_certificate_chain(acm: Any) -> None:
    """The chain read back is the imported chain, or the certificate itself when imported without one."""
    self_signed = make_certificate("selfsigned.example.com")
    arn = acm.import_certificate(Certificate=self_signed.pem, PrivateKey=self_signed.key_pem)["CertificateArn"]
    answer = acm.get_certificate(CertificateArn=arn)
    assert answer["Certificate"].strip() == self_signed.pem.decode().strip()
    assert answer["CertificateChain"].strip() == self_signed.pem.decode().strip()

    authority = make_certificate("Example CA", ca=True)
    leaf = make_certificate("app.example.com", issuer=authority)
    arn = acm.import_certificate(Certificate=leaf.pem, PrivateKey=leaf.key_pem, CertificateChain=authority.pem)["CertificateArn"]
    answer = acm.get_certificate(CertificateArn=arn)
    assert answer["Certificate"].strip() == leaf.pem.decode().strip()
    assert answer["CertificateChain"].strip() == authority.pem.decode().strip()


def test_acm_reimport_keeps_tags(acm: Any) -> None:
    """A re-import into the same ARN keeps the tags; tags with a re-import are refused."""
    arn = _import(acm, Tags=[{"Key": "Name", "Value": "cvat"}, {"Key": "Owner", "Value": "ops"}])
    renewed = make_certificate("renewed.example.com")
    assert acm.import_certificate(CertificateArn=arn, Certificate=renewed.pem, PrivateKey=renewed.key_pem)["CertificateArn"] == arn
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainName"] == "renewed.example.com"
    assert sorted((t["Key"], t["Value"]) for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]) == [("Name", "cvat"), ("Owner", "ops")]
    with pytest.raises(ClientError) as error:
        acm.import_certificate(CertificateArn=arn, Certificate=renewed.pem, PrivateKey=renewed.key_pem, Tags=[{"Key": "Name", "Value": "other"}])
    assert _error_code(error) == "ValidationException"


def _request(acm: Any, domain: str, **kwargs: Any) -> str:
    return str(acm.request_certificate(DomainName=domain, IdempotencyToken=uuid.uuid4().hex, **kwargs)["CertificateArn"])


def _wait_for_records(acm: Any, arn: str) -> dict[str, Any]:
    time.sleep(ACM_RECORD_DELAY + 0.2)
    return dict(acm.describe_certificate(CertificateArn=arn)["Certificate"])


def test_acm_request_certificate_options(acm: Any) -> None:
    """EMAIL validation lists validation mailboxes; the key algorithm is kept; listing shows RSA keys by default."""
    domain = f"{_unique('mail')}.example.com"
    names = [domain] + [f"{prefix}.{domain}" for prefix in ("www", "a", "z", "b")]
    arn = _request(acm, domain, ValidationMethod="EMAIL", SubjectAlternativeNames=names[1:])
    detail = _wait_for_records(acm, arn)
    assert detail["SubjectAlternativeNames"] == names and [o["DomainName"] for o in detail["DomainValidationOptions"]] == names
    options = {o["DomainName"]: o for o in detail["DomainValidationOptions"]}
    assert options[domain]["ValidationMethod"] == "EMAIL" and "ResourceRecord" not in options[domain]
    assert f"admin@{domain}" in options[domain]["ValidationEmails"] and f"hostmaster@www.{domain}" in options[f"www.{domain}"]["ValidationEmails"]
    assert detail["KeyAlgorithm"] == "RSA_2048"

    ec_arn = _request(acm, f"{_unique('ec')}.example.com", KeyAlgorithm="EC_prime256v1")
    assert acm.describe_certificate(CertificateArn=ec_arn)["Certificate"]["KeyAlgorithm"] == "EC_prime256v1"
    listed = {c["CertificateArn"]: c for c in acm.list_certificates()["CertificateSummaryList"]}
    assert arn in listed and ec_arn not in listed, "without Includes.keyTypes only RSA_1024/RSA_2048 certificates are listed"
    everything = acm.list_certificates(Includes={"keyTypes": ["RSA_2048", "EC_prime256v1"]})["CertificateSummaryList"]
    assert {c["CertificateArn"]: c["KeyAlgorithm"] for c in everything if c["CertificateArn"] in (arn, ec_arn)} == {arn: "RSA_2048", ec_arn: "EC_prime256v1"}
    with pytest.raises(ClientError) as error:
        _request(acm, "x.example.com", KeyAlgorithm="RSA_512")
    assert _error_code(error) == "ValidationException"


def test_acm_validation_record_delay(acm: Any) -> None:
    """Right after the request the validation options have no record; a moment later they have one."""
    domain = f"{_unique('late')}.example.com"
    arn = _request(acm, domain)
    (option,) = acm.describe_certificate(CertificateArn=arn)["Certificate"]["DomainValidationOptions"]
    assert option["DomainName"] == domain and option["ValidationStatus"] == "PENDING_VALIDATION" and "ResourceRecord" not in option
    (option,) = _wait_for_records(acm, arn)["DomainValidationOptions"]
    assert option["ResourceRecord"]["Type"] == "CNAME" and option["ResourceRecord"]["Name"].endswith(f".{domain}.")


def _publish(route53: Any, zone_id: str, record: dict[str, str]) -> None:
    change = {"Name": record["Name"], "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": record["Value"]}]}
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": change}]})


def test_acm_dns_validation(acm: Any, aws_client: ClientFactory) -> None:
    """The certificate stays pending until every domain's CNAME is in a public hosted zone, then it is issued."""
    route53 = aws_client("route53")
    zone_name = f"{_unique('zone')}.example.com"
    public = route53.create_hosted_zone(Name=zone_name, CallerReference=_unique("ref"))["HostedZone"]["Id"]
    private = route53.create_hosted_zone(
        Name=zone_name, CallerReference=_unique("ref"), HostedZoneConfig={"PrivateZone": True}, VPC={"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"}
    )["HostedZone"]["Id"]
    arn = _request(acm, zone_name, SubjectAlternativeNames=[zone_name, f"cvat.{zone_name}"])
    options = {o["DomainName"]: o for o in _wait_for_records(acm, arn)["DomainValidationOptions"]}

    def state() -> tuple[str, dict[str, str]]:
        detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        return detail["Status"], {o["DomainName"]: o["ValidationStatus"] for o in detail["DomainValidationOptions"]}

    assert state() == ("PENDING_VALIDATION", {zone_name: "PENDING_VALIDATION", f"cvat.{zone_name}": "PENDING_VALIDATION"})
    _publish(route53, private, options[zone_name]["ResourceRecord"])
    _publish(route53, private, options[f"cvat.{zone_name}"]["ResourceRecord"])
    assert state()[0] == "PENDING_VALIDATION", "ACM validates through public DNS only"

    _publish(route53, public, options[zone_name]["ResourceRecord"])
    assert state() == ("PENDING_VALIDATION", {zone_name: "SUCCESS", f"cvat.{zone_name}": "PENDING_VALIDATION"})
    _publish(route53, public, options[f"cvat.{zone_name}"]["ResourceRecord"])
    assert state() == ("ISSUED", {zone_name: "SUCCESS", f"cvat.{zone_name}": "SUCCESS"})
    assert any(c["CertificateArn"] == arn for c in acm.list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"])


def test_acm_certificate_in_use(acm: Any, aws_client: ClientFactory, network: dict[str, Any]) -> None:
    """A certificate on an HTTPS listener names the load balancer in InUseBy and can not be deleted until it is free."""
    elbv2 = aws_client("elbv2")
    default_arn, extra_arn = _import(acm), _import(acm)
    balancer = elbv2.create_load_balancer(Name=_unique("alb"), Subnets=network["subnets"], Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = elbv2.create_target_group(Name=_unique("tg"), Protocol="HTTP", Port=80, VpcId=network["vpc"])["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": default_arn}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )["Listeners"][0]["ListenerArn"]
    elbv2.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra_arn}])

    for arn in (default_arn, extra_arn):
        assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["InUseBy"] == [balancer]
        with pytest.raises(ClientError) as error:
            acm.delete_certificate(CertificateArn=arn)
        assert _error_code(error) == "ResourceInUseException"
    summaries = acm.list_certificates()["CertificateSummaryList"]
    assert {c["CertificateArn"]: c["InUse"] for c in summaries if c["CertificateArn"] == default_arn} == {default_arn: True}

    elbv2.remove_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": extra_arn}])
    assert acm.describe_certificate(CertificateArn=extra_arn)["Certificate"]["InUseBy"] == []
    acm.delete_certificate(CertificateArn=extra_arn)
    elbv2.delete_listener(ListenerArn=listener)
    acm.delete_certificate(CertificateArn=default_arn)
    with pytest.raises(ClientError) as error:
        acm.describe_certificate(CertificateArn=default_arn)
    assert _error_code(error) == "ResourceNotFoundException"
