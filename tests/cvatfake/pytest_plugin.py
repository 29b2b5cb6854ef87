# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fake_cvat`` fixture: a fresh fake CVAT per test; a test fails if anything broke the contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import FakeCvat


@pytest.fixture
def fake_cvat() -> Iterator[FakeCvat]:
    with FakeCvat() as fake:
        yield fake
        assert fake.violations == [], "requests or answers against CVAT's schema:\n" + "\n".join(fake.violations)
