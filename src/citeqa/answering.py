"""Extractive answers: pick the sentences of the best passages that answer the question, cite
the passages, and abstain when even the best sentence is a weak match."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .config import Config
from .records import Answer, Citation, Hit

NO_ANSWER = "The documents do not contain an answer to this question."


@dataclass(frozen=True)
class Sentence:
    """A candidate answer sentence inside a retrieved passage."""

    hit: Hit
    start: int
    end: int
    text: str


def candidate_sentences(hits: Sequence[Hit], spans: Callable[[int], np.ndarray]
                        ) -> list[Sentence]:
    """The sentences of `hits` (clipped to their passage), each once, best passage first."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for hit in hits:
        for s, e in spans(hit.chunk_id):
            start, end = max(int(s), hit.start), min(int(e), hit.end)
            key = (hit.source, start, end)
            if end <= start or key in seen:
                continue
            seen.add(key)
            out.append(Sentence(hit, start, end, hit.text[start - hit.start:end - hit.start]))
    return out


def overlap(question_terms: set[str], sentence_terms: set[str]) -> float:
    """Share of the question's terms that the sentence holds."""
    if not question_terms:
        return 0.0
    return len(question_terms & sentence_terms) / len(question_terms)


def score_sentences(question: str, query_vector: np.ndarray, sentences: Sequence[Sentence],
                    embed: Callable[[list[str]], np.ndarray],
                    tokenize: Callable[[str], list[str]], config: Config) -> np.ndarray:
    """cosine(question, sentence) + lexical_weight * term overlap, per sentence."""
    if not sentences:
        return np.zeros(0)
    cosine = embed([s.text for s in sentences]) @ query_vector.astype(np.float32)
    terms = set(tokenize(question))
    lexical = np.array([overlap(terms, set(tokenize(s.text))) for s in sentences])
    return np.asarray(cosine, dtype=np.float64) + config.lexical_weight * lexical


def choose(scores: np.ndarray, config: Config) -> list[int]:
    """Indices of the best sentence and of those within `sentence_margin` of it, best first."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    best = scores[order[0]]
    return [i for i in order[:config.answer_sentences]
            if scores[i] >= best - config.sentence_margin]


def compose(question: str, hits: Sequence[Hit], sentences: Sequence[Sentence],
            scores: np.ndarray, config: Config) -> Answer:
    """The answer text with [n] markers and its citations, or an abstention."""
    confidence = float(scores.max()) if len(scores) else 0.0
    if not sentences or confidence < config.abstain_threshold:
        cites = [_cite(n, h) for n, h in enumerate(hits[:3], start=1)]
        return Answer(question, NO_ANSWER, True, cites, confidence)
    numbers: dict[int, int] = {}
    parts = []
    for i in choose(scores, config):
        hit = sentences[i].hit
        number = numbers.setdefault(hit.chunk_id, len(numbers) + 1)
        parts.append(f"{sentences[i].text} [{number}]")
    by_id = {s.hit.chunk_id: s.hit for s in sentences}
    cites = [_cite(n, by_id[c]) for c, n in numbers.items()]
    return Answer(question, " ".join(parts), False, cites, confidence)


def _cite(number: int, hit: Hit) -> Citation:
    return Citation(number, hit.source, hit.start, hit.end, hit.line_start, hit.line_end,
                    hit.text, hit.chunk_id, hit.score)
