"""Dense ranking: a passage scores its own cosine to the question or, when higher, that of its
best stored sentence."""

from __future__ import annotations

import numpy as np

import citeqa

QUESTIONS = ["Who was Japan's defence minister at the meeting?",
             "Which missile will the two countries study together?",
             "Where was the meeting held?"]


def test_a_passage_scores_its_best_sentence_or_its_own_cosine(seed_index: citeqa.Index) -> None:
    retriever, tables = seed_index.retriever, seed_index.retriever.tables
    lifted = 0
    for question in QUESTIONS:
        query = seed_index.encoder.encode([question])[0]
        hits = seed_index.search(question, k=10, mode="dense")
        want = {}
        for chunk in range(tables.n_chunks):
            own = float(retriever.vectors.reconstruct(chunk) @ query)
            rows = range(int(tables.sent_ptr[chunk]), int(tables.sent_ptr[chunk + 1]))
            best = max((float(tables.sent_vectors[r].astype(np.float32) @ query) for r in rows),
                       default=-1.0)
            want[chunk] = max(own, best)
            lifted += best > own
        assert [h.chunk_id for h in hits] == sorted(want, key=lambda c: (-want[c], c))[:10]
        for hit in hits:
            assert abs(hit.score - want[hit.chunk_id]) < 1e-4
    assert lifted > 0   # some passage is ranked by a sentence, not by its own vector
