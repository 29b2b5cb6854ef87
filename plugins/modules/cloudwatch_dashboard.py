#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
version_added: 0.1.0
short_description: Amazon CloudWatch dashboards
description:
  - Create, update or delete a CloudWatch dashboard identified by its name (amazon.aws and community.aws have no
    module for dashboards).
  - The body is compared with the dashboard's as parsed JSON, so neither the order of keys nor whitespace counts as a
    change; the order of widgets and of a widget's metrics does, because the dashboard shows them in that order.
  - Warnings that AWS returns about a body it accepted (DashboardValidationMessages) are shown as warnings.
author:
  - cvatops maintainers (@cvatops)
options:
  name:
    description:
      - The name of the dashboard (up to 255 characters of letters, digits, V(-) and V(_)).
    type: str
    required: true
    aliases: [dashboard_name]
  body:
    description:
      - The dashboard body as described in the CloudWatch dashboard body structure (a dict with C(widgets) and
        optionally C(start), C(end), C(periodOverride)), or the same as JSON text.
      - Required with O(state=present).
    type: raw
  state:
    description:
      - V(present) creates or updates the dashboard, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The module needs C(cloudwatch:GetDashboard), C(cloudwatch:PutDashboard) and C(cloudwatch:DeleteDashboards).
  - Dashboards cannot be tagged.
seealso:
  - module: cvatops.aws.cloudwatch_dashboard_info
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Dashboard of the CVAT stack, its body built from a template
  cvatops.aws.cloudwatch_dashboard:
    name: cvat-prod
    body: "{{ lookup('ansible.builtin.template', 'dashboard.json.j2') | from_json }}"

- name: A dashboard with one widget
  cvatops.aws.cloudwatch_dashboard:
    name: cvat-prod-hosts
    body:
      widgets:
        - type: metric
          width: 12
          height: 6
          properties:
            title: CPU of the CVAT hosts
            region: us-east-1
            metrics:
              - [AWS/EC2, CPUUtilization, AutoScalingGroupName, cvat-prod-app]

- name: Remove it
  cvatops.aws.cloudwatch_dashboard:
    name: cvat-prod-hosts
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the dashboard was created, updated or deleted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
dashboard:
  description:
    - The dashboard; in check mode, the one the change would lead to. Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    dashboard_name:
      description: The name.
      type: str
      returned: success
      sample: cvat-prod
    dashboard_arn:
      description: The ARN (empty in check mode before the dashboard exists).
      type: str
      returned: success
      sample: arn:aws:cloudwatch::123456789012:dashboard/cvat-prod
    dashboard_body:
      description: The body, parsed.
      type: dict
      returned: success
      sample: {"widgets": []}
validation_messages:
  description: What AWS found questionable in a body it accepted.
  returned: when the dashboard was written
  type: list
  elements: dict
  sample: [{"data_path": "/widgets/0/properties", "message": "..."}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import AnsibleCloudWatchDashboardError
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import DashboardErrorHandler
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import body_text
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import dashboard_result
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import get_dashboard
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import parse_body
from ansible_collections.cvatops.aws.plugins.module_utils.cloudwatch_dashboard import same_body


@DashboardErrorHandler.common_error_handler("put dashboard {name}")
def put_dashboard(client, name, body):
    return client.put_dashboard(DashboardName=name, DashboardBody=body_text(body), aws_retry=True).get("DashboardValidationMessages") or []


@DashboardErrorHandler.deletion_error_handler("delete dashboard {name}")
def delete_dashboard(client, name):
    client.delete_dashboards(DashboardNames=[name], aws_retry=True)
    return True


def ensure_present(module, client, name, body):
    current = get_dashboard(client, name)
    before = dashboard_result(current) if current else {}
    if current and same_body(current.get("DashboardBody") or "{}", body):
        return dict(changed=False, dashboard=before), before, before
    after = {"dashboard_name": name, "dashboard_arn": before.get("dashboard_arn", ""), "dashboard_body": body}
    result = dict(changed=True, dashboard=after)
    if not module.check_mode:
        messages = put_dashboard(client, name, body)
        result["validation_messages"] = [boto3_resource_to_ansible_dict(message, force_tags=False) for message in messages]
        for message in messages:
            module.warn(f"Dashboard {name}: {message.get('DataPath', '')} {message.get('Message', '')}".strip())
        written = get_dashboard(client, name)
        if written:
            result["dashboard"] = after = dashboard_result(written)
    return result, before, after


def ensure_absent(module, client, name):
    current = get_dashboard(client, name)
    if not current:
        return dict(changed=False, dashboard={}), {}, {}
    if not module.check_mode:
        delete_dashboard(client, name)
    return dict(changed=True, dashboard={}), dashboard_result(current), {}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["dashboard_name"]),
        body=dict(type="raw"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, required_if=[["state", "present", ["body"]]])
    name = module.params["name"]
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())

    try:
        if module.params["state"] == "present":
            try:
                body = parse_body(module.params["body"])
            except (TypeError, ValueError) as e:
                module.fail_json(msg=f"body is not a JSON object: {e}")
            result, before, after = ensure_present(module, client, name, body)
        else:
            result, before, after = ensure_absent(module, client, name)
    except AnsibleCloudWatchDashboardError as e:
        module.fail_json_aws_error(e)

    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
