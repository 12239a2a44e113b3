"""Splitting documents into token-bounded chunks that keep exact character offsets and lines."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from .documents import Document

SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]
_LINE_BREAK = re.compile(r"\r\n?|\n")


@dataclass(frozen=True)
class Chunk:
    """A passage of a source file: `text == source_text[start:end]`; lines are 1-based."""

    id: int
    source: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str


def make_splitter(chunk_tokens: int, overlap: int, count_tokens: Callable[[str], int]
                  ) -> Callable[[str], list[str]]:
    """A langchain recursive splitter whose length is counted in the model's word pieces."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_tokens, chunk_overlap=overlap, length_function=count_tokens,
        separators=SEPARATORS, keep_separator="end", strip_whitespace=True)
    return splitter.split_text


def locate(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Character spans of the in-order, possibly overlapping `pieces` within `text`.

    Each piece starts after the previous one's start and no later than the first non-space
    character after the previous one's end (the splitter covers all text), so a passage that
    repeats elsewhere in the file is placed where the splitter took it from.
    """
    spans: list[tuple[int, int]] = []
    prev_start, prev_end = -1, 0
    for piece in pieces:
        limit = prev_end
        while limit < len(text) and text[limit].isspace():
            limit += 1
        start = text.rfind(piece, prev_start + 1, limit + len(piece))
        if start < 0:
            start = text.find(piece, prev_start + 1)
        if start < 0:
            raise ValueError(f"splitter returned text not found in the source: {piece[:40]!r}")
        spans.append((start, start + len(piece)))
        prev_start, prev_end = start, start + len(piece)
    return spans


def line_starts(text: str) -> list[int]:
    """Offsets at which each line of `text` begins. A line ends at \\n, \\r\\n or a lone \\r
    (old Mac files, which editors show line by line); U+2028, U+2029, U+0085, form feed and
    vertical tab stay inside a line, as for `grep -n` and `wc -l`."""
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def chunk_document(doc: Document, split: Callable[[str], list[str]], first_id: int = 0
                   ) -> list[Chunk]:
    """The chunks of one document, numbered from `first_id`."""
    pieces = [p for p in split(doc.text) if p.strip()]
    lines = line_starts(doc.text)
    chunks = []
    for i, (start, end) in enumerate(locate(doc.text, pieces)):
        chunks.append(Chunk(first_id + i, doc.source, start, end,
                            bisect_right(lines, start), bisect_right(lines, end - 1),
                            doc.text[start:end]))
    return chunks


def chunk_documents(docs: list[Document], split: Callable[[str], list[str]]) -> list[Chunk]:
    """All chunks of `docs`, in document order, with ids 0..n-1."""
    chunks: list[Chunk] = []
    for doc in docs:
        chunks.extend(chunk_document(doc, split, len(chunks)))
    return chunks
