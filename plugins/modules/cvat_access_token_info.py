#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_access_token_info
short_description: The personal access tokens of the CVAT user the module authenticates as
version_added: 0.1.0
description:
  - Lists the personal access tokens of the user that O(cvat_token) or O(cvat_username) authenticates as (CVAT lists
    only the caller's own tokens), all of them or those with exactly the given O(name), without their values, which
    CVAT never returns after creating a token.
  - With O(self_only) it reads the token that authenticates the request, for example to see when the automation's
    token expires.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  name:
    description:
      - Only the tokens with exactly this name (names need not be unique).
    type: str
  self_only:
    description:
      - Only the token that authenticates this request (needs O(cvat_token)).
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
- name: When does the automation's token expire?
  cvatops.aws.cvat_access_token_info:
    self_only: true
  register: mine

- name: Every token named like the automation's, to find strays
  cvatops.aws.cvat_access_token_info:
    name: cvatops-cvat-prod
    cvat_username: admin
    cvat_password: "{{ admin_password }}"
"""

RETURN = r"""
access_tokens:
  description: The matching tokens, by id; never a token's value.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: CVAT's id of the token.
      type: int
      sample: 7
    name:
      description: Its name.
      type: str
      sample: cvatops-cvat-prod
    owner:
      description: User name of its owner.
      type: str
      sample: admin
    expiry_date:
      description: When it stops working (null if never).
      type: str
      sample: "2027-12-01T00:00:00Z"
    last_used_date:
      description: When it was last used (CVAT updates it about once a day).
      type: str
      sample: "2026-12-01T00:00:00Z"
    read_only:
      description: Whether it may only read.
      type: bool
      sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, run_module
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_access_token as at


def run(module, client, params):
    if params["self_only"]:
        tokens = [client.get(at.PATH + "/self")]
    else:
        query = {"name": params["name"]} if params["name"] is not None else None
        tokens = [token for token in client.paginate(at.PATH, query) if params["name"] is None or token.get("name") == params["name"]]
    return dict(changed=False, access_tokens=[at.public_view(token) for token in sorted(tokens, key=lambda token: token["id"])])


def main():
    module = AnsibleModule(argument_spec=dict(CVAT_COMMON_ARGUMENT_SPEC, name=dict(type="str"), self_only=dict(type="bool", default=False)),
                           supports_check_mode=True, mutually_exclusive=[("name", "self_only")], required_if=[("self_only", True, ["cvat_token"])])
    run_module(module, run)


if __name__ == "__main__":
    main()
