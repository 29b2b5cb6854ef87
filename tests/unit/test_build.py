# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Galaxy users get: the built collection holds the content and none of the tooling."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_built_collection_contains_content_and_no_tooling(tmp_path):
    galaxy = Path(sys.executable).with_name("ansible-galaxy")
    subprocess.run([str(galaxy), "collection", "build", "--output-path", str(tmp_path), str(REPO)], check=True, capture_output=True, timeout=120)
    (artifact,) = tmp_path.glob("cvatops-aws-*.tar.gz")
    with tarfile.open(artifact) as tar:
        names = tar.getnames()
    tops = {name.split("/")[0] for name in names}
    assert {"roles", "plugins", "playbooks", "meta", "README.md", "requirements.txt", "requirements.yml"} <= tops
    assert not tops & {"tests", "scripts", ".venv", ".cache", ".ci", "Makefile", "constraints-dev.txt", "ansible.cfg", ".git"}
    assert "inventories/local" not in {n.rsplit("/", 1)[0] for n in names if n.count("/") >= 1}
    assert "roles/network/meta/argument_specs.yml" in names
