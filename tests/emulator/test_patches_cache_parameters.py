# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One test per cache parameter group patch (tests/awsemu/patches_cache_parameters.py), through boto3.

Each test fails on stock moto 5.2.5; check with
``AWSEMU_DISABLE_PATCHES=<patch name> python -m pytest tests/emulator/test_patches_cache_parameters.py``.
The operations themselves come from ``elasticache_cache_parameter_groups`` (tests/awsemu/patches_cache.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

ClientFactory = Callable[..., Any]


def _unique(prefix: str) -> str:
    """Names must not collide: the session's emulator state is shared by all tests."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


@pytest.fixture
def elasticache(aws_client: ClientFactory) -> Any:
    return aws_client("elasticache")


def _create(elasticache: Any, **extra: Any) -> dict[str, Any]:
    return elasticache.create_cache_parameter_group(
        CacheParameterGroupName=_unique("params"), CacheParameterGroupFamily="redis7", Description="test", **extra
    )["CacheParameterGroup"]


def test_elasticache_parameter_group_tags(elasticache: Any) -> None:
    """Tags of a parameter group are listed, added and removed through its ARN."""
    group = _create(elasticache, Tags=[{"Key": "Project", "Value": "cvat"}])
    arn = group["ARN"]
    assert arn == f"arn:aws:elasticache:us-east-1:123456789012:parametergroup:{group['CacheParameterGroupName']}"
    assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "Project", "Value": "cvat"}]

    elasticache.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Environment", "Value": "local"}])
    elasticache.remove_tags_from_resource(ResourceName=arn, TagKeys=["Project"])
    assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "Environment", "Value": "local"}]

    elasticache.delete_cache_parameter_group(CacheParameterGroupName=group["CacheParameterGroupName"])
    assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == []

    # Other ARNs are still checked as before.
    with pytest.raises(ClientError) as error:
        elasticache.list_tags_for_resource(ResourceName="arn:aws:elasticache:us-east-1:123456789012:nonsense:x")
    assert _error_code(error) == "InvalidARN"


def test_elasticache_parameter_pages(elasticache: Any) -> None:
    """MaxRecords (20 to 100) and Marker page the groups; the paginator reads them all."""
    created = {_create(elasticache)["CacheParameterGroupName"] for _index in range(25)}

    first = elasticache.describe_cache_parameter_groups(MaxRecords=20)
    assert len(first["CacheParameterGroups"]) == 20
    assert first["Marker"]
    second = elasticache.describe_cache_parameter_groups(MaxRecords=20, Marker=first["Marker"])
    names = [g["CacheParameterGroupName"] for g in first["CacheParameterGroups"] + second["CacheParameterGroups"]]
    assert len(names) == len(set(names))

    paginator = elasticache.get_paginator("describe_cache_parameter_groups")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 20}))
    assert len(pages) >= 2
    listed = {g["CacheParameterGroupName"] for page in pages for g in page["CacheParameterGroups"]}
    assert created | {"default.redis7"} <= listed
    assert "Marker" not in pages[-1]

    # A redis7 group has fewer than 100 emulated parameters: one page, no Marker.
    parameters = elasticache.describe_cache_parameters(CacheParameterGroupName=sorted(created)[0])
    assert "Marker" not in parameters and parameters["Parameters"]

    for operation, arguments in (
        (elasticache.describe_cache_parameter_groups, {"MaxRecords": 19}),
        (elasticache.describe_cache_parameters, {"CacheParameterGroupName": "default.redis7", "MaxRecords": 101}),
    ):
        with pytest.raises(ClientError) as error:
            operation(**arguments)
        assert _error_code(error) == "InvalidParameterValue", arguments

    for name in created:
        elasticache.delete_cache_parameter_group(CacheParameterGroupName=name)


def test_elasticache_modify_parameter_limit(elasticache: Any) -> None:
    """More than 20 parameters in one ModifyCacheParameterGroup is InvalidParameterValue; nothing changes."""
    name = _create(elasticache)["CacheParameterGroupName"]
    change = {"ParameterName": "timeout", "ParameterValue": "300"}

    with pytest.raises(ClientError) as error:
        elasticache.modify_cache_parameter_group(CacheParameterGroupName=name, ParameterNameValues=[change] * 21)
    assert _error_code(error) == "InvalidParameterValue"
    assert elasticache.describe_cache_parameters(CacheParameterGroupName=name, Source="user")["Parameters"] == []

    elasticache.modify_cache_parameter_group(CacheParameterGroupName=name, ParameterNameValues=[change] * 20)
    user = elasticache.describe_cache_parameters(CacheParameterGroupName=name, Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"]) for p in user] == [("timeout", "300")]
    elasticache.delete_cache_parameter_group(CacheParameterGroupName=name)


def test_cache_parameter_groups_behave_as_aws(elasticache: Any) -> None:
    """What cvatops.aws.elasticache_parameter_group relies on (operations from awsemu.patches_cache)."""
    with pytest.raises(ClientError) as error:
        elasticache.describe_cache_parameter_groups(CacheParameterGroupName=_unique("missing"))
    assert _error_code(error) == "CacheParameterGroupNotFound"

    defaults = {p["ParameterName"]: p for p in elasticache.describe_cache_parameters(CacheParameterGroupName="default.redis7")["Parameters"]}
    assert defaults["maxmemory-policy"]["ParameterValue"] == "volatile-lru"
    assert defaults["timeout"]["ParameterValue"] == "0"
    assert defaults["notify-keyspace-events"].get("ParameterValue", "") == ""
    assert all({"DataType", "IsModifiable", "Source"} <= set(p) for p in defaults.values())

    name = _create(elasticache)["CacheParameterGroupName"]
    elasticache.modify_cache_parameter_group(
        CacheParameterGroupName=name,
        ParameterNameValues=[
            {"ParameterName": "maxmemory-policy", "ParameterValue": "allkeys-lru"},
            {"ParameterName": "timeout", "ParameterValue": "300"},
        ],
    )
    user = elasticache.describe_cache_parameters(CacheParameterGroupName=name, Source="user")["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in user} == {"maxmemory-policy": "allkeys-lru", "timeout": "300"}
    system = elasticache.describe_cache_parameters(CacheParameterGroupName=name, Source="system")["Parameters"]
    assert "timeout" not in {p["ParameterName"] for p in system}

    with pytest.raises(ClientError) as error:
        elasticache.modify_cache_parameter_group(
            CacheParameterGroupName=name, ParameterNameValues=[{"ParameterName": "no-such-parameter", "ParameterValue": "1"}]
        )
    assert _error_code(error) == "InvalidParameterValue"

    elasticache.reset_cache_parameter_group(
        CacheParameterGroupName=name, ResetAllParameters=False, ParameterNameValues=[{"ParameterName": "timeout"}]
    )
    user = elasticache.describe_cache_parameters(CacheParameterGroupName=name, Source="user")["Parameters"]
    assert [p["ParameterName"] for p in user] == ["maxmemory-policy"]

    elasticache.delete_cache_parameter_group(CacheParameterGroupName=name)
    with pytest.raises(ClientError) as error:
        elasticache.delete_cache_parameter_group(CacheParameterGroupName=name)
    assert _error_code(error) == "CacheParameterGroupNotFound"
