# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per CloudWatch compatibility patch (tests/awsemu/patches_monitoring.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_monitoring.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

ClientFactory = Callable[..., Any]


def _alarm(cloudwatch: Any, name: str, tags: dict[str, str]) -> str:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=80,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
    )
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]


def _tags(cloudwatch: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def test_cloudwatch_delete_alarm_tags(aws_client: ClientFactory) -> None:
    """An alarm deleted and made again under its name has only its new tags; other alarms keep theirs."""
    cloudwatch = aws_client("cloudwatch")
    name, other = f"alarm-{uuid.uuid4().hex[:8]}", f"alarm-{uuid.uuid4().hex[:8]}"
    _alarm(cloudwatch, name, {"Project": "cvat", "Old": "yes"})
    other_arn = _alarm(cloudwatch, other, {"Project": "other"})
    cloudwatch.delete_alarms(AlarmNames=[name, "no-such-alarm"])
    arn = _alarm(cloudwatch, name, {"Project": "cvat"})
    assert _tags(cloudwatch, arn) == {"Project": "cvat"}
    assert _tags(cloudwatch, other_arn) == {"Project": "other"}
