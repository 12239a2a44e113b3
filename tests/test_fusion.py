"""Golden tests for the fusion formulas written in citeqa/fusion.py."""

from __future__ import annotations

import pytest

from citeqa.fusion import fusion, minmax, rrf, zscores

weighted = fusion("weighted")
zscore = fusion("zscore")
adaptive = fusion("adaptive")


def test_rrf_golden() -> None:
    bm25 = [(7, 12.0), (3, 9.0), (5, 1.0)]
    dense = [(3, 0.9), (8, 0.8)]
    fused = dict(rrf([bm25, dense], k=60))
    assert fused[3] == 1 / (60 + 2) + 1 / (60 + 1)
    assert fused[7] == 1 / (60 + 1)
    assert fused[8] == 1 / (60 + 2)
    assert fused[5] == 1 / (60 + 3)
    assert [d for d, _ in rrf([bm25, dense], k=60)] == [3, 7, 8, 5]


def test_weighted_rrf_golden() -> None:
    fused = dict(rrf([[(1, 5.0), (2, 4.0)], [(2, 0.9), (1, 0.1)]], k=10, weights=[0.3, 0.7]))
    assert fused[1] == 0.3 * (1 / (10 + 1)) + 0.7 * (1 / (10 + 2))
    assert fused[2] == 0.3 * (1 / (10 + 2)) + 0.7 * (1 / (10 + 1))


def test_rrf_ties_break_by_chunk_id() -> None:
    assert [d for d, _ in rrf([[(9, 1.0)], [(4, 1.0)]], k=60)] == [4, 9]


def test_weighted_golden() -> None:
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    bm25 = [(2, 10.0), (4, 5.0), (1, 0.0)]
    fused = dict(weighted(dense, bm25, dense_weight=0.25))
    assert fused[1] == 0.25 * 1.0 + 0.75 * 0.0
    assert fused[2] == 0.25 * 0.5 + 0.75 * 1.0
    assert fused[3] == 0.25 * 0.0
    assert fused[4] == 0.75 * 0.5


def test_minmax_constant_list() -> None:
    assert minmax([(1, 2.0), (2, 2.0)]) == {1: 1.0, 2: 1.0}
    assert minmax([]) == {}


def test_zscore_golden() -> None:
    dense = [(1, 0.9), (2, 0.6), (3, 0.3)]        # mean 0.6, std sqrt(0.06)
    bm25 = [(2, 8.0), (4, 2.0)]                   # mean 5, std 3
    std = 0.06 ** 0.5
    fused = dict(zscore(dense, bm25, dense_weight=0.7))
    assert fused[1] == pytest.approx(0.7 * (0.3 / std) + 0.3 * -1.0)
    assert fused[2] == pytest.approx(0.7 * 0.0 + 0.3 * 1.0)
    assert fused[3] == pytest.approx(0.7 * (-0.3 / std) + 0.3 * -1.0)
    assert fused[4] == pytest.approx(0.7 * (-0.3 / std) + 0.3 * -1.0)
    assert [d for d, _ in zscore(dense, bm25, 0.7)][:2] == [1, 2]


def test_zscores_of_equal_scores_are_zero() -> None:
    assert zscores([(1, 3.0), (2, 3.0)]) == {1: 0.0, 2: 0.0}


def test_adaptive_zscore_golden() -> None:
    # Each list's weight is the prior times its own top z-score.
    dense = [(1, 0.9), (2, 0.6), (3, 0.3)]        # z: 1.2247, 0, -1.2247
    bm25 = [(2, 8.0), (4, 2.0)]                   # z: 1, -1
    zd = 0.3 / 0.06 ** 0.5
    wd, wb = 0.5 * zd, 0.5 * 1.0
    fused = dict(adaptive(dense, bm25, dense_weight=0.5))
    assert fused[1] == pytest.approx(wd * zd + wb * -1.0)
    assert fused[2] == pytest.approx(wd * 0.0 + wb * 1.0)
    assert fused[4] == pytest.approx(wd * -zd + wb * -1.0)


def test_adaptive_zscore_follows_the_surer_list() -> None:
    # Dense spreads five docs evenly (top z 1.41); BM25 has one outlier, doc 9 (top z 2.0).
    dense = [(1, 0.52), (2, 0.51), (3, 0.50), (4, 0.49), (9, 0.48)]
    bm25 = [(9, 20.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0)]
    assert adaptive(dense, bm25, 0.5)[0][0] == 9
    assert zscore(dense, bm25, 0.5)[0][0] == 1          # plain z-score lets dense's top lead
    # With no spread in either list the prior weights are kept (no division by zero).
    flat = [(1, 1.0), (2, 1.0)]
    assert [d for d, _ in adaptive(flat, flat, 0.5)] == [1, 2]


def test_adaptive_zscore_discounts_bm25_by_its_coverage() -> None:
    # The same lists as above: BM25's outlier (doc 9) leads when its passage holds the
    # question's terms, but not when it holds only a fifth of them.
    dense = [(1, 0.52), (2, 0.51), (3, 0.50), (4, 0.49), (9, 0.48)]
    bm25 = [(9, 20.0), (1, 1.0), (2, 1.0), (3, 1.0), (4, 1.0)]
    assert adaptive(dense, bm25, 0.5, coverage=1.0)[0][0] == 9
    assert adaptive(dense, bm25, 0.5, coverage=0.2)[0][0] == 1
    zd = 0.02 / 0.0002 ** 0.5                      # dense top z: 1.414
    fused = dict(adaptive(dense, bm25, 0.5, coverage=0.2))
    assert fused[9] == pytest.approx(0.5 * zd * -zd + 0.5 * 2.0 * 0.2 * 2.0)


def test_registry_methods_share_one_combination() -> None:
    # rrf through the registry equals the n-list rrf with weights 1 - w (BM25) and w (dense).
    dense, bm25 = [(3, 0.9), (8, 0.8)], [(7, 12.0), (3, 9.0), (5, 1.0)]
    assert fusion("rrf", 10)(dense, bm25, 0.7) == rrf([dense, bm25], 10, [0.7, 1 - 0.7])
