# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load balancer and Auto Scaling group of the local stack, read back from the emulator after converging twice."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

STACK = "cvat-local"
ACCOUNT = "123456789012"
REGION = "us-east-1"
ALB = f"{STACK}-alb"
APP = f"{STACK}-app"
LOG_BUCKET = f"{STACK}-alb-logs-{ACCOUNT}-{REGION}"
US_EAST_1_ELB_ACCOUNT = "127311923021"


def _subnet_ids(client: Any, tier: str) -> set[str]:
    found = client("ec2").describe_subnets(Filters=[{"Name": "tag:Tier", "Values": [tier]}, {"Name": "tag:Stack", "Values": [STACK]}])
    return {s["SubnetId"] for s in found["Subnets"]}


@pytest.fixture(scope="module")
def elbv2(converged: Any, client: Any) -> Any:
    return client("elbv2")


@pytest.fixture(scope="module")
def alb(elbv2: Any) -> dict[str, Any]:
    return elbv2.describe_load_balancers(Names=[ALB])["LoadBalancers"][0]


@pytest.fixture(scope="module")
def alb_attributes(elbv2: Any, alb: dict[str, Any]) -> dict[str, str]:
    attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=alb["LoadBalancerArn"])["Attributes"]
    return {a["Key"]: a["Value"] for a in attributes}


@pytest.fixture(scope="module")
def listeners(elbv2: Any, alb: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {listener["Port"]: listener for listener in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]}


@pytest.fixture(scope="module")
def target_group(elbv2: Any) -> dict[str, Any]:
    return elbv2.describe_target_groups(Names=[APP])["TargetGroups"][0]


@pytest.fixture(scope="module")
def group(converged: Any, client: Any) -> dict[str, Any]:
    return client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[APP])["AutoScalingGroups"][0]


@pytest.fixture(scope="module")
def launch_template(converged: Any, client: Any) -> dict[str, Any]:
    return client("ec2").describe_launch_templates(LaunchTemplateNames=[APP])["LaunchTemplates"][0]


@pytest.fixture(scope="module")
def template_data(client: Any, launch_template: dict[str, Any]) -> dict[str, Any]:
    versions = client("ec2").describe_launch_template_versions(LaunchTemplateId=launch_template["LaunchTemplateId"], Versions=["$Latest"])
    return versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]


@pytest.fixture(scope="module")
def stack_key_arn(converged: Any, client: Any) -> str:
    return client("kms").describe_key(KeyId=f"alias/{STACK}")["KeyMetadata"]["Arn"]


def test_alb_is_public_in_every_az_behind_its_group(alb: dict[str, Any], client: Any) -> None:
    assert alb["Scheme"] == "internet-facing" and alb["Type"] == "application"
    assert {zone["SubnetId"] for zone in alb["AvailabilityZones"]} == _subnet_ids(client, "public")
    assert len({zone["ZoneName"] for zone in alb["AvailabilityZones"]}) >= 2
    alb_group = client("ec2").describe_security_groups(GroupNames=[f"{STACK}-alb"])["SecurityGroups"][0]
    assert alb["SecurityGroups"] == [alb_group["GroupId"]]


def test_alb_attributes(alb_attributes: dict[str, str]) -> None:
    assert alb_attributes["idle_timeout.timeout_seconds"] == "600"
    assert alb_attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert alb_attributes["routing.http.desync_mitigation_mode"] == "defensive"
    assert alb_attributes["routing.http2.enabled"] == "true"
    # Deletion protection is for production; the local stack must stay removable.
    assert alb_attributes["deletion_protection.enabled"] == "false"
    assert alb_attributes["access_logs.s3.enabled"] == "true"
    assert alb_attributes["access_logs.s3.bucket"] == LOG_BUCKET
    assert alb_attributes["access_logs.s3.prefix"] == "alb"


def test_https_listener_uses_the_stack_certificate_and_a_modern_policy(listeners: dict[int, dict[str, Any]], target_group: dict[str, Any], client: Any) -> None:
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    acm = client("acm")
    [certificate] = https["Certificates"]
    described = acm.describe_certificate(CertificateArn=certificate["CertificateArn"])["Certificate"]
    assert described["DomainName"] == "cvat.local.test"
    assert described["Type"] == "AMAZON_ISSUED"
    assert described["Status"] == "ISSUED"
    tags = {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=certificate["CertificateArn"])["Tags"]}
    assert tags["Name"] == ALB and tags["Stack"] == STACK
    [action] = https["DefaultActions"]
    assert action["Type"] == "forward" and action["TargetGroupArn"] == target_group["TargetGroupArn"]


def test_http_answers_301_to_https(listeners: dict[int, dict[str, Any]]) -> None:
    assert set(listeners) == {80, 443}
    http = listeners[80]
    assert http["Protocol"] == "HTTP"
    [action] = http["DefaultActions"]
    assert action["Type"] == "redirect"
    redirect = action["RedirectConfig"]
    assert redirect["Protocol"] == "HTTPS" and redirect["Port"] == "443" and redirect["StatusCode"] == "HTTP_301"
    assert (redirect["Host"], redirect["Path"], redirect["Query"]) == ("#{host}", "/#{path}", "#{query}")


def test_target_group_health_check_is_shallow(target_group: dict[str, Any], elbv2: Any, converged: Any, client: Any) -> None:
    assert (target_group["Protocol"], target_group["Port"], target_group["TargetType"]) == ("HTTP", 8080, "instance")
    assert target_group["VpcId"] == client("ec2").describe_subnets(SubnetIds=sorted(_subnet_ids(client, "app")))["Subnets"][0]["VpcId"]
    assert target_group["HealthCheckPath"] == "/api/server/about"
    assert target_group["Matcher"] == {"HttpCode": "200"}
    assert target_group["HealthCheckPort"] == "traffic-port"
    assert (target_group["HealthCheckIntervalSeconds"], target_group["HealthCheckTimeoutSeconds"]) == (15, 5)
    assert (target_group["HealthyThresholdCount"], target_group["UnhealthyThresholdCount"]) == (2, 3)
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(TargetGroupArn=target_group["TargetGroupArn"])["Attributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "60"
    assert attributes["stickiness.enabled"] == "false"


def test_access_log_bucket_admits_log_delivery_only(converged: Any, client: Any) -> None:
    s3 = client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=LOG_BUCKET)["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    log_prefix = f"arn:aws:s3:::{LOG_BUCKET}/alb/AWSLogs/{ACCOUNT}/*"
    assert statements["ElbLogDeliveryAccount"]["Principal"] == {"AWS": f"arn:aws:iam::{US_EAST_1_ELB_ACCOUNT}:root"}
    assert statements["ElbLogDeliveryService"]["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    for sid in ("ElbLogDeliveryAccount", "ElbLogDeliveryService"):
        assert statements[sid]["Effect"] == "Allow"
        assert statements[sid]["Action"] == "s3:PutObject"
        assert statements[sid]["Resource"] == log_prefix
    assert statements["DenyRequestsWithoutTLS"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = s3.get_bucket_encryption(Bucket=LOG_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=LOG_BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=LOG_BUCKET)["Rules"]
    assert rule["Status"] == "Enabled" and rule["Expiration"]["Days"] == 90


def test_group_spans_the_app_subnets_with_elb_health_checks(
    group: dict[str, Any], target_group: dict[str, Any], launch_template: dict[str, Any], client: Any
) -> None:
    assert set(group["VPCZoneIdentifier"].split(",")) == _subnet_ids(client, "app")
    assert len(group["AvailabilityZones"]) >= 2
    assert (group["MinSize"], group["DesiredCapacity"], group["MaxSize"]) == (2, 2, 4)
    assert group["HealthCheckType"] == "ELB" and group["HealthCheckGracePeriod"] == 600
    assert group["TargetGroupARNs"] == [target_group["TargetGroupArn"]]
    assert group["LaunchTemplate"]["LaunchTemplateId"] == launch_template["LaunchTemplateId"]
    assert group["LaunchTemplate"]["Version"] == str(launch_template["LatestVersionNumber"])
    assert group["TerminationPolicies"] == ["OldestLaunchTemplate", "Default"]
    assert group["EnabledMetrics"], "group metrics feed the dashboard"
    tags = {t["Key"]: t for t in group["Tags"]}
    assert tags["Name"]["Value"] == APP and tags["Name"]["PropagateAtLaunch"] is True
    assert tags["Stack"]["Value"] == STACK


def test_group_settings_for_rolling_replacement(group: dict[str, Any]) -> None:
    assert group["CapacityRebalance"] is True
    assert group["DefaultInstanceWarmup"] == 300
    assert group["InstanceMaintenancePolicy"] == {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200}


def test_two_target_tracking_policies(converged: Any, client: Any) -> None:
    policies = {p["PolicyName"]: p for p in client("autoscaling").describe_policies(AutoScalingGroupName=APP)["ScalingPolicies"]}
    assert set(policies) == {f"{APP}-cpu", f"{APP}-memory"}
    assert all(p["PolicyType"] == "TargetTrackingScaling" for p in policies.values())
    cpu = policies[f"{APP}-cpu"]["TargetTrackingConfiguration"]
    assert cpu["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ASGAverageCPUUtilization"
    assert cpu["TargetValue"] == 70.0
    memory = policies[f"{APP}-memory"]["TargetTrackingConfiguration"]
    metric = memory["CustomizedMetricSpecification"]
    assert (metric["Namespace"], metric["MetricName"], metric["Statistic"]) == ("CWAgent", "mem_used_percent", "Average")
    assert metric["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": APP}]
    assert memory["TargetValue"] == 75.0


def test_converging_again_makes_no_new_launch_template_version(launch_template: dict[str, Any]) -> None:
    assert launch_template["LatestVersionNumber"] == launch_template["DefaultVersionNumber"] == 1


def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume(template_data: dict[str, Any], stack_key_arn: str, client: Any) -> None:
    metadata = template_data["MetadataOptions"]
    assert metadata["HttpTokens"] == "required"
    assert metadata["HttpEndpoint"] == "enabled"
    assert metadata["HttpPutResponseHopLimit"] == 2
    [volume] = template_data["BlockDeviceMappings"]
    assert volume["DeviceName"] == "/dev/sda1"
    ebs = volume["Ebs"]
    assert ebs["Encrypted"] is True and ebs["VolumeType"] == "gp3" and ebs["KmsKeyId"] == stack_key_arn
    assert ebs["DeleteOnTermination"] is True
    profile = client("iam").get_instance_profile(InstanceProfileName=APP)["InstanceProfile"]
    assert template_data["IamInstanceProfile"] == {"Arn": profile["Arn"]}
    app_group = client("ec2").describe_security_groups(GroupNames=[APP])["SecurityGroups"][0]
    assert template_data["SecurityGroupIds"] == [app_group["GroupId"]]
    assert template_data["ImageId"] == "ami-785db401"
    assert "KeyName" not in template_data


def _secret_values(client: Any) -> Iterator[str]:
    """Every secret of the stack, and each string inside a JSON secret."""
    secrets = client("secretsmanager")
    for entry in secrets.list_secrets()["SecretList"]:
        if not entry["Name"].startswith(f"cvat/{STACK}/"):
            continue
        value = secrets.get_secret_value(SecretId=entry["ARN"])["SecretString"]
        yield value
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        yield from (str(v) for v in parsed.values() if len(str(v)) >= 8) if isinstance(parsed, dict) else ()


def test_user_data_points_at_the_contract_and_holds_no_secret(template_data: dict[str, Any], client: Any) -> None:
    user_data = base64.b64decode(template_data["UserData"]).decode()
    assert user_data.startswith("#cloud-config\n")
    assert f"CVAT_PARAMETER_PREFIX=/cvat/{STACK}\n" in user_data
    assert f"CVAT_SECRET_PREFIX=cvat/{STACK}\n" in user_data
    assert "[systemctl, enable, --now, cvat.service]" in user_data
    values = list(_secret_values(client))
    assert len(values) >= 3, "the database, Django and S3 user secrets exist"
    leaked = [value[:4] + "..." for value in values if value in user_data]
    assert leaked == []
    for word in ("password", "secret_key", "aws_secret_access_key"):
        assert word not in user_data.lower()


def test_converge_never_deregisters_the_groups_hosts(group: dict[str, Any], target_group: dict[str, Any], elbv2: Any) -> None:
    """The hosts the group registered at the first converge are still targets after the second."""
    in_service = {i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService"}
    assert len(in_service) == 2
    targets = elbv2.describe_target_health(TargetGroupArn=target_group["TargetGroupArn"])["TargetHealthDescriptions"]
    assert {t["Target"]["Id"] for t in targets} == in_service


def test_summary_shows_the_edge_and_compute(converged: Any, alb: dict[str, Any], launch_template: dict[str, Any]) -> None:
    summary = converged.second.result("Summary of the stack")["msg"]
    assert alb["DNSName"] in summary["load_balancer"]
    assert summary["load_balancer"].endswith("(https://cvat.local.test)")
    assert summary["access_logs"] == LOG_BUCKET
    assert summary["autoscaling_group"].startswith(f"{APP} (launch template {launch_template['LaunchTemplateId']} version 1")
    assert summary["certificate"].startswith("arn:aws:acm:us-east-1:")
    for key in ("database", "redis", "efs", "buckets"):
        assert "-" != summary[key]
