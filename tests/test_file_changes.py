"""The staleness rule (README, "Stale index"): size, mtime, ctime and inode, else the sha256 of
the bytes that were indexed; a file modified just before or during a build is always hashed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from citeqa.documents import find_sources
from citeqa.staleness import Watch, compare, fingerprint


def _settled(path: Path) -> dict[str, Any]:
    """The `seen` entry of `path` as a build long after its last write would record it."""
    entry = fingerprint(path)
    entry["racy"] = False
    return entry


def _corpus(tmp_path: Path, text: str = "The ferry leaves at nine.\n") -> Path:
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_same_size_edit_with_the_old_mtime_is_seen(tmp_path: Path) -> None:
    """`touch -d` after an edit of the same size: only ctime tells."""
    path = _corpus(tmp_path)
    seen = {"a.txt": _settled(path)}
    old = path.stat()
    path.write_text("The ferry leaves at noon!\n", encoding="utf-8")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert path.stat().st_size == old.st_size and path.stat().st_mtime_ns == old.st_mtime_ns
    assert compare(tmp_path, seen).changed == ["a.txt"]


def test_a_file_replaced_by_a_copy_with_the_same_times_is_seen(tmp_path: Path) -> None:
    """`cp -p` of another file of the same size over it: a new inode."""
    path = _corpus(tmp_path)
    seen = {"a.txt": _settled(path)}
    other = tmp_path / "other"
    other.write_text("The ferry leaves at noon!\n", encoding="utf-8")
    old = path.stat()
    os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(other, path)
    assert compare(tmp_path, seen).changed == ["a.txt"]


def test_touching_without_an_edit_is_not_a_change(tmp_path: Path) -> None:
    path = _corpus(tmp_path)
    seen = {"a.txt": _settled(path)}
    os.utime(path, ns=(1, 1))
    path.chmod(0o600)
    assert not compare(tmp_path, seen)


def test_times_are_trusted_only_when_the_file_had_settled(tmp_path: Path) -> None:
    """An entry whose times equal the file's but whose hash is another content's (what a
    second write in the same timestamp tick leaves): trusted when settled, hashed when racy."""
    path = _corpus(tmp_path)
    entry = _settled(path)
    entry["sha256"] = hashlib.sha256(b"what the build read\n").hexdigest()
    assert not compare(tmp_path, {"a.txt": entry})
    assert compare(tmp_path, {"a.txt": dict(entry, racy=True)}).changed == ["a.txt"]
    assert compare(tmp_path, {"a.txt": entry}, verify=True).changed == ["a.txt"]


def test_a_file_written_just_now_is_racy(tmp_path: Path) -> None:
    path = _corpus(tmp_path)
    assert fingerprint(path)["racy"] is True
    old = tmp_path / "old.txt"
    old.write_text("x", encoding="utf-8")
    entry = Watch(find_sources(tmp_path)[0]).seen({})["old.txt"]
    assert entry["racy"] is True  # ctime is now, whatever mtime says
    assert set(entry) == {"size", "mtime_ns", "ctime_ns", "ino", "sha256", "racy"}


def test_a_file_rewritten_while_the_build_reads_it_is_recorded_as_changed(tmp_path: Path) -> None:
    path = _corpus(tmp_path)
    watch = Watch(find_sources(tmp_path)[0])     # before the build reads
    indexed = path.read_bytes()                  # what the build read and parsed
    path.write_text("The ferry is cancelled.\n", encoding="utf-8")   # rewritten meanwhile
    seen = watch.seen({"a.txt": hashlib.sha256(indexed).hexdigest()})
    assert seen["a.txt"]["sha256"] == hashlib.sha256(indexed).hexdigest()
    assert compare(tmp_path, seen).changed == ["a.txt"]


def test_a_file_rewritten_before_the_read_is_current(tmp_path: Path) -> None:
    """Changed after the build started but before it was read: the index holds the new text."""
    path = _corpus(tmp_path)
    watch = Watch(find_sources(tmp_path)[0])
    path.write_text("The ferry is cancelled.\n", encoding="utf-8")
    indexed = path.read_bytes()
    assert not compare(tmp_path, watch.seen({"a.txt": hashlib.sha256(indexed).hexdigest()}))


def test_skipped_and_new_files(tmp_path: Path) -> None:
    """A file the build did not index (empty) is hashed as it is; one made during the build
    and not seen by it shows as added."""
    _corpus(tmp_path)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    watch = Watch(find_sources(tmp_path)[0])
    (tmp_path / "late.txt").write_text("Made during the build.\n", encoding="utf-8")
    seen = watch.seen({"a.txt": hashlib.sha256((tmp_path / "a.txt").read_bytes()).hexdigest()})
    assert sorted(seen) == ["a.txt", "empty.txt"]
    assert compare(tmp_path, seen).added == ["late.txt"]
    (tmp_path / "empty.txt").write_text("Now with text.\n", encoding="utf-8")
    assert compare(tmp_path, seen).changed == ["empty.txt"]


def test_entries_of_older_indexes_are_hashed(tmp_path: Path) -> None:
    """`seen` entries without ctime and inode (format before this rule) are never trusted."""
    path = _corpus(tmp_path)
    st = path.stat()
    entry = {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
             "sha256": hashlib.sha256(b"other").hexdigest()}
    assert compare(tmp_path, {"a.txt": entry}).changed == ["a.txt"]
