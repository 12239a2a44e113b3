"""The BM25 tokenizer and a BM25Okapi scorer over precomputed per-term weights.

Scores equal `rank_bm25.BM25Okapi.get_scores` (same idf, epsilon floor and length
normalisation) but come from postings lists: a query touches only the chunks that hold its
terms, instead of a Python loop over every chunk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
# A word without the underscores around it: "_Black_" (Markdown emphasis) reads "Black" and
# "__init__" "init", while "snake_case" and "PIP_CONFIG_FILE" stay one word.
_TRIMMED_WORD = re.compile(r"[^\W_]+(?:_+[^\W_]+)*", re.UNICODE)

# A short English stop list (articles, pronouns, auxiliaries, prepositions, wh-words):
# words that carry no topic and only add noise to BM25 on questions.
STOPWORDS = frozenset((
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just",
    "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on", "once",
    "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same", "she",
    "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
    "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
    "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "s", "t",
))


def make_tokenizer(kind: str, trim_underscores: bool = True) -> Callable[[str], list[str]]:
    """`plain`: lower-cased words; `stem`: plus Snowball English stems; `stem-stop`: minus stop
    words. `trim_underscores`: a word's leading and trailing underscores are not part of it
    (indexes built before this was so keep reading them as they were built)."""
    words = (_TRIMMED_WORD if trim_underscores else _WORD).findall
    if kind == "plain":
        return lambda text: words(text.lower())
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    if kind == "stem":
        return lambda text: stemmer.stemWords(words(text.lower()))
    if kind == "stem-stop":
        return lambda text: stemmer.stemWords(
            [w for w in words(text.lower()) if w not in STOPWORDS])
    raise ValueError(f"unknown tokenizer {kind!r}; use plain, stem or stem-stop")


@dataclass
class BM25:
    """Postings of a BM25Okapi model: for term t, chunks `docs[ptr[t]:ptr[t+1]]` with weights."""

    vocab: dict[str, int]
    ptr: np.ndarray       # int64, len(vocab) + 1
    docs: np.ndarray      # int32 chunk rows
    weights: np.ndarray   # float64 idf(t) * tf * (k1 + 1) / (tf + k1 * norm(d))
    n_docs: int

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk (a repeated query term counts again, as in rank-bm25)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        for token in query_tokens:
            t = self.vocab.get(token)
            if t is not None:
                lo, hi = self.ptr[t], self.ptr[t + 1]
                out[self.docs[lo:hi]] += self.weights[lo:hi]
        return out

    def coverage(self, query_tokens: Sequence[str], doc: int) -> float:
        """The share of the distinct query tokens that chunk `doc` holds, read from the
        postings (each list is sorted by chunk) rather than by tokenizing the chunk again."""
        terms = set(query_tokens)
        held = 0
        for token in terms:
            t = self.vocab.get(token)
            if t is not None:
                posting = self.docs[self.ptr[t]:self.ptr[t + 1]]
                i = int(np.searchsorted(posting, doc))
                held += i < len(posting) and int(posting[i]) == doc
        return held / len(terms) if terms else 0.0

    def top(self, query_tokens: Sequence[str], n: int) -> list[tuple[int, float]]:
        """The `n` best (chunk, score) pairs with a score above zero, by (score desc, chunk)."""
        if n < 1:
            return []
        scores = self.scores(query_tokens)
        nonzero = np.flatnonzero(scores)
        if nonzero.size == 0:
            return []
        if nonzero.size > n:
            part = np.argpartition(-scores[nonzero], n - 1)[:n]
            threshold = scores[nonzero[part]].min()
            nonzero = nonzero[scores[nonzero] >= threshold]
        order = sorted(nonzero.tolist(), key=lambda d: (-scores[d], d))[:n]
        return [(d, float(scores[d])) for d in order]


def build_bm25(corpus: Iterable[Sequence[str]], k1: float = 1.5, b: float = 0.75,
               epsilon: float = 0.25, block: int = 8192) -> BM25:
    """Precompute BM25Okapi weights for tokenized chunks (vectorised: a million chunks fit)."""
    vocab: dict[str, int] = {}
    docs_parts, terms_parts, tf_parts, lengths = [], [], [], []
    batch: list[list[int]] = []
    n_docs = 0

    def flush() -> None:
        lens = np.fromiter((len(ids) for ids in batch), dtype=np.int64, count=len(batch))
        flat = np.fromiter((t for ids in batch for t in ids), dtype=np.int64, count=int(lens.sum()))
        docs = np.repeat(np.arange(n_docs - len(batch), n_docs, dtype=np.int64), lens)
        keys, counts = np.unique((docs << 32) | flat, return_counts=True)
        docs_parts.append((keys >> 32).astype(np.int32))
        terms_parts.append((keys & 0xFFFFFFFF).astype(np.int32))
        tf_parts.append(counts.astype(np.float64))
        lengths.append(lens)
        batch.clear()

    for tokens in corpus:
        batch.append([vocab.setdefault(t, len(vocab)) for t in tokens])
        n_docs += 1
        if len(batch) == block:
            flush()
    if batch or not lengths:
        flush()
    docs, terms = np.concatenate(docs_parts), np.concatenate(terms_parts)
    tfs, doc_len = np.concatenate(tf_parts), np.concatenate(lengths).astype(np.float64)
    order = np.lexsort((docs, terms))
    docs, terms, tfs = docs[order], terms[order], tfs[order]
    df = np.bincount(terms, minlength=len(vocab))
    ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(df)
    avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
    idf = _idf(df, n_docs, epsilon)
    norm = k1 * (1 - b + b * doc_len[docs] / avgdl) if avgdl > 0 else np.full(len(docs), k1)
    weights = idf[terms] * (tfs * (k1 + 1) / (tfs + norm))
    return BM25(vocab, ptr, docs, weights, n_docs)


def _idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """rank-bm25's idf: log(N - n + .5) - log(n + .5), negatives floored at epsilon * mean idf."""
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    if idf.size:
        idf[idf < 0] = epsilon * (idf.sum() / idf.size)
    return idf
