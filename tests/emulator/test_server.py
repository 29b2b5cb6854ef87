# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The in-process Emulator: free ports, loopback only, control endpoints, env for subprocesses."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from awsemu import patches
from awsemu.server import Emulator, merged_env

ClientFactory = Callable[..., Any]


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return dict(json.load(response))


def test_two_emulators_get_different_free_ports() -> None:
    """Port 0 means the OS picks a free port, so parallel sessions never collide."""
    with Emulator() as first, Emulator() as second:
        assert first.port != second.port
        assert 0 not in (first.port, second.port)
        for emulator in (first, second):
            assert _get_json(emulator.endpoint + "/_awsemu/health")["endpoint"] == emulator.endpoint


def test_stop_releases_the_port() -> None:
    """After stop() the port is free again, and a second stop() is harmless."""
    emulator = Emulator().start()
    port = emulator.port
    emulator.stop()
    emulator.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "192.0.2.10", "::"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    """The emulator accepts any credentials; it must never listen beyond the loopback interface."""
    with pytest.raises(ValueError, match="loopback"):
        Emulator(host=host)


def test_localhost_is_accepted() -> None:
    """A name is fine as long as it resolves to loopback only."""
    with Emulator(host="localhost") as emulator:
        assert emulator.endpoint.startswith("http://localhost:")


def test_health_and_unknown_control_path(aws_emulator: Emulator) -> None:
    """Health names the patches and the serving pid; unknown control paths are a JSON 404, not moto's."""
    health = _get_json(aws_emulator.endpoint + "/_awsemu/health")
    assert health["status"] == "ok"
    assert health["patches"] == [name for name in patches.available() if name not in patches.disabled()]
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(aws_emulator.endpoint + "/_awsemu/nope", timeout=10).close()  # pylint: disable=consider-using-with
    assert error.value.code == 404
    assert "no control endpoint" in json.load(error.value)["error"]


def test_reset_drops_emulated_resources(aws_emulator: Emulator, aws_client: ClientFactory) -> None:
    """reset() is moto's /moto-api/reset: every resource is gone afterwards."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="reset-me-bucket")
    aws_emulator.reset()
    assert s3.list_buckets()["Buckets"] == []


def test_env_points_at_the_emulator() -> None:
    """env() has fake credentials, the endpoint and /dev/null config files; merged_env drops profiles and tokens."""
    with Emulator() as emulator:
        env, endpoint = emulator.env(), emulator.endpoint
    assert env["AWS_ENDPOINT_URL"] == endpoint
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("testing", "testing")
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "us-east-1"
    assert env["AWS_SHARED_CREDENTIALS_FILE"] == env["AWS_CONFIG_FILE"] == "/dev/null"
    assert "AWS_PROFILE" not in env
    merged = merged_env(env, {"AWS_PROFILE": "production", "AWS_SESSION_TOKEN": "real", "PATH": "/usr/bin", "AWS_ACCESS_KEY_ID": "AKIAREAL"})
    assert "AWS_PROFILE" not in merged and "AWS_SESSION_TOKEN" not in merged
    assert (merged["PATH"], merged["AWS_ACCESS_KEY_ID"]) == ("/usr/bin", "testing")


def test_subprocess_with_aws_env_reaches_the_emulator(aws_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain boto3 subprocess (as ansible modules are) lands on the emulator even if a real profile was set."""
    monkeypatch.setenv("AWS_PROFILE", "production")
    aws_emulator.reset_counts()
    code = "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])"
    result = subprocess.run([sys.executable, "-c", code], env=merged_env(aws_emulator.env()), capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "123456789012"
    assert aws_emulator.counts() == {"sts": {"GetCallerIdentity": 1}}
