# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.file_tree_compare's pure parts: which entries are expected, missing, of another size, sampled.
Walking and hashing real trees is tested in tests/restore/test_file_tree_compare.py."""

import stat

import pytest

from ansible_collections.cvatops.aws.plugins.modules import file_tree_compare as ftc

F = ftc.FILE
D = ftc.DIRECTORY
L = ftc.LINK
SOURCE = {
    b"data": (D, 0, 100.0),
    b"data/a.jpg": (F, 10, 100.0),
    b"data/b.jpg": (F, 20, 200.0),
    b"data/new.jpg": (F, 5, 300.0),
    b"link": (L, 0, 100.0),
}


@pytest.mark.parametrize(
    "mode, kind",
    [(stat.S_IFREG | 0o644, F), (stat.S_IFDIR | 0o755, D), (stat.S_IFLNK | 0o777, L), (stat.S_IFIFO | 0o600, ftc.OTHER),
     (stat.S_IFSOCK | 0o600, ftc.OTHER)],
)
def test_entry_kind(mode, kind):
    assert ftc.entry_kind(mode) == kind


@pytest.mark.parametrize(
    "as_of, expected",
    [
        (None, [b"data", b"data/a.jpg", b"data/b.jpg", b"data/new.jpg", b"link"]),
        (200.0, [b"data", b"data/a.jpg", b"data/b.jpg", b"link"]),  # modified exactly at as_of: expected
        (199.9, [b"data", b"data/a.jpg", b"link"]),
        (50.0, []),
    ],
)
def test_expected_paths(as_of, expected):
    assert ftc.expected_paths(SOURCE, as_of) == expected


@pytest.mark.parametrize(
    "restored, missing",
    [
        (dict(SOURCE), []),
        ({k: v for k, v in SOURCE.items() if k != b"data/a.jpg"}, [b"data/a.jpg"]),
        (dict(SOURCE, link=(F, 3, 100.0)), [b"link"]),  # another kind is as bad as missing
        ({}, [b"data", b"data/a.jpg", b"data/b.jpg", b"data/new.jpg", b"link"]),
        (dict(SOURCE, **{"extra": (F, 1, 1.0)}), []),
    ],
)
def test_missing_paths(restored, missing):
    restored = {k if isinstance(k, bytes) else k.encode(): v for k, v in restored.items()}
    assert ftc.missing_paths(sorted(SOURCE), SOURCE, restored) == missing


def test_common_files_and_size_mismatches():
    restored = {b"data": (D, 0, 1.0), b"data/a.jpg": (F, 11, 1.0), b"data/b.jpg": (D, 0, 1.0), b"data/new.jpg": (F, 5, 1.0),
                b"link": (L, 0, 1.0)}
    files = ftc.common_files(sorted(SOURCE), SOURCE, restored)
    assert files == [b"data/a.jpg", b"data/new.jpg"]
    assert ftc.size_mismatches(files, SOURCE, restored) == [b"data/a.jpg"]


@pytest.mark.parametrize(
    "paths, expected",
    [
        (None, {"files": 3, "dirs": 1, "links": 1, "bytes": 35}),
        ([b"data/a.jpg", b"link"], {"files": 1, "dirs": 0, "links": 1, "bytes": 10}),
        ([], {"files": 0, "dirs": 0, "links": 0, "bytes": 0}),
    ],
)
def test_tally(paths, expected):
    assert ftc.tally(SOURCE, paths) == expected


PATHS = [("dir%d/file%03d.bin" % (d, f)).encode() for d in range(5) for f in range(40)]


@pytest.mark.parametrize("size", [0, 1, 10, 50, 500])
def test_sample_paths_is_deterministic_spread_and_sized(size):
    sample = ftc.sample_paths(PATHS, size)
    assert len(sample) == min(size, len(PATHS))
    assert sample == sorted(sample) == ftc.sample_paths(list(reversed(PATHS)), size)
    if size >= 10:
        assert len({path.split(b"/")[0] for path in sample}) == 5  # from every directory, not the first ones
    # a bigger sample contains the smaller one: raising sample_size never drops a file from the sample
    assert set(ftc.sample_paths(PATHS, max(size - 1, 0))) <= set(sample)


@pytest.mark.parametrize(
    "paths, limit, expected",
    [
        ([b"a", b"b", b"c"], 5, "a, b, c"),
        ([b"a", b"b", b"c"], 2, "a, b and 1 more"),
        ([b"caf\xc3\xa9", b"bad\xff"], 5, "caf\u00e9, bad\udcff"),
        ([], 3, ""),
    ],
)
def test_shown(paths, limit, expected):
    assert ftc.shown(paths, limit) == expected


def test_walk_and_digest_on_a_small_tree(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"abc")
    (tmp_path / "l").symlink_to("d")
    (tmp_path / b"n\xff".decode("utf-8", "surrogateescape")).write_bytes(b"")
    entries, errors = ftc.walk(str(tmp_path), 10)
    assert errors == []
    assert {path: kind for path, (kind, _size, _mtime) in entries.items()} == {b"d": D, b"d/f": F, b"l": L, b"n\xff": F}
    assert entries[b"d/f"][1] == 3
    assert ftc.file_digest(str(tmp_path / "d" / "f")) == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3)
    with pytest.raises(ftc.TooManyEntries):
        ftc.walk(str(tmp_path), 3)
