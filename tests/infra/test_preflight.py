# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input fails in preflight, names the variable, and no AWS API call happens at all."""

from __future__ import annotations

import shutil

import pytest

from infra.playbook import REPO, run_playbook

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("preflight")]

BAD_INPUT = {
    "invalid VPC CIDR": ({"network_vpc_cidr": "10.40.0.1/16"}, "network_vpc_cidr"),
    "VPC CIDR beyond AWS limits": ({"network_vpc_cidr": "10.0.0.0/8"}, "network_vpc_cidr"),
    "invalid subnet CIDR": ({"network_app_subnet_cidrs": ["10.40.8.0/24", "10.40.300.0/24"]}, "network_app_subnet_cidrs"),
    "subnet outside the VPC": ({"network_data_subnet_cidrs": ["10.40.16.0/24", "10.41.17.0/24"]}, "network_data_subnet_cidrs"),
    "overlapping subnets": ({"network_public_subnet_cidrs": ["10.40.0.0/24", "10.40.8.0/25"]}, "network_public_subnet_cidrs"),
    "fewer than 2 AZs (count)": ({"network_az_count": 1}, "network_az_count"),
    "fewer than 2 AZs (list)": ({"network_availability_zones": ["us-east-1a"]}, "network_availability_zones"),
    "AZ of another region": ({"network_availability_zones": ["us-east-1a", "eu-west-1b"]}, "network_availability_zones"),
    "subnets too small for the plan": ({"network_subnet_newbits": 2}, "network_subnet_newbits"),
    "invalid bucket name": ({"cvat_stack_raw_data_bucket_name": "Raw_Data"}, "cvat_stack_raw_data_bucket_name"),
    "bucket name like an IP": ({"cvat_stack_annotations_bucket_name": "192.168.1.1"}, "cvat_stack_annotations_bucket_name"),
    "unknown environment": ({"cvat_stack_environment": "prod"}, "cvat_stack_environment"),
    "invalid stack name": ({"cvat_stack_name": "CVAT_Prod"}, "cvat_stack_name"),
    "local stack pointed at a real endpoint": ({"cvat_stack_aws_endpoint_url": "https://ec2.us-east-1.amazonaws.com"}, "cvat_stack_aws_endpoint_url"),
    "unknown NAT mode": ({"network_nat_gateway_mode": "none"}, "network_nat_gateway_mode"),
    "bad ALB source": ({"security_alb_allowed_cidrs": ["0.0.0.0/33"]}, "security_alb_allowed_cidrs"),
    "SSH open to the world in production": (
        {"cvat_stack_environment": "production", "cvat_stack_aws_endpoint_url": "", "security_ssh_allowed_cidrs": ["0.0.0.0/0"]},
        "security_ssh_allowed_cidrs",
    ),
    "app port of the database": ({"security_app_port": 5432}, "security_app_port"),
    "unknown encryption": ({"storage_encryption": "SSE-C"}, "storage_encryption"),
    "negative lifecycle": ({"storage_glacier_transition_days": -1}, "storage_glacier_transition_days"),
    "unknown instance class format": ({"database_instance_class": "t3.medium"}, "database_instance_class"),
    "database storage below 20 GB": ({"database_allocated_storage": 10}, "database_allocated_storage"),
    "storage ceiling below allocated": ({"database_max_allocated_storage": 50}, "database_max_allocated_storage"),
    "backup retention above 35 days": ({"database_backup_retention_days": 36}, "database_backup_retention_days"),
    "PostgreSQL major CVAT does not support": ({"database_postgres_major": 16}, "database_postgres_major"),
    "engine version of another major": ({"database_engine_version": "16.4"}, "database_engine_version"),
    "no replica with failover": ({"cache_replicas": 0}, "cache_replicas"),
    "unknown cache node type format": ({"cache_node_type": "t3.small"}, "cache_node_type"),
    "unknown EFS throughput mode": ({"shared_fs_throughput_mode": "elastic"}, "shared_fs_throughput_mode"),
    "CVAT host that is no DNS name": ({"boot_config_cvat_host": "https://cvat"}, "boot_config_cvat_host"),
    "no certificate given or requested": ({"load_balancer_certificate_request": False}, "load_balancer_allow_http_only"),
    "two certificate sources": (
        {"load_balancer_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000"},
        "load_balancer_certificate_arn",
    ),
    "certificate ARN of another service": (
        {"load_balancer_certificate_request": False, "load_balancer_certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"},
        "load_balancer_certificate_arn",
    ),
    "certificate file without its key": (
        {"load_balancer_certificate_request": False, "load_balancer_certificate_file": "/etc/hostname"},
        "load_balancer_certificate_private_key_file",
    ),
    "requested certificate without a domain": ({"load_balancer_certificate_domain_name": ""}, "load_balancer_certificate_domain_name"),
    "HTTP only in production": (
        {
            "cvat_stack_environment": "production",
            "cvat_stack_aws_endpoint_url": "",
            "load_balancer_certificate_request": False,
            "load_balancer_allow_http_only": True,
        },
        "load_balancer_allow_http_only",
    ),
    "unknown TLS policy": ({"load_balancer_ssl_policy": "ELBSecurityPolicy-2016-08"}, "load_balancer_ssl_policy"),
    "idle timeout above the ALB limit": ({"load_balancer_idle_timeout": 4001}, "load_balancer_idle_timeout"),
    "health check timeout not below the interval": ({"load_balancer_health_check_timeout": 15}, "load_balancer_health_check_timeout"),
    "OIDC without its endpoints": ({"load_balancer_authentication": "oidc", "load_balancer_oidc": {"client_id": "cvat"}}, "load_balancer_oidc"),
    # The local inventory names the record; the case is the zone without it.
    "alias zone without a record name": (
        {"load_balancer_route53_zone": "example.com", "load_balancer_route53_record_name": ""},
        "load_balancer_route53_record_name",
    ),
    "min above desired": ({"compute_min_size": 3}, "compute_min_size"),
    "desired above max": ({"compute_desired_capacity": 5}, "compute_desired_capacity"),
    "max above 10": ({"compute_max_size": 11}, "compute_max_size"),
    "CPU target above 100": ({"compute_cpu_target": 101}, "compute_cpu_target"),
    "CPU target of 0": ({"compute_cpu_target": 0}, "compute_cpu_target"),
    "memory target above 100": ({"compute_memory_target": 150}, "compute_memory_target"),
    "one host in production": (
        {"cvat_stack_environment": "production", "cvat_stack_aws_endpoint_url": "", "compute_min_size": 1, "compute_desired_capacity": 1},
        "compute_min_size",
    ),
    "IMDS hop limit of 0": ({"compute_metadata_hop_limit": 0}, "compute_metadata_hop_limit"),
    "malformed AMI id": ({"compute_ami_id": "ubuntu-22.04"}, "compute_ami_id"),
    "refresh band wider than 100": (
        {"compute_instance_refresh_min_healthy_percentage": 90, "compute_instance_refresh_max_healthy_percentage": 200},
        "compute_instance_refresh_max_healthy_percentage",
    ),
    "log retention CloudWatch Logs refuses": ({"monitoring_log_group_retention_days": 45}, "monitoring_log_group_retention_days"),
    "no log groups": ({"monitoring_log_groups": []}, "monitoring_log_groups"),
    "subscription without endpoint": ({"monitoring_alarm_subscriptions": [{"protocol": "email"}]}, "monitoring_alarm_subscriptions"),
    "email subscription to a URL": (
        {"monitoring_alarm_subscriptions": [{"protocol": "email", "endpoint": "https://example.com"}]},
        "monitoring_alarm_subscriptions",
    ),
    "unknown subscription protocol": (
        {"monitoring_alarm_subscriptions": [{"protocol": "pager", "endpoint": "ops"}]},
        "monitoring_alarm_subscriptions",
    ),
    "CPU alarm above 100 %": ({"monitoring_hosts_cpu_high_percent": 120}, "monitoring_hosts_cpu_high_percent"),
    "free storage share of 0": ({"monitoring_database_free_storage_percent": 0}, "monitoring_database_free_storage_percent"),
    "alarm period of 45 s": ({"monitoring_alarm_period": 45}, "monitoring_alarm_period"),
    "alarms over more than a day": ({"monitoring_alarm_period": 3600, "monitoring_alarm_evaluation_periods": 48}, "monitoring_alarm_evaluation_periods"),
    "unknown EFS metric": ({"monitoring_efs_metric": "MeteredIOBytes"}, "monitoring_efs_metric"),
    "backup vault name with spaces": ({"monitoring_backup_vault_name": "my vault"}, "monitoring_backup_vault_name"),
    "restore test in an AWS namespace": ({"monitoring_restore_test_namespace": "AWS/Backup"}, "monitoring_restore_test_namespace"),
    "no copy region": ({"backup_copy_region": ""}, "backup_copy_region"),
    "copy region is the stack's region": ({"backup_copy_region": "us-east-1"}, "backup_copy_region"),
    "backup vault name with a dot": ({"backup_vault_name": "cvat.backup"}, "backup_vault_name"),
    "backup schedule without cron": ({"backup_daily_schedule": "daily"}, "backup_daily_schedule"),
    "daily retention of 0 days": ({"backup_daily_retention_days": 0}, "backup_daily_retention_days"),
    "cold storage too close to deletion": (
        {"backup_monthly_enabled": True, "backup_monthly_cold_storage_after_days": 300, "backup_monthly_retention_days": 365},
        "backup_monthly_retention_days",
    ),
    "unknown backup resource type": ({"backup_resource_types": ["rds", "s3"]}, "backup_resource_types"),
    "vault lock that refuses the daily retention": (
        {"backup_vault_lock_enabled": True, "backup_vault_lock_min_retention_days": 14},
        "backup_vault_lock_min_retention_days",
    ),
    "compliance vault lock not acknowledged": (
        {"backup_vault_lock_enabled": True, "backup_vault_lock_changeable_for_days": 7},
        "backup_vault_lock_compliance_acknowledged",
    ),
    "vault lock changeable for 2 days": (
        {"backup_vault_lock_enabled": True, "backup_vault_lock_changeable_for_days": 2, "backup_vault_lock_compliance_acknowledged": True},
        "backup_vault_lock_changeable_for_days",
    ),
}


def _assert_failed_before_aws(run, variable, aws_emulator):
    assert run.returncode != 0, run.explain()
    messages = " ".join(run.failure_messages())
    assert variable in messages, run.explain()
    assert aws_emulator.total() == 0, f"AWS was called before preflight failed: {aws_emulator.counts()}"


@pytest.mark.parametrize("extra_vars,variable", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_fails_before_any_aws_call(extra_vars, variable, aws_emulator, aws_env):
    aws_emulator.reset_counts()
    run = run_playbook("site.yml", aws_env, extra_vars=extra_vars)
    _assert_failed_before_aws(run, variable, aws_emulator)


def test_missing_stack_name_fails_before_any_aws_call(tmp_path, aws_emulator, aws_env):
    inventory = tmp_path / "inventory"
    shutil.copytree(REPO / "inventories" / "local", inventory)
    stack_vars = inventory / "group_vars" / "all" / "stack.yml"
    stack_vars.write_text("".join(line for line in stack_vars.read_text().splitlines(True) if not line.startswith("cvat_stack_name:")))
    aws_emulator.reset_counts()
    run = run_playbook("site.yml", aws_env, inventory=inventory)
    _assert_failed_before_aws(run, "cvat_stack_name", aws_emulator)


def test_every_problem_is_reported_at_once(aws_emulator, aws_env):
    """One run names every wrong subnet variable, not just the first."""
    aws_emulator.reset_counts()
    run = run_playbook(
        "site.yml", aws_env,
        extra_vars={"network_public_subnet_cidrs": ["10.40.0.0/24", "bad"], "network_data_subnet_cidrs": ["10.99.0.0/24", "10.40.17.0/24"]},
    )
    _assert_failed_before_aws(run, "network_public_subnet_cidrs", aws_emulator)
    assert "network_data_subnet_cidrs" in " ".join(run.failure_messages())


@pytest.mark.parametrize(
    "tags,extra_vars,variable",
    [
        # The bad variable belongs to a role that the run does not even deploy: preflight still checks it.
        ("compute", {"network_vpc_cidr": "10.40.0.1/16"}, "network_vpc_cidr"),
        ("monitoring", {"database_allocated_storage": 10}, "database_allocated_storage"),
    ],
    ids=["--tags compute", "--tags monitoring"],
)
def test_partial_runs_still_validate_everything(tags, extra_vars, variable, aws_emulator, aws_env):
    """`--tags <role>` must not skip the checks: tags on an include_role do not reach the included tasks by themselves."""
    aws_emulator.reset_counts()
    run = run_playbook("site.yml", aws_env, "--tags", tags, extra_vars=extra_vars)
    _assert_failed_before_aws(run, variable, aws_emulator)
