"""Judging and scoring: the relevance rule of shared/QUESTIONS.md, ranked retrieval metrics (by
ranx), evidence coverage, answer and abstention scores, and latency percentiles.

Relevance: a passage [p0, p1) is relevant to an evidence quote occurring at [q0, q1) when the
two overlap by at least half of the quote's length, i.e. 2 * overlap >= q1 - q0 (exactly half
counts). A quote that occurs several times in its source is covered by any occurrence.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Span = tuple[int, int]

HIT_CUTOFFS = tuple(range(1, 11))
RANX_METRICS = tuple(f"hit_rate@{k}" for k in HIT_CUTOFFS) + ("mrr@10", "ndcg@10")
RECALL_AT = 10
ANSWER_HIT_AT = 5
_MARKER = re.compile(r"\s*\[\d+\]")


# ---- kernels -----------------------------------------------------------------------------
def overlap(a: Span, b: Span) -> int:
    """Characters shared by two half-open spans (0 when they are apart)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def is_relevant(passage: Span, occurrences: Sequence[Span]) -> bool:
    """Whether `passage` overlaps some occurrence of a quote by at least half its length.

    >>> is_relevant((15, 30), [(10, 20)]), is_relevant((16, 30), [(10, 20)])
    (True, False)
    """
    return any(2 * overlap(passage, q) >= q[1] - q[0] for q in occurrences)


def occurrences(text: str, quote: str) -> list[Span]:
    """Every (possibly overlapping) span where `quote` occurs in `text`."""
    spans: list[Span] = []
    start = text.find(quote) if quote else -1
    while start >= 0:
        spans.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return spans


def normalise(text: str) -> str:
    """Case-folded text with runs of whitespace made single spaces."""
    return " ".join(text.casefold().split())


def contains_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether `text` holds one of the gold `answers` (case-insensitive, whitespace-normalised)."""
    haystack = normalise(text)
    return any(normalise(a) and normalise(a) in haystack for a in answers)


def strip_markers(text: str) -> str:
    """An answer text without its `[n]` citation markers (so gold answer "1" cannot match
    "[1]")."""
    return _MARKER.sub(" ", text)


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None for no values."""
    return float(np.mean(values)) if len(values) else None


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


# ---- ranked retrieval (ranx) -------------------------------------------------------------
def ranked_scores(qrels: Mapping[str, Collection[int]], run: Mapping[str, Sequence[int]]
                  ) -> dict[str, float]:
    """ranx's hit_rate@1..10, mrr@10 and ndcg@10, averaged over every query of `qrels`.

    `qrels` maps a question id to its relevant passage ids (possibly none: the query still
    counts, as a miss); `run` maps it to its ranked passage ids, best first. Scores given to
    ranx are 1/rank, so ranx keeps our order exactly (it would reorder tied scores).

    >>> ranked_scores({"a": {1}, "b": {7}}, {"a": [1, 2], "b": [3, 7]})["mrr@10"]
    0.75
    """
    if not qrels:
        raise ValueError("no questions to score; the question set has no answerable question")
    if not any(qrels.values()) or not any(run.get(q) for q in qrels):
        return dict.fromkeys(RANX_METRICS, 0.0)  # ranx cannot type an all-empty qrels or run
    from ranx import Qrels, Run, evaluate

    q = Qrels.from_dict({qid: {str(d): 1 for d in docs} for qid, docs in qrels.items()})
    r = Run.from_dict({qid: {str(d): 1.0 / rank for rank, d in enumerate(run.get(qid, ()), 1)}
                       for qid in qrels})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's "unsafe cast uint64 to int64" inside ranx
        scores = evaluate(q, r, list(RANX_METRICS), make_comparable=True)
    return {m: float(scores[m]) for m in RANX_METRICS}


# ---- per-question outcomes and their summaries -------------------------------------------
@dataclass(frozen=True)
class Retrieved:
    """One answerable or unanswerable question's ranking in one mode, judged."""

    chunk_ids: tuple[int, ...]
    first_relevant: int | None     # 1-based rank of the first relevant passage
    first_answer: int | None       # 1-based rank of the first passage holding a gold answer
    quotes_covered: int            # evidence quotes with a relevant passage in the top RECALL_AT
    quotes: int                    # evidence quotes of the question
    seconds: float


@dataclass(frozen=True)
class Asked:
    """One question put to `Index.ask`, judged."""

    abstained: bool
    correct: bool                  # not abstained and the text holds a gold answer
    citations: int
    relevant_citations: int        # citations relevant to some evidence quote
    confidence: float
    seconds: float
    disagreement: bool = False     # the answer says the sources disagree


@dataclass(frozen=True)
class RetrievalMetrics:
    """One mode's retrieval scores over the answerable questions."""

    questions: int
    hit_at_1: float
    hit_at_3: float
    hit_at_5: float
    mrr_at_10: float
    ndcg_at_10: float
    evidence_recall_at_10: float   # share of evidence quotes covered by the top 10 (not ranx)
    answer_hit_at_5: float
    hit_curve: tuple[float, ...]   # Hit@1..10


@dataclass(frozen=True)
class AnswerMetrics:
    """Scores of the answers from `Index.ask`; None where there is nothing to score."""

    answerable: int
    unanswerable: int
    answer_accuracy: float | None
    citation_precision: float | None
    abstention_precision: float | None
    abstention_recall: float | None
    answerable_answered: float | None
    disagreements: int = 0         # answers that say the sources disagree
    ece: float | None = None       # expected calibration error of the answers given


@dataclass(frozen=True)
class Latency:
    """Per-question time of one mode (or of ask), in milliseconds."""

    p50_ms: float
    p95_ms: float


def retrieval_metrics(qrels: Mapping[str, Collection[int]], judged: Mapping[str, Retrieved]
                      ) -> RetrievalMetrics:
    """The scores of one mode, over the questions of `qrels` (the answerable ones)."""
    rows = [judged[q] for q in qrels]
    scores = ranked_scores(qrels, {q: judged[q].chunk_ids for q in qrels})
    recall = [r.quotes_covered / r.quotes for r in rows if r.quotes]
    answer_hits = [float(r.first_answer is not None and r.first_answer <= ANSWER_HIT_AT)
                   for r in rows]
    return RetrievalMetrics(
        len(rows), scores["hit_rate@1"], scores["hit_rate@3"], scores["hit_rate@5"],
        scores["mrr@10"], scores["ndcg@10"], mean(recall) or 0.0, mean(answer_hits) or 0.0,
        tuple(scores[f"hit_rate@{k}"] for k in HIT_CUTOFFS))


def answer_metrics(outcomes: Sequence[Asked], answerable: Sequence[bool]) -> AnswerMetrics:
    """Accuracy and citation precision on answerable questions, abstention on unanswerable."""
    pairs = list(zip(outcomes, answerable, strict=True))
    yes = [o for o, a in pairs if a]
    no = [o for o, a in pairs if not a]
    answered = [o for o in yes if not o.abstained]
    abstained_right = sum(o.abstained for o in no)
    return AnswerMetrics(
        len(yes), len(no),
        share(sum(o.correct for o in yes), len(yes)),
        share(sum(o.relevant_citations for o in answered), sum(o.citations for o in answered)),
        share(abstained_right, sum(o.abstained for o in outcomes)),
        share(abstained_right, len(no)),
        share(len(answered), len(yes)),
        sum(o.disagreement for o in outcomes),
        answer_calibration(outcomes).ece)


def answer_calibration(outcomes: Sequence[Asked], bins: int = 10) -> Reliability:
    """How well the confidence of the answers given (abstentions left out: they give none)
    matches how often they were right."""
    given = [o for o in outcomes if not o.abstained]
    return calibration_bins([o.confidence for o in given], [o.correct for o in given], bins)


@dataclass(frozen=True)
class TypeMetrics:
    """The scores of one question type (the optional `type` field of a question set)."""

    questions: int
    answerable: int
    mrr_at_10: dict[str, float]    # per mode, over the type's answerable questions
    answer_accuracy: float | None
    abstention_recall: float | None
    disagreements: int = 0


def type_metrics(types: Sequence[str | None], qrels: Mapping[str, Collection[int]],
                 ids: Sequence[str], judged: Mapping[str, Mapping[str, Retrieved]],
                 outcomes: Sequence[Asked], answerable: Sequence[bool]) -> dict[str, TypeMetrics]:
    """Per question type: MRR@10 of each mode and the answer scores, so a report shows which
    kind of question each retriever wins and where answers fail. Untyped questions are left
    out; every list is aligned with `ids`."""
    out: dict[str, TypeMetrics] = {}
    for kind in sorted({t for t in types if t is not None}):
        rows = [i for i, t in enumerate(types) if t == kind]
        sub = {ids[i]: qrels[ids[i]] for i in rows if ids[i] in qrels}
        mrr = ({mode: ranked_scores(sub, {q: runs[q].chunk_ids for q in sub})["mrr@10"]
                for mode, runs in judged.items()} if sub else {})
        a = answer_metrics([outcomes[i] for i in rows], [answerable[i] for i in rows])
        out[kind] = TypeMetrics(len(rows), a.answerable, mrr, a.answer_accuracy,
                                a.abstention_recall, a.disagreements)
    return out


# ---- calibration and abstention ----------------------------------------------------------
@dataclass(frozen=True)
class Reliability:
    """A reliability diagram's data: per equal-width bin of confidence, how many answers fell
    in it, their mean confidence and the share that were right; and the expected calibration
    error, sum over bins of (answers in bin / answers) * |right share - mean confidence|."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]
    confidence: tuple[float | None, ...]
    accuracy: tuple[float | None, ...]
    ece: float | None


def calibration_bins(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10
                     ) -> Reliability:
    """Bin the confidences into `bins` equal bins of [0, 1] (the last one closed) and compare
    each bin's mean confidence with its share of right answers.

    >>> calibration_bins([0.15, 0.15, 0.95], [False, True, True], bins=10).ece
    0.25
    """
    conf = np.clip(np.asarray(confidence, dtype=np.float64), 0.0, 1.0)
    right = np.asarray(correct, dtype=bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.minimum((conf * bins).astype(int), bins - 1) if len(conf) else np.zeros(0, int)
    counts: list[int] = []
    means: list[float | None] = []
    accs: list[float | None] = []
    ece = 0.0
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        counts.append(n)
        if n:
            means.append(float(conf[inside].mean()))
            accs.append(float(right[inside].mean()))
            ece += n / len(conf) * abs(float(right[inside].mean()) - float(conf[inside].mean()))
        else:
            means.append(None)
            accs.append(None)
    return Reliability(tuple(float(e) for e in edges), tuple(counts), tuple(means), tuple(accs),
                       round(ece, 6) if len(conf) else None)


@dataclass(frozen=True)
class AbstentionPoint:
    """Abstaining below `threshold`: the precision and recall of the abstentions."""

    threshold: float
    precision: float | None
    recall: float | None
    abstained: int


def abstention_curve(confidence: Sequence[float], answerable: Sequence[bool]
                     ) -> list[AbstentionPoint]:
    """Abstention precision (share of abstentions on unanswerable questions) and recall
    (share of unanswerable questions abstained on) when abstaining below each threshold that
    changes the outcome: every distinct confidence, and one above them all.

    >>> [(p.threshold, p.precision, p.recall) for p in abstention_curve([0.1, 0.4], [False, True])]
    [(0.1, None, 0.0), (0.4, 1.0, 1.0), (1.0, 0.5, 1.0)]
    """
    conf = np.asarray(confidence, dtype=np.float64)
    unans = ~np.asarray(answerable, dtype=bool)
    points = []
    top = float(conf.max()) if len(conf) else 0.0
    for t in sorted({*conf.tolist(), max(1.0, np.nextafter(top, np.inf))}):
        below = conf < t
        n = int(below.sum())
        points.append(AbstentionPoint(float(t), share(int((below & unans).sum()), n),
                                      share(int((below & unans).sum()), int(unans.sum())), n))
    return points


def latency(seconds: Sequence[float]) -> Latency:
    """Median and 95th percentile (linear interpolation) of per-question times, in ms."""
    if not seconds:
        return Latency(0.0, 0.0)
    ms = np.asarray(seconds, dtype=np.float64) * 1000.0
    return Latency(float(np.percentile(ms, 50)), float(np.percentile(ms, 95)))
