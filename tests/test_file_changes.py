"""The staleness rule (README, "Stale index"): size, mtime, ctime and inode, else the sha256 of
the bytes that were indexed; a file modified just before or during a build is always hashed."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from index_tools import assert_one_line_error, manifest, run_cli
from test_interrupted_build import _pausing, _stopped, _wait_until

import citeqa
from citeqa.documents import find_sources
from citeqa.errors import StaleIndexError
from citeqa.staleness import RACY_SECONDS, Watch, compare, fingerprint


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


# ---- through real builds --------------------------------------------------------------------
TEXTS = {"bridge.txt": "The bridge opened in 1932. Its towers are granite.\n",
         "tides.txt": "The harbour has two high tides a day. Boats wait for the flood tide.\n"}


def _write(corpus: Path) -> Path:
    corpus.mkdir()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


@pytest.mark.model
def test_a_file_rewritten_during_a_build_makes_the_index_stale(
        tmp_path: Path, seed_index_dir: Path) -> None:
    """Issue case 4: a file rewritten while the build ran was indexed with its old text but
    recorded with its new state, so `ask` answered from the old text with `stale: false`."""
    corpus, index = _write(tmp_path / "corpus"), tmp_path / "index"
    proc = subprocess.Popen(_pausing(("citeqa.documents:parse_document", "before"), corpus, index,
                                     force=False), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait_until(proc, lambda: _stopped(proc)), proc.stderr.read() if proc.stderr else ""
        (corpus / "bridge.txt").write_text("The bridge closed in 1990 for repairs to its deck.\n",
                                           encoding="utf-8")
        proc.send_signal(signal.SIGCONT)
        assert proc.wait(timeout=300) == 0
    finally:
        proc.kill()
        proc.wait()
    with pytest.raises(StaleIndexError, match="1 changed \\(bridge.txt\\)"):
        citeqa.Index.open(index)
    answer = citeqa.Index.open(index, allow_stale=True).ask("When did the bridge open?")
    assert answer.stale
    assert not citeqa.Index.build(corpus, index).changes
    fresh = citeqa.Index.open(index).search("When did the bridge close?", k=1)[0]
    assert fresh.text == (corpus / "bridge.txt").read_text(encoding="utf-8")[fresh.start:fresh.end]


@pytest.mark.model
def test_a_same_size_edit_behind_the_old_mtime_is_stale(
        tmp_path: Path, seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 5: an edit with the same size and mtime (`touch -d`) was not detected."""
    corpus, index = _write(tmp_path / "corpus"), tmp_path / "index"
    time.sleep(RACY_SECONDS + 0.2)   # so the build trusts the files' times
    assert run_cli(["index", str(corpus), "--index", str(index), "--quiet"], capsys)[0] == 0
    assert not any(e["racy"] for e in manifest(index)["seen"].values())
    path = corpus / "bridge.txt"
    old = path.stat()
    path.write_text(TEXTS["bridge.txt"].replace("1932", "1934"), encoding="utf-8")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    code, out, err = run_cli(["ask", "When did the bridge open?", "--index", str(index)], capsys)
    assert code == StaleIndexError.exit_code and out == ""
    assert_one_line_error(err, "1 changed (bridge.txt)")
    os.utime(corpus / "tides.txt")
    code, _, err = run_cli(["index", "--index", str(index), "--verify"], capsys)
    assert code == StaleIndexError.exit_code and "bridge.txt" in err
