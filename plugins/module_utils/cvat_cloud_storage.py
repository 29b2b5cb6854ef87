# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cvatops.aws.cvat_cloud_storage and cvat_cloud_storage_info share: finding a cloud storage by its
display name, CVAT's ``specific_attributes`` string, the comparison and the payloads (pure functions)."""

from ansible.module_utils.six.moves.urllib.parse import parse_qsl, urlencode

PROVIDER = "AWS_S3_BUCKET"
CREDENTIALS_TYPES = {"key_secret_key_pair": "KEY_SECRET_KEY_PAIR", "anonymous_access": "ANONYMOUS_ACCESS"}
AVAILABLE = "AVAILABLE"
# Fields CVAT returns and the module manages; secrets are never among them.
COMPARED = ("provider_type", "resource", "display_name", "credentials_type", "specific_attributes", "description", "manifests")
PATH = "/api/cloudstorages"


def specific_attributes(region=None, prefix=None):
    """CVAT's ``specific_attributes``: a query string, ``region=...&prefix=...`` (sorted, empty parts left out)."""
    pairs = [(key, value) for key, value in (("prefix", prefix), ("region", region)) if value]
    return urlencode(pairs)


def parse_specific_attributes(text):
    return dict(parse_qsl(text or "", keep_blank_values=False))


def desired_state(params):
    """The cloud storage the module's parameters describe, in CVAT's field names (no secret)."""
    return dict(
        provider_type=PROVIDER,
        resource=params["bucket"],
        display_name=params["display_name"],
        credentials_type=CREDENTIALS_TYPES[params["credentials_type"]],
        specific_attributes=specific_attributes(params.get("region"), params.get("prefix")),
        description=params.get("description") or "",
        manifests=list(params.get("manifests") or []),
    )


def normalized(current):
    """A cloud storage as CVAT returns it, reduced to the compared fields; specific_attributes in canonical order."""
    result = {key: current.get(key) for key in COMPARED}
    result["specific_attributes"] = urlencode(sorted(parse_specific_attributes(current.get("specific_attributes")).items()))
    result["description"] = result["description"] or ""
    result["manifests"] = list(result["manifests"] or [])
    return result


def changes(current, desired):
    """The fields of ``desired`` that differ from ``current`` (manifests compared as given: their order matters to CVAT)."""
    have = normalized(current)
    want = dict(desired, specific_attributes=urlencode(sorted(parse_specific_attributes(desired["specific_attributes"]).items())))
    return dict((key, desired[key]) for key in COMPARED if have.get(key) != want.get(key))


def credentials(params):
    """The secret part of a create or update payload."""
    if params["credentials_type"] == "anonymous_access":
        return {}
    return dict(key=params["access_key_id"], secret_key=params["secret_access_key"])


def find(client, display_name):
    """The cloud storages named ``display_name`` (CVAT's ``name`` filter matches more loosely: compare exactly)."""
    return [item for item in client.paginate(PATH, {"name": display_name}) if item.get("display_name") == display_name]


def public_view(storage, status=None):
    """What the modules return about a cloud storage: CVAT's fields, the parsed attributes, never a secret."""
    fields = ("id", "display_name", "resource", "provider_type", "credentials_type", "specific_attributes", "description",
              "manifests", "organization", "created_date", "updated_date")
    view = dict((key, storage.get(key)) for key in fields)
    attributes = parse_specific_attributes(storage.get("specific_attributes"))
    view["region"] = attributes.get("region")
    view["prefix"] = attributes.get("prefix")
    view["owner"] = (storage.get("owner") or {}).get("username")
    if status is not None:
        view["status"] = status
    return view
