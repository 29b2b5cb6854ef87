# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per compatibility patch, asserting documented AWS behaviour through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches.py``.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsemu import patches
from awsemu.server import Emulator

ClientFactory = Callable[..., Any]


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_every_patch_has_a_test_and_a_complete_docstring() -> None:
    """The registry contract: a test named after each patch, and a docstring with the (a)/(b)/(c) parts."""
    tests = "".join(path.read_text() for path in Path(__file__).parent.glob("test_patches*.py"))
    for name in patches.available():
        assert f"def test_{name}(" in tests, f"patch {name} has no test_{name} in tests/emulator/test_patches*.py"
        doc = patches._REGISTRY[name].__doc__ or ""  # pylint: disable=protected-access
        assert all(part in doc for part in ("(a) AWS", "(b) moto 5.2.5", "(c) ")), f"patch {name} docstring lacks (a)/(b)/(c)"


def test_apply_all_is_idempotent(aws_emulator: Emulator) -> None:
    """Re-applying must not stack wrappers; the emulator reports what was applied."""
    expected = [name for name in patches.available() if name not in patches.disabled()]
    assert patches.apply_all() == patches.apply_all() == aws_emulator.patches == expected


@pytest.mark.parametrize(
    "arn",
    ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"],
)
def test_iam_aws_managed_policies(aws_client: ClientFactory, arn: str) -> None:
    """AWS-managed policies exist and can be attached to a role."""
    iam = aws_client("iam")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn
    role = _unique("managed-policy-role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]] == [arn]


def test_iam_aws_managed_policies_survive_reset(aws_emulator: Emulator, aws_client: ClientFactory) -> None:
    """moto's reset recreates backends; the managed policies must come back with them."""
    aws_emulator.reset()
    arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    assert aws_client("iam").get_policy(PolicyArn=arn)["Policy"]["Arn"] == arn


def _nat_gateway_with_eip(ec2: Any) -> tuple[str, str]:
    vpc_id = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.99.0.0/24")["Subnet"]["SubnetId"]
    allocation_id = ec2.allocate_address(
        Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "tagged-eip"}]}]
    )["AllocationId"]
    nat_id = ec2.create_nat_gateway(
        SubnetId=subnet_id,
        AllocationId=allocation_id,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "tagged-nat"}]}],
    )["NatGateway"]["NatGatewayId"]
    return nat_id, allocation_id


def _tags_of_type(ec2: Any, resource_id: str, resource_type: str) -> list[dict[str, str]]:
    filters = [{"Name": "resource-id", "Values": [resource_id]}, {"Name": "resource-type", "Values": [resource_type]}]
    return list(ec2.describe_tags(Filters=filters)["Tags"])


def test_ec2_tag_resource_types(aws_client: ClientFactory) -> None:
    """DescribeTags filters on and reports ``natgateway`` / ``elastic-ip``, the names AWS uses."""
    ec2 = aws_client("ec2")
    nat_id, allocation_id = _nat_gateway_with_eip(ec2)
    assert _tags_of_type(ec2, nat_id, "natgateway") == [{"ResourceId": nat_id, "ResourceType": "natgateway", "Key": "Name", "Value": "tagged-nat"}]
    assert _tags_of_type(ec2, allocation_id, "elastic-ip") == [
        {"ResourceId": allocation_id, "ResourceType": "elastic-ip", "Key": "Name", "Value": "tagged-eip"}
    ]


def test_iam_list_service_specific_credentials(aws_client: ClientFactory) -> None:
    """An existing user has an (empty) list; an unknown user is NoSuchEntity; DeleteUser's preparation works."""
    iam = aws_client("iam")
    user = _unique("svc-cred-user")
    iam.create_user(UserName=user)
    assert iam.list_service_specific_credentials(UserName=user)["ServiceSpecificCredentials"] == []
    with pytest.raises(ClientError) as error:
        iam.list_service_specific_credentials(UserName=_unique("no-such-user"))
    assert error.value.response["Error"]["Code"] == "NoSuchEntity"


def test_kms_key_state_by_arn(aws_client: ClientFactory) -> None:
    """Disable/Enable/ScheduleKeyDeletion/CancelKeyDeletion take the key ARN, as amazon.aws.kms_key sends it."""
    kms = aws_client("kms")
    arn = kms.create_key()["KeyMetadata"]["Arn"]

    def state() -> str:
        return str(kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"])

    kms.disable_key(KeyId=arn)
    assert state() == "Disabled"
    kms.enable_key(KeyId=arn)
    assert state() == "Enabled"
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert state() == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=arn)
    assert state() == "Disabled"
