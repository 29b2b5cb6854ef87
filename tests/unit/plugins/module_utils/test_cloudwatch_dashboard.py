# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import json

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import cloudwatch_dashboard as cd

BODY = {"start": "-PT12H", "widgets": [{"type": "metric", "x": 0, "properties": {"metrics": [["AWS/EC2", "CPUUtilization"]], "region": "us-east-1"}}]}


@pytest.mark.parametrize(
    "current, wanted, same",
    [
        (json.dumps(BODY), BODY, True),
        # Key order and whitespace of the stored text do not count.
        (json.dumps(BODY, indent=2, sort_keys=True), BODY, True),
        (json.dumps({"widgets": BODY["widgets"], "start": "-PT12H"}), json.dumps(BODY), True),
        # Values, widgets and their order do.
        (json.dumps(BODY), dict(BODY, start="-PT3H"), False),
        (json.dumps(BODY), {"start": "-PT12H", "widgets": BODY["widgets"] * 2}, False),
        (json.dumps({"widgets": [{"a": 1}, {"b": 2}]}), {"widgets": [{"b": 2}, {"a": 1}]}, False),
        (json.dumps({"widgets": [], "x": 1}), {"widgets": [], "x": 1.0}, True),
    ],
)
def test_same_body(current, wanted, same):
    assert cd.same_body(current, wanted) is same


@pytest.mark.parametrize("body", ["[]", "not json", "3", ["widgets"]])
def test_parse_body_refuses_what_is_not_an_object(body):
    with pytest.raises(ValueError):
        cd.parse_body(body)


def test_body_text_is_canonical():
    assert cd.body_text(BODY) == cd.body_text(json.dumps(BODY, indent=4, sort_keys=False))
    assert json.loads(cd.body_text(BODY)) == BODY


def test_dashboard_result():
    answer = {"DashboardName": "cvat", "DashboardArn": "arn:aws:cloudwatch::123456789012:dashboard/cvat", "DashboardBody": json.dumps(BODY)}
    assert cd.dashboard_result(answer) == {"dashboard_name": "cvat", "dashboard_arn": answer["DashboardArn"], "dashboard_body": BODY}
