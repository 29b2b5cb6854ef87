#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_cloud_storage_info
short_description: CVAT's cloud storages, and whether CVAT can reach their buckets
version_added: 0.1.0
description:
  - Lists CVAT's cloud storages, all of them or those with a given O(display_name) or O(bucket), and optionally
    each one's status (C(AVAILABLE), C(FORBIDDEN), C(NOT_FOUND)).
  - Credentials are never returned (CVAT does not return them either).
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  display_name:
    description:
      - Only the storage with exactly this name.
    type: str
  bucket:
    description:
      - Only storages of this bucket (CVAT's C(resource)).
    type: str
  status:
    description:
      - Also ask CVAT whether it can reach each storage's bucket (one request per storage).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
"""

EXAMPLES = r"""
- name: Every storage of the raw-data bucket, with its status
  cvatops.aws.cvat_cloud_storage_info:
    bucket: cvat-prod-raw-data-123456789012-eu-west-1
    status: true
  register: storages

- name: Fail unless CVAT can read them all
  ansible.builtin.assert:
    that: storages.cloud_storages | map(attribute='status') | unique == ['AVAILABLE']
"""

RETURN = r"""
cloud_storages:
  description: The matching cloud storages, by id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: CVAT's id.
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
    status:
      description: C(AVAILABLE), C(FORBIDDEN) or C(NOT_FOUND), with O(status).
      type: str
      sample: AVAILABLE
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, CvatClient, CvatError
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_cloud_storage as cs


def main():
    argument_spec = dict(CVAT_COMMON_ARGUMENT_SPEC, display_name=dict(type="str"), bucket=dict(type="str"), status=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    client = CvatClient.from_module(module)
    query = dict(provider_type=cs.PROVIDER, name=params["display_name"], resource=params["bucket"])
    try:
        storages = [item for item in client.paginate(cs.PATH, query)
                    if params["display_name"] is None or item.get("display_name") == params["display_name"]]
        views = [cs.public_view(item, client.get("%s/%s/status" % (cs.PATH, item["id"])) if params["status"] else None)
                 for item in sorted(storages, key=lambda item: item["id"])]
    except CvatError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    module.exit_json(changed=False, cloud_storages=views)


if __name__ == "__main__":
    main()
