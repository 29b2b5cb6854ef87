# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cvatops.aws.cvat_project and cvat_project_info share: labels compared as a set, storages given by
cloud storage name or id, and the project as the modules return it (pure functions, plus two lookups)."""

PATH = "/api/projects"
LABEL_KEYS = ("name", "type", "color", "attributes")
LABEL_TYPES = ("any", "rectangle", "polygon", "polyline", "points", "ellipse", "cuboid", "mask", "skeleton", "tag", "interval")


def label_errors(labels):
    """Why a label list is not usable (one message), or None. Names are compared case-sensitively, as CVAT does."""
    names = [label.get("name") for label in labels]
    if any(not name for name in names):
        return "every label needs a name"
    unknown = sorted(set(key for label in labels for key in label) - set(LABEL_KEYS))
    if unknown:
        return "unknown label keys %s (known: %s)" % (", ".join(unknown), ", ".join(LABEL_KEYS))
    duplicates = sorted(set(name for name in names if names.count(name) > 1))
    if duplicates:
        return "labels must have unique names; repeated: %s" % ", ".join(duplicates)
    long_names = [name for name in names if len(name) > 64]
    if long_names:
        return "label names have at most 64 characters: %s" % ", ".join(long_names)
    return None


def label_payload(label):
    """A label as CVAT creates it, from the module's label options (unset keys left out)."""
    payload = dict(name=label["name"], type=label.get("type") or "any", attributes=list(label.get("attributes") or []))
    if label.get("color"):
        payload["color"] = label["color"]
    return payload


def label_changes(current, desired, purge):
    """(labels to add, labels to delete) by name; existing labels are left as they are (their annotations depend on them)."""
    have = dict((label["name"], label) for label in current)
    want = set(label["name"] for label in desired)
    to_add = [label_payload(label) for label in desired if label["name"] not in have]
    to_delete = [dict(id=have[name]["id"], deleted=True) for name in sorted(set(have) - want)] if purge else []
    return to_add, to_delete


def labels_after(current, changes):
    """The project's labels once CVAT has applied ``changes`` (label_changes' additions and deletions)."""
    deleted = set(change["id"] for change in changes if change.get("deleted"))
    return [label for label in current if label["id"] not in deleted] + [change for change in changes if "name" in change]


def storage_spec(value, resolve):
    """The module's storage option ({cloud_storage: name or id} or {location: local}) as CVAT's StorageRequest."""
    if not value:
        return None
    if value.get("location") == "local":
        return dict(location="local")
    reference = value.get("cloud_storage")
    if reference is None:
        return None
    return dict(location="cloud_storage", cloud_storage_id=resolve(reference))


def storage_of(project, key):
    """A project's current source or target storage, in the StorageRequest shape (None if unset)."""
    storage = project.get(key)
    if not storage:
        return None
    if storage.get("location") == "cloud_storage":
        return dict(location="cloud_storage", cloud_storage_id=storage.get("cloud_storage_id"))
    return dict(location=storage.get("location"))


def find(client, name):
    """The projects named exactly ``name`` (CVAT's ``name`` filter also matches parts of names)."""
    return [item for item in client.paginate(PATH, {"name": name}) if item.get("name") == name]


def labels_of(client, project_id):
    return list(client.paginate("/api/labels", {"project_id": project_id}))


def cloud_storage_id(client, reference):
    """The id of a cloud storage given by id or display name; raises LookupError when there is not exactly one."""
    if isinstance(reference, int) or str(reference).isdigit():
        return int(reference)
    matches = [item for item in client.paginate("/api/cloudstorages", {"name": reference}) if item.get("display_name") == reference]
    if len(matches) != 1:
        raise LookupError("%d cloud storages are named %r in CVAT; give its id instead" % (len(matches), reference))
    return matches[0]["id"]


def public_view(project, labels):
    fields = ("id", "name", "status", "dimension", "organization_id", "created_date", "updated_date", "bug_tracker")
    view = dict((key, project.get(key)) for key in fields)
    view["labels"] = sorted(label["name"] for label in labels)
    view["target_storage"] = storage_of(project, "target_storage")
    view["source_storage"] = storage_of(project, "source_storage")
    view["tasks"] = (project.get("tasks") or {}).get("count", 0)
    return view


def resolve(client, reference):
    """The project given by id or name; raises LookupError when there is not exactly one."""
    if isinstance(reference, int) or str(reference).isdigit():
        project = client.get("%s/%s" % (PATH, int(reference)), missing_ok=True)
        if project is None:
            raise LookupError("CVAT has no project with id %s" % reference)
        return project
    matches = find(client, reference)
    if len(matches) != 1:
        raise LookupError("%d projects are named %r in CVAT; give its id instead" % (len(matches), reference))
    return matches[0]
