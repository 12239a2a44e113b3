"""File helpers shared by the store, the build and the reports: atomic writes and checksums.

A file is written to a temporary name beside its target, flushed to disk and renamed over the
target, so a reader or a crash sees the old file or the new one, never part of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

TMP_SUFFIX = ".tmp"


def temp_name(path: Path) -> Path:
    """A hidden temporary file beside `path`, unique to this call."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")


def fsync_path(path: Path) -> None:
    """Flush a file's or folder's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename; no partial file is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(path.parent)


def write_json_atomic(path: Path, data: Any) -> None:
    """`data` as indented UTF-8 JSON, written atomically."""
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` atomically unless `path` already holds it; whether it wrote."""
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def copy_atomic(src: Path, dest: Path) -> None:
    """Copy `src` to `dest` through a temporary file and a rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(dest)
    try:
        shutil.copyfile(src, tmp)
        fsync_path(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks (files may be large)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
