"""The index the server answers from: loaded once, replaced in the background when a build
makes a new generation current, so no request waits for a reload or fails during one."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import citeqa

log = logging.getLogger("uvicorn.error")  # the server's log


class LiveIndex:
    """Holds the open `citeqa.Index` of `index_dir` and swaps in a fresh one after a rebuild.

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
        self._lock = threading.Lock()
        self._reloading = False
        self._checked = time.monotonic()
        self.reloads = 0
        self.reload_error: str | None = None

    def get(self) -> citeqa.Index:
        """The newest loaded index; starts a reload (at most every `check_every` s) when the
        index folder has a newer generation than the one loaded."""
        index = self._index
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            with self._lock:
                due = now - self._checked >= self.check_every and not self._reloading
                if due:
                    self._checked = now
            if due and not index.is_current():
                self._start_reload()
        return index

    def _start_reload(self) -> None:
        with self._lock:
            if self._reloading:
                return
            self._reloading = True
        threading.Thread(target=self._reload, name="citeqa-reload", daemon=True).start()

    def _reload(self) -> None:
        failed = True
        try:
            # A corpus edited after this build still gets the newest index, marked stale in
            # its answers: the index it replaces is older still.
            fresh = citeqa.Index.open(self.index_dir, allow_stale=True)
            _warm_up(fresh)
            self._index = fresh
            self.reloads += 1
            self.reload_error = None
            failed = False
            log.info("citeqa: loaded the rebuilt index at %s", self.index_dir)
        except (citeqa.CiteqaError, OSError) as err:
            # Keep answering from the loaded index; try again after `retry_after` seconds.
            self.reload_error = " ".join(str(err).split())
            log.warning("citeqa: cannot load the rebuilt index: %s", self.reload_error)
        except Exception as err:  # a bug: keep serving, and leave its traceback in the log
            self.reload_error = f"internal error: {type(err).__name__}"
            log.exception("citeqa: cannot load the rebuilt index")
        finally:
            with self._lock:
                self._reloading = False
                self._checked = time.monotonic() + (self.retry_after if failed else 0.0)


def _warm_up(index: citeqa.Index) -> None:
    """Pay the first query's costs (model session, mapped pages) here, not in a user's request."""
    index.ask("warm up")
