"""The on-disk index: a manifest naming one complete generation folder of checksummed files.

A build writes a new generation folder, then atomically replaces `manifest.json`; readers
follow the manifest, so they see the old index or the new one, never a mix. Nothing is a
pickle: arrays are `.npy` loaded with `allow_pickle=False`, text is UTF-8, metadata is JSON.
What is per corpus file (the indexed documents, and the state of every file the build saw)
lives in the generation, not the manifest, so the manifest stays small however many files
the corpus holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from . import indexdir
from .errors import CiteqaError, IndexCorruptError, IndexFolderError, IndexNotFoundError
from .fileio import fsync_path, sha256_file, write_json_atomic
from .settings import BuildSettings

if TYPE_CHECKING:
    from .staleness import Changes, Seen

FORMAT = "citeqa-index"
FORMAT_VERSION = 4   # 4: documents and the corpus state moved from the manifest to the generation
MANIFEST = "manifest.json"
LOCK = ".lock"
GEN_PREFIX = "gen-"
ARRAYS = ("chunk_meta", "chunk_loc", "text_ptr", "sent_ptr", "sent_spans", "sent_meta",
          "sent_text_ptr", "sent_vectors", "doc_ptr", "bm25_ptr", "bm25_docs", "bm25_weights")
BLOBS = ("chunk_text", "sent_text", "doc_text")          # UTF-8 texts back to back, in .bin files
SOURCES = "sources.json"        # the indexed documents' names, in chunk_meta's numbering
DOCUMENTS = "documents.json"    # their sha256, title, date and chunk count, as columns
SEEN, SEEN_NAMES = "seen.npy", "seen_names.json"   # every corpus file's state at build
FILES = tuple(f"{a}.npy" for a in ARRAYS) + tuple(f"{b}.bin" for b in BLOBS) + (
    "bm25_vocab.json", "sections.json", "vectors.faiss", SOURCES, DOCUMENTS, SEEN, SEEN_NAMES)
DOCUMENT_FIELDS = ("sha256", "title", "date", "chunks")
INT_ARRAYS = ("chunk_meta", "chunk_loc", "text_ptr", "sent_ptr", "sent_spans", "sent_meta",
              "sent_text_ptr", "doc_ptr", "bm25_ptr", "bm25_docs")
REQUIRED = ("generation", "files", "settings", "documents", "corpus_files", "chunk_count",
            "model")
_GEN_NAME = re.compile(r"gen-[0-9a-f]{1,64}")
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass
class Tables:
    """Everything stored about the chunks, as arrays (row i is chunk id i)."""

    chunk_meta: np.ndarray    # int64 (n, 5): source index, start, end, line_start, line_end
    chunk_loc: np.ndarray     # int64 (n, 2): page (0: none), section index (-1: none)
    text_ptr: np.ndarray      # int64 (n + 1): byte offsets of each chunk's text in chunk_text
    chunk_text: bytes | np.ndarray   # UTF-8 texts of all chunks, back to back
    sent_ptr: np.ndarray      # int64 (n + 1): chunk i's sentences are sent_spans[ptr[i]:ptr[i+1]]
    sent_spans: np.ndarray    # int64 (m, 2): sentence start, end in the document's text
    sent_meta: np.ndarray     # int64 (m, 5): line_start, line_end, page (0: none), section (-1),
                              # block kind (an index into parsing.structure.KINDS)
    sent_text_ptr: np.ndarray  # int64 (m + 1): byte offsets of each sentence in sent_text
    sent_text: bytes | np.ndarray
    sent_vectors: np.ndarray  # float16 (m, dim): unit vectors of the sentences, for answers
    doc_ptr: np.ndarray       # int64 (d + 1): byte offsets of each document's text in doc_text
    doc_text: bytes | np.ndarray     # every document's text (extracted, for PDF, HTML, DOCX)
    bm25_ptr: np.ndarray
    bm25_docs: np.ndarray
    bm25_weights: np.ndarray
    bm25_vocab: list[str]
    sections: list[str]       # heading paths ("Install > Linux") that chunk_loc and sent_meta name

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_meta.shape[0])

    def text(self, i: int) -> str:
        """Chunk i's text."""
        return _slice(self.chunk_text, self.text_ptr, i)

    def sentence(self, row: int) -> str:
        """Sentence row `row`'s text."""
        return _slice(self.sent_text, self.sent_text_ptr, row)

    def document(self, i: int) -> str:
        """Document i's whole text (what every offset into it refers to)."""
        return _slice(self.doc_text, self.doc_ptr, i)

    def section(self, i: int) -> str | None:
        return self.sections[i] if 0 <= i < len(self.sections) else None


def _slice(blob: bytes | np.ndarray, ptr: np.ndarray, i: int) -> str:
    lo, hi = int(ptr[i]), int(ptr[i + 1])
    return bytes(blob[lo:hi]).decode("utf-8")


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Claim the index folder (see `indexdir`: citeqa writes only into an empty folder or its
    own index) and hold its build lock; a second build fails fast instead of waiting."""
    with indexdir.building(index_dir, {"format": FORMAT, "format_version": FORMAT_VERSION}):
        yield


def claim(index_dir: Path) -> None:
    """Make sure citeqa may write into `index_dir` (an empty or new folder, or its own index),
    creating and marking it; for writing into it before a build (see `indexdir`)."""
    try:
        indexdir.claim(index_dir, {"format": FORMAT, "format_version": FORMAT_VERSION})
    except OSError as err:
        raise indexdir.write_error(index_dir, err) from None


def check_corpus(index_dir: Path, corpus: Path, force: bool = False) -> None:
    """Refuse to build into `index_dir` when it is the corpus folder itself, or (unless
    `force`) when it holds the index of another corpus folder that still exists; refuse the
    root folder as a corpus."""
    from .staleness import check_corpus_folder

    check_corpus_folder(corpus)
    if _same_folder(index_dir, corpus):
        raise IndexFolderError(f"the index folder {index_dir} is the corpus folder; keep the "
                               f"index in a folder of its own", path=index_dir)
    old = _raw_manifest(index_dir).get("corpus")
    if force or not isinstance(old, str):
        return
    old_corpus = (index_dir / old).resolve()
    if old_corpus.is_dir() and not _same_folder(old_corpus, corpus):
        raise IndexFolderError(f"the folder {index_dir} holds the index of another corpus, "
                               f"{old_corpus}", path=index_dir, corpus=corpus, remedy="replace")


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation folder, recorded in the folder's journal before it is made
    (call with the build lock held)."""
    name = f"{GEN_PREFIX}{uuid.uuid4().hex[:12]}"
    indexdir.add_to_journal(index_dir, [name])
    gen = index_dir / name
    gen.mkdir()
    return gen


def write_faiss(path: Path, index: Any) -> None:
    """Write a FAISS index through Python's file layer, so that a full disk raises an OSError
    naming the cause and the file (FAISS's own writer raises a RuntimeError naming neither)."""
    import faiss

    with indexdir.naming(path), path.open("wb") as f:
        faiss.write_index(index, faiss.PyCallbackIOWriter(f.write))  # type: ignore[attr-defined]


def save_array(path: Path, array: np.ndarray) -> None:
    """`np.save` through Python's file layer (numpy writes a real file with fwrite, whose
    failure says "N requested and M written", naming neither the cause nor the file)."""
    with indexdir.naming(path), path.open("wb") as f:
        np.save(_Sink(f), np.ascontiguousarray(array), allow_pickle=False)


def write_bytes(path: Path, data: bytes) -> None:
    """`path.write_bytes(data)`, an OSError naming the file."""
    with indexdir.naming(path):
        path.write_bytes(data)


class _Sink:
    """A writable that numpy does not take for a real file."""

    def __init__(self, f: Any):
        self.f = f

    def write(self, data: bytes) -> int:
        return int(self.f.write(data))


def write_tables(gen: Path, tables: Tables) -> None:
    """Write the chunk, sentence and BM25 tables into a generation folder."""
    for name in ARRAYS:
        save_array(gen / f"{name}.npy", getattr(tables, name))
    for name in BLOBS:
        write_bytes(gen / f"{name}.bin", bytes(getattr(tables, name)))
    for name in ("bm25_vocab", "sections"):
        write_bytes(gen / f"{name}.json",
                    json.dumps(getattr(tables, name), ensure_ascii=False).encode("utf-8"))


def commit(index_dir: Path, gen: Path, manifest: dict[str, Any]) -> None:
    """Checksum and fsync the generation, then atomically make it the current index."""
    old_encoder = _raw_manifest(index_dir).get("encoder")
    manifest = dict(manifest, format=FORMAT, format_version=FORMAT_VERSION,
                    generation=gen.name, previous_generation=_current_generation(index_dir),
                    previous_encoder=old_encoder.get("file") if isinstance(old_encoder, dict)
                    and _is_rel_path(old_encoder.get("file")) else None,
                    files={})
    for path in sorted(gen.iterdir()):
        fsync_path(path)
        st = path.stat()
        manifest["files"][path.name] = {"sha256": sha256_file(path), "size": st.st_size,
                                        "mtime_ns": st.st_mtime_ns, "ino": st.st_ino}
    fsync_path(gen)
    with indexdir.naming(index_dir / MANIFEST):
        write_json_atomic(index_dir / MANIFEST, manifest)
    remove_unused(index_dir, keep=gen.name)


def remove_unused(index_dir: Path, keep: str | None = None) -> None:
    """Delete the generation folders and encoder exports that builds made here and that no
    manifest uses any more (left by a killed build, or replaced), and temporary files; call
    with the build lock held. The current generation and encoder stay, and so do the ones they
    replaced: a reader that read the manifest just before the switch may still be loading them.
    """
    indexdir.remove_unused(index_dir, [keep] if keep else [])


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


def saved_settings(index_dir: Path) -> BuildSettings | None:
    """The build settings an existing index was made with, or None when there is no readable
    index: a refresh keeps them unless it is told otherwise."""
    try:
        return BuildSettings.from_dict(read_manifest(index_dir)["settings"])
    except (CiteqaError, TypeError, ValueError):
        return None


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


def verify_files(index_dir: Path, manifest: dict[str, Any], full: bool = True) -> Path:
    """Check every file of the current generation against its size and sha256.

    Unless `full`, a file is hashed only when its modification time or inode differ from the
    ones recorded at build (generation files are never written after it, so a file with both
    unchanged holds the bytes it was hashed with); its size is always checked.
    """
    gen = index_dir / str(manifest["generation"])
    files = manifest["files"]
    missing = [name for name in FILES if name not in files]
    if missing:
        raise corrupt(index_dir, f"its manifest does not list {', '.join(missing)}")
    for name, info in sorted(files.items()):
        problem = _file_problem(gen / name, info, full)
        if problem:
            raise corrupt(index_dir, f"{gen.name}/{name} {problem}")
    return gen


def verify_encoder(index_dir: Path, manifest: dict[str, Any]) -> None:
    """Check the index's encoder export against the size and sha256 its manifest records."""
    entry = manifest.get("encoder")
    if not isinstance(entry, dict) or not _is_rel_path(entry.get("file")):
        raise corrupt(index_dir, "its manifest names no encoder export", manifest)
    path = index_dir / entry["file"]
    problem = _file_problem(path, entry) if _has(entry, sha256=_is_str, size=_is_int) else \
        "has no recorded size and checksum"
    if problem:
        raise corrupt(index_dir, f"its encoder export {entry['file']} {problem}", manifest)


def load_tables(gen: Path, n_chunks: int, mmap: bool = True) -> Tables:
    """Load a generation's tables and refuse them when their row counts disagree."""
    try:
        arrays = {a: np.load(gen / f"{a}.npy", mmap_mode="r" if mmap else None,
                             allow_pickle=False)
                  for a in ARRAYS}
        lists = {name: json.loads((gen / f"{name}.json").read_text(encoding="utf-8"))
                 for name in ("bm25_vocab", "sections")}
        blobs = {name: _blob(gen / f"{name}.bin", mmap) for name in BLOBS}
    except (OSError, ValueError) as err:
        raise corrupt(gen.parent, f"a table cannot be read ({err})") from None
    for name, values in lists.items():
        if not isinstance(values, list) or not all(isinstance(t, str) for t in values):
            raise corrupt(gen.parent, f"its {name} is not a list of strings")
    fields: dict[str, Any] = {**arrays, **blobs, **lists}
    tables = Tables(**fields)
    _check_shapes(gen.parent, tables, n_chunks)
    return tables


def _blob(path: Path, mmap: bool) -> bytes | np.ndarray:
    """A .bin text file, memory-mapped when asked (an empty file cannot be mapped)."""
    if mmap and path.stat().st_size:
        return np.memmap(path, dtype=np.uint8, mode="r")
    return path.read_bytes()


def write_sources(gen: Path, documents: list[dict[str, Any]]) -> None:
    """Write the indexed documents (`source`, `sha256`, `title`, `date`, `chunks` each) into a
    generation: their names apart, as opening needs only those."""
    write_bytes(gen / SOURCES, _json([d["source"] for d in documents]))
    write_bytes(gen / DOCUMENTS, _json({k: [d[k] for d in documents] for k in DOCUMENT_FIELDS}))


def load_sources(gen: Path, manifest: dict[str, Any]) -> list[str]:
    """The indexed documents' names, as many as the manifest says."""
    names = _read_json(gen, SOURCES)
    if not isinstance(names, list) or not set(map(type, names)) <= {str} \
            or len(names) != manifest["documents"]:
        raise corrupt(gen.parent, f"its list of sources is not the {manifest['documents']} names "
                                  f"the manifest counts", manifest)
    return names


def load_documents(gen: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """What the build recorded of each indexed document: source, sha256, title, date, chunks."""
    names = load_sources(gen, manifest)
    columns = _read_json(gen, DOCUMENTS)
    if not isinstance(columns, dict) or any(not isinstance(columns.get(k), list)
                                            or len(columns[k]) != len(names)
                                            for k in DOCUMENT_FIELDS):
        raise corrupt(gen.parent, "its document records disagree with its sources", manifest)
    return [{"source": name, **{k: columns[k][i] for k in DOCUMENT_FIELDS}}
            for i, name in enumerate(names)]


def write_seen(gen: Path, seen: Seen) -> None:
    """Write the state of every corpus file the build saw (see `staleness.Seen`)."""
    save_array(gen / SEEN, seen.rows)
    write_bytes(gen / SEEN_NAMES, _json(seen.names))


def load_seen(gen: Path, manifest: dict[str, Any]) -> Seen:
    """The state of every corpus file the build saw, checked for shape and order."""
    from .staleness import SEEN_DTYPE, Seen

    names = _read_json(gen, SEEN_NAMES)
    try:
        rows = np.load(gen / SEEN, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise corrupt(gen.parent, f"its corpus state cannot be read ({err})", manifest) from None
    if rows.dtype != SEEN_DTYPE or rows.ndim != 1 or not isinstance(names, list) \
            or len(names) != len(rows) or len(names) != manifest["corpus_files"] \
            or not set(map(type, names)) <= {str} or len(set(names)) != len(names):
        raise corrupt(gen.parent, "its record of the corpus files is not a table of the "
                                  f"{manifest['corpus_files']} files the manifest counts, one "
                                  f"row each", manifest)
    return Seen(names, rows)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _read_json(gen: Path, name: str) -> Any:
    try:
        return json.loads((gen / name).read_bytes())
    except (OSError, ValueError) as err:
        raise corrupt(gen.parent, f"{gen.name}/{name} cannot be read ({err})") from None


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
    "previous_encoder": lambda v: v is None or _is_rel_path(v),
    "files": lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and _FILE_NAME.fullmatch(k) and _has(e, sha256=_is_str, size=_is_int)
        for k, e in v.items()),
    "settings": lambda v: isinstance(v, dict),
    "documents": lambda v: _is_int(v) and v >= 0,
    "corpus_files": lambda v: _is_int(v) and v >= 0,
    "chunk_count": lambda v: _is_int(v) and v >= 0,
    "model": lambda v: isinstance(v, dict),
    "corpus": _is_str,
    "encoder": lambda v: _has(v, file=_is_rel_path, size=_is_int, mtime_ns=_is_int, sha256=_is_str),
}


def _file_problem(path: Path, info: dict[str, Any], full: bool = True) -> str | None:
    """Why one index file does not match its manifest entry, or None (unless `full`, the
    file is hashed only when its times or inode moved since the build)."""
    try:
        if not path.is_file():
            return "is missing"
        st = path.stat()
        if st.st_size != info["size"]:
            return (f"is {st.st_size} bytes, the manifest says {info['size']} (truncated or "
                    f"overwritten)")
        if not full and (st.st_mtime_ns, st.st_ino) == (info.get("mtime_ns"), info.get("ino")):
            return None
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
    if t.chunk_loc.shape != (n, 2):
        problems.append(f"chunk locations have shape {t.chunk_loc.shape}")
    if t.sent_ptr.shape != (n + 1,) or t.sent_spans.ndim != 2 or t.sent_spans.shape[1] != 2 \
            or int(t.sent_ptr[-1]) != t.sent_spans.shape[0]:
        problems.append("sentence table disagrees with the chunk table")
    else:
        m = t.sent_spans.shape[0]
        if t.sent_vectors.ndim != 2 or t.sent_vectors.shape[0] != m:
            problems.append("sentence vectors disagree with the sentence table")
        if t.sent_meta.shape != (m, 5) or t.sent_text_ptr.shape != (m + 1,) \
                or int(t.sent_text_ptr[-1]) != len(t.sent_text):
            problems.append("sentence texts disagree with the sentence table")
    if t.doc_ptr.ndim != 1 or not len(t.doc_ptr) or int(t.doc_ptr[-1]) != len(t.doc_text):
        problems.append("document texts disagree with their offsets")
    elif n and int(t.chunk_meta[:, 0].max()) >= len(t.doc_ptr) - 1:
        problems.append("chunks point past the stored documents")
    if t.bm25_ptr.shape != (len(t.bm25_vocab) + 1,) or t.bm25_docs.ndim != 1 \
            or t.bm25_weights.shape != t.bm25_docs.shape \
            or int(t.bm25_ptr[-1]) != t.bm25_docs.shape[0]:
        problems.append("BM25 postings disagree with the vocabulary")
    elif t.bm25_docs.size and not _postings_in_range(t, n):
        problems.append("BM25 rows point outside the chunk table")
    if problems:
        raise corrupt(index_dir, f"its stores disagree ({'; '.join(problems)}; the manifest "
                                  f"says {n} chunks)")


def _postings_in_range(t: Tables, n: int) -> bool:
    """Every term's posting list starts at a chunk >= 0 and ends below `n`: each list is
    sorted by chunk, so its ends bound it (a check of the vocabulary's size, not of every
    posting: a million chunks have tens of millions)."""
    ptr = np.asarray(t.bm25_ptr)
    full = ptr[1:] > ptr[:-1]
    firsts, lasts = t.bm25_docs[ptr[:-1][full]], t.bm25_docs[ptr[1:][full] - 1]
    return bool(firsts.size == 0 or (int(firsts.min()) >= 0 and int(lasts.max()) < n))


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


def verify_index(index_dir: Path) -> tuple[dict[str, Any], Changes]:
    """Check every file of the index against its sha256, the encoder export included whatever
    its times say (IndexCorruptError when one differs), and hash every corpus file: the
    manifest, and what changed in the corpus since the build."""
    from .staleness import compare

    manifest = read_manifest(index_dir)
    gen = verify_files(index_dir, manifest)
    verify_encoder(index_dir, manifest)
    corpus = (index_dir / str(manifest.get("corpus", ""))).resolve()
    return manifest, compare(corpus, load_seen(gen, manifest), verify=True)
