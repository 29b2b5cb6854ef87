# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_dataset_export through ansible-playbook against the fake CVAT (every request checked against the schema)."""

from __future__ import annotations

import re

import pytest

from cvat import helpers
from cvat.helpers import add_cloud_storage, add_project, cvat_playbook, storage_id, writes
from infra.playbook import write_playbook

TASKS = """
- name: Export
  cvatops.aws.cvat_dataset_export: "{{ export }}"
  register: export_result
"""


@pytest.fixture
def cvat(fake_cvat):
    """The fake with a project whose target storage is the annotations bucket, and one task in it."""
    raw = add_cloud_storage(fake_cvat, "raw-data", "raw", ("a/1.jpg", "a/2.jpg"))
    annotations = add_cloud_storage(fake_cvat, "annotations", "annotations-bucket")
    add_cloud_storage(fake_cvat, "archive", "archive-bucket")
    add_project(fake_cvat, "Street Scenes", source=raw, target=annotations)
    add_project(fake_cvat, "no-target", source=raw)
    return fake_cvat


@pytest.fixture
def playbook(tmp_path):
    return cvat_playbook(tmp_path, "CVAT export", TASKS)


def run(playbook, fake, export, *args, **kwargs):
    return helpers.run(playbook, fake, *args, export=export, **kwargs)


def test_project_export_to_its_target_storage(cvat, playbook):
    export = {"project": "Street Scenes", "format": "COCO 1.0"}
    check = run(playbook, cvat, export, "--check")
    assert check.returncode == 0 and check.result("Export")["changed"], check.explain()
    assert check.result("Export")["export"]["rq_id"] is None and writes(cvat) == [] and cvat.exports == []

    done = run(playbook, cvat, export)
    assert done.returncode == 0 and done.result("Export")["changed"], done.explain()
    reported = done.result("Export")["export"]
    assert reported["bucket"] == "annotations-bucket" and reported["cloud_storage_id"] == storage_id(cvat, "annotations")
    assert re.fullmatch(r"exports/project-street-scenes/coco-1\.0-\d{8}T\d{6}Z\.zip", reported["key"]), reported["key"]
    assert (reported["target"], reported["name"], reported["save_images"]) == ("project", "Street Scenes", False)
    # The file reported is the file CVAT wrote, and the module waited for it.
    assert cvat.exports == [{"bucket": "annotations-bucket", "key": reported["key"], "format": "COCO 1.0", "target": "project",
                             "id": reported["id"], "save_images": False}]
    assert cvat.requests[reported["rq_id"]]["status"] == "finished"


def test_task_export_with_images_to_a_fixed_key(cvat, playbook, tmp_path):
    task_playbook = write_playbook(tmp_path, "task.yml", """
        - name: Task
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Task
              cvatops.aws.cvat_task: {name: batch-001, project: Street Scenes, files: [a/], cvat_url: "{{ url }}", cvat_token: automation-token}
        """)
    created = helpers.run(task_playbook, cvat)
    assert created.returncode == 0, created.explain()
    task_id = created.result("Task")["task"]["id"]
    export = {"project": "Street Scenes", "task": "batch-001", "format": "CVAT for images 1.1", "save_images": True,
              "cloud_storage": "archive", "filename": "releases/batch-001.zip"}
    done = run(playbook, cvat, export)
    assert done.returncode == 0, done.explain()
    assert cvat.exports[-1] == {"bucket": "archive-bucket", "key": "releases/batch-001.zip", "format": "CVAT for images 1.1",
                                "target": "task", "id": task_id, "save_images": True}
    # By id too; the task's target storage is the project's.
    by_id = run(playbook, cvat, {"task": task_id, "format": "YOLO 1.1", "filename": "yolo.zip"})
    assert by_id.returncode == 0 and by_id.result("Export")["export"]["bucket"] == "annotations-bucket", by_id.explain()


def test_a_running_export_of_the_same_format_is_waited_for_then_ours_runs(cvat, playbook):
    project_id = next(p["id"] for p in cvat.projects.values() if p["name"] == "Street Scenes")
    rq_id = "export:project-%d-dataset-in-COCO_1.0-format" % project_id
    cvat.requests[rq_id] = {
        "id": rq_id, "status": "queued", "_final": "finished", "message": "", "progress": None, "created_date": cvat.now(),
        "started_date": None, "finished_date": None, "expiry_date": None, "owner": {"id": 1, "username": "admin"}, "result_url": None,
        "result_id": None, "operation": {"type": "export:dataset", "target": "project", "project_id": project_id, "format": "COCO 1.0"},
    }
    done = run(playbook, cvat, {"project": project_id, "format": "COCO 1.0", "filename": "mine.zip"})
    assert done.returncode == 0, done.explain()
    assert len(cvat.calls_to("POST", r"/api/projects/\d+/dataset/export")) == 2
    assert [e["key"] for e in cvat.exports] == ["mine.zip"]


def test_a_failed_export_fails_with_cvats_message(cvat, playbook):
    cvat.bucket_status["annotations-bucket"] = "FORBIDDEN"
    result = run(playbook, cvat, {"project": "Street Scenes", "format": "COCO 1.0", "filename": "x.zip"})
    assert result.returncode != 0
    assert re.fullmatch(r"CVAT request export:project-\d+-dataset-in-COCO_1\.0-format failed: The bucket annotations-bucket is FORBIDDEN",
                        result.result("Export")["msg"]), result.result("Export")["msg"]
    assert cvat.exports == []


@pytest.mark.parametrize(
    "export, message",
    [
        ({"project": "Street Scenes", "format": "COCO"},
         "format 'COCO' is not an export format of this CVAT server; it offers: COCO 1.0, CVAT for images 1.1, CVAT for video 1.1, "
         "Datumaro 1.0, PASCAL VOC 1.1, Sly Point Cloud Format 1.0, YOLO 1.1"),
        ({"project": "nothing-here", "format": "COCO 1.0"}, "0 projects are named 'nothing-here' in CVAT; give its id instead"),
        ({"project": "Street Scenes", "task": "no-task", "format": "COCO 1.0"},
         "0 tasks are named 'no-task' in project 'Street Scenes' in CVAT; give its id instead"),
        ({"task": 4242, "format": "COCO 1.0"}, "CVAT has no task with id 4242"),
        ({"project": "no-target", "format": "COCO 1.0"},
         "cloud_storage is required: project 'no-target' has no cloud storage as its target storage."),
        ({"project": "Street Scenes", "format": "COCO 1.0", "cloud_storage": "nope"}, "0 cloud storages are named 'nope' in CVAT; give its id instead"),
    ],
    ids=["unknown format", "unknown project", "unknown task", "unknown task id", "no target", "unknown storage"],
)
def test_bad_references_export_nothing(cvat, playbook, export, message):
    result = run(playbook, cvat, export)
    assert result.returncode != 0
    assert result.result("Export")["msg"] == message
    assert writes(cvat) == [] and cvat.exports == []


def test_neither_project_nor_task(cvat, playbook):
    result = run(playbook, cvat, {"format": "COCO 1.0"})
    assert result.returncode != 0
    assert result.result("Export")["msg"] == "one of the following is required: project, task"
    assert cvat.calls == []
