# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the restore-test integrity modules (postgres_restore_check, file_tree_compare) share.

- ``CheckList``: named checks, each passed or not with a one-line detail, in the order they ran.
- ``format_time()``: the recovery point's time (module_utils.timeparse reads it) as the results show it.
- ``finish()``: one result shape for every outcome. A failed check fails the module, but the result
  still carries every key (``passed``, ``checks``, the module's figures, ``seconds``), so a playbook
  that registers it inside block/rescue can still report what was measured.
"""

import datetime
import time

UTC = datetime.timezone.utc


class CheckList(object):
    """The checks of one run, in order; a run with no check at all has not proved anything and does not pass."""

    def __init__(self):
        self.checks = []

    def add(self, name, passed, detail=""):
        """Record one check; returns whether it passed, so callers can stop early."""
        self.checks.append(dict(name=name, passed=bool(passed), detail=detail))
        return bool(passed)

    @property
    def passed(self):
        return bool(self.checks) and all(check["passed"] for check in self.checks)

    def failed(self):
        return [check for check in self.checks if not check["passed"]]

    def failure_message(self, subject):
        """One message naming every failed check and why, e.g. for fail_json."""
        failed = self.failed()
        if not self.checks:
            return "%s: no check ran" % subject
        parts = ["%s (%s)" % (check["name"], check["detail"]) if check["detail"] else check["name"] for check in failed]
        return "%s: %d of %d checks failed: %s" % (subject, len(failed), len(self.checks), "; ".join(parts))


def format_time(moment):
    """An aware datetime as ISO 8601 UTC with a Z, for results and messages."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def first_line(text, limit=300):
    """The first line of a (possibly multi-line) error message, shortened."""
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    return line if len(line) <= limit else line[:limit - 3] + "..."


class Stopwatch(object):
    """Seconds since the run started (monotonic clock), rounded for results."""

    def __init__(self):
        self.started = time.monotonic()

    @property
    def seconds(self):
        return round(time.monotonic() - self.started, 3)


def result_of(checks, stopwatch, **figures):
    """The module result every outcome returns: passed, checks, seconds and the module's figures."""
    result = dict(changed=False, passed=checks.passed, checks=checks.checks, seconds=stopwatch.seconds)
    result.update(figures)
    return result


def finish(module, subject, checks, stopwatch, **figures):
    """exit_json when every check passed, else fail_json naming the failed checks, with the same keys either way."""
    result = result_of(checks, stopwatch, **figures)
    if result["passed"]:
        module.exit_json(**result)
    module.fail_json(msg=checks.failure_message(subject), **result)
