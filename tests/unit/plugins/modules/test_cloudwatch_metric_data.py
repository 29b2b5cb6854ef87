# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from datetime import datetime
from datetime import timezone

import pytest

from ansible_collections.cvatops.aws.plugins.modules import cloudwatch_metric_data as cmd

NOW = datetime(2026, 12, 6, 3, 40, tzinfo=timezone.utc)


def _entry(**kwargs):
    return {"metric_name": "Succeeded", "value": 1, "unit": "Count", "dimensions": {}, "timestamp": None, "storage_resolution": 60, **kwargs}


def test_datum_is_a_put_metric_data_entry():
    entry = _entry(dimensions={"Stack": "cvat-prod", "Phase": "restore"})
    assert cmd.datum(entry, NOW) == {
        "MetricName": "Succeeded", "Value": 1.0, "Unit": "Count", "Timestamp": NOW, "StorageResolution": 60,
        "Dimensions": [{"Name": "Phase", "Value": "restore"}, {"Name": "Stack", "Value": "cvat-prod"}],
    }
    assert cmd.datum(_entry(timestamp="2026-12-01T00:00:00Z", unit=None), NOW)["Timestamp"] == datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert cmd.datum(_entry(unit=None), NOW)["Unit"] == "None"


def test_published_round_trips():
    data = [cmd.datum(_entry(value=12.5, unit="Seconds", dimensions={"Stack": "s"}), NOW)]
    assert cmd.published(data) == [{"metric_name": "Succeeded", "value": 12.5, "unit": "Seconds", "dimensions": {"Stack": "s"},
                                    "timestamp": "2026-12-06T03:40:00+00:00", "storage_resolution": 60}]


@pytest.mark.parametrize(
    "namespace, entries, fragment",
    [
        ("AWS/RDS", [_entry()], "namespace 'AWS/RDS'"),
        ("", [_entry()], "namespace ''"),
        ("ok", [_entry(dimensions={f"d{i}": "x" for i in range(31)})], "metric_data[0].dimensions has 31"),
        ("ok", [_entry(), _entry(dimensions={"Stack": ""})], "metric_data[1].dimensions ['Stack'] have no value"),
        ("ok", [_entry(timestamp="last tuesday")], "metric_data[0].timestamp"),
    ],
)
def test_problems_name_the_option(namespace, entries, fragment):
    found = cmd.problems(namespace, entries)
    assert len(found) == 1 and fragment in found[0], found


def test_no_problems():
    assert cmd.problems("cvatops/RestoreTest", [_entry(dimensions={"Stack": "s"}, timestamp="2026-12-06T03:00:00+01:00")]) == []


@pytest.mark.parametrize("count, sizes", [(0, []), (1, [1]), (1000, [1000]), (1001, [1000, 1]), (2500, [1000, 1000, 500])])
def test_batches_respect_the_api_limit(count, sizes):
    assert [len(b) for b in cmd.batches(list(range(count)))] == sizes
