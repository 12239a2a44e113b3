"""`Index`: the one object users hold — build or open an index, then search and ask."""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .answering import Answerer
from .errors import IndexCorruptError, ModelError, StaleIndexError, UsageError
from .fileio import sha256_file
from .fusion import Fusion, fusion
from .lexical import BM25, make_tokenizer
from .records import Answer, Hit
from .retrieval import Retriever, check_args
from .settings import BuildSettings, QueryOptions, query_options
from .staleness import Changes, Seen, compare

if TYPE_CHECKING:
    from .building import BuildReport

MAX_QUESTION_CHARS = 2000


class Index:
    """An opened index of a corpus folder (see `Index.build` and `Index.open`).

    Build settings are read from the index; query options are `options` (defaults in code),
    and any of them can be overridden per call: `idx.ask(q, abstain_threshold=0.7)`.
    """

    def __init__(self, path: Path, manifest: dict[str, Any], retriever: Retriever,
                 answerer: Answerer, encoder: Any, changes: Changes, options: QueryOptions):
        self.path = path
        self.manifest = manifest
        self.retriever = retriever
        self.answerer = answerer
        self._encoder = encoder  # the encoder, or a `Loading` one
        self.changes = changes
        self.options = options
        self.settings = BuildSettings.from_dict(manifest["settings"])
        self.report: BuildReport | None = None
        self._fusion = fusion(options.fusion, options.rrf_k)

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def build(cls, corpus: str | Path = "seeds", index_dir: str | Path = "index",
              settings: BuildSettings | None = None, *, force: bool = False,
              progress: bool = False, options: QueryOptions | None = None) -> Index:
        """Build (or refresh, when the corpus or build settings changed) and open the index.
        Without `settings`, an existing index keeps the settings it was built with."""
        _check_path("corpus", corpus)
        _check_path("index_dir", index_dir)
        _check_type("settings", settings, BuildSettings)
        from .building import build

        settings = settings or store.saved_settings(Path(index_dir)) or BuildSettings()
        report = build(Path(corpus), Path(index_dir), settings, force=force, progress=progress)
        index = cls.open(index_dir, options)
        index.report = report
        return index

    @classmethod
    def open(cls, index_dir: str | Path = "index", options: QueryOptions | None = None, *,
             allow_stale: bool = False, verify: bool = False) -> Index:
        """Open a built index, to be queried with `options` (default `QueryOptions()`).

        A stale index (its corpus changed since the build) raises `StaleIndexError` unless
        `allow_stale` is set, in which case answers come from the old index and say so.
        Index files are checked by size and hashed when their times moved since the build;
        `verify` hashes every file and the encoder export.
        """
        _check_path("index_dir", index_dir)
        _check_type("options", options, QueryOptions)
        path = Path(index_dir)
        before = store.current_generation(path)
        try:
            manifest, retriever, answerer, encoder, seen = _load(path, verify)
        except IndexCorruptError:
            # A build may have replaced the generation while we read it: read the new one.
            if store.current_generation(path) in (None, before):
                raise
            manifest, retriever, answerer, encoder, seen = _load(path, verify)
        changes = compare(_corpus_path(path, manifest), seen)
        if changes and not allow_stale:
            raise StaleIndexError(f"the index at {path} is out of date: {changes.summary()}",
                                  path=path, corpus=_corpus_path(path, manifest))
        return cls(path, manifest, retriever, answerer, encoder, changes,
                   options or QueryOptions())

    # ---- what it holds ------------------------------------------------------------------
    @property
    def encoder(self) -> Any:
        """The query encoder (ONNX Runtime), waiting for it when it is still being loaded."""
        if isinstance(self._encoder, Loading):
            self._encoder = self._encoder.get()
        return self._encoder

    @property
    def corpus(self) -> Path:
        """The corpus folder this index was built from."""
        return _corpus_path(self.path, self.manifest)

    @property
    def chunk_count(self) -> int:
        return int(self.manifest["chunk_count"])

    @property
    def sources(self) -> list[str]:
        """The indexed documents' names, relative to the corpus folder."""
        return list(self.retriever.sources)

    @property
    def generation(self) -> str:
        """The name of the generation this object has loaded."""
        return str(self.manifest["generation"])

    def is_current(self) -> bool:
        """False once a newer build has made another generation current."""
        return store.current_generation(self.path) in (None, self.generation)

    def text(self, source: str) -> str:
        """The text of `source` as indexed, which every offset of its hits and citations refers
        to (for PDF, HTML and DOCX files, the text extracted from them); KeyError when the
        index holds no such source."""
        try:
            i = self.retriever.sources.index(source)
        except ValueError:
            raise KeyError(source) from None
        return self.retriever.tables.document(i)

    def passages(self) -> list[tuple[int, str, int, int]]:
        """Every indexed passage as (chunk id, source, start, end)."""
        return self.retriever.passages()

    # ---- queries ------------------------------------------------------------------------
    def search(self, question: str, k: int = 10, mode: str = "hybrid", **options: Any
               ) -> list[Hit]:
        """The `k` best passages for `question`; mode is bm25, dense or hybrid; keyword
        arguments override query options for this call."""
        opts, fuse = self._query(options)
        check_args(k, mode)
        question = clean_question(question)
        vector = self.encoder.encode([question])[0] if mode != "bm25" else None
        return self.retriever.search(question, k, mode, opts, fuse, vector)

    def ask(self, question: str, k: int | None = None, mode: str = "hybrid", **options: Any
            ) -> Answer:
        """An extractive answer with citations from the `k` best passages, or an abstention;
        keyword arguments override query options for this call."""
        opts, fuse = self._query(options)
        k = opts.answer_passages if k is None else k
        check_args(k, mode)
        question = clean_question(question)
        vector = self.encoder.encode([question])[0]
        hits = self.retriever.search(question, k, mode, opts, fuse, vector)
        answer = self.answerer.answer(question, vector, hits, opts)
        return replace(answer, stale=True) if self.changes else answer

    def _query(self, overrides: dict[str, Any]) -> tuple[QueryOptions, Fusion]:
        """The options of one call, and its fusion method (the one chosen at open unless the
        call changes it)."""
        opts = query_options(self.options, overrides)
        if (opts.fusion, opts.rrf_k) == (self.options.fusion, self.options.rrf_k):
            return opts, self._fusion
        return opts, fusion(opts.fusion, opts.rrf_k)


def _load(path: Path, verify: bool = False
          ) -> tuple[dict[str, Any], Retriever, Answerer, Loading, Seen]:
    """Read, check (`verify`: hash every file) and load the current generation at `path`, and
    what the build saw of the corpus; the encoder is loaded meanwhile, in a thread."""
    manifest = store.read_manifest(path)
    gen = store.verify_files(path, manifest, full=verify)
    if verify:
        store.verify_encoder(path, manifest)
    encoder = _load_encoder(path, manifest)
    settings = BuildSettings.from_dict(manifest["settings"])  # read_manifest has checked it
    n = int(manifest["chunk_count"])
    tables = store.load_tables(gen, n)
    vectors = _load_vectors(gen / "vectors.faiss", n, path)
    bm25 = BM25({t: i for i, t in enumerate(tables.bm25_vocab)}, tables.bm25_ptr,
                tables.bm25_docs, tables.bm25_weights, n)
    sources = store.load_sources(gen, manifest)
    seen = store.load_seen(gen, manifest)
    if int(tables.chunk_meta[:, 0].max(initial=-1)) >= len(sources):
        raise store.corrupt(path, "chunks point past the list of sources", manifest)
    tokenize = make_tokenizer(settings.tokenizer, settings.trim_underscores)
    retriever = Retriever(tables, bm25, vectors, sources, tokenize)
    answerer = Answerer(tables, tokenize, bm25)
    return manifest, retriever, answerer, encoder, seen


def _check_path(name: str, value: object) -> None:
    if not isinstance(value, (str, os.PathLike)):
        raise UsageError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")


def _check_type(name: str, value: object, kind: type) -> None:
    if value is not None and not isinstance(value, kind):
        raise UsageError(f"{name} must be a citeqa.{kind.__name__} or None, got "
                         f"{type(value).__name__}")


def clean_question(question: str) -> str:
    """The question with control characters made spaces; refuse empty or overlong ones."""
    if not isinstance(question, str):
        raise UsageError(f"question must be a str, got {type(question).__name__}")
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise UsageError("question is empty; ask something in words")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise UsageError(f"question is {len(cleaned)} characters long; the limit is "
                         f"{MAX_QUESTION_CHARS}: shorten it")
    return cleaned


def _corpus_path(path: Path, manifest: dict[str, Any]) -> Path:
    return (path / str(manifest.get("corpus", ""))).resolve()


def _load_vectors(file: Path, n: int, path: Path) -> Any:
    import faiss

    from .embedding import DIMENSION

    try:
        # Mapped, not read: pages are loaded as searches touch them, so opening a million
        # vectors takes no time (the generation's files are never written after the build).
        index = faiss.read_index(str(file), faiss.IO_FLAG_MMAP_IFC)
    except RuntimeError as err:
        raise store.corrupt(path, f"its vectors cannot be read ({str(err).splitlines()[0]})") from None
    if index.ntotal != n or index.d != DIMENSION:
        raise store.corrupt(path, f"it holds {index.ntotal} vectors of dimension {index.d}, the "
                             f"manifest says {n} of dimension {DIMENSION}")
    return index


class Loading:
    """A value made by `load` in a thread of its own, started at once; `get` waits for it and
    returns it, or raises what `load` raised. The query encoder is loaded this way at open, so
    that reading the index and checking the corpus go on meanwhile (ONNX Runtime builds its
    session mostly outside the interpreter lock)."""

    def __init__(self, load: Callable[[], Any]):
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(load,), name="citeqa-encoder")
        self._thread.start()

    def _run(self, load: Callable[[], Any]) -> None:
        try:
            self._value = load()
        except BaseException as err:  # handed to the caller of get
            self._error = err

    def get(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _load_encoder(path: Path, manifest: dict[str, Any]) -> Loading:
    """Check the index's encoder export (size, and sha256 when its mtime moved), then load it
    in a thread; loading errors are raised on first use."""
    from .embedding import DIMENSION, MODEL_NAME

    model = manifest["model"]
    if model.get("name") != MODEL_NAME or model.get("dimension") != DIMENSION:
        raise store.corrupt(path, f"it was built with model {model.get('name')} "
                             f"(dimension {model.get('dimension')}), the installed model is "
                             f"{MODEL_NAME} (dimension {DIMENSION})", manifest)
    enc = manifest.get("encoder", {})
    file = path / str(enc.get("file", ""))
    if not enc.get("file") or not file.is_file() or file.stat().st_size != enc.get("size"):
        raise store.corrupt(path, "its encoder export is missing or incomplete", manifest)
    # Hashing 90 MB costs more than the rest of a cold start, so the export is hashed only
    # when its modification time differs from the one recorded when it was checked at build.
    if file.stat().st_mtime_ns != enc.get("mtime_ns") and sha256_file(file) != enc.get("sha256"):
        raise store.corrupt(path, "its encoder export does not match its checksum", manifest)
    return Loading(lambda: _encoder(path, file, manifest))


def _encoder(path: Path, file: Path, manifest: dict[str, Any]) -> Any:
    from .embedding import OnnxEncoder

    try:
        return OnnxEncoder(file, threads=1)  # one query: a second thread costs more than it gives
    except ModelError as err:
        raise store.corrupt(path, f"its encoder export cannot be loaded ({err})", manifest
                            ) from None
