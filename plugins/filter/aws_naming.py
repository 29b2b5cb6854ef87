# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure checks and plans that preflight needs before any AWS call: S3 bucket names and the subnet plan."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

# The three tiers of the VPC, in the order their address blocks are laid out.
TIERS = ("public", "app", "data")


def s3_bucket_name_errors(name):
    """Return the list of S3 naming rules that ``name`` breaks (empty when it is valid)."""
    if not isinstance(name, str):
        raise AnsibleFilterError(f"s3_bucket_name_errors expects a string, got {type(name).__name__}")
    errors = []
    if not 3 <= len(name) <= 63:
        errors.append(f"must be 3-63 characters long (it has {len(name)})")
    if not _BUCKET_CHARS.match(name):
        errors.append("must use only lower case letters, digits, dots and hyphens, and begin and end with a letter or digit")
    if ".." in name:
        errors.append("must not contain two adjacent dots")
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", name):
        errors.append("must not be formatted as an IP address")
    errors.extend(f"must not start with '{p}'" for p in _BUCKET_RESERVED_PREFIXES if name.startswith(p))
    errors.extend(f"must not end with '{s}'" for s in _BUCKET_RESERVED_SUFFIXES if name.endswith(s))
    return errors


def _parse_network(value, label, errors):
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except (ipaddress.AddressValueError, ipaddress.NetmaskValueError, ValueError, TypeError) as exc:
        errors.append(f"{label}: '{value}' is not a valid IPv4 network in CIDR notation ({exc})")
        return None


def _computed_tier(vpc, tier_index, az_count, newbits, stride, errors):
    """Subnets of one tier: block ``tier_index * stride + az`` of the VPC split by ``newbits``.

    A fixed stride keeps every existing subnet where it is when an AZ is added later.
    """
    prefix = vpc.prefixlen + newbits
    if prefix > 28:
        errors.append(f"network_subnet_newbits: {newbits} makes /{prefix} subnets; AWS subnets must be /28 or larger")
        return []
    if len(TIERS) * stride > 2 ** newbits:
        errors.append(
            f"network_subnet_newbits: {newbits} splits network_vpc_cidr {vpc} into {2 ** newbits} blocks, "
            f"but {len(TIERS)} tiers x {stride} AZ slots need {len(TIERS) * stride}"
        )
        return []
    size = 2 ** (32 - prefix)
    base = int(vpc.network_address)
    return [
        str(ipaddress.IPv4Network((base + (tier_index * stride + az) * size, prefix)))
        for az in range(az_count)
    ]


def subnet_plan(vpc_cidr, az_count, newbits=8, overrides=None, stride=8):
    """Plan the public, app and data subnets of a VPC over ``az_count`` AZs and check it.

    ``overrides`` maps a tier to an explicit list of CIDRs (one per AZ); other tiers are computed.
    Returns ``{"subnets": {tier: [cidr per AZ]}, "errors": [...]}``; every error names the variable
    to fix, so that preflight can report all problems at once instead of failing in the middle of AWS work.
    """
    errors = []
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(TIERS))
    if unknown:
        raise AnsibleFilterError(f"subnet_plan: unknown tiers {unknown}, expected {list(TIERS)}")
    try:
        az_count = int(az_count)
        newbits = int(newbits)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"subnet_plan: az_count and newbits must be integers ({exc})") from exc
    if az_count > stride:
        errors.append(f"network_az_count: {az_count} AZs exceed the {stride} AZ slots of the subnet plan")
    vpc = _parse_network(vpc_cidr, "network_vpc_cidr", errors)
    if vpc is not None and not 16 <= vpc.prefixlen <= 28:
        errors.append(f"network_vpc_cidr: {vpc} must have a prefix between /16 and /28 (AWS VPC limits)")
        vpc = None
    if vpc is None:
        return {"subnets": {tier: [] for tier in TIERS}, "errors": errors}

    subnets = {}
    labelled = []
    for index, tier in enumerate(TIERS):
        label = f"network_{tier}_subnet_cidrs"
        given = overrides.get(tier) or []
        if given:
            if len(given) != az_count:
                errors.append(f"{label}: {len(given)} CIDRs given for {az_count} AZs (one per AZ)")
            nets = [_parse_network(cidr, label, errors) for cidr in given]
            subnets[tier] = [str(net) for net in nets if net is not None]
        else:
            label = f"network_subnet_newbits ({tier} tier, computed)"
            subnets[tier] = _computed_tier(vpc, index, min(az_count, stride), newbits, stride, errors)
        labelled.extend((label, ipaddress.IPv4Network(cidr)) for cidr in subnets[tier])

    for label, net in labelled:
        if not net.subnet_of(vpc):
            errors.append(f"{label}: {net} is outside network_vpc_cidr {vpc}")
        elif net.prefixlen > 28:
            errors.append(f"{label}: {net} is smaller than /28, the smallest AWS subnet")
    for i, (label_a, net_a) in enumerate(labelled):
        for label_b, net_b in labelled[i + 1:]:
            if net_a.overlaps(net_b):
                errors.append(f"{label_a}: {net_a} overlaps {net_b} of {label_b}")
    return {"subnets": subnets, "errors": errors}


def ipv4_cidr_errors(value):
    """Return why ``value`` is not an IPv4 network in CIDR notation (empty when it is one)."""
    errors = []
    _parse_network(value, str(value), errors)
    return [error.split(": ", 1)[1] for error in errors]


class FilterModule:
    """Naming and address-plan filters of cvatops.aws."""

    def filters(self):
        return {
            "ipv4_cidr_errors": ipv4_cidr_errors,
            "s3_bucket_name_errors": s3_bucket_name_errors,
            "subnet_plan": subnet_plan,
        }
