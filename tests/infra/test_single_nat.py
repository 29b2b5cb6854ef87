# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cost option: one NAT gateway for every AZ, and switching a per-AZ stack over to it."""

from __future__ import annotations

import pytest

from infra.playbook import run_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("preflight")]

STACK = "cvat-single"
ROLES_ONLY = ["--tags", "network", "-e", '{"network_flow_logs_enabled": false}']


def _nat_gateways(aws_client, vpc_id):
    found = aws_client("ec2").describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    return [n for n in found if n["State"] in ("pending", "available")]


def test_switch_from_per_az_to_single_nat(aws_env, aws_client):
    base = {"cvat_stack_name": STACK, "network_vpc_cidr": "10.50.0.0/16"}
    per_az = run_playbook("site.yml", aws_env, *ROLES_ONLY, extra_vars=base)
    assert per_az.returncode == 0, per_az.explain()
    ec2 = aws_client("ec2")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Stack", "Values": [STACK]}])["Vpcs"][0]["VpcId"]
    assert len(_nat_gateways(aws_client, vpc_id)) == 2

    single = {**base, "network_nat_gateway_mode": "single"}
    switched = run_playbook("site.yml", aws_env, *ROLES_ONLY, extra_vars=single)
    assert switched.returncode == 0, switched.explain()
    nats = _nat_gateways(aws_client, vpc_id)
    assert len(nats) == 1
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Tier", "Values": ["app"]}])
    targets = {r.get("NatGatewayId") for t in tables["RouteTables"] for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"}
    assert targets == {nats[0]["NatGatewayId"]}, "every AZ routes through the single NAT gateway"

    again = run_playbook("site.yml", aws_env, *ROLES_ONLY, extra_vars=single)
    assert again.returncode == 0 and again.changed_tasks() == [], again.explain()
