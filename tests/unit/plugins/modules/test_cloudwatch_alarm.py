# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import cloudwatch_alarm as ca

BASE = {
    "name": "cvat-prod-hosts-cpu-high",
    "state": "present",
    "description": "CPU",
    "actions_enabled": True,
    "alarm_actions": ["arn:aws:sns:us-east-1:123456789012:t"],
    "ok_actions": ["arn:aws:sns:us-east-1:123456789012:t"],
    "insufficient_data_actions": [],
    "metric_name": "CPUUtilization",
    "namespace": "AWS/EC2",
    "dimensions": {"AutoScalingGroupName": "cvat-prod-app"},
    "statistic": "Average",
    "extended_statistic": None,
    "period": 300,
    "unit": None,
    "metrics": None,
    "evaluation_periods": 3,
    "datapoints_to_alarm": None,
    "threshold": 85,
    "comparison": "GreaterThanThreshold",
    "treat_missing_data": "missing",
    "evaluate_low_sample_count_percentile": None,
}


def _query(query_id, metric_name=None, expression=None, return_data=False):
    query = {"id": query_id, "return_data": return_data, "expression": expression, "label": None, "period": None, "metric_stat": None}
    if metric_name:
        query["metric_stat"] = {
            "metric": {"namespace": "AWS/ApplicationELB", "metric_name": metric_name, "dimensions": {"LoadBalancer": "app/x/1"}},
            "period": 300,
            "stat": "Sum",
            "unit": None,
        }
    return query


MATH = dict(
    BASE,
    metric_name=None,
    namespace=None,
    dimensions=None,
    statistic=None,
    period=None,
    metrics=[_query("rate", expression="100 * t / r", return_data=True), _query("t", "HTTPCode_Target_5XX_Count"), _query("r", "RequestCount")],
)

# What DescribeAlarms answers for the alarm BASE asks for (AWS adds state, timestamps and ARN).
DESCRIBED = {
    "AlarmName": "cvat-prod-hosts-cpu-high",
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cvat-prod-hosts-cpu-high",
    "AlarmDescription": "CPU",
    "ActionsEnabled": True,
    "OKActions": ["arn:aws:sns:us-east-1:123456789012:t"],
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:t"],
    "InsufficientDataActions": [],
    "StateValue": "INSUFFICIENT_DATA",
    "MetricName": "CPUUtilization",
    "Namespace": "AWS/EC2",
    "Statistic": "Average",
    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "cvat-prod-app"}],
    "Period": 300,
    "EvaluationPeriods": 3,
    "Threshold": 85.0,
    "ComparisonOperator": "GreaterThanThreshold",
}


def test_desired_alarm_of_a_single_metric():
    assert ca.desired_alarm(BASE) == {
        "AlarmName": "cvat-prod-hosts-cpu-high",
        "AlarmDescription": "CPU",
        "ActionsEnabled": True,
        "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:t"],
        "OKActions": ["arn:aws:sns:us-east-1:123456789012:t"],
        "InsufficientDataActions": [],
        "MetricName": "CPUUtilization",
        "Namespace": "AWS/EC2",
        "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "cvat-prod-app"}],
        "Statistic": "Average",
        "Period": 300,
        "EvaluationPeriods": 3,
        "Threshold": 85.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "missing",
    }


def test_desired_alarm_of_metric_math():
    desired = ca.desired_alarm(MATH)
    assert "MetricName" not in desired and "Dimensions" not in desired
    assert desired["Metrics"][0] == {"Id": "rate", "ReturnData": True, "Expression": "100 * t / r"}
    assert desired["Metrics"][2] == {
        "Id": "r",
        "ReturnData": False,
        "MetricStat": {
            "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer", "Value": "app/x/1"}]},
            "Period": 300,
            "Stat": "Sum",
        },
    }


def test_dimension_list_is_sorted_and_stringified():
    assert ca.dimension_list({"TargetGroup": "tg", "LoadBalancer": "lb", "Port": 80}) == [
        {"Name": "LoadBalancer", "Value": "lb"},
        {"Name": "Port", "Value": "80"},
        {"Name": "TargetGroup", "Value": "tg"},
    ]


def test_described_alarm_equals_its_request():
    # TreatMissingData left out by AWS means "missing"; "Metrics": [] of a single-metric alarm is no metrics.
    assert ca.differences(dict(DESCRIBED, Metrics=[]), ca.desired_alarm(BASE)) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"Threshold": 90.0}, ["threshold"]),
        ({"Dimensions": [{"Name": "AutoScalingGroupName", "Value": "other"}]}, ["dimensions"]),
        ({"AlarmActions": []}, ["alarm_actions"]),
        ({"TreatMissingData": "breaching"}, ["treat_missing_data"]),
        ({"ActionsEnabled": False}, ["actions_enabled"]),
        ({"Statistic": None, "ExtendedStatistic": "p95"}, ["statistic", "extended_statistic"]),
        ({"DatapointsToAlarm": 2}, ["datapoints_to_alarm"]),
        ({"AlarmDescription": "old"}, ["description"]),
        # Order of actions and dimensions, and an integer threshold, mean the same.
        ({"Threshold": 85, "OKActions": ["arn:aws:sns:us-east-1:123456789012:t"]}, []),
    ],
)
def test_differences(change, expected):
    current = {key: value for key, value in dict(DESCRIBED, **change).items() if value is not None}
    assert ca.differences(current, ca.desired_alarm(BASE)) == expected


def test_dimension_order_does_not_count():
    params = dict(BASE, dimensions={"LoadBalancer": "lb", "TargetGroup": "tg"})
    current = dict(DESCRIBED, Dimensions=[{"Name": "TargetGroup", "Value": "tg"}, {"Name": "LoadBalancer", "Value": "lb"}])
    assert ca.differences(current, ca.desired_alarm(params)) == []


def test_metric_math_alarm_as_described_is_unchanged():
    desired = ca.desired_alarm(MATH)
    # AWS describes a metric-math alarm with "Dimensions": [], its queries possibly in another order.
    described = {key: value for key, value in DESCRIBED.items() if key not in ("MetricName", "Namespace", "Statistic", "Period", "Dimensions")}
    described.update(Dimensions=[], Metrics=list(reversed(desired["Metrics"])))
    assert ca.differences(described, desired) == []
    described["Metrics"] = [dict(q, ReturnData=not q["ReturnData"]) if q["Id"] == "t" else q for q in desired["Metrics"]]
    assert ca.differences(described, desired) == ["metrics"]


def test_single_metric_alarm_turned_into_metric_math_differs():
    assert ca.differences(DESCRIBED, ca.desired_alarm(MATH)) == ["metric_name", "namespace", "dimensions", "statistic", "period", "metrics"]


@pytest.mark.parametrize(
    "params, problem",
    [
        (BASE, None),
        (MATH, None),
        (dict(BASE, state="absent", namespace=None, period=None, statistic=None), None),
        (dict(BASE, namespace=None), "namespace and period"),
        (dict(BASE, statistic=None), "statistic or extended_statistic"),
        (dict(MATH, metrics=[dict(q, return_data=False) for q in MATH["metrics"]]), "exactly one entry of metrics must have return_data"),
        (dict(MATH, metrics=[dict(q, return_data=True) for q in MATH["metrics"]]), "got 3"),
        (dict(MATH, metrics=[MATH["metrics"][0], dict(MATH["metrics"][1], expression="t * 2")]), "exactly one of expression and metric_stat"),
    ],
)
def test_validate_params(params, problem):
    found = ca.validate_params(params)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_result_alarm_keeps_tag_keys_as_they_are():
    shown = ca.result_alarm(DESCRIBED, {"CostCenter": "ops", "Name": "x"})
    assert shown["tags"] == {"CostCenter": "ops", "Name": "x"}
    assert shown["alarm_name"] == "cvat-prod-hosts-cpu-high" and shown["dimensions"] == [{"name": "AutoScalingGroupName", "value": "cvat-prod-app"}]
