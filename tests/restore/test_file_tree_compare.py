# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.file_tree_compare through ansible-playbook on real directory trees shaped like CVAT's data directory.

The restored tree sits where AWS Backup puts an EFS restore (``aws-backup-restore_<time>/cvat-data`` below the
restored file system's root, next to other restored directories); the source's files are dated a day before the
recovery point, files written later a minute after it.
"""

from __future__ import annotations

import datetime
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ansible_collections.cvatops.aws.plugins.modules import file_tree_compare as ftc
from restore.conftest import check_result, failed_checks

pytestmark = [pytest.mark.xdist_group("restore-file-tree")]

RECOVERY_POINT = datetime.datetime(2026, 11, 30, 3, 0, tzinfo=datetime.timezone.utc)
BEFORE = (RECOVERY_POINT - datetime.timedelta(days=1)).timestamp()
AFTER = (RECOVERY_POINT + datetime.timedelta(minutes=1)).timestamp()
AS_OF = "2026-11-30T03:00:00Z"


@dataclass
class Trees:
    source: Path
    restored: Path
    files: list[str]

    def options(self, **overrides):
        options = dict(source=str(self.source), restored=str(self.restored), as_of=AS_OF)
        options.update(overrides)
        return options


def _write(path: Path, data: bytes, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


def _date_tree(root: Path, mtime: float) -> None:
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.utime(os.path.join(directory, name), (mtime, mtime), follow_symlinks=False)
    os.utime(root, (mtime, mtime))


@pytest.fixture
def trees(tmp_path) -> Trees:
    """CVAT's data layout (data/<id>/raw, compressed chunks, task logs, a link), about 200 files, and its restored copy."""
    source = tmp_path / "efs" / "cvat-data"
    files = []
    for data_id in range(1, 11):
        for frame in range(12):
            rel = f"data/{data_id}/raw/img_{frame:05d}.jpg"
            _write(source / rel, os.urandom(200 + 37 * frame), BEFORE)
            files.append(rel)
        for chunk in range(6):
            rel = f"data/{data_id}/compressed/segment_{data_id}-{chunk}.zip"
            _write(source / rel, os.urandom(1000 + chunk), BEFORE)
            files.append(rel)
        _write(source / f"data/{data_id}/raw/manifest.jsonl", b'{"version":"1.1"}\n' * data_id, BEFORE)
        files.append(f"data/{data_id}/raw/manifest.jsonl")
    for task_id in range(1, 11):
        _write(source / f"tasks/{task_id}/task.log", f"task {task_id} created\n".encode(), BEFORE)
        files.append(f"tasks/{task_id}/task.log")
    _write(source / "data/empty.bin", b"", BEFORE)
    files.append("data/empty.bin")
    (source / "projects").mkdir()
    os.symlink("../data/1/raw", source / "projects" / "raw-of-task-1")
    _date_tree(source, BEFORE)

    restore_dir = tmp_path / "restored-efs" / "aws-backup-restore_2026-11-30T03-05-11-123Z"
    restored = restore_dir / "cvat-data"
    shutil.copytree(source, restored, symlinks=True)  # copy2: contents and times, as a restore keeps them
    _write(restore_dir / "other-app" / "notes.txt", b"not CVAT's", BEFORE)
    return Trees(source, restored, sorted(files))


def test_identical_trees_pass(tree_check, trees):
    run = tree_check(**trees.options())
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    assert result["passed"] is True and result["changed"] is False
    assert [check["name"] for check in result["checks"]] == [
        "source readable", "restored readable", "file limit", "entries present", "sizes", "sample checksums"]
    source = result["counts"]["source"]
    assert source["files"] == len(trees.files) == 201
    assert source["links"] == 1
    # data, data/1..10 with raw and compressed, tasks and tasks/1..10, projects
    assert source["dirs"] == 1 + 10 * 3 + 1 + 10 + 1
    assert source["bytes"] == sum((trees.source / f).stat().st_size for f in trees.files)
    assert result["counts"]["restored"] == source == result["counts"]["expected"]
    assert result["counts"]["extra"] == 0
    assert result["missing"] == []
    assert result["checksums"]["files"] == 50 and result["checksums"]["mismatched"] == []
    assert result["checksums"]["bytes"] > 0


def test_missing_files_fail_and_are_listed(tree_check, trees):
    for rel in ("data/3/raw/img_00004.jpg", "data/7/compressed/segment_7-2.zip"):
        (trees.restored / rel).unlink()
    shutil.rmtree(trees.restored / "tasks" / "9")
    (trees.restored / "projects" / "raw-of-task-1").unlink()
    run = tree_check(**trees.options(report_limit=3))
    result = check_result(run)
    assert run.returncode != 0
    assert result["passed"] is False
    assert failed_checks(result) == ["entries present"]
    assert result["missing"] == ["data/3/raw/img_00004.jpg", "data/7/compressed/segment_7-2.zip", "projects/raw-of-task-1"]
    detail = result["checks"][3]["detail"]
    assert detail.startswith("5 of 245 expected entries missing: data/3/raw/img_00004.jpg, ") and detail.endswith(" and 2 more")
    assert "entries present (5 of 245 expected entries missing" in result["msg"]
    assert result["counts"]["restored"]["files"] == 201 - 3
    assert set(result) >= {"passed", "checks", "counts", "missing", "checksums", "seconds"}


def test_changed_content_in_the_sample_fails(tree_check, trees):
    # The same size, so only the checksum can see it; with the sample as big as the tree every file is hashed.
    victim = trees.restored / "data/5/raw/img_00003.jpg"
    data = bytearray(victim.read_bytes())
    data[10] ^= 0xFF
    victim.write_bytes(bytes(data))
    run = tree_check(**trees.options(sample_size=1000))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["sample checksums"]
    assert result["checksums"] == {"files": 201, "bytes": result["checksums"]["bytes"], "mismatched": ["data/5/raw/img_00003.jpg"]}
    assert "1 of 201 sampled files differ: data/5/raw/img_00003.jpg" in result["msg"]


def test_the_sample_is_deterministic_and_spread(tree_check, trees):
    """The sample is the files with the smallest SHA-256 of their paths: a change there is found, one elsewhere is not."""
    sample = ftc.sample_paths([f.encode() for f in trees.files], 5)
    assert len({path.split(b"/")[1] for path in sample}) > 1  # not the first five files of one directory
    outside = next(f for f in trees.files if f.encode() not in sample and f.endswith(".jpg"))
    for rel in (outside, sample[2].decode()):
        target = trees.restored / rel
        target.write_bytes(bytes(b ^ 0x55 for b in target.read_bytes()))
    run = tree_check(**trees.options(sample_size=5))
    result = check_result(run)
    assert run.returncode != 0
    assert result["checksums"]["files"] == 5 and result["checksums"]["mismatched"] == [sample[2].decode()]


def test_size_difference_fails_without_hashing(tree_check, trees):
    with open(trees.restored / "tasks/2/task.log", "ab") as handle:
        handle.write(b"truncated restore? no: grown")
    run = tree_check(**trees.options(sample_size=0))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["sizes"]
    assert result["checksums"] == {"files": 0, "bytes": 0, "mismatched": []}
    assert "1 of 201 files differ in size: tasks/2/task.log" in result["msg"]


def test_newer_source_files_after_as_of_are_not_expected(tree_check, trees):
    """CVAT keeps writing after the recovery point: new task data, and a rewritten manifest."""
    for frame in range(3):
        _write(trees.source / f"data/11/raw/img_{frame:05d}.jpg", os.urandom(300), AFTER)
    _write(trees.source / "data/2/raw/manifest.jsonl", b'{"version":"1.1"}\n{"rewritten": true}\n', AFTER)
    os.utime(trees.source / "data", (AFTER, AFTER))
    run = tree_check(**trees.options(sample_size=1000))
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    counts = result["counts"]
    assert counts["source"]["files"] == 204 and counts["expected"]["files"] == 200
    assert result["checksums"]["files"] == 200

    # Without as_of the same trees fail: the new files are missing and the rewritten manifest differs.
    run = tree_check(**trees.options(as_of=None, sample_size=1000))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["entries present", "sizes", "sample checksums"]
    assert result["missing"] == ["data/11", "data/11/raw", "data/11/raw/img_00000.jpg", "data/11/raw/img_00001.jpg",
                                 "data/11/raw/img_00002.jpg"]


def test_as_of_before_every_file_fails(tree_check, trees):
    """An as_of older than the whole source would expect nothing: that is a wrong as_of, not a pass."""
    run = tree_check(**trees.options(as_of="2020-01-01T00:00:00Z"))
    assert run.returncode != 0
    assert "none of the source's 245 entries is older than as_of" in check_result(run)["msg"]


def test_extra_files_in_the_restored_tree_are_counted_not_failed(tree_check, trees):
    _write(trees.restored / "data/1/raw/.restore-marker", b"x", BEFORE)
    _write(trees.restored / "lost+found/stray", b"y", BEFORE)
    run = tree_check(**trees.options())
    result = check_result(run)
    assert run.returncode == 0, run.explain()
    assert result["counts"]["extra"] == 3  # two files and lost+found
    assert result["counts"]["restored"]["files"] == 203

    # Pointing at the restore directory instead of the equivalent directory fails: nothing is where it belongs.
    run = tree_check(**trees.options(restored=str(trees.restored.parent)))
    assert run.returncode != 0
    assert "entries present" in failed_checks(check_result(run))


def test_kind_change_is_missing(tree_check, trees):
    shutil.rmtree(trees.restored / "tasks/4")
    _write(trees.restored / "tasks/4", b"a file where a directory was", BEFORE)
    run = tree_check(**trees.options())
    result = check_result(run)
    assert run.returncode != 0
    assert result["missing"] == ["tasks/4", "tasks/4/task.log"]


def test_file_limit(tree_check, trees):
    run = tree_check(**trees.options(max_files=100))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["file limit", "file limit"]
    assert "holds more than max_files=100 entries" in result["msg"]
    assert result["counts"] == {} and result["missing"] == []


def test_missing_restored_directory_fails(tree_check, trees, tmp_path):
    run = tree_check(**trees.options(restored=str(tmp_path / "not-mounted")))
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["restored readable"]
    assert result["counts"]["source"]["files"] == 201


def test_unreadable_entries_fail(tree_check, trees):
    """A directory the walk cannot enter fails the check, for root too: here its path is longer than PATH_MAX."""
    fd = os.open(trees.restored, os.O_RDONLY)
    try:
        for _level in range(20):  # 20 x 255 bytes: beyond Linux's 4096-byte path limit
            name = "d" * 255
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    run = tree_check(**trees.options())
    result = check_result(run)
    assert run.returncode != 0
    assert failed_checks(result) == ["restored readable"]
    assert "could not read 1 entries: " + "d" * 255 + "/" in result["checks"][1]["detail"]


def test_check_mode(tree_check, trees):
    run = tree_check("--check", **trees.options())
    assert run.returncode == 0, run.explain()
    assert check_result(run)["passed"] is True
    (trees.restored / "tasks/1/task.log").unlink()
    run = tree_check("--check", **trees.options())
    assert run.returncode != 0
    assert check_result(run)["missing"] == ["tasks/1/task.log"]
