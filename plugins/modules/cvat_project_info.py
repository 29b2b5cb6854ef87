#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_project_info
short_description: CVAT's projects with their labels and storages
version_added: 0.1.0
description:
  - Lists CVAT's projects, all of them or the one with exactly the given O(name), with their label names and
    their source and target storages.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  name:
    description:
      - Only the project with exactly this name.
    type: str
attributes:
  check_mode:
    support: full
    description: The module only reads.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
"""

EXAMPLES = r"""
- name: The project and where its exports go
  cvatops.aws.cvat_project_info:
    name: street-scenes
  register: found
"""

RETURN = r"""
projects:
  description: The matching projects, by id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: CVAT's id.
      type: int
      sample: 4
    name:
      description: Its name.
      type: str
      sample: street-scenes
    labels:
      description: Names of its labels, sorted.
      type: list
      elements: str
      sample: [car, pedestrian]
    target_storage:
      description: Where its exports go, C({location, cloud_storage_id}).
      type: dict
      sample: {"location": "cloud_storage", "cloud_storage_id": 5}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, CvatClient, CvatError
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_project as cp


def main():
    module = AnsibleModule(argument_spec=dict(CVAT_COMMON_ARGUMENT_SPEC, name=dict(type="str")), supports_check_mode=True)
    client = CvatClient.from_module(module)
    name = module.params["name"]
    try:
        projects = cp.find(client, name) if name is not None else list(client.paginate(cp.PATH))
        views = [cp.public_view(project, cp.labels_of(client, project["id"])) for project in sorted(projects, key=lambda p: p["id"])]
    except CvatError as exc:
        module.fail_json(msg=exc.message, status=exc.status)
    module.exit_json(changed=False, projects=views)


if __name__ == "__main__":
    main()
