# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auto Scaling and ACM against the emulator: cvatops.aws.autoscaling_group_settings and acm_certificate_request,
and the amazon.aws / community.aws modules the stack calls (autoscaling_group, autoscaling_policy,
autoscaling_instance_refresh, acm_certificate) the way the roles should call them.

Every step is one ansible-playbook run; the state is read back with boto3 after each.
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from awsemu.server import merged_env
from infra.playbook import PlaybookRun, run_playbook, write_calls, write_playbook
from testcerts import make_certificate

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("acm_autoscaling")]

ACTIVE_REFRESH = ["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]

# How the roles should call the third-party modules (see the module notes in the test docstrings).
GROUP_PLAYBOOK = """
- name: Auto Scaling group, its scaling policies, imported certificates
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Auto Scaling group
      amazon.aws.autoscaling_group:
        name: "{{ prefix }}-asg"
        launch_template:
          launch_template_name: "{{ prefix }}-lt"
          version: "{{ lt_version }}"
        min_size: 2
        max_size: 4
        # No desired_capacity: the module would set it on every run and undo what target tracking scaled to.
        # A new group starts at min_size.
        vpc_zone_identifier: "{{ subnets }}"
        target_group_arns: ["{{ target_group_arn }}"]
        health_check_type: ELB
        health_check_period: 300
        default_cooldown: 300
        termination_policies: [OldestLaunchTemplate, Default]
        metrics_collection: "{{ metrics_collection | default(true) }}"
        metrics_granularity: 1Minute
        tags:
          - {Name: "{{ prefix }}-app", propagate_at_launch: true}
          - {Project: cvat, propagate_at_launch: true}
        wait_for_instances: true
        wait_timeout: 120

    - name: CPU target tracking policy
      community.aws.autoscaling_policy:
        name: "{{ prefix }}-cpu"
        asg_name: "{{ prefix }}-asg"
        policy_type: TargetTrackingScaling
        estimated_instance_warmup: 300
        target_tracking_config:
          predefined_metric_spec:
            predefined_metric_type: ASGAverageCPUUtilization
          target_value: "{{ cpu_target | default(70) }}"

    - name: Memory target tracking policy
      community.aws.autoscaling_policy:
        name: "{{ prefix }}-mem"
        asg_name: "{{ prefix }}-asg"
        policy_type: TargetTrackingScaling
        estimated_instance_warmup: 300
        target_tracking_config:
          customized_metric_spec:
            metric_name: mem_used_percent
            namespace: CWAgent
            statistic: Average
            dimensions:
              - {Name: AutoScalingGroupName, Value: "{{ prefix }}-asg"}
          target_value: 75

    - name: Self-signed certificate
      community.aws.acm_certificate:
        certificate: "{{ self_signed.certificate }}"
        private_key: "{{ self_signed.private_key }}"
        name_tag: "{{ prefix }}-self-signed"

    - name: Certificate with its chain
      community.aws.acm_certificate:
        certificate: "{{ chained.certificate }}"
        certificate_chain: "{{ chained.chain }}"
        private_key: "{{ chained.private_key }}"
        name_tag: "{{ prefix }}-chained"
"""

REFRESH_PLAYBOOK = """
- name: Instance refresh, only when instances run another launch template version and none is active
  hosts: localhost
  gather_facts: false
  vars:
    active_statuses: [Pending, InProgress, Cancelling, RollbackInProgress, Baking]
  tasks:
    - name: Group
      amazon.aws.autoscaling_group_info:
        name: "^{{ prefix }}-asg$"
      register: __group

    - name: Refreshes
      amazon.aws.autoscaling_instance_refresh_info:
        name: "{{ prefix }}-asg"
      register: __refreshes

    - name: Start instance refresh
      amazon.aws.autoscaling_instance_refresh:
        name: "{{ prefix }}-asg"
        state: started
        preferences:
          min_healthy_percentage: 90
          instance_warmup: 300
          skip_matching: true
      when:
        - action | default('start') == 'start'
        - __active | length == 0
        - __outdated | length > 0
      vars:
        __active: "{{ __refreshes.instance_refreshes | selectattr('status', 'in', active_statuses) | list }}"
        __outdated: >-
          {{ __group.results[0].instances | map(attribute='launch_template.version')
             | reject('equalto', __group.results[0].launch_template.version) | list }}

    - name: Cancel instance refresh
      amazon.aws.autoscaling_instance_refresh:
        name: "{{ prefix }}-asg"
        state: cancelled
      when:
        - action | default('start') == 'cancel'
        - __refreshes.instance_refreshes | selectattr('status', 'in', active_statuses) | list | length > 0
"""

SETTINGS_PLAYBOOK = """
- name: Auto Scaling group settings
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Settings
      cvatops.aws.autoscaling_group_settings:
        name: "{{ group }}"
        capacity_rebalance: "{{ capacity_rebalance | default(omit) }}"
        default_instance_warmup: "{{ default_instance_warmup | default(omit) }}"
        instance_maintenance_policy: "{{ instance_maintenance_policy | default(omit) }}"
"""

CERTIFICATE_PLAYBOOK = """
- name: Requested certificate, its validation records, waiting for it
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Certificate
      cvatops.aws.acm_certificate_request:
        domain_name: "{{ domain }}"
        subject_alternative_names: "{{ sans | default(omit) }}"
        validation_method: "{{ validation_method | default(omit) }}"
        key_algorithm: "{{ key_algorithm | default(omit) }}"
        name_tag: "{{ name_tag | default(omit) }}"
        tags: "{{ tags | default(omit) }}"
        state: "{{ state | default(omit) }}"
      register: __certificate

    - name: Validation records
      amazon.aws.route53:
        zone: "{{ zone }}"
        record: "{{ item.resource_record.name }}"
        type: "{{ item.resource_record.type }}"
        value: "{{ item.resource_record.value }}"
        ttl: 300
        overwrite: true
        state: present
      loop: >-
        {{ __certificate.certificate.domain_validation_options | selectattr('resource_record', 'defined')
           | unique(attribute='resource_record.name') }}
      loop_control: {label: "{{ item.domain_name }}"}
      when: publish | default(false)

    - name: Issued certificate
      cvatops.aws.acm_certificate_request:
        domain_name: "{{ domain }}"
        subject_alternative_names: "{{ sans | default(omit) }}"
        name_tag: "{{ name_tag }}"
        wait: true
        wait_timeout: 30
      when: publish | default(false)
"""


@pytest.fixture(scope="module")
def env(aws_emulator):
    return merged_env(aws_emulator.env())


@pytest.fixture(scope="module")
def network(aws_emulator):
    """VPC, two subnets in two AZs, an ALB with a target group, a launch template: what the group needs."""
    prefix = f"asgmod-{uuid.uuid4().hex[:6]}"
    ec2, elbv2 = aws_emulator.client("ec2"), aws_emulator.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.62.{index}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for index, zone in enumerate(["us-east-1a", "us-east-1b"])
    ]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    template = ec2.create_launch_template(LaunchTemplateName=f"{prefix}-lt", LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"})
    balancer = elbv2.create_load_balancer(Name=f"{prefix}-alb", Subnets=subnets, Type="application")["LoadBalancers"][0]
    target_group = elbv2.create_target_group(Name=f"{prefix}-tg", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance")["TargetGroups"][0]
    return SimpleNamespace(
        prefix=prefix,
        subnets=subnets,
        template_id=template["LaunchTemplate"]["LaunchTemplateId"],
        balancer_arn=balancer["LoadBalancerArn"],
        target_group_arn=target_group["TargetGroupArn"],
    )


@pytest.fixture(scope="module")
def playbooks(tmp_path_factory):
    directory = tmp_path_factory.mktemp("acm-autoscaling-playbooks")
    return SimpleNamespace(
        group=write_playbook(directory, "group.yml", GROUP_PLAYBOOK),
        refresh=write_playbook(directory, "refresh.yml", REFRESH_PLAYBOOK),
        settings=write_playbook(directory, "settings.yml", SETTINGS_PLAYBOOK),
        certificate=write_playbook(directory, "certificate.yml", CERTIFICATE_PLAYBOOK),
    )


@pytest.fixture(scope="module")
def group_vars(network):
    self_signed = make_certificate("selfsigned.cvat.example.com", san=False)
    authority = make_certificate("Example CA", ca=True, san=False)
    leaf = make_certificate("app.cvat.example.com", issuer=authority, san=False)
    return {
        "prefix": network.prefix,
        "lt_version": "1",
        "subnets": network.subnets,
        "target_group_arn": network.target_group_arn,
        "self_signed": {"certificate": self_signed.pem.decode(), "private_key": self_signed.key_pem.decode()},
        "chained": {"certificate": leaf.pem.decode(), "chain": authority.pem.decode(), "private_key": leaf.key_pem.decode()},
    }


@pytest.fixture(scope="module")
def converged(aws_emulator, env, playbooks, group_vars):
    """The group playbook run twice; API calls of the second run counted."""
    first = run_playbook(playbooks.group, env, extra_vars=group_vars)
    assert first.returncode == 0, first.explain()
    aws_emulator.reset_counts()
    second = run_playbook(playbooks.group, env, extra_vars=group_vars)
    return SimpleNamespace(first=first, second=second, second_calls=aws_emulator.counts())


def _group(aws_client, name: str) -> dict[str, Any]:
    return dict(aws_client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0])


def _tags(tag_list: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag.get("Value", "") for tag in tag_list}


def _certificates_named(acm, name: str) -> list[str]:
    """ARNs of the (RSA) certificates whose Name tag is ``name``."""
    arns = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]
    return [arn for arn in arns if _tags(acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]).get("Name") == name]


# --- the third-party modules, called as the roles should --------------------------------------


def test_group_converges_and_second_run_changes_nothing(converged):
    """Second run: nothing changed. autoscaling_group still writes on every run (module design, as on AWS):
    it always sends UpdateAutoScalingGroup and Enable/DisableMetricsCollection for an existing group.
    autoscaling_policy and acm_certificate (with and without a chain) only read."""
    assert converged.first.stats["changed"] == 5
    assert converged.second.returncode == 0, converged.second.explain()
    assert converged.second.changed_tasks() == []
    assert write_calls(converged.second_calls) == {"autoscaling:UpdateAutoScalingGroup": 1, "autoscaling:EnableMetricsCollection": 1}


def test_group_reads_back(converged, network, aws_client):
    group = _group(aws_client, f"{network.prefix}-asg")
    assert group["LaunchTemplate"]["Version"] == "1" and group["LaunchTemplate"]["LaunchTemplateName"] == f"{network.prefix}-lt"
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (2, 4, 2)
    assert group["TargetGroupARNs"] == [network.target_group_arn]
    assert (group["HealthCheckType"], group["HealthCheckGracePeriod"], group["DefaultCooldown"]) == ("ELB", 300, 300)
    assert group["TerminationPolicies"] == ["OldestLaunchTemplate", "Default"]
    assert sorted(instance["AvailabilityZone"] for instance in group["Instances"]) == ["us-east-1a", "us-east-1b"]
    assert {m["Granularity"] for m in group["EnabledMetrics"]} == {"1Minute"} and len(group["EnabledMetrics"]) == 8
    assert {(t["Key"], t["Value"], t["PropagateAtLaunch"]) for t in group["Tags"]} == {("Name", f"{network.prefix}-app", True), ("Project", "cvat", True)}

    policies = {p["PolicyName"]: p for p in aws_client("autoscaling").describe_policies(AutoScalingGroupName=f"{network.prefix}-asg")["ScalingPolicies"]}
    cpu, memory = policies[f"{network.prefix}-cpu"], policies[f"{network.prefix}-mem"]
    assert cpu["TargetTrackingConfiguration"]["PredefinedMetricSpecification"] == {"PredefinedMetricType": "ASGAverageCPUUtilization"}
    assert cpu["TargetTrackingConfiguration"]["TargetValue"] == 70.0 and cpu["EstimatedInstanceWarmup"] == 300
    dimensions = memory["TargetTrackingConfiguration"]["CustomizedMetricSpecification"]["Dimensions"]
    assert dimensions == [{"Name": "AutoScalingGroupName", "Value": f"{network.prefix}-asg"}]


def test_imported_certificates_read_back(converged, network, group_vars, aws_client):
    acm = aws_client("acm")
    for name, material in ((f"{network.prefix}-self-signed", group_vars["self_signed"]), (f"{network.prefix}-chained", group_vars["chained"])):
        arns = _certificates_named(acm, name)
        assert len(arns) == 1, name
        answer = acm.get_certificate(CertificateArn=arns[0])
        assert answer["Certificate"].strip() == material["certificate"].strip()
        assert answer["CertificateChain"].strip() == material.get("chain", material["certificate"]).strip()


def test_check_mode_after_converge(converged, aws_emulator, env, playbooks, group_vars):
    """--check --diff writes nothing. autoscaling_group reports every existing group as changed in check mode and
    autoscaling_policy has no check mode (skipped): both are module behaviour, not emulator gaps."""
    aws_emulator.reset_counts()
    run = run_playbook(playbooks.group, env, "--check", "--diff", extra_vars=group_vars)
    assert run.returncode == 0, run.explain()
    assert run.changed_tasks() == ["Auto Scaling group"]
    assert run.result("CPU target tracking policy").get("skipped") is True
    assert write_calls(aws_emulator.counts()) == {}


def test_policy_target_change_and_metrics_off(converged, env, playbooks, group_vars, network, aws_client):
    run = run_playbook(playbooks.group, env, extra_vars={**group_vars, "cpu_target": 60})
    assert run.returncode == 0 and run.changed_tasks() == ["CPU target tracking policy"], run.explain()
    (cpu,) = aws_client("autoscaling").describe_policies(AutoScalingGroupName=f"{network.prefix}-asg", PolicyNames=[f"{network.prefix}-cpu"])["ScalingPolicies"]
    assert cpu["TargetTrackingConfiguration"]["TargetValue"] == 60.0

    for expected in (["Auto Scaling group"], []):
        run = run_playbook(playbooks.group, env, extra_vars={**group_vars, "cpu_target": 60, "metrics_collection": False})
        assert run.returncode == 0 and run.changed_tasks() == expected, run.explain()
    assert _group(aws_client, f"{network.prefix}-asg").get("EnabledMetrics", []) == []

    run = run_playbook(playbooks.group, env, extra_vars=group_vars)
    assert run.returncode == 0 and run.changed_tasks() == ["Auto Scaling group", "CPU target tracking policy"], run.explain()


def test_instance_refresh_after_launch_template_change(converged, aws_emulator, env, playbooks, group_vars, network, aws_client):
    """The refresh starts only when instances run another version than the group's, and never twice."""
    autoscaling, name = aws_client("autoscaling"), f"{network.prefix}-asg"

    def refreshes() -> list[dict[str, Any]]:
        return list(autoscaling.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"])

    run = run_playbook(playbooks.refresh, env, extra_vars={"prefix": network.prefix})
    assert run.returncode == 0 and run.result("Start instance refresh").get("skipped") is True, run.explain()
    assert refreshes() == []

    aws_client("ec2").create_launch_template_version(LaunchTemplateId=network.template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"})
    run = run_playbook(playbooks.group, env, extra_vars={**group_vars, "lt_version": "2"})
    assert run.returncode == 0 and run.changed_tasks() == ["Auto Scaling group"], run.explain()

    run = run_playbook(playbooks.refresh, env, extra_vars={"prefix": network.prefix})
    assert run.returncode == 0, run.explain()
    started = run.result("Start instance refresh")["instance_refreshes"]
    assert (started["status"], started["instances_to_update"]) == ("InProgress", 2)
    assert started["preferences"]["min_healthy_percentage"] == 90 and started["preferences"]["skip_matching"] is True

    aws_emulator.reset_counts()
    run = run_playbook(playbooks.refresh, env, extra_vars={"prefix": network.prefix})
    assert run.returncode == 0 and run.result("Start instance refresh").get("skipped") is True, run.explain()
    assert write_calls(aws_emulator.counts()) == {}

    for skipped in (False, True):
        run = run_playbook(playbooks.refresh, env, extra_vars={"prefix": network.prefix, "action": "cancel"})
        assert run.returncode == 0 and bool(run.result("Cancel instance refresh").get("skipped")) is skipped, run.explain()
    assert [r["Status"] for r in refreshes()] == ["Cancelled"]


# --- cvatops.aws.autoscaling_group_settings ------------------------------------------------------


def _policy(low: int, high: int) -> dict[str, int]:
    return {"min_healthy_percentage": low, "max_healthy_percentage": high}


def _settings(env, playbooks, *args: str, **options: Any) -> tuple[PlaybookRun, dict[str, Any]]:
    run = run_playbook(playbooks.settings, env, *args, extra_vars=options)
    return run, run.result("Settings")


def test_autoscaling_group_settings_lifecycle(converged, aws_emulator, env, playbooks, network, aws_client):
    name = f"{network.prefix}-asg"
    wanted = {"capacity_rebalance": True, "default_instance_warmup": 120, "instance_maintenance_policy": _policy(90, 120)}

    def read() -> tuple[Any, ...]:
        group = _group(aws_client, name)
        return group["CapacityRebalance"], group.get("DefaultInstanceWarmup"), group.get("InstanceMaintenancePolicy")

    run, result = _settings(env, playbooks, "--check", "--diff", group=name, **wanted)
    assert run.returncode == 0 and result["changed"] is True and result["settings"] == wanted, run.explain()
    assert result["diff"]["before"] == {"capacity_rebalance": False, "default_instance_warmup": None, "instance_maintenance_policy": None}
    assert read() == (False, None, None), "check mode must not change the group"

    run, result = _settings(env, playbooks, group=name, **wanted)
    assert run.returncode == 0 and result["changed"] is True and result["settings"] == wanted, run.explain()
    assert read() == (True, 120, {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 120})

    aws_emulator.reset_counts()
    run, result = _settings(env, playbooks, "--diff", group=name, **wanted)
    assert run.returncode == 0 and result["changed"] is False, run.explain()
    assert write_calls(aws_emulator.counts()) == {}

    run, result = _settings(env, playbooks, group=name, instance_maintenance_policy=_policy(100, 150))
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert read() == (True, 120, {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 150}), "options that are not set are left alone"

    unset = {"capacity_rebalance": False, "default_instance_warmup": -1, "instance_maintenance_policy": _policy(-1, -1)}
    run, result = _settings(env, playbooks, group=name, **unset)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert result["settings"] == {"capacity_rebalance": False, "default_instance_warmup": None, "instance_maintenance_policy": None}
    assert read() == (False, None, None)

    aws_emulator.reset_counts()
    run, result = _settings(env, playbooks, group=name, **unset)
    assert run.returncode == 0 and result["changed"] is False, run.explain()
    assert write_calls(aws_emulator.counts()) == {}


def test_autoscaling_group_settings_fails_clearly(env, playbooks, network):
    run, result = _settings(env, playbooks, group=f"{network.prefix}-no-such-group", capacity_rebalance=True)
    assert run.returncode != 0 and result["msg"] == f"Auto Scaling group {network.prefix}-no-such-group does not exist"
    run, result = _settings(env, playbooks, group=f"{network.prefix}-asg", instance_maintenance_policy=_policy(50, 200))
    assert run.returncode != 0 and "at most 100 above" in result["msg"]


# --- cvatops.aws.acm_certificate_request ---------------------------------------------------------


def _certificate(env, playbooks, *args: str, **options: Any) -> tuple[PlaybookRun, dict[str, Any]]:
    run = run_playbook(playbooks.certificate, env, *args, extra_vars=options)
    return run, run.result("Certificate")


def test_acm_certificate_request_lifecycle(aws_emulator, env, playbooks, network, aws_client):
    acm, elbv2 = aws_client("acm"), aws_client("elbv2")
    zone = f"{network.prefix}.example.com"
    aws_client("route53").create_hosted_zone(Name=zone, CallerReference=uuid.uuid4().hex)
    base = {"domain": zone, "zone": zone, "sans": [f"www.{zone}"], "name_tag": f"{network.prefix}-web", "tags": {"Project": "cvat"}}

    def mine() -> list[str]:
        return _certificates_named(acm, base["name_tag"])

    run, result = _certificate(env, playbooks, "--check", "--diff", **base)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert "arn" not in result["certificate"] and result["certificate"]["subject_alternative_names"] == [zone, f"www.{zone}"]
    assert mine() == [], "check mode must not request"

    run, result = _certificate(env, playbooks, **base)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    first = result["certificate"]
    assert mine() == [first["arn"]] and first["status"] == "PENDING_VALIDATION"
    assert first["tags"] == {"Name": base["name_tag"], "Project": "cvat"}
    # The records arrive a moment after the request: the module waited for them.
    records = {o["domain_name"]: o["resource_record"] for o in first["domain_validation_options"]}
    assert sorted(records) == sorted([zone, f"www.{zone}"]) and all(r["type"] == "CNAME" for r in records.values())

    aws_emulator.reset_counts()
    run, result = _certificate(env, playbooks, "--diff", **base)
    assert run.returncode == 0 and result["changed"] is False and result["certificate"]["arn"] == first["arn"], run.explain()
    assert write_calls(aws_emulator.counts()) == {}

    run, result = _certificate(env, playbooks, **{**base, "tags": {"Project": "cvat", "Owner": "ops"}})
    assert run.returncode == 0 and result["changed"] is True and result["certificate"]["arn"] == first["arn"], run.explain()
    assert _tags(acm.list_tags_for_certificate(CertificateArn=first["arn"])["Tags"]) == {"Name": base["name_tag"], "Project": "cvat", "Owner": "ops"}

    # Other names: a new certificate; the old one stays (it may be on a listener).
    changed_names = {**base, "sans": [f"www.{zone}", f"api.{zone}"], "tags": {"Project": "cvat", "Owner": "ops"}, "publish": True}
    run, result = _certificate(env, playbooks, **changed_names)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    second = result["certificate"]
    assert result["replaced_certificate_arn"] == first["arn"] and second["arn"] != first["arn"]
    assert sorted(mine()) == sorted([first["arn"], second["arn"]])
    issued = run.result("Issued certificate")["certificate"]
    assert issued["arn"] == second["arn"] and issued["status"] == "ISSUED"
    assert {o["validation_status"] for o in issued["domain_validation_options"]} == {"SUCCESS"}
    # ACM gives every certificate of a domain in an account the same validation record: the first one is issued too.
    assert acm.describe_certificate(CertificateArn=first["arn"])["Certificate"]["Status"] == "ISSUED"

    aws_emulator.reset_counts()
    run, result = _certificate(env, playbooks, **changed_names)
    assert run.returncode == 0 and run.changed_tasks() == [] and result["certificate"]["arn"] == second["arn"], run.explain()
    assert write_calls(aws_emulator.counts()) == {}

    # On a listener the certificate can not be deleted: the module fails before deleting anything.
    target_group = elbv2.describe_target_groups(TargetGroupArns=[network.target_group_arn])["TargetGroups"][0]["TargetGroupArn"]
    listener = elbv2.create_listener(
        LoadBalancerArn=network.balancer_arn,
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": second["arn"]}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )["Listeners"][0]["ListenerArn"]
    absent = {"domain": zone, "zone": zone, "name_tag": base["name_tag"], "state": "absent"}
    run, result = _certificate(env, playbooks, **absent)
    assert run.returncode != 0 and "in use" in result["msg"] and network.balancer_arn in result["msg"], run.explain()
    assert sorted(mine()) == sorted([first["arn"], second["arn"]])

    elbv2.delete_listener(ListenerArn=listener)
    run, result = _certificate(env, playbooks, "--check", **absent)
    assert run.returncode == 0 and result["changed"] is True and sorted(result["deleted_certificate_arns"]) == sorted(mine()), run.explain()
    run, result = _certificate(env, playbooks, **absent)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    assert sorted(result["deleted_certificate_arns"]) == sorted([first["arn"], second["arn"]]) and mine() == []
    run, result = _certificate(env, playbooks, **absent)
    assert run.returncode == 0 and result["changed"] is False and result["deleted_certificate_arns"] == [], run.explain()


def test_acm_certificate_request_email_and_ec_key(aws_emulator, env, playbooks, network, aws_client):
    options = {
        "domain": f"mail.{network.prefix}.example.com",
        "name_tag": f"{network.prefix}-mail",
        "validation_method": "EMAIL",
        "key_algorithm": "EC_prime256v1",
    }
    run, result = _certificate(env, playbooks, **options)
    assert run.returncode == 0 and result["changed"] is True, run.explain()
    certificate = result["certificate"]
    assert (certificate["key_algorithm"], certificate["validation_method"], certificate["status"]) == ("EC_prime256v1", "EMAIL", "PENDING_VALIDATION")
    assert f"admin@{options['domain']}" in certificate["domain_validation_options"][0]["validation_emails"]

    aws_emulator.reset_counts()
    run, result = _certificate(env, playbooks, **options)
    assert run.returncode == 0 and result["changed"] is False and result["certificate"]["arn"] == certificate["arn"], run.explain()
    assert write_calls(aws_emulator.counts()) == {}

    run, result = _certificate(env, playbooks, **{**options, "key_algorithm": "RSA_2048"})
    assert run.returncode == 0 and result["changed"] is True and result["replaced_certificate_arn"] == certificate["arn"], run.explain()
    assert aws_client("acm").describe_certificate(CertificateArn=result["certificate"]["arn"])["Certificate"]["KeyAlgorithm"] == "RSA_2048"
