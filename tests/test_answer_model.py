"""The answer model's features, scorers and calibration, on hand-made inputs (no embedding
model), and the packaged model file."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from citeqa.answer_model import (
    ANSWER_FEATURES,
    SENTENCE_FEATURES,
    AnswerModel,
    Scorer,
    answer_features,
    idf_weights,
    is_heading,
    load_model,
    model_path,
    passage_coverage,
    passage_terms,
    question_terms,
    sentence_features,
)
from citeqa.answering import Sentence
from citeqa.calibration import Calibration, isotonic
from citeqa.errors import ModelError
from citeqa.lexical import build_bm25
from citeqa.records import Hit
from citeqa.settings import QueryOptions

CHUNKS = ["Tokyo hosted the talks in January.", "The minister was Gen Nakatani.",
          "Talks were held in London at Lancaster House."]


def _tokenize(text: str) -> list[str]:
    return [w.strip(".,?").lower() for w in text.split() if w.strip(".,?")]


def _stats():  # type: ignore[no-untyped-def]
    return build_bm25([_tokenize(c) for c in CHUNKS])


def _hit(chunk: int, rank: int) -> Hit:
    text = CHUNKS[chunk]
    return Hit(chunk, "a.txt", 0, len(text), 1, 1, text, 1.0 - 0.1 * rank, rank, rank + 1)


def _sentences() -> list[Sentence]:
    return [Sentence(_hit(c, r), 0, len(CHUNKS[c]), CHUNKS[c], c)
            for r, c in enumerate((2, 0, 1), start=1)]


# ---- the question ------------------------------------------------------------------------
def test_idf_weight_is_one_for_an_absent_term_and_falls_with_frequency() -> None:
    w = idf_weights(np.array([0.0, 1.0, 5.0, 10.0]), 10)
    assert w[0] == pytest.approx(1.0)
    assert list(w) == sorted(w, reverse=True) and w[-1] > 0


def test_question_terms_know_which_terms_the_corpus_holds() -> None:
    q = question_terms("Where did Gen Nakatani meet Abe?", _tokenize, _stats())
    assert q.terms == ("where", "did", "gen", "nakatani", "meet", "abe")
    assert list(q.present) == [False, False, True, True, False, False]
    assert q.focus_absent                      # "Abe" is capitalised and in no chunk
    assert list(q.named) == [False, False, True, True, False, True]
    assert not q.negated
    assert not question_terms("Who met Gen Nakatani?", _tokenize, _stats()).focus_absent
    assert question_terms("Which city did not host talks?", _tokenize, _stats()).negated
    assert question_terms("Why didn't they meet?", _tokenize, _stats()).negated


def test_passage_terms_read_the_postings() -> None:
    stats = _stats()
    q = question_terms("talks in London", _tokenize, stats)
    assert list(passage_terms(q, stats, 2)) == [True, True, True]
    assert list(passage_terms(q, stats, 0)) == [True, True, False]
    held = q.weight[[0, 1]].sum() / q.weight.sum()
    assert passage_coverage(q, stats, 0) == pytest.approx(held)


def test_heading_question_or_unpunctuated_line_is_a_heading() -> None:
    assert is_heading("Installation") and is_heading("Does it work?")
    assert is_heading("A full sentence.", kind="heading")
    assert not is_heading("A full sentence.") and not is_heading("It said: “yes.”")


# ---- features ----------------------------------------------------------------------------
def test_sentence_features_of_hand_made_candidates() -> None:
    stats = _stats()
    question = "Where were the talks held?"
    q = question_terms(question, _tokenize, stats)
    vectors = np.eye(3, dtype=np.float16)
    query = np.array([0.6, 0.0, 0.8], dtype=np.float32)
    batch = sentence_features(question, q, query, _sentences(), vectors, _tokenize, stats)
    assert batch.features.shape == (3, len(SENTENCE_FEATURES))
    assert batch.kind == "place"
    np.testing.assert_allclose(batch.column("cosine"), [0.8, 0.6, 0.0], atol=1e-3)
    np.testing.assert_allclose(batch.column("cosine_gap"), [0.0, -0.2, -0.8], atol=1e-3)
    # Question terms: where, were, the, talks, held, of which the corpus holds all but
    # "where". London's sentence holds were, talks, held; Tokyo's the, talks; Nakatani's the.
    np.testing.assert_allclose(batch.column("overlap"), [3 / 4, 2 / 4, 1 / 4])
    assert list(batch.offered) == [True, True, True]     # London, Tokyo, Gen Nakatani
    assert list(batch.column("typed_offers")) == [1.0, 1.0, 1.0]
    assert list(batch.column("passage_rank")) == [0.0, math.log(2), math.log(3)]
    assert list(batch.column("heading")) == [0.0, 0.0, 0.0]


def test_answer_features_name_the_best_sentence_and_the_question() -> None:
    stats = _stats()
    question = "Why was Nakatani not at the talks with Abe?"
    q = question_terms(question, _tokenize, stats)
    sentences = _sentences()
    batch = sentence_features(question, q, np.array([0.6, 0.0, 0.8], dtype=np.float32),
                              sentences, np.eye(3, dtype=np.float16), _tokenize, stats)
    probs = np.array([0.2, 0.7, 0.1])
    x = dict(zip(ANSWER_FEATURES, answer_features(q, batch, probs, [1], sentences[0].hit,
                                                  sentences, stats), strict=True))
    assert x["best_logit"] == pytest.approx(math.log(0.7 / 0.3))
    assert x["second_logit"] == pytest.approx(math.log(0.2 / 0.8))
    assert x["best_cosine"] == pytest.approx(0.6, abs=1e-3)
    assert x["negation"] == 1.0 and x["negation_unmatched"] == 1.0
    assert x["focus_absent"] == 1.0                 # Abe is in no chunk
    assert x["names_missing"] == 1.0                # Nakatani is, but not in Tokyo's
    assert x["typed"] == 0.0 and x["chosen"] == 1.0
    assert x["top_agree"] == 0.0 and x["top_bm25_rank"] == pytest.approx(math.log(2))


def test_answer_features_without_candidates_are_zeros_but_the_question() -> None:
    stats = _stats()
    q = question_terms("Who was Abe?", _tokenize, stats)
    batch = sentence_features("Who was Abe?", q, np.zeros(3, dtype=np.float32), [],
                              np.eye(3, dtype=np.float16), _tokenize, stats)
    x = dict(zip(ANSWER_FEATURES, answer_features(q, batch, np.zeros(0), [], None, [], stats),
                 strict=True))
    assert x["best_logit"] == 0.0 and x["kind_name"] == 1.0
    assert x["absent_share"] == pytest.approx(2 / 3)          # "who" and "abe"


# ---- scorers -----------------------------------------------------------------------------
def test_logistic_scorer_standardises_then_weighs() -> None:
    s = Scorer.from_dict({"kind": "logistic", "features": ["a", "b"], "mean": [1.0, 0.0],
                          "scale": [2.0, 1.0], "coef": [1.0, -1.0], "intercept": 0.5})
    np.testing.assert_allclose(s.logit(np.array([[3.0, 1.0], [1.0, 0.0]])), [0.5, 0.5])
    assert s.prob(np.array([5.0, 0.0]))[0] == pytest.approx(1 / (1 + math.exp(-2.5)))


def test_tree_scorer_follows_each_tree_to_a_leaf() -> None:
    # Tree 1: x0 <= 0.5 -> -1 else (x1 <= 2 -> 1, else 3); tree 2: a single leaf of 0.5.
    tree1 = {"feature": [0, -1, 1, -1, -1], "threshold": [0.5, 0, 2.0, 0, 0],
             "left": [1, 0, 3, 0, 0], "right": [2, 0, 4, 0, 0],
             "value": [0.0, -1.0, 0.0, 1.0, 3.0]}
    tree2 = {"feature": [-1], "threshold": [0.0], "left": [0], "right": [0], "value": [0.5]}
    s = Scorer.from_dict({"kind": "trees", "features": ["a", "b"], "init": 0.25, "rate": 0.5,
                          "depth": 2, "trees": [tree1, tree2]})
    x = np.array([[0.0, 9.0], [1.0, 2.0], [1.0, 2.5]])
    np.testing.assert_allclose(s.logit(x), [0.25 + 0.5 * (-1 + 0.5), 0.25 + 0.5 * (1 + 0.5),
                                            0.25 + 0.5 * (3 + 0.5)])


def test_unknown_scorer_and_mismatched_features_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        Scorer.from_dict({"kind": "forest", "features": []})
    data = json.loads(model_path().read_text(encoding="utf-8"))
    data["sentence"]["features"] = [*data["sentence"]["features"][:-1], "no_such_feature"]
    with pytest.raises(ValueError, match="no_such_feature"):
        AnswerModel.from_dict(data)
    bad = tmp_path / "model.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(str(bad))


def test_packaged_model_loads_and_its_threshold_is_the_default() -> None:
    model = load_model()
    assert set(model.sentence.features) <= set(SENTENCE_FEATURES)
    assert set(model.answer.features) <= set(ANSWER_FEATURES)
    assert QueryOptions().abstain_threshold == model.abstain_below
    assert 0.0 < model.abstain_below < 1.0
    probs = model.calibration(np.linspace(0, 1, 101))
    assert np.all(np.diff(probs) >= 0) and probs.min() >= 0 and probs.max() <= 1


# ---- calibration -------------------------------------------------------------------------
def test_isotonic_fit_pools_violators_into_a_non_decreasing_map() -> None:
    c = isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [False, True, False, True, True, True])
    assert c.x == pytest.approx((0.1, 0.25, 0.5)) and c.y == pytest.approx((0.0, 0.5, 1.0))
    np.testing.assert_allclose(c([0.0, 0.175, 0.25, 0.9]), [0.0, 0.25, 0.5, 1.0])


def test_isotonic_fit_matches_the_label_rate_of_a_calibrated_score() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=20_000)
    labels = rng.uniform(size=20_000) < scores ** 2         # true probability: score squared
    c = isotonic(scores.tolist(), labels.tolist())
    np.testing.assert_allclose(c([0.3, 0.5, 0.8]), [0.09, 0.25, 0.64], atol=0.04)


def test_a_calibration_must_be_monotone_and_within_zero_and_one() -> None:
    with pytest.raises(ValueError):
        Calibration((0.0, 1.0), (0.5, 0.2))
    with pytest.raises(ValueError):
        Calibration((0.0, 1.0), (0.0, 1.5))
    c = Calibration((0.2, 0.8), (0.1, 0.9))
    assert Calibration.from_dict(c.to_dict()) == c
