"""Search modes over the stored index: BM25, dense, and their fusion, as ranked `Hit`s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import UsageError
from .fusion import Fusion
from .lexical import BM25
from .records import Hit
from .settings import MODES, QueryOptions
from .store import Tables

MAX_K = 1000


@dataclass
class Retriever:
    """The loaded stores; the question's vector is computed by the caller (once per question)."""

    tables: Tables
    bm25: BM25
    vectors: Any                       # a faiss index of unit vectors (inner product)
    sources: list[str]
    tokenize: Callable[[str], list[str]]

    def dense(self, vector: np.ndarray, n: int) -> list[tuple[int, float]]:
        """The `n` chunks nearest to `vector`, each scored by its best cosine: its own or its
        best sentence's, whichever is higher (a question often matches one sentence of a
        passage whose mean vector the rest dilutes). Ties by chunk id."""
        n = min(n, self.tables.n_chunks)
        if n == 0:
            return []
        query = vector.reshape(-1).astype(np.float32)
        scores, ids = self.vectors.search(query.reshape(1, -1), n)
        keep = ids[0] >= 0
        chunks, cosine = ids[0][keep].astype(np.int64), scores[0][keep].astype(np.float64)
        best = np.maximum(cosine, self.best_sentence(chunks, query))
        pairs = [(int(i), float(s)) for i, s in zip(chunks, best, strict=True)]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def best_sentence(self, chunks: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Per chunk, the highest cosine of one of its stored sentences to `query` (-inf for a
        chunk without sentences)."""
        ptr = self.tables.sent_ptr
        lo, hi = ptr[chunks], ptr[chunks + 1]
        out = np.full(len(chunks), -np.inf)
        some = hi > lo
        if not some.any():
            return out
        counts = (hi - lo)[some]
        starts = np.cumsum(counts) - counts        # where each chunk's rows begin in `rows`
        rows = np.repeat(lo[some] - starts, counts) + np.arange(counts.sum())
        sims = np.asarray(self.tables.sent_vectors[rows], dtype=np.float32) @ query
        out[some] = np.maximum.reduceat(sims, starts)
        return out

    def search(self, question: str, k: int, mode: str, options: QueryOptions, fuse: Fusion,
               vector: np.ndarray | None = None) -> list[Hit]:
        """The `k` best passages for `question` in `mode`, hybrid ones fused by `fuse`;
        `vector` is needed unless mode is bm25."""
        check_args(k, mode)
        if mode != "bm25" and vector is None:
            raise ValueError("a question vector is needed for dense and hybrid search")
        if hasattr(self.vectors, "hnsw"):
            self.vectors.hnsw.efSearch = options.hnsw_ef_search
        n = max(k, options.candidates)
        terms = self.tokenize(question) if mode != "dense" else []
        lexical = self.bm25.top(terms, n) if mode != "dense" else []
        dense = self.dense(vector, n) if vector is not None and mode != "bm25" else []
        if mode == "bm25":
            ranked = lexical
        elif mode == "dense":
            ranked = dense
        else:
            coverage = self.bm25.coverage(terms, lexical[0][0]) if lexical else 0.0
            ranked = fuse(dense, lexical, options.dense_weight, coverage)
        b_rank = {d: r for r, (d, _) in enumerate(lexical, start=1)}
        d_rank = {d: r for r, (d, _) in enumerate(dense, start=1)}
        return [self.hit(d, s, b_rank.get(d), d_rank.get(d)) for d, s in ranked[:k]]

    def hit(self, chunk: int, score: float, bm25_rank: int | None = None,
            dense_rank: int | None = None) -> Hit:
        """A `Hit` for chunk row `chunk`."""
        src, start, end, l0, l1 = (int(v) for v in self.tables.chunk_meta[chunk])
        page, section = (int(v) for v in self.tables.chunk_loc[chunk])
        return Hit(chunk, self.sources[src], start, end, l0, l1, self.tables.text(chunk),
                   score, bm25_rank, dense_rank, page or None, self.tables.section(section))

    def passages(self) -> list[tuple[int, str, int, int]]:
        """Every indexed passage as (chunk id, source, start, end)."""
        return [(i, self.sources[src], start, end) for i, (src, start, end, _, _)
                in enumerate(self.tables.chunk_meta.tolist())]


def check_args(k: int, mode: str) -> None:
    """Refuse a bad `k` or `mode` with a message that says what is allowed."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise UsageError(f"k must be a whole number from 1 to {MAX_K}, got {k!r}")
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
