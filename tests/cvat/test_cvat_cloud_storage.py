# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_cloud_storage and _info through ansible-playbook against the fake CVAT (every request checked against the schema)."""

from __future__ import annotations

import json

import pytest

from cvat import helpers
from cvat.helpers import cvat_env, cvat_playbook, writes
from infra.playbook import run_playbook, write_playbook

KEY_ID = "AKIAEXAMPLEKEY000001"
SECRET = "secret-access-key-0123456789-abcdefghijklmnopqrstuvwxyz"
NEW_SECRET = "rotated-secret-key-9876543210-zyxwvutsrqponmlkjihgfedcba"
TASKS = """
- name: Cloud storage
  cvatops.aws.cvat_cloud_storage: "{{ storage }}"
  register: storage_result
- name: Cloud storages
  cvatops.aws.cvat_cloud_storage_info:
    display_name: "{{ storage.display_name }}"
    status: true
  register: info
"""
RAW = {
    "display_name": "raw-data",
    "bucket": "cvat-local-raw-data-123456789012-us-east-1",
    "region": "us-east-1",
    "prefix": "images/",
    "access_key_id": KEY_ID,
    "secret_access_key": SECRET,
    "description": "raw images",
    "wait_timeout": 3,
}


@pytest.fixture
def playbook(tmp_path):
    return cvat_playbook(tmp_path, "CVAT cloud storage", TASKS)


def run(playbook, fake, storage, *args, **kwargs):
    return helpers.run(playbook, fake, *args, storage=storage, **kwargs)


def test_lifecycle(fake_cvat, playbook):
    # Check mode: the storage it would make, and nothing sent.
    check = run(playbook, fake_cvat, RAW, "--check", "--diff")
    assert check.returncode == 0, check.explain()
    predicted = check.result("Cloud storage")
    assert predicted["changed"] and predicted["cloud_storage"]["id"] is None
    assert predicted["cloud_storage"]["specific_attributes"] == "prefix=images%2F&region=us-east-1"
    assert writes(fake_cvat) == [] and fake_cvat.cloud_storages == {}

    created = run(playbook, fake_cvat, RAW)
    assert created.returncode == 0, created.explain()
    storage = created.result("Cloud storage")["cloud_storage"]
    assert created.result("Cloud storage")["changed"] and storage["status"] == "AVAILABLE"
    (stored,) = fake_cvat.cloud_storages.values()
    assert stored["provider_type"] == "AWS_S3_BUCKET" and stored["resource"] == RAW["bucket"]
    assert stored["credentials_type"] == "KEY_SECRET_KEY_PAIR" and stored["display_name"] == "raw-data"
    assert fake_cvat.storage_credentials[stored["id"]] == {"key": KEY_ID, "secret_key": SECRET}
    info = created.result("Cloud storages")["cloud_storages"]
    assert [(s["id"], s["region"], s["prefix"], s["status"]) for s in info] == [(stored["id"], "us-east-1", "images/", "AVAILABLE")]

    # Again: nothing to do, nothing written.
    before = len(writes(fake_cvat))
    again = run(playbook, fake_cvat, RAW)
    assert again.returncode == 0 and again.result("Cloud storage")["changed"] is False, again.explain()
    assert len(writes(fake_cvat)) == before

    # An update of the fields, with a diff.
    moved = dict(RAW, prefix="frames/", description="frames")
    updated = run(playbook, fake_cvat, moved, "--diff")
    result = updated.result("Cloud storage")
    assert updated.returncode == 0 and result["changed"] and result["credentials_updated"] is False, updated.explain()
    assert result["diff"]["before"]["prefix"] == "images/" and result["diff"]["after"]["prefix"] == "frames/"
    patch = fake_cvat.calls_to("PATCH", r"/api/cloudstorages/\d+")[-1].body
    assert patch == {"specific_attributes": "prefix=frames%2F&region=us-east-1", "description": "frames"}
    assert fake_cvat.storage_credentials[stored["id"]]["secret_key"] == SECRET

    # A key rotation: the credentials are sent only when asked for, and then always.
    rotated = dict(moved, secret_access_key=NEW_SECRET)
    unchanged = run(playbook, fake_cvat, rotated)
    assert unchanged.result("Cloud storage")["changed"] is False
    assert fake_cvat.storage_credentials[stored["id"]]["secret_key"] == SECRET
    always = run(playbook, fake_cvat, dict(rotated, update_credentials="always"))
    assert always.result("Cloud storage")["changed"] and always.result("Cloud storage")["credentials_updated"], always.explain()
    assert fake_cvat.storage_credentials[stored["id"]] == {"key": KEY_ID, "secret_key": NEW_SECRET}

    # Removal, and removal again.
    gone = run(playbook, fake_cvat, {"display_name": "raw-data", "state": "absent"})
    assert gone.returncode == 0 and gone.result("Cloud storage")["changed"], gone.explain()
    assert fake_cvat.cloud_storages == {} and gone.result("Cloud storages")["cloud_storages"] == []
    still_gone = run(playbook, fake_cvat, {"display_name": "raw-data", "state": "absent"})
    assert still_gone.returncode == 0 and still_gone.result("Cloud storage")["changed"] is False


def test_the_name_is_matched_exactly(fake_cvat, playbook):
    assert run(playbook, fake_cvat, dict(RAW, display_name="raw-data-archive")).returncode == 0
    created = run(playbook, fake_cvat, RAW)
    assert created.returncode == 0 and created.result("Cloud storage")["changed"], created.explain()
    assert sorted(s["display_name"] for s in fake_cvat.cloud_storages.values()) == ["raw-data", "raw-data-archive"]


def test_pages_are_followed(fake_cvat, playbook):
    for number in range(250):
        fake_cvat.cloud_storages[1000 + number] = dict(
            id=1000 + number, owner=fake_cvat.owner("admin"), manifests=[], created_date="2026-01-01T00:00:00Z", updated_date="2026-01-01T00:00:00Z",
            provider_type="AWS_S3_BUCKET", resource="other", display_name=f"raw-data {number}", credentials_type="ANONYMOUS_ACCESS",
            specific_attributes="", description="", organization=None)
    result = run(playbook, fake_cvat, RAW)
    assert result.returncode == 0 and result.result("Cloud storage")["changed"], result.explain()
    assert len(fake_cvat.calls_to("GET", "/api/cloudstorages")) >= 3 + 3  # module and info, 3 pages each


def test_a_forbidden_bucket_fails_clearly_and_leaves_nothing(fake_cvat, playbook):
    fake_cvat.bucket_status[RAW["bucket"]] = "FORBIDDEN"
    result = run(playbook, fake_cvat, RAW)
    assert result.returncode != 0
    message = result.result("Cloud storage")["msg"]
    assert message.startswith("CVAT reports the cloud storage 'raw-data' (bucket cvat-local-raw-data-123456789012-us-east-1) FORBIDDEN")
    assert "it was removed again" in message
    assert fake_cvat.cloud_storages == {}


@pytest.mark.parametrize(
    "storage, extra, message",
    [
        (dict(RAW, secret_access_key=None), {}, "credentials_type key_secret_key_pair needs access_key_id and secret_access_key."),
        ({k: v for k, v in RAW.items() if k != "bucket"}, {}, "state is present but all of the following are missing: bucket"),
        (dict(RAW, display_name="x" * 64), {}, "display_name must be 1-63 characters, got 64"),
        (RAW, {"token": "wrong-token-0123456789"}, "CVAT GET /api/cloudstorages: HTTP 401: Invalid token."),
    ],
    ids=["no secret", "no bucket", "long name", "bad token"],
)
def test_bad_input_is_one_clear_error_and_changes_nothing(fake_cvat, playbook, storage, extra, message):
    result = run(playbook, fake_cvat, storage, **extra)
    assert result.returncode != 0
    assert result.result("Cloud storage")["msg"] == message
    assert writes(fake_cvat) == [] and fake_cvat.cloud_storages == {}


def test_no_token_at_all(fake_cvat, tmp_path):
    playbook = write_playbook(tmp_path, "no_token.yml", """
        - name: No token
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Cloud storage
              cvatops.aws.cvat_cloud_storage:
                cvat_url: "{{ url }}"
                display_name: raw-data
                state: absent
        """)
    result = run_playbook(playbook, cvat_env(), extra_vars={"url": fake_cvat.url}, timeout=120)
    assert result.returncode != 0
    assert result.result("Cloud storage")["msg"] == "No CVAT credentials: set cvat_token (or CVAT_TOKEN), or cvat_username and cvat_password."
    assert fake_cvat.calls == []


def test_an_unreachable_cvat(playbook, fake_cvat):
    fake_cvat.stop()
    result = run_playbook(playbook, cvat_env(),
                          extra_vars={"url": "http://127.0.0.1:9", "storage": RAW}, timeout=120)
    fake_cvat.start()
    assert result.returncode != 0
    assert result.result("Cloud storage")["msg"].startswith("Cannot reach CVAT at http://127.0.0.1:9 (GET /api/cloudstorages):")


def test_secrets_never_show(fake_cvat, playbook):
    created = run(playbook, fake_cvat, RAW, "-vvv", "--diff", json_output=False)
    rotated = run(playbook, fake_cvat, dict(RAW, secret_access_key=NEW_SECRET, update_credentials="always"), "-vvv", "--diff", json_output=False)
    assert created.returncode == 0 and rotated.returncode == 0, created.stdout[-2000:] + rotated.stdout[-2000:]
    output = created.stdout + created.stderr + rotated.stdout + rotated.stderr
    assert "cloud_storage" in output
    assert SECRET not in output and NEW_SECRET not in output
    assert json.dumps(fake_cvat.storage_credentials)  # the fake did get them
