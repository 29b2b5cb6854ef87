#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_dataset_export
short_description: Export a CVAT project's or task's annotations to a cloud storage
version_added: 0.1.0
description:
  - Exports the annotations of a project (O(project)) or of a task (O(task)) in an export format of CVAT, with or without
    the images, into a CVAT cloud storage (an S3 bucket, see M(cvatops.aws.cvat_cloud_storage)), and waits until CVAT
    has written the file.
  - The format is checked against the export formats the server offers before anything is exported.
  - An export is an action, not a state; the module reports a change on every run that exports (and in check mode,
    where it sends nothing). When CVAT is already running the same export (same object and format) for someone else,
    the module waits for it to finish and then starts its own.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  project:
    description:
      - Name or id of the project to export, or the project of O(task).
      - One of O(project) and O(task) is required.
    type: raw
  task:
    description:
      - Name or id of the task to export instead of a whole project. A name is looked up within O(project) if it is given.
    type: raw
  format:
    description:
      - The export format, by CVAT's name including its version, for example C(CVAT for images 1.1), C(COCO 1.0) or
        C(YOLO 1.1).
    type: str
    required: true
  save_images:
    description:
      - Include the images in the exported archive.
    type: bool
    default: false
  cloud_storage:
    description:
      - Display name or id of the cloud storage to write to.
      - Defaults to the target storage of the project (or task) when that is a cloud storage.
    type: raw
  filename:
    description:
      - The object key to write in the bucket. An existing object of that key is replaced.
      - Defaults to C(<prefix><project|task>-<name>/<format>-<UTC time>.zip), a new key for every export.
    type: str
  prefix:
    description:
      - Key prefix of the default O(filename).
    type: str
    default: exports/
  wait_timeout:
    description:
      - Seconds to wait for CVAT to write the export.
    type: int
    default: 1800
attributes:
  check_mode:
    support: full
    description: Reports the export it would start, without starting it.
  diff_mode:
    support: none
    description: An export is an action; there is no state to show before and after.
"""

EXAMPLES = r"""
- name: Export the reviewed annotations of a project to the annotations bucket (its target storage)
  cvatops.aws.cvat_dataset_export:
    project: street-scenes
    format: COCO 1.0
  register: export

- name: Where the file went
  ansible.builtin.debug:
    msg: "s3://{{ export.export.bucket }}/{{ export.export.key }}"

- name: One task with its images, to a fixed key
  cvatops.aws.cvat_dataset_export:
    project: street-scenes
    task: street-scenes-batch-001
    format: CVAT for images 1.1
    save_images: true
    cloud_storage: annotations
    filename: releases/batch-001.zip
"""

RETURN = r"""
export:
  description: The export written (or, in check mode, that would be).
  returned: always
  type: dict
  contains:
    bucket:
      description: Bucket of the cloud storage written to.
      type: str
      sample: cvat-prod-annotations-123456789012-eu-west-1
    key:
      description: Object key of the archive.
      type: str
      sample: exports/project-street-scenes/coco-1.0-20261201T120000Z.zip
    cloud_storage_id:
      description: Id of the CVAT cloud storage.
      type: int
      sample: 5
    format:
      description: The export format.
      type: str
      sample: COCO 1.0
    save_images:
      description: Whether the images are in the archive.
      type: bool
      sample: false
    target:
      description: C(project) or C(task).
      type: str
      sample: project
    id:
      description: Id of the exported project or task.
      type: int
      sample: 4
    name:
      description: Its name.
      type: str
      sample: street-scenes
    rq_id:
      description: CVAT's request id (null in check mode).
      type: str
      sample: export:project-4-dataset-in-COCO_1.0-format
    seconds:
      description: Seconds from the request to the written file.
      type: float
      sample: 12.5
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, run_module
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_project as cp
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_task as ct


def main():
    argument_spec = dict(
        CVAT_COMMON_ARGUMENT_SPEC,
        project=dict(type="raw"),
        task=dict(type="raw"),
        format=dict(type="str", required=True),
        save_images=dict(type="bool", default=False),
        cloud_storage=dict(type="raw"),
        filename=dict(type="str"),
        prefix=dict(type="str", default="exports/"),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, required_one_of=[("project", "task")])
    if module.params["filename"] is not None and not module.params["filename"].strip("/ "):
        module.fail_json(msg="filename must name an object key, got %r." % module.params["filename"])
    run_module(module, run)


def find_task(client, reference, project):
    if isinstance(reference, int) or str(reference).isdigit():
        task = client.get("%s/%s" % (ct.PATH, int(reference)), missing_ok=True)
        if task is None:
            raise LookupError("CVAT has no task with id %s" % reference)
        return task
    if project is not None:
        matches = ct.find(client, reference, project["id"])
    else:
        matches = [task for task in client.paginate(ct.PATH, {"name": reference}) if task.get("name") == reference]
    if len(matches) != 1:
        raise LookupError("%d tasks are named %r%s in CVAT; give its id instead" % (
            len(matches), reference, " in project %r" % project["name"] if project else ""))
    return matches[0]


def run(module, client, params):
    formats = ct.exporters(client.get("/api/server/annotation/formats"))
    if params["format"] not in formats:
        module.fail_json(msg="format %r is not an export format of this CVAT server; it offers: %s" % (params["format"], ", ".join(formats)))
    project = cp.resolve(client, params["project"]) if params["project"] is not None else None
    if params["task"] is not None:
        kind, target = "task", find_task(client, params["task"], project)
    else:
        kind, target = "project", project
    if params["cloud_storage"] is not None:
        storage_id = cp.cloud_storage_id(client, params["cloud_storage"])
    else:
        storage_id = ct.target_cloud_storage(target) or (ct.target_cloud_storage(project) if project else None)
        if storage_id is None:
            module.fail_json(msg="cloud_storage is required: %s %r has no cloud storage as its target storage." % (kind, target["name"]))
    storage = client.get("/api/cloudstorages/%s" % storage_id, missing_ok=True)
    if storage is None:
        raise LookupError("CVAT has no cloud storage with id %s" % storage_id)
    key = params["filename"] or ct.export_filename(params["prefix"], kind, target["name"], params["format"], time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    export = dict(bucket=storage["resource"], key=key, cloud_storage_id=storage_id, format=params["format"], save_images=params["save_images"],
                  target=kind, id=target["id"], name=target["name"], rq_id=None, seconds=0.0)
    if module.check_mode:
        return dict(changed=True, export=export)
    started = time.time()
    query = dict(format=params["format"], location="cloud_storage", cloud_storage_id=storage_id, filename=key,
                 save_images="true" if params["save_images"] else "false")
    path = "/api/%ss/%s/dataset/export" % (kind, target["id"])
    status, answer = client.call("POST", path, query=query, expected=(202, 409))
    if status == 409:
        # The same export (object and format) is running for someone else, into their file: let it finish, then ours.
        client.wait_request((answer or {}).get("rq_id"), timeout=params["wait_timeout"])
        answer = client.post(path, query=query, expected=(202,))
    export["rq_id"] = (answer or {}).get("rq_id")
    client.wait_request(export["rq_id"], timeout=params["wait_timeout"])
    export["seconds"] = round(time.time() - started, 3)
    return dict(changed=True, export=export)


if __name__ == "__main__":
    main()
