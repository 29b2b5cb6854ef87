# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.cvatops.aws.plugins.modules import backup_recovery_point_info as rpi

UTC = timezone.utc


def _point(arn, status, day, hour=3):
    return {"RecoveryPointArn": arn, "Status": status, "CreationDate": datetime(2026, 12, day, hour, tzinfo=UTC)}


@pytest.mark.parametrize(
    "statuses, expected",
    [
        # newest first, whatever the order AWS lists them in
        ([], ["c", "b", "a", "p"]),
        (["COMPLETED"], ["c", "a"]),
        (["completed", "PARTIAL"], ["c", "a", "p"]),
        (["EXPIRED"], []),
    ],
)
def test_select_keeps_the_states_asked_for_newest_first(statuses, expected):
    points = [_point("a", "COMPLETED", 4), _point("p", "PARTIAL", 2), _point("c", "COMPLETED", 6), _point("b", "CREATING", 6, 1)]
    assert [p["RecoveryPointArn"] for p in rpi.select(points, statuses)] == expected


def test_select_sorts_naive_and_aware_times_alike():
    points = [{"RecoveryPointArn": "naive", "Status": "COMPLETED", "CreationDate": datetime(2026, 12, 6, 5)}, _point("aware", "COMPLETED", 6, 4)]
    assert [p["RecoveryPointArn"] for p in rpi.select(points, [])] == ["naive", "aware"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"backup_vault_name": "v"}, {"BackupVaultName": "v"}),
        (
            {"backup_vault_name": "v", "resource_arn": "arn:aws:rds:us-east-1:1:db:x", "resource_type": "RDS"},
            {"BackupVaultName": "v", "ByResourceArn": "arn:aws:rds:us-east-1:1:db:x", "ByResourceType": "RDS"},
        ),
        (
            {"backup_vault_name": "v", "created_after": "2026-12-01T00:00:00Z", "created_before": "2026-12-02T01:00:00"},
            {"BackupVaultName": "v", "ByCreatedAfter": datetime(2026, 12, 1, tzinfo=UTC), "ByCreatedBefore": datetime(2026, 12, 2, 1, tzinfo=UTC)},
        ),
    ],
)
def test_list_params(params, expected):
    assert rpi.list_params(params) == expected


def test_list_params_names_the_option_of_a_bad_time():
    with pytest.raises(ValueError, match="created_before must be an ISO 8601 time"):
        rpi.list_params({"backup_vault_name": "v", "created_after": "2026-12-01", "created_before": "yesterday"})


def test_normalize_gives_snake_case_and_iso_times():
    point = {
        "RecoveryPointArn": "arn:x",
        "ResourceType": "EFS",
        "BackupSizeInBytes": 5,
        "CreationDate": datetime(2026, 12, 6, 3, 12, 44, tzinfo=UTC),
        "CompletionDate": 1796601114.0,
        "CreatedBy": {"BackupPlanId": "p"},
    }
    out = rpi.normalize(point)
    assert out["recovery_point_arn"] == "arn:x" and out["resource_type"] == "EFS" and out["backup_size_in_bytes"] == 5
    assert out["creation_date"] == "2026-12-06T03:12:44+00:00"
    assert out["completion_date"] == datetime.fromtimestamp(1796601114.0, tz=UTC).isoformat()
    assert out["created_by"] == {"backup_plan_id": "p"}
