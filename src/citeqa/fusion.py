"""Fusing the BM25 and dense rankings: a normalisation, weights, and a weighted sum.

As in ranx, a fusion method is a normalisation of each ranked list plus a combination:
- `rrf`:      each list's ranks become 1 / (k + rank), ranks from 1, k = 60 by default
  (Cormack, Clarke & Buettcher, SIGIR 2009); weights w (dense) and 1 - w (BM25).
- `weighted`: scores min-max scaled to [0, 1] over the list's own candidates.
- `zscore`:   scores standardised over the list's own candidates (z = (s - mean) / std).
- `adaptive`: z-scores, with each list's prior weight multiplied by its own top z-score (the
  retriever surer of its best result for this question leads), and BM25's weight also by the
  share of the question's terms its top passage holds (a paraphrase may match one word of a
  passage, which stands out from passages matching none without being an answer).
A passage missing from a list gets that list's floor: 0 for rrf and min-max, the lowest z for
z-scores. The fused score is w_dense * dense(d) + w_bm25 * bm25(d); ties break by chunk id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Ranked = Sequence[tuple[int, float]]
Scores = dict[int, float]


# ---- normalisations ---------------------------------------------------------------------
def minmax(ranked: Ranked) -> Scores:
    """Scores scaled to [0, 1] over the list; a list of equal scores maps to 1."""
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    lo, hi = min(scores), max(scores)
    span = hi - lo
    return {doc: ((s - lo) / span if span > 0 else 1.0) for doc, s in ranked}


def zscores(ranked: Ranked) -> Scores:
    """Scores standardised over the list; a list of equal scores maps to 0."""
    if not ranked:
        return {}
    scores = [s for _, s in ranked]
    mean = sum(scores) / len(scores)
    std = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
    return {doc: ((s - mean) / std if std > 0 else 0.0) for doc, s in ranked}


def reciprocal_ranks(ranked: Ranked, k: int = 60) -> Scores:
    """1 / (k + rank) for each document, ranks counted from 1."""
    return {doc: 1.0 / (k + rank) for rank, (doc, _) in enumerate(ranked, start=1)}


# ---- weights and combination ------------------------------------------------------------
def adaptive_weights(dense: Scores, lexical: Scores, dense_weight: float, coverage: float
                     ) -> tuple[float, float]:
    """Prior weights times each list's top z-score, BM25's also times `coverage`; the priors
    when that leaves no weight."""
    wd, wb = dense_weight, 1 - dense_weight
    d_top, b_top = max(dense.values(), default=0.0), max(lexical.values(), default=0.0)
    if wd * d_top + wb * b_top * coverage > 0:
        return wd * d_top, wb * b_top * coverage
    return wd, wb


def combine(lists: Sequence[Scores], weights: Sequence[float], floors: Sequence[float]
            ) -> list[tuple[int, float]]:
    """Weighted sum over the lists (a document missing from a list gets its floor), ranked by
    (score descending, id)."""
    docs: set[int] = set().union(*lists)
    fused = {doc: sum(w * scores.get(doc, floor)
                      for scores, w, floor in zip(lists, weights, floors, strict=True))
             for doc in docs}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


# ---- the methods --------------------------------------------------------------------------
@dataclass(frozen=True)
class Fusion:
    """A fusion method: how each list is normalised, what a missing document gets, and
    whether the weights adapt to the question."""

    normalise: Callable[[Ranked], Scores]
    floor_at_min: bool
    adaptive: bool = False

    def __call__(self, dense: Ranked, lexical: Ranked, dense_weight: float = 0.5,
                 coverage: float = 1.0) -> list[tuple[int, float]]:
        d, b = self.normalise(dense), self.normalise(lexical)
        weights = (adaptive_weights(d, b, dense_weight, coverage) if self.adaptive
                   else (dense_weight, 1 - dense_weight))
        floors = ((min(d.values(), default=0.0), min(b.values(), default=0.0))
                  if self.floor_at_min else (0.0, 0.0))
        return combine([d, b], weights, floors)


def registry(rrf_k: int = 60) -> dict[str, Fusion]:
    """Every fusion method by name (`rrf_k` is the k of reciprocal rank fusion)."""
    return {
        "adaptive": Fusion(zscores, floor_at_min=True, adaptive=True),
        "zscore": Fusion(zscores, floor_at_min=True),
        "weighted": Fusion(minmax, floor_at_min=False),
        "rrf": Fusion(lambda ranked: reciprocal_ranks(ranked, rrf_k), floor_at_min=False),
    }


def fusion(name: str, rrf_k: int = 60) -> Fusion:
    """The fusion method called `name` (see `registry`)."""
    return registry(rrf_k)[name]


def rrf(lists: Sequence[Ranked], k: int = 60, weights: Sequence[float] | None = None
        ) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of any number of ranked lists, each weighted (default 1)."""
    weights = [1.0] * len(lists) if weights is None else weights
    return combine([reciprocal_ranks(r, k) for r in lists], weights, [0.0] * len(lists))
