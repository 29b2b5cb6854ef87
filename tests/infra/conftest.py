# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the infra tests: one converged local stack per test worker."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from awsemu.server import merged_env
from infra.playbook import run_playbook


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
