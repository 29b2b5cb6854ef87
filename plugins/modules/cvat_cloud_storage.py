#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_cloud_storage
short_description: An S3 bucket registered in CVAT as a cloud storage
version_added: 0.1.0
description:
  - Registers, updates or removes an S3 bucket as a CVAT cloud storage, found by its O(display_name).
  - CVAT never returns a storage's credentials, so they are sent when the storage is created and, with
    O(update_credentials=always), on every run (which then always reports a change).
  - With O(wait_available), waits until CVAT can list the bucket (C(/api/cloudstorages/{id}/status) answers
    C(AVAILABLE)); a storage that stays C(FORBIDDEN) or C(NOT_FOUND) fails the module, and one this run created is
    removed again, so nothing is left half-made.
  - CVAT cannot use an EC2 instance role for S3, so the storage needs an access key (the collection's
    C(cvatops.aws.security) role creates a dedicated IAM user for it).
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  display_name:
    description:
      - Name of the cloud storage in CVAT (at most 63 characters); the key by which the module finds it.
    type: str
    required: true
  state:
    description:
      - V(present) registers or updates the storage, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  bucket:
    description:
      - Name of the S3 bucket (CVAT's C(resource)). Required with O(state=present).
    type: str
  region:
    description:
      - Region of the bucket.
    type: str
  prefix:
    description:
      - Only objects under this prefix are visible in CVAT.
    type: str
  description:
    description:
      - Description of the storage in CVAT.
    type: str
    default: ""
  manifests:
    description:
      - Manifest files in the bucket (CVAT's dataset manifests), relative to the bucket's root.
    type: list
    elements: str
    default: []
  credentials_type:
    description:
      - V(key_secret_key_pair) uses O(access_key_id) and O(secret_access_key); V(anonymous_access) a public bucket.
    type: str
    choices: [key_secret_key_pair, anonymous_access]
    default: key_secret_key_pair
  access_key_id:
    description:
      - Access key id of the IAM user CVAT reads the bucket with.
    type: str
  secret_access_key:
    description:
      - Its secret access key. Never shown in results or diffs.
    type: str
  update_credentials:
    description:
      - V(on_create) sends the credentials only when the storage is created; V(always) sends them on every run
        (after a key rotation), which always reports a change because CVAT cannot say whether they differ.
    type: str
    choices: [always, on_create]
    default: on_create
  wait_available:
    description:
      - Wait until CVAT reports the storage C(AVAILABLE) after creating or updating it.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for C(AVAILABLE) (a new IAM key takes a few seconds to work).
    type: int
    default: 60
attributes:
  check_mode:
    support: full
    description: Reports the storage as it would be, without changing CVAT.
  diff_mode:
    support: full
    description: Shows the storage's fields before and after; never a credential.
"""

EXAMPLES = r"""
- name: Register the raw-data bucket in CVAT
  cvatops.aws.cvat_cloud_storage:
    cvat_url: https://cvat.example.com
    cvat_token: "{{ cvat_token }}"
    display_name: raw-data
    bucket: cvat-prod-raw-data-123456789012-eu-west-1
    region: eu-west-1
    prefix: images/
    access_key_id: "{{ s3_user.aws_access_key_id }}"
    secret_access_key: "{{ s3_user.aws_secret_access_key }}"
  no_log: true

- name: After a key rotation, send the new key and check that CVAT can read the bucket
  cvatops.aws.cvat_cloud_storage:
    display_name: raw-data
    bucket: cvat-prod-raw-data-123456789012-eu-west-1
    region: eu-west-1
    access_key_id: "{{ new_key.id }}"
    secret_access_key: "{{ new_key.secret }}"
    update_credentials: always
  no_log: true

- name: Remove it
  cvatops.aws.cvat_cloud_storage:
    display_name: raw-data
    state: absent
"""

RETURN = r"""
cloud_storage:
  description: The cloud storage as CVAT holds it (or would, in check mode); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: CVAT's id of the storage (null in check mode before it exists).
      type: int
      sample: 3
    display_name:
      description: Its name.
      type: str
      sample: raw-data
    resource:
      description: The bucket.
      type: str
      sample: cvat-prod-raw-data-123456789012-eu-west-1
    region:
      description: Region, from C(specific_attributes).
      type: str
      sample: eu-west-1
    prefix:
      description: Prefix, from C(specific_attributes).
      type: str
      sample: images/
    specific_attributes:
      description: CVAT's attribute string.
      type: str
      sample: prefix=images%2F&region=eu-west-1
    status:
      description: C(AVAILABLE), C(FORBIDDEN) or C(NOT_FOUND), when the module waited.
      type: str
      sample: AVAILABLE
credentials_updated:
  description: Whether the credentials were sent to CVAT by this run.
  returned: always
  type: bool
  sample: false
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, run_module
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_cloud_storage as cs


def status_after_wait(client, storage_id, timeout, sleep=time.sleep):
    """CVAT's last status of the storage, after AVAILABLE or the timeout."""
    deadline = time.time() + timeout
    while True:
        status = client.get("%s/%s/status" % (cs.PATH, storage_id))
        if status == cs.AVAILABLE or time.time() + 2 > deadline:
            return status
        sleep(2)


def main():
    argument_spec = dict(
        CVAT_COMMON_ARGUMENT_SPEC,
        display_name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        bucket=dict(type="str"),
        region=dict(type="str"),
        prefix=dict(type="str"),
        description=dict(type="str", default=""),
        manifests=dict(type="list", elements="str", default=[]),
        credentials_type=dict(type="str", choices=list(cs.CREDENTIALS_TYPES), default="key_secret_key_pair"),
        access_key_id=dict(type="str", no_log=False),
        secret_access_key=dict(type="str", no_log=True),
        update_credentials=dict(type="str", choices=["always", "on_create"], default="on_create"),
        wait_available=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=60),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[
            ("state", "present", ["bucket"]),
        ],
    )
    params = module.params
    if len(params["display_name"]) > 63 or not params["display_name"].strip():
        module.fail_json(msg="display_name must be 1-63 characters, got %d" % len(params["display_name"]))
    needs_key = params["state"] == "present" and params["credentials_type"] == "key_secret_key_pair"
    if needs_key and not (params["access_key_id"] and params["secret_access_key"]):
        module.fail_json(msg="credentials_type key_secret_key_pair needs access_key_id and secret_access_key.")

    run_module(module, run)


def run(module, client, params):
    found = cs.find(client, params["display_name"])
    if len(found) > 1:
        module.fail_json(msg="%d cloud storages are named %r in CVAT (ids %s): rename all but one" % (
            len(found), params["display_name"], ", ".join(str(item["id"]) for item in found)))
    current = found[0] if found else None
    result = dict(changed=False, credentials_updated=False, cloud_storage={})

    if params["state"] == "absent":
        if current:
            result.update(changed=True, diff=dict(before=cs.public_view(current), after={}))
            if not module.check_mode:
                client.delete("%s/%s" % (cs.PATH, current["id"]))
        return result

    desired = cs.desired_state(params)
    if current is None:
        result.update(changed=True, credentials_updated=True,
                      diff=dict(before={}, after=cs.public_view(dict(desired, id=None))))
        if module.check_mode:
            result["cloud_storage"] = cs.public_view(dict(desired, id=None))
            return result
        storage = client.post(cs.PATH, dict(desired, **cs.credentials(params)), expected=(201,))
        created = True
    else:
        update = cs.changes(current, desired)
        if params["update_credentials"] == "always":
            update.update(cs.credentials(params), credentials_type=desired["credentials_type"])
            result["credentials_updated"] = True
        if not update:
            result["cloud_storage"] = cs.public_view(current)
            return result
        after = dict(current, **dict((k, v) for k, v in update.items() if k in cs.COMPARED))
        result.update(changed=True, diff=dict(before=cs.public_view(current), after=cs.public_view(after)))
        if module.check_mode:
            result["cloud_storage"] = cs.public_view(after)
            return result
        storage = client.patch("%s/%s" % (cs.PATH, current["id"]), update)
        created = False

    status = None
    if params["wait_available"]:
        status = status_after_wait(client, storage["id"], params["wait_timeout"])
        if status != cs.AVAILABLE:
            if created:
                client.delete("%s/%s" % (cs.PATH, storage["id"]))
            module.fail_json(
                msg="CVAT reports the cloud storage %r (bucket %s) %s after %s s%s: check the bucket's name and region and "
                    "that the access key may list and read it" % (
                        params["display_name"], params["bucket"], status, params["wait_timeout"],
                        "; it was removed again" if created else ""),
                cloud_storage=cs.public_view(storage, status), changed=not created)
    result["cloud_storage"] = cs.public_view(storage, status)
    return result


if __name__ == "__main__":
    main()
