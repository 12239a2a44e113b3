"""`Index`: the one object users hold — build or open an index, then search and ask."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .answering import candidate_sentences, compose, score_sentences
from .config import Config
from .errors import IndexCorruptError, ModelError, StaleIndexError
from .lexical import BM25, make_tokenizer
from .records import Answer, Hit
from .retrieval import Retriever, check_args
from .staleness import Changes, compare

if TYPE_CHECKING:
    from .building import BuildReport

MAX_QUESTION_CHARS = 2000


class Index:
    """An opened index of a corpus folder (see `Index.build` and `Index.open`)."""

    def __init__(self, path: Path, manifest: dict[str, Any], retriever: Retriever,
                 encoder: Any, changes: Changes):
        self.path = path
        self.manifest = manifest
        self.retriever = retriever
        self.encoder = encoder
        self.changes = changes
        self.report: BuildReport | None = None

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def build(cls, corpus: str | Path = "seeds", index_dir: str | Path = "index",
              config: Config | None = None, *, force: bool = False,
              progress: bool = False) -> Index:
        """Build (or refresh, when the corpus or build settings changed) and open the index."""
        _check_path("corpus", corpus)
        _check_path("index_dir", index_dir)
        _check_config(config)
        from .building import build  # imports the chunker; the query path does without it

        config = config or Config()
        report = build(Path(corpus), Path(index_dir), config, force=force, progress=progress)
        index = cls.open(index_dir, config)
        index.report = report
        return index

    @classmethod
    def open(cls, index_dir: str | Path = "index", config: Config | None = None, *,
             allow_stale: bool = False) -> Index:
        """Open a built index; query settings of `config` override the stored ones.

        A stale index (its corpus changed since the build) raises `StaleIndexError` unless
        `allow_stale` is set, in which case answers come from the old index and say so.
        """
        _check_path("index_dir", index_dir)
        _check_config(config)
        path = Path(index_dir)
        before = store.current_generation(path)
        try:
            manifest, retriever, encoder = _load(path, config)
        except IndexCorruptError:
            # A build may have replaced the generation while we read it: read the new one.
            if store.current_generation(path) in (None, before):
                raise
            manifest, retriever, encoder = _load(path, config)
        changes = compare(_corpus_path(path, manifest), manifest.get("seen", {}))
        if changes and not allow_stale:
            raise StaleIndexError(f"the index at {path} is out of date: {changes.summary()}; "
                                  f"refresh it with `citeqa index --index {path}` (or allow "
                                  f"answers from the old index with --allow-stale)")
        return cls(path, manifest, retriever, encoder, changes)

    # ---- queries ------------------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self.retriever.config

    @property
    def corpus(self) -> Path:
        """The corpus folder this index was built from."""
        return _corpus_path(self.path, self.manifest)

    @property
    def chunk_count(self) -> int:
        return int(self.manifest["chunk_count"])

    def passages(self) -> list[tuple[int, str, int, int]]:
        """Every indexed passage as (chunk id, source, start, end)."""
        sources = self.retriever.sources
        return [(i, sources[src], start, end) for i, (src, start, end, _, _)
                in enumerate(self.retriever.tables.chunk_meta.tolist())]

    def search(self, question: str, k: int = 10, mode: str = "hybrid") -> list[Hit]:
        """The `k` best passages for `question`; mode is bm25, dense or hybrid."""
        return self.retriever.search(clean_question(question), k, mode)

    def ask(self, question: str, k: int | None = None, mode: str = "hybrid") -> Answer:
        """An extractive answer with citations from the `k` best passages, or an abstention."""
        k = self.config.answer_passages if k is None else k
        check_args(k, mode)
        question = clean_question(question)
        vector = self.encoder.encode([question])[0]
        hits = self.retriever.search(question, k, mode, vector=vector)
        tables = self.retriever.tables
        sentences = candidate_sentences(hits, self._sentence_rows, tables.sent_spans)
        scores = score_sentences(question, vector, sentences, tables.sent_vectors,
                                 self.retriever.tokenize, self.config)
        answer = compose(question, hits, sentences, scores, self.config)
        return replace(answer, stale=True) if self.changes else answer

    def _sentence_rows(self, chunk: int) -> range:
        ptr = self.retriever.tables.sent_ptr
        return range(int(ptr[chunk]), int(ptr[chunk + 1]))


def _load(path: Path, config: Config | None) -> tuple[dict[str, Any], Retriever, Any]:
    """Read, verify and load the current generation of the index at `path`."""
    manifest = store.read_manifest(path)
    gen = store.verify_files(path, manifest)
    stored = Config.from_dict(manifest["config"])  # read_manifest has checked it
    config = stored.with_query_settings(config) if config else stored
    n = int(manifest["chunk_count"])
    tables = store.load_tables(gen, n)
    vectors = _load_vectors(gen / "vectors.faiss", n, path, config)
    encoder = _load_encoder(path, manifest)
    bm25 = BM25({t: i for i, t in enumerate(tables.bm25_vocab)}, tables.bm25_ptr,
                tables.bm25_docs, tables.bm25_weights, n)
    sources = [s["source"] for s in manifest["sources"]]
    if int(tables.chunk_meta[:, 0].max(initial=-1)) >= len(sources):
        raise store.corrupt(path, "chunks point past the list of sources")
    retriever = Retriever(tables, bm25, vectors, sources, make_tokenizer(config.tokenizer),
                          lambda q: encoder.encode([q])[0], config)
    return manifest, retriever, encoder


def _check_path(name: str, value: object) -> None:
    if not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")


def _check_config(config: object) -> None:
    if config is not None and not isinstance(config, Config):
        raise ValueError(f"config must be a citeqa.Config or None, got {type(config).__name__}")


def clean_question(question: str) -> str:
    """The question with control characters made spaces; refuse empty or overlong ones."""
    if not isinstance(question, str):
        raise ValueError(f"question must be a str, got {type(question).__name__}")
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise ValueError("question is empty; ask something in words")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise ValueError(f"question is {len(cleaned)} characters long; the limit is "
                         f"{MAX_QUESTION_CHARS}: shorten it")
    return cleaned


def _corpus_path(path: Path, manifest: dict[str, Any]) -> Path:
    return (path / str(manifest.get("corpus", ""))).resolve()


def _load_vectors(file: Path, n: int, path: Path, config: Config) -> Any:
    import faiss

    from .embedding import DIMENSION

    try:
        index = faiss.read_index(str(file))
    except RuntimeError as err:
        raise store.corrupt(path, f"its vectors cannot be read ({str(err).splitlines()[0]})") from None
    if index.ntotal != n or index.d != DIMENSION:
        raise store.corrupt(path, f"it holds {index.ntotal} vectors of dimension {index.d}, the "
                             f"manifest says {n} of dimension {DIMENSION}")
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = config.hnsw_ef_search
    return index


def _load_encoder(path: Path, manifest: dict[str, Any]) -> Any:
    from .embedding import DIMENSION, OnnxEncoder

    model = manifest["model"]
    default = Config()
    if model.get("name") != default.model_name or model.get("dimension") != DIMENSION:
        raise store.corrupt(path, f"it was built with model {model.get('name')} "
                             f"(dimension {model.get('dimension')}), the installed model is "
                             f"{default.model_name} (dimension {DIMENSION})")
    enc = manifest.get("encoder", {})
    file = path / str(enc.get("file", ""))
    if not enc.get("file") or not file.is_file() or file.stat().st_size != enc.get("size"):
        raise store.corrupt(path, "its encoder export is missing or incomplete")
    # Hashing 90 MB costs more than the rest of a cold start, so the export is hashed only
    # when its modification time differs from the one recorded when it was checked at build.
    if file.stat().st_mtime_ns != enc.get("mtime_ns") and \
            store.sha256_file(file) != enc.get("sha256"):
        raise store.corrupt(path, "its encoder export does not match its checksum")
    try:
        return OnnxEncoder(file, threads=1)  # one query: a second thread costs more than it gives
    except ModelError as err:
        raise store.corrupt(path, f"its encoder export cannot be loaded ({err})") from None


