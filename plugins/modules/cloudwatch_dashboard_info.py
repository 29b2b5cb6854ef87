#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard_info
version_added: 0.1.0
short_description: Describe Amazon CloudWatch dashboards
description:
  - Describe one dashboard by name, or the dashboards whose names start with a prefix (all of the region without
    either), with their bodies parsed.
author:
  - cvatops maintainers (@cvatops)
options:
  name:
    description:
      - The name of one dashboard. An unknown name returns an empty list.
    type: str
    aliases: [dashboard_name]
  name_prefix:
    description:
      - Describe the dashboards whose names start with this.
    type: str
  include_body:
    description:
      - Whether to read each dashboard's body (one GetDashboard call per dashboard).
    type: bool
    default: true
notes:
  - The module needs C(cloudwatch:ListDashboards) and C(cloudwatch:GetDashboard).
seealso:
  - module: cvatops.aws.cloudwatch_dashboard
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The dashboard of the CVAT stack
  cvatops.aws.cloudwatch_dashboard_info:
    name: cvat-prod
  register: dashboard

- name: Titles of its widgets
  ansible.builtin.debug:
    msg: "{{ dashboard.dashboards[0].dashboard_body.widgets | map(attribute='properties.title') | list }}"

- name: Every dashboard of the cvat- stacks, without bodies
  cvatops.aws.cloudwatch_dashboard_info:
    name_prefix: cvat-
    include_body: false
"""

RETURN = r"""
dashboards:
  description: The dashboards, by name.
  returned: always
  type: list
  elements: dict
  contains:
    dashboard_name:
      description: The name.
      type: str
      returned: always
      sample: cvat-prod
    dashboard_arn:
      description: The ARN.
      type: str
      returned: always
      sample: arn:aws:cloudwatch::123456789012:dashboard/cvat-prod
    dashboard_body:
      description: The body, parsed.
      type: dict
      returned: when O(include_body=true)
      sample: {"widgets": []}
    last_modified:
      description: When the dashboard was last changed (not with O(name)).
      type: str
      returned: when listed by prefix
      sample: "2026-01-01T00:00:00+00:00"
    size:
      description: The size of the body in bytes (not with O(name)).
      type: int
      returned: when listed by prefix
      sample: 4096
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import AnsibleCloudWatchDashboardError
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import dashboard_result
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import get_dashboard
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import list_dashboards


def listed_entry(entry):
    """A ListDashboards entry as returned, without the body."""
    modified = entry.get("LastModified")
    return {
        "dashboard_name": entry["DashboardName"],
        "dashboard_arn": entry.get("DashboardArn", ""),
        "last_modified": modified.isoformat() if hasattr(modified, "isoformat") else modified,
        "size": entry.get("Size"),
    }


def describe(client, name, prefix, include_body):
    if name:
        found = get_dashboard(client, name)
        if not found:
            return []
        shown = dashboard_result(found)
        if not include_body:
            shown.pop("dashboard_body")
        return [shown]
    dashboards = []
    for entry in sorted(list_dashboards(client, prefix), key=lambda e: e["DashboardName"]):
        shown = listed_entry(entry)
        if include_body:
            found = get_dashboard(client, entry["DashboardName"])
            if not found:  # deleted between the list and the get
                continue
            shown["dashboard_body"] = dashboard_result(found)["dashboard_body"]
        dashboards.append(shown)
    return dashboards


def main():
    argument_spec = dict(
        name=dict(type="str", aliases=["dashboard_name"]),
        name_prefix=dict(type="str"),
        include_body=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[["name", "name_prefix"]])
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    try:
        dashboards = describe(client, module.params["name"], module.params["name_prefix"], module.params["include_body"])
    except AnsibleCloudWatchDashboardError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, dashboards=dashboards)


if __name__ == "__main__":
    main()
