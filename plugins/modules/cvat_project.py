#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_project
short_description: A CVAT project with its labels and its source and target storages
version_added: 0.1.0
description:
  - Creates, updates or removes a CVAT project, found by its O(name).
  - Labels are compared as a set of names. Missing labels are added; labels the project has beyond O(labels) are
    deleted only with O(purge_labels), because deleting a label deletes its annotations.
  - O(source_storage) and O(target_storage) name a cloud storage by display name or id (see
    M(cvatops.aws.cvat_cloud_storage)). Tasks read their data from the source, and exports go to the target.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  name:
    description:
      - Name of the project; the key by which the module finds it.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the project, V(absent) removes it with its tasks and annotations.
    type: str
    choices: [present, absent]
    default: present
  labels:
    description:
      - The project's labels. Required to create a project.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the label, unique within the project.
        type: str
        required: true
      type:
        description: Shape type of the label.
        type: str
        choices: [any, rectangle, polygon, polyline, points, ellipse, cuboid, mask, skeleton, tag, interval]
        default: any
      color:
        description: Color as C(#rrggbb); CVAT picks one if not given.
        type: str
      attributes:
        description: Attributes of the label, as CVAT's C(AttributeRequest) objects (used when the label is created).
        type: list
        elements: dict
        default: []
  purge_labels:
    description:
      - Delete the project's labels that O(labels) does not list (and their annotations).
    type: bool
    default: false
  source_storage:
    description:
      - Where the project's tasks read their data from.
    type: dict
    suboptions:
      cloud_storage:
        description: Display name or id of a CVAT cloud storage.
        type: raw
      location:
        description: V(local) for CVAT's own storage instead of a cloud storage.
        type: str
        choices: [local]
  target_storage:
    description:
      - Where exports of the project go, for example the annotations bucket's cloud storage.
    type: dict
    suboptions:
      cloud_storage:
        description: Display name or id of a CVAT cloud storage.
        type: raw
      location:
        description: V(local) for CVAT's own storage instead of a cloud storage.
        type: str
        choices: [local]
attributes:
  check_mode:
    support: full
    description: Reports the project as it would be, without changing CVAT.
  diff_mode:
    support: full
    description: Shows labels and storages before and after.
"""

EXAMPLES = r"""
- name: A project whose exports go to the annotations bucket
  cvatops.aws.cvat_project:
    name: street-scenes
    labels:
      - {name: car, type: rectangle}
      - {name: pedestrian, type: polygon}
    source_storage: {cloud_storage: raw-data}
    target_storage: {cloud_storage: annotations}
"""

RETURN = r"""
project:
  description: The project as CVAT holds it (or would, in check mode); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: CVAT's id (null in check mode before it exists).
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
    source_storage:
      description: Its source storage, C({location, cloud_storage_id}).
      type: dict
      sample: {"location": "cloud_storage", "cloud_storage_id": 3}
    target_storage:
      description: Its target storage.
      type: dict
      sample: {"location": "cloud_storage", "cloud_storage_id": 5}
    tasks:
      description: Number of its tasks.
      type: int
      sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, run_module
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_project as cp

STORAGE_SPEC = dict(type="dict", options=dict(cloud_storage=dict(type="raw"), location=dict(type="str", choices=["local"])),
                    mutually_exclusive=[("cloud_storage", "location")])
LABEL_SPEC = dict(name=dict(type="str", required=True), type=dict(type="str", choices=list(cp.LABEL_TYPES), default="any"),
                  color=dict(type="str"), attributes=dict(type="list", elements="dict", default=[]))


def main():
    argument_spec = dict(
        CVAT_COMMON_ARGUMENT_SPEC,
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        labels=dict(type="list", elements="dict", options=LABEL_SPEC),
        purge_labels=dict(type="bool", default=False),
        source_storage=STORAGE_SPEC,
        target_storage=STORAGE_SPEC,
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problem = cp.label_errors(params["labels"]) if params["labels"] is not None else None
    if problem:
        module.fail_json(msg="labels: %s." % problem)
    run_module(module, run)


def run(module, client, params):
    found = cp.find(client, params["name"])
    if len(found) > 1:
        module.fail_json(msg="%d projects are named %r in CVAT (ids %s)" % (len(found), params["name"], ", ".join(str(p["id"]) for p in found)))
    current = found[0] if found else None
    result = dict(changed=False, project={})

    if params["state"] == "absent":
        if current:
            result.update(changed=True, diff=dict(before=cp.public_view(current, cp.labels_of(client, current["id"])), after={}))
            if not module.check_mode:
                client.delete("%s/%s" % (cp.PATH, current["id"]))
        return result

    def resolve(reference):
        return cp.cloud_storage_id(client, reference)

    storages = dict((key, cp.storage_spec(params[key], resolve)) for key in ("source_storage", "target_storage"))
    desired_labels = params["labels"]

    if current is None:
        if not desired_labels:
            module.fail_json(msg="labels are required to create project %r." % params["name"])
        body = dict(name=params["name"], labels=[cp.label_payload(label) for label in desired_labels])
        body.update((key, value) for key, value in storages.items() if value)
        predicted = dict(id=None, name=params["name"], source_storage=storages["source_storage"], target_storage=storages["target_storage"])
        result.update(changed=True, diff=dict(before={}, after=cp.public_view(predicted, desired_labels)))
        if module.check_mode:
            result["project"] = cp.public_view(predicted, desired_labels)
            return result
        project = client.post(cp.PATH, body, expected=(201,))
        result["project"] = cp.public_view(project, cp.labels_of(client, project["id"]))
        return result

    labels = cp.labels_of(client, current["id"])
    update = {}
    if desired_labels is not None:
        to_add, to_delete = cp.label_changes(labels, desired_labels, params["purge_labels"])
        if to_add or to_delete:
            update["labels"] = to_add + to_delete
    for key, value in storages.items():
        if value is not None and cp.storage_of(current, key) != value:
            update[key] = value
    before = cp.public_view(current, labels)
    if not update:
        result["project"] = before
        return result
    after_labels = cp.labels_after(labels, update.get("labels", []))
    after = cp.public_view(dict(current, **dict((k, v) for k, v in update.items() if k != "labels")), after_labels)
    result.update(changed=True, diff=dict(before=before, after=after))
    if module.check_mode:
        result["project"] = after
        return result
    project = client.patch("%s/%s" % (cp.PATH, current["id"]), update)
    result["project"] = cp.public_view(project, cp.labels_of(client, current["id"]))
    return result


if __name__ == "__main__":
    main()
