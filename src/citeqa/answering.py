"""Extractive answers: pick the sentences of the best passages that answer the question, cite
each sentence exactly, and abstain when even the best sentence is a weak match."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .answer_types import expected_type, lowercase_words, offers
from .parsing import plain_text
from .parsing.structure import KINDS
from .records import Answer, Citation, Hit
from .settings import QueryOptions

NO_ANSWER = "The documents do not contain an answer to this question."
_CLOSED = re.compile(r"[.!?:;”\"’')\]]$")


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


def overlap(question_terms: set[str], sentence_terms: set[str]) -> float:
    """Share of the question's terms that the sentence holds."""
    if not question_terms:
        return 0.0
    return len(question_terms & sentence_terms) / len(question_terms)


def is_heading(text: str, kind: str = "paragraph") -> bool:
    """A heading, a question, or a line with no closing punctuation (a title, caption or
    address) is not an answer."""
    text = text.rstrip()
    return kind == "heading" or text.endswith("?") or not _CLOSED.search(text)


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
    heading = np.array([is_heading(s.text, s.kind) for s in sentences], dtype=np.float64)
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
    """The answer: each chosen sentence, markup stripped, followed by [n], where citation n
    locates that sentence exactly; or an abstention citing the closest passages."""
    confidence = float(scored.scores.max()) if len(scored.scores) else 0.0
    chosen = choose(scored, config)
    if not chosen:
        cites = [_passage(n, h) for n, h in enumerate(hits[:3], start=1)]
        return Answer(question, NO_ANSWER, True, cites, confidence)
    parts, cites = [], []
    for number, i in enumerate(chosen, start=1):
        s = sentences[i]
        parts.append(f"{plain_text(s.text)} [{number}]")
        cites.append(Citation(number, s.hit.source, s.start, s.end, s.line_start, s.line_end,
                              s.text, s.hit.chunk_id, float(scored.scores[i]), s.hit.start,
                              s.hit.end, s.page, s.section))
    return Answer(question, " ".join(parts), False, cites, confidence)


def _passage(number: int, hit: Hit) -> Citation:
    """A citation of a whole passage (what an abstention shows)."""
    return Citation(number, hit.source, hit.start, hit.end, hit.line_start, hit.line_end,
                    hit.text, hit.chunk_id, hit.score, hit.start, hit.end, hit.page, hit.section)


@dataclass(frozen=True)
class Answerer:
    """Answers questions from retrieved passages with the stored sentences, and the tokenizer
    that counts shared terms (built once when an index is opened)."""

    table: SentenceTable
    tokenize: Callable[[str], list[str]]

    def answer(self, question: str, vector: np.ndarray, hits: Sequence[Hit],
               options: QueryOptions) -> Answer:
        """The answer to `question` (whose unit vector is `vector`) from `hits`."""
        sentences = candidate_sentences(hits, self.table)
        scored = score_sentences(question, vector, sentences, self.table.sent_vectors,
                                 self.tokenize, options)
        return compose(question, hits, sentences, scored, options)
