# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_project and _info through ansible-playbook against the fake CVAT (every request checked against the schema)."""

from __future__ import annotations

import pytest

from cvat import helpers
from cvat.helpers import add_cloud_storage, cvat_playbook, storage_id, writes

TASKS = """
- name: Project
  cvatops.aws.cvat_project: "{{ project }}"
  register: project_result
- name: Projects
  cvatops.aws.cvat_project_info:
    name: "{{ project.name }}"
  register: info
"""
LABELS = [{"name": "car", "type": "rectangle"}, {"name": "pedestrian", "type": "polygon", "color": "#ff0000"}]
PROJECT = {"name": "street-scenes", "labels": LABELS, "source_storage": {"cloud_storage": "raw-data"}, "target_storage": {"cloud_storage": "annotations"}}


@pytest.fixture
def cvat(fake_cvat):
    """The fake with the two cloud storages of the stack registered."""
    for name, bucket in (("raw-data", "raw"), ("annotations", "annotations"), ("raw-data-old", "old")):
        add_cloud_storage(fake_cvat, name, bucket)
    return fake_cvat


def run(playbook, fake, project, *args):
    return helpers.run(playbook, fake, *args, project=project)


@pytest.fixture
def playbook(tmp_path):
    return cvat_playbook(tmp_path, "CVAT project", TASKS)


def test_lifecycle(cvat, playbook):
    check = run(playbook, cvat, PROJECT, "--check", "--diff")
    assert check.returncode == 0 and check.result("Project")["changed"], check.explain()
    assert check.result("Project")["project"]["labels"] == ["car", "pedestrian"]
    assert writes(cvat) == [] and cvat.projects == {}

    created = run(playbook, cvat, PROJECT)
    assert created.returncode == 0 and created.result("Project")["changed"], created.explain()
    (project,) = cvat.projects.values()
    assert project["target_storage"]["cloud_storage_id"] == storage_id(cvat, "annotations")
    assert project["source_storage"]["cloud_storage_id"] == storage_id(cvat, "raw-data")
    labels = {label["name"]: label for label in cvat.labels.values()}
    assert set(labels) == {"car", "pedestrian"} and labels["pedestrian"]["color"] == "#ff0000" and labels["car"]["type"] == "rectangle"
    info = created.result("Projects")["projects"]
    assert [(p["name"], p["labels"], p["target_storage"]) for p in info] == [
        ("street-scenes", ["car", "pedestrian"], {"location": "cloud_storage", "cloud_storage_id": storage_id(cvat, "annotations")})]

    # The same labels in another order are the same set: nothing to do.
    count = len(writes(cvat))
    again = run(playbook, cvat, dict(PROJECT, labels=list(reversed(LABELS))))
    assert again.returncode == 0 and again.result("Project")["changed"] is False, again.explain()
    assert len(writes(cvat)) == count

    # A new label is added; a label left out stays unless purge_labels.
    grown = dict(PROJECT, labels=[LABELS[0], {"name": "bicycle"}])
    added = run(playbook, cvat, grown, "--diff")
    assert added.returncode == 0 and added.result("Project")["changed"], added.explain()
    assert sorted(label["name"] for label in cvat.labels.values()) == ["bicycle", "car", "pedestrian"]
    assert cvat.calls_to("PATCH", r"/api/projects/\d+")[-1].body == {"labels": [{"name": "bicycle", "type": "any", "attributes": []}]}
    purged = run(playbook, cvat, dict(grown, purge_labels=True))
    assert purged.returncode == 0 and purged.result("Project")["project"]["labels"] == ["bicycle", "car"], purged.explain()

    # Another export target, by id.
    moved = dict(grown, target_storage={"cloud_storage": storage_id(cvat, "raw-data")})
    retargeted = run(playbook, cvat, moved)
    assert retargeted.returncode == 0 and retargeted.result("Project")["changed"], retargeted.explain()
    assert project["id"] in cvat.projects and cvat.projects[project["id"]]["target_storage"]["cloud_storage_id"] == storage_id(cvat, "raw-data")

    gone = run(playbook, cvat, {"name": "street-scenes", "state": "absent"})
    assert gone.returncode == 0 and gone.result("Project")["changed"] and cvat.projects == {}, gone.explain()
    still = run(playbook, cvat, {"name": "street-scenes", "state": "absent"})
    assert still.returncode == 0 and still.result("Project")["changed"] is False


@pytest.mark.parametrize(
    "project, message",
    [
        (dict(PROJECT, labels=[{"name": "car"}, {"name": "bus"}, {"name": "car"}]), "labels: labels must have unique names; repeated: car."),
        (dict(PROJECT, labels=[]), "labels are required to create project 'street-scenes'."),
        (dict(PROJECT, target_storage={"cloud_storage": "no-such-storage"}), "0 cloud storages are named 'no-such-storage' in CVAT; give its id instead"),
    ],
    ids=["duplicate labels", "no labels", "unknown storage"],
)
def test_bad_input_is_one_clear_error_and_creates_nothing(cvat, playbook, project, message):
    result = run(playbook, cvat, project)
    assert result.returncode != 0
    assert result.result("Project")["msg"] == message
    assert writes(cvat) == [] and cvat.projects == {}
