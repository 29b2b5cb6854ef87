# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml against the AWS emulator: converge twice, then read the real state back with boto3."""

from __future__ import annotations

import ipaddress
import json

import pytest

from infra.playbook import run_playbook, write_calls

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

STACK = "cvat-local"
TIERS = ("public", "app", "data")


def _tagged(resources, key, value):
    return [r for r in resources if {"Key": key, "Value": value} in r.get("Tags", [])]


@pytest.fixture(scope="module")
def vpc(converged, client):
    vpcs = _tagged(client("ec2").describe_vpcs()["Vpcs"], "Stack", STACK)
    assert len(vpcs) == 1
    return vpcs[0]


@pytest.fixture(scope="module")
def subnets(vpc, client):
    found = client("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    return {tier: sorted(_tagged(found, "Tier", tier), key=lambda s: s["AvailabilityZone"]) for tier in TIERS}


@pytest.fixture(scope="module")
def route_tables(vpc, client):
    tables = client("ec2").describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]
    return {tag["Value"]: table for table in tables for tag in table.get("Tags", []) if tag["Key"] == "Name"}


@pytest.fixture(scope="module")
def groups(vpc, client):
    found = client("ec2").describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]
    return {g["GroupName"].removeprefix(f"{STACK}-"): g for g in found if g["GroupName"] != "default"}


def test_first_converge_creates_and_second_changes_nothing(converged):
    assert converged.first.stats["changed"] > 0
    assert converged.second.returncode == 0, converged.second.explain()
    assert converged.second.changed_tasks() == []
    assert converged.second.stats["changed"] == 0


def test_check_mode_on_the_converged_stack_is_clean(converged, env):
    check = run_playbook("site.yml", env, "--check", "--diff")
    assert check.returncode == 0, check.explain()
    assert check.changed_tasks() == []


def test_second_converge_only_reads(converged):
    """A no-op converge must not write: every action it calls is a read."""
    assert write_calls(converged.second_calls) == {}


def test_summary_lists_what_was_made(converged, vpc):
    summary = converged.second.result("Summary of the stack")["msg"]
    assert vpc["VpcId"] in summary["vpc"]
    assert set(summary["subnets_per_az"]) == {"us-east-1a", "us-east-1b"}
    assert all(set(tiers) == set(TIERS) for tiers in summary["subnets_per_az"].values())
    assert summary["buckets"]["raw_data"] == f"{STACK}-raw-data-123456789012-us-east-1"


def test_vpc(vpc, client):
    assert vpc["CidrBlock"] == "10.40.0.0/16"
    ec2 = client("ec2")
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        key = attribute[0].upper() + attribute[1:]
        assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key]["Value"] is True


def test_one_subnet_per_tier_per_az(subnets, vpc):
    vpc_net = ipaddress.ip_network(vpc["CidrBlock"])
    all_nets = []
    for tier in TIERS:
        assert [s["AvailabilityZone"] for s in subnets[tier]] == ["us-east-1a", "us-east-1b"], tier
        for subnet in subnets[tier]:
            assert subnet["MapPublicIpOnLaunch"] is False
            net = ipaddress.ip_network(subnet["CidrBlock"])
            assert net.subnet_of(vpc_net)
            all_nets.append(net)
    assert not any(a.overlaps(b) for i, a in enumerate(all_nets) for b in all_nets[i + 1:])


def test_nat_gateway_per_az_and_private_routes(subnets, route_tables, client, vpc):
    nats = client("ec2").describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
    nats = [n for n in nats if n["State"] == "available"]
    public_by_az = {s["SubnetId"]: s["AvailabilityZone"] for s in subnets["public"]}
    nat_az = {n["NatGatewayId"]: public_by_az[n["SubnetId"]] for n in nats}
    assert sorted(nat_az.values()) == ["us-east-1a", "us-east-1b"]
    for subnet in subnets["app"]:
        table = route_tables[f"{STACK}-app-{subnet['AvailabilityZone']}"]
        assert [a["SubnetId"] for a in table["Associations"] if a.get("SubnetId")] == [subnet["SubnetId"]]
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert len(default) == 1
        assert nat_az[default[0]["NatGatewayId"]] == subnet["AvailabilityZone"], "an AZ must use its own NAT gateway"


def test_public_and_data_routes(subnets, route_tables):
    public = route_tables[f"{STACK}-public"]
    assert {a["SubnetId"] for a in public["Associations"] if a.get("SubnetId")} == {s["SubnetId"] for s in subnets["public"]}
    assert [r["GatewayId"][:4] for r in public["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"] == ["igw-"]
    data = route_tables[f"{STACK}-data"]
    assert {a["SubnetId"] for a in data["Associations"] if a.get("SubnetId")} == {s["SubnetId"] for s in subnets["data"]}
    assert not [r for r in data["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"], "the data tier has no way out"


def test_s3_gateway_endpoint_on_private_route_tables(route_tables, client, vpc):
    endpoints = client("ec2").describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["VpcEndpoints"]
    assert len(endpoints) == 1
    endpoint = endpoints[0]
    assert endpoint["ServiceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoint["VpcEndpointType"] == "Gateway"
    private = {t["RouteTableId"] for name, t in route_tables.items() if "-app-" in name or name.endswith("-data")}
    assert set(endpoint["RouteTableIds"]) == private


def test_flow_logs_to_cloudwatch(vpc, client):
    logs = client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
    assert len(logs) == 1
    assert logs[0]["LogGroupName"] == f"/cvat/{STACK}/vpc-flow-logs"
    assert logs[0]["TrafficType"] == "ALL"


def _ingress(group):
    """(protocol, from, to, source) for every ingress permission of a group."""
    out = set()
    for perm in group["IpPermissions"]:
        ports = (perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"))
        out |= {(*ports, r["CidrIp"]) for r in perm.get("IpRanges", [])}
        out |= {(*ports, r["CidrIpv6"]) for r in perm.get("Ipv6Ranges", [])}
        out |= {(*ports, p["GroupId"]) for p in perm.get("UserIdGroupPairs", [])}
    return out


def test_security_groups_are_group_to_group(groups):
    assert set(groups) == {"alb", "app", "db", "cache", "efs"}
    ids = {name: g["GroupId"] for name, g in groups.items()}
    assert _ingress(groups["alb"]) == {("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")}
    assert _ingress(groups["app"]) == {("tcp", 8080, 8080, ids["alb"])}
    assert _ingress(groups["db"]) == {("tcp", 5432, 5432, ids["app"])}
    assert _ingress(groups["cache"]) == {("tcp", 6379, 6379, ids["app"])}
    assert _ingress(groups["efs"]) == {("tcp", 2049, 2049, ids["app"])}


def test_nothing_but_the_alb_is_open_to_the_world(groups):
    for name, group in groups.items():
        for rule in _ingress(group):
            if rule[3] in ("0.0.0.0/0", "::/0"):
                assert name == "alb" and rule[1] in (80, 443), (name, rule)
        assert not any(rule[1] is not None and rule[1] <= 22 <= rule[2] for rule in _ingress(group)), f"SSH open on {name}"


def test_data_tier_groups_have_no_egress(groups):
    for name in ("db", "cache", "efs"):
        assert groups[name]["IpPermissionsEgress"] == [], name


def test_kms_key_policy_admits_logs_and_autoscaling(client, converged):
    kms = client("kms")
    key_id = kms.describe_key(KeyId=f"alias/{STACK}")["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    principals = json.dumps([s["Principal"] for s in policy["Statement"]])
    assert "logs.us-east-1.amazonaws.com" in principals
    assert "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" in principals
    client("iam").get_role(RoleName="AWSServiceRoleForAutoScaling")


def _statements(document):
    doc = json.loads(document) if isinstance(document, str) else document
    statements = doc["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _inline_policies(iam, kind, name):
    if kind == "role":
        names = iam.list_role_policies(RoleName=name)["PolicyNames"]
        return {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"] for p in names}
    names = iam.list_user_policies(UserName=name)["PolicyNames"]
    return {p: iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"] for p in names}


@pytest.mark.parametrize("kind,name", [("role", f"{STACK}-app"), ("user", f"{STACK}-cvat-s3")])
def test_iam_policies_are_scoped_to_the_stack(kind, name, client, converged):
    iam = client("iam")
    buckets = {f"arn:aws:s3:::{STACK}-{purpose}-123456789012-us-east-1" for purpose in ("raw-data", "annotations")}
    policies = _inline_policies(iam, kind, name)
    assert policies
    s3_resources = set()
    for policy_name, document in policies.items():
        for statement in _statements(document):
            actions = _as_list(statement["Action"])
            resources = _as_list(statement["Resource"])
            assert "*" not in actions and "s3:*" not in actions, (policy_name, statement)
            if any(a.startswith("s3:") for a in actions):
                s3_resources |= set(resources)
            if resources == ["*"]:
                # Wildcard resources only for agent actions that AWS does not scope, never for data.
                assert not any(a.split(":")[0] in ("s3", "secretsmanager", "kms", "logs") for a in actions), statement
                if any(a.startswith("cloudwatch:") for a in actions):
                    assert statement["Condition"]["StringEquals"]["cloudwatch:namespace"] == "CWAgent"
    assert s3_resources == buckets | {f"{arn}/*" for arn in buckets}
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] if kind == "role" else []
    assert attached == []


def test_instance_profile_carries_the_role(client, converged):
    profile = client("iam").get_instance_profile(InstanceProfileName=f"{STACK}-app")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [f"{STACK}-app"]


def test_cvat_s3_user_key_lives_in_secrets_manager(client, converged):
    iam = client("iam")
    keys = iam.list_access_keys(UserName=f"{STACK}-cvat-s3")["AccessKeyMetadata"]
    assert len(keys) == 1, "a second converge must not create another key"
    secret = client("secretsmanager")
    described = secret.describe_secret(SecretId=f"cvat/{STACK}/s3-user")
    key = client("kms").describe_key(KeyId=f"alias/{STACK}")["KeyMetadata"]
    assert described["KmsKeyId"] in (key["KeyId"], key["Arn"]), "the secret must be encrypted with the stack key"
    value = json.loads(secret.get_secret_value(SecretId=f"cvat/{STACK}/s3-user")["SecretString"])
    assert value["aws_access_key_id"] == keys[0]["AccessKeyId"]
    for run in (converged.first, converged.second):
        assert value["aws_secret_access_key"] not in run.stdout + run.stderr


@pytest.mark.parametrize("purpose", ["raw-data", "annotations"])
def test_bucket_protection(purpose, client, converged):
    s3 = client("s3")
    bucket = f"{STACK}-{purpose}-123456789012-us-east-1"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"  # inventories/local asks for KMS
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert len(deny) == 1
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(deny[0]["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
    assert deny[0]["Principal"] == "*" and deny[0]["Action"] in ("s3:*", ["s3:*"])
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert len(rules) == 1
    assert rules[0]["Status"] == "Enabled"
    assert rules[0]["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER"}]
    assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 365
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
