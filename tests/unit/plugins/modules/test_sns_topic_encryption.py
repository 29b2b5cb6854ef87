# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import sns_topic_encryption as ste


@pytest.mark.parametrize(
    "attributes, expected",
    [
        ({"KmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}, "arn:aws:kms:us-east-1:123456789012:key/k"),
        ({"KmsMasterKeyId": "alias/aws/sns"}, "alias/aws/sns"),
        # AWS leaves the attribute out of an unencrypted topic's attributes.
        ({"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}, ""),
        ({"KmsMasterKeyId": ""}, ""),
        (None, ""),
    ],
)
def test_current_key(attributes, expected):
    assert ste.current_key(attributes) == expected
