# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_task through ansible-playbook against the fake CVAT (every request checked against the schema)."""

from __future__ import annotations

import pytest

from cvat import helpers
from cvat.helpers import add_cloud_storage, add_project, cvat_playbook, storage_id, writes

TASKS = """
- name: Task
  cvatops.aws.cvat_task: "{{ task }}"
  register: task_result
- name: Tasks
  cvatops.aws.cvat_task_info:
    project: "{{ task.project | default(omit) }}"
    name: "{{ task.name }}"
  register: info
"""
IMAGES = tuple(f"batches/001/frame-{n:04d}.jpg" for n in range(250)) + ("batches/001/notes.txt", "batches/002/frame-0000.jpg")
TASK = {"name": "batch-001", "project": "street-scenes", "files": ["batches/001/"], "filename_pattern": "*.jpg", "segment_size": 100,
        "subset": "train", "wait_timeout": 30}


@pytest.fixture
def cvat(fake_cvat):
    """The fake with the stack's two cloud storages and a project reading from the raw-data one."""
    raw = add_cloud_storage(fake_cvat, "raw-data", "raw", IMAGES)
    annotations = add_cloud_storage(fake_cvat, "annotations", "annotations")
    add_project(fake_cvat, "street-scenes", source=raw, target=annotations)
    return fake_cvat


@pytest.fixture
def playbook(tmp_path):
    return cvat_playbook(tmp_path, "CVAT task", TASKS)


def run(playbook, fake, task, *args, **kwargs):
    return helpers.run(playbook, fake, *args, task=task, **kwargs)


def test_lifecycle(cvat, playbook):
    check = run(playbook, cvat, TASK, "--check", "--diff")
    assert check.returncode == 0 and check.result("Task")["changed"], check.explain()
    assert check.result("Task")["task"]["id"] is None and writes(cvat) == [] and cvat.tasks == {}

    created = run(playbook, cvat, TASK)
    assert created.returncode == 0 and created.result("Task")["changed"], created.explain()
    task = created.result("Task")["task"]
    # 250 frames from the prefix (the pattern left notes.txt out, the prefix left batch 002 out), in jobs of 100.
    assert (task["size"], task["jobs"], task["has_data"], task["subset"]) == (250, 3, True, "train")
    assert task["data_cloud_storage_id"] == storage_id(cvat, "raw-data")  # the project's source storage
    assert created.result("Task")["rq_id"] == f"create:task-{task['id']}"
    (data_call,) = cvat.calls_to("POST", r"/api/tasks/\d+/data/")
    assert data_call.body == {"cloud_storage_id": storage_id(cvat, "raw-data"), "server_files": ["batches/001/"], "use_cache": True,
                              "image_quality": 70, "sorting_method": "natural", "filename_pattern": "*.jpg"}
    assert len(cvat.task_files[task["id"]]) == 250
    (listed,) = created.result("Tasks")["tasks"]
    assert (listed["id"], listed["size"], listed["jobs"], listed["has_data"]) == (task["id"], 250, 3, True)
    # The module polled the request to its end.
    assert cvat.requests[f"create:task-{task['id']}"]["status"] == "finished"

    count = len(writes(cvat))
    again = run(playbook, cvat, TASK)
    assert again.returncode == 0 and again.result("Task")["changed"] is False, again.explain()
    assert len(writes(cvat)) == count

    # Subset and bug tracker are what may change; the data never is sent again.
    moved = dict(TASK, subset="validation", bug_tracker="https://issues.example.com/CV-1")
    updated = run(playbook, cvat, moved, "--diff")
    assert updated.returncode == 0 and updated.result("Task")["changed"], updated.explain()
    assert cvat.calls_to("PATCH", r"/api/tasks/\d+")[-1].body == {"subset": "validation", "bug_tracker": "https://issues.example.com/CV-1"}
    assert updated.result("Task")["diff"]["before"]["subset"] == "train"
    assert len(cvat.calls_to("POST", r"/api/tasks/\d+/data/")) == 1
    assert cvat.projects[next(iter(cvat.projects))]["id"] == task["project_id"]

    gone = run(playbook, cvat, {"name": "batch-001", "project": "street-scenes", "state": "absent"})
    assert gone.returncode == 0 and gone.result("Task")["changed"] and cvat.tasks == {}, gone.explain()
    still = run(playbook, cvat, {"name": "batch-001", "project": "street-scenes", "state": "absent"})
    assert still.returncode == 0 and still.result("Task")["changed"] is False
    assert still.result("Tasks")["tasks"] == []
    # A project that does not exist has no tasks, and deleting a task of it changes nothing.
    nowhere = run(playbook, cvat, {"name": "batch-001", "project": "no-such-project", "state": "absent"})
    assert nowhere.returncode == 0 and nowhere.result("Task")["changed"] is False and nowhere.result("Tasks")["tasks"] == []


def test_same_name_in_another_project_is_another_task(cvat, playbook):
    assert run(playbook, cvat, TASK).returncode == 0
    standalone = {"name": "batch-001", "cloud_storage": "raw-data", "files": ["batches/002/frame-0000.jpg"],
                  "labels": [{"name": "car", "type": "rectangle"}]}
    result = run(playbook, cvat, standalone)
    assert result.returncode == 0 and result.result("Task")["changed"], result.explain()
    assert sorted((t["name"], t["project_id"] or 0, t["size"]) for t in cvat.tasks.values()) == [
        ("batch-001", 0, 1), ("batch-001", next(iter(cvat.projects)), 250)]
    assert run(playbook, cvat, standalone).result("Task")["changed"] is False


def test_failed_processing_removes_the_task_it_created(cvat, playbook):
    result = run(playbook, cvat, dict(TASK, files=["batches/003/"]))
    assert result.returncode != 0
    task_id = int(cvat.calls_to("POST", r"/api/tasks/\d+/data/")[0].path.split("/")[3])
    assert result.result("Task")["msg"] == (
        f"CVAT request create:task-{task_id} failed: The file 'batches/003/' was not found on the storage 'raw-data'; the task was removed again")
    assert cvat.tasks == {}
    assert [method for method, _path in writes(cvat)] == ["POST", "POST", "DELETE"]


def test_a_task_left_without_data_gets_it(cvat, playbook):
    # An earlier run was interrupted between creating the task and sending its data.
    cvat.fail_next("POST", r"/api/tasks/\d+/data/", 400, body={"detail": "connection reset"})
    cvat.fail_next("DELETE", r"/api/tasks/\d+", 500, times=2, body={"detail": "boom"})
    interrupted = run(playbook, cvat, TASK)
    assert interrupted.returncode != 0
    (left,) = cvat.tasks.values()
    assert interrupted.result("Task")["msg"] == (
        f"CVAT POST /api/tasks/{left['id']}/data/: HTTP 400: connection reset; "
        f"removing the task failed too: CVAT DELETE /api/tasks/{left['id']}: HTTP 500: boom")
    assert left["data"] is None
    resumed = run(playbook, cvat, TASK)
    assert resumed.returncode == 0 and resumed.result("Task")["changed"], resumed.explain()
    assert resumed.result("Task")["task"]["id"] == left["id"] and resumed.result("Task")["task"]["size"] == 250


@pytest.mark.parametrize(
    "task, message",
    [
        (dict(TASK, files=[]), "files: give at least one object key or prefix (a prefix ends with /)."),
        (dict(TASK, files=["a.jpg", "a.jpg"]), "files: repeated: a.jpg."),
        (dict(TASK, name="x" * 257), "name must be 1-256 characters."),
        (dict(TASK, image_quality=0), "image_quality must be 1-100, got 0."),
        ({"name": "t", "cloud_storage": "raw-data", "files": ["a.jpg"], "labels": [{"name": "car"}, {"name": "car"}]},
         "labels: labels must have unique names; repeated: car."),
        ({"name": "t", "cloud_storage": "raw-data", "files": ["a.jpg"], "labels": [{"name": "car", "colour": "#ff0000"}]},
         "labels: unknown label keys colour (known: name, type, color, attributes)."),
    ],
    ids=["no files", "repeated file", "long name", "quality", "duplicate labels", "misspelt label key"],
)
def test_bad_input_fails_before_any_call(cvat, playbook, task, message):
    result = run(playbook, cvat, task)
    assert result.returncode != 0
    assert result.result("Task")["msg"] == message
    assert cvat.calls == []


@pytest.mark.parametrize(
    "task, message",
    [
        (dict(TASK, project="no-such-project"), "0 projects are named 'no-such-project' in CVAT; give its id instead"),
        (dict(TASK, project=999), "CVAT has no project with id 999"),
        (dict(TASK, cloud_storage="no-such-storage"), "0 cloud storages are named 'no-such-storage' in CVAT; give its id instead"),
        ({"name": "t", "files": ["a.jpg"], "labels": [{"name": "car"}]}, "cloud_storage is required for a task outside any project."),
        ({"name": "t", "cloud_storage": "raw-data", "files": ["a.jpg"]}, "labels (or project) are required to create task 't'."),
        ({"name": "t", "project": "street-scenes"}, "files are required to create task 't'."),
    ],
    ids=["unknown project", "unknown project id", "unknown storage", "no storage", "no labels", "no files"],
)
def test_unresolvable_references_create_nothing(cvat, playbook, task, message):
    result = run(playbook, cvat, task)
    assert result.returncode != 0
    assert result.result("Task")["msg"] == message
    assert writes(cvat) == [] and cvat.tasks == {}
