#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_alarm
version_added: 0.1.0
short_description: CloudWatch metric alarms on one metric or on metric math, with tags
description:
  - Create, update or delete an Amazon CloudWatch metric alarm identified by its name. The alarm watches either one
    metric (O(metric_name), O(namespace), O(dimensions), O(statistic) or O(extended_statistic)) or the result of
    metric math over several metrics (O(metrics)).
  - The alarm AWS describes is compared with the options, setting by setting (dimensions and actions regardless of
    their order, and the defaults AWS applies (O(treat_missing_data=missing), actions enabled) counted as given).
    An unchanged alarm is not written again.
  - Unlike M(amazon.aws.cloudwatch_metric_alarm) (amazon.aws 11), a metric-math alarm is not rewritten on every run
    (that module leaves C(Metrics) out of the alarm it reads but not out of the one it wants), and the alarm is tagged.
  - Tags are given to a new alarm with it, and changed with TagResource and UntagResource afterwards, because
    PutMetricAlarm ignores the tags of an alarm that exists.
author:
  - cvatops maintainers (@cvatops)
options:
  name:
    description:
      - The name of the alarm, unique in the account and region.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the alarm, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - The description of the alarm.
    type: str
  actions_enabled:
    description:
      - Whether the alarm's actions run when its state changes.
    type: bool
    default: true
  alarm_actions:
    description:
      - ARNs of what the alarm notifies (for example SNS topics) when it goes to C(ALARM).
    type: list
    elements: str
    default: []
  ok_actions:
    description:
      - ARNs notified when the alarm goes back to C(OK).
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description:
      - ARNs notified when the alarm goes to C(INSUFFICIENT_DATA).
    type: list
    elements: str
    default: []
  metric_name:
    description:
      - The metric the alarm watches. Required with O(state=present) unless O(metrics) is set.
    type: str
  namespace:
    description:
      - The namespace of O(metric_name), for example V(AWS/EC2).
    type: str
  dimensions:
    description:
      - The dimensions of O(metric_name), as a dict of name to value.
    type: dict
  statistic:
    description:
      - The statistic of O(metric_name).
    type: str
    choices: [SampleCount, Average, Sum, Minimum, Maximum]
  extended_statistic:
    description:
      - A percentile statistic of O(metric_name) instead of O(statistic), for example V(p95).
    type: str
  period:
    description:
      - The period of O(metric_name) in seconds (10, 20, 30 or a multiple of 60).
    type: int
  unit:
    description:
      - The unit of O(metric_name); only data points in this unit are evaluated.
    type: str
  metrics:
    description:
      - The metrics and metric math expressions of a metric-math alarm. Exactly one of them has O(metrics[].return_data=true),
        the one the alarm watches.
    type: list
    elements: dict
    suboptions:
      id:
        description:
          - A short name of the query, used in expressions. Starts with a lower-case letter.
        type: str
        required: true
      expression:
        description:
          - A metric math expression over other queries' O(metrics[].id). Exactly one of O(metrics[].expression) and
            O(metrics[].metric_stat).
        type: str
      metric_stat:
        description:
          - A metric with its period and statistic.
        type: dict
        suboptions:
          metric:
            description:
              - The metric.
            type: dict
            required: true
            suboptions:
              namespace:
                description: The namespace of the metric.
                type: str
                required: true
              metric_name:
                description: The name of the metric.
                type: str
                required: true
              dimensions:
                description: The dimensions of the metric, as a dict of name to value.
                type: dict
                default: {}
          period:
            description: The period in seconds.
            type: int
            required: true
          stat:
            description: The statistic, for example V(Sum), V(Average) or V(p95).
            type: str
            required: true
          unit:
            description: Only data points in this unit are used.
            type: str
      label:
        description:
          - A human-readable label of the query.
        type: str
      return_data:
        description:
          - Whether the alarm watches this query; V(false) for the inputs of an expression.
        type: bool
        default: true
      period:
        description:
          - The period of an O(metrics[].expression) in seconds.
        type: int
  evaluation_periods:
    description:
      - How many periods are evaluated. Required with O(state=present).
    type: int
  datapoints_to_alarm:
    description:
      - How many of the O(evaluation_periods) must breach to go to C(ALARM) (M out of N); all of them when not set.
    type: int
  threshold:
    description:
      - The value compared with the metric. Required with O(state=present).
    type: float
  comparison:
    description:
      - How the metric is compared with O(threshold). Required with O(state=present).
    type: str
    choices:
      - GreaterThanOrEqualToThreshold
      - GreaterThanThreshold
      - LessThanThreshold
      - LessThanOrEqualToThreshold
  treat_missing_data:
    description:
      - How periods without data count.
    type: str
    choices: [breaching, notBreaching, ignore, missing]
    default: missing
  evaluate_low_sample_count_percentile:
    description:
      - With a percentile O(extended_statistic), whether periods with too few samples are evaluated.
    type: str
    choices: [evaluate, ignore]
notes:
  - The module needs C(cloudwatch:DescribeAlarms), C(cloudwatch:PutMetricAlarm), C(cloudwatch:DeleteAlarms),
    C(cloudwatch:ListTagsForResource), C(cloudwatch:TagResource) and C(cloudwatch:UntagResource).
  - Composite alarms and anomaly detection are not supported.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: CPU of the CVAT hosts
  cvatops.aws.cloudwatch_alarm:
    name: cvat-prod-hosts-cpu-high
    namespace: AWS/EC2
    metric_name: CPUUtilization
    dimensions:
      AutoScalingGroupName: cvat-prod-app
    statistic: Average
    period: 300
    evaluation_periods: 3
    threshold: 85
    comparison: GreaterThanThreshold
    alarm_actions: ["{{ topic_arn }}"]
    ok_actions: ["{{ topic_arn }}"]
    tags:
      Project: cvat

- name: Share of requests answered with a 5xx, as metric math
  cvatops.aws.cloudwatch_alarm:
    name: cvat-prod-alb-5xx-rate
    metrics:
      - id: rate
        expression: 100 * (target5xx + elb5xx) / requests
        label: 5xx responses (%)
      - id: target5xx
        metric_stat:
          metric:
            namespace: AWS/ApplicationELB
            metric_name: HTTPCode_Target_5XX_Count
            dimensions: {LoadBalancer: app/cvat-prod-alb/0123456789abcdef}
          period: 300
          stat: Sum
        return_data: false
      - id: elb5xx
        metric_stat:
          metric:
            namespace: AWS/ApplicationELB
            metric_name: HTTPCode_ELB_5XX_Count
            dimensions: {LoadBalancer: app/cvat-prod-alb/0123456789abcdef}
          period: 300
          stat: Sum
        return_data: false
      - id: requests
        metric_stat:
          metric:
            namespace: AWS/ApplicationELB
            metric_name: RequestCount
            dimensions: {LoadBalancer: app/cvat-prod-alb/0123456789abcdef}
          period: 300
          stat: Sum
        return_data: false
    evaluation_periods: 3
    threshold: 5
    comparison: GreaterThanThreshold
    treat_missing_data: notBreaching
    alarm_actions: ["{{ topic_arn }}"]

- name: Remove an alarm
  cvatops.aws.cloudwatch_alarm:
    name: cvat-prod-hosts-cpu-high
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the alarm was created, updated, re-tagged or deleted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
differences:
  description: The settings of an existing alarm that differed from the options (C(tags) included).
  returned: when O(state=present)
  type: list
  elements: str
  sample: ["threshold", "alarm_actions"]
alarm:
  description:
    - The alarm as DescribeAlarms returns it (snake_case), with its tags as a dict. In check mode, the alarm the
      change would lead to. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    alarm_name:
      description: The name.
      type: str
      returned: success
      sample: cvat-prod-hosts-cpu-high
    alarm_arn:
      description: The ARN (not known in check mode before the alarm exists).
      type: str
      returned: success
      sample: arn:aws:cloudwatch:us-east-1:123456789012:alarm:cvat-prod-hosts-cpu-high
    metric_name:
      description: The metric of a single-metric alarm.
      type: str
      returned: success
      sample: CPUUtilization
    dimensions:
      description: Its dimensions, as a list of C(name) and C(value).
      type: list
      elements: dict
      returned: success
      sample: [{"name": "AutoScalingGroupName", "value": "cvat-prod-app"}]
    metrics:
      description: The queries of a metric-math alarm.
      type: list
      elements: dict
      returned: success
    threshold:
      description: The threshold.
      type: float
      returned: success
      sample: 85.0
    comparison_operator:
      description: The comparison.
      type: str
      returned: success
      sample: GreaterThanThreshold
    alarm_actions:
      description: What is notified on C(ALARM).
      type: list
      elements: str
      returned: success
    ok_actions:
      description: What is notified on C(OK).
      type: list
      elements: str
      returned: success
    state_value:
      description: The alarm's state (absent in check mode before the alarm exists).
      type: str
      returned: success
      sample: OK
    tags:
      description: The alarm's tags.
      type: dict
      returned: success
      sample: {"Project": "cvat"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import apply_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tag_changes

# PutMetricAlarm parameters this module sets, with the option that sets each (for RV(differences)).
OPTION_OF = {
    "AlarmDescription": "description",
    "ActionsEnabled": "actions_enabled",
    "AlarmActions": "alarm_actions",
    "OKActions": "ok_actions",
    "InsufficientDataActions": "insufficient_data_actions",
    "MetricName": "metric_name",
    "Namespace": "namespace",
    "Dimensions": "dimensions",
    "Statistic": "statistic",
    "ExtendedStatistic": "extended_statistic",
    "Period": "period",
    "Unit": "unit",
    "Metrics": "metrics",
    "EvaluationPeriods": "evaluation_periods",
    "DatapointsToAlarm": "datapoints_to_alarm",
    "Threshold": "threshold",
    "ComparisonOperator": "comparison",
    "TreatMissingData": "treat_missing_data",
    "EvaluateLowSampleCountPercentile": "evaluate_low_sample_count_percentile",
}
# What AWS reports for a setting the request left out.
AWS_DEFAULTS = {"ActionsEnabled": True, "TreatMissingData": "missing"}
# Lists whose order AWS does not keep or that mean the same in any order.
UNORDERED = ("AlarmActions", "OKActions", "InsufficientDataActions")


class AnsibleCloudWatchError(AnsibleAWSError):
    pass


class AlarmErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleCloudWatchError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFound")


# --- pure helpers -----------------------------------------------------------------------------


def dimension_list(dimensions):
    """A dict of dimension name to value as the API's list of Name/Value, sorted by name."""
    return [{"Name": str(name), "Value": str(value)} for name, value in sorted((dimensions or {}).items())]


def _metric_query(query):
    """One O(metrics) entry as a MetricDataQuery."""
    result = {"Id": query["id"], "ReturnData": query.get("return_data", True) is not False}
    if query.get("expression"):
        result["Expression"] = query["expression"]
    stat = query.get("metric_stat")
    if stat:
        metric = stat["metric"]
        result["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metric_name"],
                "Dimensions": dimension_list(metric.get("dimensions")),
            },
            "Period": stat["period"],
            "Stat": stat["stat"],
        }
        if stat.get("unit"):
            result["MetricStat"]["Unit"] = stat["unit"]
    for option, key in (("label", "Label"), ("period", "Period")):
        if query.get(option) is not None:
            result[key] = query[option]
    return result


def desired_alarm(params):
    """The PutMetricAlarm request (without tags) that the options ask for."""
    alarm = {"AlarmName": params["name"]}
    for key, option in OPTION_OF.items():
        value = params.get(option)
        if key == "Dimensions":
            value = dimension_list(value) if value else None
        elif key == "Metrics":
            value = [_metric_query(query) for query in value] if value else None
        elif key == "Threshold" and value is not None:
            value = float(value)
        if value is not None:
            alarm[key] = value
    return alarm


def _comparable_query(query):
    query = dict(query)
    query.setdefault("ReturnData", True)
    stat = query.get("MetricStat")
    if stat:
        metric = dict(stat["Metric"])
        metric["Dimensions"] = sorted(metric.get("Dimensions") or [], key=lambda d: (d["Name"], d["Value"]))
        query["MetricStat"] = dict(stat, Metric=metric)
    return query


def comparable(alarm):
    """The settings of an alarm (DescribeAlarms entry or PutMetricAlarm request) in a form that compares equal when they mean the same."""
    result = {}
    for key in OPTION_OF:
        value = alarm.get(key)
        # AWS describes a single-metric alarm with "Metrics": [] and a metric-math one with "Dimensions": [].
        if value in (None, []) and key not in UNORDERED:
            continue
        if key == "Dimensions":
            value = sorted(value, key=lambda d: (d["Name"], d["Value"]))
        elif key == "Metrics":
            value = sorted((_comparable_query(query) for query in value), key=lambda q: q["Id"])
        elif key in UNORDERED:
            value = sorted(value or [])
        elif key == "Threshold":
            value = float(value)
        result[key] = value
    for key, default in AWS_DEFAULTS.items():
        result.setdefault(key, default)
    return result


def differences(current, desired):
    """The options whose settings differ between an existing alarm and the request, in option order."""
    have, want = comparable(current), comparable(desired)
    return [OPTION_OF[key] for key in OPTION_OF if have.get(key) != want.get(key)]


def validate_params(params):
    """An error message for combinations argument_spec can not check, or None."""
    if params["state"] == "absent":
        return None
    metrics = params.get("metrics") or []
    if metrics:
        returned = [query["id"] for query in metrics if query.get("return_data", True) is not False]
        if len(returned) != 1:
            return f"exactly one entry of metrics must have return_data: true (the one the alarm watches), got {len(returned)}: {returned}"
        for query in metrics:
            if bool(query.get("expression")) == bool(query.get("metric_stat")):
                return f"metrics entry {query['id']} needs exactly one of expression and metric_stat"
        return None
    if not params.get("namespace") or not params.get("period"):
        return "a single-metric alarm needs namespace and period with metric_name"
    if not params.get("statistic") and not params.get("extended_statistic"):
        return "a single-metric alarm needs statistic or extended_statistic"
    return None


def result_alarm(alarm, tags):
    """The RV(alarm) of an alarm as described (or predicted) and its tags."""
    shown = boto3_resource_to_ansible_dict(alarm, transform_tags=False, force_tags=False)
    shown["tags"] = dict(tags or {})
    return shown


# --- AWS calls -------------------------------------------------------------------------------


@AlarmErrorHandler.list_error_handler("describe alarm {name}")
def describe_alarm(client, name):
    alarms = client.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"], aws_retry=True).get("MetricAlarms") or []
    return alarms[0] if alarms else None


@AlarmErrorHandler.list_error_handler("list the tags of alarm {arn}")
def list_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceARN=arn, aws_retry=True).get("Tags") or [])


@AlarmErrorHandler.common_error_handler("put alarm {request[AlarmName]}")
def put_alarm(client, request):
    client.put_metric_alarm(aws_retry=True, **request)


@AlarmErrorHandler.common_error_handler("tag alarm {arn}")
def change_tags(client, arn, to_set, to_unset):
    if to_unset:
        client.untag_resource(ResourceARN=arn, TagKeys=list(to_unset), aws_retry=True)
    if to_set:
        client.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@AlarmErrorHandler.deletion_error_handler("delete alarm {name}")
def delete_alarm(client, name):
    client.delete_alarms(AlarmNames=[name], aws_retry=True)
    return True


def ensure_present(module, client):
    params = module.params
    desired = desired_alarm(params)
    current = describe_alarm(client, params["name"])
    if current is None:
        tags = dict(params["tags"] or {})
        if not module.check_mode:
            request = dict(desired, Tags=ansible_dict_to_boto3_tag_list(tags)) if tags else desired
            put_alarm(client, request)
            current = describe_alarm(client, params["name"]) or desired
            tags = list_tags(client, current["AlarmArn"]) if current.get("AlarmArn") else tags
        else:
            current = desired
        return dict(changed=True, differences=[], alarm=result_alarm(current, tags)), {}, result_alarm(desired, tags)

    current_tags = list_tags(client, current["AlarmArn"]) or {}
    before = result_alarm(current, current_tags)
    changed_settings = differences(current, desired)
    to_set, to_unset = tag_changes(current_tags, params["tags"], params["purge_tags"])
    found = changed_settings + (["tags"] if to_set or to_unset else [])
    if not found:
        return dict(changed=False, differences=[], alarm=before), before, before
    predicted = dict(current, **desired) if changed_settings else current
    after_tags = apply_tag_changes(current_tags, to_set, to_unset)
    if not module.check_mode:
        if changed_settings:
            put_alarm(client, desired)
        if to_set or to_unset:
            change_tags(client, current["AlarmArn"], to_set, to_unset)
        predicted = describe_alarm(client, params["name"]) or predicted
        after_tags = list_tags(client, current["AlarmArn"]) or {}
    after = result_alarm(predicted, after_tags)
    return dict(changed=True, differences=found, alarm=after), before, after


def ensure_absent(module, client):
    current = describe_alarm(client, module.params["name"])
    if current is None:
        return dict(changed=False, alarm={}), {}, {}
    if not module.check_mode:
        delete_alarm(client, module.params["name"])
    return dict(changed=True, alarm={}), result_alarm(current, {}), {}


def main():
    dimensions = dict(type="dict", default={})
    metric = dict(
        type="dict",
        required=True,
        options=dict(namespace=dict(type="str", required=True), metric_name=dict(type="str", required=True), dimensions=dimensions),
    )
    metric_stat = dict(
        type="dict",
        options=dict(metric=metric, period=dict(type="int", required=True), stat=dict(type="str", required=True), unit=dict(type="str")),
    )
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        actions_enabled=dict(type="bool", default=True),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        metric_name=dict(type="str"),
        namespace=dict(type="str"),
        dimensions=dict(type="dict"),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        extended_statistic=dict(type="str"),
        period=dict(type="int"),
        unit=dict(type="str"),
        metrics=dict(
            type="list",
            elements="dict",
            options=dict(
                id=dict(type="str", required=True),
                expression=dict(type="str"),
                metric_stat=metric_stat,
                label=dict(type="str"),
                return_data=dict(type="bool", default=True),
                period=dict(type="int"),
            ),
        ),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        threshold=dict(type="float"),
        comparison=dict(
            type="str",
            choices=["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"],
        ),
        treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"),
        evaluate_low_sample_count_percentile=dict(type="str", choices=["evaluate", "ignore"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    single_metric = ["metric_name", "namespace", "dimensions", "statistic", "extended_statistic", "period", "unit"]
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["metrics", option] for option in single_metric] + [["statistic", "extended_statistic"]],
        required_if=[["state", "present", ["evaluation_periods", "threshold", "comparison"]], ["state", "present", ["metric_name", "metrics"], True]],
    )
    problem = validate_params(module.params)
    if problem:
        module.fail_json(msg=problem)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())

    try:
        if module.params["state"] == "present":
            result, before, after = ensure_present(module, client)
        else:
            result, before, after = ensure_absent(module, client)
    except AnsibleCloudWatchError as e:
        module.fail_json_aws_error(e)

    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
