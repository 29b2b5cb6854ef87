# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the infra tests: one converged local stack per test worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from awsemu.server import client_env, client_for, merged_env
from infra.playbook import run_playbook

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def env(aws_emulator):
    return merged_env(aws_emulator.env())


@pytest.fixture(scope="session")
def client(aws_emulator):
    return aws_emulator.client


@pytest.fixture(scope="session")
def converged(aws_emulator, env):
    """The local inventory's stack, converged twice; API calls of the second run counted."""
    aws_emulator.reset()
    first = run_playbook("site.yml", env)
    assert first.returncode == 0, first.explain()
    aws_emulator.reset_counts()
    second = run_playbook("site.yml", env)
    return SimpleNamespace(first=first, second=second, second_calls=aws_emulator.counts())


@pytest.fixture(scope="module")
def own_emulator(tmp_path_factory):
    """An emulator process of the test module's own, for tests that change or remove a whole stack.

    The session emulator is shared by every test of a pytest-xdist worker, so its state must never
    be reset or torn down under another module's feet; a separate process has separate AWS state.
    """
    state = tmp_path_factory.mktemp("own-awsemu")
    cli_env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH", "")])))
    started = subprocess.run(
        [sys.executable, "-m", "awsemu", "start", "--state-dir", str(state)], env=cli_env, capture_output=True, text=True, check=True, timeout=60
    )
    endpoint = started.stdout.strip().splitlines()[-1]

    def counts() -> dict[str, dict[str, int]]:
        stats = subprocess.run(
            [sys.executable, "-m", "awsemu", "stats", "--json", "--state-dir", str(state)], env=cli_env, capture_output=True, text=True, check=True, timeout=60
        )
        return json.loads(stats.stdout)["by_service"]

    try:
        yield SimpleNamespace(
            endpoint=endpoint,
            env=merged_env(client_env(endpoint)),
            client=lambda service, **kwargs: client_for(endpoint, service, **kwargs),
            counts=counts,
        )
    finally:
        subprocess.run([sys.executable, "-m", "awsemu", "stop", "--state-dir", str(state)], env=cli_env, check=False, timeout=60)
