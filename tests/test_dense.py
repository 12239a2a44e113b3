"""Dense ranking: a passage scores its own cosine to the question or, when higher, that of its
best stored sentence; and hybrid ranking scores both retrievers' candidates with both."""

from __future__ import annotations

import numpy as np

import citeqa
from citeqa.fusion import fusion

QUESTIONS = ["Who was Japan's defence minister at the meeting?",
             "Which missile will the two countries study together?",
             "Where was the meeting held?"]


def _dense_scores(index: citeqa.Index, query: np.ndarray
                  ) -> tuple[dict[int, float], dict[int, float], int]:
    """Every chunk's own cosine and dense score, worked out from its stored vectors, and how
    many chunks a sentence lifts above their own cosine."""
    retriever, tables = index.retriever, index.retriever.tables
    own, want, lifted = {}, {}, 0
    for chunk in range(tables.n_chunks):
        own[chunk] = float(retriever.vectors.reconstruct(chunk) @ query)
        rows = range(int(tables.sent_ptr[chunk]), int(tables.sent_ptr[chunk + 1]))
        best = max((float(tables.sent_vectors[r].astype(np.float32) @ query) for r in rows),
                   default=-1.0)
        want[chunk] = max(own[chunk], best)
        lifted += best > own[chunk]
    return own, want, lifted


def test_a_passage_scores_its_best_sentence_or_its_own_cosine(seed_index: citeqa.Index) -> None:
    lifted = 0
    for question in QUESTIONS:
        query = seed_index.encoder.encode([question])[0]
        hits = seed_index.search(question, k=10, mode="dense")
        _, want, up = _dense_scores(seed_index, query)
        lifted += up
        assert [h.chunk_id for h in hits] == sorted(want, key=lambda c: (-want[c], c))[:10]
        for hit in hits:
            assert abs(hit.score - want[hit.chunk_id]) < 1e-4
    assert lifted > 0   # some passage is ranked by a sentence, not by its own vector


def test_hybrid_ranks_the_union_of_candidates_by_both_scores(seed_index: citeqa.Index) -> None:
    """With 3 candidates a list, a passage that one retriever did not return is placed by its
    score in that retriever (worked out here from the stored vectors and BM25 weights), not at
    the list's floor."""
    retriever, fuse = seed_index.retriever, fusion("adaptive")
    differ = 0
    for question in QUESTIONS:
        query = seed_index.encoder.encode([question])[0]
        own, dense, _ = _dense_scores(seed_index, query)
        terms = retriever.tokenize(question)
        bm25 = retriever.bm25.scores(terms)
        # The dense candidates are the chunks nearest by their own vector, then rescored.
        top_dense = sorted(own, key=lambda c: (-own[c], c))[:3]
        top_bm25 = [c for c in sorted(range(len(bm25)), key=lambda c: (-bm25[c], c))[:3]
                    if bm25[c] > 0]
        union = top_dense + [c for c in top_bm25 if c not in top_dense]
        differ += len(union) > len(top_dense)
        coverage = retriever.bm25.coverage(terms, top_bm25[0])
        want = fuse([(c, dense[c]) for c in union], [(c, float(bm25[c])) for c in union],
                    0.5, coverage)
        hits = seed_index.search(question, k=3, mode="hybrid", candidates=3)
        assert [h.chunk_id for h in hits] == [c for c, _ in want[:3]]
        for hit, (_, score) in zip(hits, want, strict=False):
            assert abs(hit.score - score) < 1e-4
    assert differ > 0   # some question's two lists hold different passages
