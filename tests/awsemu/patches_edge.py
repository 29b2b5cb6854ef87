# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for the edge tier; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

The tests are in ``tests/emulator/test_patches_edge.py``.
"""

from __future__ import annotations

import copy
import functools
import random
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported

# --- ELBv2 ----------------------------------------------------------------------------------------

# What DescribeLoadBalancerAttributes reports for a new Application Load Balancer.
_ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "load_balancing.cross_zone.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}


@_patch
def elbv2_alb_default_attributes() -> None:
    """DescribeLoadBalancerAttributes of an Application Load Balancer reports every attribute, defaults included.

    (a) AWS: a new ALB reports ``access_logs.s3.enabled=false``, ``idle_timeout.timeout_seconds=60``,
        ``routing.http2.enabled=true``, ``routing.http.desync_mitigation_mode=defensive``,
        ``routing.http.drop_invalid_header_fields.enabled=false``, ``waf.fail_open.enabled=false``,
        ``load_balancing.cross_zone.enabled=true`` (always on for ALBs) and the other ALB attributes.
    (b) moto 5.2.5 reports only the access-log bucket and prefix, deletion protection and
        ``load_balancing.cross_zone.enabled=false``; the other keys are missing until set.
    (c) amazon.aws.elb_application_lb reads ``access_logs_s3_enabled`` (and the other keys) from the
        attributes: KeyError on the first run of any ALB.
    """

    def fix(elbv2_models: ModuleType) -> None:
        original = elbv2_models.FakeLoadBalancer.__init__

        @functools.wraps(original)
        def init(balancer: Any, *args: Any, **kwargs: Any) -> None:
            original(balancer, *args, **kwargs)
            if balancer.type == "application":
                balancer.attrs = {**_ALB_DEFAULT_ATTRIBUTES, **{k: v for k, v in balancer.attrs.items() if k != "load_balancing.cross_zone.enabled"}}

        elbv2_models.FakeLoadBalancer.__init__ = init

    _when_imported("moto.elbv2.models", fix)


# What DescribeTargetGroupAttributes reports for a new HTTP/HTTPS target group besides moto's own keys.
_TARGET_GROUP_HTTP_DEFAULT_ATTRIBUTES = {
    "stickiness.lb_cookie.duration_seconds": "86400",
    "stickiness.app_cookie.cookie_name": "",
    "stickiness.app_cookie.duration_seconds": "86400",
    "load_balancing.algorithm.anomaly_mitigation": "off",
}


@_patch
def elbv2_target_group_default_attributes() -> None:
    """DescribeTargetGroupAttributes of an HTTP(S) target group reports the stickiness defaults.

    (a) AWS: a new HTTP or HTTPS target group reports ``stickiness.lb_cookie.duration_seconds=86400``,
        ``stickiness.app_cookie.cookie_name=""``, ``stickiness.app_cookie.duration_seconds=86400``
        and ``load_balancing.algorithm.anomaly_mitigation=off`` beside ``stickiness.enabled=false``.
    (b) moto 5.2.5 leaves these keys out until they are set.
    (c) community.aws.elb_target_group with ``stickiness_lb_cookie_duration`` or
        ``stickiness_app_cookie_duration`` reads them: KeyError on the first run.
    """

    def fix(elbv2_models: ModuleType) -> None:
        original = elbv2_models.FakeTargetGroup.__init__

        @functools.wraps(original)
        def init(target_group: Any, *args: Any, **kwargs: Any) -> None:
            original(target_group, *args, **kwargs)
            if target_group.protocol in ("HTTP", "HTTPS"):
                for key, value in _TARGET_GROUP_HTTP_DEFAULT_ATTRIBUTES.items():
                    target_group.attributes.setdefault(key, value)

        elbv2_models.FakeTargetGroup.__init__ = init

    _when_imported("moto.elbv2.models", fix)


@_patch
def elbv2_deletion_protection() -> None:
    """DeleteLoadBalancer refuses a load balancer whose deletion protection is enabled.

    (a) AWS: with ``deletion_protection.enabled=true`` DeleteLoadBalancer fails with
        OperationNotPermitted; the load balancer and its listeners stay. After
        ModifyLoadBalancerAttributes sets it back to ``false`` the deletion works.
    (b) moto 5.2.5 deletes the load balancer anyway.
    (c) amazon.aws.elb_application_lb with ``state: absent`` on a protected ALB: on AWS it deletes
        every listener and then fails; stock moto reports success, so a teardown test passes here and
        fails (leaving a listener-less ALB) on AWS.
    """

    def fix(elbv2_models: ModuleType) -> None:
        original = elbv2_models.ELBv2Backend.delete_load_balancer

        @functools.wraps(original)
        def delete_load_balancer(backend: Any, arn: str) -> None:
            balancer = backend.load_balancers.get(arn)
            if balancer is not None and str(balancer.attrs.get("deletion_protection.enabled", "false")).lower() == "true":
                raise elbv2_models.RESTError("OperationNotPermitted", f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled")
            original(backend, arn)

        elbv2_models.ELBv2Backend.delete_load_balancer = delete_load_balancer

    _when_imported("moto.elbv2.models", fix)


# Route 53 hosted zone of the Application Load Balancers of each region (AWS General Reference,
# "Elastic Load Balancing endpoints"); other regions keep moto's placeholder.
_ALB_HOSTED_ZONES = {
    "us-east-1": "Z35SXDOTRQ7X7K",
    "us-east-2": "Z3AADJGX6KTTL2",
    "us-west-1": "Z368ELLRRE2KJ0",
    "us-west-2": "Z1H1FL5HABSF5",
    "ca-central-1": "ZQSVJUPU6J1EY",
    "eu-central-1": "Z215JYRZR1TBD5",
    "eu-west-1": "Z32O12XQLNTSW2",
    "eu-west-2": "ZHURV8PSTC4K8",
    "eu-west-3": "Z3Q77PNBQS71R4",
    "eu-north-1": "Z23TAZ6LKFMNIO",
    "ap-south-1": "ZP97RAFLXTNZK",
    "ap-northeast-1": "Z14GRHDCWA56QT",
    "ap-northeast-2": "ZWKZPGTI48KDX",
    "ap-southeast-1": "Z1LMS91P8CMLE5",
    "ap-southeast-2": "Z1GM3OXH4ZPM65",
    "sa-east-1": "Z2P70J7HTTTPLU",
}


@_patch
def elbv2_alb_dns_name() -> None:
    """An Application Load Balancer has its region's canonical hosted zone and a DNS name of its own.

    (a) AWS: ``CanonicalHostedZoneId`` of an ALB is the ELB zone of its region (``Z35SXDOTRQ7X7K`` in
        us-east-1) and ``DNSName`` is ``NAME-NNNNNNNNNN.REGION.elb.amazonaws.com`` (``internal-`` in front
        for an internal scheme), different for every load balancer, also one re-created with the same name.
    (b) moto 5.2.5 answers ``Z2P70J7EXAMPLE`` everywhere and ``NAME-1.REGION.elb.amazonaws.com``.
    (c) amazon.aws.route53 alias records built from the ALB carry a hosted zone id that AWS does not know,
        and a replaced ALB keeps its DNS name, so a test can not see whether the record follows it.
    """

    def fix(elbv2_models: ModuleType) -> None:
        original = elbv2_models.FakeLoadBalancer.__init__

        @functools.wraps(original)
        def init(balancer: Any, *args: Any, **kwargs: Any) -> None:
            original(balancer, *args, **kwargs)
            if balancer.type != "application":
                return
            region = balancer.arn.split(":")[3]
            prefix = "internal-" if balancer.scheme == "internal" else ""
            balancer.dns_name = f"{prefix}{balancer.name}-{random.randint(10**9, 10**10 - 1)}.{region}.elb.amazonaws.com"
            balancer.canonical_hosted_zone_id = _ALB_HOSTED_ZONES.get(region, balancer.canonical_hosted_zone_id)

        elbv2_models.FakeLoadBalancer.__init__ = init

    _when_imported("moto.elbv2.models", fix)


@_patch
def elbv2_forward_config() -> None:
    """A forward action given by TargetGroupArn is described with its ForwardConfig too.

    (a) AWS: an action ``{Type: forward, TargetGroupArn: ARN}`` is reported with
        ``ForwardConfig: {TargetGroups: [{TargetGroupArn: ARN, Weight: 1}],
        TargetGroupStickinessConfig: {Enabled: false}}`` beside ``TargetGroupArn``.
    (b) moto 5.2.5 returns the action as it was sent, without ``ForwardConfig``.
    (c) amazon.aws.elb_application_lb (and elb_application_lb_info users) must drop that redundant
        ``ForwardConfig`` before comparing listener actions; stock moto never exercises that path, so an
        idempotence test here proves nothing about it.
    """

    def fix(elbv2_models: ModuleType) -> None:
        original = elbv2_models.FakeAction.__init__

        @functools.wraps(original)
        def init(action: Any, data: dict[str, Any]) -> None:
            if data.get("Type") == "forward" and data.get("TargetGroupArn") and "ForwardConfig" not in data:
                data["ForwardConfig"] = {"TargetGroups": [{"TargetGroupArn": data["TargetGroupArn"]}]}
            original(action, data)

        elbv2_models.FakeAction.__init__ = init

    _when_imported("moto.elbv2.models", fix)


# The defaults that AWS fills in (and then reports) for the optional members of the authenticate actions.
_AUTHENTICATE_DEFAULTS: dict[str, Any] = {
    "SessionCookieName": "AWSELBAuthSessionCookie",
    "Scope": "openid",
    "SessionTimeout": 604800,
    "OnUnauthenticatedRequest": "authenticate",
}
_AUTHENTICATE_CONFIG_KEYS = {"authenticate-oidc": "AuthenticateOidcConfig", "authenticate-cognito": "AuthenticateCognitoConfig"}


@_patch
def elbv2_authenticate_action_defaults() -> None:
    """authenticate-oidc and authenticate-cognito actions report the defaults of their optional settings.

    (a) AWS: an action created without ``SessionCookieName``, ``Scope``, ``SessionTimeout`` or
        ``OnUnauthenticatedRequest`` is stored (and described) with ``AWSELBAuthSessionCookie``,
        ``openid``, ``604800`` and ``authenticate``.
    (b) moto 5.2.5 stores and returns the action exactly as it was sent.
    (c) amazon.aws.elb_application_lb fills these defaults in for authenticate-oidc before comparing,
        but not for authenticate-cognito: on AWS a Cognito listener that leaves them out is modified
        (changed) on every run, which stock moto hides.
    """

    def fix(elbv2_models: ModuleType) -> None:
        original = elbv2_models.FakeAction.__init__

        @functools.wraps(original)
        def init(action: Any, data: dict[str, Any]) -> None:
            config = data.get(_AUTHENTICATE_CONFIG_KEYS.get(str(data.get("Type")), ""))
            if isinstance(config, dict):
                for key, value in _AUTHENTICATE_DEFAULTS.items():
                    config.setdefault(key, value)
            original(action, data)

        elbv2_models.FakeAction.__init__ = init

    _when_imported("moto.elbv2.models", fix)


def _oidc_config(action: Any) -> dict[str, Any] | None:
    """The AuthenticateOidcConfig of a FakeAction or of an action dict from a request, else None."""
    data = action if isinstance(action, dict) else getattr(action, "data", {})
    config = data.get("AuthenticateOidcConfig") if data.get("Type") == "authenticate-oidc" else None
    return config if isinstance(config, dict) else None


def _check_oidc_secrets(actions: list[dict[str, Any]] | None, existing_secret: str | None, creating: bool, error: Any) -> str | None:
    """Validate the client secrets of the authenticate-oidc actions of a request as AWS does.

    Returns the stored secret that an action asking for UseExistingClientSecret keeps (None if none asks).
    """
    kept = None
    for action in actions or []:
        config = _oidc_config(action)
        if config is None:
            continue
        secret, use_existing = config.get("ClientSecret"), str(config.get("UseExistingClientSecret", False)).lower() == "true"
        if secret and use_existing:
            raise error("You cannot both specify a client secret and set UseExistingClientSecret to true")
        if use_existing and (creating or existing_secret is None):
            raise error("UseExistingClientSecret can only be used when modifying an authenticate-oidc action that has a client secret")
        if not secret and not use_existing:
            raise error("A client secret must be specified for the authenticate-oidc action")
        if use_existing:
            kept = existing_secret
    return kept


def _hide_oidc_secrets(actions: list[Any], kept_secret: str | None) -> None:
    """Move the client secret of stored authenticate-oidc actions out of what Describe* reports."""
    for action in actions:
        config = _oidc_config(action)
        if config is None:
            continue
        secret = config.pop("ClientSecret", None)
        use_existing = config.pop("UseExistingClientSecret", None)
        if str(use_existing).lower() == "true":
            secret = kept_secret
        if secret is not None:
            action.awsemu_client_secret = secret


def _stored_oidc_secret(actions: list[Any]) -> str | None:
    """The client secret kept for the authenticate-oidc action among ``actions`` (a rule has at most one)."""
    for action in actions:
        if _oidc_config(action) is not None:
            return getattr(action, "awsemu_client_secret", None)
    return None


@_patch
def elbv2_oidc_client_secret() -> None:
    """The OIDC client secret of a listener or rule is kept but never reported; UseExistingClientSecret reuses it.

    (a) AWS: CreateListener/CreateRule need ``AuthenticateOidcConfig.ClientSecret``; ModifyListener/ModifyRule
        accept either a new ``ClientSecret`` or ``UseExistingClientSecret: true`` (which keeps the stored
        secret), and refuse both at once (InvalidLoadBalancerAction). Describe*, Create* and Modify* never
        return ``ClientSecret`` nor ``UseExistingClientSecret``.
    (b) moto 5.2.5 stores the action as sent and returns it: the secret (or ``UseExistingClientSecret``
        instead of it) comes back in DescribeListeners and DescribeRules, and ``UseExistingClientSecret``
        drops the stored secret.
    (c) amazon.aws.elb_application_lb compares listener actions assuming AWS's answer (it adds
        ``UseExistingClientSecret: true`` to what it reads). With stock moto a listener created with both
        settings, or with only ``UseExistingClientSecret``, "works" although AWS refuses both, and a run
        with ``UseExistingClientSecret`` loses the stored secret.
    """

    def fix(elbv2_models: ModuleType) -> None:
        backend_class = elbv2_models.ELBv2Backend
        error = elbv2_models.InvalidLoadBalancerActionException
        original_create_listener = backend_class.create_listener
        original_create_rule = backend_class.create_rule
        original_modify_listener = backend_class.modify_listener
        original_modify_rule = backend_class.modify_rule

        @functools.wraps(original_create_listener)
        def create_listener(
            backend: Any,
            load_balancer_arn: str,
            protocol: str,
            port: str,
            ssl_policy: str,
            certificate: str | None,
            actions: list[dict[str, Any]],
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            _check_oidc_secrets(actions, None, True, error)
            listener = original_create_listener(backend, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs)
            _hide_oidc_secrets(listener.default_actions, None)
            return listener

        @functools.wraps(original_create_rule)
        def create_rule(
            backend: Any, listener_arn: str, conditions: list[dict[str, Any]], priority: int, actions: list[dict[str, Any]], *args: Any, **kwargs: Any
        ) -> Any:
            _check_oidc_secrets(actions, None, True, error)
            rule = original_create_rule(backend, listener_arn, conditions, priority, actions, *args, **kwargs)
            _hide_oidc_secrets(rule.actions, None)
            return rule

        @functools.wraps(original_modify_listener)
        def modify_listener(
            backend: Any,
            arn: str,
            port: str | None = None,
            protocol: str | None = None,
            ssl_policy: str | None = None,
            certificates: list[dict[str, Any]] | None = None,
            actions: list[dict[str, Any]] | None = None,
        ) -> Any:
            listener = backend.describe_listeners(load_balancer_arn=None, listener_arns=[arn])[0]
            kept = _check_oidc_secrets(actions, _stored_oidc_secret(listener.default_actions), False, error)
            listener = original_modify_listener(backend, arn, port, protocol, ssl_policy, certificates, actions)
            if actions:
                _hide_oidc_secrets(listener.default_actions, kept)
            return listener

        @functools.wraps(original_modify_rule)
        def modify_rule(backend: Any, rule_arn: str, conditions: list[dict[str, Any]], actions: list[dict[str, Any]]) -> Any:
            rule = backend.describe_rules(listener_arn=None, rule_arns=[rule_arn])[0]
            kept = _check_oidc_secrets(actions, _stored_oidc_secret(rule.actions), False, error)
            rule = original_modify_rule(backend, rule_arn, conditions, actions)
            if actions:
                _hide_oidc_secrets(rule.actions, kept)
            return rule

        backend_class.create_listener = create_listener
        backend_class.create_rule = create_rule
        backend_class.modify_listener = modify_listener
        backend_class.modify_rule = modify_rule

    _when_imported("moto.elbv2.models", fix)


_CONDITION_CONFIG_KEYS = {"host-header": "HostHeaderConfig", "path-pattern": "PathPatternConfig"}


def _both_condition_forms(conditions: list[dict[str, Any]] | None) -> None:
    """Give every host-header and path-pattern condition both ``Values`` and its ``*Config.Values``, in place."""
    for condition in conditions or []:
        config_key = _CONDITION_CONFIG_KEYS.get(str(condition.get("Field")))
        if config_key is None:
            continue
        values = condition.get("Values") or (condition.get(config_key) or {}).get("Values") or []
        condition["Values"] = list(values)
        condition.setdefault(config_key, {})["Values"] = list(values)


@_patch
def elbv2_rule_condition_values() -> None:
    """host-header and path-pattern rule conditions are described in both forms, ``Values`` and ``*Config``.

    (a) AWS: a condition created as ``{Field: path-pattern, Values: [...]}`` or as
        ``{Field: path-pattern, PathPatternConfig: {Values: [...]}}`` is described with both ``Values`` and
        ``PathPatternConfig.Values`` (likewise ``HostHeaderConfig`` for host-header).
    (b) moto 5.2.5 describes the condition only in the form it was created with.
    (c) amazon.aws.elb_application_lb reads ``Values`` of a described condition whenever the playbook's
        condition lacks the ``*Config`` form (and vice versa): a rule created in one form and then written
        in the other fails with KeyError 'Values' on stock moto, and is compared fine on AWS.
    """

    def fix(elbv2_models: ModuleType) -> None:
        backend_class = elbv2_models.ELBv2Backend
        original_create_rule = backend_class.create_rule
        original_modify_rule = backend_class.modify_rule

        @functools.wraps(original_create_rule)
        def create_rule(backend: Any, *args: Any, **kwargs: Any) -> Any:
            rule = original_create_rule(backend, *args, **kwargs)
            _both_condition_forms(rule.conditions)
            return rule

        @functools.wraps(original_modify_rule)
        def modify_rule(backend: Any, *args: Any, **kwargs: Any) -> Any:
            rule = original_modify_rule(backend, *args, **kwargs)
            _both_condition_forms(rule.conditions)
            return rule

        backend_class.create_rule = create_rule
        backend_class.modify_rule = modify_rule

    _when_imported("moto.elbv2.models", fix)


# --- EC2 launch templates -------------------------------------------------------------------------


@_patch
def ec2_launch_template_own_tags() -> None:
    """The tags of a launch template itself stay out of its version data.

    (a) AWS: ``CreateLaunchTemplate(TagSpecifications=[{ResourceType: launch-template, ...}])`` tags
        the template; ``LaunchTemplateData.TagSpecifications`` of version 1 holds only what the
        caller put there (tags for instances, volumes, ...).
    (b) moto 5.2.5 appends the request's launch-template tag specification to the version data,
        so version 1 reports a ``launch-template`` entry nobody asked for.
    (c) amazon.aws.ec2_launch_template with ``tags`` compares its data with the latest version,
        sees the extra entry and creates version 2 on the second run: the first converge is never
        idempotent.
    """

    def fix(launch_templates: ModuleType) -> None:
        original = launch_templates.LaunchTemplateBackend.create_launch_template

        @functools.wraps(original)
        def create_launch_template(backend: Any, name: str, description: str, template_data: dict[str, Any], tag_spec: dict[str, Any]) -> Any:
            appended = [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} for kind, tags in (tag_spec or {}).items()]
            specs = template_data.get("TagSpecifications")
            if specs and appended:
                # The response handler appended exactly these entries at the end of the list.
                if specs[-len(appended) :] == appended:
                    del specs[-len(appended) :]
                if not specs:
                    del template_data["TagSpecifications"]
            return original(backend, name, description, template_data, tag_spec)

        launch_templates.LaunchTemplateBackend.create_launch_template = create_launch_template

    _when_imported("moto.ec2.models.launch_templates", fix)


@_patch
def ec2_launch_template_source_version() -> None:
    """CreateLaunchTemplateVersion with SourceVersion inherits the parameters the request leaves out.

    (a) AWS: the new version takes the launch parameters of ``SourceVersion`` and overrides those given
        in ``LaunchTemplateData``; a parameter only the source version has stays in the new version.
    (b) moto 5.2.5 ignores ``SourceVersion``: the new version holds only the request's data.
    (c) amazon.aws.ec2_launch_template creates new versions with ``SourceVersion`` = latest (its
        ``source_version`` default): on AWS a parameter dropped from the playbook survives in the new
        version, so the module's comparison fails again and it creates a version on every run; stock moto
        converges after one version and hides that.
    """

    def fix(launch_template_responses: ModuleType) -> None:
        responses_class = launch_template_responses.LaunchTemplates
        original = responses_class.create_launch_template_version

        @functools.wraps(original)
        def create_launch_template_version(response: Any) -> Any:
            source_version = response._get_param("SourceVersion")  # pylint: disable=protected-access
            if source_version:
                name = response._get_param("LaunchTemplateName")  # pylint: disable=protected-access
                template_id = response._get_param("LaunchTemplateId")  # pylint: disable=protected-access
                backend = response.ec2_backend
                template = backend.get_launch_template(template_id) if template_id else backend.get_launch_template_by_name(name)
                source = template.get_version(source_version).data
                data = response._get_param("LaunchTemplateData")  # pylint: disable=protected-access
                if not isinstance(data, dict):
                    data = response.params["LaunchTemplateData"] = {}
                for key, value in source.items():
                    if key not in data and value is not None:
                        data[key] = copy.deepcopy(value)
            return original(response)

        responses_class.create_launch_template_version = create_launch_template_version

    _when_imported("moto.ec2.responses.launch_templates", fix)


# --- EC2 images -----------------------------------------------------------------------------------


@_patch
def ec2_create_image_block_devices() -> None:
    """An image made with CreateImage maps (and snapshots) the instance's EBS volumes.

    (a) AWS: CreateImage snapshots every EBS volume attached to the instance; the AMI's
        BlockDeviceMappings list each device with its snapshot, size, volume type, IOPS/throughput,
        delete-on-termination flag and encryption, and each snapshot is encrypted with the volume's
        KMS key. The root device type is ``ebs``.
    (b) moto 5.2.5 gives every new image one unencrypted 15 GiB ``standard`` snapshot of a scratch
        volume, whatever the instance has.
    (c) amazon.aws.ec2_ami (and ec2_ami_info) report an unencrypted 15 GiB image for a baked
        instance whose root volume is an encrypted 40 GiB gp3 volume: tests of the AMI bake can not
        check the image's encryption or size.
    """

    def fix(amis: ModuleType) -> None:
        original = amis.AmiBackend.create_image
        original_mappings = amis.Ami.block_device_mappings

        def block_device_mappings(image: Any) -> list[dict[str, Any]]:
            return list(getattr(image, "awsemu_block_device_mappings", None) or original_mappings.fget(image))

        @functools.wraps(original)
        def create_image(backend: Any, instance_id: str, name: str, description: str, tag_specifications: list[dict[str, Any]]) -> Any:
            image = original(backend, instance_id, name, description, tag_specifications)
            instance = backend.get_instance(instance_id)
            mappings, root_snapshot = [], None
            for device, block in instance.get_block_device_mapping:
                if not block.volume_id:
                    continue
                volume = backend.get_volume(block.volume_id)
                snapshot = backend.create_snapshot(volume.id, f"Created by CreateImage({instance_id}) for {image.id}", image.owner_id, from_ami=image.id)
                snapshot.encrypted, snapshot.kms_key_id = bool(volume.encrypted), volume.kms_key_id if volume.encrypted else None
                ebs: dict[str, Any] = {
                    "DeleteOnTermination": bool(block.delete_on_termination),
                    "SnapshotId": snapshot.id,
                    "VolumeSize": volume.size,
                    "VolumeType": volume.volume_type,
                    "Encrypted": bool(volume.encrypted),
                }
                if volume.iops and volume.volume_type in ("io1", "io2", "gp3"):
                    ebs["Iops"] = int(volume.iops)
                if volume.throughput and volume.volume_type == "gp3":
                    ebs["Throughput"] = int(volume.throughput)
                mappings.append({"DeviceName": device, "Ebs": ebs})
                if device == instance.root_device_name or root_snapshot is None:
                    root_snapshot = snapshot
            if mappings:
                backend.snapshots.pop(image.ebs_snapshot.id, None)
                image.ebs_snapshot = root_snapshot
                image.awsemu_block_device_mappings = mappings
                image.root_device_name = instance.root_device_name or image.root_device_name
                image.root_device_type = "ebs"
            return image

        amis.Ami.block_device_mappings = property(block_device_mappings)
        amis.AmiBackend.create_image = create_image

    _when_imported("moto.ec2.models.amis", fix)


@_patch
def ec2_create_image_snapshot_tags() -> None:
    """CreateImage tags the new image's snapshots with a ``snapshot`` tag specification.

    (a) AWS: ``CreateImage(TagSpecifications=[{ResourceType: image, ...}, {ResourceType: snapshot, ...}])``
        tags the AMI and every snapshot it creates.
    (b) moto 5.2.5 raises NotImplementedError for the ``snapshot`` resource type: HTTP 500.
    (c) amazon.aws.ec2_ami with ``instance_id`` and ``tags`` always sends both tag specifications:
        baking an AMI fails.
    """

    def fix(amis: ModuleType) -> None:
        original = amis.AmiBackend.create_image

        @functools.wraps(original)
        def create_image(backend: Any, instance_id: str, name: str, description: str, tag_specifications: list[dict[str, Any]]) -> Any:
            specifications = tag_specifications or []
            snapshot_tags = [tag for spec in specifications if spec.get("ResourceType") == "snapshot" for tag in spec.get("Tags", [])]
            image = original(backend, instance_id, name, description, [spec for spec in specifications if spec.get("ResourceType") != "snapshot"])
            for mapping in image.block_device_mappings:
                snapshot = backend.snapshots.get(mapping.get("Ebs", {}).get("SnapshotId"))
                for tag in snapshot_tags if snapshot is not None else []:
                    snapshot.add_tag(tag["Key"], tag.get("Value", ""))
            return image

        amis.AmiBackend.create_image = create_image

    _when_imported("moto.ec2.models.amis", fix)


@_patch
def ec2_create_image_duplicate_name() -> None:
    """CreateImage refuses a name that another AMI of the account already has in the region.

    (a) AWS: AMI names are unique per account and region: a second CreateImage (or RegisterImage, or
        CopyImage) with the same name fails with InvalidAMIName.Duplicate
        ("AMI name NAME is already in use by AMI ami-...").
    (b) moto 5.2.5 creates a second AMI with the same name.
    (c) amazon.aws.ec2_ami without ``image_id`` calls CreateImage on every run: on AWS the second run
        fails, with stock moto it silently bakes a duplicate image, so an unguarded bake task looks fine.
    """

    def fix(amis: ModuleType) -> None:
        from moto.ec2.exceptions import EC2ClientError  # pylint: disable=import-outside-toplevel

        def guard(method: Any, position: int) -> Any:
            @functools.wraps(method)
            def wrapper(backend: Any, *args: Any, **kwargs: Any) -> Any:
                name = kwargs.get("name", args[position] if len(args) > position else None)
                for image in list(backend.amis.values()):
                    if name and image.name == name and image.owner_id == backend.account_id:
                        raise EC2ClientError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {image.id}")
                return method(backend, *args, **kwargs)

            return wrapper

        # The position of ``name`` among each method's arguments after ``self``.
        for method_name, position in (("create_image", 1), ("register_image", 0), ("copy_image", 2)):
            setattr(amis.AmiBackend, method_name, guard(getattr(amis.AmiBackend, method_name), position))

    _when_imported("moto.ec2.models.amis", fix)


# Ubuntu 22.04 LTS images of Canonical's account, oldest first; the arm64 build is the newest of all, so
# that a search that forgets the architecture picks the wrong image.
_CANONICAL_OWNER = "099720109477"
_CANONICAL_JAMMY_IMAGES = (
    ("ami-0a3c14e1ddbe7f23c", "amd64", "x86_64", "20240301", "2024-03-01T09:12:44.000Z"),
    ("ami-0e86e20dae9224db8", "amd64", "x86_64", "20250516", "2025-05-16T08:40:13.000Z"),
    ("ami-03f6c1a2f8bd6f1d0", "arm64", "arm64", "20250601", "2025-06-01T07:55:02.000Z"),
)


@_patch
def ec2_canonical_ubuntu_jammy_images() -> None:
    """DescribeImages lists Canonical's public Ubuntu 22.04 LTS images, as in every AWS region.

    (a) AWS: Canonical's account 099720109477 publishes public Ubuntu 22.04 (jammy) images in every
        commercial region, one per architecture and build date, named
        ``ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-<amd64|arm64>-server-<YYYYMMDD>``; the newest by
        CreationDate is the current build.
    (b) moto 5.2.5's stock images of that owner are Ubuntu 14.04 and 16.04 only: a search for the jammy
        name pattern returns nothing.
    (c) amazon.aws.ec2_ami_info in playbooks/bake_ami.yml (role cvatops.aws.ami) finds no base image:
        a test could only point the bake at another owner or name, never at the real Canonical filter.
    """

    def fix(amis: ModuleType) -> None:
        original = amis.AmiBackend._load_amis  # pylint: disable=protected-access

        @functools.wraps(original)
        def load_amis(backend: Any) -> None:
            original(backend)
            if not backend.amis:  # moto loads no stock images at all (MOTO_EC2_LOAD_DEFAULT_AMIS=false)
                return
            for ami_id, arch_name, architecture, build, created in _CANONICAL_JAMMY_IMAGES:
                backend.amis[ami_id] = amis.Ami(
                    backend,
                    ami_id,
                    name=f"ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{arch_name}-server-{build}",
                    description=f"Canonical, Ubuntu, 22.04 LTS, {arch_name} jammy image build on {build[:4]}-{build[4:6]}-{build[6:]}",
                    owner_id=_CANONICAL_OWNER,
                    public=True,
                    virtualization_type="hvm",
                    architecture=architecture,
                    creation_date=amis.parse_timestamp(created),
                    image_location=f"amazon/ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{arch_name}-server-{build}",
                    hypervisor="xen",
                    root_device_type="ebs",
                    root_device_name="/dev/sda1",
                )

        amis.AmiBackend._load_amis = load_amis  # pylint: disable=protected-access

    _when_imported("moto.ec2.models.amis", fix)
