"""Odd input gives no traceback and a documented result: line ends other than \\n, folders
nested a thousand deep, file names that are not UTF-8, the root folder as a corpus."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from citeqa.chunking import chunk_document, line_starts
from citeqa.documents import Document, find_sources
from citeqa.errors import CorpusError
from citeqa.staleness import compare, fingerprint
from citeqa.walk import walk

DEPTH = 1200  # os.walk in Python 3.11 raises RecursionError near 1,000 levels


# ---- lines ----------------------------------------------------------------------------------
def _lines_of(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    doc = Document("f.txt", text, "f", None, "0" * 64)
    return [(c.line_start, c.line_end) for c in chunk_document(doc, lambda _: pieces)]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_every_line_end_starts_a_new_line(end: str) -> None:
    text = end.join(["alpha one", "beta two", "gamma three", "", "delta four"]) + end
    assert _lines_of(text, ["alpha one", "beta two", "gamma three", "delta four"]) == \
        [(1, 1), (2, 2), (3, 3), (5, 5)]


def test_mixed_line_ends_count_once_each() -> None:
    text = "one\r\ntwo\rthree\nfour\r\n\rsix"
    assert line_starts(text) == [0, 5, 9, 15, 21, 22]
    assert _lines_of(text, ["two\rthree", "six"]) == [(2, 3), (6, 6)]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b"])
def test_unicode_and_control_separators_stay_inside_a_line(separator: str) -> None:
    """As README documents: only \\n, \\r\\n and \\r end a line (as for grep -n and wc -l)."""
    text = f"first part{separator}second part\nnext line"
    assert line_starts(text) == [0, len("first part") + 1 + len("second part") + 1]
    assert _lines_of(text, [f"first part{separator}second part", "next line"]) == [(1, 1), (2, 2)]


# ---- deep folders ---------------------------------------------------------------------------
def _deep(root: Path, depth: int = DEPTH) -> Path:
    """A file `depth` folders below `root` (made through folder descriptors: os.makedirs
    itself recurses)."""
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    out = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
    os.write(out, b"The deepest note of all.\n")
    os.close(out)
    os.close(fd)
    return root.joinpath(*["d"] * depth, "deep.txt")


@pytest.fixture
def deep_root(tmp_path: Path) -> Iterator[Path]:
    """A folder for a deep tree, removed by `rm -rf` afterwards (pytest's own clean-up uses
    shutil.rmtree, which recurses too)."""
    yield tmp_path
    subprocess.run(["rm", "-rf", str(tmp_path / "d")], check=True)


def test_a_folder_a_thousand_deep_is_found_and_checked(deep_root: Path) -> None:
    tmp_path = deep_root
    deep = _deep(tmp_path)
    (tmp_path / "top.txt").write_text("At the top.\n", encoding="utf-8")
    sources, notices = find_sources(tmp_path)
    assert [s.source for s in sources] == ["/".join(["d"] * DEPTH + ["deep.txt"]), "top.txt"]
    assert notices == []
    seen = {s.source: fingerprint(s.path) for s in sources}
    assert not compare(tmp_path, seen)
    deep.write_text("Changed far below.\n", encoding="utf-8")
    assert compare(tmp_path, seen).changed == [sources[0].source]


def test_walk_matches_os_walk(tmp_path: Path) -> None:
    for rel in ("a/b/c.txt", "a/x.md", "b/y.txt", "z.txt", "a/b/d/e/f.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    ours = [(d, sorted(ds), sorted(fs)) for d, ds, fs in walk(tmp_path)]
    theirs = [(d, sorted(ds), sorted(fs)) for d, ds, fs in os.walk(tmp_path)]
    assert sorted(ours) == sorted(theirs)


def test_an_index_folder_inside_the_corpus_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Corpus text.\n", encoding="utf-8")
    inside = tmp_path / "myindex"
    inside.mkdir()
    (inside / ".citeqa-index").write_text('{"format": "citeqa-index", "format_version": 3}\n',
                                          encoding="utf-8")
    (inside / "notes.txt").write_text("Not corpus text.\n", encoding="utf-8")
    assert [s.source for s in find_sources(tmp_path)[0]] == ["a.txt"]


# ---- names ----------------------------------------------------------------------------------
def test_names_that_read_the_same_are_one_source(tmp_path: Path) -> None:
    """b'\\xff.txt' (not UTF-8) is shown as '\\\\xff.txt', the name of another file here: the
    UTF-8 name keeps the source and the other is skipped with a notice, so an edit to the
    indexed file is never hidden behind its twin."""
    raw = os.fsencode(tmp_path) + b"/\xff.txt"
    with open(raw, "wb") as f:
        f.write(b"The raw-named file.\n")
    plain = tmp_path / "\\xff.txt"
    plain.write_text("The file with a backslash in its name.\n", encoding="utf-8")
    sources, notices = find_sources(tmp_path)
    assert [(s.source, s.path) for s in sources] == [("\\xff.txt", plain)]
    assert len(notices) == 1 and "not UTF-8" in str(notices[0]) and "\n" not in str(notices[0])
    seen = {s.source: fingerprint(s.path) for s in sources}
    plain.write_text("The file with a backslash in its name, edited.\n", encoding="utf-8")
    assert compare(tmp_path, seen).changed == ["\\xff.txt"]


def test_a_name_that_is_not_utf8_alone_is_read(tmp_path: Path) -> None:
    with open(os.fsencode(tmp_path) + b"/caf\xe9.txt", "wb") as f:
        f.write(b"Latin-1 named.\n")
    sources, notices = find_sources(tmp_path)
    assert [s.source for s in sources] == ["caf\\xe9.txt"] and notices == []
    assert sources[0].path.read_bytes() == b"Latin-1 named.\n"


# ---- the root folder ------------------------------------------------------------------------
def test_the_root_folder_is_refused_as_a_corpus() -> None:
    with pytest.raises(CorpusError, match="root of the file system"):
        compare(Path("/"), {})
    with pytest.raises(CorpusError, match="root of the file system"):
        compare(Path("/tmp/../"), {})
