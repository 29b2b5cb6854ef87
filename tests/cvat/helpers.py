# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests of the cvat_* modules share: running a playbook against the fake CVAT, its write calls, seeded state."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

from cvatfake.server import FakeCvat
from infra.playbook import PlaybookRun, run_playbook, write_playbook

# A play on localhost whose cvat_* modules talk to the fake at {{ url }} with its token (or {{ token }}).
PLAY = """
- name: {name}
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cvatops.aws.cvat:
      cvat_url: "{{{{ url }}}}"
      cvat_token: "{{{{ token | default('automation-token') }}}}"
      cvat_retries: 1
  tasks:
"""


def cvat_playbook(directory: Path, name: str, tasks: str) -> str:
    """Write a playbook of PLAY with these tasks (YAML, any indentation); its path."""
    body = textwrap.indent(textwrap.dedent(tasks).strip() + "\n", "    ")
    return write_playbook(directory, f"{name.lower().replace(' ', '_')}.yml", PLAY.format(name=name) + body)


def cvat_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without CVAT_* variables (they would reach the modules as fallbacks), plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CVAT_")}
    env.update(extra or {})
    return env


def run(playbook: str, fake: FakeCvat | str, *args: str, json_output: bool = True, env: dict[str, str] | None = None,
        **extra_vars: Any) -> PlaybookRun:
    """ansible-playbook with ``url`` (the fake's, or the URL given) and ``extra_vars``."""
    url = fake if isinstance(fake, str) else fake.url
    return run_playbook(playbook, cvat_env(env), *args, extra_vars={"url": url, **extra_vars}, json_output=json_output, timeout=180)


def writes(fake: FakeCvat) -> list[tuple[str, str]]:
    """(method, path) of every request that was not a GET."""
    return [(call.method, call.path) for call in fake.calls if call.method != "GET"]


def add_cloud_storage(fake: FakeCvat, display_name: str, bucket: str, objects: tuple[str, ...] = ()) -> int:
    """A cloud storage registered in the fake as cvat_cloud_storage would, with objects in its bucket; its id."""
    storage_id = fake.new_id()
    fake.cloud_storages[storage_id] = dict(
        id=storage_id, owner=None, manifests=[], created_date="2026-01-01T00:00:00Z", updated_date="2026-01-01T00:00:00Z",
        provider_type="AWS_S3_BUCKET", resource=bucket, display_name=display_name, credentials_type="KEY_SECRET_KEY_PAIR",
        specific_attributes="region=us-east-1", description="", organization=None)
    fake.bucket_objects.setdefault(bucket, set()).update(objects)
    return storage_id


def storage_id(fake: FakeCvat, display_name: str) -> int:
    return next(s["id"] for s in fake.cloud_storages.values() if s["display_name"] == display_name)


def add_project(fake: FakeCvat, name: str, source: int | None = None, target: int | None = None) -> int:
    """A project in the fake (as CVAT answers it), reading from and exporting to the cloud storages of those ids; its id."""

    def storage(cloud_storage_id: int | None) -> dict[str, Any] | None:
        return None if cloud_storage_id is None else {"id": fake.new_id(), "location": "cloud_storage", "cloud_storage_id": cloud_storage_id}

    project_id = fake.new_id()
    fake.projects[project_id] = {
        "url": f"{fake.url}/api/projects/{project_id}", "id": project_id, "name": name, "owner": fake.owner("admin"), "assignee": None,
        "guide_id": None, "bug_tracker": "", "task_subsets": [], "created_date": fake.now(), "updated_date": fake.now(),
        "status": "annotation", "dimension": None, "organization": None, "organization_id": None, "source_storage": storage(source),
        "target_storage": storage(target), "assignee_updated_date": None,
    }
    return project_id
