#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: file_tree_compare
short_description: Check a restored directory tree against its source
version_added: 0.1.0
description:
  - Walks two directory trees on the host that runs the module, for example CVAT's data directory on the live EFS file
    system and the same directory in a file system restored from an AWS Backup recovery point, both mounted there.
  - "The checks: both trees can be read completely; each holds at most O(max_files) entries; every file, directory and
    symbolic link of the source that is not newer than O(as_of) exists in the restored tree with the same kind; those
    files have the same size on both sides; and a deterministic sample of O(sample_size) of them has the same SHA-256
    on both sides."
  - Extra entries in the restored tree are allowed and only counted, so O(restored) may point into a restore location
    that holds more than the source directory.
  - "O(restored) must point at the directory that corresponds to O(source). AWS Backup restores an EFS recovery point
    (to the same or to a new file system) into a directory C(aws-backup-restore_<time>) off the file system's root, in
    which the whole tree below the root is preserved. With CVAT's data under C(/cvat-data) on the source file system
    (the C(shared_fs) access point's path), O(source) is C(<source mount>/cvat-data) (or the mount of the access point
    itself) and O(restored) is C(<restored mount>/aws-backup-restore_<time>/cvat-data)."
  - Only reads (C(os.scandir) and C(lstat), and reading the sampled files); symbolic links are compared, never
    followed. Fast on large trees, without a process per file.
  - When a check fails, the module fails with a message naming the failed checks, and still returns every key
    documented below, so that a playbook can register the result in a C(block)/C(rescue) and report it.
author:
  - cvatops maintainers (@cvatops)
options:
  source:
    description:
      - The source directory (the live data).
    type: path
    required: true
  restored:
    description:
      - The directory of the restored tree that corresponds to O(source) (see the description above for AWS Backup's
        layout).
    type: path
    required: true
  as_of:
    description:
      - The time of the recovery point (ISO 8601, for example AWS Backup's C(CreationDate)); a time without an offset
        is UTC.
      - Entries of the source modified (C(mtime)) after it are not expected in the restored tree and are not sampled.
      - Without it, every entry of the source is expected, which only passes while the source has not changed since
        the recovery point.
    type: str
  sample_size:
    description:
      - How many files present on both sides (and not newer than O(as_of)) are hashed with SHA-256 on both sides.
      - The sample is spread over the whole tree and the same on every run for the same files (the files whose
        paths have the smallest SHA-256).
      - V(0) turns the content check off.
    type: int
    default: 50
  max_files:
    description:
      - The most entries (files, directories and links) either tree may hold. A bigger tree fails the check instead of
        using the host's memory and time without bound.
    type: int
    default: 1000000
  report_limit:
    description:
      - How many paths the result lists at most in RV(missing) and in each check's detail.
    type: int
    default: 20
notes:
  - The age of an entry is its modification time. A file copied into the source after O(as_of) with its old
    modification time preserved (C(cp -p), C(rsync -t), C(tar x)) is expected in the restored tree, so it fails the
    check; CVAT itself writes its files, so their times are those of the writes.
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it runs the same checks.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
seealso:
  - module: cvatops.aws.postgres_restore_check
"""

EXAMPLES = r"""
- name: Compare CVAT's data with the restored EFS copy, both mounted on the check host
  cvatops.aws.file_tree_compare:
    source: /mnt/cvat-efs/cvat-data
    restored: "/mnt/restored-efs/{{ __restore_dir }}/cvat-data"
    as_of: "{{ __recovery_point.creation_date }}"
  register: __tree_check

- name: Record the figures, whatever the verdict
  ansible.builtin.debug:
    msg: "{{ __tree_check.counts }} in {{ __tree_check.seconds }} s: passed={{ __tree_check.passed }}"
"""

RETURN = r"""
passed:
  description: Whether every check passed.
  returned: always
  type: bool
  sample: false
checks:
  description: Every check that ran, in order, with a one-line detail.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: >-
        The check: C(source readable), C(restored readable), C(file limit), C(entries present), C(sizes),
        C(sample checksums).
      type: str
    passed:
      description: Whether it passed.
      type: bool
    detail:
      description: What was found.
      type: str
  sample:
    - {name: entries present, passed: false, detail: "2 of 1830 expected entries missing: data/7/raw/a.jpg, data/7/raw/b.jpg"}
counts:
  description:
    - Files, directories, links and bytes (of files) in each tree, and in the part of the source expected in the
      restored tree (not newer than O(as_of)).
    - C(extra) is the number of entries of the restored tree that the source does not have.
  returned: always
  type: dict
  sample:
    source: {files: 1820, dirs: 40, links: 2, bytes: 5368709120}
    expected: {files: 1800, dirs: 38, links: 2, bytes: 5360000000}
    restored: {files: 1800, dirs: 38, links: 2, bytes: 5360000000}
    extra: 0
missing:
  description: The first (sorted) paths, relative to O(source), that the restored tree lacks or holds as another kind.
  returned: always
  type: list
  elements: str
  sample: [data/7/raw/a.jpg]
checksums:
  description: How many files were hashed on each side, and the paths whose contents differ.
  returned: always
  type: dict
  sample: {files: 50, bytes: 73400320, mismatched: []}
as_of:
  description: O(as_of) as UTC, or null.
  returned: always
  type: str
  sample: "2026-01-31T03:00:00.000000Z"
seconds:
  description: How long the checks took.
  returned: always
  type: float
  sample: 12.5
"""

import hashlib
import heapq
import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.cvatops.aws.plugins.module_utils.restore_checks import (
    CheckList,
    Stopwatch,
    finish,
    format_time,
)
from ansible_collections.cvatops.aws.plugins.module_utils.timeparse import parse_time

SUBJECT = "restored file tree check failed"
FILE = "file"
DIRECTORY = "dir"
LINK = "link"
OTHER = "other"
CHUNK = 1024 * 1024


class TooManyEntries(Exception):
    pass


def entry_kind(mode):
    if stat.S_ISREG(mode):
        return FILE
    if stat.S_ISDIR(mode):
        return DIRECTORY
    if stat.S_ISLNK(mode):
        return LINK
    return OTHER


def walk(root, max_entries):
    """({relative path (bytes): (kind, size, mtime)}, [unreadable relative paths]) of the tree below root.

    Iterative os.scandir walk with lstat data (links are entries, never followed). Raises TooManyEntries past
    max_entries. Paths stay bytes, so names that are not valid UTF-8 are compared exactly.
    """
    entries, errors = {}, []
    pending = [b""]
    root = to_bytes(root, errors="surrogate_or_strict")
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(os.path.join(root, relative) if relative else root) as iterator:
                for entry in iterator:
                    path = os.path.join(relative, entry.name) if relative else entry.name
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        errors.append(path)
                        continue
                    kind = entry_kind(info.st_mode)
                    entries[path] = (kind, info.st_size if kind == FILE else 0, info.st_mtime)
                    if len(entries) > max_entries:
                        raise TooManyEntries()
                    if kind == DIRECTORY:
                        pending.append(path)
        except OSError:
            errors.append(relative or b".")
    return entries, errors


def tally(entries, paths=None):
    """{files, dirs, links, bytes} of entries (or of those paths of it)."""
    counts = dict(files=0, dirs=0, links=0, bytes=0)
    names = {FILE: "files", DIRECTORY: "dirs", LINK: "links"}
    for path in entries if paths is None else paths:
        kind, size, _mtime = entries[path]
        if kind in names:
            counts[names[kind]] += 1
        counts["bytes"] += size
    return counts


def expected_paths(source, as_of_timestamp):
    """The source's paths not modified after as_of (all of them without it), sorted."""
    if as_of_timestamp is None:
        return sorted(source)
    return sorted(path for path, (_kind, _size, mtime) in source.items() if mtime <= as_of_timestamp)


def missing_paths(expected, source, restored):
    """Expected paths that the restored tree lacks or holds as another kind."""
    return [path for path in expected if path not in restored or restored[path][0] != source[path][0]]


def common_files(expected, source, restored):
    """Expected paths that are regular files on both sides."""
    return [path for path in expected if source[path][0] == FILE and restored.get(path, (None,))[0] == FILE]


def size_mismatches(paths, source, restored):
    return [path for path in paths if restored[path][1] != source[path][1]]


def sample_paths(paths, size):
    """A deterministic sample of size paths spread over the tree: those whose SHA-256 of the path is smallest."""
    if size <= 0:
        return []
    return sorted(heapq.nsmallest(size, paths, key=lambda path: hashlib.sha256(path).digest()))


def file_digest(path):
    """(SHA-256 hex digest, bytes read) of one file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def shown(paths, limit):
    """The first limit paths as text for a detail, with how many more there are."""
    text = ", ".join(to_text(path, errors="surrogate_or_replace") for path in paths[:limit])
    return text + (" and %d more" % (len(paths) - limit) if len(paths) > limit else "")


def compare_samples(paths, source_root, restored_root):
    """(mismatched paths, unreadable paths, bytes hashed) for the sampled files."""
    mismatched, unreadable, hashed = [], [], 0
    source_root = to_bytes(source_root, errors="surrogate_or_strict")
    restored_root = to_bytes(restored_root, errors="surrogate_or_strict")
    for path in paths:
        try:
            source_digest, size = file_digest(os.path.join(source_root, path))
            restored_digest, _size = file_digest(os.path.join(restored_root, path))
        except OSError:
            unreadable.append(path)
            continue
        hashed += size
        if source_digest != restored_digest:
            mismatched.append(path)
    return mismatched, unreadable, hashed


def run_checks(params, checks, as_of):
    limit = params["report_limit"]
    figures = dict(counts={}, missing=[], checksums=dict(files=0, bytes=0, mismatched=[]))
    trees = {}
    for side in ("source", "restored"):
        root = params[side]
        if not os.path.isdir(root):
            checks.add("%s readable" % side, False, "%s is not a directory" % root)
            continue
        try:
            entries, errors = walk(root, params["max_files"])
        except TooManyEntries:
            checks.add("file limit", False, "%s holds more than max_files=%d entries" % (root, params["max_files"]))
            continue
        trees[side] = entries
        figures["counts"][side] = tally(entries)
        checks.add("%s readable" % side, not errors, "could not read %d entries: %s" % (len(errors), shown(sorted(errors), limit))
                   if errors else "%d entries" % len(entries))
    if len(trees) < 2:
        return figures
    checks.add("file limit", True, "at most %d entries per tree" % params["max_files"])

    source, restored = trees["source"], trees["restored"]
    expected = expected_paths(source, as_of.timestamp() if as_of else None)
    figures["counts"]["expected"] = tally(source, expected)
    figures["counts"]["extra"] = sum(1 for path in restored if path not in source)
    missing = missing_paths(expected, source, restored)
    figures["missing"] = [to_text(path, errors="surrogate_or_replace") for path in missing[:limit]]
    if source and not expected:
        checks.add("entries present", False, "none of the source's %d entries is older than as_of: check as_of" % len(source))
    else:
        checks.add("entries present", not missing, "%d of %d expected entries missing: %s" % (len(missing), len(expected), shown(missing, limit))
                   if missing else "all %d expected entries" % len(expected))

    files = common_files(expected, source, restored)
    mismatched_sizes = size_mismatches(files, source, restored)
    checks.add("sizes", not mismatched_sizes, "%d of %d files differ in size: %s" % (len(mismatched_sizes), len(files), shown(mismatched_sizes, limit))
               if mismatched_sizes else "the same for all %d files on both sides" % len(files))

    if params["sample_size"] > 0:
        sample = sample_paths(files, params["sample_size"])
        mismatched, unreadable, hashed = compare_samples(sample, params["source"], params["restored"])
        figures["checksums"] = dict(files=len(sample) - len(unreadable), bytes=hashed,
                                    mismatched=[to_text(path, errors="surrogate_or_replace") for path in mismatched[:limit]])
        problems = []
        if mismatched:
            problems.append("%d of %d sampled files differ: %s" % (len(mismatched), len(sample), shown(mismatched, limit)))
        if unreadable:
            problems.append("%d sampled files could not be read: %s" % (len(unreadable), shown(unreadable, limit)))
        checks.add("sample checksums", not problems, "; ".join(problems) if problems else "%d files, %d bytes, same SHA-256" % (len(sample), hashed))
    return figures


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="path", required=True),
            restored=dict(type="path", required=True),
            as_of=dict(type="str"),
            sample_size=dict(type="int", default=50),
            max_files=dict(type="int", default=1000000),
            report_limit=dict(type="int", default=20),
        ),
        supports_check_mode=True,
    )
    params = module.params
    errors = ["%s must be 0 or more, not %d" % (name, params[name]) for name in ("sample_size", "report_limit") if params[name] < 0]
    if params["max_files"] < 1:
        errors.append("max_files must be at least 1, not %d" % params["max_files"])
    try:
        as_of = parse_time(params["as_of"], "as_of")
    except ValueError as exc:
        errors.append(str(exc))
    if errors:
        module.fail_json(msg="; ".join(errors))

    stopwatch = Stopwatch()
    checks = CheckList()
    figures = run_checks(params, checks, as_of)
    finish(module, SUBJECT, checks, stopwatch, as_of=format_time(as_of), **figures)


if __name__ == "__main__":
    main()
