"""Damaged, inconsistent or foreign indexes are refused on open with one error that names the
problem and the fix; nothing stored is ever loaded as code."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index_tools import (
    assert_one_line_error,
    clone,
    damage,
    edit_manifest,
    flip,
    generation,
    manifest,
    rehash,
    results,
    run_cli,
    signature,
)

import citeqa
from citeqa import store
from citeqa.cli import main
from citeqa.cli.output import advice
from citeqa.errors import CiteqaError, IndexCorruptError, IndexNotFoundError

SRC = Path(citeqa.__file__).parent
CORRUPT_EXIT = IndexCorruptError.exit_code


@pytest.fixture
def copy(seed_corpus: Path, seed_index_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A private (corpus, index) pair that a test may damage."""
    return clone(seed_corpus, seed_index_dir, tmp_path)


@pytest.fixture
def index(copy: tuple[Path, Path]) -> Path:
    """A private index folder that a test may damage."""
    return copy[1]


def refused(index: Path) -> str:
    """The message of the `IndexCorruptError` that opening `index` raises."""
    with pytest.raises(IndexCorruptError) as info:
        citeqa.Index.open(index)
    message = advice(info.value)
    assert "\n" not in message and "--force" in message and "citeqa index" in message
    return message


# ---- damaged files ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", store.FILES)
def test_truncated_file_is_refused(index: Path, name: str) -> None:
    damage(generation(index) / name, lambda b: b[:len(b) // 2])
    assert name in refused(index) and "truncated" in refused(index)


@pytest.mark.parametrize("name", store.FILES)
def test_flipped_byte_is_refused(index: Path, name: str) -> None:
    damage(generation(index) / name, flip)
    assert name in refused(index) and "checksum" in refused(index)


@pytest.mark.parametrize("name", store.FILES)
def test_missing_file_is_refused(index: Path, name: str) -> None:
    (generation(index) / name).unlink()
    assert f"{name} is missing" in refused(index)


def test_missing_generation_folder_is_refused(index: Path) -> None:
    shutil.rmtree(generation(index))
    assert "is missing" in refused(index)


def test_missing_encoder_is_refused(index: Path) -> None:
    (index / manifest(index)["encoder"]["file"]).unlink()
    assert "encoder" in refused(index)


def test_truncated_encoder_is_refused(index: Path) -> None:
    damage(index / manifest(index)["encoder"]["file"], lambda b: b[:len(b) // 2])
    assert "encoder" in refused(index)


def test_flipped_byte_in_encoder_is_refused(index: Path) -> None:
    damage(index / manifest(index)["encoder"]["file"], flip)
    assert "encoder" in refused(index)


def test_force_rebuild_repairs_a_damaged_encoder(index: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damage(index / manifest(index)["encoder"]["file"], lambda b: b[:20] + bytes([b[20] ^ 0xFF]) + b[21:])
    code, _, err = run_cli(["index", "--index", str(index), "--force", "--quiet"], capsys)
    assert code == 0, err
    citeqa.Index.open(index)


def test_missing_manifest_means_no_index(index: Path) -> None:
    (index / store.MANIFEST).unlink()
    with pytest.raises(IndexNotFoundError, match="no index at") as info:
        citeqa.Index.open(index)
    assert "citeqa index CORPUS --index" in advice(info.value)


# ---- damaged or foreign manifests ------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b"{not json", b'{"format": "citeqa-index", "format_ver',
                                  b"[1, 2]", b'"citeqa"', b'{"format": "citeqa-\xff"}', b"\x00" * 64])
def test_unreadable_manifest_is_refused(index: Path, data: bytes) -> None:
    (index / store.MANIFEST).write_bytes(data)
    message = refused(index)
    assert "manifest" in message and "citeqa index CORPUS --index" in message


@pytest.mark.parametrize("version", [store.FORMAT_VERSION - 1, store.FORMAT_VERSION + 1,
                                     str(store.FORMAT_VERSION), None, 1.5])
def test_other_format_version_is_refused(index: Path, version: Any) -> None:
    edit_manifest(index, lambda m: m.update(format_version=version))
    message = refused(index)
    assert f"format version {version!r}" in message
    assert f"citeqa index {index.parent / 'corpus'} --index" in message


@pytest.mark.parametrize("key", store.REQUIRED + ("format", "format_version"))
def test_manifest_without_a_field_is_refused(index: Path, key: str) -> None:
    edit_manifest(index, lambda m: m.pop(key))
    refused(index)


@pytest.mark.parametrize("model", [{"name": "sentence-transformers/all-mpnet-base-v2", "dimension": 384},
                                   {"name": "sentence-transformers/all-MiniLM-L6-v2", "dimension": 768},
                                   {}])
def test_other_model_is_refused(index: Path, model: dict[str, Any]) -> None:
    edit_manifest(index, lambda m: m.update(model=model))
    assert "model" in refused(index)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edited_manifest_field_opens_or_is_refused(index: Path, data: st.DataObject) -> None:
    """Whatever value a manifest field holds, open succeeds or raises a citeqa error."""
    original = manifest(index)
    key = data.draw(st.sampled_from(sorted(original)))
    sub = original[key]
    path: list[Any] = [key]
    if isinstance(sub, dict) and sub and data.draw(st.booleans()):
        inner = data.draw(st.sampled_from(sorted(sub)))
        path.append(inner)
        if isinstance(sub[inner], dict) and sub[inner] and data.draw(st.booleans()):
            path.append(data.draw(st.sampled_from(sorted(sub[inner]))))
    value = data.draw(JSON)

    def change(m: dict[str, Any]) -> None:
        target = m
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    edit_manifest(index, change)
    try:
        citeqa.Index.open(index)
    except CiteqaError as err:
        assert "\n" not in advice(err) and "citeqa" in advice(err)
    finally:
        edit_manifest(index, lambda m: (m.clear(), m.update(original)))


@pytest.mark.parametrize("field, value", [("generation", "../../etc"), ("generation", "gen-zz"),
                                          ("encoder", {"file": "/etc/passwd", "size": 1}),
                                          ("encoder", {"file": "../../x.onnx", "size": 1}),
                                          ("files", {"../chunk_meta.npy": {"sha256": "", "size": 0}})])
def test_manifest_paths_stay_inside_the_index(index: Path, field: str, value: Any) -> None:
    edit_manifest(index, lambda m: m.update({field: value}))
    assert f"invalid {field!r}" in refused(index)


# ---- stores that disagree (checksums rewritten, so only the consistency checks can tell) ----
def _save(index: Path, name: str, change: Callable[[np.ndarray], np.ndarray]) -> None:
    path = generation(index) / f"{name}.npy"
    array = np.load(path, allow_pickle=False)
    path.unlink()
    np.save(path, change(array), allow_pickle=False)


def _vectors(index: Path, keep: int, dim: int | None = None) -> None:
    path = generation(index) / "vectors.faiss"
    old = faiss.read_index(str(path))
    vectors = old.reconstruct_n(0, old.ntotal)[:keep]
    if dim is not None:
        vectors = np.zeros((len(vectors), dim), dtype=np.float32)
    new = faiss.IndexFlatIP(vectors.shape[1])
    new.add(vectors)
    path.unlink()
    faiss.write_index(new, str(path))


DISAGREE: dict[str, Callable[[Path], None]] = {
    "fewer vectors": lambda ix: _vectors(ix, keep=-1),
    "vectors of another dimension": lambda ix: _vectors(ix, keep=10**6, dim=768),
    "fewer chunk rows": lambda ix: _save(ix, "chunk_meta", lambda a: a[:-1]),
    "short BM25 weights": lambda ix: _save(ix, "bm25_weights", lambda a: a[:-1]),
    "short BM25 docs": lambda ix: _save(ix, "bm25_docs", lambda a: a[:-1]),
    "BM25 row past the chunks": lambda ix: _save(ix, "bm25_docs", lambda a: a + 1000),
    "sentence pointers off": lambda ix: _save(ix, "sent_ptr", lambda a: a + 1),
    "float chunk table": lambda ix: _save(ix, "chunk_meta", lambda a: a.astype(np.float64)),
    "text offsets off": lambda ix: _save(ix, "text_ptr", lambda a: a[:-1]),
    "short sentence vectors": lambda ix: _save(ix, "sent_vectors", lambda a: a[:-1]),
    "sources missing": lambda ix: (generation(ix) / store.SOURCES).write_text("[]"),
    "chunk count off": lambda ix: edit_manifest(ix, lambda m: m.update(chunk_count=m["chunk_count"] + 1)),
}


@pytest.mark.parametrize("case", sorted(DISAGREE))
def test_stores_that_disagree_are_refused(index: Path, case: str) -> None:
    DISAGREE[case](index)
    rehash(index)
    message = refused(index)
    assert any(word in message for word in ("disagree", "vectors", "sources", "point")), message


def test_rehash_alone_keeps_the_index_usable(index: Path) -> None:
    """Control for the test above: rewriting checksums of untouched files is harmless."""
    rehash(index)
    citeqa.Index.open(index)


# ---- the CLI and the fix it names ------------------------------------------------------------
@pytest.mark.parametrize("command", ["search", "ask"])
def test_cli_reports_damage_in_one_line(index: Path, command: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    damage(generation(index) / "chunk_text.bin", flip)
    code, out, err = run_cli([command, "what happened?", "--index", str(index)], capsys)
    assert code == CORRUPT_EXIT == 5 and out == ""
    assert_one_line_error(err, "damaged", "chunk_text.bin", "--force")


def test_cli_reports_missing_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["search", "x", "--index", str(tmp_path / "none")], capsys)
    assert code == IndexNotFoundError.exit_code == 4
    assert_one_line_error(err, "no index", "citeqa index")


@pytest.mark.parametrize("harm", ["flip vectors", "version 2"])
def test_the_named_command_repairs_the_index(copy: tuple[Path, Path], harm: str,
                                             seed_index: citeqa.Index) -> None:
    corpus, index = copy
    if harm == "flip vectors":
        damage(generation(index) / "vectors.faiss", flip)
    else:
        edit_manifest(index, lambda m: m.update(format_version=store.FORMAT_VERSION + 1))
    command = re.search(r"`(citeqa index [^`]*)`", refused(index))
    assert command is not None
    argv = [str(corpus) if a == "CORPUS" else a for a in shlex.split(command.group(1))[1:]]
    assert main(argv + ["--quiet"]) == 0
    assert results(index) == signature(seed_index)


# ---- nothing stored is code ------------------------------------------------------------------
FORBIDDEN = [r"^\s*(import|from)\s+(c?pickle|dill|cloudpickle|joblib|shelve|marshal)\b",
             r"allow_pickle\s*=\s*True", r"allow_dangerous", r"torch\.load\(", r"(?<![\w.])(eval|exec)\(",
             r"trust_remote_code\s*=\s*True"]


def test_no_code_executing_loader_in_the_source() -> None:
    for path in sorted(SRC.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in FORBIDDEN:
            assert not re.search(pattern, text, re.M), f"{path.name}: {pattern}"
        for call in re.finditer(r"np\.load\(", text):
            assert "allow_pickle=False" in text[call.end():call.end() + 200], path.name


class _Payload:
    """Unpickling this creates a marker file: proof that stored code ran."""

    marker = ""

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name", store.ARRAYS)
def test_pickled_array_is_refused_and_never_run(index: Path, tmp_path: Path, name: str) -> None:
    _Payload.marker = str(tmp_path / "ran")
    path = generation(index) / f"{name}.npy"
    path.unlink()
    np.save(path, np.array([_Payload()], dtype=object), allow_pickle=True)
    rehash(index)
    assert "cannot be read" in refused(index)
    assert not (tmp_path / "ran").exists()


def test_exit_codes_are_distinct() -> None:
    from citeqa import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, CiteqaError)]
    codes = [c.exit_code for c in classes]
    assert len(set(codes)) == len(codes) and not {0, 130} & set(codes)
    assert {c.__name__: c.exit_code for c in classes} == {
        "CiteqaError": 1, "UsageError": 2, "CorpusError": 3, "IndexNotFoundError": 4, "IndexCorruptError": 5,
        "StaleIndexError": 6, "IndexLockedError": 7, "ModelError": 8, "QuestionSetError": 9,
        "IndexFolderError": 10}
