# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight of cvatops.aws.cvat_config's projects, with the rules the cvat_project and cvat_task modules apply."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.cvatops.aws.plugins.module_utils.cvat_project import label_errors
from ansible_collections.cvatops.aws.plugins.module_utils.cvat_task import file_errors


def _repeated(names):
    return sorted(set(name for name in names if names.count(name) > 1))


def cvat_projects_errors(projects):
    """Every problem of a cvat_config_projects list, each naming the project (and task); empty when it is usable."""
    if not isinstance(projects, list):
        raise AnsibleFilterError(f"cvat_projects_errors expects a list, got {type(projects).__name__}")
    errors = []
    names = [project.get("name") for project in projects]
    if _repeated(names):
        errors.append("project names repeat: %s" % ", ".join(_repeated(names)))
    for index, project in enumerate(projects):
        where = "project %r" % project.get("name") if project.get("name") else "project #%d" % index
        if not project.get("name") or len(project["name"]) > 256:
            errors.append(f"{where}: name must be 1-256 characters")
        if not project.get("labels"):
            errors.append(f"{where}: labels are required")
        else:
            problem = label_errors(project["labels"])
            if problem:
                errors.append(f"{where}: {problem}")
        tasks = project.get("tasks") or []
        task_names = [task.get("name") for task in tasks]
        if _repeated(task_names):
            errors.append(f"{where}: task names repeat: %s" % ", ".join(_repeated(task_names)))
        for task in tasks:
            if not task.get("name") or len(task["name"]) > 256:
                errors.append(f"{where}: every task needs a name of 1-256 characters")
                continue
            problem = file_errors(task.get("files"))
            if problem:
                errors.append(f"{where}, task {task['name']!r}: files: {problem}")
    return errors


class FilterModule:
    def filters(self):
        return {"cvat_projects_errors": cvat_projects_errors}
