#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_task_info
short_description: CVAT's tasks, with their size, jobs and data source
version_added: 0.1.0
description:
  - Lists CVAT's tasks, those of a O(project) or all of them, optionally only the one with exactly the given O(name),
    with their number of frames and jobs, whether CVAT has their data and the cloud storage it came from.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  project:
    description:
      - Name or id of a project; only its tasks.
    type: raw
  name:
    description:
      - Only the tasks with exactly this name.
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
- name: The tasks of a project and how far they are
  cvatops.aws.cvat_task_info:
    project: street-scenes
  register: found

- name: Frames waiting for annotation
  ansible.builtin.debug:
    msg: "{{ found.tasks | selectattr('status', 'eq', 'annotation') | map(attribute='size') | sum }}"
"""

RETURN = r"""
tasks:
  description: The matching tasks, by id (an empty list for a project that does not exist is not an error).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: CVAT's id.
      type: int
      sample: 12
    name:
      description: Its name.
      type: str
      sample: batch-001
    project_id:
      description: Id of its project.
      type: int
      sample: 4
    status:
      description: C(annotation), C(validation) or C(completed).
      type: str
      sample: annotation
    size:
      description: Number of frames.
      type: int
      sample: 250
    jobs:
      description: Number of its jobs.
      type: int
      sample: 3
    has_data:
      description: Whether CVAT has its data.
      type: bool
      sample: true
    data_cloud_storage_id:
      description: The cloud storage its data came from.
      type: int
      sample: 3
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, run_module
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_project as cp
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_task as ct


def run(module, client, params):
    query = {}
    if params["project"] is not None:
        try:
            query["project_id"] = cp.resolve(client, params["project"])["id"]
        except LookupError:
            return dict(changed=False, tasks=[])
    if params["name"] is not None:
        query["name"] = params["name"]
    tasks = [task for task in client.paginate(ct.PATH, query) if params["name"] is None or task.get("name") == params["name"]]
    return dict(changed=False, tasks=[ct.public_view(task) for task in sorted(tasks, key=lambda task: task["id"])])


def main():
    module = AnsibleModule(argument_spec=dict(CVAT_COMMON_ARGUMENT_SPEC, project=dict(type="raw"), name=dict(type="str")),
                           supports_check_mode=True)
    run_module(module, run)


if __name__ == "__main__":
    main()
