"""Helpers for the reliability tests: cheap copies of the seed index, damage, checksums, results."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import citeqa
from citeqa import store
from citeqa.cli import main
from citeqa.fileio import sha256_file

QUESTIONS = ("Who was Japan's defence minister at the meeting?", "Meteor missile seeker",
             "What did the ministers agree about cyber security?")
Signature = list[tuple[str, int, str, int, int, float]]


def _copy_file(src: str, dst: str) -> str:
    """Hard-link the 90 MB encoder export (never written in place), copy everything else."""
    if src.endswith(".onnx"):
        os.link(src, dst)
        return dst
    return str(shutil.copy2(src, dst))


def clone(seed_corpus: Path, seed_index_dir: Path, dest: Path) -> tuple[Path, Path]:
    """A private copy of the seed corpus and its index under `dest`, the index pointing at it."""
    corpus = dest / "corpus"
    index = dest / "index"
    shutil.copytree(seed_corpus, corpus)
    shutil.copytree(seed_index_dir, index, copy_function=_copy_file)
    edit_manifest(index, lambda m: m.update(corpus=os.path.relpath(corpus, index)))
    return corpus, index


def manifest(index: Path) -> dict[str, Any]:
    """The index's manifest as stored."""
    data: dict[str, Any] = json.loads((index / store.MANIFEST).read_text(encoding="utf-8"))
    return data


def edit_manifest(index: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    """Rewrite the manifest after `change` has edited it in place."""
    data = manifest(index)
    change(data)
    (index / store.MANIFEST).write_text(json.dumps(data, indent=1), encoding="utf-8")


def generation(index: Path) -> Path:
    """The current generation folder."""
    return index / manifest(index)["generation"]


def stored(index: Path) -> tuple[dict[str, Any], store.Tables, Any]:
    """The manifest, the stored tables and the chunk vectors (rows in chunk order) of an index
    whose files verify."""
    import faiss

    data = manifest(index)
    gen = store.verify_files(index, data)
    vectors = faiss.read_index(str(gen / "vectors.faiss"))
    return data, store.load_tables(gen, int(data["chunk_count"])), \
        vectors.reconstruct_n(0, vectors.ntotal)


def damage(path: Path, change: Callable[[bytes], bytes]) -> None:
    """Replace a file's bytes by `change(bytes)`, unlinking first so hard links stay intact."""
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(change(data))


def flip(data: bytes) -> bytes:
    """The bytes with one byte in the middle inverted."""
    i = len(data) // 2
    return data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:]


def rehash(index: Path) -> None:
    """Record the current sizes and checksums of the generation's files in the manifest, as if
    the changed files had been written by a build (so only consistency checks can catch them)."""
    gen = generation(index)
    files = {p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
             for p in sorted(gen.iterdir())}
    edit_manifest(index, lambda m: m.update(files=files))


def signature(index: citeqa.Index) -> Signature:
    """What an index answers to the fixed questions in every mode, for comparing two opens."""
    return [(mode, h.chunk_id, h.source, h.start, h.end, round(h.score, 5))
            for mode in ("bm25", "dense", "hybrid") for q in QUESTIONS
            for h in index.search(q, k=5, mode=mode)]


def results(path: Path) -> Signature:
    """Open the index at `path` and take its signature."""
    return signature(citeqa.Index.open(path, allow_stale=True))


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process `citeqa` run."""
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *words: str) -> None:
    """stderr is exactly one `citeqa: error:` line holding each of `words`."""
    assert err.startswith("citeqa: error: "), err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


def build_command(corpus: Path, index: Path, force: bool = True) -> list[str]:
    """`citeqa index` as a separate Python process (quiet, forced unless told otherwise)."""
    return [sys.executable, "-m", "citeqa.cli", "index", str(corpus), "--index", str(index),
            "--quiet"] + (["--force"] if force else [])


def stray_files(index: Path) -> list[str]:
    """Generation folders no manifest names, and temporary files, left in an index folder."""
    data = manifest(index)
    named = {data["generation"], data.get("previous_generation")}
    strays = [p.name for p in index.glob(f"{store.GEN_PREFIX}*") if p.name not in named]
    strays += [str(p.relative_to(index)) for p in index.rglob("*") if ".tmp" in p.name]
    return sorted(strays)
