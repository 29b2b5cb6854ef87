# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake CVAT's tasks, task data from cloud storages, dataset exports to cloud storages and export formats.

The fake's state they use:
- ``tasks``: task id -> TaskRead (without the computed summaries);
- ``task_files``: task id -> the bucket keys its data came from;
- ``bucket_objects``: bucket name -> the object keys in it. Task data is looked up there (a missing
  key or an empty prefix fails the data request, as CVAT's does), and exports are written there.
- ``exports``: every export written, as {bucket, key, format, save_images, target, id}.

Asynchronous work (``POST /api/tasks/{id}/data/``, ``.../dataset/export``) answers 202 with an rq_id
whose request advances one state per poll (queued -> started -> finished or failed), like the
fake's other requests. An export of the same object and format while one is running answers 409
with that request's id, as CVAT does.
"""

from __future__ import annotations

import fnmatch
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import Call, FakeCvat

EXPORTERS = [
    ("CVAT for images", "ZIP", "1.1", "2d"),
    ("CVAT for video", "ZIP", "1.1", "2d"),
    ("COCO", "ZIP", "1.0", "2d"),
    ("Datumaro", "ZIP", "1.0", "2d"),
    ("PASCAL VOC", "ZIP", "1.1", "2d"),
    ("YOLO", "ZIP", "1.1", "2d"),
    ("Sly Point Cloud Format", "ZIP", "1.0", "3d"),
]
NOT_FOUND = (404, {"detail": "Not found."})


def register(fake: FakeCvat) -> None:
    def read(task_id: int) -> dict[str, Any]:
        task = dict(fake.tasks[task_id])
        size = task["size"]
        segment = task["segment_size"] or size
        task["jobs"] = {"count": math.ceil(size / segment) if size else 0, "completed": 0, "validation": 0,
                        "url": f"{fake.url}/api/jobs?task_id={task_id}"}
        task["labels"] = {"url": f"{fake.url}/api/labels?task_id={task_id}"}
        return task

    def storage(spec: dict[str, Any] | None) -> dict[str, Any] | None:
        if not spec:
            return None
        return {"id": fake.new_id(), "location": spec["location"], "cloud_storage_id": spec.get("cloud_storage_id")}

    def new_request(rq_id: str, operation: dict[str, Any], final: str, message: str = "") -> dict[str, str]:
        fake.requests[rq_id] = {
            "id": rq_id, "status": "queued", "_final": final, "message": message, "progress": None,
            "created_date": fake.now(), "started_date": None, "finished_date": None, "expiry_date": None,
            "owner": {"id": 1, "username": "admin"}, "result_url": None, "result_id": None,
            "operation": dict({"project_id": None, "task_id": None, "job_id": None, "org_id": None, "format": None,
                               "function_id": None, "lightweight": None}, **operation),
        }
        return {"rq_id": rq_id}

    @fake.route("GET", r"/api/tasks")
    def list_tasks(call: Call) -> tuple[int, Any]:
        items = [read(i) for i in sorted(fake.tasks)]
        if "name" in call.query:
            items = [t for t in items if call.query["name"].lower() in t["name"].lower()]
        if "project_id" in call.query:
            items = [t for t in items if t["project_id"] == int(call.query["project_id"])]
        return 200, fake.page(call, items)

    @fake.route("POST", r"/api/tasks")
    def create(call: Call) -> tuple[int, Any]:
        body = call.body
        project_id = body.get("project_id")
        if project_id is not None and project_id not in fake.projects:
            return 400, {"project_id": [f'Invalid pk "{project_id}" - object does not exist.']}
        if project_id is None and not body.get("labels"):
            return 400, {"label_set": ["Label set must not be empty"]}
        task_id = fake.new_id()
        stamp = fake.now()
        project = fake.projects.get(project_id) or {}
        fake.tasks[task_id] = {
            "url": f"{fake.url}/api/tasks/{task_id}", "id": task_id, "name": body["name"], "project_id": project_id,
            "project_name": project.get("name"), "owner": fake.owner(call.user), "assignee": None,
            "bug_tracker": body.get("bug_tracker", ""), "created_date": stamp, "updated_date": stamp, "overlap": body.get("overlap"),
            "segment_size": body.get("segment_size", 0), "status": "annotation", "data_chunk_size": None,
            "data_original_chunk_type": "imageset", "data_compressed_chunk_type": "imageset", "data_cloud_storage_id": None,
            "guide_id": None, "size": 0, "image_quality": 70, "data": None, "dimension": "2d", "mode": "", "media_type": "image",
            "subset": body.get("subset", ""), "organization_id": None, "organization": None,
            # A task in a project keeps the project's storages unless it names its own.
            "target_storage": storage(body.get("target_storage") or project.get("target_storage")),
            "source_storage": storage(body.get("source_storage") or project.get("source_storage")),
            "assignee_updated_date": None, "validation_mode": None, "consensus_enabled": False,
        }
        return 201, read(task_id)

    @fake.route("GET", r"/api/tasks/(?P<id>[0-9]+)")
    def retrieve(call: Call) -> tuple[int, Any]:
        task_id = int(call.params["id"])
        return (200, read(task_id)) if task_id in fake.tasks else NOT_FOUND

    @fake.route("PATCH", r"/api/tasks/(?P<id>[0-9]+)")
    def update(call: Call) -> tuple[int, Any]:
        task_id = int(call.params["id"])
        if task_id not in fake.tasks:
            return NOT_FOUND
        fake.tasks[task_id].update({k: v for k, v in call.body.items() if k in ("name", "bug_tracker", "subset")}, updated_date=fake.now())
        return 200, read(task_id)

    @fake.route("DELETE", r"/api/tasks/(?P<id>[0-9]+)")
    def delete(call: Call) -> tuple[int, Any]:
        task_id = int(call.params["id"])
        if fake.tasks.pop(task_id, None) is None:
            return NOT_FOUND
        fake.task_files.pop(task_id, None)
        return 204, None

    @fake.route("POST", r"/api/tasks/(?P<id>[0-9]+)/data/")
    def attach_data(call: Call) -> tuple[int, Any]:
        task_id = int(call.params["id"])
        if task_id not in fake.tasks:
            return NOT_FOUND
        task = fake.tasks[task_id]
        if task["data"] is not None:
            return 400, {"detail": "Adding more data is not supported"}
        body = call.body
        rq_id = f"create:task-{task_id}"
        operation = {"type": "create:task", "target": "task", "task_id": task_id}
        cloud = fake.cloud_storages.get(body.get("cloud_storage_id"))
        if cloud is None:
            return 400, {"cloud_storage_id": ["The cloud storage does not exist"]}
        objects = sorted(fake.bucket_objects.get(cloud["resource"], ()))
        files: list[str] = []
        for entry in body.get("server_files", []):
            found = [key for key in objects if key.startswith(entry)] if entry.endswith("/") else [key for key in objects if key == entry]
            if not found:
                return 202, new_request(rq_id, operation, "failed", f"The file '{entry}' was not found on the storage '{cloud['display_name']}'")
            files.extend(found)
        pattern = body.get("filename_pattern")
        if pattern:
            files = [key for key in files if fnmatch.fnmatch(key.rsplit("/", 1)[-1], pattern)]
        if not files:
            return 202, new_request(rq_id, operation, "failed", "No media data found")
        task.update(size=len(files), data=fake.new_id(), data_cloud_storage_id=cloud["id"], mode="annotation",
                    image_quality=body.get("image_quality", 70), data_chunk_size=body.get("chunk_size") or 36)
        fake.task_files[task_id] = sorted(set(files))
        return 202, new_request(rq_id, operation, "finished")

    @fake.route("GET", r"/api/server/annotation/formats")
    def formats(call: Call) -> tuple[int, Any]:
        exporters = [{"name": f"{name} {version}", "ext": ext, "version": version, "enabled": True, "dimension": dim}
                     for name, ext, version, dim in EXPORTERS]
        return 200, {"importers": [dict(e) for e in exporters], "exporters": exporters}

    def export(target: str, objects: dict[int, dict[str, Any]], call: Call) -> tuple[int, Any]:
        object_id = int(call.params["id"])
        if object_id not in objects:
            return NOT_FOUND
        query = call.query
        names = [f"{name} {version}" for name, _ext, version, _dim in EXPORTERS]
        if query["format"] not in names:
            return 405, {"detail": f"Unknown format specified for the request: {query['format']}"}
        if query.get("location", "local") != "cloud_storage":
            return 400, {"detail": "the fake only exports to cloud storages"}
        cloud = fake.cloud_storages.get(int(query.get("cloud_storage_id", 0)))
        if cloud is None:
            return 400, {"detail": "Cloud storage location was selected as the destination, but cloud storage id was not specified"}
        rq_id = f"export:{target}-{object_id}-dataset-in-{query['format'].replace(' ', '_')}-format"
        running = fake.requests.get(rq_id)
        if running and running["status"] in ("queued", "started"):
            return 409, {"rq_id": rq_id}
        stamp = fake.now().replace(":", "").replace("-", "")[:15]
        key = query.get("filename") or f"{target}_{objects[object_id]['name']}_{stamp}.zip"
        status = fake.bucket_status.get(cloud["resource"], "AVAILABLE")
        if status != "AVAILABLE":
            return 202, new_request(rq_id, {"type": "export:dataset", "target": target, f"{target}_id": object_id,
                                            "format": query["format"]}, "failed", f"The bucket {cloud['resource']} is {status}")
        fake.bucket_objects.setdefault(cloud["resource"], set()).add(key)
        fake.exports.append({"bucket": cloud["resource"], "key": key, "format": query["format"], "target": target, "id": object_id,
                             "save_images": query.get("save_images", "false") == "true"})
        return 202, new_request(rq_id, {"type": "export:dataset", "target": target, f"{target}_id": object_id, "format": query["format"]},
                                "finished")

    @fake.route("POST", r"/api/projects/(?P<id>[0-9]+)/dataset/export")
    def export_project(call: Call) -> tuple[int, Any]:
        return export("project", fake.projects, call)

    @fake.route("POST", r"/api/tasks/(?P<id>[0-9]+)/dataset/export")
    def export_task(call: Call) -> tuple[int, Any]:
        return export("task", fake.tasks, call)
