"""Golden tests for choosing and composing answers, with hand-made sentences (no model)."""

from __future__ import annotations

import numpy as np

from citeqa.answering import (
    NO_ANSWER,
    Scored,
    Sentence,
    candidate_sentences,
    choose,
    compose,
    score_sentences,
)
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


def test_candidates_are_the_hits_sentences_once_each_best_passage_first() -> None:
    hits, _ = _sentences()
    got = candidate_sentences([hits[0], hits[1], hits[0]], Table())
    assert [(s.hit.chunk_id, s.start, s.end, s.text, s.line_start, s.line_end, s.page, s.section)
            for s in got] == [
        (0, 100, 123, "Tokyo hosted the talks.", 3, 3, None, None),
        (0, 124, 154, "The minister was Gen Nakatani.", 3, 4, 2, "Talks > Tokyo"),
        (1, 0, 26, "Talks were held in London.", 1, 1, None, None)]


def test_sentence_score_is_cosine_plus_weighted_overlap_type_and_heading() -> None:
    hits, sentences = _sentences()
    vectors = np.eye(3, dtype=np.float16)
    query = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    options = QueryOptions(lexical_weight=0.5, type_weight=0.2, heading_penalty=0.2)
    scored = score_sentences("Who was the minister?", query, sentences, vectors, str.split, options)
    # Split on spaces, the question's terms are {Who, was, the, minister?}: the first sentence
    # holds "the", the second "was", the third none; all end in a full stop (no heading).
    assert scored.kind == "name"
    assert list(scored.offers) == [True, True, True]      # Tokyo, Gen Nakatani, London are names
    np.testing.assert_allclose(scored.scores, [0.6 + 0.5 * 0.25 + 0.2,
                                               0.8 + 0.5 * 0.25 + 0.2,
                                               0.0 + 0.0 + 0.2], atol=1e-3)


def test_choose_keeps_the_best_and_a_close_second_and_abstains_below_threshold() -> None:
    options = QueryOptions(abstain_threshold=0.6, sentence_margin=0.25, answer_sentences=2)
    scored = Scored(np.array([0.7, 0.9, 0.5]), np.array([True, True, True]), None)
    assert choose(scored, options) == [1, 0]
    assert choose(Scored(np.array([0.9, 0.6]), np.array([True, True]), None), options) == [0]
    assert choose(Scored(np.array([0.59, 0.5]), np.array([True, True]), None), options) == []
    assert choose(Scored(np.zeros(0), np.zeros(0, dtype=bool), None), options) == []


def test_choose_abstains_when_no_near_sentence_offers_the_asked_kind() -> None:
    options = QueryOptions(type_window=0.1)
    assert choose(Scored(np.array([0.9, 0.85]), np.array([False, False]), "date"), options) == []
    assert choose(Scored(np.array([0.9, 0.85]), np.array([False, True]), "date"), options) == [0, 1]
    assert choose(Scored(np.array([0.9, 0.7]), np.array([False, True]), "date"), options) == []


def test_compose_cites_each_chosen_sentence_exactly_best_first() -> None:
    hits, sentences = _sentences()
    scored = Scored(np.array([0.7, 0.65, 0.9]), np.array([True, True, True]), None)
    answer = compose("Where were the talks?", hits, sentences, scored, QueryOptions())
    assert answer.text == "Talks were held in London. [1] Tokyo hosted the talks. [2]"
    assert not answer.abstained and answer.confidence == 0.9
    first, second = answer.citations
    assert (first.number, first.source, first.start, first.end, first.quote, first.score) == \
        (1, "doc1.txt", 0, 26, TEXT_B, 0.9)
    assert (second.number, second.start, second.end, second.quote) == (2, 100, 123, TEXT_A[:23])
    assert (second.passage_start, second.passage_end, second.chunk_id) == (100, 100 + len(TEXT_A), 0)


def test_answer_text_has_no_markup_but_the_quote_is_exact() -> None:
    hit = _hit(0, "See **the [guide](https://x.org/g)** for `pip`.")
    sentence = Sentence(hit, 0, len(hit.text), hit.text, 0)
    scored = Scored(np.array([0.9]), np.array([True]), None)
    answer = compose("Where is the guide?", [hit], [sentence], scored, QueryOptions())
    assert answer.text == "See the guide for pip. [1]"
    assert answer.citations[0].quote == hit.text


def test_compose_abstains_with_the_closest_passages() -> None:
    hits, sentences = _sentences()
    scored = Scored(np.array([0.1, 0.2, 0.3]), np.array([True, True, True]), None)
    answer = compose("What is the capital of Peru?", hits, sentences, scored, QueryOptions())
    assert answer.abstained and answer.text == NO_ANSWER
    assert [c.chunk_id for c in answer.citations] == [0, 1]
