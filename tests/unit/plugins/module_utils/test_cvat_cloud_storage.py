# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The payload and comparison logic of cvatops.aws.cvat_cloud_storage."""

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import cvat_cloud_storage as cs

PARAMS = dict(bucket="raw", display_name="raw-data", credentials_type="key_secret_key_pair", region="us-east-1",
              prefix="images/", description="", manifests=[], access_key_id="AKIA1", secret_access_key="s3cr3t")
CURRENT = dict(id=3, provider_type="AWS_S3_BUCKET", resource="raw", display_name="raw-data", credentials_type="KEY_SECRET_KEY_PAIR",
               specific_attributes="region=us-east-1&prefix=images%2F", description="", manifests=[], owner={"username": "admin"})


@pytest.mark.parametrize(
    "region, prefix, text",
    [("us-east-1", None, "region=us-east-1"), ("us-east-1", "a/b c", "prefix=a%2Fb+c&region=us-east-1"), (None, None, ""), (None, "x", "prefix=x")],
)
def test_specific_attributes(region, prefix, text):
    assert cs.specific_attributes(region, prefix) == text
    assert cs.parse_specific_attributes(text) == {k: v for k, v in (("region", region), ("prefix", prefix)) if v}


@pytest.mark.parametrize(
    "change, current_change, expected",
    [
        ({}, {}, {}),
        # CVAT may hold the attributes in another order: not a change.
        ({}, {"specific_attributes": "prefix=images%2F&region=us-east-1"}, {}),
        ({"prefix": "frames/"}, {}, {"specific_attributes": "prefix=frames%2F&region=us-east-1"}),
        ({"region": None, "prefix": None}, {}, {"specific_attributes": ""}),
        ({"description": "x"}, {}, {"description": "x"}),
        # None from CVAT and "" from the module mean the same description.
        ({}, {"description": None}, {}),
        ({"manifests": ["m.jsonl"]}, {}, {"manifests": ["m.jsonl"]}),
        ({"bucket": "other"}, {}, {"resource": "other"}),
        ({"credentials_type": "anonymous_access"}, {}, {"credentials_type": "ANONYMOUS_ACCESS"}),
        # Secrets are never compared: CVAT does not return them.
        ({"secret_access_key": "new"}, {}, {}),
    ],
)
def test_changes(change, current_change, expected):
    desired = cs.desired_state(dict(PARAMS, **change))
    assert cs.changes(dict(CURRENT, **current_change), desired) == expected


def test_credentials_and_views_keep_secrets_apart():
    assert cs.credentials(PARAMS) == {"key": "AKIA1", "secret_key": "s3cr3t"}
    assert cs.credentials(dict(PARAMS, credentials_type="anonymous_access")) == {}
    view = cs.public_view(dict(CURRENT, key="AKIA1", secret_key="s3cr3t"), "AVAILABLE")
    assert "secret_key" not in view and "key" not in view
    assert (view["region"], view["prefix"], view["owner"], view["status"]) == ("us-east-1", "images/", "admin", "AVAILABLE")
    assert "secret" not in repr(cs.desired_state(PARAMS))
