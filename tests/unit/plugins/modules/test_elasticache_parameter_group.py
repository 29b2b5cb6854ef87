# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import elasticache_parameter_group as pg

ARN = "arn:aws:elasticache:us-east-1:123456789012:parametergroup:cvat-redis7"


def params(**overrides):
    base = dict(
        name="cvat-redis7",
        family="redis7",
        description="CVAT Redis",
        parameters={},
        purge_parameters=False,
        tags=None,
        purge_tags=True,
        state="present",
    )
    base.update(overrides)
    return base


def group(**overrides):
    base = {
        "CacheParameterGroupName": "cvat-redis7",
        "CacheParameterGroupFamily": "redis7",
        "Description": "CVAT Redis",
        "IsGlobal": False,
        "ARN": ARN,
    }
    base.update(overrides)
    return base


def parameter(name, value=None, source="system", modifiable=True):
    entry = {"ParameterName": name, "Source": source, "DataType": "string", "IsModifiable": modifiable}
    if value is not None:
        entry["ParameterValue"] = value
    return entry


# --- values and validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("allkeys-lru", "allkeys-lru"),
        (300, "300"),
        (0, "0"),
        (True, "yes"),
        (False, "no"),
        (None, ""),
        ("", ""),
        (1.5, "1.5"),
    ],
)
def test_parameter_value(value, expected):
    assert pg.parameter_value(value) == expected


def test_normalize_parameters():
    assert pg.normalize_parameters({"timeout": 300, "activedefrag": True, "notify-keyspace-events": None}) == {
        "timeout": "300",
        "activedefrag": "yes",
        "notify-keyspace-events": "",
    }
    assert pg.normalize_parameters(None) == {}


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({}, None),
        ({"name": "a"}, None),
        ({"name": "cvat-local-redis7"}, None),
        ({"name": "Cvat-Redis7"}, None),
        ({"name": "a" * 255}, None),
        ({"name": "a" * 256}, "Invalid parameter group name"),
        ({"name": "default.redis7"}, "default group of AWS"),
        ({"name": "Default.redis7"}, "default group of AWS"),
        ({"name": "7redis"}, "Invalid parameter group name"),
        ({"name": "cvat--redis"}, "Invalid parameter group name"),
        ({"name": "cvat-redis-"}, "Invalid parameter group name"),
        ({"name": "cvat_redis"}, "Invalid parameter group name"),
        ({"name": ""}, "Invalid parameter group name"),
        ({"parameters": {"": "x"}}, "empty parameter name"),
        ({"parameters": {"timeout": "0"}}, None),
    ],
)
def test_validate_params(overrides, error):
    problem = pg.validate_params(params(**overrides))
    if error is None:
        assert problem is None
    else:
        assert error in problem


@pytest.mark.parametrize(
    "family, expected",
    [
        ("redis7", None),
        (None, None),
        ("", None),
        ("redis6.x", "has family redis7, not redis6.x"),
        ("valkey8", "can not change the family"),
    ],
)
def test_immutable_problem(family, expected):
    problem = pg.immutable_problem(group(), family)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem and "cvat-redis7" in problem


@pytest.mark.parametrize(
    "current, wanted, warns",
    [
        ("CVAT Redis", "CVAT Redis", False),
        ("CVAT Redis", "Other", True),
        (None, "", False),
        ("", "", False),
        ("CVAT Redis", "", True),
        ("CVAT Redis", None, False),
    ],
)
def test_description_warning(current, wanted, warns):
    warning = pg.description_warning(group(Description=current), wanted)
    assert bool(warning) is warns
    if warns:
        assert "can not change the description" in warning


def test_user_set_values_keeps_only_user_parameters():
    parameters = [
        parameter("maxmemory-policy", "allkeys-lru", source="user"),
        parameter("timeout", "0"),
        parameter("notify-keyspace-events", None, source="user"),
        parameter("databases", "16", source="engine-default"),
    ]
    assert pg.user_set_values(parameters) == {"maxmemory-policy": "allkeys-lru", "notify-keyspace-events": ""}


@pytest.mark.parametrize(
    "desired, expected",
    [
        ({}, None),
        ({"timeout": "0", "maxmemory-policy": "allkeys-lru"}, None),
        ({"no-such": "1"}, "unknown parameters: no-such"),
        ({"b-unknown": "1", "a-unknown": "1"}, "unknown parameters: a-unknown, b-unknown"),
        ({"maxclients": "10"}, "parameters that can not be modified: maxclients"),
        ({"maxclients": "10", "no-such": "1"}, "unknown parameters: no-such; parameters that can not be modified: maxclients"),
    ],
)
def test_parameter_problems(desired, expected):
    family = [parameter("timeout", "0"), parameter("maxmemory-policy", "volatile-lru"), parameter("maxclients", "65000", modifiable=False)]
    assert pg.parameter_problems(desired, family) == expected


# --- parameter diff -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current, desired, purge, to_modify, to_reset",
    [
        # nothing set, nothing wanted
        ({}, {}, False, {}, []),
        ({}, {}, True, {}, []),
        # new value
        ({}, {"maxmemory-policy": "allkeys-lru"}, False, {"maxmemory-policy": "allkeys-lru"}, []),
        # same value: nothing to do
        ({"maxmemory-policy": "allkeys-lru"}, {"maxmemory-policy": "allkeys-lru"}, False, {}, []),
        # changed value
        ({"maxmemory-policy": "allkeys-lru"}, {"maxmemory-policy": "noeviction"}, False, {"maxmemory-policy": "noeviction"}, []),
        # an unlisted user-set parameter stays without purge and is reset with it
        ({"timeout": "300", "maxmemory-policy": "allkeys-lru"}, {"maxmemory-policy": "allkeys-lru"}, False, {}, []),
        ({"timeout": "300", "maxmemory-policy": "allkeys-lru"}, {"maxmemory-policy": "allkeys-lru"}, True, {}, ["timeout"]),
        # purge everything
        ({"timeout": "300", "activedefrag": "yes"}, {}, True, {}, ["activedefrag", "timeout"]),
        # empty string is a value of its own
        ({"notify-keyspace-events": ""}, {"notify-keyspace-events": ""}, True, {}, []),
        ({"notify-keyspace-events": "Ex"}, {"notify-keyspace-events": ""}, False, {"notify-keyspace-events": ""}, []),
        # a value equal to the system default still becomes user-set (it is not set yet)
        ({}, {"timeout": "0"}, True, {"timeout": "0"}, []),
    ],
)
def test_parameter_changes(current, desired, purge, to_modify, to_reset):
    assert pg.parameter_changes(current, desired, purge) == (to_modify, to_reset)


def test_parameter_changes_never_reset_what_is_set():
    current = {f"p{i}": "1" for i in range(30)}
    desired = {f"p{i}": "2" for i in range(0, 30, 2)}
    to_modify, to_reset = pg.parameter_changes(current, desired, True)
    assert not set(to_modify) & set(to_reset)
    assert set(to_modify) | set(to_reset) == set(current)


@pytest.mark.parametrize(
    "current, to_modify, to_reset, expected",
    [
        ({}, {}, [], {}),
        ({"timeout": "300"}, {"timeout": "0"}, [], {"timeout": "0"}),
        (
            {"timeout": "300", "activedefrag": "yes"},
            {"maxmemory-policy": "allkeys-lru"},
            ["activedefrag"],
            {"maxmemory-policy": "allkeys-lru", "timeout": "300"},
        ),
        ({"timeout": "300"}, {}, ["timeout"], {}),
    ],
)
def test_predicted_parameters(current, to_modify, to_reset, expected):
    assert pg.predicted_parameters(current, to_modify, to_reset) == expected


# --- batching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, sizes",
    [(0, []), (1, [1]), (19, [19]), (20, [20]), (21, [20, 1]), (40, [20, 20]), (41, [20, 20, 1]), (65, [20, 20, 20, 5])],
)
def test_batches(count, sizes):
    chunks = pg.batches(range(count))
    assert [len(chunk) for chunk in chunks] == sizes
    assert [item for chunk in chunks for item in chunk] == list(range(count))


def test_batches_custom_size():
    assert pg.batches("abcde", size=2) == [["a", "b"], ["c", "d"], ["e"]]


def test_modify_requests_are_sorted_batches_of_name_value_pairs():
    to_modify = {f"p{i:02d}": str(i) for i in range(25)}
    requests = pg.modify_requests(to_modify)
    assert [len(r) for r in requests] == [20, 5]
    assert requests[0][0] == {"ParameterName": "p00", "ParameterValue": "0"}
    assert requests[1][-1] == {"ParameterName": "p24", "ParameterValue": "24"}


def test_reset_requests_name_only():
    requests = pg.reset_requests([f"p{i:02d}" for i in range(21)][::-1])
    assert [len(r) for r in requests] == [20, 1]
    assert requests[0][0] == {"ParameterName": "p00"}
    assert all(set(entry) == {"ParameterName"} for request in requests for entry in request)


# --- tags and views ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, tags, expected",
    [
        (
            {},
            {"Project": "cvat"},
            {
                "cache_parameter_group_name": "cvat-redis7",
                "cache_parameter_group_family": "redis7",
                "description": "CVAT Redis",
                "is_global": False,
                "arn": ARN,
                "tags": {"Project": "cvat"},
            },
        ),
        (
            {"Description": None, "IsGlobal": True},
            None,
            {
                "cache_parameter_group_name": "cvat-redis7",
                "cache_parameter_group_family": "redis7",
                "description": "",
                "is_global": True,
                "arn": ARN,
                "tags": {},
            },
        ),
    ],
)
def test_normalize_group_snake_cases(overrides, tags, expected):
    assert pg.normalize_group(group(**overrides), tags) == expected


def test_predicted_group():
    predicted = pg.predicted_group(params(name="CVAT-Redis7", tags={"Project": "cvat"}))
    assert predicted["cache_parameter_group_name"] == "cvat-redis7"
    assert predicted["cache_parameter_group_family"] == "redis7"
    assert predicted["tags"] == {"Project": "cvat"}
    assert predicted["arn"] is None


# --- AWS calls send batches ---------------------------------------------------------------------


class FakeClient:
    def __init__(self):
        self.calls = []

    def modify_cache_parameter_group(self, **kwargs):
        self.calls.append(("modify", kwargs))

    def reset_cache_parameter_group(self, **kwargs):
        self.calls.append(("reset", kwargs))


@pytest.mark.parametrize("count, requests", [(0, 0), (1, 1), (20, 1), (21, 2), (45, 3)])
def test_modify_and_reset_parameters_send_batches_of_20(count, requests):
    client = FakeClient()
    pg.modify_parameters(client, "cvat-redis7", {f"p{i:02d}": "1" for i in range(count)})
    pg.reset_parameters(client, "cvat-redis7", [f"p{i:02d}" for i in range(count)])
    modifies = [kwargs for kind, kwargs in client.calls if kind == "modify"]
    resets = [kwargs for kind, kwargs in client.calls if kind == "reset"]
    assert len(modifies) == len(resets) == requests
    assert all(len(call["ParameterNameValues"]) <= 20 for call in modifies + resets)
    assert sum(len(call["ParameterNameValues"]) for call in modifies) == count
    assert all(call["ResetAllParameters"] is False and call["CacheParameterGroupName"] == "cvat-redis7" for call in resets)
