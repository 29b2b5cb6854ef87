# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load balancer's optional paths, on a stack of their own in an emulator of their own.

An imported certificate, an OIDC login with a bypass for API clients (idempotent although AWS never
returns the client secret, and the secret never in output), a Cognito login, and the HTTP-only opt-in.
Only the roles the load balancer needs run (``--tags network,security,load_balancer``).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infra.playbook import PlaybookRun, run_playbook
from testcerts import make_certificate

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("load-balancer-options")]

ALB = "cvat-local-alb"
TAGS = "network,security,load_balancer"
CLIENT_SECRET = "oidc-client-secret-5f1c0e7d9a"
OIDC = {
    "issuer": "https://login.example.com",
    "authorization_endpoint": "https://login.example.com/authorize",
    "token_endpoint": "https://login.example.com/oauth/token",
    "user_info_endpoint": "https://login.example.com/userinfo",
    "client_id": "cvat",
}
COGNITO = {
    "user_pool_arn": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example",
    "user_pool_client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
    "user_pool_domain": "cvat-login",
}


@pytest.fixture(scope="module")
def certificate_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A self-signed certificate for cvat.example.com and its key, as an operator would have them in files."""
    folder = tmp_path_factory.mktemp("certificate")
    made = make_certificate("cvat.example.com", ca=None, backdate=datetime.timedelta(days=1))
    cert_file, key_file = folder / "cvat.pem", folder / "cvat.key"
    cert_file.write_bytes(made.pem)
    key_file.write_bytes(made.key_pem)
    return {"load_balancer_certificate_file": str(cert_file), "load_balancer_certificate_private_key_file": str(key_file)}


def _run(emulator: Any, extra_vars: dict[str, Any], *args: str) -> PlaybookRun:
    run = run_playbook("site.yml", emulator.env, "--tags", TAGS, *args, extra_vars=extra_vars)
    assert run.returncode == 0, run.explain()
    return run


def _listeners(emulator: Any) -> dict[int, dict[str, Any]]:
    elbv2 = emulator.client("elbv2")
    arn = elbv2.describe_load_balancers(Names=[ALB])["LoadBalancers"][0]["LoadBalancerArn"]
    return {listener["Port"]: listener for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}


@pytest.fixture(scope="module")
def oidc_vars(certificate_files: dict[str, str]) -> dict[str, Any]:
    return {
        **certificate_files,
        "load_balancer_certificate_request": False,
        "load_balancer_route53_manage_zone": False,
        "load_balancer_route53_zone": "",
        "load_balancer_certificate_validation_zone": "",
        "load_balancer_authentication": "oidc",
        "load_balancer_oidc": OIDC,
        "load_balancer_oidc_client_secret": CLIENT_SECRET,
        "load_balancer_authentication_bypass_paths": ["/api/*", "/static/*"],
    }


@pytest.fixture(scope="module")
def runs(own_emulator: Any, oidc_vars: dict[str, Any]) -> SimpleNamespace:
    """Every step recorded once (OIDC twice, Cognito twice, HTTP only): tests assert on the record."""
    steps = SimpleNamespace()
    steps.oidc_first = _run(own_emulator, oidc_vars)
    steps.oidc_second = _run(own_emulator, oidc_vars, "-vvv")
    steps.oidc_listeners = _listeners(own_emulator)
    https = steps.oidc_listeners[443]
    steps.oidc_rules = [r for r in own_emulator.client("elbv2").describe_rules(ListenerArn=https["ListenerArn"])["Rules"] if not r["IsDefault"]]
    [certificate] = https["Certificates"]
    steps.certificate = own_emulator.client("acm").describe_certificate(CertificateArn=certificate["CertificateArn"])["Certificate"]
    cognito_vars = {**oidc_vars, "load_balancer_authentication": "cognito", "load_balancer_cognito": COGNITO}
    steps.cognito_first = _run(own_emulator, cognito_vars)
    steps.cognito_second = _run(own_emulator, cognito_vars)
    steps.cognito_listeners = _listeners(own_emulator)
    http_vars = {
        "load_balancer_certificate_request": False,
        "load_balancer_allow_http_only": True,
        "load_balancer_route53_manage_zone": False,
        "load_balancer_route53_zone": "",
    }
    steps.http_only = _run(own_emulator, http_vars)
    steps.http_listeners = _listeners(own_emulator)
    return steps


def test_imported_certificate_is_on_the_https_listener(runs: SimpleNamespace) -> None:
    assert runs.certificate["Type"] == "IMPORTED" and runs.certificate["DomainName"] == "cvat.example.com"


def test_oidc_login_guards_cvat_and_api_paths_bypass_it(runs: SimpleNamespace) -> None:
    actions = sorted(runs.oidc_listeners[443]["DefaultActions"], key=lambda action: action["Order"])
    assert [a["Type"] for a in actions] == ["authenticate-oidc", "forward"]
    config = actions[0]["AuthenticateOidcConfig"]
    assert config["Issuer"] == OIDC["issuer"] and config["ClientId"] == "cvat" and config["OnUnauthenticatedRequest"] == "authenticate"
    assert "ClientSecret" not in config
    [rule] = runs.oidc_rules
    assert rule["Priority"] == "10"
    assert rule["Conditions"][0]["PathPatternConfig"]["Values"] == ["/api/*", "/static/*"]
    assert [a["Type"] for a in rule["Actions"]] == ["forward"]


def test_oidc_listener_is_idempotent_and_the_secrets_stay_hidden(runs: SimpleNamespace, certificate_files: dict[str, str]) -> None:
    assert runs.oidc_second.changed_tasks() == []
    key_line = Path(certificate_files["load_balancer_certificate_private_key_file"]).read_text().splitlines()[1]
    for run in (runs.oidc_first, runs.oidc_second):
        assert CLIENT_SECRET not in run.stdout + run.stderr
        assert key_line not in run.stdout + run.stderr


def test_cognito_replaces_the_oidc_login(runs: SimpleNamespace) -> None:
    assert [name.split(" : ", 1)[-1] for name in runs.cognito_first.changed_tasks()] == ["Application load balancer and its listeners"]
    actions = sorted(runs.cognito_listeners[443]["DefaultActions"], key=lambda action: action["Order"])
    assert [a["Type"] for a in actions] == ["authenticate-cognito", "forward"]
    assert actions[0]["AuthenticateCognitoConfig"]["UserPoolArn"] == COGNITO["user_pool_arn"]
    assert runs.cognito_second.changed_tasks() == []


def test_http_only_opt_in_serves_plain_http(runs: SimpleNamespace) -> None:
    assert set(runs.http_listeners) == {80}
    [action] = runs.http_listeners[80]["DefaultActions"]
    assert action["Type"] == "forward"
