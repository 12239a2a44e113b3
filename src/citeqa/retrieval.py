"""Search modes over the stored index: BM25, dense, and their fusion, as ranked `Hit`s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import MODES, Config
from .fusion import rrf, weighted, zscore
from .lexical import BM25
from .records import Hit
from .store import Tables

MAX_K = 1000


@dataclass
class Retriever:
    """The loaded stores and the functions that turn a question into tokens and a vector."""

    tables: Tables
    bm25: BM25
    vectors: Any                       # a faiss index of unit vectors (inner product)
    sources: list[str]
    tokenize: Callable[[str], list[str]]
    embed: Callable[[str], np.ndarray]
    config: Config

    def coverage(self, question: str, chunk: int) -> float:
        """The share of the question's distinct terms that chunk `chunk` holds."""
        return self.bm25.coverage(self.tokenize(question), chunk)

    def dense(self, question: str, n: int, vector: np.ndarray | None = None
              ) -> list[tuple[int, float]]:
        """Top `n` chunks by cosine similarity, ties by chunk id."""
        n = min(n, self.tables.n_chunks)
        if n == 0:
            return []
        query = self.embed(question) if vector is None else vector
        scores, ids = self.vectors.search(query.reshape(1, -1).astype(np.float32), n)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def search(self, question: str, k: int = 10, mode: str = "hybrid",
               vector: np.ndarray | None = None) -> list[Hit]:
        """The `k` best passages for `question` in `mode`."""
        check_args(k, mode)
        n = max(k, self.config.candidates)
        terms = self.tokenize(question) if mode != "dense" else []
        lexical = self.bm25.top(terms, n) if mode != "dense" else []
        dense = self.dense(question, n, vector) if mode != "bm25" else []
        if mode == "bm25":
            ranked = lexical
        elif mode == "dense":
            ranked = dense
        elif self.config.fusion == "rrf":
            w = self.config.dense_weight
            ranked = rrf([lexical, dense], self.config.rrf_k, [1 - w, w])
        elif self.config.fusion == "adaptive":
            coverage = self.bm25.coverage(terms, lexical[0][0]) if lexical else 0.0
            ranked = zscore(dense, lexical, self.config.dense_weight, True, coverage)
        elif self.config.fusion == "zscore":
            ranked = zscore(dense, lexical, self.config.dense_weight)
        else:
            ranked = weighted(dense, lexical, self.config.dense_weight)
        b_rank = {d: r for r, (d, _) in enumerate(lexical, start=1)}
        d_rank = {d: r for r, (d, _) in enumerate(dense, start=1)}
        return [self.hit(d, s, b_rank.get(d), d_rank.get(d)) for d, s in ranked[:k]]

    def hit(self, chunk: int, score: float, bm25_rank: int | None = None,
            dense_rank: int | None = None) -> Hit:
        """A `Hit` for chunk row `chunk`."""
        src, start, end, l0, l1 = (int(v) for v in self.tables.chunk_meta[chunk])
        return Hit(chunk, self.sources[src], start, end, l0, l1, self.tables.text(chunk),
                   score, bm25_rank, dense_rank)


def check_args(k: int, mode: str) -> None:
    """Refuse a bad `k` or `mode` with a message that says what is allowed."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ValueError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
