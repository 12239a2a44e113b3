"""The BM25 tokenizer and a BM25Okapi scorer over precomputed per-term weights.

Scores equal `rank_bm25.BM25Okapi.get_scores` (same idf, epsilon floor and length
normalisation) but come from postings lists: a query touches only the chunks that hold its
terms, instead of a Python loop over every chunk.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)

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


def make_tokenizer(kind: str) -> Callable[[str], list[str]]:
    """`plain`: lower-cased words; `stem`: plus Snowball English stems; `stem-stop`: minus stop words."""
    if kind == "plain":
        return lambda text: _WORD.findall(text.lower())
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    if kind == "stem":
        return lambda text: stemmer.stemWords(_WORD.findall(text.lower()))
    if kind == "stem-stop":
        return lambda text: stemmer.stemWords(
            [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS])
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

    def top(self, query_tokens: Sequence[str], n: int) -> list[tuple[int, float]]:
        """The `n` best (chunk, score) pairs with a score above zero, by (score desc, chunk)."""
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


def build_bm25(corpus: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75,
               epsilon: float = 0.25) -> BM25:
    """Precompute BM25Okapi weights for tokenized chunks."""
    n_docs = len(corpus)
    counts = [Counter(doc) for doc in corpus]
    doc_len = np.array([len(doc) for doc in corpus], dtype=np.float64)
    avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    idf = _idf(df, n_docs, epsilon)
    terms = sorted(df)
    vocab = {t: i for i, t in enumerate(terms)}
    postings: list[list[tuple[int, int]]] = [[] for _ in terms]
    for d, c in enumerate(counts):
        for term, tf in c.items():
            postings[vocab[term]].append((d, tf))
    ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(p) for p in postings])
    docs = np.fromiter((d for p in postings for d, _ in p), dtype=np.int32, count=int(ptr[-1]))
    tfs = np.fromiter((tf for p in postings for _, tf in p), dtype=np.float64, count=int(ptr[-1]))
    term_idf = np.repeat(np.array([idf[t] for t in terms], dtype=np.float64), np.diff(ptr))
    norm = k1 * (1 - b + b * doc_len[docs] / avgdl) if avgdl > 0 else np.full(len(docs), k1)
    weights = term_idf * (tfs * (k1 + 1) / (tfs + norm))
    return BM25(vocab, ptr, docs, weights, n_docs)


def _idf(df: Counter[str], n_docs: int, epsilon: float) -> dict[str, float]:
    """rank-bm25's idf: log((N - n + .5) / (n + .5)), negatives floored at epsilon * mean idf."""
    idf = {t: math.log(n_docs - n + 0.5) - math.log(n + 0.5) for t, n in df.items()}
    if not idf:
        return idf
    floor = epsilon * (sum(idf.values()) / len(idf))
    return {t: (floor if v < 0 else v) for t, v in idf.items()}
