# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The result shape and check bookkeeping that postgres_restore_check and file_tree_compare share."""

import datetime

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import restore_checks as rc

UTC = datetime.timezone.utc


class Exited(Exception):
    def __init__(self, kind, result):
        super().__init__(kind)
        self.kind = kind
        self.result = result


class FakeModule:
    def exit_json(self, **result):
        raise Exited("exit", result)

    def fail_json(self, **result):
        raise Exited("fail", result)


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime.datetime(2026, 1, 31, 3, 0, tzinfo=UTC), "2026-01-31T03:00:00.000000Z"),
        (datetime.datetime(2026, 1, 31, 4, 0, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))), "2026-01-31T03:00:00.000005Z"),
        (None, None),
    ],
)
def test_format_time(moment, expected):
    assert rc.format_time(moment) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FATAL:  password authentication failed\nDETAIL: more", "FATAL:  password authentication failed"),
        ("\n  leading blank\n", "leading blank"),
        ("", ""),
        ("x" * 400, "x" * 297 + "..."),
    ],
)
def test_first_line(text, expected):
    assert rc.first_line(text) == expected


@pytest.mark.parametrize(
    "added, passed, failed",
    [
        ([], False, []),  # nothing checked proves nothing
        ([("a", True, "")], True, []),
        ([("a", True, ""), ("b", False, "why"), ("c", True, ""), ("d", False, "")], False, ["b", "d"]),
    ],
)
def test_check_list(added, passed, failed):
    checks = rc.CheckList()
    for name, ok, detail in added:
        assert checks.add(name, ok, detail) is ok
    assert checks.passed is passed
    assert [check["name"] for check in checks.failed()] == failed


def test_failure_message_names_every_failed_check_with_its_detail():
    checks = rc.CheckList()
    checks.add("connect source", True, "db:5432/cvat")
    checks.add("count engine_task", False, "source 3, restored 2")
    checks.add("checksum engine_task", False)
    assert checks.failure_message("restored database check failed") == (
        "restored database check failed: 2 of 3 checks failed: count engine_task (source 3, restored 2); checksum engine_task")
    assert rc.CheckList().failure_message("x") == "x: no check ran"


@pytest.mark.parametrize("ok", [True, False])
def test_finish_returns_the_same_keys_whether_passed_or_not(ok):
    checks = rc.CheckList()
    checks.add("one", ok, "detail")
    with pytest.raises(Exited) as exited:
        rc.finish(FakeModule(), "subject", checks, rc.Stopwatch(), counts={"t": 1}, missing=[])
    result = exited.value.result
    assert exited.value.kind == ("exit" if ok else "fail")
    assert {key: result[key] for key in ("changed", "passed", "checks", "counts", "missing")} == {
        "changed": False, "passed": ok, "checks": [{"name": "one", "passed": ok, "detail": "detail"}], "counts": {"t": 1}, "missing": []}
    assert 0 <= result["seconds"] < 5
    assert ("msg" in result) is (not ok)
    if not ok:
        assert result["msg"] == "subject: 1 of 1 checks failed: one (detail)"
