"""Extractive answers: pick the sentences of the best passages that answer the question, cite
the passages, and abstain when even the best sentence is a weak match."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .answer_types import expected_type, lowercase_words, offers
from .records import Answer, Citation, Hit
from .settings import QueryOptions

NO_ANSWER = "The documents do not contain an answer to this question."
_CLOSED = re.compile(r"[.!?:;”\"’')\]]$")


@dataclass(frozen=True)
class Sentence:
    """A candidate answer sentence inside a retrieved passage, with its stored vector row."""

    hit: Hit
    start: int
    end: int
    text: str
    row: int


def candidate_sentences(hits: Sequence[Hit], ptr: np.ndarray, spans: np.ndarray
                        ) -> list[Sentence]:
    """The sentences of `hits` (chunk i's are rows ptr[i]:ptr[i+1] of `spans`), each span once,
    best passage first."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for hit in hits:
        for row in range(int(ptr[hit.chunk_id]), int(ptr[hit.chunk_id + 1])):
            start, end = (int(v) for v in spans[row])
            key = (hit.source, start, end)
            if key in seen:
                continue
            seen.add(key)
            out.append(Sentence(hit, start, end, hit.text[start - hit.start:end - hit.start], row))
    return out


def overlap(question_terms: set[str], sentence_terms: set[str]) -> float:
    """Share of the question's terms that the sentence holds."""
    if not question_terms:
        return 0.0
    return len(question_terms & sentence_terms) / len(question_terms)


def is_heading(text: str) -> bool:
    """A line with no closing punctuation (a title, caption or address) is not an answer."""
    return not _CLOSED.search(text.rstrip())


@dataclass(frozen=True)
class Scored:
    """Sentence scores and whether each offers the kind of answer the question asks for."""

    scores: np.ndarray
    offers: np.ndarray
    kind: str | None


def score_sentences(question: str, query_vector: np.ndarray, sentences: Sequence[Sentence],
                    vectors: np.ndarray, tokenize: Callable[[str], list[str]],
                    config: QueryOptions) -> Scored:
    """cosine + lexical_weight * term overlap + type_weight * offers - heading_penalty * heading."""
    kind = expected_type(question)
    if not sentences:
        return Scored(np.zeros(0), np.zeros(0, dtype=bool), kind)
    stored = np.asarray(vectors[[s.row for s in sentences]], dtype=np.float32)
    cosine = (stored @ query_vector.astype(np.float32)).astype(np.float64)
    terms = set(tokenize(question))
    lexical = np.array([overlap(terms, set(tokenize(s.text))) for s in sentences])
    common = lowercase_words({s.hit.chunk_id: s.hit.text for s in sentences}.values())
    offered = np.array([offers(kind, question, s.text, common) for s in sentences], dtype=bool)
    heading = np.array([is_heading(s.text) for s in sentences], dtype=np.float64)
    scores = (cosine + config.lexical_weight * lexical + config.type_weight * offered
              - config.heading_penalty * heading)
    return Scored(scores, offered, kind)


def choose(scored: Scored, config: QueryOptions) -> list[int]:
    """The best sentence and those within `sentence_margin` of it, best first; empty when the
    best is below the abstention threshold or no sentence near it offers the asked-for kind."""
    scores = scored.scores
    if not len(scores):
        return []
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    best = scores[order[0]]
    if best < config.abstain_threshold:
        return []
    near = [i for i in order if scores[i] >= best - config.type_window]
    if scored.kind is not None and not any(scored.offers[i] for i in near):
        return []
    return [i for i in order[:config.answer_sentences]
            if scores[i] >= best - config.sentence_margin]


def compose(question: str, hits: Sequence[Hit], sentences: Sequence[Sentence],
            scored: Scored, config: QueryOptions) -> Answer:
    """The answer text with [n] markers and its citations, or an abstention."""
    confidence = float(scored.scores.max()) if len(scored.scores) else 0.0
    chosen = choose(scored, config)
    if not chosen:
        cites = [_cite(n, h) for n, h in enumerate(hits[:3], start=1)]
        return Answer(question, NO_ANSWER, True, cites, confidence)
    numbers: dict[int, int] = {}
    parts = []
    for i in chosen:
        hit = sentences[i].hit
        number = numbers.setdefault(hit.chunk_id, len(numbers) + 1)
        parts.append(f"{sentences[i].text} [{number}]")
    by_id = {s.hit.chunk_id: s.hit for s in sentences}
    cites = [_cite(n, by_id[c]) for c, n in numbers.items()]
    return Answer(question, " ".join(parts), False, cites, confidence)


def _cite(number: int, hit: Hit) -> Citation:
    return Citation(number, hit.source, hit.start, hit.end, hit.line_start, hit.line_end,
                    hit.text, hit.chunk_id, hit.score)


@dataclass(frozen=True)
class Answerer:
    """Answers questions from retrieved passages: the stored sentence spans and vectors, and
    the tokenizer that counts shared terms (built once when an index is opened)."""

    sent_ptr: np.ndarray
    sent_spans: np.ndarray
    sent_vectors: np.ndarray
    tokenize: Callable[[str], list[str]]

    def answer(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
               options: QueryOptions) -> Answer:
        """The answer to `question` (whose unit vector is `vector`) from `hits`."""
        sentences = candidate_sentences(hits, self.sent_ptr, self.sent_spans)
        scored = score_sentences(question, vector, sentences, self.sent_vectors, self.tokenize,
                                 options)
        return compose(question, hits, sentences, scored, options)
