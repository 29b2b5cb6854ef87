# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_server_info through ansible-playbook against the fake CVAT (every answer checked against the schema)."""

from __future__ import annotations


import pytest

from cvat.helpers import cvat_env, run
from infra.playbook import run_playbook, write_playbook

PLAYBOOK = """
- name: CVAT server info
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/cvatops.aws.cvat:
      cvat_url: "{{ url }}"
  tasks:
    - name: Read the server
      cvatops.aws.cvat_server_info:
        fail_on_unhealthy: "{{ strict | default(false) }}"
        cvat_token: "{{ token | default(omit) }}"
        cvat_retries: 2
      register: info
"""


@pytest.fixture
def playbook(tmp_path):
    return write_playbook(tmp_path, "server_info.yml", PLAYBOOK)


def test_version_and_health(fake_cvat, playbook):
    result = run(playbook, fake_cvat.url, "--check")
    assert result.returncode == 0, result.explain()
    info = result.result("Read the server")
    assert info["version"] == "2.73.0" and info["name"] == "Computer Vision Annotation Tool"
    assert info["healthy"] is True and info["changed"] is False
    assert set(info["health_checks"]) == {"Cache backend: default", "DatabaseBackend", "OPAHealthCheck"}
    # No credentials were needed, and none were sent.
    assert {call.auth for call in fake_cvat.calls} == {None}


def test_a_failing_check_is_reported_and_fails_only_when_asked(fake_cvat, playbook):
    fake_cvat.health["DatabaseBackend"] = "unavailable: Connection refused"
    reported = run(playbook, fake_cvat.url)
    assert reported.returncode == 0, reported.explain()
    assert reported.result("Read the server")["healthy"] is False
    strict = run(playbook, fake_cvat.url, strict=True)
    assert strict.returncode != 0
    assert strict.result("Read the server")["msg"] == "CVAT is not healthy: DatabaseBackend"


def test_retries_through_a_busy_server(fake_cvat, playbook):
    fake_cvat.fail_next("GET", "/api/server/about", 503, times=2)
    result = run(playbook, fake_cvat.url)
    assert result.returncode == 0, result.explain()
    assert len(fake_cvat.calls_to("GET", "/api/server/about")) == 3


def test_a_bad_token_is_one_clear_error_without_the_token(fake_cvat, playbook):
    result = run_playbook(playbook, cvat_env(), "-vvv",
                          extra_vars={"url": fake_cvat.url, "token": "wrong-token-0123456789"}, json_output=False, timeout=120)
    assert result.returncode != 0
    assert "CVAT GET /api/server/about: HTTP 401: Invalid token." in result.stdout
    assert "wrong-token-0123456789" not in result.stdout + result.stderr


def test_an_unreachable_url_is_one_clear_error(playbook):
    result = run(playbook, "http://127.0.0.1:9")
    assert result.returncode != 0
    assert result.result("Read the server")["msg"].startswith("Cannot reach CVAT at http://127.0.0.1:9 (GET /api/server/about):")


def test_a_url_that_is_no_url(playbook):
    result = run(playbook, "cvat.example.com")
    assert result.returncode != 0
    assert result.result("Read the server")["msg"] == "cvat_url must be an http(s) URL such as https://cvat.example.com, got 'cvat.example.com'"
