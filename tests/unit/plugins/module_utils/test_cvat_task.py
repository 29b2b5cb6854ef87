# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Payloads, comparison and export names of cvatops.aws.cvat_task and cvat_dataset_export."""

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import cvat_task as ct

PARAMS = dict(name="batch-001", files=["batches/001/"], use_cache=True, image_quality=70, sorting_method="natural",
              filename_pattern=None, chunk_size=None, segment_size=None, subset=None, bug_tracker=None)


@pytest.mark.parametrize(
    "files, error",
    [
        (["a.jpg", "b/"], None),
        ([], "give at least one object key or prefix (a prefix ends with /)"),
        (None, "give at least one object key or prefix (a prefix ends with /)"),
        (["a.jpg", " "], "entries must not be empty (item 1)"),
        (["k" * 1025], "keys have at most 1024 characters: " + "k" * 60),
        (["a.jpg", "b/", "a.jpg"], "repeated: a.jpg"),
    ],
    ids=["fine", "empty", "none", "blank entry", "too long", "repeated"],
)
def test_file_errors(files, error):
    assert ct.file_errors(files) == error


@pytest.mark.parametrize(
    "params, project_id, labels, body",
    [
        (PARAMS, 4, None, {"name": "batch-001", "project_id": 4}),
        (dict(PARAMS, segment_size=100, subset="train", bug_tracker=""), 4, None,
         {"name": "batch-001", "project_id": 4, "segment_size": 100, "subset": "train"}),
        (PARAMS, None, [{"name": "car", "type": "any", "attributes": []}],
         {"name": "batch-001", "labels": [{"name": "car", "type": "any", "attributes": []}]}),
    ],
    ids=["in a project", "options", "standalone"],
)
def test_task_body(params, project_id, labels, body):
    assert ct.task_body(params, project_id, labels) == body


@pytest.mark.parametrize(
    "params, body",
    [
        (PARAMS, {"cloud_storage_id": 3, "server_files": ["batches/001/"], "use_cache": True, "image_quality": 70, "sorting_method": "natural"}),
        (dict(PARAMS, filename_pattern="*.jpg", chunk_size=36, use_cache=False),
         {"cloud_storage_id": 3, "server_files": ["batches/001/"], "use_cache": False, "image_quality": 70, "sorting_method": "natural",
          "filename_pattern": "*.jpg", "chunk_size": 36}),
    ],
    ids=["defaults", "options"],
)
def test_data_body(params, body):
    assert ct.data_body(params, 3) == body


@pytest.mark.parametrize(
    "current, params, update",
    [
        ({"subset": "train", "bug_tracker": ""}, dict(PARAMS, subset="train"), {}),
        ({"subset": "train", "bug_tracker": ""}, PARAMS, {}),  # not given: left alone
        ({"subset": "", "bug_tracker": ""}, dict(PARAMS, subset="validation"), {"subset": "validation"}),
        ({"subset": None, "bug_tracker": None}, dict(PARAMS, subset="", bug_tracker=""), {}),  # CVAT's empty is ""
        ({"subset": "a", "bug_tracker": "x"}, dict(PARAMS, subset="", bug_tracker="y"), {"subset": "", "bug_tracker": "y"}),
    ],
    ids=["same", "not given", "new subset", "empty vs null", "cleared and changed"],
)
def test_changes(current, params, update):
    assert ct.changes(current, params) == update


@pytest.mark.parametrize(
    "text, expected",
    [
        ("CVAT for images 1.1", "cvat-for-images-1.1"),
        ("Street Scenes / 2026", "street-scenes-2026"),
        ("***", "export"),
    ],
)
def test_slug(text, expected):
    assert ct.slug(text) == expected


def test_export_filename():
    assert ct.export_filename("exports/", "project", "Street Scenes", "COCO 1.0", "20261201T120000Z") == \
        "exports/project-street-scenes/coco-1.0-20261201T120000Z.zip"
    assert ct.export_filename("", "task", "t", "YOLO 1.1", "S") == "task-t/yolo-1.1-S.zip"


def test_exporters_only_enabled_sorted():
    formats = {"importers": [], "exporters": [{"name": "YOLO 1.1", "enabled": True}, {"name": "COCO 1.0"}, {"name": "Old 0.1", "enabled": False}]}
    assert ct.exporters(formats) == ["COCO 1.0", "YOLO 1.1"]


@pytest.mark.parametrize(
    "obj, target, source",
    [
        ({"target_storage": {"location": "cloud_storage", "cloud_storage_id": 5}, "source_storage": {"location": "local"}}, 5, None),
        ({"target_storage": None, "source_storage": {"location": "cloud_storage", "cloud_storage_id": 3}}, None, 3),
        ({}, None, None),
    ],
)
def test_storages_of(obj, target, source):
    assert (ct.target_cloud_storage(obj), ct.source_cloud_storage(obj)) == (target, source)


def test_public_view():
    view = ct.public_view({"id": 1, "name": "t", "data": 7, "jobs": {"count": 3}, "size": 250})
    assert (view["has_data"], view["jobs"], view["size"]) == (True, 3, 250)
    assert ct.public_view({"id": 1, "data": None})["has_data"] is False
