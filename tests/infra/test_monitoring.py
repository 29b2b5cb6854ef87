# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring role in the converged local stack (site.yml twice): log groups, alarm topic, alarms, dashboard.

Everything is read back from the emulator with boto3 and compared with the other roles' resources found the same
way (load balancer, target group, Auto Scaling group, database, cache members, file system, KMS key).
"""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

STACK = "cvat-local"
GIB = 1024**3


@pytest.fixture(scope="module")
def stack(converged, client):
    """The other roles' resources the alarms and the dashboard must name."""
    assert converged.second.returncode == 0, converged.second.explain()
    elbv2 = client("elbv2")
    load_balancer = elbv2.describe_load_balancers(Names=[f"{STACK}-alb"])["LoadBalancers"][0]
    target_group = elbv2.describe_target_groups(Names=[f"{STACK}-app"])["TargetGroups"][0]
    group = client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[f"{STACK}-app"])["AutoScalingGroups"][0]
    database = client("rds").describe_db_instances(DBInstanceIdentifier=f"{STACK}-db")["DBInstances"][0]
    members = client("elasticache").describe_replication_groups(ReplicationGroupId=f"{STACK}-redis")["ReplicationGroups"][0]["MemberClusters"]
    file_system = client("efs").describe_file_systems(CreationToken=f"{STACK}-data")["FileSystems"][0]
    key_arn = client("kms").describe_key(KeyId=f"alias/{STACK}")["KeyMetadata"]["Arn"]
    topic = next(t["TopicArn"] for t in client("sns").list_topics()["Topics"] if t["TopicArn"].endswith(f":{STACK}-alarms"))
    return {
        "lb": load_balancer["LoadBalancerArn"].split(":loadbalancer/")[1],
        "tg": target_group["TargetGroupArn"].split(":")[-1],
        "asg": group["AutoScalingGroupName"],
        "min_size": group["MinSize"],
        "db": database["DBInstanceIdentifier"],
        "db_storage_gib": database["AllocatedStorage"],
        "members": sorted(members),
        "efs": file_system["FileSystemId"],
        "key_arn": key_arn,
        "topic": topic,
    }


@pytest.fixture(scope="module")
def alarms(converged, client):
    found = client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{STACK}-")["MetricAlarms"]
    return {alarm["AlarmName"].removeprefix(f"{STACK}-"): alarm for alarm in found}


def _dimensions(alarm_or_metric):
    return {d["Name"]: d["Value"] for d in alarm_or_metric.get("Dimensions") or []}


def _single_metric_alarms(stack):
    """what -> (namespace, metric, dimensions, statistic, comparison, threshold, treat missing data)."""
    lb, both = {"LoadBalancer": stack["lb"]}, {"LoadBalancer": stack["lb"], "TargetGroup": stack["tg"]}
    asg, db = {"AutoScalingGroupName": stack["asg"]}, {"DBInstanceIdentifier": stack["db"]}
    expected = {
        "hosts-cpu-high": ("AWS/EC2", "CPUUtilization", asg, "Average", "GreaterThanThreshold", 85, "missing"),
        "hosts-memory-high": ("CWAgent", "mem_used_percent", asg, "Average", "GreaterThanThreshold", 90, "missing"),
        "alb-p95-latency": ("AWS/ApplicationELB", "TargetResponseTime", lb, "p95", "GreaterThanThreshold", 3, "notBreaching"),
        "alb-unhealthy-hosts": ("AWS/ApplicationELB", "UnHealthyHostCount", both, "Maximum", "GreaterThanThreshold", 0, "notBreaching"),
        "alb-healthy-hosts-low": ("AWS/ApplicationELB", "HealthyHostCount", both, "Minimum", "LessThanThreshold", stack["min_size"], "breaching"),
        "db-cpu-high": ("AWS/RDS", "CPUUtilization", db, "Average", "GreaterThanThreshold", 80, "missing"),
        "db-free-storage-low": ("AWS/RDS", "FreeStorageSpace", db, "Minimum", "LessThanThreshold", stack["db_storage_gib"] * GIB // 10, "missing"),
        "db-freeable-memory-low": ("AWS/RDS", "FreeableMemory", db, "Minimum", "LessThanThreshold", 256 * 1024**2, "missing"),
        "db-connections-high": ("AWS/RDS", "DatabaseConnections", db, "Maximum", "GreaterThanThreshold", 300, "missing"),
        "efs-burst-credits-low": ("AWS/EFS", "BurstCreditBalance", {"FileSystemId": stack["efs"]}, "Minimum", "LessThanThreshold", 256 * GIB, "missing"),
        "backup-jobs-failed": (
            "AWS/Backup", "NumberOfBackupJobsFailed", {"BackupVaultName": f"{STACK}-backup"}, "Sum", "GreaterThanThreshold", 0, "notBreaching",
        ),
        "restore-test-failed": ("cvatops/RestoreTest", "Succeeded", {"Stack": STACK}, "Minimum", "LessThanThreshold", 1, "notBreaching"),
    }
    for member in stack["members"]:
        number = member.rsplit("-", 1)[1]
        cluster = {"CacheClusterId": member}
        expected[f"cache-{number}-memory-high"] = (
            "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", cluster, "Maximum", "GreaterThanThreshold", 80, "missing",
        )
        expected[f"cache-{number}-evictions"] = ("AWS/ElastiCache", "Evictions", cluster, "Sum", "GreaterThanThreshold", 0, "notBreaching")
    return expected


def test_log_groups_match_the_agent_and_are_encrypted_with_retention(client, stack, converged):
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/cvat/{STACK}/")["logGroups"]
    ours = {g["logGroupName"]: g for g in groups if not g["logGroupName"].endswith("/vpc-flow-logs")}
    # The names the CloudWatch agent configuration of cvat_docker writes to (its default suffixes).
    assert sorted(ours) == [f"/cvat/{STACK}/{suffix}" for suffix in ("cvat", "docker", "system")]
    for group in ours.values():
        assert group["retentionInDays"] == 30, group
        assert group["kmsKeyId"] == stack["key_arn"], group
        tags = client("logs").list_tags_log_group(logGroupName=group["logGroupName"])["tags"]
        assert tags["Stack"] == STACK and tags["ManagedBy"] == "cvatops.aws"


def test_alarm_topic_is_encrypted_with_the_stack_key_and_has_the_inventory_subscriptions(client, stack):
    sns = client("sns")
    attributes = sns.get_topic_attributes(TopicArn=stack["topic"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == stack["key_arn"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=stack["topic"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "cvat-alarms@example.com")]  # inventories/local
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=stack["topic"])["Tags"]}
    assert tags["Stack"] == STACK


def test_kms_key_policy_lets_cloudwatch_alarms_publish_to_the_encrypted_topic(client, stack):
    kms = client("kms")
    policy = json.loads(kms.get_key_policy(KeyId=stack["key_arn"], PolicyName="default")["Policy"])
    statements = [s for s in policy["Statement"] if s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"]
    assert len(statements) == 1
    assert statements[0]["Effect"] == "Allow"
    assert sorted(statements[0]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]


def test_every_alarm_watches_its_metric_and_notifies_the_topic(alarms, stack):
    expected = _single_metric_alarms(stack)
    assert set(alarms) == set(expected) | {"alb-5xx-rate"}
    for what, (namespace, metric, dimensions, statistic, comparison, threshold, missing) in expected.items():
        alarm = alarms[what]
        assert (alarm["Namespace"], alarm["MetricName"], _dimensions(alarm)) == (namespace, metric, dimensions), what
        assert (alarm.get("Statistic") or alarm.get("ExtendedStatistic")) == statistic, what
        assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm.get("TreatMissingData", "missing")) == (comparison, threshold, missing), what
    for what, alarm in alarms.items():
        assert alarm["AlarmActions"] == [stack["topic"]] and alarm["OKActions"] == [stack["topic"]], what
        assert alarm["ActionsEnabled"] is True


def test_alb_5xx_rate_is_metric_math_over_both_5xx_counts_and_the_requests(alarms, stack):
    alarm = alarms["alb-5xx-rate"]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    returned = [q for q in queries.values() if q["ReturnData"]]
    assert len(returned) == 1 and "Expression" in returned[0]
    inputs = {q["MetricStat"]["Metric"]["MetricName"]: q for q in queries.values() if "MetricStat" in q}
    assert set(inputs) == {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"}
    for query in inputs.values():
        assert query["MetricStat"]["Metric"]["Namespace"] == "AWS/ApplicationELB"
        assert _dimensions(query["MetricStat"]["Metric"]) == {"LoadBalancer": stack["lb"]}
        assert query["MetricStat"]["Stat"] == "Sum"
    expression = returned[0]["Expression"]
    ids = {name: query["Id"] for name, query in inputs.items()}
    assert expression.index(ids["RequestCount"]) > expression.index("/") > expression.index(ids["HTTPCode_ELB_5XX_Count"])
    assert ids["HTTPCode_Target_5XX_Count"] in expression and expression.startswith("100")
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["TreatMissingData"]) == ("GreaterThanThreshold", 5.0, "notBreaching")


def test_alarms_are_tagged_with_the_stack(client, alarms):
    cloudwatch = client("cloudwatch")
    for what, alarm in alarms.items():
        tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]}
        assert tags["Stack"] == STACK and tags["Name"] == alarm["AlarmName"], what


def _widget_metrics(widget):
    """(namespace, metric name, dimensions, stat) of every metric row of a widget (expressions left out)."""
    rows = []
    for row in widget["properties"].get("metrics", []):
        names = [item for item in row if not isinstance(item, dict)]
        options = next((item for item in row if isinstance(item, dict)), {})
        if len(names) >= 2:
            rows.append((names[0], names[1], dict(zip(names[2::2], names[3::2])), options.get("stat", widget["properties"].get("stat"))))
    return rows


def _expressions(widget):
    return [item["expression"] for row in widget["properties"].get("metrics", []) for item in row if isinstance(item, dict) and "expression" in item]


def test_dashboard_shows_every_success_metric(client, stack, alarms):
    body = json.loads(client("cloudwatch").get_dashboard(DashboardName=STACK)["DashboardBody"])
    widgets = body["widgets"]
    alarm_widgets = [w for w in widgets if w["type"] == "alarm"]
    assert len(alarm_widgets) == 1
    assert sorted(alarm_widgets[0]["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in alarms.values())

    metric_widgets = [w for w in widgets if w["type"] == "metric"]
    rows = [row for widget in metric_widgets for row in _widget_metrics(widget)]
    lb, both = {"LoadBalancer": stack["lb"]}, {"TargetGroup": stack["tg"], "LoadBalancer": stack["lb"]}
    asg, db = {"AutoScalingGroupName": stack["asg"]}, {"DBInstanceIdentifier": stack["db"]}
    vault = {"BackupVaultName": f"{STACK}-backup"}
    success_metrics = {
        "availability: healthy hosts": ("AWS/ApplicationELB", "HealthyHostCount", both, "Minimum"),
        "availability: 2xx": ("AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", lb, "Sum"),
        "availability and errors: 5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum"),
        "errors: load balancer 5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum"),
        "latency p50": ("AWS/ApplicationELB", "TargetResponseTime", lb, "p50"),
        "latency p95": ("AWS/ApplicationELB", "TargetResponseTime", lb, "p95"),
        "throughput": ("AWS/ApplicationELB", "RequestCount", lb, "Sum"),
        "hosts cpu": ("AWS/EC2", "CPUUtilization", asg, "Average"),
        "hosts memory": ("CWAgent", "mem_used_percent", asg, "Average"),
        "instance-hours": ("AWS/AutoScaling", "GroupInServiceInstances", asg, "Average"),
        "database cpu": ("AWS/RDS", "CPUUtilization", db, "Average"),
        "database storage": ("AWS/RDS", "FreeStorageSpace", db, "Minimum"),
        "database connections": ("AWS/RDS", "DatabaseConnections", db, "Maximum"),
        "efs": ("AWS/EFS", "BurstCreditBalance", {"FileSystemId": stack["efs"]}, "Minimum"),
        "backup status: failed": ("AWS/Backup", "NumberOfBackupJobsFailed", vault, "Sum"),
        "backup status: completed": ("AWS/Backup", "NumberOfBackupJobsCompleted", vault, "Sum"),
        "backup status: copies": ("AWS/Backup", "NumberOfCopyJobsFailed", vault, "Sum"),
        "restore test: recovery time": ("cvatops/RestoreTest", "RecoveryTimeSeconds", {"Stack": STACK}, "Maximum"),
        "restore test: result": ("cvatops/RestoreTest", "Succeeded", {"Stack": STACK}, "Minimum"),
    }
    for member in stack["members"]:
        success_metrics[f"cache memory {member}"] = ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", {"CacheClusterId": member}, "Maximum")
        success_metrics[f"cache evictions {member}"] = ("AWS/ElastiCache", "Evictions", {"CacheClusterId": member}, "Sum")
    missing = {what: metric for what, metric in success_metrics.items() if metric not in rows}
    assert missing == {}

    expressions = [e for widget in metric_widgets for e in _expressions(widget)]
    assert any(e.startswith("RUNNING_SUM(") for e in expressions), expressions  # instance-hours over time
    assert any(e.startswith("100 * (1 -") and e.endswith("/ requests)") for e in expressions), expressions  # availability %
    for widget in metric_widgets:
        assert widget["properties"]["region"] == "us-east-1"
        assert widget["properties"]["metrics"], widget["properties"]["title"]
    # Laid out without overlaps.
    cells = [(x, y) for w in widgets for x in range(w["x"], w["x"] + w["width"]) for y in range(w["y"], w["y"] + w["height"])]
    assert len(cells) == len(set(cells))
