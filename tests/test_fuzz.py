"""Fuzzing with a fixed seed and a fixed number of runs: random bytes as corpus files, random
strings as questions; the only acceptable failures are citeqa's own clear errors.

CITEQA_FUZZ_SEED picks another seed and CITEQA_FUZZ_SCALE multiplies the runs, for longer
fuzzing outside the test suite.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import citeqa
from citeqa.chunking import chunk_documents, make_splitter
from citeqa.documents import SourceFile, read_document
from citeqa.embedding import load_tokenizer, token_counter
from citeqa.errors import CorpusError
from citeqa.index import MAX_QUESTION_CHARS
from citeqa.lexical import build_bm25, make_tokenizer
from citeqa.sentences import sentence_spans
from citeqa.settings import MODES, BuildSettings

SEED = int(os.environ.get("CITEQA_FUZZ_SEED", "20261126"))
SCALE = int(os.environ.get("CITEQA_FUZZ_SCALE", "1"))
FILE_RUNS = 150 * SCALE
BUILDS = 3 * SCALE
PIECES = [b"a", b"Zebra", b" ", b"\n", b"\r\n", b"\t", b". ", b"?", b"\x0b", b"\x0c", b"\x1c", b"\xc2\x85",
          b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\xff", b"\xe9", b"\x00", b"\n\n", b"\xf0\x9f\x98\x80",
          b"\xcc\x81", b"\xe6\x97\xa5\xe6\x9c\xac", b"Mr. ", b"U.S. ", b"<p>", b"    ", b"#"]
NAME_CHARS = "abcXYZ019 _-.é😀\n"


def _random_bytes(rnd: random.Random, seed_text: bytes) -> bytes:
    """Corpus file contents: noise, text-like noise, or the seed text with damage."""
    kind = rnd.randrange(4)
    size = rnd.choice([0, 1, 7, 100, 1000, 6000])
    if kind == 0:
        return rnd.randbytes(size)
    if kind == 1:
        return b"".join(rnd.choice(PIECES) for _ in range(size))
    data = bytearray(seed_text[:rnd.randrange(1, len(seed_text))])
    for _ in range(rnd.randrange(1, 20)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data) if kind == 2 else bytes(data) + rnd.randbytes(size)


def _random_question(rnd: random.Random, words: list[str]) -> str:
    """Questions: any code points (surrogates too), corpus words with noise, or very long."""
    kind = rnd.randrange(4)
    size = rnd.choice([0, 1, 3, 20, 200, MAX_QUESTION_CHARS, MAX_QUESTION_CHARS + 1])
    if kind == 0:
        return "".join(chr(rnd.randrange(0x110000)) for _ in range(size))
    if kind == 1:
        return "".join(chr(rnd.randrange(0x300)) for _ in range(size))
    if kind == 2:
        return " ".join(rnd.choice(words) + rnd.choice(["", "?", "\x00", "😀", "'", "\u200b"])
                        for _ in range(rnd.randrange(1, 12)))
    return rnd.choice(words) * rnd.randrange(1, 5000)


def test_random_files_read_and_chunk_without_crashing(seed_corpus: Path, tmp_path: Path) -> None:
    rnd = random.Random(SEED)
    seed_text = sorted(seed_corpus.glob("*.txt"))[0].read_bytes()
    split = make_splitter(128, 32, token_counter(load_tokenizer()))
    tokenize = make_tokenizer(BuildSettings().tokenizer)
    path = tmp_path / "f.txt"
    for _ in range(FILE_RUNS):
        data = _random_bytes(rnd, seed_text)
        path.write_bytes(data)
        doc, notice = read_document(SourceFile("f.txt", path))
        assert doc is not None or notice is not None, f"seed {SEED}: {data[:80]!r}"
        if doc is not None:
            chunks = chunk_documents([doc], split)
            assert all(doc.text[c.start:c.end] == c.text for c in chunks), f"seed {SEED}"
            assert all(0 <= s < e <= len(doc.text) for s, e in sentence_spans(doc.text)), f"seed {SEED}"
            build_bm25([tokenize(c.text) for c in chunks])


def _write_corpus(rnd: random.Random, corpus: Path, seed_text: bytes) -> None:
    for old in corpus.iterdir():
        old.unlink()
    if rnd.random() < 0.8:  # sometimes only junk: then the build must say there is nothing to index
        (corpus / "good.txt").write_bytes(seed_text[:rnd.randrange(200, len(seed_text))])
    for i in range(rnd.randrange(1, 5)):
        name = "".join(rnd.choice(NAME_CHARS) for _ in range(rnd.randrange(1, 12)))
        suffix = rnd.choice([".txt", ".md", ".TXT", ".bin", ""])
        (corpus / f"{i}{name}{suffix}").write_bytes(_random_bytes(rnd, seed_text))


def test_random_corpora_and_questions_never_crash(seed_corpus: Path, seed_index_dir: Path,
                                                  tmp_path: Path) -> None:
    """Real builds of random corpora, then random questions (`seed_index_dir` is only asked for
    so that the one-off model export happens before the clock starts)."""
    rnd = random.Random(SEED + 1)
    seed_text = sorted(seed_corpus.glob("*.txt"))[0].read_bytes()
    words = seed_text.decode("utf-8").split()[:400]
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    builds, questions, attempts = 0, 0, 0
    while builds < BUILDS and attempts < 4 * BUILDS:
        attempts += 1
        _write_corpus(rnd, corpus, seed_text)
        try:
            ix = citeqa.Index.build(corpus, index)
        except CorpusError as err:
            assert "nothing to index" in str(err) and "\n" not in str(err), f"seed {SEED}: {err}"
            continue
        builds += 1
        for i in range(30):
            question = _random_question(rnd, words)
            try:
                if i % 10 == 0:
                    answer = ix.ask(question)
                    assert answer.abstained or answer.citations
                else:
                    ix.search(question, k=rnd.randrange(1, 15), mode=rnd.choice(MODES))
            except ValueError as err:
                assert "empty" in str(err) or "limit is" in str(err), f"seed {SEED}: {question!r}"
            questions += 1
    assert builds >= 1 and questions >= 30, f"seed {SEED}"
