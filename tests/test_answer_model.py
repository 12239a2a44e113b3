"""The answer model's features, scorer and calibration, on hand-made inputs (no embedding
model), and the packaged model file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from citeqa.answer_model import (
    ANSWER_FEATURES,
    AnswerModel,
    Evidence,
    Scorer,
    answer_features,
    idf_weights,
    load_model,
    model_path,
    passage_terms,
    question_terms,
)
from citeqa.calibration import Calibration, isotonic
from citeqa.errors import ModelError
from citeqa.lexical import build_bm25, make_tokenizer
from citeqa.settings import QueryOptions

CHUNKS = ["Tokyo hosted the talks in January.", "The minister was Gen Nakatani.",
          "Talks were held in London at Lancaster House."]


def _tokenize(text: str) -> list[str]:
    return [w.strip(".,?").lower() for w in text.split() if w.strip(".,?")]


def _stats():  # type: ignore[no-untyped-def]
    return build_bm25([_tokenize(c) for c in CHUNKS])


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
    assert not q.negated and not q.subject_absent
    assert not question_terms("Who met Gen Nakatani?", _tokenize, _stats()).focus_absent
    assert question_terms("Which city did not host talks?", _tokenize, _stats()).negated


def test_a_question_none_of_whose_subject_terms_the_corpus_holds_is_off_topic() -> None:
    tokenize = make_tokenizer("stem-stop")            # the default: stop words dropped
    stats = build_bm25([tokenize(c) for c in CHUNKS])
    assert question_terms("What is the boiling point of mercury?", tokenize, stats).subject_absent
    # "year" only says what kind of answer is wanted; "talks" is the subject and is held.
    assert question_terms("In what year was it?", tokenize, stats).subject_absent is False
    assert not question_terms("In what year were the talks?", tokenize, stats).subject_absent
    assert question_terms("Which year did Abe visit?", tokenize, stats).subject_absent


def test_an_abbreviation_the_corpus_holds_only_in_the_plural_is_on_topic() -> None:
    """Snowball keeps the "s" of "PPPs" and "GPUs" (no vowel before it, or one right before
    it), so the corpus's term is "ppps" and the question's "ppp": the question is still
    about something the documents hold."""
    tokenize = make_tokenizer("stem-stop")
    stats = build_bm25([tokenize(c) for c in [*CHUNKS, "The Public-Private Partnerships (PPPs) "
                                              "run on GPUs owned by Ann Baker."]])
    assert tokenize("PPPs GPUs") == ["ppps", "gpus"]
    assert not question_terms("What is PPP?", tokenize, stats).subject_absent
    assert not question_terms("How many GPU are there?", tokenize, stats).subject_absent
    assert question_terms("What is a TPU?", tokenize, stats).subject_absent

def test_a_word_in_markdown_emphasis_is_mentioned_as_the_word() -> None:
    q = question_terms("Which release of Black added it?", _tokenize, _stats())
    assert q.mentioned_in(["_Black_ 24.1.0 made this the default."])
    assert not q.mentioned_in(["The blackout came in 2003."])


def test_passage_terms_read_the_postings() -> None:
    stats = _stats()
    q = question_terms("talks in London", _tokenize, stats)
    assert list(passage_terms(q, stats, 2)) == [True, True, True]
    assert list(passage_terms(q, stats, 0)) == [True, True, False]


# ---- features ----------------------------------------------------------------------------
def test_answer_features_of_a_hand_made_answer() -> None:
    stats = _stats()
    question = "When did Tokyo host the talks with Abe?"
    q = question_terms(question, _tokenize, stats)
    tokens = [set(_tokenize(c)) for c in CHUNKS]
    e = Evidence(scores=np.array([0.9, 0.5, 0.7]), cosine=np.array([0.6, 0.1, 0.4]),
                 lexical=np.array([0.5, 0.0, 0.2]), offered=np.array([True, False, False]),
                 kind="date", chosen=[0], tokens=tokens, neighbours=[[], [], []], chunk=0,
                 text=CHUNKS[0], bm25_rank=1, dense_rank=2)
    x = dict(zip(ANSWER_FEATURES, answer_features(q, e, stats), strict=True))
    assert x["best_score"] == 0.9 and x["score_gap"] == pytest.approx(0.2)
    assert (x["best_cosine"], x["max_cosine"], x["best_overlap"]) == (0.6, 0.6, 0.5)
    # Terms: when did tokyo host the talks with abe; the corpus holds tokyo, the, talks.
    # Chunk 0 holds all three, so nothing found is missing and its weighted share is 1.
    assert x["best_idf"] == pytest.approx(1.0) and x["passage_missing"] == 0.0
    w = q.weight
    assert x["absent_weight"] == pytest.approx(w[~q.present].sum() / w.sum())
    assert x["focus_absent"] == 1.0                      # Abe
    assert (x["typed"], x["best_offers"], x["kind_date"]) == (1.0, 1.0, 1.0)
    assert x["top_agree"] == 0.0 and x["top_bm25_rank"] == pytest.approx(np.log(2))
    assert x["negation_unmatched"] == 0.0 and x["sentences"] == 1.0


def _features_of(question: str, best: int, neighbours: list[int], text: str = ""
                 ) -> dict[str, float]:
    """The features of an answer made of the chunk `best` (or `text` with its terms), read
    as a sentence whose passage also holds the chunks `neighbours`."""
    stats = _stats()
    tokens = [set(_tokenize(c)) for c in CHUNKS]
    e = Evidence(scores=np.array([0.9, 0.5, 0.7]), cosine=np.array([0.6, 0.1, 0.4]),
                 lexical=np.array([0.5, 0.0, 0.2]), offered=np.array([False] * 3), kind=None,
                 chosen=[best], tokens=tokens,
                 neighbours=[neighbours if i == best else [] for i in range(3)], chunk=best,
                 text=text or CHUNKS[best], bm25_rank=1, dense_rank=1)
    q = question_terms(question, _tokenize, stats)
    return dict(zip(ANSWER_FEATURES, answer_features(q, e, stats), strict=True))


def test_an_order_word_the_answer_lacks_is_unmatched() -> None:
    assert _features_of("Where were the first talks held?", 0, [])["order_unmatched"] == 1.0
    assert _features_of("Where were the talks held?", 0, [])["order_unmatched"] == 0.0
    # The word as the answer writes it, in any case, matches; a longer word holding it does not.
    said = "First, Tokyo hosted the talks in January."
    assert _features_of("Where were the first talks held?", 0, [], said)["order_unmatched"] == 0.0
    assert _features_of("Where were the FIRST talks held?", 0, [], said)["order_unmatched"] == 0.0
    firstly = "Firstly, Tokyo hosted the talks in January."
    assert _features_of("Where were the first talks held?", 0, [], firstly)["order_unmatched"] == 1.0


def test_a_found_name_the_answer_and_its_neighbours_lack_is_missing() -> None:
    question = "When did Tokyo host the talks with Nakatani?"
    q = question_terms(question, _tokenize, _stats())
    alone = _features_of(question, 0, [])
    # The corpus holds "nakatani" (chunk 1), the answer's sentence does not.
    assert alone["missing_name_weight"] == pytest.approx(q.weight[q.terms.index("nakatani")])
    assert alone["missing_terms"] == 1.0
    beside = _features_of(question, 0, [1])             # a neighbour names him
    assert beside["missing_name_weight"] == 0.0 and beside["missing_terms"] == 0.0
    # A term the corpus lacks ("abe") is not missing from the answer: no sentence has it.
    assert _features_of("When did Tokyo host the talks with Abe?", 0, [])["missing_terms"] == 0.0


def test_a_number_no_chunk_holds_is_absent() -> None:
    stats = _stats()
    assert question_terms("What did Tokyo host in 1756?", _tokenize, stats).number_absent
    assert not question_terms("What did Tokyo host in January?", _tokenize, stats).number_absent
    # A number the corpus holds is not absent.
    held = build_bm25([_tokenize(c) for c in [*CHUNKS, "The year was 1756."]])
    assert not question_terms("What did Tokyo host in 1756?", _tokenize, held).number_absent


def _opposite_held(question: str, sentence: str, neighbour: str = "") -> float:
    """The `opposite_held` feature of an answer `sentence` (beside `neighbour`, if any)."""
    stats = _stats()
    texts = [sentence, neighbour or "Nothing else."]
    e = Evidence(scores=np.array([0.9, 0.5]), cosine=np.array([0.6, 0.1]),
                 lexical=np.array([0.5, 0.0]), offered=np.array([False, False]), kind=None,
                 chosen=[0], tokens=[set(_tokenize(t)) for t in texts],
                 neighbours=[[1] if neighbour else [], []], chunk=0, text=sentence,
                 bm25_rank=1, dense_rank=1)
    q = question_terms(question, _tokenize, stats)
    return dict(zip(ANSWER_FEATURES, answer_features(q, e, stats), strict=True))["opposite_held"]


def test_an_answer_holding_the_opposite_of_what_was_asked_is_flagged() -> None:
    decrease = "The talks saw a decrease in trade."
    assert _opposite_held("When did the talks see an increase in trade?", decrease) == 1.0
    assert _opposite_held("When did the talks see a decrease in trade?", decrease) == 0.0
    # The asked word anywhere near the answer means the opposite is not a swap.
    increase = "It followed an increase in trade."
    assert _opposite_held("When did the talks see an increase in trade?", decrease,
                          increase) == 0.0
    # Adjectives' comparatives are opposites too.
    assert _opposite_held("Which cells have a stronger bond?", "Helper cells have a weaker bond.") \
        == 1.0
    # An unrelated word is no opposite, nor is a pair the question itself holds.
    assert _opposite_held("When did the talks see a rise in trade?", decrease) == 0.0
    assert _opposite_held("Did trade see an increase or a decrease?", decrease) == 0.0


# ---- scorer and calibration --------------------------------------------------------------
def test_logistic_scorer_is_the_standardised_dot_product() -> None:
    data = {"kind": "logistic", "features": ["best_score", "best_cosine"], "mean": [0.5, 0.2],
            "scale": [0.5, 0.1], "coef": [2.0, -1.0], "intercept": 0.25}
    s = Scorer.from_dict(data)
    x = np.zeros(len(ANSWER_FEATURES))
    x[ANSWER_FEATURES.index("best_score")] = 1.0
    x[ANSWER_FEATURES.index("best_cosine")] = 0.4
    # z = (1 - 0.5) / 0.5 = 1 and (0.4 - 0.2) / 0.1 = 2: logit 2 * 1 - 1 * 2 + 0.25.
    assert s.logit(x)[0] == pytest.approx(0.25)
    assert s.prob(x)[0] == pytest.approx(1 / (1 + np.exp(-0.25)))
    assert Scorer.from_dict(s.to_dict()).logit(x)[0] == pytest.approx(0.25)


@pytest.mark.parametrize("bad", [{"features": ["nope"]}, {"scale": [0.0, 1.0]},
                                 {"coef": [1.0]}, {"kind": "trees"}])
def test_a_scorer_that_does_not_fit_this_version_is_refused(bad: dict) -> None:
    data = {"kind": "logistic", "features": ["best_score", "best_cosine"], "mean": [0.0, 0.0],
            "scale": [1.0, 1.0], "coef": [1.0, 1.0], "intercept": 0.0, **bad}
    with pytest.raises(ValueError):
        Scorer.from_dict(data)


def test_isotonic_pools_violators_into_a_monotone_map() -> None:
    cal = isotonic([0.1, 0.2, 0.3, 0.4], [False, True, False, True])
    # (0.2, 1) and (0.3, 0) violate order: pooled into one block at score 0.25. Each block's
    # rate counts one right and one wrong answer more: 0/1 -> 1/3, 1/2 -> 2/4, 1/1 -> 2/3.
    assert cal.x == (0.1, 0.25, 0.4)
    assert cal.y == pytest.approx((1 / 3, 1 / 2, 2 / 3))
    assert list(cal([0.0, 0.175, 1.0])) == pytest.approx([1 / 3, (1 / 3 + 1 / 2) / 2, 2 / 3])


def test_isotonic_never_claims_certainty_and_rises_strictly() -> None:
    # A block right 9 times in 10 (read 10/12), then a small block always right: 2/2 reads
    # 3/4, below 10/12, so the two are pooled: 11 right of 12, read 12/14, at the mean score.
    scores = [0.1] * 10 + [0.9] * 2
    labels = [True] * 9 + [False] + [True] * 2
    cal = isotonic(scores, labels)
    assert cal.x == pytest.approx(((10 * 0.1 + 2 * 0.9) / 12,))
    assert cal.y == pytest.approx((12 / 14,))
    assert max(cal.y) < 1.0 and min(isotonic([0.1, 0.2], [False, False]).y) > 0.0
    # Rates rise strictly on a longer, noisy fit: no two corners share a confidence.
    rng = np.random.default_rng(0)
    p = rng.random(500)
    many = isotonic(p.tolist(), (rng.random(500) < p).tolist())
    assert len(many.y) > 3 and bool(np.all(np.diff(many.y) > 0))


def test_calibration_refuses_a_decreasing_map_or_values_outside_zero_one() -> None:
    with pytest.raises(ValueError):
        Calibration((0.0, 1.0), (0.6, 0.4))
    with pytest.raises(ValueError):
        Calibration((0.0, 1.0), (0.0, 1.2))


# ---- the packaged model ------------------------------------------------------------------
def test_the_packaged_model_loads_and_its_threshold_is_the_default() -> None:
    model = load_model()
    assert 0.0 <= model.abstain_below < 1.0      # 0: no threshold was precise enough
    assert QueryOptions().abstain_threshold == model.abstain_below
    assert model.calibration.y[0] >= 0.0 and model.calibration.y[-1] <= 1.0
    data = json.loads(model_path().read_text(encoding="utf-8"))
    assert AnswerModel.from_dict(data).to_dict()["answer"] == data["answer"]
    x = np.zeros(len(ANSWER_FEATURES))
    assert 0.0 <= model.confidence(x) <= 1.0


def test_a_damaged_model_file_is_a_model_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "model.json"
    bad.write_text('{"format": 2, "answer": {}}', encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(str(bad))


# ---- the training script's threshold rule ------------------------------------------------
def test_threshold_is_the_highest_whose_added_abstentions_stay_precise() -> None:
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "eval" / "train_answer_model.py"
    spec = importlib.util.spec_from_file_location("train_answer_model", path)
    assert spec is not None and spec.loader is not None
    train = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = train          # its dataclasses look their module up
    spec.loader.exec_module(train)
    # -1: refused by a gate (abstained whatever the threshold, and not counted here).
    conf = np.array([-1.0, 0.1, 0.2, 0.3, 0.4])
    unans = np.array([False, True, True, False, True])
    w = np.ones(5)
    # Below 0.3 the model adds 0.1 and 0.2, both unanswerable (precision 1); below 0.4 also
    # 0.3, answerable (2/3); below the 0.4 row nothing more.
    assert train.threshold_for(conf, unans, w, 1.0) == 0.3
    assert train.threshold_for(conf, unans, w, 0.6) == 0.4
    assert train.threshold_for(conf, unans, np.array([1, 1, 1, 3, 1.0]), 0.6) == 0.3
