# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ansible-playbook from the repository against the AWS emulator and read its results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
# API actions that only read: a run that should change nothing may call these and nothing else.
READ_PREFIXES = ("Describe", "Get", "List", "Head")


@dataclass
class PlaybookRun:
    """The outcome of one ansible-playbook run (json callback)."""

    returncode: int
    seconds: float
    stdout: str
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def stats(self) -> dict[str, int]:
        return self.report.get("stats", {}).get("localhost", {})

    def tasks(self) -> list[tuple[str, dict[str, Any]]]:
        """(task name, localhost result) for every task that ran."""
        return [
            (task["task"]["name"], task["hosts"]["localhost"])
            for play in self.report.get("plays", [])
            for task in play.get("tasks", [])
            if "localhost" in task.get("hosts", {})
        ]

    def result(self, task: str) -> dict[str, Any]:
        """The localhost result of the one task of that name (fails the test unless exactly one ran)."""
        results = [result for name, result in self.tasks() if name == task]
        if len(results) != 1:
            raise AssertionError(f"{len(results)} results of task {task!r}, expected 1\n{self.explain()}")
        return results[0]

    def changed_tasks(self) -> list[str]:
        return [name for name, result in self.tasks() if result.get("changed")]

    def failure_messages(self) -> list[str]:
        messages = []
        for name, result in self.tasks():
            if not result.get("failed"):
                continue
            # A failed loop reports "One or more items failed"; the items say why (a failed assert
            # item carries evaluated_to=false rather than failed=true).
            items = [i for i in result.get("results", []) if i.get("failed") or i.get("evaluated_to") is False]
            messages.extend(f"{name}: {item.get('msg', item)}" for item in items or [result])
        return messages

    def explain(self) -> str:
        return (
            f"rc={self.returncode} stats={self.stats}\nchanged: {self.changed_tasks()}\n"
            f"failures: {self.failure_messages()}\nstderr: {self.stderr[-3000:]}"
        )


def write_playbook(directory: Path, name: str, text: str) -> str:
    """Write a playbook given as an (indented) YAML string into directory; returns its path for run_playbook."""
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


def write_calls(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """The emulator's request counts ({service: {action: n}}) that are not reads, as {"service:action": n}."""
    return {
        f"{service}:{action}": count
        for service, actions in counts.items()
        for action, count in actions.items()
        if not action.startswith(READ_PREFIXES)
    }


def run_playbook(
    playbook: str,
    env: dict[str, str],
    *args: str,
    inventory: str | Path = "inventories/local",
    extra_vars: dict[str, Any] | None = None,
    json_output: bool = True,
    timeout: int = 900,
) -> PlaybookRun:
    """Run a playbook of the repository with the given environment (the emulator's)."""
    run_env = dict(env)
    run_env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PATH=f"{ANSIBLE_PLAYBOOK.parent}{os.pathsep}{env.get('PATH', '')}",
    )
    if json_output:
        run_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    command = [str(ANSIBLE_PLAYBOOK), playbook, "-i", str(inventory), *args]
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=REPO, env=run_env, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    report: dict[str, Any] = {}
    if json_output and proc.stdout.strip():
        try:
            report = json.loads(proc.stdout[proc.stdout.index("{"):])
        except ValueError:
            report = {}
    return PlaybookRun(proc.returncode, seconds, proc.stdout, proc.stderr, report)
