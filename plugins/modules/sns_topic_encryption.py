#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_topic_encryption
version_added: 0.1.0
short_description: Server-side encryption of an Amazon SNS topic with a KMS key
description:
  - Set or remove the KMS key (topic attribute C(KmsMasterKeyId)) that encrypts the messages an SNS topic stores.
    M(community.aws.sns_topic) manages the topic, its subscriptions and tags but cannot set this attribute.
  - The key is compared as given (AWS keeps the key id, ARN or alias it was set with), so give it the same way on
    every run.
author:
  - cvatops maintainers (@cvatops)
options:
  topic_arn:
    description:
      - The ARN of the topic, for example RV(community.aws.sns_topic#module:sns_arn).
      - A topic that does not exist is an error, except in check mode, where it counts as not encrypted.
    type: str
    required: true
  kms_master_key_id:
    description:
      - The KMS key that encrypts the topic (key id, key ARN, alias name or alias ARN), or V("") for no encryption.
      - Publishers to an encrypted topic need C(kms:GenerateDataKey*) and C(kms:Decrypt) on the key (AWS services
        such as CloudWatch alarms need it in the key policy).
    type: str
    required: true
notes:
  - The module needs C(sns:GetTopicAttributes) and C(sns:SetTopicAttributes).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alarm topic
  community.aws.sns_topic:
    name: cvat-prod-alarms
  register: topic

- name: Encrypt it with the stack's key
  cvatops.aws.sns_topic_encryption:
    topic_arn: "{{ topic.sns_arn }}"
    kms_master_key_id: "{{ kms_key_arn }}"

- name: Or with the AWS managed key of SNS
  cvatops.aws.sns_topic_encryption:
    topic_arn: "{{ topic.sns_arn }}"
    kms_master_key_id: alias/aws/sns
"""

RETURN = r"""
changed:
  description: Whether the key of the topic was changed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
topic_arn:
  description: The ARN of the topic.
  returned: always
  type: str
  sample: arn:aws:sns:us-east-1:123456789012:cvat-prod-alarms
kms_master_key_id:
  description: The key that encrypts the topic after the run (in check mode, the key it would have); empty when none.
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/0123abcd-01ab-23cd-45ef-0123456789ab
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ATTRIBUTE = "KmsMasterKeyId"


class AnsibleSNSError(AnsibleAWSError):
    pass


class TopicErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleSNSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFound")


def current_key(attributes):
    """The key of a GetTopicAttributes answer; "" for an unencrypted topic (AWS then leaves the attribute out)."""
    return (attributes or {}).get(ATTRIBUTE) or ""


@TopicErrorHandler.list_error_handler("get the attributes of topic {topic_arn}")
def get_attributes(client, topic_arn):
    return client.get_topic_attributes(TopicArn=topic_arn, aws_retry=True)["Attributes"]


@TopicErrorHandler.common_error_handler("set the KMS key of topic {topic_arn}")
def set_key(client, topic_arn, key):
    client.set_topic_attributes(TopicArn=topic_arn, AttributeName=ATTRIBUTE, AttributeValue=key, aws_retry=True)


def main():
    argument_spec = dict(
        topic_arn=dict(type="str", required=True),
        kms_master_key_id=dict(type="str", required=True, no_log=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    topic_arn, wanted = module.params["topic_arn"], module.params["kms_master_key_id"] or ""
    client = module.client("sns", retry_decorator=AWSRetry.jittered_backoff())

    try:
        attributes = get_attributes(client, topic_arn)
        # In check mode the task that would create the topic did not.
        if attributes is None and not module.check_mode:
            module.fail_json(msg=f"Topic {topic_arn} does not exist")
        before = after = current_key(attributes)
        changed = before != wanted
        if changed:
            after = wanted
            if not module.check_mode:
                set_key(client, topic_arn, wanted)
                after = current_key(get_attributes(client, topic_arn))
    except AnsibleSNSError as e:
        module.fail_json_aws_error(e)

    result = dict(changed=changed, topic_arn=topic_arn, kms_master_key_id=after)
    if module._diff:
        result["diff"] = {"before": {"kms_master_key_id": before}, "after": {"kms_master_key_id": after}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
