# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import iam_service_linked_role as slr

ASG = "autoscaling.amazonaws.com"
ASG_PATH = "/aws-service-role/autoscaling.amazonaws.com/"
DDB = "dynamodb.application-autoscaling.amazonaws.com"
DDB_PATH = "/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/"


def role(name, path=ASG_PATH, **extra):
    return dict(RoleName=name, Path=path, Arn=f"arn:aws:iam::123456789012:role{path}{name}", **extra)


def test_service_role_path():
    assert slr.service_role_path(ASG) == ASG_PATH


@pytest.mark.parametrize(
    "roles, service, suffix, expected",
    [
        ([], ASG, None, None),
        ([role("AWSServiceRoleForAutoScaling")], ASG, None, "AWSServiceRoleForAutoScaling"),
        # a suffixed role alone is not the default role
        ([role("AWSServiceRoleForAutoScaling_cvat")], ASG, None, None),
        (
            [role("AWSServiceRoleForAutoScaling_cvat"), role("AWSServiceRoleForAutoScaling")],
            ASG,
            None,
            "AWSServiceRoleForAutoScaling",
        ),
        (
            [role("AWSServiceRoleForAutoScaling"), role("AWSServiceRoleForAutoScaling_cvat")],
            ASG,
            "cvat",
            "AWSServiceRoleForAutoScaling_cvat",
        ),
        ([role("AWSServiceRoleForAutoScaling")], ASG, "cvat", None),
        ([role("AWSServiceRoleForAutoScaling_other")], ASG, "cvat", None),
        # roles listed under a deeper path (PathPrefix matches them) are not the service's
        ([role("AWSServiceRoleForAutoScaling", path=ASG_PATH + "x/")], ASG, None, None),
        # default names of sub-domain principals contain an underscore
        (
            [role("AWSServiceRoleForApplicationAutoScaling_DynamoDBTable", path=DDB_PATH)],
            DDB,
            None,
            "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
        ),
        (
            [
                role("AWSServiceRoleForApplicationAutoScaling_DynamoDBTable_x", path=DDB_PATH),
                role("AWSServiceRoleForApplicationAutoScaling_DynamoDBTable", path=DDB_PATH),
            ],
            DDB,
            None,
            "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
        ),
    ],
)
def test_select_service_linked_role(roles, service, suffix, expected):
    found = slr.select_service_linked_role(roles, service, suffix)
    assert (found["RoleName"] if found else None) == expected


@pytest.mark.parametrize(
    "message, expected",
    [
        (
            "Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix.",
            "AWSServiceRoleForAutoScaling",
        ),
        ("Service role name AWSServiceRoleForAutoScaling_cvat has been taken", "AWSServiceRoleForAutoScaling_cvat"),
        ("Something else went wrong", None),
        (None, None),
    ],
)
def test_taken_role_name(message, expected):
    assert slr.taken_role_name(message) == expected


@pytest.mark.parametrize(
    "suffix, description, expected",
    [
        (None, None, {"AWSServiceName": ASG}),
        ("cvat", None, {"AWSServiceName": ASG, "CustomSuffix": "cvat"}),
        (None, "d", {"AWSServiceName": ASG, "Description": "d"}),
    ],
)
def test_build_create_params(suffix, description, expected):
    assert slr.build_create_params(ASG, suffix, description) == expected


@pytest.mark.parametrize(
    "existing, description, expected",
    [
        (None, "x", False),
        (role("r"), None, False),
        (role("r"), "x", True),
        (role("r", Description="x"), "x", False),
        (role("r", Description="x"), "", True),
        (role("r"), "", False),
    ],
)
def test_description_needs_update(existing, description, expected):
    assert slr.description_needs_update(existing, description) is expected


def test_predicted_role():
    assert slr.predicted_role(ASG, None) == {"path": ASG_PATH, "tags": {}}
    assert slr.predicted_role(ASG, "d")["description"] == "d"


def test_deletion_failure_message():
    status = {
        "Status": "FAILED",
        "Reason": {
            "Reason": "role in use",
            "RoleUsageList": [{"Region": "eu-west-1", "Resources": ["arn:a", "arn:b"]}],
        },
    }
    assert slr.deletion_failure_message(status) == "role in use; used in eu-west-1: arn:a, arn:b"
    assert slr.deletion_failure_message({"Status": "FAILED"}) == "AWS did not give a reason"


def test_diff_view():
    assert slr.diff_view(None) == {}
    assert slr.diff_view({"arn": "a", "role_name": "n", "path": "/p/", "create_date": "x"}) == {
        "arn": "a",
        "role_name": "n",
        "path": "/p/",
    }


class FakeIAM:
    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.calls = 0

    def get_service_linked_role_deletion_status(self, DeletionTaskId, aws_retry=False):
        self.calls += 1
        return {"Status": self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]}


def test_wait_for_deletion_stops_on_success():
    client = FakeIAM(["IN_PROGRESS", "SUCCEEDED"])
    assert slr.wait_for_deletion(client, "task", timeout=5, delay=0.01)["Status"] == "SUCCEEDED"
    assert client.calls == 2


def test_wait_for_deletion_is_bounded():
    client = FakeIAM(["IN_PROGRESS"])
    assert slr.wait_for_deletion(client, "task", timeout=0.05, delay=0.01)["Status"] == "IN_PROGRESS"
