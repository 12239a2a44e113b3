"""The int8 encoder (`BuildSettings.encoder_precision`, the default): an index built with it
embeds within the promised cosine of the float one, its export really is quantized, a refresh
keeps it and reuses its vectors, and a change of precision re-embeds every chunk instead of
mixing vectors of two encoders."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from index_tools import stored

from citeqa import BuildSettings, Index
from citeqa.building import build
from citeqa.exports import find, model_key
from citeqa.quantize import MIN_COSINE

CITEQA = str(Path(sys.executable).parent / "citeqa")


def vectors_and_texts(index_dir: Path) -> tuple[np.ndarray, list[str], dict]:
    """The stored chunk vectors, the chunks' texts and the manifest of an index."""
    manifest, tables, vectors = stored(index_dir)
    return vectors, [tables.text(i) for i in range(tables.n_chunks)], manifest


def op_types(path: Path) -> set[str]:
    import onnx

    return {node.op_type for node in onnx.load(str(path)).graph.node}


def float_only_cache(cache: Path) -> Path:
    """A cache folder holding only the session's float export (made by the seed index)."""
    cache.mkdir()
    for export in Path(os.environ["CITEQA_CACHE_DIR"]).glob("*.onnx"):
        if "int8" not in export.name:
            shutil.copy(export, cache / export.name)
    return cache


def cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CITEQA, *args], capture_output=True, text=True,
                          env={**os.environ, "CITEQA_CACHE_DIR": str(cache)})


@pytest.mark.model
def test_an_int8_index_is_close_to_the_float_one_and_a_switch_reembeds(
        seed_corpus: Path, tmp_path: Path) -> None:
    # Built by the CLI (int8 is the default) with a cache that holds only the float export, so
    # the int8 one is made in that process, which must print nothing but its summary (the
    # quantizer logs a line per matrix unless kept quiet).
    cache = float_only_cache(tmp_path / "cache")
    corpus = tmp_path / "corpus"
    shutil.copytree(seed_corpus, corpus)
    path = tmp_path / "index"
    run = cli("index", str(corpus), "--index", str(path), "--quiet", cache=cache)
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    assert any("int8" in p.name for p in cache.glob("*.onnx"))
    float_index = tmp_path / "float"
    build(seed_corpus, float_index, BuildSettings(encoder_precision="float32"))
    got, texts, manifest = vectors_and_texts(path)
    want, want_texts, float_manifest = vectors_and_texts(float_index)
    assert manifest["settings"]["encoder_precision"] == "int8"
    assert manifest["model"]["precision"] == "int8"     # older versions then reuse nothing
    assert float_manifest["settings"]["encoder_precision"] == "float32"
    assert texts == want_texts and got.shape == want.shape
    cosine = (got * want).sum(axis=1)
    assert cosine.min() >= MIN_COSINE
    assert cosine.min() < 0.99999        # other weights, so not the float vectors
    assert "MatMulNBits" in op_types(path / manifest["encoder"]["file"])
    assert "MatMulNBits" not in op_types(float_index / float_manifest["encoder"]["file"])

    # A refresh by the CLI keeps the precision and reuses the unchanged chunks' vectors.
    (corpus / "zz_note.txt").write_text("The delegation later visited a shipyard in Kobe.\n",
                                        encoding="utf-8")
    run = cli("index", "--index", str(path), "--json", cache=cache)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["reused"] == len(texts) and report["embedded"] == 1
    refreshed, _, manifest = vectors_and_texts(path)
    assert manifest["settings"]["encoder_precision"] == "int8"
    assert np.array_equal(refreshed[:len(texts)], got)

    # Float weights asked for: every chunk embedded again, none reused from int8.
    back = build(corpus, path, BuildSettings(encoder_precision="float32"))
    assert back.rebuilt and back.reused == 0 and back.embedded == back.chunks
    again, _, manifest = vectors_and_texts(path)
    assert manifest["settings"]["encoder_precision"] == "float32"
    assert "precision" not in manifest["model"]
    assert (again[:len(texts)] * want).sum(axis=1).min() >= 0.9999

    # Refreshed through the API without settings: the index keeps its own (float32), so only
    # the new file is embedded.
    (corpus / "zz_more.txt").write_text("The shipyard builds patrol boats.\n", encoding="utf-8")
    kept = Index.build(corpus, path)
    assert kept.settings.encoder_precision == "float32"
    assert kept.report is not None and kept.report.embedded == 1
    assert kept.report.reused == back.chunks


def test_the_cache_finds_only_its_own_precision(tmp_path: Path) -> None:
    def export(name: str, data: bytes) -> Path:
        digest = hashlib.sha256(data).hexdigest()[:16]
        path = tmp_path / name.format(digest)
        path.write_bytes(data)
        return path

    int8 = export("abc-int8q1-e2-{}.onnx", b"int8 export")
    longer = export("abc-e2-int8-{}.onnx", b"an export of a longer key")
    assert find(tmp_path, "abc-e2") is None           # neither is taken for the float one
    assert int8.exists() and longer.exists()           # nor removed as damaged
    assert find(tmp_path, "abc-int8q1-e2") == (int8, hashlib.sha256(b"int8 export").hexdigest())
    damaged = tmp_path / "abc-e2-0123456789abcdef.onnx"
    damaged.write_bytes(b"not what the name says")
    assert find(tmp_path, "abc-e2") is None and not damaged.exists() and int8.exists()
    sound = export("abc-e2-{}.onnx", b"float export")
    assert find(tmp_path, "abc-e2") == (sound, hashlib.sha256(b"float export").hexdigest())


@pytest.mark.model
def test_without_the_quantizer_an_int8_build_fails_in_one_line(
        seed_corpus: Path, seed_index_dir: Path, tmp_path: Path) -> None:
    # A Python where onnx-ir cannot be imported (None in sys.modules makes the import fail).
    code = ("import sys; sys.modules['onnx_ir'] = None; from citeqa.cli import main; "
            "sys.exit(main())")
    cache = float_only_cache(tmp_path / "cache")
    run = subprocess.run([sys.executable, "-c", code, "index", str(seed_corpus), "--index",
                          str(tmp_path / "index"), "--encoder-precision", "int8", "--quiet"],
                         capture_output=True, text=True,
                         env={**os.environ, "CITEQA_CACHE_DIR": str(cache)})
    assert run.returncode != 0
    assert "int8 encoder cannot be made" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "index").exists()


def test_an_int8_key_does_not_extend_the_float_key() -> None:
    # Versions before the int8 encoder look their float export up as "<float key>-*.onnx".
    assert not model_key("int8").startswith(model_key() + "-")
    assert model_key("int8") != model_key()
