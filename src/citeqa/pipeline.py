"""One step of a build, the same on this machine and on a Ray cluster: a group of corpus files,
already read, is parsed, chunked, split into sentences, counted for BM25 and embedded.

The step is a pure function of the files, the build settings and the encoder, so a group can
be prepared anywhere, retried after a worker dies, and its result written in corpus order by
one writer. Sentence vectors come from the same forward pass as their chunk's vector (the
mean of the sentence's token states), so the encoder runs once per chunk.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from .chunking import Chunk, chunk_documents, make_splitter
from .context import context_lines
from .documents import Document, Notice, SourceFile, parse_document
from .embedding import DIMENSION, load_tokenizer, token_counter
from .lexical import make_tokenizer
from .postings import TermCounts, count_terms
from .segments import Segments, segment
from .settings import BuildSettings

BATCH_SIZE = 16  # texts per encoder batch: less padding than 32 (45 against 38 chunks/s here)
KEY_BYTES = 16

# A corpus file as the reader hands it on: its source name and its bytes, or the notice that
# says why it was passed over (too large, unreadable).
Item = tuple[str, "bytes | Notice"]


@dataclass
class Group:
    """Corpus files prepared together, numbered in corpus order."""

    number: int
    items: list[Item]

    @property
    def size(self) -> int:
        return sum(len(d) for _, d in self.items if isinstance(d, bytes))


@dataclass
class Prepared:
    """A group's documents, chunks (ids from 0 within the group), sentences, BM25 term counts
    and vectors. Chunks whose key the previous index holds are not embedded here: their rows
    are zero and `fresh` is False, and the writer takes their vectors from that index."""

    number: int
    docs: list[Document]
    notices: list[Notice]
    chunks: list[Chunk]
    segments: Segments
    keys: list[bytes]
    fresh: np.ndarray          # bool (n,)
    chunk_vectors: np.ndarray  # float32 (n, dim)
    sent_vectors: np.ndarray   # float16 (m, dim)
    terms: TermCounts
    contexts: list[str] = field(default_factory=list)  # each chunk's context line ("" none)
    size: int = 0              # bytes of the group's files
    embedded: int = 0
    worker: int = field(default_factory=os.getpid)


def chunk_key(text: str, spans: Sequence[tuple[int, int]], context: str = "") -> bytes:
    """What a chunk's vectors depend on: its text, its sentences' spans within it and the
    context line read before it."""
    h = hashlib.blake2b(text.encode("utf-8"), digest_size=KEY_BYTES)
    h.update(np.asarray(spans, dtype=np.int64).tobytes())
    if context:
        h.update(b"\0" + context.encode("utf-8"))
    return h.digest()


class Preparer:
    """Prepares groups with one encoder (held for the life of a worker)."""

    def __init__(self, config: BuildSettings, encoder: object, known: Collection[bytes] = (),
                 batch_size: int = BATCH_SIZE, threads: int = 1):
        self.config = config
        self.encoder = encoder
        self.known = known
        self.batch_size = batch_size
        self.threads = threads
        self.count_tokens = token_counter(load_tokenizer())
        self.split = make_splitter(config.chunk_tokens, config.chunk_overlap, self.count_tokens)
        self.tokenize = make_tokenizer(config.tokenizer, config.trim_underscores)

    def __call__(self, group: Group, progress: Callable[[int], None] | None = None) -> Prepared:
        return self.embed(self.read(group), progress)

    def read(self, group: Group) -> Prepared:
        """Everything but the vectors (the part that holds the interpreter)."""
        docs: list[Document] = []
        notices: list[Notice] = []
        max_bytes = int(self.config.max_file_mb * 1e6)
        for source, data in group.items:
            if isinstance(data, Notice):
                notices.append(data)
                continue
            doc, notice = parse_document(source, data, max_bytes)
            if notice is not None:
                notices.append(notice)
            if doc is not None:
                docs.append(doc)
        chunks = chunk_documents(docs, self.split)
        segments = segment(docs, chunks)
        contexts = self._contexts(chunks, segments)
        keys = [chunk_key(c.text, self._spans(segments, i, c, clip=False), contexts[i])
                for i, c in enumerate(chunks)]
        fresh = np.array([k not in self.known for k in keys], dtype=bool)
        return Prepared(group.number, docs, notices, chunks, segments, keys, fresh,
                        np.zeros((len(chunks), DIMENSION), dtype=np.float32),
                        np.zeros((len(segments.spans), DIMENSION), dtype=np.float16),
                        count_terms([f"{x}\n{c.text}" if x else c.text
                                     for x, c in zip(contexts, chunks, strict=True)], self.tokenize),
                        contexts, group.size)

    def embed(self, p: Prepared, progress: Callable[[int], None] | None = None) -> Prepared:
        """Fill in the vectors of the fresh chunks and of their sentences (each distinct
        chunk once)."""
        first: dict[bytes, int] = {}
        for i in np.flatnonzero(p.fresh):
            first.setdefault(p.keys[i], int(i))
        todo = list(first.values())
        if not todo:
            return p
        texts, spans = [], []
        for row in todo:
            chunk = p.chunks[row]
            prefix = self._prefix(chunk, p.contexts[row] if p.contexts else "")
            texts.append(prefix + chunk.text)
            spans.append([(s + len(prefix), e + len(prefix))
                          for s, e in self._spans(p.segments, row, chunk, clip=True)])
        vectors, pooled = self.encoder.encode_with_spans(  # type: ignore[attr-defined]
            texts, spans, self.batch_size, workers=self.threads, progress=progress)
        row_of = {p.keys[i]: r for r, i in enumerate(todo)}
        ptr = p.segments.ptr
        for i in np.flatnonzero(p.fresh):
            r = row_of[p.keys[i]]
            p.chunk_vectors[i] = vectors[r]
            p.sent_vectors[int(ptr[i]):int(ptr[i + 1])] = pooled[r]
        p.embedded = len(todo)
        return p

    def _contexts(self, chunks: list[Chunk], segments: Segments) -> list[str]:
        """Each chunk's context line (its file's words and heading path), or "" for all when
        the index is built without."""
        if not self.config.chunk_context:
            return [""] * len(chunks)
        names = segments.sections
        return context_lines((c.source, names[s] if (s := int(segments.chunk_loc[i, 1])) >= 0
                              else None) for i, c in enumerate(chunks))

    def _prefix(self, chunk: Chunk, context: str) -> str:
        """What the encoder reads before the chunk: its context line when both fit in the
        model's window (a chunk is never cut to make room)."""
        if not context:
            return ""
        prefix = context + "\n"
        fits = self.count_tokens(prefix + chunk.text) <= self.config.chunk_tokens
        return prefix if fits else ""

    @staticmethod
    def _spans(segments: Segments, i: int, chunk: Chunk, clip: bool) -> list[tuple[int, int]]:
        """Chunk i's sentence spans relative to its text (cut at its end when `clip`: a
        sentence may run on into the next chunk)."""
        rows = segments.spans[int(segments.ptr[i]):int(segments.ptr[i + 1])]
        end = chunk.end - chunk.start
        return [(int(s) - chunk.start, min(int(e) - chunk.start, end) if clip else
                 int(e) - chunk.start) for s, e in rows]


GROUP_BYTES = 512 * 1024  # file bytes per group: a few hundred chunks
GROUP_FILES = 256


def read_groups(sources: Iterable[SourceFile], max_bytes: int, hashes: dict[str, str],
                group_bytes: int = GROUP_BYTES) -> Iterator[Group]:
    """The corpus files read into groups, in order; records the sha256 of the bytes read of
    each file in `hashes` (what the manifest's `seen` entries say was indexed)."""
    items: list[Item] = []
    size = number = 0
    for src in sources:
        item = _read(src, max_bytes)
        if isinstance(item[1], bytes):
            hashes[src.source] = hashlib.sha256(item[1]).hexdigest()
            size += len(item[1])
        items.append(item)
        if size >= group_bytes or len(items) >= GROUP_FILES:
            yield Group(number, items)
            items, size, number = [], 0, number + 1
    if items:
        yield Group(number, items)


def _read(src: SourceFile, max_bytes: int) -> Item:
    """One file's bytes, or the notice saying why it is skipped (as `read_document` says)."""
    try:
        if not src.path.is_file():
            return src.source, Notice(src.source, "skipped: not a regular file (broken link or "
                                                  "loop?)")
        size = src.path.stat().st_size
        if size > max_bytes:
            return src.source, Notice(src.source, f"skipped: {size / 1e6:.1f} MB is over the "
                                                  f"{max_bytes / 1e6:.0f} MB limit; split the file")
        return src.source, src.path.read_bytes()
    except OSError as err:
        return src.source, Notice(src.source, f"skipped: cannot read ({err.strerror or err})")
