# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compatibility patches for Auto Scaling and ACM; same contract as :mod:`awsemu.patches` (docstring parts (a)/(b)/(c), a test each).

The tests are in ``tests/emulator/test_patches_compute.py``.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported

# --- Auto Scaling ---------------------------------------------------------------------------------

ALL_GROUP_METRICS = (
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "GroupInServiceCapacity",
    "GroupPendingCapacity",
    "GroupStandbyCapacity",
    "GroupTerminatingCapacity",
    "GroupTotalCapacity",
    "WarmPoolDesiredCapacity",
    "WarmPoolWarmedCapacity",
    "WarmPoolPendingCapacity",
    "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity",
    "GroupAndWarmPoolDesiredCapacity",
    "GroupAndWarmPoolTotalCapacity",
)
# Instance refresh statuses during which AWS refuses another StartInstanceRefresh and accepts a cancel.
ACTIVE_REFRESH_STATUSES = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")


def _validation_error(message: str) -> Exception:
    from moto.autoscaling.exceptions import ValidationError  # pylint: disable=import-outside-toplevel

    return ValidationError(message)


def _group(response: Any, name: str | None) -> Any:
    """The group ``name`` of the request's backend, or ValidationError as AWS answers for an unknown group."""
    group = response.autoscaling_backend.autoscaling_groups.get(name or "")
    if group is None:
        raise _validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    return group


@_patch
def autoscaling_metrics_collection() -> None:
    """DisableMetricsCollection turns group metrics off; EnableMetricsCollection adds metrics.

    (a) AWS: ``DisableMetricsCollection`` disables the listed metrics (all of them without ``Metrics``);
        ``EnableMetricsCollection`` enables the listed metrics in addition to those already enabled (all
        metrics without ``Metrics``) and accepts only the granularity ``1Minute``.
    (b) moto 5.2.5 does not implement DisableMetricsCollection (HTTP 500, ``NotImplementedError``), and
        EnableMetricsCollection replaces the enabled metrics (none at all without ``Metrics``).
    (c) amazon.aws.autoscaling_group with ``metrics_collection: false`` (its default) fails on every run
        on an existing group: it calls DisableMetricsCollection each time.
    """
    from moto.core.responses import EmptyResult  # pylint: disable=import-outside-toplevel

    def enable_metrics_collection(self: Any) -> Any:
        group = _group(self, self._get_param("AutoScalingGroupName"))  # pylint: disable=protected-access
        if self._get_param("Granularity") != "1Minute":  # pylint: disable=protected-access
            raise _validation_error("Valid value for Granularity is 1Minute.")
        wanted = self._get_param("Metrics") or list(ALL_GROUP_METRICS)  # pylint: disable=protected-access
        group.metrics = list(group.metrics) + [metric for metric in wanted if metric not in group.metrics]
        return EmptyResult()

    def disable_metrics_collection(self: Any) -> Any:
        group = _group(self, self._get_param("AutoScalingGroupName"))  # pylint: disable=protected-access
        unwanted = self._get_param("Metrics")  # pylint: disable=protected-access
        group.metrics = [metric for metric in group.metrics if unwanted and metric not in unwanted]
        return EmptyResult()

    def fix(responses: ModuleType) -> None:
        responses.AutoScalingResponse.enable_metrics_collection = enable_metrics_collection
        responses.AutoScalingResponse.disable_metrics_collection = disable_metrics_collection

    _when_imported("moto.autoscaling.responses", fix)


@_patch
def autoscaling_update_group_settings() -> None:
    """UpdateAutoScalingGroup applies DefaultCooldown, TerminationPolicies, CapacityRebalance and MaxInstanceLifetime.

    (a) AWS: UpdateAutoScalingGroup changes every setting it is given, these four included, and
        DescribeAutoScalingGroups reports them (MaxInstanceLifetime also when set at creation; 0 clears it).
    (b) moto 5.2.5 ignores these four parameters of UpdateAutoScalingGroup (and MaxInstanceLifetime of
        CreateAutoScalingGroup): the request succeeds and nothing changes.
    (c) amazon.aws.autoscaling_group reports ``changed: false`` for a new ``default_cooldown``,
        ``termination_policies`` or ``max_instance_lifetime`` and never applies it;
        cvatops.aws.autoscaling_group_settings can not turn ``capacity_rebalance`` on.
    """

    def read(response: Any) -> dict[str, Any]:
        """The settings of the request that moto ignores, checked as AWS checks them."""
        settings = {
            "default_cooldown": response._get_int_param("DefaultCooldown"),  # pylint: disable=protected-access
            "termination_policies": list(response._get_param("TerminationPolicies") or []) or None,  # pylint: disable=protected-access
            "capacity_rebalance": response._get_bool_param("CapacityRebalance"),  # pylint: disable=protected-access
        }
        lifetime = response._get_int_param("MaxInstanceLifetime")  # pylint: disable=protected-access
        if lifetime is not None:
            if lifetime and not 86400 <= lifetime <= 31536000:
                raise _validation_error("MaxInstanceLifetime must be 0 or between 86400 and 31536000 seconds.")
            settings["max_instance_lifetime"] = lifetime or None
        return settings

    def wrap(original: Any, creating: bool) -> Any:
        @functools.wraps(original)
        def action(self: Any) -> Any:
            name = self._get_param("AutoScalingGroupName")  # pylint: disable=protected-access
            if not creating:
                _group(self, name)
            settings = read(self)
            result = original(self)
            group = self.autoscaling_backend.autoscaling_groups[name]
            if creating:
                group.max_instance_lifetime = None
            for attribute, value in settings.items():
                if value is not None or attribute == "max_instance_lifetime":
                    setattr(group, attribute, value)
            return result

        return action

    def fix(responses: ModuleType) -> None:
        cls = responses.AutoScalingResponse
        cls.create_auto_scaling_group = wrap(cls.create_auto_scaling_group, creating=True)
        cls.update_auto_scaling_group = wrap(cls.update_auto_scaling_group, creating=False)

    _when_imported("moto.autoscaling.responses", fix)


def maintenance_policy_error(policy: dict[str, Any]) -> str | None:
    """What AWS says about an InstanceMaintenancePolicy, or None if it accepts it (-1/-1 clears it)."""
    low, high = policy.get("MinHealthyPercentage"), policy.get("MaxHealthyPercentage")
    if low is None or high is None:
        return "Both MinHealthyPercentage and MaxHealthyPercentage must be specified."
    if (low, high) == (-1, -1):
        return None
    if not 0 <= low <= 100:
        return "MinHealthyPercentage must be between 0 and 100 (or -1 to clear the policy)."
    if not 100 <= high <= 200:
        return "MaxHealthyPercentage must be between 100 and 200 (or -1 to clear the policy)."
    if high - low > 100:
        return "The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100."
    return None


@_patch
def autoscaling_instance_maintenance_settings() -> None:
    """Groups keep a default instance warmup and an instance maintenance policy.

    (a) AWS: CreateAutoScalingGroup and UpdateAutoScalingGroup accept ``DefaultInstanceWarmup`` (seconds,
        -1 clears it) and ``InstanceMaintenancePolicy`` {MinHealthyPercentage 0-100, MaxHealthyPercentage
        100-200, at most 100 apart; -1/-1 clears it}; DescribeAutoScalingGroups reports them while set;
        values out of range are a ValidationError.
    (b) moto 5.2.5 ignores both parameters: DescribeAutoScalingGroups never reports them.
    (c) cvatops.aws.autoscaling_group_settings sets ``default_instance_warmup`` and
        ``instance_maintenance_policy`` on every run and never converges.
    """

    def read(response: Any) -> tuple[int | None, dict[str, Any] | None]:
        warmup = response._get_int_param("DefaultInstanceWarmup")  # pylint: disable=protected-access
        if warmup is not None and warmup < -1:
            raise _validation_error("DefaultInstanceWarmup must be -1 (to clear it) or more.")
        policy = response._get_param("InstanceMaintenancePolicy")  # pylint: disable=protected-access
        if policy is not None:
            policy = {key: int(value) for key, value in policy.items()}
            error = maintenance_policy_error(policy)
            if error:
                raise _validation_error(error)
        return warmup, policy

    def store(group: Any, warmup: int | None, policy: dict[str, Any] | None) -> None:
        if warmup is not None:
            group.default_instance_warmup = None if warmup == -1 else warmup
        if policy is not None:
            cleared = (policy["MinHealthyPercentage"], policy["MaxHealthyPercentage"]) == (-1, -1)
            group.instance_maintenance_policy = None if cleared else policy

    def wrap(original: Any, creating: bool) -> Any:
        @functools.wraps(original)
        def action(self: Any) -> Any:
            name = self._get_param("AutoScalingGroupName")  # pylint: disable=protected-access
            if not creating:
                _group(self, name)
            warmup, policy = read(self)
            result = original(self)
            group = self.autoscaling_backend.autoscaling_groups[name]
            if creating:
                group.default_instance_warmup = None
                group.instance_maintenance_policy = None
            store(group, warmup, policy)
            return result

        return action

    def fix(responses: ModuleType) -> None:
        cls = responses.AutoScalingResponse
        cls.create_auto_scaling_group = wrap(cls.create_auto_scaling_group, creating=True)
        cls.update_auto_scaling_group = wrap(cls.update_auto_scaling_group, creating=False)

    _when_imported("moto.autoscaling.responses", fix)


def _resolved_version(group: Any) -> str | None:
    """The launch template version number the group launches now ($Latest/$Default resolved), or None."""
    template = group.ec2_launch_template
    if template is None:
        return None
    wanted = getattr(group, "launch_template_version", None) or "$Default"
    if wanted == "$Latest":
        return str(template.latest_version_number)
    if wanted == "$Default":
        return str(template.default_version_number)
    return str(wanted)


_TRACKING: list[bool] = []


def _launched_version(state: Any) -> str | None:
    return getattr(state, "_awsemu_launch_template_version", None)


def _track_launch_template_versions() -> None:
    """Remember, once, the launch template version (a number) each instance of a group is launched with."""
    if _TRACKING:
        return
    _TRACKING.append(True)

    def fix(models: ModuleType) -> None:
        original = models.FakeAutoScalingGroup.replace_autoscaling_group_instances

        @functools.wraps(original)
        def replace_autoscaling_group_instances(group: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
            before = {id(state) for state in group.instance_states}
            original(group, count_needed, propagated_tags)
            version = _resolved_version(group)
            for state in group.instance_states:
                if id(state) not in before:
                    state._awsemu_launch_template_version = version  # pylint: disable=protected-access

        models.FakeAutoScalingGroup.replace_autoscaling_group_instances = replace_autoscaling_group_instances

    _when_imported("moto.autoscaling.models", fix)


@_patch
def autoscaling_instance_launch_template_version() -> None:
    """Each instance of a group reports the launch template version it was launched with.

    (a) AWS: ``Instances[].LaunchTemplate.Version`` (DescribeAutoScalingGroups, DescribeAutoScalingInstances)
        is the version the instance was launched from, so after the group moves to a new version the old
        instances still report the old one until they are replaced.
    (b) moto 5.2.5 reports the template's current default version for every instance, whatever version
        the group launched it with.
    (c) amazon.aws.autoscaling_group (``replace_all_instances``, its ``instance_facts``) and a playbook that
        starts amazon.aws.autoscaling_instance_refresh only when instances run another version than the
        group's see a pinned new version as "already rolled out", or an old one as never rolled out.
    """
    _track_launch_template_versions()

    def fix(models: ModuleType) -> None:
        original = models.InstanceState.launch_template

        def launch_template(state: Any) -> dict[str, Any] | None:
            answer = original.fget(state)
            version = _launched_version(state)
            if answer is not None and version is not None:
                answer["Version"] = version
            return answer  # type: ignore[no-any-return]

        models.InstanceState.launch_template = property(launch_template)

    _when_imported("moto.autoscaling.models", fix)


def _refresh_view(refresh: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in refresh.items() if not key.startswith("_") and value is not None}


@_patch
def autoscaling_instance_refresh() -> None:
    """StartInstanceRefresh, CancelInstanceRefresh and DescribeInstanceRefreshes work.

    (a) AWS: StartInstanceRefresh starts a rolling replacement of a group's instances and returns its id
        (InstanceRefreshInProgress while another refresh is active); CancelInstanceRefresh cancels the
        active one (ActiveInstanceRefreshNotFound if there is none); DescribeInstanceRefreshes lists a
        group's refreshes newest first, with their status and preferences (defaults filled in:
        MinHealthyPercentage 90, MaxHealthyPercentage 100, SkipMatching false, ...). With SkipMatching, a
        refresh whose instances all run the group's launch template version has nothing to replace and
        succeeds.
    (b) moto 5.2.5 implements none of the three (HTTP 500, ``NotImplementedError``).
    (c) amazon.aws.autoscaling_instance_refresh (``started`` and ``cancelled``) and
        autoscaling_instance_refresh_info fail.
        The emulator replaces no instance: a refresh with instances to replace stays InProgress until it
        is cancelled (AWS takes at least InstanceWarmup seconds per batch, longer than a test runs); one
        with nothing to replace is Successful at once, and a cancel is Cancelled at once (no Cancelling).
        It remembers the version each instance was launched with: moto reports the template's default
        version for every instance.
    """
    from moto.core.responses import ActionResult  # pylint: disable=import-outside-toplevel

    def refreshes(group: Any) -> list[dict[str, Any]]:
        if not hasattr(group, "_awsemu_refreshes"):
            group._awsemu_refreshes = []  # pylint: disable=protected-access
        return group._awsemu_refreshes  # type: ignore[no-any-return]  # pylint: disable=protected-access

    def start_instance_refresh(self: Any) -> Any:
        from moto.autoscaling.exceptions import AutoscalingClientError  # pylint: disable=import-outside-toplevel

        group = _group(self, self._get_param("AutoScalingGroupName"))  # pylint: disable=protected-access
        history = refreshes(group)
        if any(refresh["Status"] in ACTIVE_REFRESH_STATUSES for refresh in history):
            message = f"An Instance Refresh is already in progress and blocks the execution of this Instance Refresh (group {group.name})."
            raise AutoscalingClientError("InstanceRefreshInProgress", message)
        given = self._get_param("Preferences") or {}  # pylint: disable=protected-access
        preferences = {
            "MinHealthyPercentage": 90,
            "MaxHealthyPercentage": 100,
            "SkipMatching": False,
            "AutoRollback": False,
            "ScaleInProtectedInstances": "Ignore",
            "StandbyInstances": "Ignore",
            **given,
        }
        low, high = int(preferences["MinHealthyPercentage"]), int(preferences["MaxHealthyPercentage"])
        if not 0 <= low <= 100 or not 100 <= high <= 200 or high - low > 100:
            raise _validation_error("MinHealthyPercentage must be 0-100, MaxHealthyPercentage 100-200, at most 100 apart.")
        in_service = [state for state in group.instance_states if state.lifecycle_state == "InService"]
        wanted = _resolved_version(group)
        to_update = [state for state in in_service if not preferences["SkipMatching"] or _launched_version(state) != wanted]
        now = datetime.now(timezone.utc)
        refresh = {
            "InstanceRefreshId": str(uuid.uuid4()),
            "AutoScalingGroupName": group.name,
            "Status": "InProgress" if to_update else "Successful",
            "StatusReason": None if to_update else "Nothing to replace: every instance runs the desired configuration.",
            "StartTime": now,
            "EndTime": None if to_update else now,
            "PercentageComplete": 0 if to_update else 100,
            "InstancesToUpdate": len(to_update),
            "Preferences": preferences,
            "Strategy": self._get_param("Strategy") or "Rolling",  # pylint: disable=protected-access
        }
        history.insert(0, refresh)
        return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})

    def cancel_instance_refresh(self: Any) -> Any:
        from moto.autoscaling.exceptions import AutoscalingClientError  # pylint: disable=import-outside-toplevel

        group = _group(self, self._get_param("AutoScalingGroupName"))  # pylint: disable=protected-access
        for refresh in refreshes(group):
            if refresh["Status"] in ACTIVE_REFRESH_STATUSES:
                refresh.update(Status="Cancelled", StatusReason="Cancelled by the user.", EndTime=datetime.now(timezone.utc))
                return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})
        raise AutoscalingClientError("ActiveInstanceRefreshNotFound", f"No in progress or pending Instance Refresh found for Auto Scaling group {group.name}")

    def describe_instance_refreshes(self: Any) -> Any:
        group = _group(self, self._get_param("AutoScalingGroupName"))  # pylint: disable=protected-access
        ids = self._get_param("InstanceRefreshIds") or []  # pylint: disable=protected-access
        found = [_refresh_view(r) for r in refreshes(group) if not ids or r["InstanceRefreshId"] in ids]
        start = int(self._get_param("NextToken") or 0)  # pylint: disable=protected-access
        size = self._get_int_param("MaxRecords") or 50  # pylint: disable=protected-access
        page = found[start : start + size]
        next_token = str(start + size) if start + size < len(found) else None
        return ActionResult({"InstanceRefreshes": page, "NextToken": next_token})

    def fix_responses(responses: ModuleType) -> None:
        cls = responses.AutoScalingResponse
        cls.start_instance_refresh = start_instance_refresh
        cls.cancel_instance_refresh = cancel_instance_refresh
        cls.describe_instance_refreshes = describe_instance_refreshes

    _when_imported("moto.autoscaling.responses", fix_responses)
    _track_launch_template_versions()


@_patch
def autoscaling_instances_across_subnets() -> None:
    """A group spreads its instances over its subnets (Availability Zones).

    (a) AWS: a group launches each instance in the subnet of the Availability Zone with the fewest of its
        instances, so the instances of a group in two subnets of two AZs are split evenly between them.
    (b) moto 5.2.5 launches every instance in the first subnet of ``VPCZoneIdentifier``.
    (c) amazon.aws.autoscaling_group: a test that reads back where the instances run (one per AZ, the point
        of a Multi-AZ group) can not pass.
    """

    def fix(models: ModuleType) -> None:
        original = models.FakeAutoScalingGroup.replace_autoscaling_group_instances

        @functools.wraps(original)
        def replace_autoscaling_group_instances(group: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
            subnet_ids = (group.vpc_zone_identifier or "").split(",")
            if len(subnet_ids) < 2:
                original(group, count_needed, propagated_tags)
                return
            subnets = {s.id: s for s in group.autoscaling_backend.ec2_backend.describe_subnets(subnet_ids=subnet_ids)}
            saved = group.vpc_zone_identifier, group.availability_zones
            try:
                for _launch in range(count_needed):

                    def load(subnet_id: str) -> int:
                        return sum(1 for state in group.instance_states if getattr(state.instance, "subnet_id", None) == subnet_id)

                    subnet_id = min(subnet_ids, key=lambda s: (load(s), subnet_ids.index(s)))
                    group.vpc_zone_identifier, group.availability_zones = subnet_id, [subnets[subnet_id].availability_zone]
                    original(group, 1, dict(propagated_tags))
            finally:
                group.vpc_zone_identifier, group.availability_zones = saved

        models.FakeAutoScalingGroup.replace_autoscaling_group_instances = replace_autoscaling_group_instances

    _when_imported("moto.autoscaling.models", fix)


# --- ACM ------------------------------------------------------------------------------------------

# Seconds after RequestCertificate during which a DNS-validated certificate has no validation records yet.
ACM_RECORD_DELAY = 1.0
ACM_DEFAULT_KEY_TYPES = ["RSA_1024", "RSA_2048"]
ACM_KEY_ALGORITHMS = ("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1")
EMAIL_VALIDATION_MAILBOXES = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")


def _acm_error(kind: str, message: str) -> Exception:
    from moto.core.exceptions import AWSError  # pylint: disable=import-outside-toplevel

    return AWSError(message, exception_type=kind)


def _enum_error(value: str, member: str, allowed: Any) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"


def _dns_name(name: str) -> str:
    return (name or "").strip().lower().rstrip(".")


def _validation_method(bundle: Any) -> str:
    return getattr(bundle, "_awsemu_validation_method", "DNS")


def _records_ready(bundle: Any) -> bool:
    from moto.core.utils import utcnow  # pylint: disable=import-outside-toplevel

    return (utcnow() - bundle.created_at).total_seconds() >= ACM_RECORD_DELAY


@_patch
def acm_imported_certificate_chain() -> None:
    """GetCertificate of an imported certificate returns the chain as imported, or the certificate itself without one.

    (a) AWS: for an imported certificate, GetCertificate's ``CertificateChain`` is the chain given to
        ImportCertificate; for a (self-signed) certificate imported without a chain it is the certificate
        itself. community.aws's own integration tests against AWS assert both (``acm_certificate`` target:
        the chain read back equals the uploaded one; a re-upload without a chain is not changed).
    (b) moto 5.2.5 appends its fake Amazon root CA to every chain, and answers that root CA alone for a
        certificate imported without a chain.
    (c) community.aws.acm_certificate compares the chain read back with the one it is given (or with the
        certificate, without one), sees a difference and re-imports the certificate on every run.
    """

    def fix(models: ModuleType) -> None:
        original = models.CertBundle.__init__

        @functools.wraps(original)
        def init(self: Any, account_id: str, certificate: bytes, private_key: bytes, chain: bytes | None = None, *args: Any, **kwargs: Any) -> None:
            original(self, account_id, certificate, private_key, chain, *args, **kwargs)
            if self.type == "IMPORTED":
                self.chain = chain if chain else certificate

        models.CertBundle.__init__ = init

    _when_imported("moto.acm.models", fix)


@_patch
def acm_reimport_keeps_tags() -> None:
    """Re-importing a certificate into its ARN keeps its tags; tags can not be given with a re-import.

    (a) AWS: ImportCertificate with ``CertificateArn`` replaces the certificate material and keeps the
        certificate's tags; "You cannot apply tags when reimporting a certificate" (ValidationException).
    (b) moto 5.2.5 replaces the whole certificate object: the tags are gone, and tags passed with the
        re-import are accepted.
    (c) community.aws.acm_certificate with ``purge_tags: false`` loses the tags it was not given whenever
        the certificate changes (a renewed certificate, not a second run).
    """

    def fix(models: ModuleType) -> None:
        original = models.AWSCertificateManagerBackend.import_certificate

        @functools.wraps(original)
        def import_certificate(backend: Any, certificate: bytes, private_key: bytes, chain: bytes | None, arn: str | None, tags: Any) -> str:
            previous = backend._certificates.get(arn) if arn else None  # pylint: disable=protected-access
            if arn and tags:
                raise _acm_error("ValidationException", "You cannot apply tags when reimporting a certificate.")
            new_arn = original(backend, certificate, private_key, chain, arn, tags)
            if previous is not None:
                backend._certificates[new_arn].tags = previous.tags  # pylint: disable=protected-access
            return str(new_arn)

        models.AWSCertificateManagerBackend.import_certificate = import_certificate

    _when_imported("moto.acm.models", fix)


@_patch
def acm_request_certificate_options() -> None:
    """RequestCertificate honours ValidationMethod and KeyAlgorithm; ListCertificates lists RSA keys by default.

    (a) AWS: a certificate requested with ``ValidationMethod=EMAIL`` has domain validation options with
        ``ValidationMethod`` EMAIL and ``ValidationEmails`` (admin@, hostmaster@, ... of the domain), and no
        DNS record; ``KeyAlgorithm`` (RSA_2048 by default, EC_prime256v1, ...) is reported by
        DescribeCertificate and ListCertificates; ListCertificates without ``Includes.keyTypes`` lists only
        RSA_1024 and RSA_2048 certificates. SubjectAlternativeNames and DomainValidationOptions list the
        domain name first, then the other names in the order of the request.
    (b) moto 5.2.5 ignores both parameters (always DNS, always RSA_2048), lists every key type, and lists
        the names in an order that changes from one emulator process to the next (a set).
    (c) cvatops.aws.acm_certificate_request compares the validation method and key algorithm of the
        certificate it finds: it would request a new EMAIL or EC certificate on every run, and a lister
        that forgets ``keyTypes`` (amazon.aws issue 1567) would pass the tests.
    """

    def request_certificate(self: Any) -> Any:
        from moto.core.responses import ActionResult  # pylint: disable=import-outside-toplevel

        method = self._get_param("ValidationMethod") or "DNS"  # pylint: disable=protected-access
        algorithm = self._get_param("KeyAlgorithm") or "RSA_2048"  # pylint: disable=protected-access
        sans = self._get_param("SubjectAlternativeNames")  # pylint: disable=protected-access
        if sans is not None and len(sans) > 10:
            raise _acm_error("LimitExceededException", "An ACM limit has been exceeded. Need to request SAN limit to be raised")
        if method not in ("DNS", "EMAIL"):
            raise _acm_error("ValidationException", _enum_error(method, "validationMethod", ["EMAIL", "DNS", "HTTP"]))
        if algorithm not in ACM_KEY_ALGORITHMS:
            raise _acm_error("ValidationException", _enum_error(algorithm, "keyAlgorithm", ACM_KEY_ALGORITHMS))
        backend = self.acm_backend
        arn = backend.request_certificate(
            self._get_param("DomainName"),  # pylint: disable=protected-access
            self._get_param("IdempotencyToken"),  # pylint: disable=protected-access
            sans,
            self._get_param("Tags"),  # pylint: disable=protected-access
            self._get_param("CertificateAuthorityArn"),  # pylint: disable=protected-access
            self._get_param("Options"),  # pylint: disable=protected-access
        )
        bundle = backend._certificates[arn]  # pylint: disable=protected-access
        if not hasattr(bundle, "_awsemu_key_algorithm"):  # not the answer to a repeated IdempotencyToken
            bundle._awsemu_validation_method = method  # pylint: disable=protected-access
            bundle._awsemu_key_algorithm = algorithm  # pylint: disable=protected-access
            names = [self._get_param("DomainName")] + list(sans or [])  # pylint: disable=protected-access
            bundle._awsemu_names = list(dict.fromkeys(names))  # pylint: disable=protected-access
        return ActionResult({"CertificateArn": arn})

    def fix_models(models: ModuleType) -> None:
        original_describe = models.CertBundle.describe
        original_list = models.AWSCertificateManagerBackend.list_certificates

        @functools.wraps(original_describe)
        def describe(bundle: Any) -> dict[str, Any]:
            result = original_describe(bundle)
            detail = result["Certificate"]
            algorithm = getattr(bundle, "_awsemu_key_algorithm", None)
            if algorithm:
                detail["KeyAlgorithm"] = algorithm
            names = getattr(bundle, "_awsemu_names", None)
            if names:

                def order(name: str) -> int:
                    return names.index(name) if name in names else len(names)

                detail["SubjectAlternativeNames"] = sorted(detail["SubjectAlternativeNames"], key=order)
                detail["DomainValidationOptions"] = sorted(detail.get("DomainValidationOptions", []), key=lambda o: order(o["DomainName"]))
            if _validation_method(bundle) == "EMAIL":
                for option in detail.get("DomainValidationOptions", []):
                    domain = option["DomainName"][2:] if option["DomainName"].startswith("*.") else option["DomainName"]
                    option.pop("ResourceRecord", None)
                    option["ValidationMethod"] = "EMAIL"
                    option["ValidationEmails"] = [f"{box}@{domain}" for box in EMAIL_VALIDATION_MAILBOXES]
            return result

        @functools.wraps(original_list)
        def list_certificates(backend: Any, statuses: list[str], includes: dict[str, Any]) -> Any:
            includes = dict(includes or {})
            includes.setdefault("keyTypes", ACM_DEFAULT_KEY_TYPES)
            return original_list(backend, statuses, includes)

        models.CertBundle.describe = describe
        models.AWSCertificateManagerBackend.list_certificates = list_certificates

    def fix_responses(responses: ModuleType) -> None:
        responses.AWSCertificateManagerResponse.request_certificate = request_certificate

    _when_imported("moto.acm.models", fix_models)
    _when_imported("moto.acm.responses", fix_responses)


@_patch
def acm_validation_record_delay() -> None:
    """A certificate requested with DNS validation gets its validation CNAME records a moment later.

    (a) AWS: right after RequestCertificate, DescribeCertificate lists the domain validation options
        without ``ResourceRecord``; ACM fills the records in a few seconds later.
    (b) moto 5.2.5 has them at once.
    (c) cvatops.aws.acm_certificate_request polls for the records before it returns them; without the
        delay the emulator could not tell whether a module that returns the first answer would hand a
        Route 53 task a certificate without records. The emulator's delay is ``ACM_RECORD_DELAY`` (1 s).
    """

    def fix(models: ModuleType) -> None:
        original = models.CertBundle.describe

        @functools.wraps(original)
        def describe(bundle: Any) -> dict[str, Any]:
            result = original(bundle)
            if bundle.type == "AMAZON_ISSUED" and not _records_ready(bundle):
                for option in result["Certificate"].get("DomainValidationOptions", []):
                    option.pop("ResourceRecord", None)
            return result

        models.CertBundle.describe = describe

    _when_imported("moto.acm.models", fix)


def _published_cnames(account_id: str, partition: str) -> set[tuple[str, str]]:
    """(name, value) of every CNAME record in the account's public Route 53 hosted zones."""
    from moto.route53.models import route53_backends  # pylint: disable=import-outside-toplevel

    found = set()
    for zone in route53_backends[account_id][partition].zones.values():
        if zone.private_zone:
            continue
        for record_set in zone.rrsets:
            if record_set.type == "CNAME":
                found.update((_dns_name(record_set.name), _dns_name(value)) for value in record_set.records or [])
    return found


@_patch
def acm_dns_validation() -> None:
    """A DNS-validated certificate is issued once its validation CNAME records are published, and not before.

    (a) AWS: a requested public certificate stays PENDING_VALIDATION until ACM finds each domain's
        validation CNAME record in public DNS (then ISSUED; each domain validation option turns SUCCESS as
        its record is found), or the request times out after 72 hours. EMAIL validation waits for a person
        to approve the mail.
    (b) moto 5.2.5 issues every requested certificate 60 seconds after the request
        (``MOTO_ACM_VALIDATION_WAIT``), with or without records, and reports all domains alike.
    (c) A role that requests a certificate (cvatops.aws.acm_certificate_request), publishes the records
        with amazon.aws.route53 and waits for ISSUED can not be tested: with moto the certificate is issued
        whether or not the records were published, after a minute.
        The emulator looks for the records in its own public Route 53 hosted zones (same account) each time
        the certificate is read, and issues it at once when all are there; EMAIL certificates stay pending.
    """

    def domain_statuses(bundle: Any, options: list[dict[str, Any]]) -> dict[str, bool]:
        partition = bundle.arn.split(":")[1]
        account_id = bundle.arn.split(":")[4]
        published = _published_cnames(account_id, partition)
        return {
            option["DomainName"]: "ResourceRecord" in option
            and (_dns_name(option["ResourceRecord"]["Name"]), _dns_name(option["ResourceRecord"]["Value"])) in published
            for option in options
        }

    def fix(models: ModuleType) -> None:
        original_describe = models.CertBundle.describe

        def check(bundle: Any) -> None:
            if bundle._not_valid_after(bundle._cert) <= models.utcnow():  # pylint: disable=protected-access
                bundle.status = "EXPIRED"
                return
            if bundle.type != "AMAZON_ISSUED" or bundle.status != "PENDING_VALIDATION" or _validation_method(bundle) != "DNS":
                return
            options = original_describe(bundle)["Certificate"].get("DomainValidationOptions", [])
            if _records_ready(bundle) and options and all(domain_statuses(bundle, options).values()):
                bundle.status = "ISSUED"

        @functools.wraps(original_describe)
        def describe(bundle: Any) -> dict[str, Any]:
            result = original_describe(bundle)
            options = result["Certificate"].get("DomainValidationOptions", [])
            if bundle.status == "PENDING_VALIDATION" and _validation_method(bundle) == "DNS" and options:
                validated = domain_statuses(bundle, options)
                for option in options:
                    option["ValidationStatus"] = "SUCCESS" if validated[option["DomainName"]] else "PENDING_VALIDATION"
            return result

        models.CertBundle.check = check
        models.CertBundle.describe = describe

    _when_imported("moto.acm.models", fix)


@_patch
def acm_certificate_in_use() -> None:
    """A certificate on a load balancer listener is in use: InUseBy names the load balancer, DeleteCertificate refuses.

    (a) AWS: DescribeCertificate's ``InUseBy`` lists the ARNs of the load balancers whose listeners use the
        certificate (as default or additional certificate), ListCertificates reports ``InUse``, and
        DeleteCertificate of such a certificate fails with ResourceInUseException.
    (b) moto 5.2.5 records the listener ARN (not the load balancer) when a listener is created with the
        certificate, never updates it (ModifyListener, AddListenerCertificates, DeleteListener), and
        deletes a certificate in use.
    (c) cvatops.aws.acm_certificate_request with ``state: absent`` (and community.aws.acm_certificate) would
        delete the certificate of a live HTTPS listener in the emulator, where AWS refuses.
    """

    def load_balancers_using(arn: str) -> list[str]:
        from moto.elbv2.models import elbv2_backends  # pylint: disable=import-outside-toplevel

        region, account_id = arn.split(":")[3:5]
        users = []
        for balancer in elbv2_backends[account_id][region].load_balancers.values():
            for listener in balancer.listeners.values():
                if arn == listener.certificate or arn in (listener.certificates or []):
                    users.append(balancer.arn)
                    break
        return users

    def get_in_use_by(bundle: Any) -> list[str]:
        # Classic load balancers register themselves through set_certificate_in_use_by; ELBv2 listeners are looked up.
        static = [user for user in getattr(bundle, "_awsemu_in_use_by", []) if ":listener/" not in user]
        return static + [user for user in load_balancers_using(bundle.arn) if user not in static]

    def set_in_use_by(bundle: Any, value: list[str]) -> None:
        bundle._awsemu_in_use_by = value  # pylint: disable=protected-access

    def fix(models: ModuleType) -> None:
        original_delete = models.AWSCertificateManagerBackend.delete_certificate

        @functools.wraps(original_delete)
        def delete_certificate(backend: Any, arn: str) -> None:
            bundle = backend._certificates.get(arn)  # pylint: disable=protected-access
            users = bundle.in_use_by if bundle is not None else []
            if users:
                raise _acm_error("ResourceInUseException", f"Certificate {arn} in account {backend.account_id} is in use by {', '.join(users)}.")
            original_delete(backend, arn)

        def set_certificate_in_use_by(backend: Any, arn: str, load_balancer_name: str) -> None:
            backend.get_certificate(arn)._awsemu_in_use_by.append(load_balancer_name)  # pylint: disable=protected-access

        models.CertBundle.in_use_by = property(get_in_use_by, set_in_use_by)
        models.AWSCertificateManagerBackend.set_certificate_in_use_by = set_certificate_in_use_by
        models.AWSCertificateManagerBackend.delete_certificate = delete_certificate

    _when_imported("moto.acm.models", fix)
