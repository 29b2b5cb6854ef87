# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per teardown compatibility patch (tests/awsemu/patches_teardown.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_teardown.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ClientFactory = Callable[..., Any]


@pytest.fixture
def ec2(aws_client: ClientFactory) -> Any:
    return aws_client("ec2")


def _vpc(ec2: Any) -> tuple[str, str]:
    """A fresh VPC with one subnet (the session's emulator state is shared by all tests)."""
    vpc_id = ec2.create_vpc(CidrBlock="10.200.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.200.1.0/24")["Subnet"]["SubnetId"]
    return vpc_id, subnet_id


def _group(ec2: Any, vpc_id: str) -> str:
    return str(ec2.create_security_group(GroupName=f"sg-{uuid.uuid4().hex[:8]}", Description="test", VpcId=vpc_id)["GroupId"])


def _refused(call: Callable[[], Any]) -> None:
    with pytest.raises(ClientError) as error:
        call()
    assert error.value.response["Error"]["Code"] == "DependencyViolation"


def _nat_gateway(ec2: Any, subnet_id: str) -> tuple[str, str]:
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    return nat_id, allocation_id


def test_ec2_delete_security_group_dependencies(ec2: Any) -> None:
    """A group named by another group's rule, or used by an interface, stays until that reference goes."""
    vpc_id, subnet_id = _vpc(ec2)
    app, db = _group(ec2, vpc_id), _group(ec2, vpc_id)
    permission = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app}]}
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[permission])
    _refused(lambda: ec2.delete_security_group(GroupId=app))
    ec2.revoke_security_group_ingress(GroupId=db, IpPermissions=[permission])
    ec2.delete_security_group(GroupId=app)

    eni_id = ec2.create_network_interface(SubnetId=subnet_id, Groups=[db])["NetworkInterface"]["NetworkInterfaceId"]
    _refused(lambda: ec2.delete_security_group(GroupId=db))
    ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    ec2.delete_security_group(GroupId=db)


def test_ec2_nat_gateway_tag_filters(ec2: Any) -> None:
    """Tag filters select the NAT gateways that carry the tag, and only those."""
    _vpc_id, subnet_id = _vpc(ec2)
    stack = f"stack-{uuid.uuid4().hex[:8]}"
    tagged_id = _nat_gateway(ec2, subnet_id)[0]
    ec2.create_tags(Resources=[tagged_id], Tags=[{"Key": "Stack", "Value": stack}])
    other_id = _nat_gateway(ec2, subnet_id)[0]
    ec2.create_tags(Resources=[other_id], Tags=[{"Key": "Stack", "Value": f"{stack}-other"}])

    def ids(*filters: dict[str, Any]) -> list[str]:
        return sorted(n["NatGatewayId"] for n in ec2.describe_nat_gateways(Filters=list(filters))["NatGateways"])

    assert ids({"Name": "tag:Stack", "Values": [stack]}) == [tagged_id]
    assert ids({"Name": "tag-value", "Values": [stack]}) == [tagged_id]
    assert ids({"Name": "subnet-id", "Values": [subnet_id]}, {"Name": "tag-key", "Values": ["Stack"]}) == sorted([tagged_id, other_id])
    assert ids({"Name": "tag:Stack", "Values": ["nobody"]}) == []


def test_ec2_delete_nat_gateway_interface(ec2: Any) -> None:
    """A deleted NAT gateway leaves no interface behind, and its Elastic IP is free to release."""
    _vpc_id, subnet_id = _vpc(ec2)
    nat_id, allocation_id = _nat_gateway(ec2, subnet_id)
    eni_id = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni_id]}])["NetworkInterfaces"] == []
    address = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    assert "AssociationId" not in address and not address.get("NetworkInterfaceId")
    ec2.release_address(AllocationId=allocation_id)


def test_ec2_terminate_instance_launch_interfaces(ec2: Any) -> None:
    """The primary interface goes with the instance; one marked DeleteOnTermination=false stays."""
    _vpc_id, subnet_id = _vpc(ec2)
    image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]

    def launch(**kwargs: Any) -> tuple[str, str]:
        instance = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro", **kwargs)["Instances"][0]
        return instance["InstanceId"], instance["NetworkInterfaces"][0]["NetworkInterfaceId"]

    def interfaces(eni_id: str) -> list[Any]:
        return ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni_id]}])["NetworkInterfaces"]

    plain, plain_eni = launch(SubnetId=subnet_id)
    kept, kept_eni = launch(NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet_id, "DeleteOnTermination": False}])
    ec2.terminate_instances(InstanceIds=[plain, kept])
    assert interfaces(plain_eni) == []
    assert [i["NetworkInterfaceId"] for i in interfaces(kept_eni)] == [kept_eni]


def test_ec2_delete_subnet_dependencies(ec2: Any) -> None:
    """A subnet with a network interface in it stays until the interface goes."""
    _vpc_id, subnet_id = _vpc(ec2)
    eni_id = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    _refused(lambda: ec2.delete_subnet(SubnetId=subnet_id))
    ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    ec2.delete_subnet(SubnetId=subnet_id)


def test_ec2_delete_vpc_dependencies(ec2: Any) -> None:
    """A VPC stays while an internet gateway is attached, a security group or a VPC endpoint remains."""
    vpc_id, subnet_id = _vpc(ec2)
    ec2.delete_subnet(SubnetId=subnet_id)
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    group = _group(ec2, vpc_id)
    endpoint = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway")
    _refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    _refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    ec2.delete_security_group(GroupId=group)
    _refused(lambda: ec2.delete_vpc(VpcId=vpc_id))
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpoint"]["VpcEndpointId"]])
    ec2.delete_vpc(VpcId=vpc_id)


def test_ec2_detach_internet_gateway_mapped_addresses(ec2: Any) -> None:
    """The internet gateway stays attached while an Elastic IP is associated in the VPC."""
    vpc_id, subnet_id = _vpc(ec2)
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    eni_id = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    association_id = ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=eni_id)["AssociationId"]
    _refused(lambda: ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id))
    ec2.disassociate_address(AssociationId=association_id)
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
