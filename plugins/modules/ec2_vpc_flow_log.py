#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
version_added: 0.1.0
short_description: Manage VPC flow logs
description:
  - Create, replace, tag or delete a flow log of a VPC, a subnet or a network interface.
  - A flow log is identified by its resource (O(resource_id)), its destination (O(log_group_name) for
    CloudWatch Logs, O(log_destination) for S3) and its O(traffic_type). Changing one of these
    manages another flow log; the previous one is left alone unless it is removed with O(state=absent).
  - Flow logs can not be modified. When the flow log exists but O(max_aggregation_interval),
    O(log_format) or O(deliver_logs_permission_arn) differ, the module deletes it and creates a new one,
    and returns RV(replaced=true). Tags are updated in place.
author:
  - cvatops maintainers (@cvatops)
options:
  resource_id:
    description:
      - The id of the VPC, subnet or network interface whose traffic is logged.
    type: str
    required: true
  resource_type:
    description:
      - The type of O(resource_id).
    type: str
    choices: ["VPC", "Subnet", "NetworkInterface"]
    default: "VPC"
  traffic_type:
    description:
      - Which traffic to log.
    type: str
    choices: ["ACCEPT", "REJECT", "ALL"]
    default: "ALL"
  log_destination_type:
    description:
      - Where the flow log records are delivered.
    type: str
    choices: ["cloud-watch-logs", "s3"]
    default: "cloud-watch-logs"
  log_group_name:
    description:
      - The name of the CloudWatch Logs log group the records are published to.
      - Required when O(log_destination_type=cloud-watch-logs), not allowed otherwise.
    type: str
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role that lets the flow logs service publish to the log group.
      - Required when O(state=present) and O(log_destination_type=cloud-watch-logs), not allowed with
        O(log_destination_type=s3).
    type: str
  log_destination:
    description:
      - The ARN of the S3 bucket (optionally followed by C(/prefix)) the records are published to.
      - Required when O(log_destination_type=s3), not allowed otherwise.
    type: str
  log_format:
    description:
      - The fields and their order in a flow log record, for example
        V(${version} ${vpc-id} ${subnet-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${action}).
      - If not set, AWS uses its default format for a new flow log and the format of an existing
        flow log is not compared.
    type: str
  max_aggregation_interval:
    description:
      - The longest time in seconds during which a flow of packets is captured into one record.
    type: int
    choices: [60, 600]
    default: 600
  state:
    description:
      - Whether the flow log should exist.
      - V(absent) deletes every flow log of O(resource_id) with this destination and O(traffic_type).
    type: str
    choices: ["present", "absent"]
    default: "present"
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log rejected traffic of the VPC to CloudWatch Logs
  cvatops.aws.ec2_vpc_flow_log:
    resource_id: "{{ vpc.vpc.id }}"
    traffic_type: REJECT
    log_group_name: /cvat/vpc-flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/cvat-flow-logs
    max_aggregation_interval: 60
    tags:
      Name: cvat-vpc-flow-log
  register: flow_log

- name: Log all traffic of one subnet to S3 with a custom format
  cvatops.aws.ec2_vpc_flow_log:
    resource_id: subnet-0123456789abcdef0
    resource_type: Subnet
    log_destination_type: s3
    log_destination: arn:aws:s3:::cvat-flow-logs/subnets/
    log_format: "${version} ${vpc-id} ${subnet-id} ${srcaddr} ${dstaddr} ${action}"

- name: Remove the VPC flow log
  cvatops.aws.ec2_vpc_flow_log:
    resource_id: "{{ vpc.vpc.id }}"
    traffic_type: REJECT
    log_group_name: /cvat/vpc-flow-logs
    state: absent
"""

RETURN = r"""
changed:
  description: Whether a flow log was created, replaced, re-tagged or deleted (or would be, in check mode).
  returned: always
  type: bool
  sample: true
replaced:
  description: Whether an existing flow log was (or would be, in check mode) deleted and created anew
    because an immutable attribute differed.
  returned: always
  type: bool
  sample: false
replaced_flow_log_id:
  description: The id of the flow log that was replaced.
  returned: when RV(replaced=true)
  type: str
  sample: fl-0123456789abcdef0
deleted_flow_log_ids:
  description: The ids of the flow logs deleted (or that would be, in check mode) with O(state=absent).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: ["fl-0123456789abcdef0"]
flow_log:
  description:
    - The flow log.
    - In check mode, for a flow log that would be created, only the requested attributes are set.
  returned: when O(state=present)
  type: complex
  contains:
    flow_log_id:
      description: The id of the flow log.
      returned: when the flow log exists
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The id of the logged resource.
      returned: always
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: The logged traffic.
      returned: always
      type: str
      sample: ALL
    log_destination_type:
      description: The type of destination.
      returned: always
      type: str
      sample: cloud-watch-logs
    log_group_name:
      description: The log group name.
      returned: when the destination is CloudWatch Logs
      type: str
      sample: /cvat/vpc-flow-logs
    log_destination:
      description: The ARN of the destination.
      returned: when the flow log exists, or the destination is S3
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:log-group:/cvat/vpc-flow-logs
    deliver_logs_permission_arn:
      description: The ARN of the IAM role that publishes to CloudWatch Logs.
      returned: when the destination is CloudWatch Logs
      type: str
      sample: arn:aws:iam::123456789012:role/cvat-flow-logs
    deliver_logs_status:
      description: The status of the log delivery.
      returned: when the flow log exists
      type: str
      sample: SUCCESS
    deliver_logs_error_message:
      description: Why the delivery failed.
      returned: when the delivery failed
      type: str
      sample: Access error
    flow_log_status:
      description: The status of the flow log.
      returned: when the flow log exists
      type: str
      sample: ACTIVE
    log_format:
      description: The format of the flow log records.
      returned: when the flow log exists, or O(log_format) is set
      type: str
      sample: >-
        ${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport}
        ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}
    max_aggregation_interval:
      description: The aggregation interval in seconds.
      returned: always
      type: int
      sample: 600
    creation_time:
      description: When the flow log was created.
      returned: when the flow log exists
      type: str
      sample: "2024-01-01T12:00:00+00:00"
    tags:
      description: The tags of the flow log.
      returned: always
      type: dict
      sample: {"Name": "cvat-vpc-flow-log"}
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.amazon.aws.plugins.module_utils.transformation import boto3_resource_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.transformation import scrub_none_parameters
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import apply_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import replacement_tags
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tag_changes

CLOUDWATCH = "cloud-watch-logs"
S3 = "s3"
RESOURCE_ID_PREFIX = {"VPC": "vpc-", "Subnet": "subnet-", "NetworkInterface": "eni-"}
FLOW_LOG_NOT_FOUND = "InvalidFlowLogId.NotFound"


class EC2FlowLogErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(FLOW_LOG_NOT_FOUND)


# --- pure helpers -----------------------------------------------------------------------------


def validate_params(params):
    """Returns an error message for combinations argument_spec can not express, or None."""
    resource_type, resource_id = params["resource_type"], params["resource_id"]
    prefix = RESOURCE_ID_PREFIX[resource_type]
    if not resource_id.startswith(prefix):
        return f"resource_id {resource_id} does not look like a {resource_type} id ({prefix}...); set resource_type"
    if params["log_destination_type"] == CLOUDWATCH:
        if params.get("log_destination"):
            return "log_destination is for log_destination_type=s3; use log_group_name with cloud-watch-logs"
        if params["state"] == "present" and not params.get("deliver_logs_permission_arn"):
            return "deliver_logs_permission_arn is required with log_destination_type=cloud-watch-logs"
    else:
        for name in ("log_group_name", "deliver_logs_permission_arn"):
            if params.get(name):
                return f"{name} is only for log_destination_type=cloud-watch-logs"
        if not params["log_destination"].startswith("arn:"):
            return f"log_destination must be the ARN of an S3 bucket, got {params['log_destination']}"
    return None


def _normalize_destination(arn):
    return (arn or "").rstrip("/")


def matches_identity(flow_log, params):
    """Is this boto3 FlowLog the one described by params (resource, destination and traffic type)?"""
    destination_type = flow_log.get("LogDestinationType") or CLOUDWATCH
    if flow_log.get("ResourceId") != params["resource_id"]:
        return False
    if flow_log.get("TrafficType") != params["traffic_type"]:
        return False
    if destination_type != params["log_destination_type"]:
        return False
    if destination_type == CLOUDWATCH:
        return flow_log.get("LogGroupName") == params["log_group_name"]
    return _normalize_destination(flow_log.get("LogDestination")) == _normalize_destination(params["log_destination"])


def immutable_differences(flow_log, params):
    """Names of the options whose value differs from the existing flow log and can only change by replacement."""
    differences = []
    if int(flow_log.get("MaxAggregationInterval") or 600) != params["max_aggregation_interval"]:
        differences.append("max_aggregation_interval")
    if params.get("log_format") is not None and flow_log.get("LogFormat") != params["log_format"]:
        differences.append("log_format")
    if params["log_destination_type"] == CLOUDWATCH:
        if flow_log.get("DeliverLogsPermissionArn") != params["deliver_logs_permission_arn"]:
            differences.append("deliver_logs_permission_arn")
    return differences


def choose_flow_log(matches, params):
    """The flow log to keep among the matches: one that needs no replacement if there is one."""
    for flow_log in matches:
        if not immutable_differences(flow_log, params):
            return flow_log
    return matches[0] if matches else None


def build_create_params(params, tags, client_token):
    """Keyword arguments of ec2.create_flow_logs()."""
    create = {
        "ClientToken": client_token,
        "ResourceIds": [params["resource_id"]],
        "ResourceType": params["resource_type"],
        "TrafficType": params["traffic_type"],
        "LogDestinationType": params["log_destination_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
        "LogFormat": params.get("log_format"),
        "TagSpecifications": boto3_tag_specifications(tags, ["vpc-flow-log"]),
    }
    if params["log_destination_type"] == CLOUDWATCH:
        create["LogGroupName"] = params["log_group_name"]
        create["DeliverLogsPermissionArn"] = params["deliver_logs_permission_arn"]
    else:
        create["LogDestination"] = params["log_destination"]
    return scrub_none_parameters(create)


def normalize_flow_log(flow_log):
    return boto3_resource_to_ansible_dict(flow_log)


def predicted_flow_log(params, tags):
    """What check mode can tell about a flow log that would be created."""
    create = build_create_params(params, None, None)
    create.pop("ResourceIds")
    create.pop("ResourceType")
    predicted = boto3_resource_to_ansible_dict(create, force_tags=False)
    predicted["resource_id"] = params["resource_id"]
    predicted["tags"] = dict(tags or {})
    return predicted


def diff_view(flow_log):
    if not flow_log:
        return {}
    volatile = ("creation_time", "deliver_logs_status", "deliver_logs_error_message", "flow_log_status")
    return {k: v for k, v in flow_log.items() if k not in volatile}


def unsuccessful_message(unsuccessful):
    messages = []
    for item in unsuccessful:
        error = item.get("Error") or {}
        messages.append(f"{item.get('ResourceId', '?')}: {error.get('Code', '?')} {error.get('Message', '')}".strip())
    return "; ".join(messages)


# --- AWS calls -------------------------------------------------------------------------------


@EC2FlowLogErrorHandler.list_error_handler("describe flow logs of {resource_id}", [])
@AWSRetry.jittered_backoff()
def describe_flow_logs_of(client, resource_id):
    paginator = client.get_paginator("describe_flow_logs")
    filters = [{"Name": "resource-id", "Values": [resource_id]}]
    return paginator.paginate(Filters=filters).build_full_result()["FlowLogs"]


@EC2FlowLogErrorHandler.list_error_handler("describe flow log {flow_log_id}")
def describe_flow_log(client, flow_log_id):
    flow_logs = client.describe_flow_logs(FlowLogIds=[flow_log_id], aws_retry=True)["FlowLogs"]
    return flow_logs[0] if flow_logs else None


@EC2FlowLogErrorHandler.common_error_handler("create flow log")
def _create_flow_log(client, create_params):
    return client.create_flow_logs(aws_retry=True, **create_params)


def create_flow_log(client, create_params, timeout=60):
    """Creates the flow log and returns its description (waiting until DescribeFlowLogs shows it)."""
    response = _create_flow_log(client, create_params)
    if response.get("Unsuccessful") or not response.get("FlowLogIds"):
        raise AnsibleEC2Error(
            message=f"Failed to create flow log: {unsuccessful_message(response.get('Unsuccessful') or [])}"
        )
    flow_log_id = response["FlowLogIds"][0]
    deadline = time.monotonic() + timeout
    delay = 1
    while True:
        flow_log = describe_flow_log(client, flow_log_id)
        if flow_log or time.monotonic() >= deadline:
            return flow_log or {"FlowLogId": flow_log_id}
        time.sleep(delay)
        delay = min(delay * 2, 10)


@EC2FlowLogErrorHandler.deletion_error_handler("delete flow logs {flow_log_ids}")
def delete_flow_logs(client, flow_log_ids):
    response = client.delete_flow_logs(FlowLogIds=list(flow_log_ids), aws_retry=True)
    failures = [u for u in response.get("Unsuccessful") or [] if u.get("Error", {}).get("Code") != FLOW_LOG_NOT_FOUND]
    if failures:
        raise AnsibleEC2Error(message=f"Failed to delete flow logs: {unsuccessful_message(failures)}")
    return True


@EC2FlowLogErrorHandler.common_error_handler("tag flow log {flow_log_id}")
def set_tags(client, flow_log_id, to_set, to_unset):
    if to_unset:
        client.delete_tags(Resources=[flow_log_id], Tags=[{"Key": key} for key in to_unset], aws_retry=True)
    if to_set:
        client.create_tags(Resources=[flow_log_id], Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


# --- state handlers ------------------------------------------------------------------------


def ensure_present(client, module, current):
    """Returns (changed, result extras, final boto3-or-ansible flow log)."""
    params = module.params
    tags, purge_tags = params["tags"], params["purge_tags"]
    current_tags = boto3_tag_list_to_ansible_dict(current.get("Tags") or []) if current else {}

    if current is None or immutable_differences(current, params):
        new_tags = replacement_tags(current_tags, tags, purge_tags)
        extras = {"replaced": current is not None}
        if current is not None:
            extras["replaced_flow_log_id"] = current["FlowLogId"]
        if module.check_mode:
            return True, extras, predicted_flow_log(params, new_tags)
        if current is not None:
            delete_flow_logs(client, [current["FlowLogId"]])
        created = create_flow_log(client, build_create_params(params, new_tags, str(uuid.uuid4())))
        return True, extras, normalize_flow_log(created)

    to_set, to_unset = tag_changes(current_tags, tags, purge_tags)
    if not to_set and not to_unset:
        return False, {"replaced": False}, normalize_flow_log(current)
    final = normalize_flow_log(current)
    final["tags"] = apply_tag_changes(current_tags, to_set, to_unset)
    if not module.check_mode:
        set_tags(client, current["FlowLogId"], to_set, to_unset)
        final = normalize_flow_log(describe_flow_log(client, current["FlowLogId"]) or current)
    return True, {"replaced": False}, final


def ensure_absent(client, module, matches):
    ids = [fl["FlowLogId"] for fl in matches]
    if ids and not module.check_mode:
        delete_flow_logs(client, ids)
    return bool(ids), {"replaced": False, "deleted_flow_log_ids": ids}, None


def main():
    argument_spec = dict(
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        traffic_type=dict(type="str", default="ALL", choices=["ACCEPT", "REJECT", "ALL"]),
        log_destination_type=dict(type="str", default=CLOUDWATCH, choices=[CLOUDWATCH, S3]),
        log_group_name=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        log_destination=dict(type="str"),
        log_format=dict(type="str"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[
            ("log_destination_type", CLOUDWATCH, ["log_group_name"]),
            ("log_destination_type", S3, ["log_destination"]),
        ],
        supports_check_mode=True,
    )
    problem = validate_params(module.params)
    if problem:
        module.fail_json(msg=problem)

    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        on_resource = describe_flow_logs_of(client, module.params["resource_id"])
        matches = [fl for fl in on_resource if matches_identity(fl, module.params)]
        current = choose_flow_log(matches, module.params)
        if module.params["state"] == "present":
            changed, extras, final = ensure_present(client, module, current)
        else:
            changed, extras, final = ensure_absent(client, module, matches)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)

    result = dict(changed=changed, **extras)
    if module.params["state"] == "present":
        result["flow_log"] = final
    if module._diff:
        result["diff"] = {
            "before": diff_view(normalize_flow_log(current)) if current else {},
            "after": diff_view(final),
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
