#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cvatops.aws project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: acm_certificate_request
version_added: 0.1.0
short_description: Request a public AWS Certificate Manager certificate validated by DNS or email
description:
  - Request a public certificate from AWS Certificate Manager (ACM) for a domain name and further subject
    alternative names, validated by DNS (the default) or by email, or delete such certificates.
  - community.aws.acm_certificate can only import certificates; this module asks ACM to issue one.
  - The certificate is identified by its C(Name) tag (O(name_tag)) together with O(domain_name), among the
    certificates ACM issues (imported certificates are never touched).
  - Certificates can not be changed apart from their tags. An existing certificate that is
    C(PENDING_VALIDATION) or C(ISSUED) and has the same names, key algorithm and validation method is
    reused. Otherwise a new certificate is requested and the previous one is returned as
    RV(replaced_certificate_arn); it is B(not) deleted, because a load balancer listener may still use it.
    Delete it with O(state=absent) once nothing uses it (that deletes every certificate of O(name_tag) and
    O(domain_name)).
  - With DNS validation, the module returns the CNAME records to publish (RV(certificate.domain_validation_options));
    ACM adds them to a new certificate a few seconds after the request, so the module waits up to a minute
    for them. Publish them (for example with amazon.aws.route53) and wait for the certificate with O(wait=true)
    in a second task. ACM gives all certificates of a domain name in an account the same validation record,
    so a record published once also validates later certificates of that name.
author:
  - cvatops maintainers (@cvatops)
options:
  domain_name:
    description:
      - The fully qualified domain name of the certificate, for example V(cvat.example.com), or a wildcard
        such as V(*.example.com).
    type: str
    required: true
  subject_alternative_names:
    description:
      - Further names the certificate covers. O(domain_name) is always covered and need not be repeated.
      - The names are compared without regard to order, case or a trailing dot.
    type: list
    elements: str
    default: []
  validation_method:
    description:
      - How ACM validates that you control the domains.
      - V(DNS) lets ACM renew the certificate on its own as long as the CNAME records stay published.
      - V(EMAIL) sends approval mails to the domains' administrative addresses; the certificate stays
        C(PENDING_VALIDATION) until someone approves them.
    type: str
    choices: ['DNS', 'EMAIL']
    default: DNS
  key_algorithm:
    description:
      - The algorithm of the certificate's key pair.
    type: str
    choices: ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1']
    default: RSA_2048
  name_tag:
    description:
      - The value of the certificate's C(Name) tag, which identifies it together with O(domain_name).
      - Required with O(state=present). With O(state=absent) and without O(name_tag), every certificate
        ACM issued for O(domain_name) is deleted.
    type: str
  state:
    description:
      - Whether the certificate should exist.
      - V(absent) deletes every matching certificate. AWS refuses to delete a certificate that a load
        balancer uses; the module then fails naming the load balancers, before deleting anything.
    type: str
    choices: ['present', 'absent']
    default: present
  wait:
    description:
      - Wait until the certificate is C(ISSUED), that is until ACM found the validation records (or the
        approval of the mail).
      - Fails when ACM gives up on the certificate (C(FAILED), C(VALIDATION_TIMED_OUT), ...) or after
        O(wait_timeout) seconds.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait for the certificate to be issued when O(wait=true).
    type: int
    default: 600
notes:
  - The C(Name) tag is always O(name_tag); a C(Name) key in O(tags) must equal it. Without O(tags), only
    the C(Name) tag is ensured and the other tags of an existing certificate are left alone. A new
    certificate that replaces another gets the other's tags unless O(tags) and O(purge_tags=true) say otherwise.
  - The module needs C(acm:ListCertificates), C(acm:DescribeCertificate), C(acm:ListTagsForCertificate),
    C(acm:RequestCertificate), C(acm:AddTagsToCertificate), C(acm:RemoveTagsFromCertificate) and
    C(acm:DeleteCertificate).
  - Certificates for an Application Load Balancer must be in the load balancer's region; for CloudFront
    in us-east-1.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Request the certificate of the CVAT load balancer
  cvatops.aws.acm_certificate_request:
    domain_name: cvat.example.com
    subject_alternative_names: [www.cvat.example.com]
    name_tag: cvat-prod
    tags: {Project: cvat, Environment: prod}
  register: cert

- name: Publish the validation records
  amazon.aws.route53:
    zone: example.com
    record: "{{ item.resource_record.name }}"
    type: "{{ item.resource_record.type }}"
    value: "{{ item.resource_record.value }}"
    ttl: 300
    overwrite: true
    state: present
  loop: "{{ cert.certificate.domain_validation_options | selectattr('resource_record', 'defined') | unique(attribute='resource_record.name') }}"
  loop_control: {label: "{{ item.domain_name }}"}

- name: Wait until ACM issued it
  cvatops.aws.acm_certificate_request:
    domain_name: cvat.example.com
    subject_alternative_names: [www.cvat.example.com]
    name_tag: cvat-prod
    wait: true
    wait_timeout: 1800

- name: Delete the certificates of a domain that nothing uses any more
  cvatops.aws.acm_certificate_request:
    domain_name: old.example.com
    name_tag: cvat-prod
    state: absent
"""

RETURN = r"""
changed:
  description: Whether a certificate was requested or deleted, or its tags changed (or would be, in check mode).
  returned: always
  type: bool
  sample: true
certificate:
  description:
    - The certificate. In check mode, when a certificate would be requested, only the keys known before
      the request are set.
    - V(null) with O(state=absent).
  returned: always
  type: complex
  contains:
    arn:
      description: The ARN of the certificate.
      returned: when the certificate exists
      type: str
      sample: arn:aws:acm:eu-west-1:123456789012:certificate/6f2b3d1e-0c1a-4d5e-9f8a-0123456789ab
    domain_name:
      description: The domain name of the certificate.
      returned: always
      type: str
      sample: cvat.example.com
    subject_alternative_names:
      description: Every name the certificate covers, O(domain_name) included.
      returned: always
      type: list
      elements: str
      sample: [cvat.example.com, www.cvat.example.com]
    status:
      description: V(PENDING_VALIDATION), V(ISSUED), V(INACTIVE), V(EXPIRED), V(VALIDATION_TIMED_OUT), V(REVOKED) or V(FAILED).
      returned: always
      type: str
      sample: PENDING_VALIDATION
    key_algorithm:
      description: The algorithm of the certificate's key pair.
      returned: always
      type: str
      sample: RSA_2048
    validation_method:
      description: V(DNS) or V(EMAIL).
      returned: always
      type: str
      sample: DNS
    domain_validation_options:
      description: How each name is validated, with the DNS record to publish for DNS validation.
      returned: always
      type: list
      elements: dict
      contains:
        domain_name:
          description: The name being validated.
          type: str
          sample: www.cvat.example.com
        validation_domain:
          description: The domain ACM validates the name against.
          type: str
          sample: www.cvat.example.com
        validation_method:
          description: V(DNS) or V(EMAIL).
          type: str
          sample: DNS
        validation_status:
          description: V(PENDING_VALIDATION), V(SUCCESS) or V(FAILED).
          type: str
          sample: PENDING_VALIDATION
        resource_record:
          description:
            - The CNAME record ACM looks for (DNS validation). Names of the same domain share one record.
            - Missing when ACM did not add the records within a minute of the request (the module warns);
              run the module again to get them.
          type: dict
          sample: {"name": "_3e9f2d.cvat.example.com.", "type": "CNAME", "value": "_8a7c1b.acm-validations.aws."}
        validation_emails:
          description: The addresses the approval mails go to (EMAIL validation).
          type: list
          elements: str
          sample: [admin@example.com]
    in_use_by:
      description: The ARNs of the resources (load balancers) that use the certificate.
      returned: when the certificate exists
      type: list
      elements: str
      sample: []
    created_at:
      description: When the certificate was requested.
      returned: when the certificate exists
      type: str
      sample: "2024-05-01T12:00:00+00:00"
    not_after:
      description: When the issued certificate expires (ACM renews DNS-validated certificates before).
      returned: when the certificate is issued
      type: str
      sample: "2025-06-01T23:59:59+00:00"
    tags:
      description: The tags of the certificate.
      returned: always
      type: dict
      sample: {"Name": "cvat-prod", "Project": "cvat"}
replaced_certificate_arn:
  description:
    - The certificate of O(name_tag) and O(domain_name) that a newly requested certificate replaces, because
      its names, key algorithm or validation method differ or ACM gave up on it. It is not deleted.
  returned: when a new certificate was requested (or would be, in check mode) while another existed
  type: str
  sample: arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab
deleted_certificate_arns:
  description: The certificates deleted (or that would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [arn:aws:acm:eu-west-1:123456789012:certificate/6f2b3d1e-0c1a-4d5e-9f8a-0123456789ab]
"""

import time
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import apply_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import name_tag_changes
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import name_tag_conflict
from ansible_collections.cvatops.aws.plugins.module_utils.tagging import tags_for_replacement

KEY_ALGORITHMS = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
REUSABLE_STATUSES = ("ISSUED", "PENDING_VALIDATION")
# Statuses from which a certificate never becomes ISSUED.
GIVEN_UP_STATUSES = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")
# ACM adds the validation records a few seconds after the request.
RECORD_TIMEOUT = 60
ISSUE_POLL_SECONDS = 10


class AnsibleACMError(AnsibleAWSError):
    pass


class ACMErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleACMError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


# --- pure helpers -----------------------------------------------------------------------------


def normalize_name(name):
    return (name or "").strip().lower().rstrip(".")


def wanted_names(domain_name, subject_alternative_names):
    """Every name the certificate must cover, normalised: the domain name first, then the others in order."""
    names = []
    for name in [domain_name] + list(subject_alternative_names or []):
        name = normalize_name(name)
        if name and name not in names:
            names.append(name)
    return names


def certificate_names(detail):
    return {normalize_name(n) for n in (detail.get("SubjectAlternativeNames") or []) + [detail.get("DomainName")] if n}


def validation_method_of(detail):
    for option in detail.get("DomainValidationOptions") or []:
        if option.get("ValidationMethod"):
            return option["ValidationMethod"]
    return None


def differences(detail, params):
    """Names of the options in which an existing certificate differs from the one asked for."""
    found = []
    if certificate_names(detail) != set(wanted_names(params["domain_name"], params["subject_alternative_names"])):
        found.append("subject_alternative_names")
    if detail.get("KeyAlgorithm") and detail["KeyAlgorithm"] != params["key_algorithm"]:
        found.append("key_algorithm")
    method = validation_method_of(detail)
    if method and method != params["validation_method"]:
        found.append("validation_method")
    return found


def _preference(detail):
    """Sort key: issued before pending before the rest, newest first."""
    status = detail.get("Status")
    rank = REUSABLE_STATUSES.index(status) if status in REUSABLE_STATUSES else len(REUSABLE_STATUSES)
    created = detail.get("CreatedAt")
    stamp = created.timestamp() if hasattr(created, "timestamp") else 0
    return (rank, -stamp)


def select_certificate(candidates, params):
    """(reused, replaced) among the (detail, tags) candidates of the Name tag and domain.

    reused: the candidate to keep, or None when a certificate must be requested; replaced: the
    candidate a new request supersedes (None when one is reused or there is none).
    """
    ordered = sorted(candidates, key=lambda c: _preference(c[0]))
    for candidate in ordered:
        if candidate[0].get("Status") in REUSABLE_STATUSES and not differences(candidate[0], params):
            return candidate, None
    return None, (ordered[0] if ordered else None)


def build_request(params, tags, token):
    names = wanted_names(params["domain_name"], params["subject_alternative_names"])
    request = {
        "DomainName": params["domain_name"],
        "ValidationMethod": params["validation_method"],
        "KeyAlgorithm": params["key_algorithm"],
        "IdempotencyToken": token,
        "Tags": ansible_dict_to_boto3_tag_list(tags),
    }
    if len(names) > 1:
        request["SubjectAlternativeNames"] = names
    return request


def records_missing(detail):
    """True while a DNS-validated certificate waits for ACM to add its validation records."""
    if detail.get("Status") != "PENDING_VALIDATION":
        return False
    options = detail.get("DomainValidationOptions") or []
    if not options:
        return True
    return any(o.get("ValidationMethod", "DNS") == "DNS" and not o.get("ResourceRecord") for o in options)


def tags_to_dict(tag_list):
    # ACM may leave out the Value of a tag that has none.
    return {t["Key"]: t.get("Value", "") for t in tag_list or []}


def _timestamp(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def validation_option_view(option):
    view = {
        "domain_name": option.get("DomainName"),
        "validation_domain": option.get("ValidationDomain"),
        "validation_method": option.get("ValidationMethod"),
        "validation_status": option.get("ValidationStatus"),
    }
    record = option.get("ResourceRecord")
    if record:
        view["resource_record"] = {"name": record.get("Name"), "type": record.get("Type"), "value": record.get("Value")}
    if option.get("ValidationEmails"):
        view["validation_emails"] = list(option["ValidationEmails"])
    return view


def certificate_view(detail, tags):
    view = {
        "arn": detail.get("CertificateArn"),
        "domain_name": detail.get("DomainName"),
        "subject_alternative_names": list(detail.get("SubjectAlternativeNames") or []),
        "status": detail.get("Status"),
        "key_algorithm": detail.get("KeyAlgorithm"),
        "validation_method": validation_method_of(detail),
        "domain_validation_options": [validation_option_view(o) for o in detail.get("DomainValidationOptions") or []],
        "in_use_by": list(detail.get("InUseBy") or []),
        "created_at": _timestamp(detail.get("CreatedAt")),
        "tags": dict(tags or {}),
    }
    if detail.get("Status") == "ISSUED" and detail.get("NotAfter"):
        view["not_after"] = _timestamp(detail["NotAfter"])
    return {k: v for k, v in view.items() if v is not None}


def predicted_certificate(params, tags):
    """What check mode can tell about a certificate that would be requested."""
    return {
        "domain_name": params["domain_name"],
        "subject_alternative_names": wanted_names(params["domain_name"], params["subject_alternative_names"]),
        "status": "PENDING_VALIDATION",
        "key_algorithm": params["key_algorithm"],
        "validation_method": params["validation_method"],
        "domain_validation_options": [],
        "tags": dict(tags),
    }


def diff_view(certificate):
    if not certificate:
        return {}
    keys = ("arn", "domain_name", "subject_alternative_names", "key_algorithm", "validation_method", "status", "tags")
    return {k: certificate[k] for k in keys if k in certificate}


def error_code(exception):
    response = getattr(exception, "response", None) or {}
    return (response.get("Error") or {}).get("Code")


# --- AWS calls -------------------------------------------------------------------------------


@ACMErrorHandler.list_error_handler("list certificates", [])
@AWSRetry.jittered_backoff(catch_extra_error_codes=["RequestInProgressException"])
def list_certificates(client):
    # Without keyTypes, ListCertificates only lists RSA_1024 and RSA_2048 certificates.
    paginator = client.get_paginator("list_certificates")
    return paginator.paginate(Includes={"keyTypes": KEY_ALGORITHMS}).build_full_result()["CertificateSummaryList"]


@ACMErrorHandler.list_error_handler("list the tags of certificate {arn}")
def list_tags(client, arn):
    return tags_to_dict(client.list_tags_for_certificate(CertificateArn=arn, aws_retry=True).get("Tags"))


@ACMErrorHandler.list_error_handler("describe certificate {arn}")
def describe_certificate(client, arn):
    return client.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]


@ACMErrorHandler.common_error_handler("describe the new certificate {arn}")
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ResourceNotFoundException"])
def describe_new_certificate(client, arn):
    # A certificate that was just requested may not be visible yet.
    return client.describe_certificate(CertificateArn=arn)["Certificate"]


@ACMErrorHandler.common_error_handler("request a certificate for {params[DomainName]}")
def request_certificate(client, params):
    return client.request_certificate(aws_retry=True, **params)["CertificateArn"]


@ACMErrorHandler.common_error_handler("tag certificate {arn}")
def set_tags(client, arn, to_set, to_unset):
    if to_unset:
        client.remove_tags_from_certificate(CertificateArn=arn, Tags=[{"Key": k} for k in to_unset], aws_retry=True)
    if to_set:
        client.add_tags_to_certificate(CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_set), aws_retry=True)


@ACMErrorHandler.deletion_error_handler("delete certificate {arn}")
def delete_certificate(client, arn):
    client.delete_certificate(CertificateArn=arn, aws_retry=True)
    return True


def find_certificates(client, domain_name, name_tag):
    """(detail, tags) of every certificate ACM issued for the domain with that Name tag (any Name if None)."""
    found = []
    for summary in list_certificates(client):
        if normalize_name(summary.get("DomainName")) != normalize_name(domain_name):
            continue
        arn = summary["CertificateArn"]
        tags = list_tags(client, arn)
        if tags is None or (name_tag is not None and tags.get("Name") != name_tag):
            continue
        detail = describe_certificate(client, arn)
        if detail is None or detail.get("Type") != "AMAZON_ISSUED":
            continue
        found.append((detail, tags))
    return found


def wait_for_records(module, client, detail):
    """The certificate once ACM added its validation records (or after RECORD_TIMEOUT, with a warning)."""
    deadline = time.monotonic() + RECORD_TIMEOUT
    delay = 1
    while records_missing(detail) and time.monotonic() < deadline:
        time.sleep(min(delay, max(deadline - time.monotonic(), 0.1)))
        delay = min(delay + 1, 5)
        detail = describe_new_certificate(client, detail["CertificateArn"])
    if records_missing(detail):
        module.warn(f"ACM has not added the validation records of {detail['CertificateArn']} within {RECORD_TIMEOUT}s; run the task again to get them")
    return detail


def wait_for_issued(module, client, detail, tags, changed, extra):
    deadline = time.monotonic() + module.params["wait_timeout"]
    while True:
        status = detail.get("Status")
        if status == "ISSUED":
            return detail
        failure = None
        if status in GIVEN_UP_STATUSES:
            failure = f"ACM gave up on certificate {detail['CertificateArn']}: {status} ({detail.get('FailureReason', 'no reason given')})"
        elif time.monotonic() >= deadline:
            failure = (
                f"Timed out after {module.params['wait_timeout']}s waiting for certificate {detail['CertificateArn']} to be issued "
                f"(status {status}): are its validation records published?"
            )
        if failure:
            module.fail_json(msg=failure, changed=changed, certificate=certificate_view(detail, tags), **extra)
        time.sleep(max(min(ISSUE_POLL_SECONDS, deadline - time.monotonic()), 0.1))
        detail = describe_new_certificate(client, detail["CertificateArn"])


# --- state handlers ------------------------------------------------------------------------


def ensure_present(module, client, candidates):
    params = module.params
    name_tag, tags, purge_tags = params["name_tag"], params["tags"], params["purge_tags"]
    reused, replaced = select_certificate(candidates, params)

    if reused is not None:
        detail, current_tags = reused
        to_set, to_unset = name_tag_changes(current_tags, name_tag, tags, purge_tags)
        changed = bool(to_set or to_unset)
        final_tags = apply_tag_changes(current_tags, to_set, to_unset)
        if changed and not module.check_mode:
            set_tags(client, detail["CertificateArn"], to_set, to_unset)
        if not module.check_mode:
            detail = wait_for_records(module, client, detail)
            if params["wait"]:
                detail = wait_for_issued(module, client, detail, final_tags, changed, {})
        return changed, certificate_view(detail, final_tags), certificate_view(*reused), {}

    extra = {"replaced_certificate_arn": replaced[0]["CertificateArn"]} if replaced else {}
    before = certificate_view(*replaced) if replaced else None
    new_tags = tags_for_replacement(replaced[1] if replaced else {}, name_tag, tags, purge_tags)
    if module.check_mode:
        return True, predicted_certificate(params, new_tags), before, extra
    arn = request_certificate(client, build_request(params, new_tags, uuid.uuid4().hex))
    detail = wait_for_records(module, client, describe_new_certificate(client, arn))
    if params["wait"]:
        detail = wait_for_issued(module, client, detail, new_tags, True, extra)
    return True, certificate_view(detail, new_tags), before, extra


def ensure_absent(module, client, candidates):
    details = [candidate[0] for candidate in candidates]
    in_use = [(d["CertificateArn"], d["InUseBy"]) for d in details if d.get("InUseBy")]
    if in_use:
        uses = "; ".join(f"{arn} is in use by {', '.join(users)}" for arn, users in in_use)
        module.fail_json(msg=f"Can not delete certificates that are in use (ResourceInUseException): {uses}. Remove them from these listeners first.")
    arns = [d["CertificateArn"] for d in details]
    deleted = arns if module.check_mode else [arn for arn in arns if delete_certificate(client, arn)]
    return bool(deleted), None, None, {"deleted_certificate_arns": deleted}


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        subject_alternative_names=dict(type="list", elements="str", default=[]),
        validation_method=dict(type="str", choices=["DNS", "EMAIL"], default="DNS"),
        key_algorithm=dict(type="str", choices=KEY_ALGORITHMS, default="RSA_2048"),
        name_tag=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["name_tag"])],
        supports_check_mode=True,
    )
    params = module.params
    error = name_tag_conflict(params["name_tag"], params["tags"], "name_tag", "certificate")
    if error:
        module.fail_json(msg=error)
    client = module.client("acm", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["RequestInProgressException"]))

    try:
        candidates = find_certificates(client, params["domain_name"], params["name_tag"])
        handler = ensure_present if params["state"] == "present" else ensure_absent
        changed, certificate, before, extra = handler(module, client, candidates)
    except AnsibleACMError as e:
        if error_code(e.exception) == "ResourceInUseException":
            module.fail_json(msg=f"Can not delete a certificate that is in use: {e.exception}")
        module.fail_json_aws_error(e)

    result = dict(changed=changed, certificate=certificate, **extra)
    if module._diff:
        if params["state"] == "present":
            result["diff"] = {"before": diff_view(before), "after": diff_view(certificate)}
        else:
            result["diff"] = {"before": {"certificates": [diff_view(certificate_view(d, t)) for d, t in candidates]}, "after": {"certificates": []}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
