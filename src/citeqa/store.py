"""The on-disk index: a manifest naming one complete generation folder of checksummed files.

A build writes a new generation folder, then atomically replaces `manifest.json`; readers
follow the manifest, so they see the old index or the new one, never a mix. Nothing is a
pickle: arrays are `.npy` loaded with `allow_pickle=False`, text is UTF-8, metadata is JSON.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from .errors import IndexCorruptError, IndexLockedError, IndexNotFoundError
from .fileio import TMP_SUFFIX, fsync_path, sha256_file, write_json_atomic
from .settings import BuildSettings

FORMAT = "citeqa-index"
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
LOCK = ".lock"
GEN_PREFIX = "gen-"
ARRAYS = ("chunk_meta", "text_ptr", "sent_ptr", "sent_spans", "sent_vectors", "bm25_ptr",
          "bm25_docs", "bm25_weights")
FILES = tuple(f"{a}.npy" for a in ARRAYS) + ("chunk_text.bin", "bm25_vocab.json",
                                             "vectors.faiss")
INT_ARRAYS = ("chunk_meta", "text_ptr", "sent_ptr", "sent_spans", "bm25_ptr", "bm25_docs")
REQUIRED = ("generation", "files", "settings", "sources", "chunk_count", "model")
_GEN_NAME = re.compile(r"gen-[0-9a-f]{1,64}")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass
class Tables:
    """Everything stored about the chunks, as arrays (row i is chunk id i)."""

    chunk_meta: np.ndarray    # int64 (n, 5): source index, start, end, line_start, line_end
    text_ptr: np.ndarray      # int64 (n + 1): byte offsets of each chunk's text in chunk_text
    chunk_text: bytes | np.ndarray   # UTF-8 texts of all chunks, back to back
    sent_ptr: np.ndarray      # int64 (n + 1): chunk i's sentences are sent_spans[ptr[i]:ptr[i+1]]
    sent_spans: np.ndarray    # int64 (m, 2): sentence start, end in the source file
    sent_vectors: np.ndarray  # float16 (m, dim): unit vectors of the sentences, for answers
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


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock; a second build fails fast instead of waiting."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexLockedError(f"another build is writing the index at {index_dir}",
                                   path=index_dir) from None
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
                    generation=gen.name, previous_generation=_current_generation(index_dir),
                    files={})
    for path in sorted(gen.iterdir()):
        fsync_path(path)
        manifest["files"][path.name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    fsync_path(gen)
    write_json_atomic(index_dir / MANIFEST, manifest)
    remove_unused(index_dir, keep=gen.name)


def remove_unused(index_dir: Path, keep: str | None) -> None:
    """Delete generation folders and temporary files that no manifest names (left by a killed
    build); call with the build lock held.

    When `keep` is the current generation, the one it replaced is kept too: a reader that read
    the manifest just before the switch may still be loading it.
    """
    names = {keep}
    if keep is not None and _raw_manifest(index_dir).get("generation") == keep:
        names.add(_current_generation(index_dir, "previous_generation"))
    for path in index_dir.iterdir():
        if path.name.startswith(GEN_PREFIX) and path.name not in names:
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".") and path.name.endswith(TMP_SUFFIX):
            path.unlink(missing_ok=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, checked for format, version and the type of every field readers use."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(f"no index at {index_dir}", path=index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise corrupt(index_dir, f"its manifest is not readable JSON ({err})", {}) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise corrupt(index_dir, "its manifest is not a citeqa manifest", {})
    if manifest.get("format_version") != FORMAT_VERSION:
        raise corrupt(index_dir, f"it has format version {manifest.get('format_version')!r}, "
                                  f"this citeqa reads version {FORMAT_VERSION}", manifest)
    problem = manifest_problem(manifest)
    if problem:
        raise corrupt(index_dir, problem, manifest)
    return manifest


def manifest_problem(manifest: dict[str, Any]) -> str | None:
    """What is wrong with a manifest's fields (missing or of the wrong type), or None."""
    for key in REQUIRED:
        if key not in manifest:
            return f"its manifest lacks {key!r}"
    for key, valid in _FIELD_CHECKS.items():
        if key in manifest and not valid(manifest[key]):
            return f"its manifest has an invalid {key!r}"
    try:
        BuildSettings.from_dict(manifest["settings"])
    except (TypeError, ValueError) as err:
        return f"its stored build settings are invalid ({err})"
    return None


def verify_files(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """Check every file of the current generation against its size and sha256."""
    gen = index_dir / str(manifest["generation"])
    files = manifest["files"]
    missing = [name for name in FILES if name not in files]
    if missing:
        raise corrupt(index_dir, f"its manifest does not list {', '.join(missing)}")
    for name, info in sorted(files.items()):
        problem = _file_problem(gen / name, info)
        if problem:
            raise corrupt(index_dir, f"{gen.name}/{name} {problem}")
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
        raise corrupt(gen.parent, f"a table cannot be read ({err})") from None
    if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab):
        raise corrupt(gen.parent, "its BM25 vocabulary is not a list of terms")
    tables = Tables(chunk_text=text, bm25_vocab=vocab, **arrays)
    _check_shapes(gen.parent, tables, n_chunks)
    return tables


# ---- checks ---------------------------------------------------------------------------------
def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has(entry: Any, **kinds: Callable[[Any], bool]) -> bool:
    """`entry` is a dict whose keys `kinds` hold values passing their checks."""
    return isinstance(entry, dict) and all(k in entry and ok(entry[k]) for k, ok in kinds.items())


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_rel_path(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip() or "\\" in value:
        return False
    path = PurePosixPath(value)
    return not path.is_absolute() and ".." not in path.parts


def _is_gen_name(value: Any) -> bool:
    return isinstance(value, str) and _GEN_NAME.fullmatch(value) is not None


_FIELD_CHECKS: dict[str, Callable[[Any], bool]] = {
    "generation": _is_gen_name,
    "previous_generation": lambda v: v is None or _is_gen_name(v),
    "files": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and _FILE_NAME.fullmatch(k) and _has(e, sha256=_is_str, size=_is_int)
        for k, e in v.items()),
    "settings": lambda v: isinstance(v, dict),
    "sources": lambda v: isinstance(v, list) and all(
        _has(s, source=_is_str, sha256=_is_str) for s in v),
    "chunk_count": lambda v: _is_int(v) and v >= 0,
    "model": lambda v: isinstance(v, dict),
    "corpus": _is_str,
    "encoder": lambda v: _has(v, file=_is_rel_path, size=_is_int, mtime_ns=_is_int, sha256=_is_str),
    "seen": lambda v: isinstance(v, dict) and all(
        _has(e, size=_is_int, mtime_ns=_is_int, sha256=lambda h: h is None or _is_str(h))
        for e in v.values()),
}


def _file_problem(path: Path, info: dict[str, Any]) -> str | None:
    """Why one index file does not match its manifest entry, or None."""
    try:
        if not path.is_file():
            return "is missing"
        size = path.stat().st_size
        if size != info["size"]:
            return f"is {size} bytes, the manifest says {info['size']} (truncated or overwritten)"
        if sha256_file(path) != info["sha256"]:
            return "does not match its checksum (its bytes were changed)"
    except OSError as err:  # e.g. removed by a build while we read it
        return f"cannot be read ({err.strerror or err})"
    return None


def _check_shapes(index_dir: Path, t: Tables, n: int) -> None:
    problems = [f"{name} is not an integer array" for name in INT_ARRAYS
                if getattr(t, name).dtype.kind not in "iu"]
    if problems:
        raise corrupt(index_dir, f"its stores disagree ({'; '.join(problems)})")
    if t.chunk_meta.shape != (n, 5):
        problems.append(f"chunk table has shape {t.chunk_meta.shape}")
    if t.text_ptr.shape != (n + 1,) or int(t.text_ptr[-1]) != len(t.chunk_text):
        problems.append("chunk text offsets disagree with the text file")
    if t.sent_ptr.shape != (n + 1,) or t.sent_spans.ndim != 2 or t.sent_spans.shape[1] != 2 \
            or int(t.sent_ptr[-1]) != t.sent_spans.shape[0]:
        problems.append("sentence table disagrees with the chunk table")
    elif t.sent_vectors.ndim != 2 or t.sent_vectors.shape[0] != t.sent_spans.shape[0]:
        problems.append("sentence vectors disagree with the sentence table")
    if t.bm25_ptr.shape != (len(t.bm25_vocab) + 1,) or t.bm25_docs.ndim != 1 \
            or t.bm25_weights.shape != t.bm25_docs.shape \
            or int(t.bm25_ptr[-1]) != t.bm25_docs.shape[0]:
        problems.append("BM25 postings disagree with the vocabulary")
    elif t.bm25_docs.size and not 0 <= int(t.bm25_docs.min()) <= int(t.bm25_docs.max()) < n:
        problems.append("BM25 rows point outside the chunk table")
    if problems:
        raise corrupt(index_dir, f"its stores disagree ({'; '.join(problems)}; the manifest "
                                  f"says {n} chunks)")


# ---- helpers --------------------------------------------------------------------------------
def _raw_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest as plain JSON, or {} when it is missing or unreadable."""
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def current_generation(index_dir: Path) -> str | None:
    """The generation the manifest names now, or None when there is no readable manifest."""
    return _current_generation(index_dir)


def _current_generation(index_dir: Path, key: str = "generation") -> str | None:
    """The generation the manifest names under `key`, when that folder exists."""
    name = _raw_manifest(index_dir).get(key)
    if isinstance(name, str) and _is_gen_name(name) and (index_dir / name).is_dir():
        return name
    return None


def corrupt(index_dir: Path, what: str, manifest: dict[str, Any] | None = None
            ) -> IndexCorruptError:
    """The damaged-index error, naming the corpus the index was built from when `manifest` (by
    default the one on disk) says, so a front end can say how to rebuild it."""
    corpus = None
    if manifest is None:
        manifest = _raw_manifest(index_dir)
    if isinstance(manifest.get("corpus"), str):
        corpus = (index_dir / manifest["corpus"]).resolve()
    return IndexCorruptError(f"the index at {index_dir} is damaged: {what}", path=index_dir,
                             corpus=corpus)
