# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import ec2_vpc_flow_log as fl

ROLE = "arn:aws:iam::123456789012:role/flow-logs"
BUCKET = "arn:aws:s3:::cvat-flow-logs"


def params(**overrides):
    base = dict(
        resource_id="vpc-0123456789abcdef0",
        resource_type="VPC",
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_group_name="/cvat/flow",
        deliver_logs_permission_arn=ROLE,
        log_destination=None,
        log_format=None,
        max_aggregation_interval=600,
        tags=None,
        purge_tags=True,
        state="present",
    )
    base.update(overrides)
    return base


def s3_params(**overrides):
    values = dict(
        log_destination_type="s3", log_group_name=None, deliver_logs_permission_arn=None, log_destination=BUCKET
    )
    values.update(overrides)
    return params(**values)


def flow_log(**overrides):
    base = dict(
        FlowLogId="fl-1",
        ResourceId="vpc-0123456789abcdef0",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/cvat/flow",
        LogDestination="arn:aws:logs:us-east-1:123456789012:log-group:/cvat/flow",
        DeliverLogsPermissionArn=ROLE,
        LogFormat="${version} ${action}",
        MaxAggregationInterval=600,
        Tags=[{"Key": "Name", "Value": "flow"}],
    )
    base.update(overrides)
    return base


def s3_flow_log(**overrides):
    values = dict(LogDestinationType="s3", LogGroupName=None, LogDestination=BUCKET, DeliverLogsPermissionArn=None)
    values.update(overrides)
    return flow_log(**values)


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({}, None),
        ({"resource_id": "subnet-1"}, "does not look like a VPC id"),
        ({"resource_id": "subnet-1", "resource_type": "Subnet"}, None),
        ({"resource_id": "eni-1", "resource_type": "NetworkInterface"}, None),
        ({"resource_id": "vpc-1", "resource_type": "NetworkInterface"}, "NetworkInterface"),
        ({"deliver_logs_permission_arn": None}, "deliver_logs_permission_arn is required"),
        ({"deliver_logs_permission_arn": None, "state": "absent"}, None),
        ({"log_destination": BUCKET}, "log_destination is for log_destination_type=s3"),
    ],
)
def test_validate_params_cloudwatch(overrides, error):
    _assert_problem(fl.validate_params(params(**overrides)), error)


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({}, None),
        ({"log_group_name": "/g"}, "log_group_name is only for"),
        ({"deliver_logs_permission_arn": ROLE}, "deliver_logs_permission_arn is only for"),
        ({"log_destination": "cvat-flow-logs"}, "must be the ARN"),
    ],
)
def test_validate_params_s3(overrides, error):
    _assert_problem(fl.validate_params(s3_params(**overrides)), error)


def _assert_problem(problem, error):
    """validate_params returns None for valid input, else a message containing ``error``."""
    if error is None:
        assert problem is None
    else:
        assert error in problem


@pytest.mark.parametrize(
    "existing, wanted, expected",
    [
        (flow_log(), params(), True),
        (flow_log(), params(traffic_type="REJECT"), False),
        (flow_log(ResourceId="vpc-other"), params(), False),
        (flow_log(LogGroupName="/other"), params(), False),
        # differences in immutable attributes do not change the identity
        (flow_log(MaxAggregationInterval=60, DeliverLogsPermissionArn="x"), params(), True),
        (flow_log(), s3_params(), False),
        (s3_flow_log(), s3_params(), True),
        (s3_flow_log(LogDestination=BUCKET + "/"), s3_params(), True),
        (s3_flow_log(LogDestination=BUCKET + "/prefix/"), s3_params(), False),
        (s3_flow_log(LogDestination=BUCKET + "/prefix/"), s3_params(log_destination=BUCKET + "/prefix"), True),
        # a flow log without LogDestinationType is a CloudWatch Logs one
        ({k: v for k, v in flow_log().items() if k != "LogDestinationType"}, params(), True),
    ],
)
def test_matches_identity(existing, wanted, expected):
    assert fl.matches_identity(existing, wanted) is expected


@pytest.mark.parametrize(
    "existing, wanted, expected",
    [
        (flow_log(), params(), []),
        (flow_log(), params(log_format="${version} ${action}"), []),
        (flow_log(), params(log_format="${version}"), ["log_format"]),
        (flow_log(MaxAggregationInterval=60), params(), ["max_aggregation_interval"]),
        (flow_log(), params(max_aggregation_interval=60), ["max_aggregation_interval"]),
        (flow_log(DeliverLogsPermissionArn="arn:other"), params(), ["deliver_logs_permission_arn"]),
        (
            flow_log(DeliverLogsPermissionArn="arn:other", MaxAggregationInterval=60),
            params(log_format="x"),
            ["max_aggregation_interval", "log_format", "deliver_logs_permission_arn"],
        ),
        (s3_flow_log(), s3_params(), []),
        (s3_flow_log(LogFormat="a"), s3_params(log_format="b"), ["log_format"]),
    ],
)
def test_immutable_differences(existing, wanted, expected):
    assert fl.immutable_differences(existing, wanted) == expected


def test_choose_flow_log_prefers_one_without_differences():
    stale = flow_log(FlowLogId="fl-old", MaxAggregationInterval=60)
    good = flow_log(FlowLogId="fl-good")
    assert fl.choose_flow_log([stale, good], params())["FlowLogId"] == "fl-good"
    assert fl.choose_flow_log([stale], params())["FlowLogId"] == "fl-old"
    assert fl.choose_flow_log([], params()) is None


def test_build_create_params_cloudwatch():
    created = fl.build_create_params(params(tags={"Name": "flow"}), {"Name": "flow"}, "token")
    assert created == {
        "ClientToken": "token",
        "ResourceIds": ["vpc-0123456789abcdef0"],
        "ResourceType": "VPC",
        "TrafficType": "ALL",
        "LogDestinationType": "cloud-watch-logs",
        "MaxAggregationInterval": 600,
        "LogGroupName": "/cvat/flow",
        "DeliverLogsPermissionArn": ROLE,
        "TagSpecifications": [{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "Name", "Value": "flow"}]}],
    }


def test_build_create_params_s3():
    created = fl.build_create_params(s3_params(log_format="${version}", max_aggregation_interval=60), {}, "t")
    assert created == {
        "ClientToken": "t",
        "ResourceIds": ["vpc-0123456789abcdef0"],
        "ResourceType": "VPC",
        "TrafficType": "ALL",
        "LogDestinationType": "s3",
        "LogDestination": BUCKET,
        "LogFormat": "${version}",
        "MaxAggregationInterval": 60,
    }


def test_normalize_flow_log_turns_tags_into_dict():
    normalized = fl.normalize_flow_log(flow_log())
    assert normalized["flow_log_id"] == "fl-1"
    assert normalized["tags"] == {"Name": "flow"}
    assert normalized["max_aggregation_interval"] == 600


def test_predicted_flow_log():
    predicted = fl.predicted_flow_log(params(log_format="${version}"), {"Name": "flow"})
    assert predicted == {
        "resource_id": "vpc-0123456789abcdef0",
        "traffic_type": "ALL",
        "log_destination_type": "cloud-watch-logs",
        "log_group_name": "/cvat/flow",
        "deliver_logs_permission_arn": ROLE,
        "log_format": "${version}",
        "max_aggregation_interval": 600,
        "tags": {"Name": "flow"},
    }


def test_diff_view_drops_volatile_keys():
    view = fl.diff_view(fl.normalize_flow_log(flow_log(DeliverLogsStatus="SUCCESS", FlowLogStatus="ACTIVE")))
    assert "deliver_logs_status" not in view and "flow_log_status" not in view
    assert view["flow_log_id"] == "fl-1"
    assert fl.diff_view(None) == {}


def test_unsuccessful_message():
    items = [{"ResourceId": "vpc-1", "Error": {"Code": "400", "Message": "LogDestination: b does not exist."}}]
    assert fl.unsuccessful_message(items) == "vpc-1: 400 LogDestination: b does not exist."
