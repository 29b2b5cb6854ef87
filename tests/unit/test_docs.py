# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every plugin and role of the collection documents itself through ansible-doc, without warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DOC = Path(sys.executable).with_name("ansible-doc")

MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
FILTERS = sorted(p.stem for p in (REPO / "plugins" / "filter").glob("*.yml"))
ROLES = sorted(p.parent.parent.name for p in (REPO / "roles").glob("*/meta/argument_specs.yml"))


def _ansible_doc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"), ANSIBLE_NOCOLOR="1")
    return subprocess.run([str(ANSIBLE_DOC), *args], cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize(
    "plugin_type,name",
    [("module", m) for m in MODULES] + [("filter", f) for f in FILTERS] + [("role", r) for r in ROLES],
)
def test_ansible_doc_renders(plugin_type, name):
    result = _ansible_doc("-t", plugin_type, f"cvatops.aws.{name}")
    assert result.returncode == 0, result.stderr
    # ansible-core warns about its own internal _protomatter collection when listing roles; not ours.
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line and "_protomatter" not in line]
    assert warnings == [], result.stderr
    assert f"cvatops.aws.{name}" in result.stdout


def test_every_role_has_a_readme_and_a_preflight_entry_point():
    for role in ROLES:
        assert (REPO / "roles" / role / "README.md").is_file(), role
        assert "preflight:" in (REPO / "roles" / role / "meta" / "argument_specs.yml").read_text(), role
