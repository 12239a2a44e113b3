"""Extractive answers: score the sentences of the best passages with the answer model, cite
the best ones exactly, say so when the best candidates give different answers, and abstain
when the calibrated confidence that the answer is right is below the threshold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .answer_model import (
    AnswerModel,
    QuestionTerms,
    SentenceBatch,
    TermStats,
    answer_features,
    load_model,
    question_terms,
    sentence_features,
)
from .answer_types import conflict, values
from .parsing import plain_text
from .parsing.structure import KINDS
from .records import Answer, Citation, Hit
from .settings import QueryOptions

NO_ANSWER = "The documents do not contain an answer to this question."
DISAGREE = "The documents disagree:"


@dataclass(frozen=True)
class Sentence:
    """A candidate answer sentence of a retrieved passage: its span and place in the document,
    its text, and its row in the stored sentence table (for its vector)."""

    hit: Hit
    start: int
    end: int
    text: str
    row: int
    line_start: int = 1
    line_end: int = 1
    page: int | None = None
    section: str | None = None
    kind: str = "paragraph"        # the kind of block it is in: heading, list_item, code, ...


class SentenceTable(Protocol):
    """The stored sentences (`store.Tables` is one): chunk i's are rows ptr[i]:ptr[i+1]."""

    sent_ptr: np.ndarray
    sent_spans: np.ndarray
    sent_meta: np.ndarray          # line_start, line_end, page (0: none), section (-1), kind
    sent_vectors: np.ndarray

    def sentence(self, row: int) -> str: ...

    def section(self, i: int) -> str | None: ...


def candidate_sentences(hits: Sequence[Hit], table: SentenceTable) -> list[Sentence]:
    """The sentences of `hits`, each span once, best passage first."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for hit in hits:
        for row in range(int(table.sent_ptr[hit.chunk_id]), int(table.sent_ptr[hit.chunk_id + 1])):
            start, end = (int(v) for v in table.sent_spans[row])
            key = (hit.source, start, end)
            if key in seen:
                continue
            seen.add(key)
            l0, l1, page, section, kind = (int(v) for v in table.sent_meta[row])
            out.append(Sentence(hit, start, end, table.sentence(row), row, l0, l1, page or None,
                                table.section(section), KINDS[kind] if 0 <= kind < len(KINDS)
                                else "paragraph"))
    return out


# ---- decisions ---------------------------------------------------------------------------
def choose(probs: np.ndarray, options: QueryOptions) -> list[int]:
    """The best sentence, then up to `answer_sentences - 1` more whose probability is at least
    `sentence_margin` times the best's, best first (ties by candidate order)."""
    if not len(probs):
        return []
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    best = probs[order[0]]
    return [i for i in order[:options.answer_sentences]
            if i == order[0] or probs[i] >= options.sentence_margin * best]


MAX_VALUES = 3           # a side of a disagreement gives at most this many answers of the kind
SIDE_COVERAGE = 0.5      # ... and, with its neighbours, holds this weighted share of the question


def sides(question: str, batch: SentenceBatch, sentences: Sequence[Sentence],
          probs: np.ndarray, options: QueryOptions) -> list[int]:
    """[best, other] when a candidate nearly as likely as the best (within
    `disagreement_margin`, and itself likely: at least `disagreement_floor`) gives an answer of
    the asked kind that shares nothing with the best's; else []. Each side must be about the
    question (SIDE_COVERAGE) and give a short answer (MAX_VALUES), so that a sentence listing
    names or numbers of something else does not count as a dissent."""
    if batch.kind is None or len(probs) < 2:
        return []
    coverage = batch.column("context_idf_overlap")

    def answer(i: int) -> set[str]:
        found = values(batch.kind, question, sentences[i].text, batch.common)
        return found if coverage[i] >= SIDE_COVERAGE and len(found) <= MAX_VALUES else set()

    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    best = order[0]
    mine = answer(best)
    if not mine:
        return []
    for i in order[1:]:
        if probs[i] < max(options.disagreement_floor, probs[best] - options.disagreement_margin):
            break
        if conflict(mine, answer(i)):
            return [best, i]
    return []


@dataclass(frozen=True)
class Decision:
    """What the answer model saw and decided for one question: the candidates' features and
    probabilities, the sentences chosen (or the two sides of a disagreement), the answer's
    features and its calibrated confidence."""

    terms: QuestionTerms
    batch: SentenceBatch
    probs: np.ndarray
    chosen: list[int]
    disagreement: bool
    features: np.ndarray
    confidence: float


def decide(question: str, vector: np.ndarray, hits: Sequence[Hit], sentences: Sequence[Sentence],
           table: SentenceTable, tokenize: Callable[[str], list[str]], stats: TermStats,
           model: AnswerModel, options: QueryOptions) -> Decision:
    """Score the candidates, choose the answer's sentences and estimate the answer's
    confidence."""
    terms = question_terms(question, tokenize, stats)
    batch = sentence_features(question, terms, vector, sentences, table.sent_vectors, tokenize,
                              stats)
    probs = model.sentence_probs(batch)
    split = sides(question, batch, sentences, probs, options)
    chosen = split or choose(probs, options)
    features = answer_features(terms, batch, probs, chosen, hits[0] if hits else None,
                               sentences, stats)
    # A question whose subject the corpus never mentions has no answer here, however close
    # some sentence looks: its confidence is 0.
    confidence = model.confidence(features) if chosen and not terms.subject_absent else 0.0
    return Decision(terms, batch, probs, chosen, bool(split), features, confidence)


def compose(question: str, hits: Sequence[Hit], sentences: Sequence[Sentence],
            decision: Decision, options: QueryOptions) -> Answer:
    """The answer: each chosen sentence, markup stripped, followed by [n], where citation n
    locates that sentence exactly (after "The documents disagree:" when the two sides
    differ); or, below the abstention threshold, an abstention citing the closest passages."""
    confidence = decision.confidence
    if not decision.chosen or confidence < options.abstain_threshold:
        cites = [_passage(n, h) for n, h in enumerate(hits[:3], start=1)]
        return Answer(question, NO_ANSWER, True, cites, confidence)
    parts = [DISAGREE] if decision.disagreement else []
    cites = []
    for number, i in enumerate(decision.chosen, start=1):
        s = sentences[i]
        parts.append(f"{plain_text(s.text)} [{number}]")
        cites.append(Citation(number, s.hit.source, s.start, s.end, s.line_start, s.line_end,
                              s.text, s.hit.chunk_id, float(decision.probs[i]), s.hit.start,
                              s.hit.end, s.page, s.section))
    return Answer(question, " ".join(parts), False, cites, confidence,
                  disagreement=decision.disagreement)


def _passage(number: int, hit: Hit) -> Citation:
    """A citation of a whole passage (what an abstention shows)."""
    return Citation(number, hit.source, hit.start, hit.end, hit.line_start, hit.line_end,
                    hit.text, hit.chunk_id, hit.score, hit.start, hit.end, hit.page, hit.section)


@dataclass(frozen=True)
class Answerer:
    """Answers questions from retrieved passages with the stored sentences, the tokenizer and
    term statistics of the index (loaded once when an index is opened), and the answer model
    (`model`, else the packaged one, read once per process on first use)."""

    table: SentenceTable
    tokenize: Callable[[str], list[str]]
    stats: TermStats
    model: AnswerModel | None = None

    def decide(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
               options: QueryOptions) -> tuple[list[Sentence], Decision]:
        """The candidate sentences of `hits` and the model's decision about them."""
        sentences = candidate_sentences(hits, self.table)
        model = self.model or load_model()
        return sentences, decide(question, vector, hits, sentences, self.table, self.tokenize,
                                 self.stats, model, options)

    def answer(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
               options: QueryOptions) -> Answer:
        """The answer to `question` (whose unit vector is `vector`) from `hits`."""
        sentences, decision = self.decide(question, vector, hits, options)
        return compose(question, hits, sentences, decision, options)
