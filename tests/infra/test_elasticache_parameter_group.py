# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.elasticache_parameter_group against the emulator: the lifecycle of a redis7 group.

One fixture runs every step (a playbook each, the group read back with boto3 after each), so no
other test can reset the emulator in the middle of it; the tests then check what each step did.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsemu.server import merged_env
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("elasticache-params")]

NAME = "cvat-test-redis7"
DESCRIPTION = "CVAT Redis test"


def _task(**options: Any) -> dict[str, Any]:
    arguments = {"name": NAME, "family": "redis7", "description": DESCRIPTION, **options}
    return {"name": "Parameter group", "cvatops.aws.elasticache_parameter_group": arguments, "register": "group"}


class Lifecycle:
    """Writes one playbook per step into a temporary directory and runs it against the emulator."""

    def __init__(self, emulator: Any, directory: Path) -> None:
        self.emulator = emulator
        self.directory = directory
        self.env = merged_env(emulator.env())
        self.elasticache = emulator.client("elasticache")
        self.steps = 0

    def run(self, task: dict[str, Any], *args: str) -> SimpleNamespace:
        """Runs one task; returns the run, its result, the writes it made and the group read back."""
        self.steps += 1
        play = {
            "name": "ElastiCache parameter group",
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"group/cvatops.aws.aws": {"region": "us-east-1"}},
            "tasks": [task],
        }
        path = write_playbook(self.directory, f"step{self.steps:02d}.yml", json.dumps([play], indent=2))  # JSON is YAML
        self.emulator.reset_counts()
        run: PlaybookRun = run_playbook(path, self.env, *args)
        writes = write_calls(self.emulator.counts())
        results = [result for name, result in run.tasks() if name == "Parameter group"]
        return SimpleNamespace(run=run, result=results[0] if results else {}, writes=writes, state=self.read_back())

    def read_back(self) -> dict[str, Any] | None:
        try:
            group = self.elasticache.describe_cache_parameter_groups(CacheParameterGroupName=NAME)["CacheParameterGroups"][0]
        except ClientError as error:
            assert error.response["Error"]["Code"] == "CacheParameterGroupNotFound"
            return None
        paginator = self.elasticache.get_paginator("describe_cache_parameters")
        user = [p for page in paginator.paginate(CacheParameterGroupName=NAME, Source="user") for p in page["Parameters"]]
        tags = self.elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
        return {
            "family": group["CacheParameterGroupFamily"],
            "description": group["Description"],
            "parameters": {p["ParameterName"]: p.get("ParameterValue", "") for p in user},
            "tags": {t["Key"]: t["Value"] for t in tags},
        }


@pytest.fixture(scope="module")
def lifecycle(aws_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    steps = Lifecycle(aws_emulator, tmp_path_factory.mktemp("elasticache-parameter-group"))
    tags = {"Project": "cvat", "Environment": "test"}
    policy = {"maxmemory-policy": "allkeys-lru"}
    both = {"maxmemory-policy": "noeviction", "timeout": 300}
    return SimpleNamespace(
        check_create=steps.run(_task(parameters=policy, tags=tags), "--check", "--diff"),
        create=steps.run(_task(parameters=policy, tags=tags), "--diff"),
        again=steps.run(_task(parameters=policy, tags=tags)),
        change=steps.run(_task(parameters={"maxmemory-policy": "noeviction"}, tags=tags), "--diff"),
        add=steps.run(_task(parameters=both, tags=tags)),
        without_purge=steps.run(_task(parameters={"maxmemory-policy": "noeviction"}, tags=tags)),
        check_purge=steps.run(_task(parameters={"maxmemory-policy": "noeviction"}, purge_parameters=True), "--check"),
        purge=steps.run(_task(parameters={"maxmemory-policy": "noeviction"}, purge_parameters=True, tags={"Project": "cvat"}), "--diff"),
        family=steps.run(_task(family="redis6.x", parameters={"maxmemory-policy": "noeviction"})),
        unknown=steps.run(_task(parameters={"no-such-parameter": "1"})),
        description=steps.run(_task(description="Another description", parameters={"maxmemory-policy": "noeviction"})),
        check_delete=steps.run({"name": "Parameter group", "cvatops.aws.elasticache_parameter_group": {"name": NAME, "state": "absent"}}, "--check"),
        delete=steps.run({"name": "Parameter group", "cvatops.aws.elasticache_parameter_group": {"name": NAME, "state": "absent"}}, "--diff"),
        delete_again=steps.run({"name": "Parameter group", "cvatops.aws.elasticache_parameter_group": {"name": NAME, "state": "absent"}}),
        create_without_family=steps.run(
            {"name": "Parameter group", "cvatops.aws.elasticache_parameter_group": {"name": NAME}, "ignore_errors": True}
        ),
    )


def _ok(step: SimpleNamespace) -> None:
    assert step.run.returncode == 0, step.run.explain()


def test_check_mode_creates_nothing(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.check_create
    _ok(step)
    assert step.result["changed"] is True
    assert step.result["parameter_group"]["cache_parameter_group_family"] == "redis7"
    assert step.result["parameters"] == {"maxmemory-policy": "allkeys-lru"}
    assert step.result["diff"]["before"] == {} and step.result["diff"]["after"] == {"parameters": {"maxmemory-policy": "allkeys-lru"}}
    assert step.writes == {}
    assert step.state is None


def test_create(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.create
    _ok(step)
    assert step.result["changed"] is True
    assert step.state == {
        "family": "redis7",
        "description": DESCRIPTION,
        "parameters": {"maxmemory-policy": "allkeys-lru"},
        "tags": {"Project": "cvat", "Environment": "test"},
    }
    group = step.result["parameter_group"]
    assert group["cache_parameter_group_name"] == NAME
    assert group["arn"] == f"arn:aws:elasticache:us-east-1:123456789012:parametergroup:{NAME}"
    assert group["tags"] == {"Project": "cvat", "Environment": "test"}
    assert step.result["parameters"] == {"maxmemory-policy": "allkeys-lru"}
    assert step.result["diff"] == {"before": {}, "after": {"parameters": {"maxmemory-policy": "allkeys-lru"}}}


def test_rerun_changes_nothing_and_only_reads(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.again
    _ok(step)
    assert step.result["changed"] is False
    assert step.writes == {}
    assert step.state == lifecycle.create.state


def test_change_value(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.change
    _ok(step)
    assert step.result["changed"] is True
    assert step.result["modified_parameters"] == {"maxmemory-policy": "noeviction"}
    assert step.result["diff"] == {
        "before": {"parameters": {"maxmemory-policy": "allkeys-lru"}},
        "after": {"parameters": {"maxmemory-policy": "noeviction"}},
    }
    assert step.writes == {"elasticache:ModifyCacheParameterGroup": 1}
    assert step.state["parameters"] == {"maxmemory-policy": "noeviction"}


def test_add_parameter_and_keep_unlisted_without_purge(lifecycle: SimpleNamespace) -> None:
    _ok(lifecycle.add)
    assert lifecycle.add.result["changed"] is True
    assert lifecycle.add.result["modified_parameters"] == {"timeout": "300"}
    assert lifecycle.add.state["parameters"] == {"maxmemory-policy": "noeviction", "timeout": "300"}
    step = lifecycle.without_purge
    _ok(step)
    assert step.result["changed"] is False
    assert step.state["parameters"] == {"maxmemory-policy": "noeviction", "timeout": "300"}


def test_purge_parameters_resets_unlisted(lifecycle: SimpleNamespace) -> None:
    check = lifecycle.check_purge
    _ok(check)
    assert check.result["changed"] is True and check.result["reset_parameters"] == ["timeout"]
    assert check.writes == {}
    assert check.state["parameters"] == {"maxmemory-policy": "noeviction", "timeout": "300"}

    step = lifecycle.purge
    _ok(step)
    assert step.result["reset_parameters"] == ["timeout"]
    assert step.result["diff"]["after"] == {"parameters": {"maxmemory-policy": "noeviction"}}
    assert step.writes == {"elasticache:ResetCacheParameterGroup": 1, "elasticache:RemoveTagsFromResource": 1}
    assert step.state["parameters"] == {"maxmemory-policy": "noeviction"}
    assert step.state["tags"] == {"Project": "cvat"}
    assert step.result["parameter_group"]["tags"] == {"Project": "cvat"}


def test_family_change_fails_clearly(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.family
    assert step.run.returncode != 0
    assert step.result.get("failed") is True
    assert "has family redis7, not redis6.x" in step.result["msg"]
    assert "can not change the family" in step.result["msg"]
    assert step.writes == {}
    assert step.state["family"] == "redis7"


def test_unknown_parameter_fails_before_any_change(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.unknown
    assert step.run.returncode != 0
    assert "unknown parameters: no-such-parameter" in step.result["msg"]
    assert step.writes == {}


def test_description_is_kept_with_a_warning(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.description
    _ok(step)
    assert step.result["changed"] is False
    assert any("can not change the description" in warning for warning in step.result.get("warnings", []))
    assert step.state["description"] == DESCRIPTION


def test_delete_then_delete_again(lifecycle: SimpleNamespace) -> None:
    check = lifecycle.check_delete
    _ok(check)
    assert check.result["changed"] is True and check.writes == {}
    assert check.state is not None

    step = lifecycle.delete
    _ok(step)
    assert step.result["changed"] is True
    assert step.result["diff"] == {"before": {"parameters": {"maxmemory-policy": "noeviction"}}, "after": {}}
    assert step.writes == {"elasticache:DeleteCacheParameterGroup": 1}
    assert step.state is None

    again = lifecycle.delete_again
    _ok(again)
    assert again.result["changed"] is False and again.writes == {}


def test_create_needs_a_family(lifecycle: SimpleNamespace) -> None:
    step = lifecycle.create_without_family
    assert step.result.get("failed") is True
    assert "family is required to create it" in step.result["msg"]
    assert step.writes == {} and step.state is None
