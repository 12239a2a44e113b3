"""Odd input gives no traceback and a documented result: line ends other than \\n, folders
nested a thousand deep, file names that are not UTF-8, the root folder as a corpus."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from index_tools import assert_one_line_error, clone, edit_manifest, run_cli

import citeqa
from citeqa.chunking import chunk_document, line_starts
from citeqa.documents import Document, find_sources
from citeqa.errors import CorpusError, StaleIndexError
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


# ---- through real builds and the command line -----------------------------------------------
@pytest.mark.model
def test_a_deep_corpus_is_built_and_asked(deep_root: Path, tmp_path_factory: pytest.TempPathFactory,
                                          seed_index_dir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 7: a folder nested 1,000 deep gave a RecursionError traceback in the build
    and in `ask`'s staleness check."""
    _deep(deep_root)
    (deep_root / "top.txt").write_text("The lighthouse is at the top of the cliff.\n",
                                       encoding="utf-8")
    index = tmp_path_factory.mktemp("deep") / "index"
    code, _, err = run_cli(["index", str(deep_root), "--index", str(index), "--quiet"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["search", "deepest note", "--index", str(index), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["hits"][0]["source"].endswith("d/d/deep.txt")


@pytest.mark.model
@pytest.mark.parametrize("end", ["\r", "\r\n", "\u2028"])
def test_lines_of_hits_follow_the_line_ends(tmp_path: Path, seed_index_dir: Path, end: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 8: with CR-only line ends (or U+2028) every passage was cited as line 1."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [f"Line {n} tells of the {w} by the river." for n, w in
             enumerate(["mill", "ferry", "granite quarry", "orchard", "lantern", "beacon"], 1)]
    text = end.join(lines) + end
    (corpus / "river.txt").write_bytes(text.encode("utf-8"))
    index = tmp_path / "index"
    assert citeqa.Index.build(corpus, index, citeqa.BuildSettings(chunk_tokens=16,
                                                                  chunk_overlap=0))
    hits = citeqa.Index.open(index).search("granite quarry river", k=10, mode="bm25")
    assert len(hits) >= 3
    for hit in hits:
        assert hit.text == text[hit.start:hit.end]
        before = text[:hit.start]
        if end == "\u2028":   # README: U+2028 does not end a line
            assert (hit.line_start, hit.line_end) == (1, 1)
        else:
            assert hit.line_start == 1 + before.count(end)
            assert hit.line_end == 1 + text[:hit.end - 1].count(end)
    assert max(h.line_end for h in hits) == (1 if end == "\u2028" else 6)


@pytest.mark.model
def test_an_edit_to_a_file_with_a_name_twin_is_seen(tmp_path: Path, seed_index_dir: Path) -> None:
    """Issue case 9: two non-UTF-8 file names mapped to one source name; edits to one went
    undetected."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with open(os.fsencode(corpus) + b"/\xff.txt", "wb") as f:
        f.write(b"The raw-named file is about kestrels.\n")
    plain = corpus / "\\xff.txt"
    plain.write_text("The plain-named file is about herons.\n", encoding="utf-8")
    index = citeqa.Index.build(corpus, tmp_path / "index")
    assert index.sources == ["\\xff.txt"] and index.report is not None
    assert any("not UTF-8" in str(n) for n in index.report.notices)
    plain.write_text("The plain-named file is about egrets now.\n", encoding="utf-8")
    with pytest.raises(StaleIndexError, match="1 changed"):
        citeqa.Index.open(tmp_path / "index")


@pytest.mark.model
def test_an_index_whose_corpus_is_the_root_folder_is_refused(
        seed_corpus: Path, seed_index_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 10: a manifest whose corpus is / made `ask` walk the whole file system."""
    _, index = clone(seed_corpus, seed_index_dir, tmp_path)
    edit_manifest(index, lambda m: m.update(corpus=os.path.relpath("/", index)))
    code, out, err = run_cli(["ask", "Who met?", "--index", str(index)], capsys)
    assert code == CorpusError.exit_code and out == ""
    assert_one_line_error(err, "root of the file system")


@pytest.mark.model
def test_a_stale_answer_says_how_to_refresh_this_index(
        seed_corpus: Path, seed_index_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 10: the hints around `--allow-stale` name the index folder."""
    corpus, index = clone(seed_corpus, seed_index_dir, tmp_path)
    (corpus / "new.txt").write_text("A new note.\n", encoding="utf-8")
    code, out, _ = run_cli(["ask", "Who met?", "--index", str(index), "--allow-stale"], capsys)
    assert code == 0 and f"citeqa index --index {index}" in out.splitlines()[0]
    code, _, err = run_cli(["ask", "Who met?", "--index", str(index)], capsys)
    assert f"citeqa index --index {index}`" in err and f"--index {index} --allow-stale" in err
