# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.cvatops.aws.plugins.modules import backup_restore_job as brj


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, "true"),
        (False, "false"),
        (5432, "5432"),
        ("db.t3.medium", "db.t3.medium"),
        (["sg-1", "sg-2"], '["sg-1", "sg-2"]'),
        ({"a": 1}, '{"a": 1}'),
    ],
)
def test_metadata_value_is_what_aws_backup_takes(value, expected):
    assert brj.metadata_value(value) == expected


def test_metadata_strings_drops_unset_values():
    assert brj.metadata_strings({"MultiAZ": False, "AvailabilityZone": None, "Port": 5432}) == {"MultiAZ": "false", "Port": "5432"}


def test_start_params_sends_only_what_is_set():
    params = {"recovery_point_arn": "arn:rp", "iam_role_arn": "arn:role", "resource_type": None, "idempotency_token": None,
              "copy_source_tags_to_restored_resource": False}
    assert brj.start_params(params, {"a": "b"}) == {"RecoveryPointArn": "arn:rp", "IamRoleArn": "arn:role", "Metadata": {"a": "b"}}
    params.update(resource_type="RDS", idempotency_token="t", copy_source_tags_to_restored_resource=True)
    assert brj.start_params(params, {}) == {
        "RecoveryPointArn": "arn:rp", "IamRoleArn": "arn:role", "Metadata": {}, "ResourceType": "RDS", "IdempotencyToken": "t",
        "CopySourceTagsToRestoredResource": True,
    }


@pytest.mark.parametrize("status, ended", [("PENDING", False), ("RUNNING", False), ("COMPLETED", True), ("FAILED", True), ("ABORTED", True), (None, False)])
def test_has_ended(status, ended):
    assert brj.has_ended({"Status": status}) is ended


class FakeClient:
    """Describes the job as RUNNING n times, then as the final status; counts the calls."""

    def __init__(self, running, final="COMPLETED"):
        self.running, self.final, self.calls = running, final, 0

    def describe_restore_job(self, RestoreJobId, aws_retry):  # noqa: N803  pylint: disable=invalid-name,unused-argument
        self.calls += 1
        status = "RUNNING" if self.calls <= self.running else self.final
        return {"RestoreJobId": RestoreJobId, "Status": status}


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.mark.parametrize("final", ["COMPLETED", "FAILED"])
def test_wait_for_polls_until_the_job_ends(final):
    client, clock = FakeClient(running=3, final=final), FakeClock()
    job = brj.wait_for(client, "J", timeout=100, delay=10, clock=clock, sleep=clock.sleep)
    assert job["Status"] == final and client.calls == 4 and clock.now == 30


def test_wait_for_gives_up_at_the_timeout():
    client, clock = FakeClient(running=1000), FakeClock()
    job = brj.wait_for(client, "J", timeout=25, delay=10, clock=clock, sleep=clock.sleep)
    assert job["Status"] == "RUNNING" and clock.now == 25 and client.calls == 4


def test_normalize_and_failure_message():
    job = {"RestoreJobId": "J", "Status": "FAILED", "StatusMessage": "Access denied", "RecoveryPointArn": "arn:rp",
           "CreationDate": datetime(2026, 12, 6, tzinfo=timezone.utc), "ResponseMetadata": {}}
    out = brj.normalize(job, {"A": "b"})
    assert out == {"restore_job_id": "J", "status": "FAILED", "status_message": "Access denied", "recovery_point_arn": "arn:rp",
                   "creation_date": "2026-12-06T00:00:00+00:00", "metadata": {"A": "b"}}
    assert brj.failure_message(job) == "Restore job J of arn:rp ended FAILED: Access denied"
