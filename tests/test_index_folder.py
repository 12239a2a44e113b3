"""The index folder is citeqa's alone: citeqa writes only into an empty folder or one it marked
as its index, deletes only what its journal and manifests name, never through a link, and a
file system error is one line naming the path and the cause, with the index as it was."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from index_tools import assert_one_line_error, build_command, clone, manifest, results, run_cli
from test_interrupted_build import _pausing, _stopped, _wait_until

import citeqa
from citeqa import indexdir, store
from citeqa.cli import parser
from citeqa.cli.output import advice
from citeqa.errors import CiteqaError, CorpusError, IndexFolderError
from citeqa.walk import MARKER

ROOT = Path(__file__).resolve().parents[1]
FOLDER_EXIT = IndexFolderError.exit_code


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root` (links not followed) and what it holds: a file's sha256, a
    link's target, a folder's name."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "folder"
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _corpus(root: Path) -> Path:
    corpus = root / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The bridge opened in 1932.\n", encoding="utf-8")
    return corpus


def _marked(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text(json.dumps({"format": store.FORMAT,
                                             "format_version": store.FORMAT_VERSION}),
                                 encoding="utf-8")
    return folder


# ---- whose folder ---------------------------------------------------------------------------
def test_a_folder_of_other_files_is_refused_untouched(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 1: `citeqa index ../docs --index .` in a folder of an app's files."""
    corpus = _corpus(tmp_path)
    app = tmp_path / "app"
    (app / "gen-assets").mkdir(parents=True)
    (app / "gen-assets" / "logo.txt").write_text("logo", encoding="utf-8")
    (app / "manifest.json").write_text('{"name": "app", "version": 2}', encoding="utf-8")
    before = snapshot(app)
    code, out, err = run_cli(["index", str(corpus), "--index", str(app), "--quiet"], capsys)
    assert code == FOLDER_EXIT == 10 and out == ""
    assert_one_line_error(err, "not empty", "gen-assets", "manifest.json", "--index DIR")
    assert snapshot(app) == before


def test_the_corpus_folder_is_not_an_index_folder(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 1: with the index folder equal to the corpus folder, nothing is written."""
    corpus = _corpus(tmp_path)
    (corpus / "gen-2024").mkdir()
    (corpus / "gen-2024" / "notes.txt").write_text("Minutes of 2024.\n", encoding="utf-8")
    before = snapshot(corpus)
    code, _, err = run_cli(["index", str(corpus), "--index", str(corpus), "--quiet"], capsys)
    assert code == FOLDER_EXIT
    assert_one_line_error(err, str(corpus))
    assert snapshot(corpus) == before


def test_another_corpus_does_not_replace_an_index(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 10: `citeqa index OTHER_CORPUS` into the index of another corpus."""
    first, other = _corpus(tmp_path), tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text("Another text.\n", encoding="utf-8")
    index = _marked(tmp_path / "index")
    (index / "manifest.json").write_text(json.dumps({"format": store.FORMAT,
                                                     "corpus": "../docs"}), encoding="utf-8")
    before = snapshot(index)
    code, _, err = run_cli(["index", str(other), "--index", str(index), "--quiet"], capsys)
    assert code == FOLDER_EXIT
    assert_one_line_error(err, "another corpus", str(first), "--force", f"citeqa index {other}")
    assert snapshot(index) == before


def test_a_failed_first_build_leaves_no_folder(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["index", str(tmp_path / "missing"), "--index",
                            str(tmp_path / "a" / "b" / "index"), "--quiet"], capsys)
    assert code == CorpusError.exit_code
    assert_one_line_error(err, "does not exist")
    assert sorted(os.listdir(tmp_path)) == []


def test_a_failed_default_build_leaves_nothing_in_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 10: `citeqa ask` where there is no seeds/ folder left index/.lock behind."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["ask", "Who opened the bridge?"], capsys)
    assert code == CorpusError.exit_code
    assert err.count("citeqa: error:") == 1 and "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_an_empty_folder_is_marked_and_a_failure_leaves_it_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuntimeError), store.build_lock(empty):
        assert (empty / MARKER).is_file()
        raise RuntimeError("a failed build")
    assert os.listdir(empty) == []


def test_an_index_from_before_markers_is_claimed(tmp_path: Path) -> None:
    index = tmp_path / "index"
    (index / "gen-0123456789ab").mkdir(parents=True)
    (index / "gen-0123456789ab" / "chunk_meta.npy").write_bytes(b"x")
    (index / "manifest.json").write_text(json.dumps({
        "format": store.FORMAT, "generation": "gen-0123456789ab",
        "encoder": {"file": "encoder/abc-e2.onnx"}}), encoding="utf-8")
    with store.build_lock(index):
        pass
    assert indexdir.is_marked(index, store.FORMAT)
    assert indexdir.read_journal(index) == ["gen-0123456789ab"]  # the encoder file is missing


def test_a_file_is_not_an_index_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(IndexFolderError, match="is a file"), store.build_lock(tmp_path / "f"):
        pass


def test_advice_for_a_folder_that_is_not_citeqas(tmp_path: Path) -> None:
    err = IndexFolderError("the folder x is not empty", path=tmp_path)
    assert advice(err).endswith("pass an empty or new folder with `--index DIR`")
    err = IndexFolderError("x holds another corpus", path=tmp_path, corpus=tmp_path / "c",
                           remedy="replace")
    assert f"citeqa index {tmp_path / 'c'} --index {tmp_path} --force" in advice(err)


# ---- what is deleted ------------------------------------------------------------------------
def test_only_journaled_entries_no_manifest_uses_are_deleted(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.onnx").write_bytes(b"not citeqa's")
    (outside / "chunk_meta.npy").write_bytes(b"not citeqa's")
    index = _marked(tmp_path / "index")
    for name in ("gen-00000000000a", "gen-00000000000b", "gen-00000000000c", "gen-assets"):
        (index / name).mkdir()
        (index / name / "chunk_meta.npy").write_bytes(b"x")
    (index / "gen-00000000000d").symlink_to(outside)          # journaled, but a link
    (index / "encoder").mkdir()
    for name in ("old.onnx", "current.onnx", "users.onnx"):
        (index / "encoder" / name).write_bytes(b"x")
    (index / ".manifest.json.0123abcd.tmp").write_bytes(b"partial")
    (index / "manifest.json").write_text(json.dumps({
        "format": store.FORMAT, "generation": "gen-00000000000a",
        "previous_generation": "gen-00000000000b", "encoder": {"file": "encoder/current.onnx"}}),
        encoding="utf-8")
    indexdir.add_to_journal(index, ["gen-00000000000a", "gen-00000000000b", "gen-00000000000c",
                                    "gen-00000000000d", "encoder/old.onnx",
                                    "encoder/current.onnx"])
    before = snapshot(outside)
    indexdir.remove_unused(index)
    assert snapshot(outside) == before
    assert sorted(os.listdir(index)) == [".citeqa-index", ".citeqa-journal.json", "encoder",
                                         "gen-00000000000a", "gen-00000000000b", "gen-assets",
                                         "manifest.json"]
    assert sorted(os.listdir(index / "encoder")) == ["current.onnx", "users.onnx"]
    assert indexdir.read_journal(index) == ["gen-00000000000a", "gen-00000000000b",
                                            "encoder/current.onnx"]


def test_a_generation_holding_a_foreign_folder_keeps_it(tmp_path: Path) -> None:
    index = _marked(tmp_path / "index")
    (index / "gen-00000000000c" / "sub").mkdir(parents=True)
    (index / "gen-00000000000c" / "sub" / "mine.txt").write_text("mine", encoding="utf-8")
    (index / "gen-00000000000c" / "chunk_meta.npy").write_bytes(b"x")
    indexdir.add_to_journal(index, ["gen-00000000000c"])
    indexdir.remove_unused(index)
    assert os.listdir(index / "gen-00000000000c") == ["sub"]
    assert indexdir.read_journal(index) == ["gen-00000000000c"]


def test_an_unreadable_manifest_deletes_nothing(tmp_path: Path) -> None:
    index = _marked(tmp_path / "index")
    (index / "gen-00000000000a").mkdir()
    indexdir.add_to_journal(index, ["gen-00000000000a"])
    (index / "manifest.json").write_bytes(b"{trunc")
    indexdir.remove_unused(index)
    assert (index / "gen-00000000000a").is_dir()


def test_links_in_the_index_folder_are_never_followed(tmp_path: Path) -> None:
    """Issue case 2 (without a build): the encoder folder or the lock replaced by links."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "model.onnx").write_bytes(b"someone else's model")
    index = _marked(tmp_path / "index")
    (index / "encoder").symlink_to(outside)
    before = snapshot(outside)
    folder = indexdir.encoder_folder(index)
    assert folder.is_dir() and not folder.is_symlink() and os.listdir(folder) == []
    assert snapshot(outside) == before
    (index / ".lock").symlink_to(outside / "lockfile")
    with pytest.raises(CiteqaError, match="symbolic links"), store.build_lock(index):
        pass
    assert snapshot(outside) == before


# ---- read-only folders ----------------------------------------------------------------------
@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written into: a read-only tmpfs as root (root ignores file
    modes), else a folder without write permission."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(folder)],
                       check=True)
        yield folder
        subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_a_read_only_folder_is_one_line(tmp_path: Path, read_only: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = _corpus(tmp_path)
    code, _, err = run_cli(["index", str(corpus), "--index", str(read_only / "index"), "--quiet"],
                           capsys)
    assert code == CiteqaError.exit_code
    assert_one_line_error(err, str(read_only / "index"))
    assert "Read-only file system" in err or "Permission denied" in err


# ---- eval writes where git does not look ----------------------------------------------------
def test_eval_writes_into_an_ignored_folder_by_default() -> None:
    args = parser().parse_args(["eval"])
    assert args.out == "eval/runs"
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "eval/runs/x.json"])
    assert ignored.returncode == 0


# ---- with real builds -----------------------------------------------------------------------
TEXTS = {"bridge.txt": "The bridge opened in 1932. Its towers are granite.\n\nFerries stopped "
                       "running in 1933, a year after the opening.\n",
         "tides.md": "# Tides\n\nThe harbour has two high tides a day. Boats wait for the flood "
                     "tide to leave.\n"}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path) -> tuple[Path, Path]:
    """A two-file corpus and its index (the seed index first, so the encoder export is made)."""
    root = tmp_path_factory.mktemp("small")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    citeqa.Index.build(corpus, root / "index")
    return corpus, root / "index"


@pytest.fixture
def copy(small: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    return clone(*small, tmp_path)


@pytest.mark.model
def test_a_rebuild_never_writes_or_deletes_through_a_linked_encoder_folder(
        copy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 2: `citeqa index --force` with the encoder folder a link to another folder
    deleted the .onnx files there."""
    corpus, index = copy
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in ("mine.onnx", "theirs.onnx", "notes.txt"):
        (outside / name).write_bytes(b"someone else's " + name.encode())
    shutil.rmtree(index / "encoder")
    (index / "encoder").symlink_to(outside)
    before = snapshot(outside)
    code, _, err = run_cli(["index", "--index", str(index), "--force", "--quiet"], capsys)
    assert code == 0, err
    assert snapshot(outside) == before
    assert not (index / "encoder").is_symlink()
    assert not citeqa.Index.open(index).changes


def _other_export(index: Path, cache: Path) -> None:
    """Into `cache`, an encoder export with other bytes than the index's (the same graph with
    another doc string, as a second export of the same model may be), under the name by content
    and under the model-key name citeqa used before."""
    import onnx

    from citeqa.embedding import model_dir

    model = onnx.load(str(index / manifest(index)["encoder"]["file"]))
    model.doc_string = "a second export of the same model"
    data = model.SerializeToString()
    key = hashlib.sha256((model_dir() / "model.safetensors").read_bytes()).hexdigest()[:16] + "-e2"
    cache.mkdir()
    (cache / f"{key}-{hashlib.sha256(data).hexdigest()[:16]}.onnx").write_bytes(data)
    (cache / f"{key}.onnx").write_bytes(data)


@pytest.mark.model
def test_a_rebuild_with_another_export_keeps_the_previous_index_readable(
        copy: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 3: the export was replaced in place before the commit: a reader got exit 5,
    and a build killed then left the index damaged for good."""
    corpus, index = copy
    expected, old_encoder = results(index), manifest(index)["encoder"]["file"]
    _other_export(index, tmp_path / "cache")
    monkeypatch.setenv("CITEQA_CACHE_DIR", str(tmp_path / "cache"))
    proc = subprocess.Popen(_pausing(("citeqa.store:commit", "before"), corpus, index),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait_until(proc, lambda: _stopped(proc)), proc.stderr.read() if proc.stderr else ""
        assert results(index) == expected          # read while the build waits to commit
    finally:
        proc.kill()
        proc.wait()
    assert results(index) == expected              # and after it was killed there
    code, _, err = run_cli(["index", "--index", str(index), "--force", "--quiet"], capsys)
    assert code == 0, err
    new_encoder = manifest(index)["encoder"]["file"]
    assert new_encoder != old_encoder and manifest(index)["previous_encoder"] == old_encoder
    assert results(index) == expected
    code, _, err = run_cli(["index", "--index", str(index), "--force", "--quiet"], capsys)
    assert code == 0, err
    assert not (index / old_encoder).exists()      # once no manifest names it
    assert sorted(os.listdir(index / "encoder")) == [Path(new_encoder).name]


@pytest.mark.model
def test_a_truncated_cached_export_is_made_again(
        copy: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case 3: with a truncated cached export every build failed (exit 8), --force too."""
    from citeqa.embedding import model_dir

    corpus, index = copy
    good = (index / manifest(index)["encoder"]["file"]).read_bytes()
    key = hashlib.sha256((model_dir() / "model.safetensors").read_bytes()).hexdigest()[:16] + "-e2"
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in (f"{key}-{hashlib.sha256(good).hexdigest()[:16]}.onnx", f"{key}.onnx"):
        (cache / name).write_bytes(good[:len(good) // 3])
    monkeypatch.setenv("CITEQA_CACHE_DIR", str(cache))
    code, _, err = run_cli(["index", str(corpus), "--index", str(tmp_path / "fresh"), "--quiet"],
                           capsys)
    assert code == 0, err
    exports = sorted(cache.glob(f"{key}-*.onnx"))
    assert len(exports) == 1
    digest = hashlib.sha256(exports[0].read_bytes()).hexdigest()
    assert exports[0].name == f"{key}-{digest[:16]}.onnx"
    assert citeqa.Index.open(tmp_path / "fresh").search("granite towers", k=1)


class Disk:
    """A folder whose free space a test sets: a small tmpfs as root (a real full disk), else a
    file size limit (RLIMIT_FSIZE) on the build process."""

    def __init__(self, folder: Path, mounted: bool):
        self.folder, self.mounted = folder, mounted

    def run(self, argv: list[str], free: int | None) -> tuple[int, str]:
        """Exit code and stderr of `argv` with `free` bytes of room (None: no limit)."""
        filler = self.folder / "filler"
        limit = None
        if free is not None and self.mounted:
            st = os.statvfs(self.folder)
            with filler.open("wb") as f:
                os.posix_fallocate(f.fileno(), 0, max(st.f_bavail * st.f_frsize - free, 1))
        elif free is not None:
            limit = free
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                                  preexec_fn=(lambda: resource.setrlimit(
                                      resource.RLIMIT_FSIZE, (limit, limit))) if limit else None)
        finally:
            filler.unlink(missing_ok=True)
        return proc.returncode, proc.stderr


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0:
        yield Disk(folder, mounted=False)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", str(folder)], check=True)
    try:
        yield Disk(folder, mounted=True)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _state(index: Path) -> dict[str, str]:
    """The index folder's files, but the lock (its times may change)."""
    return {k: v for k, v in snapshot(index).items() if k != ".lock"}


@pytest.mark.model
def test_a_full_disk_is_one_line_and_leaves_the_index_as_it_was(
        disk: Disk, small: tuple[Path, Path]) -> None:
    """Issue case 6: a traceback from faiss, or "29568 requested and 24512 written" naming no
    file, and a partial export left behind keeping the disk full."""
    corpus, index = disk.folder / "corpus", disk.folder / "index"
    shutil.copytree(small[0], corpus)
    cause = "No space left on device" if disk.mounted else "File too large"
    code, err = disk.run(build_command(corpus, index, force=False), free=40_000_000)
    assert code == 1
    assert_one_line_error(err, cause, f"cannot write the index at {index}", f"{index}/encoder/")
    assert not index.exists()
    assert disk.run(build_command(corpus, index, force=False), free=None)[0] == 0
    expected, before = results(index), _state(index)
    (corpus / "more.txt").write_text("Lighthouses stand on the cape. " * 30, encoding="utf-8")
    failures = 0
    for free in range(0, 2_000_000, 16_384):
        code, err = disk.run(build_command(corpus, index, force=False), free=free)
        if code == 0:
            break
        failures += 1
        assert code == 1, err
        assert_one_line_error(err, cause, f"cannot write the index at {index}", str(index))
        assert results(index) == expected
        assert _state(index) == before, f"left behind with {free} bytes free"
    else:
        pytest.fail("the build never fitted")
    assert failures >= 3
    assert "more.txt" in citeqa.Index.open(index).sources


@pytest.mark.model
def test_verify_checks_every_checksum_and_writes_nothing(
        copy: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """`citeqa index --verify`: the encoder export is hashed whatever its times say (a normal
    open hashes it only when its mtime moved)."""
    corpus, index = copy
    code, out, err = run_cli(["index", "--index", str(index), "--verify"], capsys)
    assert code == 0 and "sound and up to date" in out, err
    encoder = index / manifest(index)["encoder"]["file"]
    info = encoder.stat()
    data = bytearray(encoder.read_bytes())
    data[len(data) // 2] ^= 0xFF
    encoder.unlink()                      # a hard link to the shared copy: replace, not edit
    encoder.write_bytes(bytes(data))
    os.utime(encoder, ns=(info.st_atime_ns, info.st_mtime_ns))
    before = snapshot(index)
    code, out, err = run_cli(["index", "--index", str(index), "--verify"], capsys)
    assert code == 5 and out == ""
    assert_one_line_error(err, "encoder export", "checksum", "--force")
    assert snapshot(index) == before


@pytest.mark.model
def test_eval_on_the_first_documents_marks_its_index_folder_first(
        seed_corpus: Path, seed_index_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`citeqa eval --limit-docs N` writes the limited corpus inside its index folder, so it
    claims the folder before writing there."""
    index = tmp_path / "index"
    code, _, err = run_cli(["eval", "--corpus", str(seed_corpus), "--limit-docs", "1", "--index",
                            str(index), "--out", str(tmp_path / "out"), "--modes", "bm25",
                            "--quiet", "--json"], capsys)
    assert code == 0, err
    assert indexdir.is_marked(index, store.FORMAT) and (index / "corpus").is_dir()
    assert citeqa.Index.open(index).corpus == (index / "corpus").resolve()


@pytest.mark.model
def test_an_export_that_will_not_load_is_refused_when_first_used(
        seed_corpus: Path, seed_index_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The encoder is loaded in a thread started by `Index.open`: an export whose size and
    mtime match (so open does not hash it) but which is not a model still fails as a damaged
    index, on the first query that needs it, with the error the load raised."""
    from citeqa.errors import IndexCorruptError

    _, index = clone(seed_corpus, seed_index_dir, tmp_path)
    export = index / manifest(index)["encoder"]["file"]
    st = export.stat()
    export.unlink()  # a hard link to the cached export: leave that one intact
    export.write_bytes(b"\0" * st.st_size)
    os.utime(export, ns=(st.st_atime_ns, st.st_mtime_ns))
    opened = citeqa.Index.open(index)
    assert opened.search("defence minister", k=1, mode="bm25")  # BM25 needs no encoder
    for _ in range(2):
        with pytest.raises(IndexCorruptError, match="encoder export cannot be loaded"):
            opened.ask("Who was Japan's defence minister at the meeting?")
    code, _, err = run_cli(["ask", "Who was Japan's defence minister?", "--index", str(index)],
                           capsys)
    assert code == 5
    assert_one_line_error(err, "damaged", "encoder export cannot be loaded")
