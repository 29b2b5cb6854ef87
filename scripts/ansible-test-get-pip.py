# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test creates each sanity venv without pip, then runs its cached get-pip script with
pip's options, e.g. ``pip==25.2 --no-setuptools --no-wheel``. The download host is not reachable
from every CI machine, so scripts/test caches this file under that name instead: pip comes from
the wheel bundled with CPython (ensurepip), then pip upgrades itself to the pinned version from
the configured package index.
"""
import ensurepip
import os
import subprocess
import sys


def main() -> int:
    # ensurepip points PIP_CONFIG_FILE at /dev/null in os.environ; keep the machine's pip
    # configuration (index, certificates) for the upgrade.
    env = dict(os.environ)
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    ensurepip.bootstrap(upgrade=True)
    return subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", *args], env=env)


if __name__ == "__main__":
    sys.exit(main())
