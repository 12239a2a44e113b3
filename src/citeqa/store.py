"""The on-disk index: a manifest naming one complete generation folder of checksummed files.

A build writes a new generation folder, then atomically replaces `manifest.json`; readers
follow the manifest, so they see the old index or the new one, never a mix. Nothing is a
pickle: arrays are `.npy` loaded with `allow_pickle=False`, text is UTF-8, metadata is JSON.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexCorruptError, IndexLockedError, IndexNotFoundError

FORMAT = "citeqa-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LOCK = ".lock"
GEN_PREFIX = "gen-"
ARRAYS = ("chunk_meta", "text_ptr", "sent_ptr", "sent_spans", "bm25_ptr", "bm25_docs",
          "bm25_weights")
FILES = tuple(f"{a}.npy" for a in ARRAYS) + ("chunk_text.bin", "bm25_vocab.json",
                                             "vectors.faiss")


@dataclass
class Tables:
    """Everything stored about the chunks, as arrays (row i is chunk id i)."""

    chunk_meta: np.ndarray    # int64 (n, 5): source index, start, end, line_start, line_end
    text_ptr: np.ndarray      # int64 (n + 1): byte offsets of each chunk's text in chunk_text
    chunk_text: bytes | np.ndarray   # UTF-8 texts of all chunks, back to back
    sent_ptr: np.ndarray      # int64 (n + 1): chunk i's sentences are sent_spans[ptr[i]:ptr[i+1]]
    sent_spans: np.ndarray    # int64 (m, 2): sentence start, end in the source file
    bm25_ptr: np.ndarray
    bm25_docs: np.ndarray
    bm25_weights: np.ndarray
    bm25_vocab: list[str]

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_meta.shape[0])

    def text(self, i: int) -> str:
        """Chunk i's text."""
        lo, hi = int(self.text_ptr[i]), int(self.text_ptr[i + 1])
        return bytes(self.chunk_text[lo:hi]).decode("utf-8")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock; a second build fails fast instead of waiting."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(f"another `citeqa index` is building {index_dir}; wait for "
                                   f"it to finish and run the command again") from None
        yield
    finally:
        os.close(fd)


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation folder (call with the build lock held)."""
    gen = index_dir / f"{GEN_PREFIX}{uuid.uuid4().hex[:12]}"
    gen.mkdir()
    return gen


def write_tables(gen: Path, tables: Tables) -> None:
    """Write the chunk, sentence and BM25 tables into a generation folder."""
    for name in ARRAYS:
        np.save(gen / f"{name}.npy", np.ascontiguousarray(getattr(tables, name)),
                allow_pickle=False)
    (gen / "chunk_text.bin").write_bytes(bytes(tables.chunk_text))
    (gen / "bm25_vocab.json").write_text(json.dumps(tables.bm25_vocab, ensure_ascii=False),
                                         encoding="utf-8")


def commit(index_dir: Path, gen: Path, manifest: dict[str, Any]) -> None:
    """Checksum and fsync the generation, then atomically make it the current index."""
    manifest = dict(manifest, format=FORMAT, format_version=FORMAT_VERSION,
                    generation=gen.name, files={})
    for path in sorted(gen.iterdir()):
        _fsync(path)
        manifest["files"][path.name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    _fsync(gen)
    write_json_atomic(index_dir / MANIFEST, manifest)
    remove_unused(index_dir, keep=gen.name)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file, fsync it and rename it over `path`."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync(path.parent)


def remove_unused(index_dir: Path, keep: str | None) -> None:
    """Delete generation folders and temporary files that no manifest names (left by a killed
    build); call with the build lock held."""
    for path in index_dir.iterdir():
        if path.name.startswith(GEN_PREFIX) and path.name != keep:
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".") and path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, checked for format and version."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(f"no index at {index_dir}; build one with "
                                 f"`citeqa index CORPUS --index {index_dir}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _corrupt(index_dir, f"its manifest is not readable JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(index_dir, "its manifest is not a citeqa manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _corrupt(index_dir, f"it has format version {manifest.get('format_version')!r}, "
                                  f"this citeqa reads version {FORMAT_VERSION}")
    for key in ("generation", "files", "config", "sources", "chunk_count", "model"):
        if key not in manifest:
            raise _corrupt(index_dir, f"its manifest lacks {key!r}")
    return manifest


def verify_files(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """Check every file of the current generation against its size and sha256."""
    gen = index_dir / str(manifest["generation"])
    files = manifest["files"]
    missing = [name for name in FILES if name not in files]
    if missing:
        raise _corrupt(index_dir, f"its manifest does not list {', '.join(missing)}")
    for name, info in sorted(files.items()):
        path = gen / name
        if not path.is_file():
            raise _corrupt(index_dir, f"{gen.name}/{name} is missing")
        if path.stat().st_size != info.get("size") or sha256_file(path) != info.get("sha256"):
            raise _corrupt(index_dir, f"{gen.name}/{name} does not match its checksum")
    return gen


def load_tables(gen: Path, n_chunks: int, mmap: bool = True) -> Tables:
    """Load a generation's tables and refuse them when their row counts disagree."""
    try:
        arrays = {a: np.load(gen / f"{a}.npy", mmap_mode="r" if mmap else None,
                             allow_pickle=False)
                  for a in ARRAYS}
        vocab = json.loads((gen / "bm25_vocab.json").read_text(encoding="utf-8"))
        text_path = gen / "chunk_text.bin"
        text: bytes | np.ndarray = (np.memmap(text_path, dtype=np.uint8, mode="r")
                                    if mmap and text_path.stat().st_size else
                                    text_path.read_bytes())
    except (OSError, ValueError) as err:
        raise _corrupt(gen.parent, f"a table cannot be read ({err})") from None
    tables = Tables(chunk_text=text, bm25_vocab=vocab, **arrays)
    _check_shapes(gen.parent, tables, n_chunks)
    return tables


def _check_shapes(index_dir: Path, t: Tables, n: int) -> None:
    problems = []
    if t.chunk_meta.shape != (n, 5):
        problems.append(f"chunk table has {t.chunk_meta.shape[0]} rows")
    if t.text_ptr.shape != (n + 1,) or (n and int(t.text_ptr[-1]) != len(t.chunk_text)):
        problems.append("chunk text offsets disagree with the text file")
    if t.sent_ptr.shape != (n + 1,) or int(t.sent_ptr[-1]) != t.sent_spans.shape[0]:
        problems.append("sentence table disagrees with the chunk table")
    if t.bm25_ptr.shape != (len(t.bm25_vocab) + 1,) or \
            int(t.bm25_ptr[-1]) != t.bm25_docs.shape[0] != t.bm25_weights.shape[0]:
        problems.append("BM25 postings disagree with the vocabulary")
    if t.bm25_docs.size and int(t.bm25_docs.max()) >= n:
        problems.append("BM25 rows point past the chunk table")
    if problems:
        raise _corrupt(index_dir, f"its stores disagree ({'; '.join(problems)}; the manifest "
                                  f"says {n} chunks)")


def _corrupt(index_dir: Path, what: str) -> IndexCorruptError:
    return IndexCorruptError(f"the index at {index_dir} is damaged: {what}; rebuild it with "
                             f"`citeqa index --index {index_dir} --force`")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
