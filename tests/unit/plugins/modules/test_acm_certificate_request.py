# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import datetime

import pytest
from botocore.exceptions import ClientError

from ansible_collections.cvatops.aws.plugins.modules import acm_certificate_request as acr

DOMAIN = "cvat.example.com"


def params(**overrides):
    base = dict(
        domain_name=DOMAIN,
        subject_alternative_names=[],
        validation_method="DNS",
        key_algorithm="RSA_2048",
        name_tag="cvat-prod",
        tags=None,
        purge_tags=True,
        state="present",
        wait=False,
        wait_timeout=600,
    )
    base.update(overrides)
    return base


def option(domain, method="DNS", status="PENDING_VALIDATION", record=True):
    result = {"DomainName": domain, "ValidationDomain": domain, "ValidationStatus": status, "ValidationMethod": method}
    if record and method == "DNS":
        result["ResourceRecord"] = {"Name": f"_abc.{domain}.", "Type": "CNAME", "Value": "_def.acm-validations.aws."}
    if method == "EMAIL":
        result["ValidationEmails"] = [f"admin@{domain}"]
    return result


def certificate(arn="arn:1", names=(DOMAIN,), status="ISSUED", key="RSA_2048", method="DNS", created=1, record=True, **overrides):
    detail = dict(
        CertificateArn=arn,
        DomainName=names[0],
        SubjectAlternativeNames=list(names),
        Status=status,
        Type="AMAZON_ISSUED",
        KeyAlgorithm=key,
        DomainValidationOptions=[option(n, method, "SUCCESS" if status == "ISSUED" else status, record) for n in names],
        CreatedAt=datetime.datetime(2024, 1, created, tzinfo=datetime.timezone.utc),
        InUseBy=[],
    )
    detail.update(overrides)
    return detail


@pytest.mark.parametrize(
    "domain, sans, expected",
    [
        (DOMAIN, [], [DOMAIN]),
        (DOMAIN, [DOMAIN], [DOMAIN]),
        ("CVAT.Example.com.", ["www.cvat.example.com", "WWW.cvat.example.com."], [DOMAIN, "www.cvat.example.com"]),
        ("*.example.com", ["example.com"], ["*.example.com", "example.com"]),
        (DOMAIN, None, [DOMAIN]),
    ],
)
def test_wanted_names(domain, sans, expected):
    assert acr.wanted_names(domain, sans) == expected


@pytest.mark.parametrize(
    "detail, overrides, expected",
    [
        (certificate(), {}, []),
        # AWS always lists the domain name among the SANs; the user need not repeat it
        (certificate(names=(DOMAIN, "www.cvat.example.com")), {"subject_alternative_names": ["WWW.cvat.example.com."]}, []),
        (certificate(names=(DOMAIN, "www.cvat.example.com")), {"subject_alternative_names": ["www.cvat.example.com", DOMAIN]}, []),
        (certificate(names=(DOMAIN, "www.cvat.example.com")), {}, ["subject_alternative_names"]),
        (certificate(), {"subject_alternative_names": ["api.cvat.example.com"]}, ["subject_alternative_names"]),
        (certificate(key="EC_prime256v1"), {}, ["key_algorithm"]),
        (certificate(method="EMAIL"), {}, ["validation_method"]),
        (certificate(method="EMAIL"), {"validation_method": "EMAIL"}, []),
        (
            certificate(key="RSA_4096", method="EMAIL"),
            {"subject_alternative_names": ["x.example.com"]},
            ["subject_alternative_names", "key_algorithm", "validation_method"],
        ),
        # a certificate without validation options (imported or odd) is not judged by its method
        (certificate(DomainValidationOptions=[]), {"validation_method": "EMAIL"}, []),
    ],
)
def test_differences(detail, overrides, expected):
    assert acr.differences(detail, params(**overrides)) == expected


@pytest.mark.parametrize(
    "candidates, overrides, reused, replaced",
    [
        ([], {}, None, None),
        ([certificate("arn:a")], {}, "arn:a", None),
        ([certificate("arn:a", status="PENDING_VALIDATION")], {}, "arn:a", None),
        # certificates are immutable: other names mean a new request, the old one is reported
        ([certificate("arn:a")], {"subject_alternative_names": ["www.cvat.example.com"]}, None, "arn:a"),
        # ACM gave up on it: request a new one
        ([certificate("arn:a", status="VALIDATION_TIMED_OUT")], {}, None, "arn:a"),
        ([certificate("arn:a", status="FAILED"), certificate("arn:b", status="EXPIRED", created=5)], {}, None, "arn:b"),
        # issued before pending, newest first
        ([certificate("arn:p", status="PENDING_VALIDATION", created=9), certificate("arn:i", created=2)], {}, "arn:i", None),
        ([certificate("arn:old", created=1), certificate("arn:new", created=3)], {}, "arn:new", None),
        ([certificate("arn:x", key="EC_prime256v1", created=3), certificate("arn:y", created=1)], {}, "arn:y", None),
    ],
)
def test_select_certificate(candidates, overrides, reused, replaced):
    found, superseded = acr.select_certificate([(c, {"Name": "cvat-prod"}) for c in candidates], params(**overrides))
    assert (found[0]["CertificateArn"] if found else None) == reused
    assert (superseded[0]["CertificateArn"] if superseded else None) == replaced


@pytest.mark.parametrize(
    "overrides, expected_extra",
    [
        ({}, {}),
        ({"subject_alternative_names": ["www.cvat.example.com"]}, {"SubjectAlternativeNames": [DOMAIN, "www.cvat.example.com"]}),
        ({"subject_alternative_names": [DOMAIN]}, {}),
    ],
)
def test_build_request(overrides, expected_extra):
    request = acr.build_request(params(**overrides), {"Name": "cvat-prod"}, "token123")
    expected = {
        "DomainName": DOMAIN,
        "ValidationMethod": "DNS",
        "KeyAlgorithm": "RSA_2048",
        "IdempotencyToken": "token123",
        "Tags": [{"Key": "Name", "Value": "cvat-prod"}],
        **expected_extra,
    }
    assert request == expected


@pytest.mark.parametrize(
    "detail, expected",
    [
        (certificate(status="PENDING_VALIDATION"), False),
        (certificate(status="PENDING_VALIDATION", record=False), True),
        (certificate(status="PENDING_VALIDATION", DomainValidationOptions=[]), True),
        (certificate(status="PENDING_VALIDATION", method="EMAIL"), False),
        (certificate(status="ISSUED", record=False), False),
        (certificate(status="FAILED", record=False), False),
    ],
)
def test_records_missing(detail, expected):
    assert acr.records_missing(detail) is expected


def test_certificate_view():
    detail = certificate(names=(DOMAIN, "www.cvat.example.com"), NotAfter=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
    view = acr.certificate_view(detail, {"Name": "cvat-prod"})
    assert view["arn"] == "arn:1" and view["status"] == "ISSUED" and view["validation_method"] == "DNS"
    assert view["subject_alternative_names"] == [DOMAIN, "www.cvat.example.com"]
    assert view["domain_validation_options"][1] == {
        "domain_name": "www.cvat.example.com",
        "validation_domain": "www.cvat.example.com",
        "validation_method": "DNS",
        "validation_status": "SUCCESS",
        "resource_record": {"name": "_abc.www.cvat.example.com.", "type": "CNAME", "value": "_def.acm-validations.aws."},
    }
    assert view["created_at"] == "2024-01-01T00:00:00+00:00" and view["not_after"] == "2025-01-01T00:00:00+00:00"
    assert view["tags"] == {"Name": "cvat-prod"}
    email = acr.certificate_view(certificate(status="PENDING_VALIDATION", method="EMAIL"), {})
    assert email["domain_validation_options"][0]["validation_emails"] == [f"admin@{DOMAIN}"] and "not_after" not in email


def test_predicted_certificate_and_diff_view():
    predicted = acr.predicted_certificate(params(subject_alternative_names=["www.cvat.example.com"]), {"Name": "cvat-prod"})
    assert predicted["status"] == "PENDING_VALIDATION" and "arn" not in predicted
    assert predicted["subject_alternative_names"] == [DOMAIN, "www.cvat.example.com"]
    assert set(acr.diff_view(predicted)) == {"domain_name", "subject_alternative_names", "key_algorithm", "validation_method", "status", "tags"}
    assert acr.diff_view(None) == {}


@pytest.mark.parametrize(
    "tag_list, expected",
    [
        ([], {}),
        (None, {}),
        ([{"Key": "Name", "Value": "cvat"}, {"Key": "Flag"}], {"Name": "cvat", "Flag": ""}),
    ],
)
def test_tags_to_dict(tag_list, expected):
    assert acr.tags_to_dict(tag_list) == expected


@pytest.mark.parametrize(
    "exception, expected",
    [
        (ClientError({"Error": {"Code": "ResourceInUseException", "Message": "x"}}, "DeleteCertificate"), "ResourceInUseException"),
        (ClientError({}, "DeleteCertificate"), None),
        (ValueError("not an AWS error"), None),
    ],
)
def test_error_code(exception, expected):
    assert acr.error_code(exception) == expected
