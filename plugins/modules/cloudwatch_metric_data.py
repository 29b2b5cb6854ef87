#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_metric_data
version_added: 0.1.0
short_description: Publish data points of custom CloudWatch metrics
description:
  - Publish one or more data points of custom metrics to Amazon CloudWatch (PutMetricData), for example the
    measured recovery time and the result of a restore test.
  - A data point is an event, not a state. Every run that is not in check mode publishes the data points and
    reports C(changed); in check mode nothing is published.
  - amazon.aws and community.aws have modules for alarms and metric filters, but none that publishes data.
author:
  - cvatops maintainers (@cvatops)
options:
  namespace:
    description:
      - The namespace of the metrics, for example V(cvatops/RestoreTest). Must not start with V(AWS/).
    type: str
    required: true
  metric_data:
    description:
      - The data points.
    type: list
    elements: dict
    required: true
    suboptions:
      metric_name:
        description: The name of the metric.
        type: str
        required: true
      value:
        description: The value of the data point.
        type: float
        required: true
      unit:
        description: The unit, for example V(Seconds), V(Count), V(None).
        type: str
        default: None
      dimensions:
        description: Dimensions of the data point, name -> value (at most 30).
        type: dict
        default: {}
      timestamp:
        description: When the value was measured, ISO 8601; default now.
        type: str
      storage_resolution:
        description: V(60) (standard) or V(1) (high resolution).
        type: int
        default: 60
        choices: [1, 60]
notes:
  - The module needs C(cloudwatch:PutMetricData).
  - Up to 1000 data points are sent per request; more are sent in several requests.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Record the result of the restore test
  cvatops.aws.cloudwatch_metric_data:
    namespace: cvatops/RestoreTest
    metric_data:
      - metric_name: RecoveryTimeSeconds
        value: 1324.5
        unit: Seconds
        dimensions: {Stack: cvat-prod}
      - metric_name: Succeeded
        value: 1
        unit: Count
        dimensions: {Stack: cvat-prod}
"""

RETURN = r"""
changed:
  description: Whether data points were published (or would be, in check mode).
  returned: always
  type: bool
  sample: true
namespace:
  description: The namespace the data points went to.
  returned: always
  type: str
  sample: cvatops/RestoreTest
metric_data:
  description: The data points as published (or as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{metric_name: Succeeded, value: 1.0, unit: Count, dimensions: {Stack: cvat-prod}, timestamp: "2026-12-06T03:40:12+00:00"}]
"""

from datetime import datetime
from datetime import timezone

from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils.timeparse import parse_time

# PutMetricData takes at most 1000 data points per request.
BATCH = 1000
MAX_DIMENSIONS = 30


class AnsibleCloudWatchError(AnsibleAWSError):
    pass


class MetricDataErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleCloudWatchError


# --- pure helpers -----------------------------------------------------------------------------


def problems(namespace, entries):
    """What is wrong with the options, as messages that name the option; empty when nothing."""
    found = []
    if not namespace or namespace.startswith("AWS/"):
        found.append(f"namespace {namespace!r} must be set and must not start with AWS/ (reserved for AWS)")
    for index, entry in enumerate(entries):
        dimensions = entry.get("dimensions") or {}
        if len(dimensions) > MAX_DIMENSIONS:
            found.append(f"metric_data[{index}].dimensions has {len(dimensions)} entries; CloudWatch allows {MAX_DIMENSIONS}")
        empty = [name for name, value in dimensions.items() if value in (None, "")]
        if empty:
            found.append(f"metric_data[{index}].dimensions {empty} have no value")
        if entry.get("timestamp"):
            try:
                parse_time(entry["timestamp"], "timestamp")
            except ValueError:
                found.append(f"metric_data[{index}].timestamp {entry['timestamp']!r} is not an ISO 8601 time")
    return found


def datum(entry, now):
    """One MetricDatum of PutMetricData."""
    return {
        "MetricName": entry["metric_name"],
        "Value": float(entry["value"]),
        "Unit": entry.get("unit") or "None",
        "Dimensions": [{"Name": str(name), "Value": str(value)} for name, value in sorted((entry.get("dimensions") or {}).items())],
        "Timestamp": parse_time(entry["timestamp"], "timestamp") if entry.get("timestamp") else now,
        "StorageResolution": int(entry.get("storage_resolution") or 60),
    }


def published(data):
    """The data points in the module's own terms, for the result."""
    return [
        {
            "metric_name": d["MetricName"],
            "value": d["Value"],
            "unit": d["Unit"],
            "dimensions": {dim["Name"]: dim["Value"] for dim in d["Dimensions"]},
            "timestamp": d["Timestamp"].isoformat(),
            "storage_resolution": d["StorageResolution"],
        }
        for d in data
    ]


def batches(data, size=BATCH):
    return [data[start:start + size] for start in range(0, len(data), size)]


# --- AWS calls -------------------------------------------------------------------------------


@MetricDataErrorHandler.common_error_handler("publish metric data to namespace {namespace}")
def put_metric_data(client, namespace, data):
    client.put_metric_data(Namespace=namespace, MetricData=data, aws_retry=True)


def main():
    argument_spec = dict(
        namespace=dict(type="str", required=True),
        metric_data=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                metric_name=dict(type="str", required=True),
                value=dict(type="float", required=True),
                unit=dict(type="str", default="None"),
                dimensions=dict(type="dict", default={}),
                timestamp=dict(type="str"),
                storage_resolution=dict(type="int", default=60, choices=[1, 60]),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    namespace, entries = module.params["namespace"], module.params["metric_data"]
    errors = problems(namespace, entries)
    if errors:
        module.fail_json(msg="; ".join(errors))
    now = datetime.now(timezone.utc)
    data = [datum(entry, now) for entry in entries]
    if not module.check_mode:
        client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
        try:
            for batch in batches(data):
                put_metric_data(client, namespace, batch)
        except AnsibleCloudWatchError as e:
            module.fail_json_aws_error(e)
    module.exit_json(changed=bool(data), namespace=namespace, metric_data=published(data))


if __name__ == "__main__":
    main()
