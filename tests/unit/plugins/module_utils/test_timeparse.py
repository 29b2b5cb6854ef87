# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The time parsing that the backup, CloudWatch and restore-check modules share."""

import datetime

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import timeparse

UTC = datetime.timezone.utc
PLUS_ONE = datetime.timezone(datetime.timedelta(hours=1))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-01-31T03:00:00Z", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        ("2026-01-31T03:00:00z", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        ("2026-01-31T03:00:00.123456+00:00", datetime.datetime(2026, 1, 31, 3, 0, 0, 123456, tzinfo=UTC)),
        ("2026-01-31T04:00:00+01:00", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        ("2026-01-30T22:00:00-05:00", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        # no offset: UTC (AWS's times always carry one; a hand-written one is taken as UTC)
        ("2026-01-31T03:00:00", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        ("2026-01-31 03:00:00", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        ("2026-12-01", datetime.datetime(2026, 12, 1, tzinfo=UTC)),
        (" 2026-01-31T03:00:00Z ", datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_parse_time(value, expected):
    parsed = timeparse.parse_time(value, "as_of")
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


def test_parse_time_keeps_the_offset_it_was_given():
    """cloudwatch_metric_data reports the timestamps as they were given."""
    parsed = timeparse.parse_time("2026-12-06T03:00:00+01:00", "timestamp")
    assert parsed.utcoffset() == datetime.timedelta(hours=1)
    assert parsed.isoformat() == "2026-12-06T03:00:00+01:00"


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "31/01/2026", "2026-01-31T25:00:00", "  ", "Z"])
def test_parse_time_rejects_naming_the_option(value):
    with pytest.raises(ValueError, match="created_after must be an ISO 8601 time such as 2026-01-31T03:00:00Z, not "):
        timeparse.parse_time(value, "created_after")


@pytest.mark.parametrize(
    "value, expected",
    [
        (datetime.datetime(2026, 12, 6, 4, 12, tzinfo=PLUS_ONE), "2026-12-06T03:12:00+00:00"),
        (datetime.datetime(2026, 12, 6, 3, 12), "2026-12-06T03:12:00+00:00"),
        (1796526720, "2026-12-06T03:12:00+00:00"),
        (1796526720.5, "2026-12-06T03:12:00.500000+00:00"),
    ],
)
def test_as_utc(value, expected):
    assert timeparse.as_utc(value).isoformat() == expected


def test_as_utc_keeps_none():
    assert timeparse.as_utc(None) is None
