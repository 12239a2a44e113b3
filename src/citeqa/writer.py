"""Writing a generation folder from prepared groups, one group at a time, in bounded memory.

Rows are appended to raw spill files as groups arrive (in corpus order); `finish` turns each
into its `.npy` table, places the BM25 postings and builds the vector index from the spilled
vectors block by block. Only the per-chunk offsets, the BM25 document frequencies and the
vector index itself are held in memory, so a build's memory does not grow with the text.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import store
from .embedding import DIMENSION
from .pipeline import Prepared
from .postings import PostingsBuilder
from .settings import BuildSettings

SPILL = ".spill-"  # spill files sit in the generation folder itself (which holds no folder)
_BLOCK = 65_536  # vectors per block when building the vector index


@dataclass
class Source:
    """What the generation records of one indexed document (see `store.write_sources`)."""

    source: str
    sha256: str
    title: str
    date: str | None
    chunks: int

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "sha256": self.sha256, "title": self.title,
                "date": self.date, "chunks": self.chunks}


@dataclass
class _Column:
    """A table being appended to: its spill file, dtype and row width."""

    file: IO[bytes]
    path: Path
    dtype: np.dtype
    width: int | None   # None: a 1-D array
    rows: int = 0

    def append(self, rows: np.ndarray) -> None:
        data = np.ascontiguousarray(rows, dtype=self.dtype)
        self.file.write(data.tobytes())
        self.rows += int(data.shape[0])


_COLUMNS: dict[str, tuple[str, int | None]] = {
    "chunk_meta": ("<i8", 5), "chunk_loc": ("<i8", 2), "sent_spans": ("<i8", 2),
    "sent_meta": ("<i8", 5), "sent_vectors": ("<f2", DIMENSION),
    "text_len": ("<i8", None), "sent_len": ("<i8", None), "doc_len": ("<i8", None),
    "sent_count": ("<i8", None), "vectors": ("<f4", DIMENSION)}
_BLOBS = ("chunk_text", "sent_text", "doc_text")
_POINTERS = {"text_ptr": "text_len", "sent_text_ptr": "sent_len", "doc_ptr": "doc_len",
             "sent_ptr": "sent_count"}


@dataclass
class GenerationWriter:
    """Appends prepared groups to a new generation folder `gen`; `finish` completes it."""

    gen: Path
    config: BuildSettings
    sources: list[Source] = field(default_factory=list)
    chunks: int = 0
    _columns: dict[str, _Column] = field(default_factory=dict)
    _blobs: dict[str, IO[bytes]] = field(default_factory=dict)
    _sections: dict[str, int] = field(default_factory=dict)
    _postings: PostingsBuilder | None = None

    def __post_init__(self) -> None:
        for name, (dtype, width) in _COLUMNS.items():
            path = self.gen / f"{SPILL}{name}"
            self._columns[name] = _Column(path.open("wb"), path, np.dtype(dtype), width)
        for name in _BLOBS:
            self._blobs[name] = (self.gen / f"{name}.bin").open("wb")
        c = self.config
        self._postings = PostingsBuilder(self.gen / f"{SPILL}postings", c.bm25_k1, c.bm25_b,
                                         c.bm25_epsilon)

    def add(self, p: Prepared) -> None:
        """Append a group whose vectors are all filled in (chunk ids follow on)."""
        cols, seg = self._columns, p.segments
        doc_of = {d.source: len(self.sources) + i for i, d in enumerate(p.docs)}
        counts: dict[str, int] = {}
        for c in p.chunks:
            counts[c.source] = counts.get(c.source, 0) + 1
        sections = np.array([self._section(name) for name in seg.sections] + [-1],
                            dtype=np.int64)  # local id -1 stays -1 (the last entry)
        cols["chunk_meta"].append(np.array(
            [[doc_of[c.source], c.start, c.end, c.line_start, c.line_end] for c in p.chunks],
            dtype=np.int64).reshape(-1, 5))
        loc = np.array(seg.chunk_loc, dtype=np.int64).reshape(-1, 2).copy()
        loc[:, 1] = sections[loc[:, 1]]
        cols["chunk_loc"].append(loc)
        meta = np.array(seg.meta, dtype=np.int64).reshape(-1, 5).copy()
        meta[:, 3] = sections[meta[:, 3]]
        cols["sent_spans"].append(np.array(seg.spans, dtype=np.int64).reshape(-1, 2))
        cols["sent_meta"].append(meta)
        cols["sent_vectors"].append(p.sent_vectors)
        cols["vectors"].append(p.chunk_vectors)
        cols["sent_count"].append(np.diff(np.asarray(seg.ptr, dtype=np.int64)))
        for blob, lengths, texts in (("chunk_text", "text_len", [c.text for c in p.chunks]),
                                     ("sent_text", "sent_len", seg.texts),
                                     ("doc_text", "doc_len", [d.text for d in p.docs])):
            encoded = [t.encode("utf-8") for t in texts]
            self._blobs[blob].write(b"".join(encoded))
            cols[lengths].append(np.array([len(e) for e in encoded], dtype=np.int64))
        assert self._postings is not None
        self._postings.add(p.terms)
        self.sources.extend(Source(d.source, d.sha256, d.title, d.date, counts.get(d.source, 0))
                            for d in p.docs)
        self.chunks += len(p.chunks)

    def finish(self) -> None:
        """Write the tables, postings, vocabularies and vector index; remove the spill."""
        for f in self._blobs.values():
            f.close()
        for col in self._columns.values():
            col.file.close()
        cols = self._columns
        for name in ("chunk_meta", "chunk_loc", "sent_spans", "sent_meta", "sent_vectors"):
            _npy(self.gen / f"{name}.npy", cols[name])
        for name, lengths in _POINTERS.items():
            ptr = np.zeros(cols[lengths].rows + 1, dtype=np.int64)
            ptr[1:] = np.cumsum(np.fromfile(cols[lengths].path, dtype=np.int64))
            store.save_array(self.gen / f"{name}.npy", ptr)  # a full disk names the file
        assert self._postings is not None
        bm25 = self._postings.finish()
        for name, array in (("bm25_ptr", bm25.ptr), ("bm25_docs", bm25.docs),
                            ("bm25_weights", bm25.weights)):
            store.save_array(self.gen / f"{name}.npy", array)
        vocab = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
        del bm25
        _write_json(self.gen / "bm25_vocab.json", vocab)
        _write_json(self.gen / "sections.json", list(self._sections))
        store.write_sources(self.gen, [s.to_dict() for s in self.sources])
        vectors = cols["vectors"]
        write_vectors(self.gen / "vectors.faiss", _spilled(vectors), vectors.rows, self.config)
        for col in cols.values():
            col.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close every spill file (after `finish`, or when the build fails, so that the
        space of the deleted files is freed at once)."""
        files = [*self._blobs.values(), *(c.file for c in self._columns.values())]
        for f in files:
            with contextlib.suppress(OSError):  # flushing a full disk's buffer fails: go on
                f.close()
        if self._postings is not None:
            with contextlib.suppress(OSError):
                self._postings.close()

    def _section(self, name: str) -> int:
        return self._sections.setdefault(name, len(self._sections))


def _npy(path: Path, col: _Column) -> None:
    """The spilled rows of `col` as a `.npy` file (header, then the bytes as written)."""
    shape = (col.rows,) if col.width is None else (col.rows, col.width)
    header = {"descr": np.lib.format.dtype_to_descr(col.dtype), "fortran_order": False,
              "shape": shape}
    with path.open("wb") as out, col.path.open("rb") as src:
        np.lib.format.write_array_header_1_0(out, header)
        while block := src.read(1 << 22):
            out.write(block)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def write_vectors(path: Path, blocks: Iterable[np.ndarray], n: int, config: BuildSettings
                  ) -> None:
    """Exact inner-product search up to `ann_threshold` vectors, HNSW graph search above;
    the `n` vectors are added a block at a time."""
    import faiss

    index: Any
    if n >= config.ann_threshold:
        index = faiss.IndexHNSWFlat(DIMENSION, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
    else:
        index = faiss.IndexFlatIP(DIMENSION)
    for block in blocks:
        index.add(np.ascontiguousarray(block, dtype=np.float32).reshape(-1, DIMENSION))
    store.write_faiss(path, index)


def _spilled(col: _Column) -> Iterator[np.ndarray]:
    """The rows of a spilled column, a block at a time."""
    with col.path.open("rb") as f:
        for _ in range(0, col.rows, _BLOCK):
            yield np.fromfile(f, dtype=col.dtype, count=_BLOCK * (col.width or 1))
