# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for tearing a VPC down; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

AWS refuses to delete network resources that something still depends on; stock moto deletes
them anyway, so a teardown in the wrong order passes in the emulator and fails on AWS. These
patches restore the refusals the stack's teardown (``playbooks/teardown.yml``) must respect, and
the clean-up AWS does itself when a NAT gateway goes. The tests are in
``tests/emulator/test_patches_teardown.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported


def _dependency_violation(message: str) -> Exception:
    from moto.ec2.exceptions import DependencyViolationError  # pylint: disable=import-outside-toplevel

    return DependencyViolationError(message)


def _guard(cls: type, name: str, check: Callable[..., None]) -> None:
    """Run ``check(backend, *args, **kwargs)`` before ``cls.name``; the check raises to refuse."""
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        check(self, *args, **kwargs)
        return original(self, *args, **kwargs)

    setattr(cls, name, wrapper)


@_patch
def ec2_delete_security_group_dependencies() -> None:
    """DeleteSecurityGroup refuses while another group's rule names the group or a network interface uses it.

    (a) AWS: deleting a security group that a rule of another security group references, or that
        a network interface (instance, NAT gateway, mount target, ...) is associated with, fails
        with DependencyViolation ("resource sg-... has a dependent object").
    (b) moto 5.2.5 deletes the group anyway and leaves dangling references behind.
    (c) amazon.aws.ec2_security_group with ``state: absent`` succeeds in the emulator where it fails
        on AWS: the security role's teardown, which must empty the rules of groups that name each
        other before deleting them, could not fail in a test.
    """

    def check(backend: Any, name: str | None = None, group_id: str | None = None) -> None:
        group = backend.get_security_group_from_id(group_id) if group_id else backend.get_security_group_by_name_or_id(name)
        # moto's own DeleteVpc removes the VPC's default group this way: AWS does the same.
        if group is None or group.is_default:
            return
        for groups in list(backend.groups.values()):
            for other in list(groups.values()):
                if other.id == group.id:
                    continue
                for rule in other.ingress_rules + other.egress_rules:
                    if (rule.source_group or {}).get("GroupId") == group.id:
                        raise _dependency_violation(f"resource {group.id} has a dependent object")
        for eni in list(backend.enis.values()):
            if any(getattr(g, "id", g) == group.id for g in eni.group_set):
                raise _dependency_violation(f"resource {group.id} has a dependent object")

    def fix(module: ModuleType) -> None:
        _guard(module.SecurityGroupBackend, "delete_security_group", check)

    _when_imported("moto.ec2.models.security_groups", fix)


@_patch
def ec2_nat_gateway_tag_filters() -> None:
    """DescribeNatGateways honours the tag filters (``tag:<key>``, ``tag-key``, ``tag-value``).

    (a) AWS: DescribeNatGateways filters by ``tag:<key>``, ``tag-key`` and ``tag-value`` like every
        other EC2 Describe call.
    (b) moto 5.2.5 applies only the nat-gateway-id, vpc-id, subnet-id and state filters and ignores
        tag filters: every NAT gateway of the region is returned.
    (c) amazon.aws.ec2_vpc_nat_gateway_info with a ``tag:Stack`` filter lists the NAT gateways of
        every stack: the network teardown, which finds its gateways by the stack's tag, could not be
        shown to leave another stack's gateways alone.
    """

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def describe_nat_gateways(self: Any, filters: Any, nat_gateway_ids: list[str] | None) -> list[Any]:
            found = original(self, filters, nat_gateway_ids)
            for name, values in (filters or {}).items():
                if name.startswith("tag:"):
                    key = name[len("tag:"):]
                    found = [n for n in found if any(t["key"] == key and t["value"] in values for t in n.get_tags())]
                elif name == "tag-key":
                    found = [n for n in found if any(t["key"] in values for t in n.get_tags())]
                elif name == "tag-value":
                    found = [n for n in found if any(t["value"] in values for t in n.get_tags())]
            return found

        return describe_nat_gateways

    def fix(module: ModuleType) -> None:
        module.NatGatewayBackend.describe_nat_gateways = wrap(module.NatGatewayBackend.describe_nat_gateways)

    _when_imported("moto.ec2.models.nat_gateways", fix)


@_patch
def ec2_delete_nat_gateway_interface() -> None:
    """DeleteNatGateway removes the gateway's network interface and disassociates its Elastic IP.

    (a) AWS: a deleted NAT gateway gives up its requester-managed network interface, and its
        Elastic IP is disassociated (still allocated until released).
    (b) moto 5.2.5 only sets the state to ``deleted``: the interface stays in the subnet, in the
        VPC's default security group, with the Elastic IP still associated.
    (c) With the subnet and VPC dependency checks of this module, amazon.aws.ec2_vpc_subnet and
        ec2_vpc_net with ``state: absent`` fail on a subnet whose NAT gateway was deleted, and a
        teardown leaves an interface of the stack behind.
    """

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def delete_nat_gateway(self: Any, nat_gateway_id: str) -> Any:
            gateway = original(self, nat_gateway_id)
            eni = getattr(gateway, "_eni", None)
            if eni is not None and eni.id in self.enis:
                for address in list(self.addresses):
                    if address.eni is not None and address.eni.id == eni.id:
                        self.disassociate_address(address=address.public_ip)
                self.delete_network_interface(eni.id)
            return gateway

        return delete_nat_gateway

    def fix(module: ModuleType) -> None:
        module.NatGatewayBackend.delete_nat_gateway = wrap(module.NatGatewayBackend.delete_nat_gateway)

    _when_imported("moto.ec2.models.nat_gateways", fix)


@_patch
def ec2_terminate_instance_launch_interfaces() -> None:
    """A terminated instance takes the network interfaces created at its launch with it.

    (a) AWS: the network interfaces RunInstances creates (the primary one, and any given without a
        NetworkInterfaceId) are deleted when the instance terminates, unless their
        DeleteOnTermination was set to false.
    (b) moto 5.2.5 sets DeleteOnTermination only when the request says true, so the primary
        interface of every instance (one launched by an Auto Scaling group included) stays behind,
        in its subnet and security groups, after the instance is terminated.
    (c) With the subnet and security group dependency checks of this module, ec2_vpc_subnet and
        ec2_security_group with ``state: absent`` fail after the Auto Scaling group's hosts are gone,
        as they do not on AWS.
    """

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def prep_nics(self: Any, nic_spec: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
            kept = {
                int(nic.get("DeviceIndex", 0))
                for nic in nic_spec or []
                if nic.get("NetworkInterfaceId") or str(nic.get("DeleteOnTermination")).lower() == "false"
            }
            original(self, nic_spec, *args, **kwargs)
            for index, eni in self.nics.items():
                if index not in kept:
                    eni.delete_on_termination = True

        return prep_nics

    def fix(module: ModuleType) -> None:
        module.Instance.prep_nics = wrap(module.Instance.prep_nics)

    _when_imported("moto.ec2.models.instances", fix)


@_patch
def ec2_delete_subnet_dependencies() -> None:
    """DeleteSubnet refuses while a network interface is in the subnet.

    (a) AWS: DeleteSubnet fails with DependencyViolation ("The subnet '...' has dependencies and
        cannot be deleted.") while any network interface (NAT gateway, instance, mount target,
        load balancer, database) is in it.
    (b) moto 5.2.5 deletes the subnet and leaves the interfaces pointing at it.
    (c) amazon.aws.ec2_vpc_subnet with ``state: absent`` succeeds in the emulator where it fails on
        AWS: a teardown that removes subnets before their NAT gateways or mount targets passes.
    """

    def check(backend: Any, subnet_id: str) -> None:
        for eni in list(backend.enis.values()):
            if eni.subnet is not None and eni.subnet.id == subnet_id:
                raise _dependency_violation(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")

    def fix(module: ModuleType) -> None:
        _guard(module.SubnetBackend, "delete_subnet", check)

    _when_imported("moto.ec2.models.subnets", fix)


@_patch
def ec2_delete_vpc_dependencies() -> None:
    """DeleteVpc refuses while an internet gateway is attached or security groups or endpoints remain.

    (a) AWS: DeleteVpc fails with DependencyViolation ("The vpc '...' has dependencies and cannot be
        deleted.") while an internet gateway is attached, a security group other than the default
        one exists, or a VPC endpoint is not deleted.
    (b) moto 5.2.5 checks only subnets and route tables: it deletes the VPC and orphans the gateway,
        the groups and the endpoints.
    (c) amazon.aws.ec2_vpc_net with ``state: absent`` succeeds in the emulator where it fails on AWS:
        a teardown that forgets the internet gateway, a security group or the S3 endpoint passes.
    """

    def check(backend: Any, vpc_id: str) -> None:
        attached = [igw for igw in backend.internet_gateways.values() if igw.vpc is not None and igw.vpc.id == vpc_id]
        groups = [g for g in backend.groups.get(vpc_id, {}).values() if not g.is_default]
        endpoints = [e for e in backend.vpc_end_points.values() if e.vpc_id == vpc_id and e.state != "deleted"]
        if attached or groups or endpoints:
            raise _dependency_violation(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")

    def fix(module: ModuleType) -> None:
        _guard(module.VPCBackend, "delete_vpc", check)

    _when_imported("moto.ec2.models.vpcs", fix)


@_patch
def ec2_detach_internet_gateway_mapped_addresses() -> None:
    """DetachInternetGateway refuses while Elastic IPs are associated inside the VPC.

    (a) AWS: detaching the internet gateway of a VPC that still has mapped public addresses (an
        Elastic IP of a NAT gateway, say) fails with DependencyViolation ("Network vpc-... has some
        mapped public address(es). Please unmap those public address(es) before detaching the gateway.").
    (b) moto 5.2.5 detaches it anyway.
    (c) amazon.aws.ec2_vpc_igw with ``state: absent`` succeeds in the emulator where it fails on AWS:
        a teardown that removes the internet gateway before the NAT gateways passes.
    """

    def check(backend: Any, internet_gateway_id: str, vpc_id: str) -> None:
        del internet_gateway_id
        for address in list(backend.addresses):
            eni = address.eni
            if eni is not None and eni.subnet is not None and eni.subnet.vpc_id == vpc_id:
                raise _dependency_violation(
                    f"Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
                )

    def fix(module: ModuleType) -> None:
        _guard(module.InternetGatewayBackend, "detach_internet_gateway", check)

    _when_imported("moto.ec2.models.internet_gateways", fix)
