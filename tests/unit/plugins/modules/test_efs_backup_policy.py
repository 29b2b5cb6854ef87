# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from botocore.exceptions import ClientError

from ansible_collections.cvatops.aws.plugins.modules import efs_backup_policy as ebp


@pytest.mark.parametrize(
    "policy, expected",
    [
        ({"Status": "ENABLED"}, "ENABLED"),
        ({"Status": "ENABLING"}, "ENABLING"),
        ({"Status": "DISABLING"}, "DISABLING"),
        ({"Status": "DISABLED"}, "DISABLED"),
        # PolicyNotFound: a policy that was never set means automatic backups are off
        (None, "DISABLED"),
        ({}, "DISABLED"),
    ],
)
def test_current_status(policy, expected):
    assert ebp.current_status(policy) == expected


@pytest.mark.parametrize(
    "status, enabled, expected",
    [
        ("ENABLED", True, False),
        ("ENABLING", True, False),
        ("DISABLED", True, True),
        ("DISABLING", True, True),
        ("ENABLED", False, True),
        ("ENABLING", False, True),
        ("DISABLED", False, False),
        ("DISABLING", False, False),
    ],
)
def test_needs_change(status, enabled, expected):
    assert ebp.needs_change(status, enabled) is expected


@pytest.mark.parametrize("enabled, expected", [(True, "ENABLED"), (False, "DISABLED")])
def test_wanted_status(enabled, expected):
    assert ebp.wanted_status(enabled) == expected


@pytest.mark.parametrize(
    "exception, expected",
    [
        (ClientError({"Error": {"Code": "FileSystemNotFound", "Message": "x"}}, "DescribeBackupPolicy"), "FileSystemNotFound"),
        (ClientError({}, "DescribeBackupPolicy"), None),
        (ValueError("not an AWS error"), None),
        (None, None),
    ],
)
def test_error_code(exception, expected):
    assert ebp.error_code(exception) == expected
