# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_access_token_info through ansible-playbook against the fake CVAT."""

from __future__ import annotations

import pytest

from cvat import helpers
from cvat.helpers import cvat_playbook
from cvatfake import tokens
from infra.playbook import write_playbook

TASKS = """
- name: Tokens
  cvatops.aws.cvat_access_token_info: "{{ query }}"
  register: info
"""


@pytest.fixture
def playbook(tmp_path):
    return cvat_playbook(tmp_path, "CVAT tokens", TASKS)


def test_tokens_by_name_and_self_never_with_values(fake_cvat, playbook):
    mine = tokens.issue(fake_cvat, "admin", "cvatops-prod", expiry_date="2027-12-01T00:00:00.000000Z")
    other = tokens.issue(fake_cvat, "admin", "cvatops-prod-old")
    tokens.issue(fake_cvat, "someone", "cvatops-prod")  # another user's: CVAT does not list it

    named = helpers.run(playbook, fake_cvat, "-v", query={"name": "cvatops-prod"}, token=mine["value"])
    assert named.returncode == 0, named.explain()
    assert [(t["id"], t["owner"], t["expiry_date"]) for t in named.result("Tokens")["access_tokens"]] == [
        (mine["id"], "admin", "2027-12-01T00:00:00.000000Z")]

    everything = helpers.run(playbook, fake_cvat, query={}, token=mine["value"])
    assert [t["id"] for t in everything.result("Tokens")["access_tokens"]] == [mine["id"], other["id"]]

    itself = helpers.run(playbook, fake_cvat, query={"self_only": True}, token=other["value"])
    assert [t["name"] for t in itself.result("Tokens")["access_tokens"]] == ["cvatops-prod-old"]
    for run in (named, everything, itself):
        assert mine["value"] not in run.stdout and other["value"] not in run.stdout
    assert [c.method for c in fake_cvat.calls] == ["GET"] * len(fake_cvat.calls)


def test_self_needs_a_token(fake_cvat, tmp_path):
    playbook = write_playbook(tmp_path, "self.yml", """
        - name: Basic auth only
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Tokens
              cvatops.aws.cvat_access_token_info:
                cvat_url: "{{ url }}"
                cvat_username: admin
                cvat_password: admin-password
                self_only: true
        """)
    result = helpers.run(playbook, fake_cvat)
    assert result.returncode != 0
    assert result.result("Tokens")["msg"] == "self_only is True but all of the following are missing: cvat_token"
    assert fake_cvat.calls == []
