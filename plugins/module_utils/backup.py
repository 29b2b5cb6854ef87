# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AWS Backup modules (cvatops.aws.backup_recovery_point_info, backup_restore_job, backup_vault_lock)
share: their error and its handlers."""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AnsibleBackupError(AnsibleAWSError):
    pass


class BackupErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleBackupError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


class BackupVaultErrorHandler(BackupErrorHandler):
    """For calls on one vault by name."""

    @classmethod
    def _is_missing(cls):
        # AWS Backup answers AccessDeniedException, not ResourceNotFoundException, for a vault that does not exist.
        return is_boto3_error_code(["AccessDeniedException", "ResourceNotFoundException"])
