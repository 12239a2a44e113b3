"""The index folder is citeqa's alone: claiming it, locking it, and deleting only its own files.

citeqa writes only into a new or empty folder, which it marks as an index (`.citeqa-index`,
holding the format version), or into a folder it marked before. Before a build creates a
generation folder or an encoder export, it adds the name to the folder's journal
(`.citeqa-journal.json`); citeqa deletes only what the journal names and no manifest uses,
and never through a link: a link is removed itself, its target is never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CiteqaError, IndexFolderError, IndexLockedError
from .fileio import write_atomic
from .walk import MARKER

JOURNAL = ".citeqa-journal.json"
LOCK = ".lock"
MANIFEST = "manifest.json"
ENCODER_DIR = "encoder"
_ENTRY = re.compile(r"gen-[0-9a-f]{1,64}|encoder/[A-Za-z0-9_-]{1,100}\.onnx")
_TEMP = re.compile(r"\..+\.[0-9a-f]{8}\.tmp")   # fileio.temp_name
_OWN = frozenset({MARKER, JOURNAL, LOCK})


@dataclass
class Claim:
    """What claiming a folder changed: folders created and whether the marker was written, so
    a failed first build can leave things as it found them."""

    created: list[Path] = field(default_factory=list)
    marked: bool = False


# ---- claiming -------------------------------------------------------------------------------
def claim(index_dir: Path, marker: dict[str, Any]) -> Claim:
    """Check that citeqa may write into `index_dir` (new, empty, or marked as a citeqa index,
    or an index built before markers existed), creating and marking it when needed."""
    result = Claim(created=_make_folders(index_dir))
    if result.created:
        _mark(index_dir, marker, result)
        return result
    if not index_dir.is_dir():
        raise IndexFolderError(f"the index folder {index_dir} is a file, not a folder",
                               path=index_dir)
    manifest = _raw_json(index_dir / MANIFEST)
    ours = manifest.get("format") == marker["format"]
    if not ours and not is_marked(index_dir, marker["format"]):
        foreign = sorted(n for n in os.listdir(index_dir) if n not in _OWN)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more"
                                              if len(foreign) > 3 else "")
            raise IndexFolderError(
                f"the folder {index_dir} is not empty and holds no citeqa index (it holds "
                f"{shown}); citeqa writes only into an empty folder or its own index",
                path=index_dir)
    if ours and not os.path.lexists(index_dir / JOURNAL):
        # an index built before the journal: what its manifest uses is citeqa's to delete later
        add_to_journal(index_dir, [r for r in references(manifest)
                                   if os.path.lexists(index_dir / r)])
    if not is_marked(index_dir, marker["format"]):
        _mark(index_dir, marker, result)
    return result


def _mark(index_dir: Path, marker: dict[str, Any], result: Claim) -> None:
    """Write the marker file; when that fails, remove the folders this claim created."""
    try:
        with naming(index_dir / MARKER):
            write_atomic(index_dir / MARKER,
                         (json.dumps(marker, indent=1) + "\n").encode("utf-8"))
    except OSError:
        for folder in reversed(result.created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    result.marked = True


def is_marked(index_dir: Path, fmt: str) -> bool:
    """Whether `index_dir` holds citeqa's marker file (any format version)."""
    path = index_dir / MARKER
    return not path.is_symlink() and _raw_json(path).get("format") == fmt


def _make_folders(index_dir: Path) -> list[Path]:
    """Create `index_dir` and its missing parents; the folders this call created, outermost
    first."""
    missing = []
    path = index_dir.absolute()
    while not os.path.lexists(path) and path != path.parent:
        missing.append(path)
        path = path.parent
    created = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:  # made by a concurrent build: not ours to remove
            continue
        created.append(folder)
    return created


# ---- the build lock ---------------------------------------------------------------------------
@contextlib.contextmanager
def building(index_dir: Path, marker: dict[str, Any]) -> Iterator[None]:
    """Claim `index_dir` and hold its build lock (a second build fails fast). A file system
    error becomes one `CiteqaError` naming the path and the cause; after any failure, what the
    build created is removed, and a first build that failed leaves no folder behind."""
    try:
        claimed = claim(index_dir, marker)
    except OSError as err:
        raise write_error(index_dir, err) from None
    try:
        fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o644)
    except OSError as err:
        _undo(index_dir, claimed)
        raise write_error(index_dir, err) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise IndexLockedError(f"another build is writing the index at {index_dir}",
                               path=index_dir) from None
    try:
        yield
    except BaseException as err:
        remove_unused(index_dir)
        _undo(index_dir, claimed)
        if isinstance(err, OSError):
            raise write_error(index_dir, err) from None
        raise
    finally:
        os.close(fd)


def write_error(index_dir: Path, err: OSError) -> CiteqaError:
    """One line naming the file and the cause of a file system error during a build."""
    cause = err.strerror or str(err) or type(err).__name__
    where = f" ({err.filename})" if err.filename else ""
    return CiteqaError(f"cannot write the index at {index_dir}: {cause}{where}; the index is "
                       f"as it was", path=index_dir)


def _undo(index_dir: Path, claimed: Claim) -> None:
    """After a failed build that marked the folder, when nothing else is left in it (no index
    was ever committed here): remove the marker, journal and lock, and the folders this build
    created."""
    if not claimed.marked:
        return
    try:
        left = set(os.listdir(index_dir)) - _OWN
        if left - {ENCODER_DIR} or (ENCODER_DIR in left and os.listdir(index_dir / ENCODER_DIR)):
            return
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(index_dir / ENCODER_DIR)
        for name in (JOURNAL, LOCK, MARKER):
            _remove(index_dir, name)
        for folder in reversed(claimed.created):  # innermost first
            folder.rmdir()
    except OSError:
        pass


# ---- the journal and what may be deleted ------------------------------------------------------
def add_to_journal(index_dir: Path, entries: Iterable[str]) -> None:
    """Record generation folders or encoder exports that a build is about to create here (call
    with the build lock held, before creating them)."""
    current = read_journal(index_dir)
    new = [e for e in entries if e not in current and _ENTRY.fullmatch(e)]
    if new:
        _write_journal(index_dir, current + new)


def read_journal(index_dir: Path) -> list[str]:
    """The journal's entries (an unreadable journal reads as empty: nothing is deleted)."""
    entries = _raw_json(index_dir / JOURNAL).get("entries")
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, str) and _ENTRY.fullmatch(e)]


def _write_journal(index_dir: Path, entries: list[str]) -> None:
    with naming(index_dir / JOURNAL):
        write_atomic(index_dir / JOURNAL,
                     json.dumps({"entries": entries}, indent=1).encode("utf-8"))


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """Give an OSError that names no file (a failed write) the name of `path`."""
    try:
        yield
    except OSError as err:
        if not err.filename:
            err.filename = str(path)
        raise


def references(manifest: dict[str, Any]) -> set[str]:
    """The generation folders and encoder exports a manifest uses (current and previous)."""
    names = [manifest.get("generation"), manifest.get("previous_generation"),
             manifest.get("previous_encoder")]
    encoder = manifest.get("encoder")
    if isinstance(encoder, dict):
        names.append(encoder.get("file"))
    return {n for n in names if isinstance(n, str) and _ENTRY.fullmatch(n)}


def remove_unused(index_dir: Path, keep: Iterable[str] = ()) -> None:
    """Delete what the journal names that neither the manifest nor `keep` uses (left by a
    killed or failed build, or replaced by a newer one), and citeqa's temporary files; call
    with the build lock held. What cannot be deleted now stays in the journal for next time."""
    path = index_dir / MANIFEST
    manifest = _raw_json(path)
    if os.path.lexists(path) and not manifest:
        return  # a manifest we cannot read: keep everything it might name
    used = references(manifest) | set(keep)
    journal = read_journal(index_dir)
    left = []
    for entry in journal:
        try:
            if entry in used or not _remove(index_dir, entry):
                left.append(entry)
        except OSError:
            left.append(entry)
    for folder in ("", ENCODER_DIR):
        _remove_temp_files(index_dir, folder)
    if left != journal:
        with contextlib.suppress(OSError):
            _write_journal(index_dir, left)


def encoder_folder(index_dir: Path) -> Path:
    """The index's encoder folder, made a real folder: a link there is removed (never its
    target), so nothing is written through it."""
    folder = index_dir / ENCODER_DIR
    if folder.is_symlink():
        folder.unlink()
    elif folder.exists() and not folder.is_dir():
        raise IndexFolderError(f"{folder} is not a folder; move it away so citeqa can keep the "
                               f"index's encoder there", path=index_dir)
    folder.mkdir(exist_ok=True)
    return folder


# ---- deleting without following links ---------------------------------------------------------
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _remove(index_dir: Path, rel: str) -> bool:
    """Delete `rel` (a file, a link, or a folder of files) inside `index_dir`, following no link
    on the way; whether it is gone."""
    *parents, name = rel.split("/")
    fd = os.open(index_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parents:
            try:
                inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                return True
            except OSError as err:
                if err.errno in (errno.ELOOP, errno.ENOTDIR):
                    return True  # a link or a file where a folder was: nothing of ours inside
                raise
            os.close(fd)
            fd = inner
        try:
            info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return True
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(name, dir_fd=fd)
            return True
        _empty_folder(fd, name)
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError as err:
            if err.errno in (errno.ENOTEMPTY, errno.EEXIST):
                return False  # something not ours is inside: it stays
            raise
        return True
    finally:
        os.close(fd)


def _empty_folder(parent_fd: int, name: str) -> None:
    """Unlink the files and links directly inside folder `name` (its subfolders stay)."""
    fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    try:
        for entry in os.listdir(fd):
            if not stat.S_ISDIR(os.stat(entry, dir_fd=fd, follow_symlinks=False).st_mode):
                os.unlink(entry, dir_fd=fd)
    finally:
        os.close(fd)


def _remove_temp_files(index_dir: Path, folder: str) -> None:
    """Delete citeqa's temporary files (`.NAME.XXXXXXXX.tmp`) in `folder` of the index."""
    try:
        fd = os.open(index_dir / folder, _DIR_FLAGS) if folder else \
            os.open(index_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        for entry in os.listdir(fd):
            if _TEMP.fullmatch(entry) and stat.S_ISREG(
                    os.stat(entry, dir_fd=fd, follow_symlinks=False).st_mode):
                os.unlink(entry, dir_fd=fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _raw_json(path: Path) -> dict[str, Any]:
    """A JSON object file's content, or {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
