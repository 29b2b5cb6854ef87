# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

import datetime

import pytest

from ansible_collections.cvatops.aws.plugins.modules import backup_vault_lock as bvl

NOW = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
VAULT = {"BackupVaultName": "v", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:v"}


def _params(**overrides):
    params = {"backup_vault_name": "v", "min_retention_days": None, "max_retention_days": None, "changeable_for_days": None, "state": "present"}
    params.update(overrides)
    return params


@pytest.mark.parametrize(
    "vault, mode, immutable, lock_date",
    [
        ({"Locked": False}, "none", False, None),
        ({"Locked": True, "MinRetentionDays": 7}, "governance", False, None),
        # compliance mode: a lock date; permanent once it has passed (epoch seconds as the JSON API sends them)
        ({"Locked": True, "MinRetentionDays": 7, "LockDate": NOW + datetime.timedelta(days=3)}, "compliance", False, "2025-03-04T12:00:00+00:00"),
        ({"Locked": True, "MinRetentionDays": 7, "LockDate": (NOW - datetime.timedelta(days=1)).timestamp()}, "compliance", True, "2025-02-28T12:00:00+00:00"),
        ({"Locked": True, "LockDate": NOW}, "compliance", True, "2025-03-01T12:00:00+00:00"),
    ],
)
def test_lock_of(vault, mode, immutable, lock_date):
    lock = bvl.lock_of(dict(VAULT, **vault), NOW)
    assert (lock["mode"], lock["immutable"], lock["lock_date"]) == (mode, immutable, lock_date)
    assert lock["backup_vault_arn"] == VAULT["BackupVaultArn"]


def test_lock_of_an_unlocked_vault_reports_no_retention():
    assert bvl.lock_of(dict(VAULT, Locked=False, MinRetentionDays=7), NOW)["min_retention_days"] is None


@pytest.mark.parametrize(
    "vault, params, expected",
    [
        # governance lock wanted and set: nothing to do
        ({"Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 400}, _params(min_retention_days=7, max_retention_days=400), []),
        ({"Locked": False}, _params(min_retention_days=7, max_retention_days=400), ["locked", "mode", "min_retention_days", "max_retention_days"]),
        ({"Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 400}, _params(min_retention_days=1, max_retention_days=400), ["min_retention_days"]),
        # the same compliance lock again must not be set again: that would restart its grace time
        (
            {"Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 400, "LockDate": NOW + datetime.timedelta(days=2)},
            _params(min_retention_days=7, max_retention_days=400, changeable_for_days=3),
            [],
        ),
        (
            {"Locked": True, "MinRetentionDays": 7, "MaxRetentionDays": 400},
            _params(min_retention_days=7, max_retention_days=400, changeable_for_days=3),
            ["mode"],
        ),
        ({"Locked": True, "MinRetentionDays": 7}, _params(state="absent"), ["locked", "mode", "min_retention_days"]),
        ({"Locked": False}, _params(state="absent"), []),
    ],
)
def test_differences(vault, params, expected):
    current = bvl.lock_of(dict(VAULT, **vault), NOW)
    assert bvl.differences(current, bvl.wanted_lock(current, params)) == expected


def test_wanted_compliance_lock_keeps_its_date_and_a_new_one_has_none_yet():
    dated = bvl.lock_of(dict(VAULT, Locked=True, MinRetentionDays=7, LockDate=NOW + datetime.timedelta(days=2)), NOW)
    assert bvl.wanted_lock(dated, _params(min_retention_days=7, changeable_for_days=3))["lock_date"] == dated["lock_date"]
    governance = bvl.lock_of(dict(VAULT, Locked=True, MinRetentionDays=7), NOW)
    assert bvl.wanted_lock(governance, _params(min_retention_days=7, changeable_for_days=3))["lock_date"] is None


@pytest.mark.parametrize(
    "params, message",
    [
        (_params(), "set min_retention_days, max_retention_days or both"),
        (_params(min_retention_days=0), "min_retention_days must be 1-36500, not 0"),
        (_params(max_retention_days=36501), "max_retention_days must be 1-36500, not 36501"),
        (_params(min_retention_days=30, max_retention_days=7), "min_retention_days (30) must not exceed max_retention_days (7)"),
        (_params(min_retention_days=7, changeable_for_days=2), "changeable_for_days must be 3-36500, not 2"),
    ],
)
def test_parameter_errors(params, message):
    assert message in bvl.parameter_errors(params)


@pytest.mark.parametrize(
    "params", [_params(min_retention_days=7), _params(min_retention_days=1, max_retention_days=36500, changeable_for_days=3), _params(state="absent")]
)
def test_parameters_without_errors(params):
    assert bvl.parameter_errors(params) == []


def test_put_arguments_leave_out_what_is_not_set():
    assert bvl.put_arguments(_params(min_retention_days=7)) == {"BackupVaultName": "v", "MinRetentionDays": 7}
    assert bvl.put_arguments(_params(min_retention_days=7, max_retention_days=30, changeable_for_days=3)) == {
        "BackupVaultName": "v",
        "MinRetentionDays": 7,
        "MaxRetentionDays": 30,
        "ChangeableForDays": 3,
    }
