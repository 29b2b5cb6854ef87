# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Root test configuration: make tests/ importable (for awsemu) and load the emulator and PostgreSQL fixtures."""

import sys
from pathlib import Path

TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

pytest_plugins = ["awsemu.pytest_plugin", "pgserver", "cvatfake.pytest_plugin"]
