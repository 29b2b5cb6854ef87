# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Managed by cvatops.aws.cvat_docker.
"""What the boot scripts of /usr/local/libexec/cvatops share (cvat-boot-config, cvat-init-once).

Installed beside them, not as a package: a script run as ``python3 /usr/local/libexec/cvatops/<script>``
has its own directory as sys.path[0], so ``import cvatops_boot`` finds this file and no other.
Standard library only: the scripts run with Debian's /usr/bin/python3 at boot.
"""

from __future__ import annotations

from collections.abc import Callable


def logger(name: str) -> Callable[[str], None]:
    """A function printing one progress line prefixed by the script's name, flushed for the journal."""

    def log(message: str) -> None:
        print(f"{name}: {message}", flush=True)

    return log


def read_env_file(path: str) -> dict[str, str]:
    """KEY=VALUE lines (systemd EnvironmentFile / compose --env-file syntax, no expansion)."""
    values = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key.strip()] = value
    return values
