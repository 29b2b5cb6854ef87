# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for CloudWatch alarms; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

The tests live in ``tests/emulator/test_patches_monitoring.py``. What stock moto 5.2.5 already does as AWS does, and
the monitoring role relies on: dashboards (Put/Get/List/DeleteDashboards, ResourceNotFound for a missing one),
metric-math alarms (``Metrics`` kept and described), ``KmsMasterKeyId`` of SNS topics and ``kmsKeyId`` of log groups.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported


@_patch
def cloudwatch_delete_alarm_tags() -> None:
    """DeleteAlarms deletes the alarms' tags with them.

    (a) AWS: tags belong to the alarm; an alarm created again under the same name has only the tags given to it then
        (ListTagsForResource of a deleted alarm's ARN is ResourceNotFound).
    (b) moto 5.2.5 removes the alarm but keeps its tags in the backend's tagger, keyed by the ARN, so an alarm made
        again under that name shows the old tags besides its own.
    (c) cvatops.aws.cloudwatch_alarm with ``purge_tags`` finds the stale tags of a re-created alarm and removes them:
        a second run that should change nothing reports changed.
    """

    def fix(cloudwatch_models: ModuleType) -> None:
        original: Callable[..., Any] = cloudwatch_models.CloudWatchBackend.delete_alarms

        @functools.wraps(original)
        def delete_alarms(backend: Any, alarm_names: list[str]) -> Any:
            arns = [backend.alarms[name].alarm_arn for name in alarm_names if name in backend.alarms]
            result = original(backend, alarm_names)
            for arn in arns:
                backend.tagger.delete_all_tags_for_resource(arn)
            return result

        cloudwatch_models.CloudWatchBackend.delete_alarms = delete_alarms

    _when_imported("moto.cloudwatch.models", fix)
