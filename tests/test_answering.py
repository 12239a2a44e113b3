"""Golden tests for choosing and composing answers, with hand-made sentences and scores (no
embedding model)."""

from __future__ import annotations

import numpy as np

from citeqa.answer_model import SENTENCE_FEATURES, SentenceBatch, load_model, question_terms
from citeqa.answering import (
    DISAGREE,
    NO_ANSWER,
    Answerer,
    Decision,
    Sentence,
    candidate_sentences,
    choose,
    compose,
    sides,
)
from citeqa.lexical import build_bm25
from citeqa.records import Hit
from citeqa.settings import QueryOptions

TEXT_A = "Tokyo hosted the talks. The minister was Gen Nakatani."
TEXT_B = "Talks were held in London."


def _hit(chunk: int, text: str, start: int = 0) -> Hit:
    return Hit(chunk, f"doc{chunk}.txt", start, start + len(text), 1, 1, text, 1.0 / (chunk + 1))


def _sentences() -> tuple[list[Hit], list[Sentence]]:
    a, b = _hit(0, TEXT_A, 100), _hit(1, TEXT_B)
    return [a, b], [Sentence(a, 100, 123, TEXT_A[:23], 0), Sentence(a, 124, 154, TEXT_A[24:], 1),
                    Sentence(b, 0, 26, TEXT_B, 2)]


class Table:
    """A stored sentence table of two chunks: chunk 0 holds rows 0-1, chunk 1 row 2."""

    sent_ptr = np.array([0, 2, 3])
    sent_spans = np.array([[100, 123], [124, 154], [0, 26]])
    sent_meta = np.array([[3, 3, 0, -1, 1], [3, 4, 2, 0, 1], [1, 1, 0, -1, 1]])
    sent_vectors = np.eye(3, dtype=np.float16)
    texts = (TEXT_A[:23], TEXT_A[24:], TEXT_B)

    def sentence(self, row: int) -> str:
        return self.texts[row]

    def section(self, i: int) -> str | None:
        return ["Talks > Tokyo"][i] if i >= 0 else None


def _batch(kind: str | None, coverage: list[float]) -> SentenceBatch:
    features = np.zeros((len(coverage), len(SENTENCE_FEATURES)))
    features[:, SENTENCE_FEATURES.index("context_idf_overlap")] = coverage
    return SentenceBatch(kind, features, np.ones(len(coverage), dtype=bool), frozenset({"the"}))


def _decision(probs: list[float], chosen: list[int], confidence: float,
              disagreement: bool = False) -> Decision:
    stats = build_bm25([["talks"]])
    return Decision(question_terms("talks", str.split, stats), _batch(None, [1.0] * len(probs)),
                    np.array(probs), chosen, disagreement, np.zeros(0), confidence)


def test_candidates_are_the_hits_sentences_once_each_best_passage_first() -> None:
    hits, _ = _sentences()
    got = candidate_sentences([hits[0], hits[1], hits[0]], Table())
    assert [(s.hit.chunk_id, s.start, s.end, s.text, s.line_start, s.line_end, s.page, s.section)
            for s in got] == [
        (0, 100, 123, "Tokyo hosted the talks.", 3, 3, None, None),
        (0, 124, 154, "The minister was Gen Nakatani.", 3, 4, 2, "Talks > Tokyo"),
        (1, 0, 26, "Talks were held in London.", 1, 1, None, None)]


def test_choose_keeps_the_best_and_those_close_to_it() -> None:
    options = QueryOptions(answer_sentences=3, sentence_margin=0.5)
    assert choose(np.array([0.3, 0.8, 0.5, 0.45]), options) == [1, 2, 3]
    assert choose(np.array([0.3, 0.8, 0.39]), options) == [1]
    assert choose(np.array([0.5, 0.5]), QueryOptions(answer_sentences=1)) == [0]
    assert choose(np.zeros(0), options) == []


def test_sides_need_close_likely_candidates_that_give_different_answers() -> None:
    _, sentences = _sentences()
    question = "Where were the talks held?"
    options = QueryOptions(disagreement_margin=0.15, disagreement_floor=0.5)
    batch = _batch("place", [1.0, 1.0, 1.0])
    # "Tokyo hosted the talks." gives no place after "in"/"at"; London's sentence gives one.
    assert sides(question, batch, sentences, np.array([0.9, 0.1, 0.85]), options) == []
    tokyo = Sentence(sentences[0].hit, 100, 123, "The talks were held in Tokyo.", 0)
    three = [tokyo, sentences[1], sentences[2]]
    assert sides(question, batch, three, np.array([0.9, 0.1, 0.8]), options) == [0, 2]
    assert sides(question, batch, three, np.array([0.9, 0.1, 0.7]), options) == []    # not close
    assert sides(question, batch, three, np.array([0.55, 0.1, 0.45]), options) == []  # not likely
    assert sides(question, _batch("place", [1.0, 1.0, 0.2]), three,
                 np.array([0.9, 0.1, 0.8]), options) == []                  # not about the question
    agree = [tokyo, sentences[1], Sentence(sentences[2].hit, 0, 26, "They met in Tokyo.", 2)]
    assert sides(question, batch, agree, np.array([0.9, 0.1, 0.8]), options) == []
    assert sides("What happened?", _batch(None, [1.0] * 3), three, np.array([0.9, 0.1, 0.8]),
                 options) == []


def test_compose_cites_each_chosen_sentence_exactly_best_first() -> None:
    hits, sentences = _sentences()
    decision = _decision([0.7, 0.65, 0.9], [2, 0], 0.8)
    answer = compose("Where were the talks?", hits, sentences, decision, QueryOptions())
    assert answer.text == "Talks were held in London. [1] Tokyo hosted the talks. [2]"
    assert not answer.abstained and answer.confidence == 0.8 and not answer.disagreement
    first, second = answer.citations
    assert (first.number, first.source, first.start, first.end, first.quote, first.score) == \
        (1, "doc1.txt", 0, 26, TEXT_B, 0.9)
    assert (second.number, second.start, second.end, second.quote) == (2, 100, 123, TEXT_A[:23])
    assert (second.passage_start, second.passage_end, second.chunk_id) == (100, 100 + len(TEXT_A), 0)


def test_a_disagreement_says_so_and_cites_each_side() -> None:
    hits, sentences = _sentences()
    decision = _decision([0.8, 0.1, 0.75], [0, 2], 0.6, disagreement=True)
    answer = compose("Where were the talks?", hits, sentences, decision, QueryOptions())
    assert answer.disagreement
    assert answer.text == f"{DISAGREE} Tokyo hosted the talks. [1] Talks were held in London. [2]"
    assert [c.source for c in answer.citations] == ["doc0.txt", "doc1.txt"]


def test_answer_text_has_no_markup_but_the_quote_is_exact() -> None:
    hit = _hit(0, "See **the [guide](https://x.org/g)** for `pip`.")
    sentence = Sentence(hit, 0, len(hit.text), hit.text, 0)
    answer = compose("Where is the guide?", [hit], [sentence], _decision([0.9], [0], 0.9),
                     QueryOptions())
    assert answer.text == "See the guide for pip. [1]"
    assert answer.citations[0].quote == hit.text


def test_compose_abstains_below_the_threshold_with_the_closest_passages() -> None:
    hits, sentences = _sentences()
    decision = _decision([0.1, 0.2, 0.3], [2], 0.3)
    answer = compose("What is the capital of Peru?", hits, sentences, decision,
                     QueryOptions(abstain_threshold=0.31))
    assert answer.abstained and answer.text == NO_ANSWER and answer.confidence == 0.3
    assert [c.chunk_id for c in answer.citations] == [0, 1]
    kept = compose("What is the capital of Peru?", hits, sentences, decision,
                   QueryOptions(abstain_threshold=0.3))
    assert not kept.abstained


def test_answerer_with_the_packaged_model_on_a_hand_made_table() -> None:
    hits, _ = _sentences()
    tokenize = str.split
    stats = build_bm25([tokenize(TEXT_A.lower()), tokenize(TEXT_B.lower())])
    answerer = Answerer(Table(), lambda t: t.lower().replace(".", "").replace("?", "").split(),
                        stats, load_model())
    vector = np.array([0.0, 0.0, 1.0], dtype=np.float32)
    answer = answerer.answer("Where were the talks held?", vector, hits, QueryOptions())
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.abstained or answer.citations[0].quote == TEXT_B
    off = answerer.answer("Which volcano erupted?", vector, hits, QueryOptions())
    assert off.abstained and off.confidence == 0.0       # no term of it is in the documents
