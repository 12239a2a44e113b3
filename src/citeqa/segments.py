"""Each chunk's sentences, and where chunks and sentences are: lines, page and section.

Every sentence of a document belongs to the chunk holding its first character, whole: a
sentence is never cut at a chunk boundary, so an answer sentence is always a sentence the
splitter found. Pages and heading paths come from the parsed structure of the document.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from .chunking import Chunk, line_starts
from .documents import Document
from .parsing import Locator
from .parsing.structure import KINDS
from .sentences import sentence_spans


@dataclass
class Segments:
    """Sentence rows grouped by chunk, with their texts and places, and the chunks' places."""

    ptr: np.ndarray          # int64 (n + 1): chunk i's sentences are rows ptr[i]:ptr[i+1]
    spans: np.ndarray        # int64 (m, 2): start, end in the document's text
    texts: list[str]         # the m sentence texts
    meta: np.ndarray         # int64 (m, 5): line_start, line_end, page (0: none), section (-1),
                             # and the kind of block it is in (an index into KINDS)
    chunk_loc: np.ndarray    # int64 (n, 2): page (0: none), section (-1: none)
    sections: list[str]      # heading paths named by index


class _Sections:
    """Numbers heading paths in order of first use."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._ids: dict[str, int] = {}

    def id(self, name: str | None) -> int:
        """The number of heading path `name` (-1 for none)."""
        if name is None:
            return -1
        if name not in self._ids:
            self._ids[name] = len(self.names)
            self.names.append(name)
        return self._ids[name]


def segment(docs: list[Document], chunks: list[Chunk]) -> Segments:
    """The sentences of every chunk of `docs` (chunks in document order, as chunked)."""
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    sections = _Sections()
    rows: list[list[tuple[int, ...]]] = [[] for _ in chunks]
    texts: list[list[str]] = [[] for _ in chunks]
    loc = np.zeros((len(chunks), 2), dtype=np.int64)
    for doc in docs:
        own = by_source.get(doc.source, [])
        if not own:
            continue
        where = Locator(doc)
        lines = line_starts(doc.text)
        starts = [c.start for c in own]
        for c in own:
            page, section = where.locate(c.start)
            loc[c.id] = (page or 0, sections.id(section))
        blocks = doc.blocks or ()
        block_starts = [b.start for b in blocks]
        for s, e in sentence_spans(doc.text, blocks):
            owner = own[max(bisect_right(starts, s) - 1, 0)]
            page, section = where.locate(s)
            b = bisect_right(block_starts, s) - 1
            kind = KINDS.index(blocks[b].kind) if b >= 0 and blocks[b].kind in KINDS else 1
            rows[owner.id].append((s, e, bisect_right(lines, s), bisect_right(lines, e - 1),
                                   page or 0, sections.id(section), kind))
            texts[owner.id].append(doc.text[s:e])
    flat = [r for chunk_rows in rows for r in chunk_rows]
    table = np.array(flat, dtype=np.int64).reshape(-1, 7)
    ptr = np.zeros(len(chunks) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    return Segments(ptr, table[:, :2].copy(), [t for ts in texts for t in ts], table[:, 2:].copy(),
                    loc, sections.names)
