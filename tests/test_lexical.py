"""BM25 scores equal rank-bm25's BM25Okapi; tokenizers behave as documented."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from citeqa.lexical import build_bm25, make_tokenizer
from citeqa.settings import BuildSettings

vocab = [f"w{i}" for i in range(25)]
docs = st.lists(st.lists(st.sampled_from(vocab), min_size=1, max_size=30), min_size=1, max_size=40)
queries = st.lists(st.sampled_from(vocab + ["unseen"]), min_size=1, max_size=6)


@settings(max_examples=80, deadline=None)
@given(corpus=docs, query=queries)
def test_scores_equal_rank_bm25(corpus: list[list[str]], query: list[str]) -> None:
    ref = BM25Okapi(corpus).get_scores(query)
    ours = build_bm25(corpus).scores(query)
    assert np.allclose(ours, ref, rtol=0, atol=1e-6)


def test_scores_on_a_real_text_corpus(seed_corpus: object) -> None:
    from pathlib import Path

    tokenize = make_tokenizer("stem-stop")
    text = next(Path(str(seed_corpus)).glob("*.txt")).read_text(encoding="utf-8")
    corpus = [tokenize(line) for line in text.splitlines() if line.strip()]
    for question in ["Who met Gen Nakatani in London?", "Meteor missile seeker technology",
                     "export export ban 1967"]:
        q = tokenize(question)
        assert np.allclose(build_bm25(corpus).scores(q), BM25Okapi(corpus).get_scores(q), atol=1e-6)


def test_golden_score_by_hand() -> None:
    # Three docs; "a" is in 1 of 3 (idf = ln(2.5/1.5)); doc 0 has tf=2, length 3, avgdl 2.
    corpus = [["a", "a", "b"], ["b", "c"], ["c"]]
    idf = math.log(3 - 1 + 0.5) - math.log(1 + 0.5)
    k1, b = 1.5, 0.75
    expected = idf * 2 * (k1 + 1) / (2 + k1 * (1 - b + b * 3 / 2))
    assert build_bm25(corpus).scores(["a"])[0] == pytest.approx(expected, rel=1e-12)


def test_top_orders_by_score_then_chunk_id() -> None:
    corpus = [["x", "y"], ["x", "y"], ["y", "z"], ["q"], ["r"]]
    top = build_bm25(corpus).top(["x"], 10)
    assert [d for d, _ in top] == [0, 1]
    assert top[0][1] == top[1][1] > 0
    assert build_bm25(corpus).top(["x"], 1) == top[:1]
    assert build_bm25(corpus).top(["x"], 0) == []


def test_coverage_reads_the_postings() -> None:
    corpus = [["x", "y"], ["y", "z"], ["x", "z", "z"]]
    bm25 = build_bm25(corpus)
    for doc, tokens in enumerate(corpus):
        for query in (["x"], ["x", "z", "x"], ["y", "q"], []):
            expected = len(set(query) & set(tokens)) / len(set(query)) if query else 0.0
            assert bm25.coverage(query, doc) == expected


def test_tokenizers() -> None:
    assert make_tokenizer("plain")("The Ministers' talks, U.S.!") == ["the", "ministers", "talks", "u", "s"]
    assert make_tokenizer("stem")("Ministers reaffirmed") == ["minist", "reaffirm"]
    assert make_tokenizer("stem-stop")("What did the Ministers reaffirm?") == ["minist", "reaffirm"]


def test_underscores_around_a_word_are_markup_not_part_of_it() -> None:
    tokenize = make_tokenizer("plain")
    assert tokenize("_Black_ reads __init__, snake_case and PIP_CONFIG_FILE; ___") == [
        "black", "reads", "init", "snake_case", "and", "pip_config_file"]
    assert make_tokenizer("plain", trim_underscores=False)("_Black_ __init__") == [
        "_black_", "__init__"]


def test_an_index_that_predates_trimmed_underscores_keeps_its_words() -> None:
    assert BuildSettings().trim_underscores is True
    assert BuildSettings.from_dict({}).trim_underscores is False
    assert BuildSettings.from_dict(BuildSettings().to_dict()).trim_underscores is True
