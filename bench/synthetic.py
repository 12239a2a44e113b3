"""Deterministic synthetic corpora and vectors for the scale points of the benchmark.

Text: chunks of Zipf-distributed words, one chunk per line, 1,000 chunks per file.
Vectors: unit vectors from a low-rank model (48 latent dimensions plus noise), which, like
real sentence embeddings, have far fewer degrees of freedom than their 384 coordinates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CHUNKS_PER_FILE = 1000
WORDS_PER_CHUNK = 60
VOCABULARY = 50_000
LATENT = 48


def words(rng: np.random.Generator) -> np.ndarray:
    """A vocabulary of pronounceable made-up words."""
    syllables = np.array([c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"])
    picks = rng.integers(0, len(syllables), size=(VOCABULARY, 3))
    return np.array(["".join(syllables[p]) for p in picks])


def write_corpus(folder: Path, n_chunks: int, seed: int = 0) -> list[str]:
    """Write `n_chunks` chunk lines into files under `folder`; return the chunk texts."""
    rng = np.random.default_rng(seed)
    vocab = words(rng)
    folder.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    for f in range(0, n_chunks, CHUNKS_PER_FILE):
        n = min(CHUNKS_PER_FILE, n_chunks - f)
        ids = (rng.zipf(1.2, size=(n, WORDS_PER_CHUNK)) - 1) % VOCABULARY
        lines = [" ".join(vocab[row]) + "." for row in ids]
        (folder / f"doc{f // CHUNKS_PER_FILE:05d}.txt").write_text("\n".join(lines) + "\n",
                                                                 encoding="utf-8")
        texts.extend(lines)
    return texts


def vectors(n: int, dim: int = 384, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """`n` synthetic unit vectors and the latent map used to make matching queries."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((LATENT, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, 100_000):
        hi = min(n, lo + 100_000)
        z = rng.standard_normal((hi - lo, LATENT)).astype(np.float32)
        x = z @ basis + 0.3 * rng.standard_normal((hi - lo, dim)).astype(np.float32)
        out[lo:hi] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out, basis


def queries(basis: np.ndarray, n: int, seed: int = 2) -> np.ndarray:
    """Unit query vectors from the same latent model."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n, basis.shape[0])).astype(np.float32) @ basis
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def build_index(corpus: Path, index_dir: Path, vectors_cache: Path | None = None,
                config: object = None) -> Path:
    """An index of `corpus` (each non-empty line of each file one chunk and one sentence) with
    synthetic vectors, written through citeqa's own writer and commit: a real index for timing
    opens and queries without embedding anything. `vectors_cache` keeps the vector index of a
    size (an HNSW graph of a million vectors takes long to build) for the next run."""
    import shutil
    from unittest import mock

    from citeqa import exports, store, writer
    from citeqa.building import _manifest
    from citeqa.chunking import Chunk
    from citeqa.documents import find_sources, load_documents
    from citeqa.lexical import make_tokenizer
    from citeqa.pipeline import Prepared
    from citeqa.postings import count_terms
    from citeqa.segments import Segments
    from citeqa.settings import BuildSettings
    from citeqa.staleness import Seen, Watch

    config = config if isinstance(config, BuildSettings) else BuildSettings()
    tokenize = make_tokenizer(config.tokenizer)
    sources = find_sources(corpus)[0]
    watch = Watch(sources)
    docs, _ = load_documents(corpus)
    n = sum(1 for d in docs for line in d.text.split("\n") if line)
    all_vectors, _ = vectors(n)
    cached = vectors_cache / f"vectors-{n}.faiss" if vectors_cache else None
    real_write = writer.write_vectors

    def write_vectors(path: Path, blocks: object, count: int, cfg: BuildSettings) -> None:
        if cached is not None and cached.is_file():
            shutil.copyfile(cached, path)
            return
        real_write(path, blocks, count, cfg)  # type: ignore[arg-type]
        if cached is not None:
            shutil.copyfile(path, cached)

    with store.build_lock(index_dir), mock.patch.object(writer, "write_vectors", write_vectors):
        encoder = exports.in_index(index_dir, config.encoder_precision)
        gen = store.new_generation(index_dir)
        out = writer.GenerationWriter(gen, config)
        row = 0
        for doc in docs:
            chunks, start = [], 0
            for line_no, line in enumerate(doc.text.split("\n"), start=1):
                if line:
                    chunks.append(Chunk(len(chunks), doc.source, start, start + len(line),
                                        line_no, line_no, line))
                start += len(line) + 1
            m = len(chunks)
            spans = np.array([(c.start, c.end) for c in chunks], dtype=np.int64).reshape(-1, 2)
            meta = np.array([(c.line_start, c.line_end, 0, -1, 1) for c in chunks],
                            dtype=np.int64).reshape(-1, 5)
            seg = Segments(np.arange(m + 1, dtype=np.int64), spans, [c.text for c in chunks],
                           meta, np.tile(np.array([0, -1], dtype=np.int64), (m, 1)), [])
            vec = all_vectors[row:row + m]
            row += m
            out.add(Prepared(0, [doc], [], chunks, seg, [b""] * m, np.ones(m, dtype=bool), vec,
                             vec.astype(np.float16), count_terms([c.text for c in chunks],
                                                                tokenize)))
        out.finish()
        assert out.chunks == n
        seen = Seen.from_entries(watch.seen({d.source: d.sha256 for d in docs}))
        store.write_seen(gen, seen)
        store.commit(index_dir, gen, _manifest(corpus, index_dir, out.sources, out.chunks, seen,
                                               config, encoder))
    return index_dir


def write_small_files(folder: Path, n_files: int, lines_per_file: int = 2, seed: int = 0) -> None:
    """`n_files` small text files of `lines_per_file` synthetic chunk lines each, in 100 folders."""
    rng = np.random.default_rng(seed)
    vocab = words(rng)
    for f in range(n_files):
        ids = (rng.zipf(1.2, size=(lines_per_file, WORDS_PER_CHUNK)) - 1) % VOCABULARY
        lines = [" ".join(vocab[row]) + "." for row in ids]
        sub = folder / f"d{f % 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note{f:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
