# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.postgres_restore_check through ansible-playbook against a real PostgreSQL server (TLS and SCRAM only).

Each test gets a source database and a restored copy made from the same CVAT-like template (tests/restore/cvat_db.py),
then changes the source the way a live CVAT does after a recovery point, or damages the copy the way a bad restore
would, and reads the module's verdict. Under CI=true the server fixture fails instead of skipping.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
import time

import pytest

import testcerts
from restore import cvat_db
from restore.conftest import check_result, failed_checks

pytestmark = [pytest.mark.xdist_group("restore-postgres")]

COUNTED = ["auth_user", "django_migrations", "engine_cloudstorage", "engine_comment", "engine_issue", "engine_job",
           "engine_project", "engine_task"]


def test_identical_copy_passes(pg_check, cvat_databases):
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    assert result["passed"] is True and result["changed"] is False
    assert failed_checks(result) == []
    names = [check["name"] for check in result["checks"]]
    assert names[:5] == ["connect source", "connect restored", "tls source", "tls restored", "tables present"]
    assert [name for name in names if name.startswith("count ")] == [f"count {table}" for table in COUNTED]
    assert [name for name in names if name.startswith("checksum ")] == [f"checksum {table}" for table in COUNTED]
    loaded = cvat_databases.counts
    assert result["counts"] == {table: {"source": loaded[table], "restored": loaded[table]} for table in COUNTED}
    assert all(loaded[table] > 0 for table in COUNTED)
    # The sample is the first 100 rows by primary key, or all of a smaller table; both sides hash the same rows.
    for table in COUNTED:
        sums = result["checksums"][table]
        assert sums["rows"] == min(100, loaded[table]), table
        assert sums["source"] == sums["restored"] and len(sums["source"]) == 32
    assert result["missing_tables"] == []
    assert result["tls"]["source"]["version"].startswith("TLSv1") and result["tls"]["restored"]["cipher"]
    assert result["as_of"] == "2026-11-30T03:00:00.000000Z"
    assert 0 < result["seconds"] < 60


def test_restored_copy_missing_rows_fails_naming_the_table(pg_check, cvat_databases):
    cvat_databases.execute("restored", "DELETE FROM engine_comment WHERE id IN (SELECT id FROM engine_comment ORDER BY id DESC LIMIT 3)")
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode != 0
    assert result["failed"] is True and result["passed"] is False
    # The rows are missing from the count and from the sample (the table is smaller than the sample).
    assert failed_checks(result) == ["count engine_comment", "checksum engine_comment"]
    loaded = cvat_databases.counts["engine_comment"]
    assert result["counts"]["engine_comment"] == {"source": loaded, "restored": loaded - 3}
    assert "count engine_comment (source %d, restored %d" % (loaded, loaded - 3) in result["msg"]
    assert "3 rows missing in the restored copy" in result["msg"]
    assert "2 of %d checks failed" % len(result["checks"]) in result["msg"]
    # Every key is still there for a rescue section to report.
    assert set(result) >= {"passed", "checks", "counts", "checksums", "missing_tables", "seconds", "tls"}


def test_missing_tables_fail(pg_check, cvat_databases):
    cvat_databases.execute("restored", "DROP TABLE engine_labeledtrack, engine_comment CASCADE")
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode != 0
    assert result["missing_tables"] == ["engine_labeledtrack", "engine_comment"]  # in the order of the tables option
    assert failed_checks(result) == ["tables present", "count engine_comment", "checksum engine_comment"]
    detail = {check["name"]: check["detail"] for check in result["checks"]}
    assert "engine_labeledtrack" in detail["tables present"] and "engine_comment" in detail["tables present"]
    assert 'relation "public.engine_comment" does not exist' in detail["count engine_comment"]
    assert result["counts"]["engine_comment"]["restored"] is None
    # A failed query fails its own check only: the tables after it are still counted and pass.
    assert result["counts"]["engine_task"]["source"] == result["counts"]["engine_task"]["restored"]


def test_changed_row_in_the_sample_fails_the_checksum(pg_check, cvat_databases):
    # The copy's row differs in content, not in its timestamps: only the checksum can see it.
    cvat_databases.execute("restored", "UPDATE engine_task SET subset = 'test' WHERE id = 3")
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["checksum engine_task"]
    sums = result["checksums"]["engine_task"]
    assert sums["source"] != sums["restored"]
    assert "checksum engine_task (the 36 sampled rows differ" in result["msg"]


def test_the_sample_is_the_first_rows_by_primary_key(pg_check, cvat_databases):
    """With sample_size 10 the sample is rows 1 to 10 in numeric order (not '1', '10', '11', ... as text)."""
    options = cvat_databases.options(count_tables={"engine_task": "created_date"}, sample_size=10)
    cvat_databases.execute("restored", "UPDATE engine_task SET subset = 'test' WHERE id = 11")
    run = pg_check(**options)
    assert run.returncode == 0, run.explain()
    assert check_result(run)["checksums"]["engine_task"]["rows"] == 10

    cvat_databases.execute("restored", "UPDATE engine_task SET subset = 'test' WHERE id = 9")
    run = pg_check(**options)
    assert run.returncode != 0
    assert failed_checks(check_result(run)) == ["checksum engine_task"]


def test_source_changes_after_as_of_do_not_fail(pg_check, cvat_databases):
    """A live CVAT after the recovery point: new users, tasks, jobs and comments, a renamed task, users logging in."""
    cvat_databases.execute("source", """
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
            VALUES ('x', false, 'newcomer', '', '', 'n@example.com', false, true, now());
        INSERT INTO engine_task (name, mode, bug_tracker, created_date, updated_date, segment_size, status, dimension, subset)
            VALUES ('new task', 'annotation', '', now(), now(), 10, 'annotation', '2d', '');
        INSERT INTO engine_job (status, stage, state, type, created_date, updated_date, segment_id)
            VALUES ('annotation', 'annotation', 'new', 'annotation', now(), now(), 1);
        INSERT INTO engine_comment (message, created_date, updated_date, issue_id) VALUES ('later', now(), now(), 1);
        INSERT INTO django_migrations (app, name, applied) VALUES ('engine', '0099_later', now());
        UPDATE engine_task SET name = 'renamed', updated_date = now() WHERE id = 1;
        UPDATE auth_user SET last_login = now() WHERE id IN (1, 4);
        """)
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    loaded = cvat_databases.counts
    assert result["counts"]["engine_task"] == {"source": loaded["engine_task"], "restored": loaded["engine_task"]}
    # Task 1 changed after as_of: the sample skips it on both sides (one row fewer than the table's 36).
    assert result["checksums"]["engine_task"]["rows"] == loaded["engine_task"] - 1

    # Without as_of the same databases fail: the filter is what makes the live source comparable.
    run = pg_check(**cvat_databases.options(as_of=None))
    result = check_result(run)
    assert run.returncode != 0
    # The new job's id is beyond the first 100 jobs, so only engine_job's count sees it; the other tables are
    # smaller than the sample, or their changed rows (task 1, users 1 and 4) are in it.
    assert failed_checks(result) == ["count auth_user", "checksum auth_user", "count django_migrations", "checksum django_migrations",
                                     "count engine_comment", "checksum engine_comment", "count engine_job",
                                     "count engine_task", "checksum engine_task"]


# CVAT deletes a task with its segments, jobs, annotations, issues and comments (Django's cascade); here the task of
# job 4, the first job with an issue.
DELETE_A_TASK = """
    CREATE TEMP TABLE gone_jobs AS SELECT j.id FROM engine_job j JOIN engine_segment s ON s.id = j.segment_id
        WHERE s.task_id = (SELECT s.task_id FROM engine_job j JOIN engine_segment s ON s.id = j.segment_id WHERE j.id = 4);
    CREATE TEMP TABLE gone_task AS SELECT DISTINCT s.task_id AS id FROM engine_segment s JOIN engine_job j ON j.segment_id = s.id
        WHERE j.id IN (SELECT id FROM gone_jobs);
    DELETE FROM engine_comment WHERE issue_id IN (SELECT id FROM engine_issue WHERE job_id IN (SELECT id FROM gone_jobs));
    DELETE FROM engine_issue WHERE job_id IN (SELECT id FROM gone_jobs);
    DELETE FROM engine_trackedshape WHERE track_id IN (SELECT id FROM engine_labeledtrack WHERE job_id IN (SELECT id FROM gone_jobs));
    DELETE FROM engine_labeledtrack WHERE job_id IN (SELECT id FROM gone_jobs);
    DELETE FROM engine_labeledshape WHERE job_id IN (SELECT id FROM gone_jobs);
    DELETE FROM engine_labeledimage WHERE job_id IN (SELECT id FROM gone_jobs);
    DELETE FROM engine_job WHERE id IN (SELECT id FROM gone_jobs);
    DELETE FROM engine_segment WHERE task_id IN (SELECT id FROM gone_task);
    DELETE FROM engine_task WHERE id IN (SELECT id FROM gone_task);
    """
CASCADED = ["engine_comment", "engine_issue", "engine_job", "engine_task"]


def test_rows_deleted_in_the_source_after_as_of_pass_by_default(pg_check, cvat_databases):
    """A task deleted in the live CVAT since the recovery point: the copy has more rows, and that is no failure."""
    cvat_databases.execute("source", DELETE_A_TASK)
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    loaded = cvat_databases.counts
    detail = {check["name"]: check["detail"] for check in result["checks"]}
    for table in CASCADED:
        counts = result["counts"][table]
        assert counts["restored"] == loaded[table] and counts["source"] < loaded[table], table
        assert detail[f"count {table}"].endswith(
            ": %d rows more than the live database: deleted there since the recovery point" % (loaded[table] - counts["source"]))
        # The sample is the source's first rows by primary key: the deleted rows are not in it, and the copy is
        # checksummed over the same keys, so its extra rows are not either.
        sums = result["checksums"][table]
        assert sums["rows"] == min(100, counts["source"]) and sums["source"] == sums["restored"], table
    assert result["counts"]["engine_task"]["source"] == loaded["engine_task"] - 1
    assert result["counts"]["engine_job"]["source"] > 100  # the sample of jobs is the first 100 of the rest

    # Where the source must not have deleted anything, the same databases fail on the counts only.
    run = pg_check(**cvat_databases.options(allow_source_deletions=False))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == [f"count {table}" for table in CASCADED]
    assert "count engine_task (source %d, restored %d (created_date <= 2026-11-30T03:00:00.000000Z): the restored copy has 1 rows more)" % (
        loaded["engine_task"] - 1, loaded["engine_task"]) in result["msg"]


def test_rows_missing_in_the_copy_fail_despite_deletions_in_the_source(pg_check, cvat_databases):
    """Deletions in the source only excuse a surplus in the copy: a copy with fewer rows than the source fails."""
    cvat_databases.execute("source", "DELETE FROM engine_comment WHERE id = (SELECT max(id) FROM engine_comment)")
    cvat_databases.execute("restored", "DELETE FROM engine_comment WHERE id IN (SELECT id FROM engine_comment ORDER BY id LIMIT 3)")
    run = pg_check(**cvat_databases.options())
    result = check_result(run)
    assert run.returncode != 0
    loaded = cvat_databases.counts["engine_comment"]
    assert result["counts"]["engine_comment"] == {"source": loaded - 1, "restored": loaded - 3}
    assert failed_checks(result) == ["count engine_comment", "checksum engine_comment"]
    assert "2 rows missing in the restored copy" in result["msg"]


def test_conservative_as_of_passes(pg_check, cvat_databases):
    """An as_of earlier than the real recovery point filters both sides alike, so it still passes."""
    earlier = cvat_db.CREATED_UNTIL - datetime.timedelta(days=10)
    run = pg_check(**cvat_databases.options(as_of=earlier.isoformat()))
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    assert result["counts"]["engine_task"]["source"] < cvat_databases.counts["engine_task"]


def test_as_of_with_z_and_naive_as_utc(pg_check, cvat_databases):
    cvat_databases.execute("source", "UPDATE engine_task SET created_date = %s WHERE id = 36",
                           (cvat_db.CREATED_UNTIL + datetime.timedelta(seconds=30),))
    # Task 36 now looks created after the recovery point: counted on the copy only, unless as_of is 30 s later.
    # The exact comparison, because by default a surplus in the copy passes (as rows deleted in the source).
    for as_of, passes in (("2026-11-30T03:00:00Z", False), ("2026-11-30T03:01:00", True), ("2026-11-30T04:01:00+01:00", True)):
        run = pg_check(**cvat_databases.options(as_of=as_of, count_tables={"engine_task": "created_date"}, sample_size=0,
                                                allow_source_deletions=False))
        assert (run.returncode == 0) is passes, (as_of, run.explain())


@pytest.mark.parametrize("ssl_mode", ["disable", "allow", "prefer"])
def test_modes_without_tls_are_refused(pg_check, cvat_databases, ssl_mode):
    run = pg_check(**cvat_databases.options(ssl_mode=ssl_mode))
    result = check_result(run)
    assert run.returncode != 0
    assert "value of ssl_mode must be one of: require, verify-ca, verify-full" in result["msg"]


def test_wrong_ca_fails_to_connect(pg_check, cvat_databases, tmp_path):
    other_ca = tmp_path / "other-ca.crt"
    other_ca.write_bytes(testcerts.make_certificate("some other CA", ca=True, san=False).pem)
    run = pg_check(**cvat_databases.options(ca_file=str(other_ca)))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["connect source", "connect restored"]
    assert "certificate verify failed" in result["checks"][1]["detail"]
    assert result["passed"] is False and result["counts"] == {} and "seconds" in result


def test_verify_full_checks_the_host_name(pg_check, cvat_databases):
    """Without hostaddr the module connects to 127.0.0.1 by that name, which the server's certificate does not carry."""
    restored = cvat_databases.endpoint("restored", host="127.0.0.1", hostaddr=None)
    run = pg_check(**cvat_databases.options(restored=restored))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["connect restored"]
    assert "does not match host name" in result["checks"][1]["detail"] or "127.0.0.1" in result["checks"][1]["detail"]
    # verify-ca checks the chain only, so the same endpoint passes with it.
    run = pg_check(**cvat_databases.options(restored=restored, ssl_mode="verify-ca"))
    assert run.returncode == 0, run.explain()


def test_require_mode_still_proves_tls(pg_check, cvat_databases):
    run = pg_check(**cvat_databases.options(ssl_mode="require", ca_file=None))
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    detail = {check["name"]: check["detail"] for check in result["checks"]}
    assert detail["tls restored"].startswith("TLSv1") and detail["tls restored"].endswith("(sslmode require)")


def test_verify_modes_need_a_ca_file(pg_check, cvat_databases):
    run = pg_check(**cvat_databases.options(ca_file=None))
    assert run.returncode != 0
    assert "ca_file is required with ssl_mode=verify-full" in check_result(run)["msg"]


def test_check_mode_runs_the_same_checks(pg_check, cvat_databases):
    run = pg_check("--check", **cvat_databases.options())
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    assert result["passed"] is True and result["changed"] is False and len(result["checks"]) == 5 + 2 * len(COUNTED)

    cvat_databases.execute("restored", "DELETE FROM engine_comment WHERE issue_id = 1; DELETE FROM engine_issue WHERE id = 1")
    run = pg_check("--check", **cvat_databases.options())
    assert run.returncode != 0
    assert "count engine_issue" in failed_checks(check_result(run))


def test_the_module_never_writes(pg_check, cvat_databases):
    """The sessions are read only: the tables' write counters stay where they were."""
    def writes() -> dict[str, int]:
        time.sleep(1)  # a backend reports its counters as it exits, just after the client has gone
        totals = {}
        for side in ("source", "restored"):
            with contextlib.closing(cvat_databases.server.connect(getattr(cvat_databases, side))) as conn, conn.cursor() as cur:
                cur.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables")
                totals[side] = cur.fetchone()[0]
        return totals

    before = writes()
    run = pg_check(**cvat_databases.options())
    assert run.returncode == 0, run.explain()
    assert writes() == before


def test_passwords_never_in_the_output(pg_check, cvat_databases):
    server = cvat_databases.server
    wrong = "Wr0ng-" + server.password[::-1]
    cases = [
        cvat_databases.options(),
        cvat_databases.options(restored=cvat_databases.endpoint("restored", password=wrong)),
        cvat_databases.options(as_of=None, sample_size=5),
    ]
    cvat_databases.execute("source", "INSERT INTO django_migrations (app, name, applied) VALUES ('engine', 'later', now())")
    outcomes = []
    for options in cases:
        run = pg_check("-vvv", json_output=False, **options)
        outcomes.append(run.returncode)
        output = run.stdout + run.stderr
        assert server.password not in output
        assert wrong not in output
        assert server.superuser_password not in output
    # The three runs: a pass, a failed login (named, without the password), a failed check.
    assert outcomes[0] == 0 and outcomes[1] != 0 and outcomes[2] != 0


def test_without_psycopg2_the_module_says_what_to_install(pg_check, tmp_path):
    """A Python without psycopg2 (here: an interpreter on which importing it fails) gets missing_required_lib's message."""
    blocker = tmp_path / "block" / "psycopg2"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("No module named psycopg2 (hidden by the test)")\n')
    interpreter = tmp_path / "python-without-psycopg2"
    interpreter.write_text(f'#!/bin/sh\nPYTHONPATH="{tmp_path / "block"}" exec "{sys.executable}" "$@"\n')
    interpreter.chmod(0o755)
    endpoint = dict(host="localhost", database="cvat", user="cvat", password="not-used")
    run = pg_check("-e", f"ansible_python_interpreter={interpreter}", source=endpoint, restored=endpoint, ssl_mode="require")
    result = check_result(run)
    assert run.returncode != 0
    assert "Failed to import the required Python library (psycopg2 (or psycopg2-binary))" in result["msg"]
    assert "not-used" not in run.stdout + run.stderr
