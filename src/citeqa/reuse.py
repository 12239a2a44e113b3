"""Vectors of the previous generation, found by chunk key, so a refresh embeds only chunks whose
text or sentences changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import store
from .context import context_lines
from .errors import CiteqaError
from .pipeline import Prepared, chunk_key
from .settings import BuildSettings

SENTENCE_VECTORS = "chunk-pooled"  # how sentence vectors are made (recorded in the manifest)


class Reuse:
    """Chunk and sentence vectors of an old generation by chunk key (empty when there is none,
    or it was built with another model, precision or kind of sentence vectors: `model` is
    the new build's record of those, as the manifest stores it)."""

    def __init__(self, old: tuple[dict[str, Any], Path] | None, model: dict[str, Any]):
        self.rows: dict[bytes, int] = {}
        self.reused = 0
        if old is None or old[0].get("model") != model:
            return
        import faiss

        manifest, gen = old
        try:
            tables = store.load_tables(gen, int(manifest["chunk_count"]))
            sources = store.load_sources(gen, manifest)
            self._vectors = faiss.read_index(str(gen / "vectors.faiss"), faiss.IO_FLAG_MMAP_IFC)
        except (CiteqaError, RuntimeError):
            return
        self._tables = tables
        # The key holds the context line the old chunk was embedded with, if its build used one.
        n = tables.n_chunks
        contexts = (context_lines((sources[int(tables.chunk_meta[i, 0])],
                                   tables.section(int(tables.chunk_loc[i, 1]))) for i in range(n))
                    if BuildSettings.from_dict(manifest["settings"]).chunk_context else [""] * n)
        ptr, spans = tables.sent_ptr, tables.sent_spans
        for i in range(n):
            start = int(tables.chunk_meta[i, 1])
            rel = [(int(s) - start, int(e) - start) for s, e in spans[int(ptr[i]):int(ptr[i + 1])]]
            self.rows.setdefault(chunk_key(tables.text(i), rel, contexts[i]), i)

    def keys(self) -> frozenset[bytes]:
        return frozenset(self.rows)

    def fill(self, p: Prepared) -> None:
        """Copy the old vectors of `p`'s chunks that were not embedded."""
        if not len(p.fresh) or p.fresh.all():
            return
        ptr = p.segments.ptr
        for i in np.flatnonzero(~p.fresh):
            row = self.rows[p.keys[i]]
            p.chunk_vectors[i] = self._vectors.reconstruct(row)
            lo, hi = int(self._tables.sent_ptr[row]), int(self._tables.sent_ptr[row + 1])
            p.sent_vectors[int(ptr[i]):int(ptr[i + 1])] = self._tables.sent_vectors[lo:hi]
            self.reused += 1
