"""The encoder export (the model as ONNX) on disk, named by its content and never replaced in
place.

It is made once per model and precision (`settings.PRECISIONS`: float32, or int8 made from
the float export) into the user cache folder (`CITEQA_CACHE_DIR`, default ~/.cache/citeqa) and
copied into each index. In both places the file name holds the first 16
hex digits of the file's sha256, so a file that does not hash to its name is damaged: a damaged
cached export is made again, a damaged copy in an index is copied again. A rebuild that needs
another export writes a new file, so a reader of the previous index keeps reading its own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import time
from pathlib import Path

from . import indexdir
from .errors import CiteqaError, ModelError
from .fileio import fsync_path, sha256_file, temp_name

EXPORT_VERSION = 2      # bump when embedding.export_onnx changes what it writes
DIGITS = 16             # hex digits of the sha256 in a file name
STALE_TEMP_SECONDS = 3600
_WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)


def cache_dir() -> Path:
    """Where derived model files are cached between indexes."""
    env = os.environ.get("CITEQA_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "citeqa"


def model_key(precision: str = "float32") -> str:
    """The installed model's weights (first 16 hex digits of their sha256), the export
    version, and for int8 the quantizer's version: what an export is made from. An int8 key
    does not start with the float key, which older versions look files up by."""
    from .embedding import model_dir
    from .quantize import QUANTIZE_VERSION

    weights = model_dir() / "model.safetensors"
    key = sha256_file(weights)[:DIGITS] if weights.is_file() else "model"
    if precision == "float32":
        return f"{key}-e{EXPORT_VERSION}"
    return f"{key}-{precision}q{QUANTIZE_VERSION}-e{EXPORT_VERSION}"


def sound(path: Path) -> str | None:
    """The sha256 of `path` when it is a regular file (not a link) whose content matches the
    digits in its name (`…-<16 hex>.onnx` or `<16 hex>.onnx`), else None."""
    match = re.search(r"([0-9a-f]{16})\.onnx$", path.name)
    try:
        if match is None or not stat.S_ISREG(path.lstat().st_mode):
            return None
        digest = sha256_file(path)
    except OSError:
        return None
    return digest if digest.startswith(match.group(1)) else None


def cached_export(precision: str = "float32") -> tuple[Path, str]:
    """A sound export of the installed model at `precision` in the cache folder and its
    sha256, made (about a minute) when there is none."""
    folder = cache_dir()
    key = model_key(precision)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        found = find(folder, key)
        if found is not None:
            return found
        _remove_stale_temps(folder)
    except OSError as err:
        raise _cache_error(folder, err) from None
    return _export(folder, key, precision)


def find(folder: Path, key: str) -> tuple[Path, str] | None:
    """A sound export named `<key>-<16 hex>.onnx` in `folder` and its sha256; damaged ones
    are removed (made again by the caller). Other keys' files are left alone."""
    name = re.compile(re.escape(key) + rf"-[0-9a-f]{{{DIGITS}}}\.onnx")
    for path in sorted(p for p in folder.iterdir() if name.fullmatch(p.name)):
        digest = sound(path)
        if digest is not None:
            return path, digest
        if not path.is_symlink():
            path.unlink(missing_ok=True)  # damaged (truncated, changed)
    return None


def _export(folder: Path, key: str, precision: str) -> tuple[Path, str]:
    from .embedding import export_onnx
    from .quantize import quantize_export

    source = cached_export()[0] if precision == "int8" else None
    tmp = temp_name(folder / f"{key}.onnx")
    try:
        if source is not None:
            quantize_export(source, tmp)
        else:
            export_onnx(tmp)
        digest = sha256_file(tmp)
        path = folder / f"{key}-{digest[:DIGITS]}.onnx"
        os.replace(tmp, path)
    except OSError as err:
        raise _cache_error(folder, err) from None
    except ModelError:
        raise
    except Exception as err:  # torch and onnx raise their own errors when a write fails
        detail = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CiteqaError(f"cannot export the model into the cache folder {folder}: {detail}",
                          path=folder) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return path, digest


def _cache_error(folder: Path, err: OSError) -> CiteqaError:
    where = f" ({err.filename})" if err.filename else ""
    return CiteqaError(f"cannot write the model export into the cache folder {folder}: "
                       f"{err.strerror or err}{where}", path=folder)


def _remove_stale_temps(folder: Path) -> None:
    """Temporary files of exports that were killed (older than an hour, so not another
    build's export in progress)."""
    now = time.time()
    for path in folder.glob(".*.onnx.*.tmp*"):
        with contextlib.suppress(OSError):
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_TEMP_SECONDS:
                path.unlink()


def in_index(index_dir: Path, precision: str = "float32") -> str:
    """The index's copy of the encoder export at `precision`, as a path relative to
    `index_dir` (`encoder/<16 hex>.onnx`): a sound copy is kept, else the cached export is
    copied in under a new name that the journal records first (call with the build lock
    held)."""
    cached, digest = cached_export(precision)
    rel = f"{indexdir.ENCODER_DIR}/{digest[:DIGITS]}.onnx"
    dest = index_dir / rel
    if sound(dest) == digest:
        return rel
    indexdir.encoder_folder(index_dir)
    indexdir.add_to_journal(index_dir, [rel])
    tmp = temp_name(dest)
    try:
        shutil.copyfile(cached, tmp)
        fsync_path(tmp)
        os.replace(tmp, dest)  # only over a damaged copy of the same content
    except OSError as err:
        if not err.filename or err.errno in _WRITE_ERRORS:  # shutil names the source first
            err.filename, err.filename2 = str(dest), None
        raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    fsync_path(dest.parent)
    return rel
