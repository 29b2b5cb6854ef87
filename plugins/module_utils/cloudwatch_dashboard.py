# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch dashboards for cvatops.aws.cloudwatch_dashboard and cloudwatch_dashboard_info.

A dashboard body is JSON; AWS keeps the text it was given. Bodies are compared as parsed JSON, so the order of
keys and the whitespace of the text never count as a change, while the order of widgets and of a widget's
metrics (which AWS shows in that order) does.
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AnsibleCloudWatchDashboardError(AnsibleAWSError):
    pass


class DashboardErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleCloudWatchDashboardError

    @classmethod
    def _is_missing(cls):
        # GetDashboard and DeleteDashboards of a dashboard that does not exist.
        return is_boto3_error_code(["ResourceNotFound", "ResourceNotFoundException", "DashboardNotFoundError"])


def parse_body(body):
    """A dashboard body (JSON text, or already a dict) as a dict; ValueError if it is not a JSON object."""
    parsed = json.loads(body) if isinstance(body, (str, bytes)) else json.loads(json.dumps(body))
    if not isinstance(parsed, dict):
        raise ValueError(f"a dashboard body must be a JSON object, got {type(parsed).__name__}")
    return parsed


def body_text(body):
    """The JSON text sent to PutDashboard: keys sorted and compact, so that equal bodies are equal texts."""
    return json.dumps(parse_body(body), sort_keys=True, separators=(",", ":"))


def same_body(current, wanted):
    """Whether two bodies mean the same dashboard (both parsed; key order and whitespace do not count)."""
    return parse_body(current) == parse_body(wanted)


def dashboard_result(dashboard):
    """A GetDashboard answer as the modules return it: name, ARN and the body as a dict."""
    return {
        "dashboard_name": dashboard["DashboardName"],
        "dashboard_arn": dashboard.get("DashboardArn", ""),
        "dashboard_body": parse_body(dashboard.get("DashboardBody") or "{}"),
    }


@DashboardErrorHandler.list_error_handler("get dashboard {name}")
def get_dashboard(client, name):
    return client.get_dashboard(DashboardName=name, aws_retry=True)


@DashboardErrorHandler.list_error_handler("list dashboards", default_value=[])
def list_dashboards(client, prefix=None):
    request = {"DashboardNamePrefix": prefix} if prefix else {}
    entries = []
    while True:
        page = client.list_dashboards(aws_retry=True, **request)
        entries.extend(page.get("DashboardEntries") or [])
        if not page.get("NextToken"):
            return entries
        request["NextToken"] = page["NextToken"]
