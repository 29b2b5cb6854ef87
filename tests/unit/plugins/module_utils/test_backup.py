# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The error and error handlers that the AWS Backup modules share."""

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.cvatops.aws.plugins.module_utils import backup


def _raising(code):
    def call(name):
        raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "no"}}, "DescribeBackupVault")
    return call


@pytest.mark.parametrize(
    "handler, code, missing",
    [
        (backup.BackupErrorHandler, "ResourceNotFoundException", True),
        (backup.BackupErrorHandler, "AccessDeniedException", False),
        # AWS Backup answers AccessDeniedException for a vault that does not exist
        (backup.BackupVaultErrorHandler, "AccessDeniedException", True),
        (backup.BackupVaultErrorHandler, "ResourceNotFoundException", True),
        (backup.BackupVaultErrorHandler, "InvalidParameterValueException", False),
    ],
)
def test_list_error_handler_reads_missing_resources_as_none(handler, code, missing):
    call = handler.list_error_handler("describe backup vault {name}")(_raising(code))
    if missing:
        assert call("v") is None
    else:
        with pytest.raises(backup.AnsibleBackupError, match="describe backup vault v"):
            call("v")


def test_common_errors_are_ansible_backup_errors():
    call = backup.BackupErrorHandler.common_error_handler("describe restore job {name}")(_raising("ResourceNotFoundException"))
    with pytest.raises(backup.AnsibleBackupError) as raised:
        call("j-1")
    assert isinstance(raised.value, AnsibleAWSError) and "describe restore job j-1" in str(raised.value)
