"""Postings built batch by batch equal the in-memory BM25 build, whatever the batch sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citeqa.lexical import build_bm25, make_tokenizer
from citeqa.postings import PostingsBuilder, count_terms

WORDS = st.sampled_from("apple pear plum fig cherry lime date kiwi".split())
TEXTS = st.lists(st.lists(WORDS, max_size=12).map(" ".join), min_size=1, max_size=40)


def streamed(texts: list[str], cuts: list[int], spill: Path) -> tuple:
    tokenize = make_tokenizer("plain")
    builder = PostingsBuilder(spill, 1.2, 0.7, 0.25)
    bounds = sorted({0, len(texts), *(c % (len(texts) + 1) for c in cuts)})
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        builder.add(count_terms(texts[lo:hi], tokenize))
    return builder.finish(), builder


@settings(max_examples=60, deadline=None)
@given(texts=TEXTS, cuts=st.lists(st.integers(0, 40), max_size=5))
def test_streamed_postings_equal_the_whole_build(tmp_path_factory, texts: list[str],
                                                 cuts: list[int]) -> None:
    spill = tmp_path_factory.mktemp("spill") / "postings.tmp"
    got, _ = streamed(texts, cuts, spill)
    tokenize = make_tokenizer("plain")
    want = build_bm25((tokenize(t) for t in texts), 1.2, 0.7, 0.25)
    assert got.vocab == want.vocab and got.n_docs == want.n_docs
    assert np.array_equal(got.ptr, want.ptr)
    assert np.array_equal(got.docs, want.docs) and got.docs.dtype == want.docs.dtype
    assert np.array_equal(got.weights, want.weights)  # bit for bit, not approximately
    assert not spill.exists()


def test_real_text_in_uneven_batches(tmp_path: Path) -> None:
    text = Path(__file__).read_text(encoding="utf-8").split("\n")
    tokenize = make_tokenizer("stem-stop")
    builder = PostingsBuilder(tmp_path / "spill", 1.5, 0.75, 0.25)
    for lo, hi in ((0, 1), (1, 50), (50, 51), (51, len(text))):
        builder.add(count_terms(text[lo:hi], tokenize))
    got = builder.finish()
    want = build_bm25((tokenize(t) for t in text), 1.5, 0.75, 0.25)
    assert got.vocab == want.vocab
    assert np.array_equal(got.docs, want.docs) and np.array_equal(got.weights, want.weights)
    assert got.scores(tokenize("postings batch")).tolist() == \
        want.scores(tokenize("postings batch")).tolist()
