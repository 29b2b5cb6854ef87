#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_server_info
short_description: Version and health of a CVAT server
version_added: 0.1.0
description:
  - Reads CVAT's C(/api/server/about) (name, version) and its deep health check C(/api/server/health/)
    (database, cache, OPA and storage checks).
  - Both endpoints answer without credentials, so O(cvat_token) is optional here.
  - Use it after a deploy to wait for CVAT, or to check the release a stack runs.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  health:
    description:
      - Also read the health check. A failing check is reported in RV(healthy) and RV(health_checks), not as a
        module failure, unless O(fail_on_unhealthy) is set.
    type: bool
    default: true
  fail_on_unhealthy:
    description:
      - Fail when a health check fails.
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
- name: Wait until CVAT answers and is healthy after a deploy
  cvatops.aws.cvat_server_info:
    cvat_url: https://cvat.example.com
    fail_on_unhealthy: true
  register: cvat
  until: cvat is succeeded
  retries: 30
  delay: 10

- name: Check the release the stack runs
  ansible.builtin.assert:
    that: cvat.version == '2.73.0'
"""

RETURN = r"""
version:
  description: CVAT's version, as C(/api/server/about) reports it.
  returned: always
  type: str
  sample: 2.73.0
name:
  description: The server's name.
  returned: always
  type: str
  sample: Computer Vision Annotation Tool
about:
  description: The whole answer of C(/api/server/about).
  returned: always
  type: dict
  sample: {"name": "Computer Vision Annotation Tool", "version": "2.73.0", "description": "...", "logo_url": "", "subtitle": ""}
healthy:
  description: Whether every health check passed; null when O(health) is false.
  returned: always
  type: bool
  sample: true
health_checks:
  description: Each health check and its state, as CVAT reports them.
  returned: when O(health) is true
  type: dict
  sample: {"Cache backend: default": "working", "DatabaseBackend": "working"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, CvatClient, CvatError

HEALTHY = "working"


def read_health(client):
    """(healthy, checks): CVAT's health check answers 200 when every check works and 500 when one fails."""
    status, checks = client.call("GET", "/api/server/health/", query={"format": "json"}, expected=(200, 500))
    if not isinstance(checks, dict):
        return status == 200, {}
    return status == 200 and all(value == HEALTHY for value in checks.values()), checks


def main():
    argument_spec = dict(CVAT_COMMON_ARGUMENT_SPEC, health=dict(type="bool", default=True), fail_on_unhealthy=dict(type="bool", default=False))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    client = CvatClient.from_module(module, require_auth=False)
    try:
        about = client.get("/api/server/about") or {}
        result = dict(changed=False, about=about, version=about.get("version"), name=about.get("name"), healthy=None)
        if module.params["health"]:
            result["healthy"], result["health_checks"] = read_health(client)
    except CvatError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    if module.params["fail_on_unhealthy"] and result["healthy"] is False:
        failing = sorted(name for name, value in result["health_checks"].items() if value != HEALTHY)
        module.fail_json(msg="CVAT is not healthy: %s" % (", ".join(failing) or "health check answered an error"), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
