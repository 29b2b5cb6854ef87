# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Times as the collection's modules take them (ISO 8601 options) and as botocore returns them.

- ``parse_time()``: an option's ISO 8601 text as an aware datetime; a time without an offset is UTC.
- ``as_utc()``: a botocore time (a datetime, or epoch seconds where the API answers a number) as an aware UTC
  datetime.
"""

import datetime

UTC = datetime.timezone.utc


def parse_time(value, option):
    """value (ISO 8601) as an aware datetime with the offset it was given, UTC when it has none.

    None and "" stay None (the option was not set). Anything else that is not an ISO 8601 time, blanks included,
    raises ValueError with a message naming the option.
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    # datetime.fromisoformat() learnt "Z" only in Python 3.11, and a lower-case "z" not at all.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("%s must be an ISO 8601 time such as 2026-01-31T03:00:00Z, not %r" % (option, value)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_utc(value):
    """A datetime (a naive one is taken as UTC) or epoch seconds as an aware UTC datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=UTC)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
