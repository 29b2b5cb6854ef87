# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvat-boot-config (roles/cvat_docker/files) against the AWS emulator: the contract read back into files.

The script is what a CVAT host runs at boot with its instance role; here it runs on the test machine
with the emulator as its AWS endpoint and the paths of its image configuration moved into a temporary
directory. EFS is not mounted (there is none here) and the CloudWatch agent is configured but not
started (it is not installed): both are switched off the same way the molecule scenario switches them.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from awsemu.server import Emulator

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "roles" / "cvat_docker" / "files" / "cvat-boot-config"
STACK = "boot-test"
PARAMETERS = {
    "cvat/host": "cvat.boot.test",
    "cvat/version": "v2.73.0",
    "aws/region": "us-east-1",
    "database/host": "boot-test-db.abc.us-east-1.rds.amazonaws.com",
    "database/port": "5432",
    "database/name": "cvat",
    "database/user": "cvat",
    "redis/host": "boot-test-redis.abc.cache.amazonaws.com",
    "redis/port": "6379",
    "efs/file-system-id": "fs-0123456789abcdef0",
    "efs/access-point-id": "fsap-0123456789abcdef0",
    "s3/raw-data-bucket": "boot-test-raw",
    "s3/annotations-bucket": "boot-test-annotations",
    "logs/group-prefix": "/cvat/boot-test",
}
SECRETS = {
    "database": {"username": "cvat", "password": "db-Pa55word-0123456789abcdefXYZ"},
    "django-secret-key": {"secret_key": "dj-Secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"},
    "admin": {"username": "admin", "email": "ops@boot.test", "password": "adm-Pa55-0123456789abcdefghij"},
}
SECRET_VALUES = ("db-Pa55word-0123456789abcdefXYZ", "dj-Secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "adm-Pa55-0123456789abcdefghij")


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as running:
        yield running


@pytest.fixture
def contract(emulator):
    """The stack's parameters and secrets, written fresh for each test."""
    emulator.reset()
    ssm, secrets = emulator.client("ssm"), emulator.client("secretsmanager")
    for name, value in PARAMETERS.items():
        ssm.put_parameter(Name=f"/cvat/{STACK}/{name}", Value=value, Type="String")
    for name, value in SECRETS.items():
        secrets.create_secret(Name=f"cvat/{STACK}/{name}", SecretString=json.dumps(value))
    return ssm, secrets


@pytest.fixture
def host(tmp_path, emulator):
    """An image configuration (cvatops.json) and a stack file (user data) under tmp_path."""
    etc = tmp_path / "etc"
    (etc / "secrets").mkdir(parents=True, mode=0o700)
    (etc / "keys").mkdir(mode=0o750)
    (etc / "cloudwatch-agent.json.in").write_text(json.dumps({"logs": {"group": "@LOG_GROUP_PREFIX@/cvat"}}))
    conf = {
        "cvat_version": "v2.73.0",
        "data_dir": str(tmp_path / "data"),
        "env_file": str(etc / "cvat.env"),
        "postgres_password_file": str(etc / "secrets" / "postgres_password"),
        "secret_key_file": str(etc / "keys" / "secret_key.py"),
        "container_gid": 1000,
        "num_proxies": 2,
        "efs": {"mount": False},
        "superuser": {"enabled": True, "secret": "admin", "file": str(etc / "secrets" / "admin.json")},
        "ldap": {"enabled": False},
        "cloudwatch_agent": {"enabled": True, "start": False, "template": str(etc / "cloudwatch-agent.json.in"), "config": str(tmp_path / "agent.json")},
    }
    (etc / "cvatops.json").write_text(json.dumps(conf))
    (etc / "stack.env").write_text(
        f"CVAT_STACK={STACK}\nCVAT_PARAMETER_PREFIX=/cvat/{STACK}\nCVAT_SECRET_PREFIX=cvat/{STACK}\n"
        f"AWS_REGION=us-east-1\nAWS_DEFAULT_REGION=us-east-1\nAWS_ENDPOINT_URL={emulator.endpoint}\n"
    )
    return tmp_path, etc


def boot(etc: Path, emulator) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--config", str(etc / "cvatops.json"), "--stack-env", str(etc / "stack.env")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def mode_of(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for value in SECRET_VALUES:
            assert value not in text


def test_boot_writes_the_contract_into_files_with_tight_modes(contract, host, emulator):
    tmp_path, etc = host
    result = boot(etc, emulator)
    assert result.returncode == 0, result.stderr
    assert_no_secret(result.stdout, result.stderr)

    env_text = (etc / "cvat.env").read_text()
    env = dict(line.split("=", 1) for line in env_text.splitlines() if line and not line.startswith("#"))
    assert env["CVAT_HOST"] == "cvat.boot.test"
    assert env["CVAT_POSTGRES_HOST"] == PARAMETERS["database/host"] and env["CVAT_POSTGRES_PORT"] == "5432"
    assert env["CVAT_REDIS_INMEM_HOST"] == PARAMETERS["redis/host"]
    assert env["PGSSLMODE"] == "require" and env["CVAT_NUM_PROXIES"] == "2"
    assert env["CVAT_POSTGRES_PASSWORD_FILE"] == str(etc / "secrets" / "postgres_password")
    assert_no_secret(env_text)

    assert (etc / "secrets" / "postgres_password").read_text() == SECRETS["database"]["password"]
    assert (etc / "keys" / "secret_key.py").read_text() == f"SECRET_KEY = {SECRETS['django-secret-key']['secret_key']!r}\n"
    assert json.loads((etc / "secrets" / "admin.json").read_text()) == SECRETS["admin"]
    root = os.geteuid() == 0
    assert mode_of(etc / "cvat.env")[0] == 0o600
    assert mode_of(etc / "secrets" / "admin.json")[0] == 0o600
    for secret_file in (etc / "secrets" / "postgres_password", etc / "keys" / "secret_key.py"):
        mode, uid, gid = mode_of(secret_file)
        assert mode == 0o440
        if root:
            assert (uid, gid) == (0, 1000)
    assert json.loads((tmp_path / "agent.json").read_text()) == {"logs": {"group": "/cvat/boot-test/cvat"}}

    # A second boot (a reboot) rewrites the same content.
    again = boot(etc, emulator)
    assert again.returncode == 0, again.stderr
    assert (etc / "cvat.env").read_text() == env_text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda ssm, sm: ssm.put_parameter(Name=f"/cvat/{STACK}/cvat/version", Value="v2.80.0", Type="String", Overwrite=True),
         "the stack runs CVAT v2.80.0 but this image was baked for v2.73.0"),
        (lambda ssm, sm: ssm.delete_parameter(Name=f"/cvat/{STACK}/redis/host"), f"/cvat/{STACK}/redis/host"),
        (lambda ssm, sm: sm.delete_secret(SecretId=f"cvat/{STACK}/django-secret-key", ForceDeleteWithoutRecovery=True),
         f"cvat/{STACK}/django-secret-key"),
        (lambda ssm, sm: sm.put_secret_value(SecretId=f"cvat/{STACK}/database", SecretString=json.dumps({"username": "cvat"})),
         f"secret cvat/{STACK}/database lacks the key(s) password"),
    ],
    ids=["other release", "parameter missing", "secret missing", "secret without its key"],
)
def test_a_broken_contract_stops_the_boot_and_says_why(change, message, contract, host, emulator):
    _tmp, etc = host
    change(*contract)
    result = boot(etc, emulator)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (etc / "cvat.env").exists()
    assert_no_secret(result.stdout, result.stderr)


def test_the_stack_file_must_name_the_prefixes(contract, host, emulator):
    _tmp, etc = host
    (etc / "stack.env").write_text("CVAT_STACK=boot-test\nAWS_REGION=us-east-1\n")
    result = boot(etc, emulator)
    assert result.returncode == 1 and "CVAT_PARAMETER_PREFIX is not set" in result.stderr
