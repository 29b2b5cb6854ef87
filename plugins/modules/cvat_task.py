#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: cvat_task
short_description: A CVAT task whose images come from a cloud storage
version_added: 0.1.0
description:
  - Creates or removes a CVAT task, found by its O(name) within O(project) (or among the tasks outside any project).
  - A new task gets its data from a CVAT cloud storage (see M(cvatops.aws.cvat_cloud_storage)), by object keys and
    key prefixes (O(files)), and the module waits until CVAT has processed it.
  - If processing fails, the task this run created is removed again and the module fails with CVAT's message, so a
    failed run leaves nothing half-created. A task that exists without data (an earlier run was interrupted) gets its
    data on the next run.
  - The data of a task cannot change once CVAT has it. Of an existing task only O(subset) and O(bug_tracker) are
    updated; other differences are not compared.
author:
  - cvatops maintainers (@cvatops)
extends_documentation_fragment:
  - cvatops.aws.cvat
options:
  name:
    description:
      - Name of the task (1-256 characters); the key by which the module finds it within O(project).
    type: str
    required: true
  project:
    description:
      - Name or id of the project the task belongs to. The task uses the project's labels.
      - Without it the task stands alone and needs O(labels).
    type: raw
  state:
    description:
      - V(present) creates the task (and attaches its data), V(absent) removes it with its annotations.
    type: str
    choices: [present, absent]
    default: present
  cloud_storage:
    description:
      - Display name or id of the CVAT cloud storage the data comes from.
      - Defaults to the project's source storage when that is a cloud storage.
    type: raw
  files:
    description:
      - Object keys in the cloud storage's bucket, and key prefixes ending with C(/) (every object under the prefix).
      - Required to create a task.
    type: list
    elements: str
  filename_pattern:
    description:
      - Only the files whose names match this C(fnmatch) pattern, for example C(*.jpg).
    type: str
  labels:
    description:
      - Labels of a task outside any project, as in M(cvatops.aws.cvat_project). Not allowed with O(project).
    type: list
    elements: dict
  segment_size:
    description:
      - Frames per job; CVAT's default puts all frames into one job.
    type: int
  chunk_size:
    description:
      - Frames per data chunk; CVAT picks a size if not set.
    type: int
  image_quality:
    description:
      - Quality (1-100) of the compressed images annotators see.
    type: int
    default: 70
  sorting_method:
    description:
      - Order of the frames.
    type: str
    choices: [lexicographical, natural, predefined, random]
    default: natural
  use_cache:
    description:
      - Prepare chunks on the fly from the cloud storage instead of copying all data into CVAT first.
    type: bool
    default: true
  subset:
    description:
      - Subset of the task in its project, for example C(train) or C(validation) (updated on existing tasks).
    type: str
  bug_tracker:
    description:
      - URL of an issue tracker entry for the task (updated on existing tasks).
    type: str
  wait:
    description:
      - Wait until CVAT has processed the data. With V(false) the module returns as soon as CVAT accepted the request.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the data to be processed.
    type: int
    default: 900
attributes:
  check_mode:
    support: full
    description: Reports the task as it would be, without changing CVAT.
  diff_mode:
    support: full
    description: Shows the task before and after.
"""

EXAMPLES = r"""
- name: A task of the street-scenes project from every image under a prefix of the raw-data bucket
  cvatops.aws.cvat_task:
    name: street-scenes-batch-001
    project: street-scenes
    cloud_storage: raw-data
    files: [batches/001/]
    filename_pattern: "*.jpg"
    segment_size: 100
    subset: train
"""

RETURN = r"""
task:
  description: The task as CVAT holds it (or would, in check mode); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: CVAT's id (null in check mode before it exists).
      type: int
      sample: 12
    name:
      description: Its name.
      type: str
      sample: street-scenes-batch-001
    project_id:
      description: Id of its project.
      type: int
      sample: 4
    size:
      description: Number of frames.
      type: int
      sample: 250
    jobs:
      description: Number of its jobs.
      type: int
      sample: 3
    has_data:
      description: Whether CVAT has the task's data.
      type: bool
      sample: true
    data_cloud_storage_id:
      description: The cloud storage its data came from.
      type: int
      sample: 3
    subset:
      description: Its subset.
      type: str
      sample: train
    status:
      description: C(annotation), C(validation) or C(completed).
      type: str
      sample: annotation
rq_id:
  description: CVAT's request id of the data processing, when this run attached data.
  returned: when data was attached
  type: str
  sample: create:task-12
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cvatops.aws.plugins.module_utils.cvat import CVAT_COMMON_ARGUMENT_SPEC, CvatError, run_module
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_project as cp
from ansible_collections.cvatops.aws.plugins.module_utils import cvat_task as ct


def main():
    argument_spec = dict(
        CVAT_COMMON_ARGUMENT_SPEC,
        name=dict(type="str", required=True),
        project=dict(type="raw"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cloud_storage=dict(type="raw"),
        files=dict(type="list", elements="str"),
        filename_pattern=dict(type="str"),
        labels=dict(type="list", elements="dict"),
        segment_size=dict(type="int"),
        chunk_size=dict(type="int"),
        image_quality=dict(type="int", default=70),
        sorting_method=dict(type="str", choices=list(ct.SORTING_METHODS), default="natural"),
        use_cache=dict(type="bool", default=True),
        subset=dict(type="str"),
        bug_tracker=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, mutually_exclusive=[("project", "labels")])
    params = module.params
    problems = []
    if not 1 <= len(params["name"].strip()) <= 256 or len(params["name"]) > 256:
        problems.append("name must be 1-256 characters")
    if params["files"] is not None and ct.file_errors(params["files"]):
        problems.append("files: %s" % ct.file_errors(params["files"]))
    if not 1 <= params["image_quality"] <= 100:
        problems.append("image_quality must be 1-100, got %s" % params["image_quality"])
    if params["labels"] is not None and cp.label_errors(params["labels"]):
        problems.append("labels: %s" % cp.label_errors(params["labels"]))
    if problems:
        module.fail_json(msg="; ".join(problems) + ".")
    run_module(module, run)


def run(module, client, params):
    project = None
    if params["project"] is not None:
        try:
            project = cp.resolve(client, params["project"])
        except LookupError:
            if params["state"] == "absent":
                return dict(changed=False, task={})
            raise
    project_id = project["id"] if project else None
    found = ct.find(client, params["name"], project_id)
    if len(found) > 1:
        module.fail_json(msg="%d tasks are named %r in %s (ids %s)" % (
            len(found), params["name"], "project %s" % project_id if project else "no project", ", ".join(str(t["id"]) for t in found)))
    current = found[0] if found else None
    result = dict(changed=False, task={})

    if params["state"] == "absent":
        if current:
            result.update(changed=True, diff=dict(before=ct.public_view(current), after={}))
            if not module.check_mode:
                client.delete("%s/%s" % (ct.PATH, current["id"]))
        return result

    if current is None or not ct.has_data(current):
        # The task needs its data: know where it comes from before anything is created.
        if not params["files"]:
            module.fail_json(msg="files are required to create task %r." % params["name"])
        if project is None and current is None and not params["labels"]:
            module.fail_json(msg="labels (or project) are required to create task %r." % params["name"])
        reference = params["cloud_storage"]
        storage_id = cp.cloud_storage_id(client, reference) if reference is not None else ct.source_cloud_storage(project or {})
        if storage_id is None:
            module.fail_json(msg="cloud_storage is required: project %r has no cloud storage as its source storage." % project["name"]
                             if project else "cloud_storage is required for a task outside any project.")
        if client.get("/api/cloudstorages/%s" % storage_id, missing_ok=True) is None:
            raise LookupError("CVAT has no cloud storage with id %s" % storage_id)

    if current is None:
        labels = [cp.label_payload(label) for label in params["labels"] or []]
        body = ct.task_body(params, project_id, labels)
        predicted = dict(body, id=None, project_id=project_id, size=0, data=None)
        result.update(changed=True, diff=dict(before={}, after=ct.public_view(predicted)))
        if module.check_mode:
            result["task"] = ct.public_view(predicted)
            return result
        task = client.post(ct.PATH, body, expected=(201,))
        return attach(module, client, params, task, storage_id, result, created=True)

    if not ct.has_data(current):
        result.update(changed=True, diff=dict(before=ct.public_view(current), after=ct.public_view(dict(current, data=0))))
        if module.check_mode:
            result["task"] = ct.public_view(current)
            return result
        return attach(module, client, params, current, storage_id, result, created=False)

    update = ct.changes(current, params)
    before = ct.public_view(current)
    if not update:
        result["task"] = before
        return result
    after = ct.public_view(dict(current, **update))
    result.update(changed=True, diff=dict(before=before, after=after))
    if module.check_mode:
        result["task"] = after
        return result
    result["task"] = ct.public_view(client.patch("%s/%s" % (ct.PATH, current["id"]), update))
    return result


def attach(module, client, params, task, storage_id, result, created):
    """Send the task's data and wait for it; a task this run created is removed again if that fails."""
    path = "%s/%s" % (ct.PATH, task["id"])
    try:
        answer = client.post(path + "/data/", ct.data_body(params, storage_id), expected=(202,))
        result["rq_id"] = (answer or {}).get("rq_id")
        if params["wait"] and result["rq_id"]:
            client.wait_request(result["rq_id"], timeout=params["wait_timeout"])
    except CvatError as exc:
        message, left_behind = exc.message, False
        if created:
            try:
                client.delete(path)
                message += "; the task was removed again"
            except CvatError as cleanup:
                message += "; removing the task failed too: %s" % cleanup.message
                left_behind = True
        module.fail_json(msg=message, status=exc.status, changed=left_behind)
    result["task"] = ct.public_view(client.get(path))
    return result


if __name__ == "__main__":
    main()
