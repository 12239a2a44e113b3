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
from index_tools import assert_one_line_error, generation, manifest, run_cli
from test_interrupted_build import _pausing, _stopped, _wait_until

import citeqa
from citeqa import store
from citeqa.documents import find_sources
from citeqa.errors import IndexCorruptError, StaleIndexError
from citeqa.staleness import RACY_SECONDS, Seen, Watch, compare, fingerprint, scan


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


# ---- the stat-only scan and the stored table ------------------------------------------------
def _odd_corpus(root: Path) -> None:
    """Every kind of entry `find_sources` treats specially."""
    for rel, data in {"a.txt": b"Text.\n", "sub/deeper/b.md": b"# B\n", "sub/C.TXT": b"Up.\n",
                      "caf\u00e9 notes.md": b"Caf\xc3\xa9.\n", ".hidden.txt": b"No.\n",
                      ".dot/in.txt": b"No.\n", "README": b"A plain text readme.\n",
                      "NOTES": b"\x00\x01\x02binary\x00" * 50, "pic.png": b"\x89PNG\r\n",
                      "Release 2.0": b"Release notes.\n", "idx/notes.txt": b"Index.\n",
                      "idx/.citeqa-index": b"{}"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "folder-link").symlink_to(root / "sub")
    (root / "file-link.txt").symlink_to(root / "a.txt")
    (root / "broken.txt").symlink_to(root / "nowhere")
    os.mkfifo(root / "pipe.txt")


def test_the_scan_finds_what_find_sources_finds(tmp_path: Path) -> None:
    """`scan` (one stat per file, used on open) and `find_sources` (used by builds) agree on
    every odd entry; with a name that is not UTF-8 and its twin, too."""
    _odd_corpus(tmp_path)
    expected = [s.source for s in find_sources(tmp_path)[0]]
    assert "README" in expected and "NOTES" not in expected and "idx/notes.txt" not in expected
    names, paths, stats = scan(tmp_path)
    assert sorted(names) == expected
    assert [(p, bool(ok)) for p, ok in zip(paths, stats["ok"], strict=True)
            if p.endswith("broken.txt")] == [(str(tmp_path / "broken.txt"), False)]
    a = names.index("a.txt")
    st = (tmp_path / "a.txt").stat()
    assert tuple(int(stats[k][a]) for k in ("size", "mtime_ns", "ctime_ns", "ino")) == (
        st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    with open(os.fsencode(tmp_path / "sub") + b"/\xff.txt", "wb") as f:
        f.write(b"Raw name.\n")
    (tmp_path / "sub" / "\\xff.txt").write_text("Its twin.\n", encoding="utf-8")
    assert sorted(scan(tmp_path)[0]) == [s.source for s in find_sources(tmp_path)[0]]


def test_the_table_keeps_every_entry(tmp_path: Path) -> None:
    """Entries survive the table (and a stored one) unchanged: a file that could not be read
    keeps no sha256, and an entry from before ctime and inode were recorded is racy."""
    path = _corpus(tmp_path)
    entries = {"a.txt": _settled(path), "gone.txt": fingerprint(tmp_path / "gone.txt")}
    entries["a.txt"]["sha256"] = "ab" * 31 + "00"   # a digest ending in a zero byte
    table = Seen.from_entries(entries)
    assert table.entries()["a.txt"] == entries["a.txt"]
    assert table.entries()["gone.txt"]["sha256"] is None and table.entries()["gone.txt"]["racy"]
    old = Seen.from_entries({"a.txt": {"size": 1, "mtime_ns": 2, "sha256": None}})
    assert old.rows["racy"].all()
    gen = tmp_path / "gen"
    gen.mkdir()
    store.write_seen(gen, table)
    loaded = store.load_seen(gen, {"corpus_files": 2})
    assert loaded.names == table.names and loaded.entries() == table.entries()
    with pytest.raises(IndexCorruptError):
        store.load_seen(gen, {"corpus_files": 3})


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
    assert not store.load_seen(generation(index), manifest(index)).rows["racy"].any()
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
