# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/teardown.yml against an AWS emulator of its own: deploy site.yml, tear it down, list what is left.

Two stacks, each deployed once by its own test: ``cvat-local`` (the local inventory) is torn down
with the defaults and must keep exactly the buckets, the final database snapshot with its secret and
the KMS key; ``cvat-purge`` is torn down in two goes (part of it with --tags, then pieces deleted by
hand, then the whole) with every deletion switched on, and must leave only what AWS itself keeps for a
while (the KMS key pending deletion, secrets in their recovery window). A second teardown of either
changes nothing and only reads. Without the stack named, nothing reaches AWS at all.

The module runs on its own emulator process (``own_emulator``): it removes whole stacks, which must
never happen under the feet of the modules sharing the session's emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from infra.playbook import PlaybookRun, run_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("teardown")]

SITE = "site.yml"
TEARDOWN = "playbooks/teardown.yml"
ACCOUNT_REGION = "123456789012-us-east-1"
PURGE = {"teardown_delete_buckets": True, "teardown_skip_final_snapshot": True, "teardown_delete_log_groups": True, "teardown_delete_backup_vault": True}
COPY_REGION = "us-west-2"  # backup_copy_region of the local inventory
READS = ("Describe", "Get", "List", "Head")
Client = Callable[[str], Any]


# --- what the stack has in the emulator ---------------------------------------------------------------


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    tags = resource.get("Tags") or resource.get("TagList") or resource.get("TagSet") or []
    return {t["Key"]: t["Value"] for t in tags} if isinstance(tags, list) else dict(tags)


def _stack_filter(stack: str) -> list[dict[str, Any]]:
    return [{"Name": "tag:Stack", "Values": [stack]}]


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page[key]]


def _ec2(client: Client, stack: str, known: dict[str, Any]) -> set[str]:
    ec2, tagged = client("ec2"), _stack_filter(stack)
    found = {f"ec2 vpc {_tags(v).get('Name')}" for v in ec2.describe_vpcs(Filters=tagged)["Vpcs"]}
    found |= {f"ec2 subnet {_tags(s).get('Name')}" for s in ec2.describe_subnets(Filters=tagged)["Subnets"]}
    found |= {f"ec2 route table {_tags(t).get('Name')}" for t in ec2.describe_route_tables(Filters=tagged)["RouteTables"]}
    found |= {f"ec2 internet gateway {g['InternetGatewayId']}" for g in ec2.describe_internet_gateways(Filters=tagged)["InternetGateways"]}
    # AWS lists a deleted NAT gateway for about an hour.
    found |= {f"ec2 nat gateway {n['NatGatewayId']}" for n in ec2.describe_nat_gateways(Filters=tagged)["NatGateways"] if n["State"] != "deleted"}
    groups = ec2.describe_security_groups()["SecurityGroups"]
    found |= {f"ec2 security group {g['GroupName']}" for g in groups if g["GroupName"].startswith(f"{stack}-") or _tags(g).get("Stack") == stack}
    endpoints = ec2.describe_vpc_endpoints(Filters=tagged)["VpcEndpoints"]
    found |= {f"ec2 vpc endpoint {e['VpcEndpointId']}" for e in endpoints if e["State"].lower() != "deleted"}
    found |= {f"ec2 flow log {f['FlowLogId']}" for f in ec2.describe_flow_logs()["FlowLogs"] if stack in f.get("LogGroupName", "")}
    if known["vpc_ids"]:
        enis = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": known["vpc_ids"]}])["NetworkInterfaces"]
        found |= {f"ec2 network interface {n['NetworkInterfaceId']}" for n in enis}
    if known["allocation_ids"]:
        addresses = ec2.describe_addresses(Filters=[{"Name": "allocation-id", "Values": known["allocation_ids"]}])["Addresses"]
        found |= {f"ec2 elastic ip {a['AllocationId']}" for a in addresses}
    found |= {f"ec2 launch template {t['LaunchTemplateName']}" for t in ec2.describe_launch_templates()["LaunchTemplates"] if stack in t["LaunchTemplateName"]}
    instances = [i for r in ec2.describe_instances(Filters=tagged)["Reservations"] for i in r["Instances"]]
    found |= {f"ec2 instance {i['InstanceId']}" for i in instances if i["State"]["Name"] not in ("terminated", "shutting-down")}
    found |= {f"ec2 volume {v['VolumeId']}" for v in ec2.describe_volumes(Filters=tagged)["Volumes"]}
    return found


def _iam_kms_s3(client: Client, stack: str) -> set[str]:
    iam = client("iam")
    found = {f"iam role {r['RoleName']}" for r in _pages(iam, "list_roles", "Roles") if r["RoleName"].startswith(f"{stack}-")}
    found |= {f"iam user {u['UserName']}" for u in _pages(iam, "list_users", "Users") if u["UserName"].startswith(f"{stack}-")}
    profiles = _pages(iam, "list_instance_profiles", "InstanceProfiles")
    found |= {f"iam instance profile {p['InstanceProfileName']}" for p in profiles if p["InstanceProfileName"].startswith(f"{stack}-")}
    policies = _pages(iam, "list_policies", "Policies", Scope="Local")
    found |= {f"iam policy {p['PolicyName']}" for p in policies if p["PolicyName"].startswith(f"{stack}-")}
    kms = client("kms")
    found |= {f"kms alias {a['AliasName']}" for a in _pages(kms, "list_aliases", "Aliases") if a["AliasName"] == f"alias/{stack}"}
    for key in _pages(kms, "list_keys", "Keys"):
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
        if tags.get("Stack") == stack:
            found.add(f"kms key {kms.describe_key(KeyId=key['KeyId'])['KeyMetadata']['KeyState']}")
    found |= {f"s3 bucket {b['Name']}" for b in client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{stack}-")}
    return found


def _named(label: str, items: list[dict[str, Any]], key: str, stack: str) -> set[str]:
    """'label name' for the items whose name (items[key]) starts with the stack's name."""
    return {f"{label} {item[key]}" for item in items if item[key].startswith(stack)}


def _data_tier(client: Client, stack: str) -> set[str]:
    rds, cache, efs = client("rds"), client("elasticache"), client("efs")
    found = _named("rds instance", rds.describe_db_instances()["DBInstances"], "DBInstanceIdentifier", stack)
    found |= {f"rds snapshot {s['DBSnapshotIdentifier']}" for s in rds.describe_db_snapshots()["DBSnapshots"] if s["DBInstanceIdentifier"].startswith(stack)}
    found |= _named("rds subnet group", rds.describe_db_subnet_groups()["DBSubnetGroups"], "DBSubnetGroupName", stack)
    found |= _named("rds parameter group", rds.describe_db_parameter_groups()["DBParameterGroups"], "DBParameterGroupName", stack)
    found |= _named("elasticache group", cache.describe_replication_groups()["ReplicationGroups"], "ReplicationGroupId", stack)
    found |= _named("elasticache cluster", cache.describe_cache_clusters()["CacheClusters"], "CacheClusterId", stack)
    found |= _named("elasticache subnet group", cache.describe_cache_subnet_groups()["CacheSubnetGroups"], "CacheSubnetGroupName", stack)
    found |= _named("elasticache parameter group", cache.describe_cache_parameter_groups()["CacheParameterGroups"], "CacheParameterGroupName", stack)
    found |= _named("elasticache snapshot", cache.describe_snapshots()["Snapshots"], "SnapshotName", stack)
    found |= _named("efs file system", efs.describe_file_systems()["FileSystems"], "CreationToken", stack)
    found |= {f"efs access point {a['AccessPointId']}" for a in efs.describe_access_points()["AccessPoints"] if _tags(a).get("Stack") == stack}
    return found


def _configuration_and_edge(client: Client, stack: str) -> set[str]:
    parameters = _pages(client("ssm"), "get_parameters_by_path", "Parameters", Path=f"/cvat/{stack}", Recursive=True)
    found = {f"ssm parameter {p['Name']}" for p in parameters}
    for secret in _pages(client("secretsmanager"), "list_secrets", "SecretList", IncludePlannedDeletion=True):
        if secret["Name"].startswith(f"cvat/{stack}/"):
            found.add(f"secret {'(pending deletion) ' if secret.get('DeletedDate') else ''}{secret['Name']}")
    found |= {f"log group {g['logGroupName']}" for g in _pages(client("logs"), "describe_log_groups", "logGroups") if stack in g["logGroupName"]}
    elbv2 = client("elbv2")
    found |= {f"load balancer {lb['LoadBalancerName']}" for lb in elbv2.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"].startswith(stack)}
    found |= {f"target group {tg['TargetGroupName']}" for tg in elbv2.describe_target_groups()["TargetGroups"] if tg["TargetGroupName"].startswith(stack)}
    groups = client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    found |= {f"autoscaling group {g['AutoScalingGroupName']}" for g in groups if g["AutoScalingGroupName"].startswith(stack)}
    found |= {f"alarm {a['AlarmName']}" for a in client("cloudwatch").describe_alarms()["MetricAlarms"] if stack in a["AlarmName"]}
    found |= {f"dashboard {d['DashboardName']}" for d in client("cloudwatch").list_dashboards()["DashboardEntries"] if stack in d["DashboardName"]}
    found |= {f"sns topic {t['TopicArn'].split(':')[-1]}" for t in client("sns").list_topics()["Topics"] if stack in t["TopicArn"]}
    acm = client("acm")
    for certificate in acm.list_certificates()["CertificateSummaryList"]:
        tags = {t["Key"]: t.get("Value") for t in acm.list_tags_for_certificate(CertificateArn=certificate["CertificateArn"]).get("Tags", [])}
        if tags.get("Stack") == stack:
            found.add(f"acm certificate {certificate['DomainName']}")
    return found


def _backups(client: Client, stack: str) -> set[str]:
    """The backup vaults and plans in the stack's region, and in the copy region the vault and its key."""
    found = set()
    for region in ("us-east-1", COPY_REGION):
        vaults = client("backup", region_name=region).list_backup_vaults()["BackupVaultList"]
        found |= {f"backup vault {region} {v['BackupVaultName']}" for v in vaults if v["BackupVaultName"].startswith(f"{stack}-")}
    found |= _named("backup plan", client("backup").list_backup_plans()["BackupPlansList"], "BackupPlanName", stack)
    kms = client("kms", region_name=COPY_REGION)
    found |= {f"kms alias {COPY_REGION} {a['AliasName']}" for a in _pages(kms, "list_aliases", "Aliases") if a["AliasName"] == f"alias/{stack}-backup-copy"}
    for key in _pages(kms, "list_keys", "Keys"):
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
        if tags.get("Stack") == stack:
            found.add(f"kms key {COPY_REGION} {kms.describe_key(KeyId=key['KeyId'])['KeyMetadata']['KeyState']}")
    return found


def stack_resources(client: Client, stack: str, known: dict[str, Any]) -> set[str]:
    """Everything in every service the stack uses that carries its tags or names, as 'kind name' strings."""
    return (
        _ec2(client, stack, known) | _iam_kms_s3(client, stack) | _data_tier(client, stack) | _configuration_and_edge(client, stack) | _backups(client, stack)
    )


def _known_before_teardown(client: Client, stack: str) -> dict[str, Any]:
    """What only the deployed stack can tell: its VPC, its NAT gateways' Elastic IPs, its database's creation time."""
    ec2 = client("ec2")
    nats = ec2.describe_nat_gateways(Filters=_stack_filter(stack))["NatGateways"]
    database = client("rds").describe_db_instances(DBInstanceIdentifier=f"{stack}-db")["DBInstances"][0]
    return {
        "vpc_ids": [v["VpcId"] for v in ec2.describe_vpcs(Filters=_stack_filter(stack))["Vpcs"]],
        "nat_gateways": nats,
        "allocation_ids": [a["AllocationId"] for n in nats for a in n["NatGatewayAddresses"]],
        "final_snapshot": f"{stack}-db-final-{database['InstanceCreateTime'].strftime('%Y%m%d%H%M%S')}",
    }


# --- running playbooks -------------------------------------------------------------------------------


def _deploy(stack: str, env: dict[str, str]) -> tuple[PlaybookRun, dict[str, Any]]:
    extra_vars = {} if stack == "cvat-local" else {"cvat_stack_name": stack, "network_vpc_cidr": "10.41.0.0/16"}
    run = run_playbook(SITE, env, extra_vars=extra_vars)
    assert run.returncode == 0, run.explain()
    summaries = [result["msg"] for name, result in run.tasks() if name == "Summary of the stack"]
    return run, summaries[0]


def _teardown(stack: str, env: dict[str, str], *args: str, **options: Any) -> PlaybookRun:
    extra_vars = {"teardown_stack_name": stack, **options}
    if stack != "cvat-local":
        extra_vars["cvat_stack_name"] = stack
    return run_playbook(TEARDOWN, env, *args, extra_vars=extra_vars)


def _counted(emulator: Any, call: Callable[[], PlaybookRun]) -> tuple[PlaybookRun, dict[str, int]]:
    """The run, and the AWS calls it made ({"service:Action": n})."""
    def flat() -> dict[str, int]:
        return {f"{service}:{action}": n for service, actions in emulator.counts().items() for action, n in actions.items()}

    before = flat()
    run = call()
    after = flat()
    return run, {key: n - before.get(key, 0) for key, n in after.items() if n != before.get(key, 0)}


def _writes(calls: dict[str, int]) -> dict[str, int]:
    return {key: n for key, n in calls.items() if not key.split(":", 1)[1].startswith(READS)}


def _summary(run: PlaybookRun) -> dict[str, Any]:
    summaries = [result["msg"] for name, result in run.tasks() if name == "Summary of the teardown"]
    assert len(summaries) == 1, run.explain()
    return summaries[0]


# --- the guard -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra_vars,variable",
    [
        ({}, "teardown_stack_name"),
        ({"teardown_stack_name": ""}, "teardown_stack_name"),
        ({"teardown_stack_name": "cvat-prod"}, "teardown_stack_name"),
        ({"teardown_stack_name": "cvat-local", "teardown_delete_buckets": "maybe"}, "teardown_delete_buckets"),
        ({"teardown_stack_name": "cvat-local", "teardown_secret_recovery_window_days": 3}, "teardown_secret_recovery_window_days"),
    ],
    ids=["stack not named", "empty name", "another stack", "option not a boolean", "recovery window AWS refuses"],
)
def test_teardown_refuses_before_any_aws_call(extra_vars, variable, own_emulator):
    run, calls = _counted(own_emulator, lambda: run_playbook(TEARDOWN, own_emulator.env, extra_vars=extra_vars))
    assert run.returncode != 0, run.explain()
    assert variable in " ".join(run.failure_messages()), run.explain()
    assert calls == {}, "AWS was called before the guard failed"


# --- the default teardown ------------------------------------------------------------------------------


def test_teardown_keeps_the_data_and_a_second_run_changes_nothing(own_emulator):
    stack, env, client = "cvat-local", own_emulator.env, own_emulator.client
    _deploy_run, deployed = _deploy(stack, env)
    # What a restore test (playbooks/restore_test.yml) that stopped half-way leaves: a temporary instance in the
    # database's subnet group, which could not be deleted while it exists.
    leftover = f"{stack}-restoretest-20261201t030000z"
    client("rds").create_db_instance(
        DBInstanceIdentifier=leftover, DBInstanceClass="db.t3.medium", Engine="postgres", MasterUsername="cvat",
        MasterUserPassword="leftover-test-only", AllocatedStorage=20, DBSubnetGroupName=f"{stack}-db",
    )
    known = _known_before_teardown(client, stack)
    before = stack_resources(client, stack, known)
    assert f"rds instance {leftover}" in before

    # --check: every removal is predicted, nothing is written.
    check, calls = _counted(own_emulator, lambda: _teardown(stack, env, "--check"))
    assert check.returncode == 0, check.explain()
    assert check.stats["changed"] > 0
    assert _writes(calls) == {}
    assert stack_resources(client, stack, known) == before

    first = _teardown(stack, env)
    assert first.returncode == 0, first.explain()

    buckets = {f"s3 bucket {stack}-{purpose}-{ACCOUNT_REGION}" for purpose in ("raw-data", "annotations")}
    access_logs = deployed.get("access_logs", "-")
    if access_logs != "-":
        buckets.add(f"s3 bucket {access_logs}")
    kept = buckets | {
        f"rds snapshot {known['final_snapshot']}",
        "kms key Enabled",
        f"kms alias alias/{stack}",
        f"secret cvat/{stack}/database",
        # Deleted with a recovery window: AWS keeps them restorable for 7 days.
        f"secret (pending deletion) cvat/{stack}/s3-user",
        f"secret (pending deletion) cvat/{stack}/django-secret-key",
        f"secret (pending deletion) cvat/{stack}/admin",
    } | {f"log group /cvat/{stack}/{name}" for name in ("cvat", "docker", "system")}
    # The backup vaults by default, and the copy region's key with its vault.
    kept |= {f"backup vault {region} {stack}-backup" for region in ("us-east-1", COPY_REGION)}
    kept |= {f"kms key {COPY_REGION} Enabled", f"kms alias {COPY_REGION} alias/{stack}-backup-copy"}
    assert stack_resources(client, stack, known) == kept

    # The summary names what went and what stayed.
    summary = _summary(first)
    assert summary["kept"]["storage"] == [f"bucket {stack}-{purpose}-{ACCOUNT_REGION}" for purpose in ("raw-data", "annotations")]
    assert f"db snapshot {known['final_snapshot']}" in summary["kept"]["database"]
    assert f"secret cvat/{stack}/database" in summary["kept"]["database"]
    assert any(f"alias/{stack}" in entry for entry in summary["kept"]["security"])
    assert f"vpc {stack}-vpc" in summary["removed"]["network"]
    assert f"db instance {stack}-db" in summary["removed"]["database"]
    assert summary["removed"]["restore_test"] == [f"db instance {leftover}"]
    assert summary["kept"]["monitoring"] == [f"log group /cvat/{stack}/{name}" for name in ("cvat", "docker", "system")]
    assert len([entry for entry in summary["kept"]["backup"] if entry.startswith("backup vault ")]) == 2
    assert {f"backup plan {stack}", f"backup selection {stack}-resources", f"iam role {stack}-backup"} <= set(summary["removed"]["backup"])
    assert {f"dashboard {stack}", f"sns topic {stack}-alarms", f"alarm {stack}-hosts-cpu-high"} <= set(summary["removed"]["monitoring"])

    # Run again: nothing to do, and nothing but reads.
    again, calls = _counted(own_emulator, lambda: _teardown(stack, env))
    assert again.returncode == 0, again.explain()
    assert again.changed_tasks() == [] and again.stats["changed"] == 0, again.explain()
    assert _writes(calls) == {}
    assert stack_resources(client, stack, known) == kept


# --- a teardown that stopped half-way, then the whole, with every deletion -------------------------------


def test_partial_teardown_then_full_teardown_leaves_only_what_aws_keeps(own_emulator):
    stack, env, client = "cvat-purge", own_emulator.env, own_emulator.client
    _deploy(stack, env)
    known = _known_before_teardown(client, stack)
    ec2, efs = client("ec2"), client("efs")

    # A run that stopped after the cache...
    partial = _teardown(stack, env, "--tags", "compute,load_balancer,boot_config,cache", **PURGE)
    assert partial.returncode == 0, partial.explain()
    left = stack_resources(client, stack, known)
    assert not [r for r in left if r.startswith(("elasticache", "ssm parameter"))], left
    assert f"rds instance {stack}-db" in left and f"ec2 vpc {stack}-vpc" in left
    # ...and pieces removed by hand, out of order: a NAT gateway without releasing its Elastic IP,
    # the EFS access point.
    ec2.delete_nat_gateway(NatGatewayId=known["nat_gateways"][0]["NatGatewayId"])
    file_system = efs.describe_file_systems(CreationToken=f"{stack}-data")["FileSystems"][0]
    for access_point in efs.describe_access_points(FileSystemId=file_system["FileSystemId"])["AccessPoints"]:
        efs.delete_access_point(AccessPointId=access_point["AccessPointId"])

    full = _teardown(stack, env, **PURGE)
    assert full.returncode == 0, full.explain()
    # AWS keeps the key until its deletion window ends, and deleted secrets for their recovery window.
    nothing_but_aws = {
        "kms key PendingDeletion",
        f"kms alias alias/{stack}",
        f"secret (pending deletion) cvat/{stack}/database",
        f"secret (pending deletion) cvat/{stack}/s3-user",
        f"secret (pending deletion) cvat/{stack}/django-secret-key",
        f"secret (pending deletion) cvat/{stack}/admin",
        # teardown_delete_backup_vault: the empty vaults go, the copy region's key waits for its deletion window.
        f"kms key {COPY_REGION} PendingDeletion",
        f"kms alias {COPY_REGION} alias/{stack}-backup-copy",
    }
    assert stack_resources(client, stack, known) == nothing_but_aws
    summary = _summary(full)
    assert summary["kept"] == {
        "monitoring": [],
        "load_balancer": summary["kept"]["load_balancer"],
        "backup": [],
        "storage": [],
        "database": [],
        "security": [],
    }
    assert f"elastic ip {known['allocation_ids'][0]}" in summary["removed"]["network"], (known["nat_gateways"], summary["removed"])

    again, calls = _counted(own_emulator, lambda: _teardown(stack, env, **PURGE))
    assert again.returncode == 0, again.explain()
    assert again.changed_tasks() == [] and again.stats["changed"] == 0, again.explain()
    assert _writes(calls) == {}
    assert stack_resources(client, stack, known) == nothing_but_aws
