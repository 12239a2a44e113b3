"""BM25 postings built from a stream of chunk batches in bounded memory.

Each batch's term counts are appended to a spill file as they come; `finish` places them by
term (a counting sort: a term's postings stay in chunk order) and weighs them. The result
equals `lexical.build_bm25` over the same chunks, bit for bit: the vocabulary is numbered in
first-seen order and each weight is the same float64 expression.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .lexical import BM25, _idf


@dataclass
class TermCounts:
    """The BM25 terms of a batch of chunks: `terms` in first-seen order, and one row per
    (chunk, term) pair in chunk order: chunk (within the batch), term (index into `terms`), count."""

    terms: list[str]
    chunks: np.ndarray    # int32
    term_ids: np.ndarray  # int32
    counts: np.ndarray    # int32
    lengths: np.ndarray   # int64, tokens per chunk


def count_terms(texts: Sequence[str], tokenize: Callable[[str], list[str]]) -> TermCounts:
    """Term counts of `texts` (one row per distinct term of each text)."""
    local: dict[str, int] = {}
    chunks: list[int] = []
    ids: list[int] = []
    counts: list[int] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        tokens = tokenize(text)
        lengths[row] = len(tokens)
        tf: dict[int, int] = {}
        for t in tokens:
            i = local.setdefault(t, len(local))
            tf[i] = tf.get(i, 0) + 1
        for i in sorted(tf):
            chunks.append(row)
            ids.append(i)
            counts.append(tf[i])
    return TermCounts(list(local), np.array(chunks, dtype=np.int32),
                      np.array(ids, dtype=np.int32), np.array(counts, dtype=np.int32), lengths)


class PostingsBuilder:
    """Accumulates `TermCounts` batch by batch (chunks numbered on from the previous batch)."""

    def __init__(self, spill: Path, k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25):
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.vocab: dict[str, int] = {}
        self.n_docs = 0
        self._df = np.zeros(1024, dtype=np.int64)
        self._lengths: list[np.ndarray] = []
        self._blocks: list[int] = []
        self._path = spill
        self._file = spill.open("wb")

    def add(self, batch: TermCounts) -> None:
        """Append one batch, whose chunks follow those added before."""
        to_global = np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in batch.terms),
                                dtype=np.int64, count=len(batch.terms))
        terms = to_global[batch.term_ids].astype(np.int32) if len(batch.term_ids) else \
            np.zeros(0, dtype=np.int32)
        docs = (batch.chunks.astype(np.int64) + self.n_docs).astype(np.int32)
        if len(self.vocab) > len(self._df):
            grown = np.zeros(max(len(self.vocab), 2 * len(self._df)), dtype=np.int64)
            grown[:len(self._df)] = self._df
            self._df = grown
        np.add.at(self._df, terms, 1)
        block = np.stack([terms, docs, batch.counts.astype(np.int32)])
        self._file.write(block.tobytes())
        self._blocks.append(block.shape[1])
        self._lengths.append(batch.lengths.astype(np.int64))
        self.n_docs += len(batch.lengths)

    def close(self) -> None:
        """Close the spill file (a build that fails must free its disk space at once)."""
        self._file.close()

    def finish(self) -> BM25:
        """The postings of every chunk added; removes the spill file."""
        self._file.close()
        try:
            return self._place()
        finally:
            self._path.unlink(missing_ok=True)

    def _place(self) -> BM25:
        n_terms, n_docs, k1, b = len(self.vocab), self.n_docs, self.k1, self.b
        df = self._df[:n_terms]
        ptr = np.zeros(n_terms + 1, dtype=np.int64)
        ptr[1:] = np.cumsum(df)
        total = int(ptr[-1])
        doc_len = (np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
                   ).astype(np.float64)
        avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
        idf = _idf(df.copy(), n_docs, self.epsilon)
        out_docs = np.zeros(total, dtype=np.int32)
        out_weights = np.zeros(total, dtype=np.float64)
        cursor = ptr[:-1].copy()
        with self._path.open("rb") as f:
            for size in self._blocks:
                block = np.fromfile(f, dtype=np.int32, count=3 * size).reshape(3, size)
                order = np.argsort(block[0], kind="stable")   # by term, chunk order kept
                terms = block[0][order].astype(np.int64)
                docs, tfs = block[1][order], block[2][order].astype(np.float64)
                first = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]]) if size else \
                    np.zeros(0, dtype=np.int64)
                counts = np.diff(np.r_[first, size])
                rank = np.arange(size) - np.repeat(first, counts)
                where = cursor[terms] + rank
                cursor[terms[first]] += counts
                norm = k1 * (1 - b + b * doc_len[docs] / avgdl) if avgdl > 0 else \
                    np.full(size, k1)
                out_docs[where] = docs
                out_weights[where] = idf[terms] * (tfs * (k1 + 1) / (tfs + norm))
        return BM25(dict(self.vocab), ptr, out_docs, out_weights, n_docs)
