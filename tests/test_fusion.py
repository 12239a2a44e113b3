"""Golden tests for the fusion formulas written in citeqa/fusion.py."""

from __future__ import annotations

from citeqa.fusion import minmax, rrf, weighted


def test_rrf_golden() -> None:
    bm25 = [(7, 12.0), (3, 9.0), (5, 1.0)]
    dense = [(3, 0.9), (8, 0.8)]
    fused = dict(rrf([bm25, dense], k=60))
    assert fused[3] == 1 / (60 + 2) + 1 / (60 + 1)
    assert fused[7] == 1 / (60 + 1)
    assert fused[8] == 1 / (60 + 2)
    assert fused[5] == 1 / (60 + 3)
    assert [d for d, _ in rrf([bm25, dense], k=60)] == [3, 7, 8, 5]


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
