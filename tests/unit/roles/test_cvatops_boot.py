# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""roles/cvat_docker/files/cvatops_boot.py: what cvat-boot-config and cvat-init-once share.

The scripts' own runs are in tests/hosts (test_boot_config_script.py, test_init_lock.py) and the
molecule scenario; here the shared helpers alone, and the scripts finding them as the units run them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FILES = Path(__file__).resolve().parents[3] / "roles" / "cvat_docker" / "files"


@pytest.fixture
def cvatops_boot(monkeypatch):
    monkeypatch.syspath_prepend(str(FILES))
    import cvatops_boot  # pylint: disable=import-outside-toplevel,import-error
    return cvatops_boot


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# as the user data writes it\nCVAT_STACK=prod\n\nAWS_REGION = eu-west-1 \n", {"CVAT_STACK": "prod", "AWS_REGION": "eu-west-1"}),
        ("URL=http://127.0.0.1:4566/?a=b\n", {"URL": "http://127.0.0.1:4566/?a=b"}),
        ("A=\"quoted value\"\nB='single'\nC=\"\nD=\"half'\n", {"A": "quoted value", "B": "single", "C": "\"", "D": "\"half'"}),
        ("no equals sign\nEMPTY=\n", {"EMPTY": ""}),
        ("K=first\nK=second\n", {"K": "second"}),
    ],
    ids=["comments and blanks", "equals in value", "quotes", "not a setting", "last wins"],
)
def test_read_env_file(cvatops_boot, tmp_path, text, expected):
    path = tmp_path / "stack.env"
    path.write_text(text, encoding="utf-8")
    assert cvatops_boot.read_env_file(str(path)) == expected


def test_logger_prefixes_the_script_name(cvatops_boot, capsys):
    cvatops_boot.logger("cvat-init-once")("lock 1 taken")
    assert capsys.readouterr().out == "cvat-init-once: lock 1 taken\n"


@pytest.mark.parametrize("script", ["cvat-boot-config", "cvat-init-once"])
def test_scripts_import_the_module_from_their_own_directory(script, tmp_path):
    """Installed as the role installs them (one directory, no package), run as their units run them."""
    libexec = tmp_path / "libexec"
    libexec.mkdir()
    for name in (script, "cvatops_boot.py"):
        shutil.copy2(FILES / name, libexec / name)
    result = subprocess.run([sys.executable, str(libexec / script), "--help"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    # Without the module beside it, the script cannot start: it takes no other copy.
    (libexec / "cvatops_boot.py").unlink()
    result = subprocess.run([sys.executable, str(libexec / script), "--help"], cwd=FILES, capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "cvatops_boot" in result.stderr
