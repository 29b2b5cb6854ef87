# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure checks behind preflight: S3 bucket names, CIDRs and the subnet plan."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cvatops.aws.plugins.filter.aws_naming import (
    FilterModule,
    ipv4_cidr_errors,
    s3_bucket_name_errors,
    subnet_plan,
)


@pytest.mark.parametrize(
    "name",
    ["abc", "cvat-prod-raw-data-123456789012-eu-west-1", "a.b-c", "a" * 63, "my.bucket.name"],
)
def test_valid_bucket_names(name):
    assert s3_bucket_name_errors(name) == []


@pytest.mark.parametrize(
    "name,fragment",
    [
        ("ab", "3-63 characters"),
        ("a" * 64, "3-63 characters"),
        ("Raw_Data", "lower case letters"),
        ("-abc", "begin and end"),
        ("abc-", "begin and end"),
        ("a..b", "adjacent dots"),
        ("192.168.1.1", "IP address"),
        ("xn--bucket", "xn--"),
        ("sthree-bucket", "sthree-"),
        ("bucket-s3alias", "-s3alias"),
        ("bucket--ol-s3", "--ol-s3"),
        ("bucket.mrap", ".mrap"),
    ],
)
def test_invalid_bucket_names(name, fragment):
    errors = s3_bucket_name_errors(name)
    assert any(fragment in e for e in errors), errors


def test_bucket_name_must_be_a_string():
    with pytest.raises(AnsibleFilterError):
        s3_bucket_name_errors(42)


@pytest.mark.parametrize(
    "value,ok",
    [("10.0.0.0/16", True), ("0.0.0.0/0", True), ("10.0.0.1/16", False), ("10.0.0.0/33", False), ("nope", False), ("::/0", False)],
)
def test_ipv4_cidr_errors(value, ok):
    assert (ipv4_cidr_errors(value) == []) is ok


def test_default_plan_two_azs():
    plan = subnet_plan("10.40.0.0/16", 2)
    assert plan == {
        "subnets": {
            "public": ["10.40.0.0/24", "10.40.1.0/24"],
            "app": ["10.40.8.0/24", "10.40.9.0/24"],
            "data": ["10.40.16.0/24", "10.40.17.0/24"],
        },
        "errors": [],
    }


def test_adding_an_az_keeps_existing_subnets():
    two, three = subnet_plan("10.40.0.0/16", 2), subnet_plan("10.40.0.0/16", 3)
    for tier, cidrs in two["subnets"].items():
        assert three["subnets"][tier][:2] == cidrs


def test_newbits_change_subnet_size():
    plan = subnet_plan("10.1.0.0/20", 3, newbits=5)
    assert plan["errors"] == []
    assert plan["subnets"]["app"] == ["10.1.4.0/25", "10.1.4.128/25", "10.1.5.0/25"]


def test_explicit_tier_is_used_and_others_computed():
    plan = subnet_plan("10.40.0.0/16", 2, overrides={"public": ["10.40.100.0/24", "10.40.101.0/24"]})
    assert plan["errors"] == []
    assert plan["subnets"]["public"] == ["10.40.100.0/24", "10.40.101.0/24"]
    assert plan["subnets"]["app"] == ["10.40.8.0/24", "10.40.9.0/24"]


@pytest.mark.parametrize(
    "vpc,az_count,kwargs,variable",
    [
        ("10.40.0.1/16", 2, {}, "network_vpc_cidr"),
        ("10.40.0.0/8", 2, {}, "network_vpc_cidr"),
        ("not-a-cidr", 2, {}, "network_vpc_cidr"),
        ("10.40.0.0/16", 2, {"newbits": 2}, "network_subnet_newbits"),
        ("10.40.0.0/16", 2, {"newbits": 13}, "network_subnet_newbits"),
        ("10.40.0.0/16", 9, {}, "network_az_count"),
        ("10.40.0.0/16", 2, {"overrides": {"app": ["10.40.8.0/24"]}}, "network_app_subnet_cidrs"),
        ("10.40.0.0/16", 2, {"overrides": {"data": ["10.40.16.0/24", "10.41.0.0/24"]}}, "network_data_subnet_cidrs"),
        ("10.40.0.0/16", 2, {"overrides": {"data": ["10.40.16.0/24", "10.40.17.0/29"]}}, "network_data_subnet_cidrs"),
        ("10.40.0.0/16", 2, {"overrides": {"public": ["10.40.0.0/24", "bad"]}}, "network_public_subnet_cidrs"),
    ],
)
def test_plan_errors_name_the_variable(vpc, az_count, kwargs, variable):
    errors = subnet_plan(vpc, az_count, **kwargs)["errors"]
    assert errors and any(e.startswith(variable) for e in errors), errors


def test_overlap_between_explicit_and_computed_tiers_is_reported():
    errors = subnet_plan("10.40.0.0/16", 2, overrides={"public": ["10.40.0.0/24", "10.40.8.0/25"]})["errors"]
    assert errors == ["network_public_subnet_cidrs: 10.40.8.0/25 overlaps 10.40.8.0/24 of network_subnet_newbits (app tier, computed)"]


def test_unknown_tier_is_a_programming_error():
    with pytest.raises(AnsibleFilterError):
        subnet_plan("10.40.0.0/16", 2, overrides={"dmz": []})


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"subnet_plan", "s3_bucket_name_errors", "ipv4_cidr_errors"}
