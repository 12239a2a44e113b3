"""How fast the single writer takes prepared groups: the corpus is read, chunked and counted
first (vectors filled with random unit rows, nothing embedded), then only the writer is timed.

    .venv/bin/python bench/writer_speed.py CORPUS
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from citeqa import writer
from citeqa.documents import find_sources
from citeqa.pipeline import Preparer, read_groups
from citeqa.settings import BuildSettings


def main() -> None:
    corpus = Path(sys.argv[1])
    config = BuildSettings()
    prep = Preparer(config, encoder=None)
    t = time.perf_counter()
    groups = [prep.read(g) for g in read_groups(find_sources(corpus)[0], 20_000_000, {})]
    t_read = time.perf_counter() - t
    rng = np.random.default_rng(0)
    for p in groups:
        v = rng.standard_normal(p.chunk_vectors.shape).astype(np.float32)
        p.chunk_vectors[:] = v / np.linalg.norm(v, axis=1, keepdims=True)
    n = sum(len(p.chunks) for p in groups)
    mb = sum(p.size for p in groups) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        gen = Path(tmp) / "gen-0"
        gen.mkdir()
        w = writer.GenerationWriter(gen, config)
        t = time.perf_counter()
        for p in groups:
            w.add(p)
        t_add = time.perf_counter() - t
        t = time.perf_counter()
        w.finish()
        t_finish = time.perf_counter() - t
    print(f"{mb:.1f} MB, {n} chunks: read, chunked, sentences and BM25 counts in {t_read:.1f} s; "
          f"writer add {t_add:.2f} s ({n / t_add:.0f} chunks/s, {mb / t_add * 60:.0f} MB/min), "
          f"finish {t_finish:.2f} s")


if __name__ == "__main__":
    main()
