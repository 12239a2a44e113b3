"""Fusing ranked lists: reciprocal rank fusion and a weighted sum of min-max normalised scores.

RRF: score(d) = sum over lists L holding d of 1 / (k + rank_L(d)), ranks counted from 1,
k = 60 by default (Cormack, Clarke & Buettcher, SIGIR 2009).
Weighted: score(d) = w * norm_dense(d) + (1 - w) * norm_bm25(d), each list min-max scaled to
[0, 1] over its own candidates; a document absent from a list gets 0 from it.
Ties always break by chunk id (ascending).
"""

from __future__ import annotations

from collections.abc import Sequence

Ranked = Sequence[tuple[int, float]]


def rrf(lists: Sequence[Ranked], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked (id, score) lists."""
    fused: dict[int, float] = {}
    for ranked in lists:
        for rank, (doc, _) in enumerate(ranked, start=1):
            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
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
