"""Fusing ranked lists: reciprocal rank fusion and a weighted sum of min-max normalised scores.

RRF: score(d) = sum over lists L holding d of w_L / (k + rank_L(d)), ranks counted from 1,
k = 60 by default (Cormack, Clarke & Buettcher, SIGIR 2009); equal weights w_L = 1 give the
classic formula, and citeqa weighs the dense list w and the BM25 list 1 - w.
Weighted: score(d) = w * norm_dense(d) + (1 - w) * norm_bm25(d), each list min-max scaled to
[0, 1] over its own candidates; a document absent from a list gets 0 from it.
Z-score: score(d) = w * z_dense(d) + (1 - w) * z_bm25(d), each list standardised over its own
candidates (z = (s - mean) / std); a document absent from a list gets that list's lowest z.
A retriever whose top result stands far above the rest therefore weighs more for that query.
Adaptive: as z-score, but each list's weight is also multiplied by its own top z-score, so the
retriever that is surer of its best result for this question leads (a query-performance
signal), and BM25's weight by the share of the question's terms that its top passage holds: a
paraphrase may match one word of a passage, which stands out from passages matching none
without being an answer. Equal prior weights then fit both paraphrased and word-matched
questions.
Ties always break by chunk id (ascending).
"""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[int, float]]


def rrf(lists: Sequence[Ranked], k: int = 60, weights: Sequence[float] | None = None
        ) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked (id, score) lists, each list weighted (default 1)."""
    fused: dict[int, float] = {}
    for i, ranked in enumerate(lists):
        w = 1.0 if weights is None else weights[i]
        for rank, (doc, _) in enumerate(ranked, start=1):
            fused[doc] = fused.get(doc, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def minmax(ranked: Ranked) -> dict[int, float]:
    """Scores scaled to [0, 1] over the list; a list of equal scores maps to 1."""
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    lo, hi = min(scores), max(scores)
    span = hi - lo
    return {doc: ((s - lo) / span if span > 0 else 1.0) for doc, s in ranked}


def weighted(dense: Ranked, lexical: Ranked, dense_weight: float = 0.5
             ) -> list[tuple[int, float]]:
    """Weighted sum of min-max normalised dense and BM25 scores."""
    d, b = minmax(dense), minmax(lexical)
    fused = {doc: dense_weight * d.get(doc, 0.0) + (1 - dense_weight) * b.get(doc, 0.0)
             for doc in d.keys() | b.keys()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def zscores(ranked: Ranked) -> dict[int, float]:
    """Scores standardised over the list; a list of equal scores maps to 0."""
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    mean = sum(scores) / len(scores)
    std = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
    return {doc: ((s - mean) / std if std > 0 else 0.0) for doc, s in ranked}


def zscore(dense: Ranked, lexical: Ranked, dense_weight: float = 0.5, adaptive: bool = False,
           coverage: float = 1.0) -> list[tuple[int, float]]:
    """Weighted sum of z-scored dense and BM25 scores; `adaptive` also weighs each list by its
    top z-score and BM25 by `coverage`, the share of the question's terms in its top passage
    (falling back to the prior weights when that leaves no weight)."""
    d, b = zscores(dense), zscores(lexical)
    d_floor, b_floor = min(d.values(), default=0.0), min(b.values(), default=0.0)
    wd, wb = dense_weight, 1 - dense_weight
    if adaptive:
        d_top, b_top = max(d.values(), default=0.0), max(b.values(), default=0.0)
        if wd * d_top + wb * b_top * coverage > 0:
            wd, wb = wd * d_top, wb * b_top * coverage
    fused = {doc: wd * d.get(doc, d_floor) + wb * b.get(doc, b_floor)
             for doc in d.keys() | b.keys()}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
