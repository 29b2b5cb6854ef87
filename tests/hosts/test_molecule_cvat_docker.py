# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``molecule test -s cvat_docker``: the role cvatops.aws.cvat_docker converged twice on a real Debian 12 host.

The host is a privileged podman container booting systemd (tests/hosts/testhost.py builds its image
with debootstrap). It shares this machine's network namespace, so the converge reaches this test's
file server and the AWS emulator at 127.0.0.1. Without podman, runc, debootstrap or root the test is
skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hosts import testhost

pytestmark = [pytest.mark.host, pytest.mark.xdist_group("test-host")]

SCENARIO = "cvat_docker"
SCENARIO_DIR = testhost.REPO / "molecule" / SCENARIO
# What the test's loopback file server serves: CVAT's compose files as <release>/docker-compose.yml, the
# layout of CVAT's repository at a release tag.
HTTP_ROOT = Path(os.environ.get("MOLECULE_CVAT_DOCKER_HTTP_ROOT", testhost.REPO / "tests" / "fixtures" / "cvat-release"))
MOLECULE = Path(sys.executable).with_name("molecule")
TIMEOUT = int(os.environ.get("CVATOPS_MOLECULE_TIMEOUT", "1800"))


def _require_test_host() -> None:
    missing = testhost.missing_requirements()
    if not missing:
        return
    message = "no test host on this machine, missing: " + "; ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: nothing may be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def file_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server for HTTP_ROOT: (base URL, paths requested so far)."""
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(HTTP_ROOT)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()


def _links() -> set[str]:
    """Network interfaces of this machine (the host container must not add any: docker0, br-*)."""
    out = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=False).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line}


def molecule_env(image: str, http_url: str, aws_env: dict[str, str]) -> dict[str, str]:
    """The environment of ``molecule test -s cvat_docker`` (aws_env: os.environ plus the emulator's variables)."""
    env = testhost.podman_env(aws_env)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([venv_bin, env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")])
    # molecule writes its own ansible.cfg; the checkout's (local inventory) must not win over it.
    env.pop("ANSIBLE_CONFIG", None)
    env.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": str(testhost.REPO / ".cache" / "collections"),
            "ANSIBLE_FORCE_COLOR": "false",
            "PY_COLORS": "0",
            "NO_COLOR": "1",
            "MOLECULE_PROJECT_DIRECTORY": str(testhost.REPO),
            "MOLECULE_CVAT_DOCKER_IMAGE": image,
            "MOLECULE_CVAT_DOCKER_COMPOSE_PLUGIN_SRC": str(testhost.compose_plugin_src()),
            "MOLECULE_CVAT_DOCKER_HTTP_URL": http_url,
            "MOLECULE_CVAT_DOCKER_AWS_ENDPOINT_URL": aws_env["AWS_ENDPOINT_URL"],
        }
    )
    return env


def test_molecule_cvat_docker(file_server, aws_env):
    _require_test_host()
    image = testhost.ensure_image()
    print(f"\ntest image {image.describe()}")

    http_url, requested = file_server
    env = molecule_env(image.name, http_url, aws_env)
    links_before = _links()
    start = time.monotonic()
    run = subprocess.run(
        [str(MOLECULE), "test", "-s", SCENARIO], cwd=testhost.REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    seconds = time.monotonic() - start
    output = run.stdout + run.stderr
    print(f"molecule test -s {SCENARIO}: exit {run.returncode} in {seconds:.1f} s; image {image.describe()}; files served: {requested}")

    assert run.returncode == 0, f"molecule test -s {SCENARIO} exited {run.returncode} after {seconds:.0f} s\n{output[-20000:]}"
    # molecule fails the run on a non-idempotent converge; make sure the step ran at all.
    assert re.search(rf"{SCENARIO} > idempotence\]? Executed: Successful", output), f"no successful idempotence step in the output\n{output[-20000:]}"
    assert "Idempotence test failed" not in output, output[-20000:]
    leaked = _links() - links_before
    assert not leaked, f"the test host added network interfaces to this machine: {sorted(leaked)}"
