"""The int8 encoder (`BuildSettings.encoder_precision`): an index built with it embeds within
the promised cosine of the float one, its export really is quantized, and a change of
precision re-embeds every chunk instead of mixing vectors of two encoders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from citeqa import BuildSettings
from citeqa.building import build
from citeqa.quantize import MIN_COSINE

pytestmark = pytest.mark.model


def vectors_and_texts(index_dir: Path) -> tuple[np.ndarray, list[str], dict]:
    """The stored chunk vectors, the chunks' texts and the manifest of an index."""
    import faiss

    from citeqa import store

    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    gen = index_dir / manifest["generation"]
    vectors = faiss.read_index(str(gen / "vectors.faiss"))
    tables = store.load_tables(gen, int(manifest["chunk_count"]))
    texts = [tables.text(i) for i in range(tables.n_chunks)]
    return vectors.reconstruct_n(0, vectors.ntotal), texts, manifest


def op_types(path: Path) -> set[str]:
    import onnx

    return {node.op_type for node in onnx.load(str(path)).graph.node}


def test_an_int8_index_is_close_to_the_float_one_and_a_switch_reembeds(
        seed_corpus: Path, seed_index_dir: Path, tmp_path: Path) -> None:
    # Built by the CLI with a cache that holds only the float export, so the int8 one is made
    # in that process, which must print nothing but its summary (the quantizer logs a line
    # per matrix unless kept quiet).
    cache = tmp_path / "cache"
    cache.mkdir()
    for export in Path(os.environ["CITEQA_CACHE_DIR"]).glob("*.onnx"):
        if "int8" not in export.name:
            shutil.copy(export, cache / export.name)
    path = tmp_path / "index"
    run = subprocess.run([str(Path(sys.executable).parent / "citeqa"), "index", str(seed_corpus),
                          "--index", str(path), "--encoder-precision", "int8", "--quiet"],
                         capture_output=True, text=True, env={**os.environ,
                                                              "CITEQA_CACHE_DIR": str(cache)})
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    assert any("int8" in p.name for p in cache.glob("*.onnx"))
    got, texts, manifest = vectors_and_texts(path)
    want, want_texts, float_manifest = vectors_and_texts(seed_index_dir)
    assert manifest["settings"]["encoder_precision"] == "int8"
    assert texts == want_texts and got.shape == want.shape
    cosine = (got * want).sum(axis=1)
    assert cosine.min() >= MIN_COSINE
    assert cosine.min() < 0.99999        # other weights, so not the float vectors
    assert "MatMulNBits" in op_types(path / manifest["encoder"]["file"])
    assert "MatMulNBits" not in op_types(seed_index_dir / float_manifest["encoder"]["file"])

    back = build(seed_corpus, path, BuildSettings())   # the same corpus, float again
    assert back.rebuilt and back.reused == 0 and back.embedded == back.chunks
    again, _, manifest = vectors_and_texts(path)
    assert manifest["settings"]["encoder_precision"] == "float32"
    assert (again * want).sum(axis=1).min() >= 0.9999



def test_without_the_quantizer_an_int8_build_fails_in_one_line(seed_corpus: Path,
                                                                tmp_path: Path) -> None:
    # A Python where onnx-ir cannot be imported (None in sys.modules makes the import fail).
    code = ("import sys; sys.modules['onnx_ir'] = None; from citeqa.cli import main; "
            "sys.exit(main())")
    cache = tmp_path / "cache"
    cache.mkdir()
    run = subprocess.run([sys.executable, "-c", code, "index", str(seed_corpus), "--index",
                          str(tmp_path / "index"), "--encoder-precision", "int8", "--quiet"],
                         capture_output=True, text=True,
                         env={**os.environ, "CITEQA_CACHE_DIR": str(cache)})
    assert run.returncode != 0
    assert "int8 encoder cannot be made" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "index").exists()
