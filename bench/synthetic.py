"""Deterministic synthetic corpora and vectors for the scale points of the benchmark.

Text: chunks of Zipf-distributed words, one chunk per line, 1,000 chunks per file.
Vectors: unit vectors from a low-rank model (48 latent dimensions plus noise), which, like
real sentence embeddings, have far fewer degrees of freedom than their 384 coordinates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CHUNKS_PER_FILE = 1000
WORDS_PER_CHUNK = 60
VOCABULARY = 50_000
LATENT = 48


def words(rng: np.random.Generator) -> np.ndarray:
    """A vocabulary of pronounceable made-up words."""
    syllables = np.array([c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"])
    picks = rng.integers(0, len(syllables), size=(VOCABULARY, 3))
    return np.array(["".join(syllables[p]) for p in picks])


def write_corpus(folder: Path, n_chunks: int, seed: int = 0) -> list[str]:
    """Write `n_chunks` chunk lines into files under `folder`; return the chunk texts."""
    rng = np.random.default_rng(seed)
    vocab = words(rng)
    folder.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    for f in range(0, n_chunks, CHUNKS_PER_FILE):
        n = min(CHUNKS_PER_FILE, n_chunks - f)
        ids = (rng.zipf(1.2, size=(n, WORDS_PER_CHUNK)) - 1) % VOCABULARY
        lines = [" ".join(vocab[row]) + "." for row in ids]
        (folder / f"doc{f // CHUNKS_PER_FILE:05d}.txt").write_text("\n".join(lines) + "\n",
                                                                 encoding="utf-8")
        texts.extend(lines)
    return texts


def vectors(n: int, dim: int = 384, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """`n` synthetic unit vectors and the latent map used to make matching queries."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((LATENT, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        z = rng.standard_normal((hi - lo, LATENT)).astype(np.float32)
        x = z @ basis + 0.3 * rng.standard_normal((hi - lo, dim)).astype(np.float32)
        out[lo:hi] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out, basis


def queries(basis: np.ndarray, n: int, seed: int = 2) -> np.ndarray:
    """Unit query vectors from the same latent model."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, basis.shape[0])).astype(np.float32) @ basis
    return q / np.linalg.norm(q, axis=1, keepdims=True)
