"""The vector store: exact search below the ANN threshold, HNSW above it with high recall."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from citeqa import BuildSettings, QueryOptions
from citeqa.building import write_vectors


def _clustered(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((24, dim)).astype(np.float32)
    x = rng.standard_normal((n, 24)).astype(np.float32) @ basis
    x += 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_small_index_is_exact_and_large_one_is_hnsw_with_high_recall(tmp_path: Path) -> None:
    vectors = _clustered(3000)
    config = BuildSettings(ann_threshold=2000)
    write_vectors(tmp_path / "ann.faiss", vectors, config)
    write_vectors(tmp_path / "exact.faiss", vectors[:1500], config)
    ann = faiss.read_index(str(tmp_path / "ann.faiss"))
    assert isinstance(faiss.read_index(str(tmp_path / "exact.faiss")), faiss.IndexFlatIP)
    assert hasattr(ann, "hnsw")
    ann.hnsw.efSearch = QueryOptions().hnsw_ef_search
    queries = _clustered(100, seed=1)
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, got = ann.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got, strict=True)])
    assert recall >= 0.95
