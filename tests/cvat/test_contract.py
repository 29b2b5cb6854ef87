# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract oracle itself: it must reject what CVAT would reject or silently drop, or the module tests prove nothing."""

from __future__ import annotations

import pytest

from cvatfake.contract import Contract, ContractViolation

CLOUD_STORAGE = {
    "provider_type": "AWS_S3_BUCKET",
    "resource": "cvat-raw-data",
    "display_name": "raw data",
    "credentials_type": "KEY_SECRET_KEY_PAIR",
    "key": "AKIAEXAMPLE",
    "secret_key": "secret",
    "specific_attributes": "region=us-east-1&prefix=images/",
    "description": "raw images",
    "manifests": [],
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract()


def test_the_schema_is_the_target_release(contract):
    assert contract.version == "2.73.0"


def test_a_correct_body_passes(contract):
    contract.check_request(contract.operation("POST", "/api/cloudstorages"), CLOUD_STORAGE)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"provider_type": "S3"}, "'S3' is not one of"),
        ({"credentials_type": "ACCESS_KEY"}, "'ACCESS_KEY' is not one of"),
        ({"bucket": "cvat-raw-data"}, "'bucket' was unexpected"),
        ({"display_name": 7}, "7 is not of type 'string'"),
        ({"display_name": "x" * 64}, "is too long"),
        ({"manifests": "index.jsonl"}, "is not of type 'array'"),
        ({"resource": None}, "None for not nullable"),
    ],
    ids=["enum", "credentials enum", "unknown field", "type", "max length", "array type", "null"],
)
def test_a_wrong_field_name_type_or_enum_value_is_a_violation(contract, change, message):
    with pytest.raises(ContractViolation, match="POST /api/cloudstorages request") as raised:
        contract.check_request(contract.operation("POST", "/api/cloudstorages"), dict(CLOUD_STORAGE, **change))
    assert message in str(raised.value)


def test_a_missing_required_field_is_a_violation(contract):
    body = {k: v for k, v in CLOUD_STORAGE.items() if k != "resource"}
    with pytest.raises(ContractViolation, match="'resource' is a required property"):
        contract.check_request(contract.operation("POST", "/api/cloudstorages"), body)


def test_read_only_fields_may_not_be_sent(contract):
    # CVAT's request schemas leave the read-only fields (id, owner, dates) out altogether.
    with pytest.raises(ContractViolation, match="'id' was unexpected"):
        contract.check_request(contract.operation("PATCH", "/api/cloudstorages/3"), {"id": 3, "display_name": "raw"})


def test_answers_are_checked_too(contract):
    about = contract.operation("GET", "/api/server/about")
    contract.check_response(about, 200, {"name": "CVAT", "description": "", "version": "2.73.0", "logo_url": "", "subtitle": ""})
    with pytest.raises(ContractViolation, match="'subtitle' is a required property"):
        contract.check_response(about, 200, {"name": "CVAT", "description": "", "version": "2.73.0", "logo_url": ""})
    with pytest.raises(ContractViolation, match="status not documented"):
        contract.check_response(about, 201, {})


@pytest.mark.parametrize(
    "method, path, operation_id",
    [
        ("GET", "/api/requests/abc-1", "requests_retrieve"),
        ("POST", "/api/requests/abc-1/cancel", "requests_create_cancel"),
        ("GET", "/api/cloudstorages/4/status", "cloudstorages_retrieve_status"),
        ("POST", "/api/projects/2/dataset/export", "projects_create_dataset_export"),
    ],
)
def test_paths_resolve_to_their_operation(contract, method, path, operation_id):
    assert contract.operation(method, path).operation_id == operation_id


def test_unknown_paths_methods_and_query_parameters_are_violations(contract):
    with pytest.raises(ContractViolation, match="no such path"):
        contract.operation("GET", "/api/cloud_storages")
    with pytest.raises(ContractViolation, match="has no PUT"):
        contract.operation("PUT", "/api/server/about")
    with pytest.raises(ContractViolation, match=r"unknown query parameter\(s\) \['bucket'\]"):
        contract.check_query(contract.operation("GET", "/api/cloudstorages"), {"bucket": "x"})


def test_nullable_references_may_be_null_and_are_checked_when_not(contract):
    storage = contract.operation("GET", "/api/cloudstorages/1")
    answer = {"id": 1, "owner": None, "manifests": [], "created_date": "2026-01-01T00:00:00Z", "updated_date": "2026-01-01T00:00:00Z",
              "provider_type": "AWS_S3_BUCKET", "resource": "r", "display_name": "d", "credentials_type": "ANONYMOUS_ACCESS",
              "specific_attributes": "", "description": "", "organization": None}
    contract.check_response(storage, 200, answer)
    with pytest.raises(ContractViolation, match="owner/username: 5 is not of type 'string'"):
        contract.check_response(storage, 200, dict(answer, owner={"username": 5}))
