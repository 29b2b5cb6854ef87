# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cloudwatch_alarm, cloudwatch_dashboard(_info) and sns_topic_encryption against the emulator.

Each module's lifecycle: check mode, create, re-apply unchanged (only reads), update, delete (check mode first),
delete again. Every step is one ansible-playbook run; the state is read back with boto3 after each.
"""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from awsemu.server import merged_env
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("monitoring_modules")]

ALARM_PLAYBOOK = """
- name: One alarm
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Alarm
      cvatops.aws.cloudwatch_alarm:
        name: "{{ alarm.name }}"
        description: "{{ alarm.description | default(omit) }}"
        namespace: "{{ alarm.namespace | default(omit) }}"
        metric_name: "{{ alarm.metric_name | default(omit) }}"
        dimensions: "{{ alarm.dimensions | default(omit) }}"
        statistic: "{{ alarm.statistic | default(omit) }}"
        extended_statistic: "{{ alarm.extended_statistic | default(omit) }}"
        period: "{{ alarm.period | default(omit) }}"
        metrics: "{{ alarm.metrics | default(omit) }}"
        evaluation_periods: "{{ alarm.evaluation_periods | default(omit) }}"
        threshold: "{{ alarm.threshold | default(omit) }}"
        comparison: "{{ alarm.comparison | default(omit) }}"
        treat_missing_data: "{{ alarm.treat_missing_data | default(omit) }}"
        alarm_actions: "{{ alarm.alarm_actions | default(omit) }}"
        ok_actions: "{{ alarm.ok_actions | default(omit) }}"
        tags: "{{ alarm.tags | default(omit) }}"
        state: "{{ alarm.state | default(omit) }}"
"""

DASHBOARD_PLAYBOOK = """
- name: One dashboard
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Dashboard
      cvatops.aws.cloudwatch_dashboard:
        name: "{{ name }}"
        body: "{{ body | default(omit) }}"
        state: "{{ state | default(omit) }}"

    - name: Dashboard info
      cvatops.aws.cloudwatch_dashboard_info:
        name: "{{ name }}"
"""

ENCRYPTION_PLAYBOOK = """
- name: Topic encryption
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Encryption
      cvatops.aws.sns_topic_encryption:
        topic_arn: "{{ topic_arn }}"
        kms_master_key_id: "{{ key }}"
"""

CPU = {
    "namespace": "AWS/EC2",
    "metric_name": "CPUUtilization",
    "dimensions": {"AutoScalingGroupName": "cvat-app"},
    "statistic": "Average",
    "period": 300,
    "evaluation_periods": 3,
    "threshold": 85,
    "comparison": "GreaterThanThreshold",
    "description": "CPU of the CVAT hosts",
}


def _count_metric(query_id: str, metric_name: str) -> dict[str, Any]:
    return {
        "id": query_id,
        "return_data": False,
        "metric_stat": {
            "metric": {"namespace": "AWS/ApplicationELB", "metric_name": metric_name, "dimensions": {"LoadBalancer": "app/cvat/0123"}},
            "period": 300,
            "stat": "Sum",
        },
    }


RATE = {
    "metrics": [
        {"id": "rate", "expression": "100 * (FILL(t5, 0) + FILL(e5, 0)) / requests", "label": "5xx (%)"},
        _count_metric("t5", "HTTPCode_Target_5XX_Count"),
        _count_metric("e5", "HTTPCode_ELB_5XX_Count"),
        _count_metric("requests", "RequestCount"),
    ],
    "evaluation_periods": 3,
    "threshold": 5,
    "comparison": "GreaterThanThreshold",
    "treat_missing_data": "notBreaching",
}


@pytest.fixture(scope="module")
def env(aws_emulator):
    return merged_env(aws_emulator.env())


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory):
    directory = tmp_path_factory.mktemp("monitoring-playbooks")
    return SimpleNamespace(
        alarm=write_playbook(directory, "alarm.yml", ALARM_PLAYBOOK),
        dashboard=write_playbook(directory, "dashboard.yml", DASHBOARD_PLAYBOOK),
        encryption=write_playbook(directory, "encryption.yml", ENCRYPTION_PLAYBOOK),
    )


def _run(aws_emulator, playbook: str, env, task: str, *args: str, **extra_vars: Any) -> tuple[PlaybookRun, dict[str, Any], dict[str, int]]:
    """One run: its result of `task` and the write calls it made."""
    aws_emulator.reset_counts()
    if task == "Alarm":
        # Under one name: "namespace" alone would be Jinja's namespace() when it is not set.
        extra_vars = {"alarm": extra_vars}
    run = run_playbook(playbook, env, *args, extra_vars=extra_vars)
    assert run.returncode == 0, run.explain()
    return run, run.result(task), write_calls(aws_emulator.counts())


def _alarm(aws_client, name: str) -> dict[str, Any] | None:
    alarms = aws_client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return alarms[0] if alarms else None


def _alarm_tags(aws_client, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in aws_client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"]}


def test_single_metric_alarm_lifecycle(aws_emulator, aws_client, env, playbooks):
    name = f"alarm-{uuid.uuid4().hex[:8]}"
    topic = aws_client("sns").create_topic(Name=name)["TopicArn"]
    options = dict(CPU, name=name, alarm_actions=[topic], ok_actions=[topic], tags={"Project": "cvat"})

    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", "--check", "--diff", **options)
    assert result["changed"] is True and writes == {} and _alarm(aws_client, name) is None
    assert result["alarm"]["threshold"] == 85.0 and result["diff"]["before"] == {}

    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", **options)
    alarm = _alarm(aws_client, name)
    assert result["changed"] is True and set(writes) == {"monitoring:PutMetricAlarm"}
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Period"]) == ("AWS/EC2", "CPUUtilization", "Average", 300)
    assert alarm["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "cvat-app"}]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["ComparisonOperator"]) == (85.0, 3, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [topic] and alarm["OKActions"] == [topic] and alarm["AlarmDescription"] == "CPU of the CVAT hosts"
    assert _alarm_tags(aws_client, alarm["AlarmArn"]) == {"Project": "cvat"}
    assert result["alarm"]["alarm_arn"] == alarm["AlarmArn"] and result["alarm"]["tags"] == {"Project": "cvat"}

    # Unchanged: the threshold given as a string is the same alarm.
    same = {**options, "threshold": "85"}
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", **same)
    assert result["changed"] is False and result["differences"] == [] and writes == {}

    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", "--check", **{**options, "threshold": 90})
    assert result["changed"] is True and result["differences"] == ["threshold"] and writes == {}
    assert _alarm(aws_client, name)["Threshold"] == 85.0

    changed = {key: value for key, value in options.items() if key != "statistic"}
    changed.update(threshold=90, extended_statistic="p95", tags={"Project": "cvat", "Team": "ops"})
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", "--diff", **changed)
    alarm = _alarm(aws_client, name)
    assert result["changed"] is True and result["differences"] == ["statistic", "extended_statistic", "threshold", "tags"]
    assert set(writes) == {"monitoring:PutMetricAlarm", "monitoring:TagResource"}
    assert alarm["Threshold"] == 90.0 and alarm["ExtendedStatistic"] == "p95" and "Statistic" not in alarm
    assert _alarm_tags(aws_client, alarm["AlarmArn"]) == {"Project": "cvat", "Team": "ops"}
    assert result["diff"]["before"]["threshold"] == 85.0 and result["diff"]["after"]["threshold"] == 90.0

    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", "--check", name=name, state="absent")
    assert result["changed"] is True and writes == {} and _alarm(aws_client, name) is not None
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", name=name, state="absent")
    assert result["changed"] is True and writes == {"monitoring:DeleteAlarms": 1} and _alarm(aws_client, name) is None
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", name=name, state="absent")
    assert result["changed"] is False and writes == {}

    # Made again under the same name: only the tags given now.
    _run(aws_emulator, playbooks.alarm, env, "Alarm", **{**options, "tags": {"Project": "again"}})
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", **{**options, "tags": {"Project": "again"}})
    assert result["changed"] is False and writes == {}
    assert _alarm_tags(aws_client, _alarm(aws_client, name)["AlarmArn"]) == {"Project": "again"}


def test_metric_math_alarm_is_not_rewritten_when_unchanged(aws_emulator, aws_client, env, playbooks):
    name = f"rate-{uuid.uuid4().hex[:8]}"
    topic = aws_client("sns").create_topic(Name=name)["TopicArn"]
    options = dict(RATE, name=name, alarm_actions=[topic], ok_actions=[topic])

    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", **options)
    assert result["changed"] is True and set(writes) == {"monitoring:PutMetricAlarm"}
    alarm = _alarm(aws_client, name)
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert set(queries) == {"rate", "t5", "e5", "requests"}
    assert queries["rate"]["ReturnData"] is True and queries["rate"]["Expression"] == RATE["metrics"][0]["expression"]
    assert queries["requests"]["ReturnData"] is False
    assert queries["requests"]["MetricStat"] == {
        "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer", "Value": "app/cvat/0123"}]},
        "Period": 300,
        "Stat": "Sum",
    }

    # The queries in another order are the same alarm; amazon.aws.cloudwatch_metric_alarm would rewrite it.
    reordered = {**options, "metrics": list(reversed(RATE["metrics"]))}
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", **reordered)
    assert result["changed"] is False and writes == {}

    changed = json.loads(json.dumps(options))
    changed["metrics"][3]["metric_stat"]["period"] = 60
    _run_, result, writes = _run(aws_emulator, playbooks.alarm, env, "Alarm", **changed)
    assert result["changed"] is True and result["differences"] == ["metrics"] and set(writes) == {"monitoring:PutMetricAlarm"}
    assert {q["Id"]: q for q in _alarm(aws_client, name)["Metrics"]}["requests"]["MetricStat"]["Period"] == 60


def test_alarm_refuses_metric_math_without_exactly_one_result(aws_emulator, env, playbooks):
    metrics = [dict(query, return_data=False) for query in RATE["metrics"]]
    aws_emulator.reset_counts()
    run = run_playbook(playbooks.alarm, env, extra_vars={"alarm": {**RATE, "name": "never", "metrics": metrics}})
    assert run.returncode != 0
    assert "exactly one entry of metrics must have return_data" in run.result("Alarm")["msg"]
    assert write_calls(aws_emulator.counts()) == {}


def _dashboard(aws_client, name: str) -> dict[str, Any] | None:
    entries = aws_client("cloudwatch").list_dashboards(DashboardNamePrefix=name)["DashboardEntries"]
    if not [e for e in entries if e["DashboardName"] == name]:
        return None
    return json.loads(aws_client("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])


def test_dashboard_lifecycle(aws_emulator, aws_client, env, playbooks):
    name = f"dash-{uuid.uuid4().hex[:8]}"
    widget = {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
              "properties": {"title": "CPU", "region": "us-east-1", "metrics": [["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", "cvat-app"]]}}
    body = {"start": "-PT12H", "widgets": [widget]}

    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", "--check", "--diff", name=name, body=body)
    assert result["changed"] is True and writes == {} and _dashboard(aws_client, name) is None
    assert result["diff"] == {"before": {}, "after": {"dashboard_name": name, "dashboard_arn": "", "dashboard_body": body}}

    run, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", name=name, body=body)
    assert result["changed"] is True and writes == {"monitoring:PutDashboard": 1}
    assert _dashboard(aws_client, name) == body
    assert result["dashboard"]["dashboard_arn"].endswith(f":dashboard/{name}")
    assert run.result("Dashboard info")["dashboards"] == [result["dashboard"]]

    # The same body as JSON text with its keys in another order: unchanged.
    text = json.dumps({"widgets": [dict(reversed(list(widget.items())))], "start": "-PT12H"}, indent=4)
    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", name=name, body=text)
    assert result["changed"] is False and writes == {}

    second = dict(widget, x=12, properties=dict(widget["properties"], title="Memory"))
    updated = {"start": "-PT12H", "widgets": [widget, second]}
    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", "--check", name=name, body=updated)
    assert result["changed"] is True and writes == {} and _dashboard(aws_client, name) == body
    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", name=name, body=updated)
    assert result["changed"] is True and _dashboard(aws_client, name) == updated

    # The widgets' order is what the dashboard shows: a change.
    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", name=name, body={"start": "-PT12H", "widgets": [second, widget]})
    assert result["changed"] is True

    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", "--check", name=name, state="absent")
    assert result["changed"] is True and writes == {} and _dashboard(aws_client, name) is not None
    run, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", name=name, state="absent")
    assert result["changed"] is True and writes == {"monitoring:DeleteDashboards": 1} and _dashboard(aws_client, name) is None
    assert run.result("Dashboard info")["dashboards"] == []
    _run_, result, writes = _run(aws_emulator, playbooks.dashboard, env, "Dashboard", name=name, state="absent")
    assert result["changed"] is False and writes == {}


def test_sns_topic_encryption_lifecycle(aws_emulator, aws_client, env, playbooks):
    sns = aws_client("sns")
    topic = sns.create_topic(Name=f"topic-{uuid.uuid4().hex[:8]}")["TopicArn"]
    key = aws_client("kms").create_key()["KeyMetadata"]["Arn"]

    def current() -> str | None:
        return sns.get_topic_attributes(TopicArn=topic)["Attributes"].get("KmsMasterKeyId")

    _run_, result, writes = _run(aws_emulator, playbooks.encryption, env, "Encryption", "--check", "--diff", topic_arn=topic, key=key)
    assert result["changed"] is True and writes == {} and current() is None
    assert result["diff"] == {"before": {"kms_master_key_id": ""}, "after": {"kms_master_key_id": key}}
    _run_, result, writes = _run(aws_emulator, playbooks.encryption, env, "Encryption", topic_arn=topic, key=key)
    assert result["changed"] is True and writes == {"sns:SetTopicAttributes": 1} and current() == key
    _run_, result, writes = _run(aws_emulator, playbooks.encryption, env, "Encryption", topic_arn=topic, key=key)
    assert result["changed"] is False and writes == {}
    _run_, result, writes = _run(aws_emulator, playbooks.encryption, env, "Encryption", topic_arn=topic, key="alias/aws/sns")
    assert result["changed"] is True and current() == "alias/aws/sns" and result["kms_master_key_id"] == "alias/aws/sns"
    _run_, result, writes = _run(aws_emulator, playbooks.encryption, env, "Encryption", topic_arn=topic, key="")
    assert result["changed"] is True and current() is None

    missing = topic + "-gone"
    run = run_playbook(playbooks.encryption, env, extra_vars={"topic_arn": missing, "key": key})
    assert run.returncode != 0 and "does not exist" in run.result("Encryption")["msg"]
    _run_, result, writes = _run(aws_emulator, playbooks.encryption, env, "Encryption", "--check", topic_arn=missing, key=key)
    assert result["changed"] is True and writes == {}
