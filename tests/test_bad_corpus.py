"""Odd corpus folders and files: a clear one-line notice or error each, and the good files are
still indexed."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_tools import assert_one_line_error, generation, manifest, run_cli

import citeqa
from citeqa import store
from citeqa.documents import Notice, SourceFile, decode, find_sources, read_document
from citeqa.errors import CorpusError
from citeqa.staleness import fingerprint

LATIN1 = "Le café de la gare sert une crème brûlée à midi.\nLa façade est peinte en rouge.\n"
GOOD = {"good.txt": "The lighthouse keeper lit the lamp at dusk every evening.\n",
        "notes.md": "# Notes\n\nThe orchard has seventeen apple trees and one pear tree.\n",
        "naïve café 😀.txt": "Emoji names are fine: the market opens at nine.\n",
        "line\nbreak.txt": "A file name with a line break still indexes: the river floods in spring.\n",
        "latin1.txt": LATIN1,
        "utf16.txt": "The observatory dome rotates on rails.\n"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """An empty corpus folder."""
    path = tmp_path / "corpus"
    path.mkdir()
    return path


def _notices(err: str) -> dict[str, str]:
    """stderr notice lines `citeqa: SOURCE: message` by source."""
    lines = [line.removeprefix("citeqa: ") for line in err.splitlines() if line.startswith("citeqa: ")]
    return dict(line.rsplit(": skipped: ", 1) if ": skipped: " in line else line.split(": ", 1)
                for line in lines)


# ---- folder-level errors ---------------------------------------------------------------------
@pytest.mark.parametrize("make, words", [
    (lambda c: shutil.rmtree(c), ("does not exist",)),
    (lambda c: (shutil.rmtree(c), c.write_text("x")), ("not a folder",)),
    (lambda c: None, ("nothing to index", "it has no")),
    (lambda c: [(c / n).write_bytes(b"%PDF-1.4") for n in ("a.pdf", "b.docx")],
     ("nothing to index", "a.pdf: skipped: unreadable PDF")),
    (lambda c: [(c / "empty.txt").write_bytes(b""), (c / "bin.txt").write_bytes(b"\x00\x01\x02")],
     ("nothing to index", "bin.txt: skipped: binary", "empty.txt: skipped: empty")),
], ids=["missing", "a file", "empty", "no supported files", "only bad files"])
def test_unusable_corpus_is_one_clear_error(corpus: Path, tmp_path: Path,
                                            make: Callable[[Path], object], words: tuple[str, ...],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    make(corpus)
    with pytest.raises(CorpusError):
        citeqa.Index.build(corpus, tmp_path / "index")
    code, out, err = run_cli(["index", str(corpus), "--index", str(tmp_path / "index2"), "--quiet"], capsys)
    assert code == CorpusError.exit_code == 3 and out == ""
    assert_one_line_error(err, *words)


# ---- one corpus with every kind of bad file next to good ones -------------------------------
def _write_bad_files(c: Path) -> dict[str, str]:
    """Bad files in `c`, by the source name their notice must carry and a word it must hold."""
    (c / "empty.txt").write_bytes(b"")
    (c / "blank\nname.txt").write_text(" \n\t\n", encoding="utf-8")
    (c / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (c / "binary-no-nul.txt").write_bytes(bytes(range(1, 256)) * 8)
    with (c / "big.txt").open("wb") as f:  # 50 MB, sparse: quick to write
        f.truncate(50 * 1024 * 1024)
    (c / "unreadable.txt").write_text("secret", encoding="utf-8")
    (c / "unreadable.txt").chmod(0)
    os.symlink("loop.txt", c / "loop.txt")
    os.symlink("nowhere.txt", c / "dangling.txt")
    (c / "sub").mkdir()
    os.symlink("..", c / "sub" / "up")
    os.mkfifo(c / "pipe.txt")
    (c / "report.pdf").write_bytes(b"%PDF-1.4")
    (c / ".hidden.txt").write_text("hidden files are ignored", encoding="utf-8")
    return {"empty.txt": "empty", "blank\\nname.txt": "empty", "binary.txt": "binary",
            "binary-no-nul.txt": "binary", "big.txt": "52.4 MB is over the 20 MB limit",
            "unreadable.txt": "cannot read", "loop.txt": "not a regular file",
            "dangling.txt": "not a regular file", "sub/up": "link to a folder",
            "pipe.txt": "not a regular file", "report.pdf": "unreadable PDF"}


def _write_good_files(c: Path) -> None:
    for name, text in GOOD.items():
        encoding = {"latin1.txt": "latin-1", "utf16.txt": "utf-16"}.get(name, "utf-8")
        (c / name).write_bytes(text.encode(encoding))
    (c / "deep" / "er").mkdir(parents=True)
    (c / "deep" / "er" / "nested.txt").write_text("Nested folders are read too: owls hunt at night.\n",
                                                  encoding="utf-8")
    (c / "bad\udcff name.txt").write_text("A name that is not UTF-8: the bakery sells rye bread.\n",
                                          encoding="utf-8")


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `unreadable.txt` unreadable even to root, who ignores permission bits."""
    if os.geteuid() != 0:
        return
    real_open = Path.open

    def guarded(self: Path, *args: object, **kwargs: object) -> object:
        mode = str(args[0] if args else kwargs.get("mode", "r"))
        if self.name == "unreadable.txt" and "r" in mode:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", guarded)


class _FifoGuard:
    """Unblocks a reader stuck opening a FIFO after `limit` seconds, and remembers it had to."""

    def __init__(self, fifos: list[Path], limit: float = 30.0):
        self.fifos, self.limit = fifos, limit
        self.stop = threading.Event()
        self.fired = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if self.stop.wait(self.limit):
            return
        self.fired = True
        while not self.stop.wait(0.05):
            for fifo in self.fifos:
                with contextlib.suppress(OSError):
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@pytest.fixture
def fifo_guard(corpus: Path) -> Iterator[_FifoGuard]:
    guard = _FifoGuard([corpus / "pipe.txt"])
    guard.thread.start()
    yield guard
    guard.stop.set()
    guard.thread.join()


@pytest.mark.model
def test_bad_files_get_one_line_notices_and_good_files_are_indexed(
        corpus: Path, tmp_path: Path, unreadable: None, fifo_guard: _FifoGuard,
        capsys: pytest.CaptureFixture[str]) -> None:
    expected = _write_bad_files(corpus)
    _write_good_files(corpus)
    index = tmp_path / "index"
    code, _, err = run_cli(["index", str(corpus), "--index", str(index), "--quiet"], capsys)
    assert not fifo_guard.fired, "reading the corpus blocked on a FIFO"
    assert code == 0, err
    notices = _notices(err)
    for source, word in expected.items():
        assert word in notices.get(source, ""), (source, err)
    assert notices["latin1.txt"].startswith("not valid UTF-8: read as Latin-1")
    sources = set(store.load_sources(generation(index), manifest(index)))
    assert sources == set(GOOD) | {"deep/er/nested.txt", "bad\\xff name.txt"}
    ix = citeqa.Index.open(index)
    hit = ix.search("crème brûlée", k=1, mode="bm25")[0]
    assert hit.source == "latin1.txt" and "crème brûlée" in hit.text
    code, out, _ = run_cli(["search", "bakery rye bread", "--index", str(index), "--json"], capsys)
    assert code == 0 and "bad\\\\xff name.txt" in out
    out.encode("utf-8")  # every name printable as strict UTF-8


# ---- reading functions, property-based -------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=3000))
def test_decode_any_bytes_gives_text_or_a_notice(data: bytes) -> None:
    text, notice = decode("f.txt", data)
    assert text is not None or isinstance(notice, Notice)
    if text is not None:
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates reach the index


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t\r"),
                    min_size=1))
def test_utf8_text_round_trips(text: str) -> None:
    decoded, notice = decode("f.txt", text.encode("utf-8"))
    assert decoded == text.removeprefix("\ufeff") and notice is None


@settings(max_examples=50, deadline=None)
@given(names=st.lists(st.text(st.characters(blacklist_characters="/\x00"), min_size=1, max_size=30)
                      .map(lambda n: n + ".txt"), max_size=5, unique=True))
def test_any_file_names_are_found_and_printable(tmp_path_factory: pytest.TempPathFactory,
                                                names: list[str]) -> None:
    root = tmp_path_factory.mktemp("names")
    written = []
    for name in names:
        try:
            (root / name).write_text("x", encoding="utf-8")
            written.append(name)
        except (OSError, UnicodeEncodeError):
            continue  # names the file system itself refuses
    found, notices = find_sources(root)
    assert len(found) == len([n for n in written if not n.startswith(".")])
    for src in found:
        src.source.encode("utf-8")
        assert "\n" not in str(Notice(src.source, "x"))
        assert read_document(src)[0] is not None


def test_fifo_is_never_opened(corpus: Path, fifo_guard: _FifoGuard) -> None:
    os.mkfifo(corpus / "pipe.txt")
    src = SourceFile("pipe.txt", corpus / "pipe.txt")
    assert read_document(src)[0] is None
    assert fingerprint(src.path)["sha256"] is None
    assert not fifo_guard.fired
