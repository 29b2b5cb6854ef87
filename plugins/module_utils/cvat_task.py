# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cvatops.aws.cvat_task and cvat_dataset_export share: tasks found by name within a project, the
payloads that create a task and attach its data from a cloud storage, the comparison of what may still
change, export file names and formats (pure functions, plus lookups through a CvatClient)."""

import re

PATH = "/api/tasks"
# What a task's PATCH may change after it is created; its data never changes.
MUTABLE = ("subset", "bug_tracker")
SORTING_METHODS = ("lexicographical", "natural", "predefined", "random")


def file_errors(files):
    """Why a list of cloud storage keys or prefixes is not usable (one message), or None."""
    if not files:
        return "give at least one object key or prefix (a prefix ends with /)"
    empty = [index for index, entry in enumerate(files) if not entry or not str(entry).strip()]
    if empty:
        return "entries must not be empty (item %s)" % ", ".join(str(index) for index in empty)
    long_entries = [entry for entry in files if len(entry) > 1024]
    if long_entries:
        return "keys have at most 1024 characters: %s" % long_entries[0][:60]
    duplicates = sorted(set(entry for entry in files if files.count(entry) > 1))
    if duplicates:
        return "repeated: %s" % ", ".join(duplicates)
    return None


def find(client, name, project_id):
    """The tasks named exactly ``name`` in project ``project_id`` (None: tasks outside any project)."""
    query = {"name": name}
    if project_id is not None:
        query["project_id"] = project_id
    return [task for task in client.paginate(PATH, query) if task.get("name") == name and task.get("project_id") == project_id]


def task_body(params, project_id, labels=None):
    """``POST /api/tasks``: the task without its data (TaskWriteRequest)."""
    body = dict(name=params["name"])
    if project_id is not None:
        body["project_id"] = project_id
    if labels:
        body["labels"] = labels
    for key in ("segment_size", "subset", "bug_tracker"):
        if params.get(key) not in (None, ""):
            body[key] = params[key]
    return body


def data_body(params, cloud_storage_id):
    """``POST /api/tasks/{id}/data/``: the data from a cloud storage (DataRequest), unset options left to CVAT."""
    body = dict(
        cloud_storage_id=cloud_storage_id,
        server_files=list(params["files"]),
        use_cache=params["use_cache"],
        image_quality=params["image_quality"],
        sorting_method=params["sorting_method"],
    )
    if params.get("filename_pattern"):
        body["filename_pattern"] = params["filename_pattern"]
    if params.get("chunk_size"):
        body["chunk_size"] = params["chunk_size"]
    return body


def changes(current, params):
    """The mutable fields whose wanted value (given, not None) differs from the task's."""
    return dict((key, params[key]) for key in MUTABLE if params.get(key) is not None and (current.get(key) or "") != params[key])


def has_data(task):
    return task.get("data") is not None


def public_view(task):
    fields = ("id", "name", "project_id", "status", "size", "mode", "subset", "bug_tracker", "data_cloud_storage_id", "segment_size",
              "dimension", "created_date", "updated_date")
    view = dict((key, task.get(key)) for key in fields)
    view["jobs"] = (task.get("jobs") or {}).get("count", 0)
    view["has_data"] = has_data(task)
    return view


def slug(text):
    """A file-name-safe form of a name or format ("CVAT for images 1.1" -> "cvat-for-images-1.1")."""
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-") or "export"


def export_filename(prefix, kind, name, export_format, stamp):
    """The default key of an export: <prefix><kind>-<name>/<format>-<UTC stamp>.zip."""
    return "%s%s-%s/%s-%s.zip" % (prefix or "", kind, slug(name), slug(export_format), stamp)


def exporters(formats):
    """The enabled export formats' names from ``GET /api/server/annotation/formats``."""
    return sorted(item["name"] for item in (formats or {}).get("exporters", []) if item.get("enabled", True))


def target_cloud_storage(obj):
    """The cloud storage id of a project's or task's target storage, or None."""
    storage = obj.get("target_storage") or {}
    return storage.get("cloud_storage_id") if storage.get("location") == "cloud_storage" else None


def source_cloud_storage(obj):
    storage = obj.get("source_storage") or {}
    return storage.get("cloud_storage_id") if storage.get("location") == "cloud_storage" else None
