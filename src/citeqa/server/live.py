"""The index the server answers from: loaded once, replaced in the background when a build
makes a new generation current, so no request waits for a reload or fails during one."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import citeqa

log = logging.getLogger("uvicorn.error")  # the server's log


class LiveIndex:
    """Holds the open `citeqa.Index` of `index_dir`; a watcher thread swaps in a fresh one
    after a rebuild.

    Requests take `get()` once and use that object to the end, so a swap never changes the
    index under a request in flight; the old one is dropped when its last request finishes.
    """

    def __init__(self, index_dir: str | Path, *, allow_stale: bool = False,
                 check_every: float = 0.5, retry_after: float = 10.0):
        self.index_dir = Path(index_dir)
        self.check_every = check_every
        self.retry_after = retry_after
        self._index = citeqa.Index.open(self.index_dir, allow_stale=allow_stale)
        _warm_up(self._index)
        self.reloads = 0
        self.reload_error: str | None = None
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="citeqa-index-watch",
                                         daemon=True)
        self._watcher.start()

    def get(self) -> citeqa.Index:
        """The newest loaded index."""
        return self._index

    def close(self) -> None:
        """Stop watching for rebuilds."""
        self._stop.set()
        self._watcher.join(timeout=5)

    def _watch(self) -> None:
        pause = self.check_every
        while not self._stop.wait(pause):
            try:
                current = self._index.is_current()
            except Exception:  # a bug: the watcher must outlive it
                log.exception("citeqa: cannot tell whether the index was rebuilt")
                current = True
            # After a failed reload, wait longer: a damaged generation is not reopened in a loop.
            pause = self.check_every if current or self._reload() else self.retry_after

    def _reload(self) -> bool:
        """Open the current generation and switch to it; False (and the old index kept) if it
        cannot be opened."""
        try:
            # A corpus edited after this build still gets the newest index, marked stale in
            # its answers: the index it replaces is older still.
            fresh = citeqa.Index.open(self.index_dir, allow_stale=True)
            _warm_up(fresh)
        except (citeqa.CiteqaError, OSError) as err:
            self.reload_error = " ".join(str(err).split())
            log.warning("citeqa: cannot load the rebuilt index: %s", self.reload_error)
            return False
        except Exception as err:  # a bug: keep serving, and leave its traceback in the log
            self.reload_error = f"internal error: {type(err).__name__}"
            log.exception("citeqa: cannot load the rebuilt index")
            return False
        self._index = fresh
        self.reloads += 1
        self.reload_error = None
        log.info("citeqa: loaded the rebuilt index at %s", self.index_dir)
        return True


def _warm_up(index: citeqa.Index) -> None:
    """Pay the first query's costs (model session, mapped pages) here, not in a user's request."""
    index.ask("warm up")
