# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest fixtures for the AWS emulator; enable with ``pytest_plugins = ["awsemu.pytest_plugin"]`` in tests/conftest.py.

One emulator serves the whole session: start-up is cheap, but playbook tests are
written to be idempotent against shared state, and one process keeps the request
counts in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import Emulator, merged_env


@pytest.fixture(scope="session")
def aws_emulator() -> Iterator[Emulator]:
    """The session's running :class:`~awsemu.server.Emulator` (stopped at session end)."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def aws_env(aws_emulator: Emulator) -> dict[str, str]:  # pylint: disable=redefined-outer-name
    """``os.environ`` plus the emulator's variables, without AWS_PROFILE: pass as ``env=`` to subprocesses."""
    return merged_env(aws_emulator.env())


@pytest.fixture
def aws_client(aws_emulator: Emulator) -> Callable[..., Any]:  # pylint: disable=redefined-outer-name
    """Factory: ``aws_client("ec2")`` returns a boto3 client talking to the emulator."""
    return aws_emulator.client
