"""Chunk offsets, line numbers and token bounds, on random and repetitive text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citeqa.chunking import chunk_document, line_starts, locate, make_splitter
from citeqa.documents import Document
from citeqa.embedding import load_tokenizer, token_counter


@pytest.fixture(scope="module")
def count() -> Callable[[str], int]:
    return token_counter(load_tokenizer())


def _doc(text: str) -> Document:
    return Document("doc.txt", text, "t", None, "0" * 64)


def _check(text: str, count: Callable[[str], int], size: int, overlap: int) -> None:
    chunks = chunk_document(_doc(text), make_splitter(size, overlap, count))
    covered = [False] * len(text)
    prev = -1
    for c in chunks:
        assert c.text == text[c.start:c.end]
        assert c.start > prev
        prev = c.start
        assert c.line_start == text.count("\n", 0, c.start) + 1
        assert c.line_end == text.count("\n", 0, c.end - 1) + 1
        assert count(c.text) <= size
        for i in range(c.start, c.end):
            covered[i] = True
    assert all(covered[i] or text[i].isspace() for i in range(len(text)))


words = st.sampled_from(["alpha", "beta", "U.S.", "Ltd.", "naïve", "日本", "😀", "x", "repeat"])
seps = st.sampled_from([" ", " ", "\n", "\n\n", ". ", ", ", "\t", "\r\n"])
texts = st.lists(st.tuples(words, seps), min_size=1, max_size=300).map(
    lambda parts: "".join(w + s for w, s in parts))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, size=st.integers(16, 64), overlap_share=st.floats(0, 0.5))
def test_offsets_hold_for_random_text(text: str, size: int, overlap_share: float,
                                      count: Callable[[str], int]) -> None:
    _check(text, count, size, int(size * overlap_share))


def test_repeated_passages_get_their_own_offsets(count: Callable[[str], int]) -> None:
    line = "The Ministers reaffirmed the importance of peaceful resolution of disputes.\n"
    text = line * 40
    chunks = chunk_document(_doc(text), make_splitter(32, 0, count))
    starts = [c.start for c in chunks]
    assert len(set(starts)) == len(starts) == len(chunks)
    assert starts == sorted(starts)
    assert chunks[-1].end == len(text.rstrip("\n"))
    _check(text, count, 32, 8)


def test_locate_prefers_the_place_after_the_previous_piece() -> None:
    text = "ab ab ab ab"
    assert locate(text, ["ab ab", "ab ab"]) == [(0, 5), (6, 11)]


def test_seed_chunks_fit_the_model_window(seed_index: object) -> None:
    from citeqa.embedding import MAX_TOKENS

    index = seed_index
    tables = index.retriever.tables  # type: ignore[attr-defined]
    counter = token_counter(load_tokenizer())
    text = (index.corpus / index.retriever.sources[0]).read_text(encoding="utf-8")  # type: ignore[attr-defined]
    for i in range(tables.n_chunks):
        _, start, end, _, _ = (int(v) for v in tables.chunk_meta[i])
        assert tables.text(i) == text[start:end]
        assert counter(tables.text(i)) + 2 <= MAX_TOKENS


def test_line_starts() -> None:
    assert line_starts("a\nbc\n\nd") == [0, 2, 5, 6]
