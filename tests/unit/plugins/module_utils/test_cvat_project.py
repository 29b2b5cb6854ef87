# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Labels as a set, and storages by name or id, for cvatops.aws.cvat_project."""

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import cvat_project as cp

CURRENT = [{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}]


@pytest.mark.parametrize(
    "labels, error",
    [
        ([{"name": "car"}, {"name": "bus"}], None),
        ([], None),
        ([{"name": "car"}, {"name": "car"}, {"name": "bus"}, {"name": "bus"}], "labels must have unique names; repeated: bus, car"),
        # CVAT compares names case-sensitively: these are two labels.
        ([{"name": "Car"}, {"name": "car"}], None),
        ([{"name": ""}], "every label needs a name"),
        ([{"name": "x" * 65}], "label names have at most 64 characters: " + "x" * 65),
    ],
)
def test_label_errors(labels, error):
    assert cp.label_errors(labels) == error


@pytest.mark.parametrize(
    "desired, purge, to_add, to_delete",
    [
        ([{"name": "bus"}, {"name": "car"}], False, [], []),
        ([{"name": "car"}], False, [], []),
        ([{"name": "car"}], True, [], [{"id": 2, "deleted": True}]),
        ([{"name": "car"}, {"name": "bike", "type": "polygon", "color": "#00ff00"}], True,
         [{"name": "bike", "type": "polygon", "attributes": [], "color": "#00ff00"}], [{"id": 2, "deleted": True}]),
        # Deleted in the order of their names: bus, car.
        ([], True, [], [{"id": 2, "deleted": True}, {"id": 1, "deleted": True}]),
    ],
)
def test_label_changes(desired, purge, to_add, to_delete):
    assert cp.label_changes(CURRENT, desired, purge) == (to_add, to_delete)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ({"cloud_storage": "annotations", "location": None}, {"location": "cloud_storage", "cloud_storage_id": 5}),
        ({"cloud_storage": 7, "location": None}, {"location": "cloud_storage", "cloud_storage_id": 7}),
        ({"cloud_storage": "7", "location": None}, {"location": "cloud_storage", "cloud_storage_id": 7}),
        ({"cloud_storage": None, "location": "local"}, {"location": "local"}),
    ],
)
def test_storage_spec(value, expected):
    assert cp.storage_spec(value, lambda reference: 5 if reference == "annotations" else int(reference)) == expected


def test_storage_of_reads_cvat_answer():
    project = {"target_storage": {"id": 9, "location": "cloud_storage", "cloud_storage_id": 5}, "source_storage": None}
    assert cp.storage_of(project, "target_storage") == {"location": "cloud_storage", "cloud_storage_id": 5}
    assert cp.storage_of(project, "source_storage") is None


@pytest.mark.parametrize(
    "changes, names",
    [
        ([], ["car", "bus"]),
        ([{"id": 2, "deleted": True}], ["car"]),
        ([{"name": "bike", "type": "any", "attributes": []}], ["car", "bus", "bike"]),
        ([{"name": "bike", "type": "any", "attributes": []}, {"id": 1, "deleted": True}, {"id": 2, "deleted": True}], ["bike"]),
    ],
    ids=["nothing", "one deleted", "one added", "replaced"],
)
def test_labels_after(changes, names):
    assert [label["name"] for label in cp.labels_after(CURRENT, changes)] == names


def test_labels_after_is_what_label_changes_lead_to():
    to_add, to_delete = cp.label_changes(CURRENT, [{"name": "bike"}, {"name": "car"}], purge=True)
    assert sorted(label["name"] for label in cp.labels_after(CURRENT, to_add + to_delete)) == ["bike", "car"]


@pytest.mark.parametrize(
    "labels, error",
    [
        ([{"name": "car", "colour": "#fff"}], "unknown label keys colour (known: name, type, color, attributes)"),
        ([{"name": "car", "type": "rectangle", "color": "#ffffff", "attributes": []}], None),
    ],
)
def test_label_keys(labels, error):
    assert cp.label_errors(labels) == error
