"""Preparing a build's groups on a Ray cluster (`pip install 'citeqa[ray]'`).

Each worker is a Ray actor that holds the encoder (sent once through the object store, so
workers need citeqa and its model package installed, not the index folder) and prepares whole
groups: parsing, chunking, sentences, BM25 term counts and embeddings. The calling process
reads the files, hands out groups, and gets results back in corpus order for its single
writer. An actor that dies is restarted and its unfinished groups are run again; since a group
is prepared by a pure function and results are taken by group number, exactly once, nothing
is lost or written twice.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from .errors import CiteqaError
from .pipeline import BATCH_SIZE, Group, Prepared, Preparer
from .settings import BuildSettings

IN_FLIGHT_PER_WORKER = 2  # one group running and one waiting on each worker


class RayError(CiteqaError):
    """Ray is not installed, or the cluster cannot be reached."""


def _loopback(address: str | None) -> dict[str, str]:
    """A cluster on 127.0.0.1 is on this machine: join it as 127.0.0.1 too (Ray would take the
    machine's network address and look there for the local node)."""
    host = (address or "").rsplit(":", 1)[0]
    return {"_node_ip_address": "127.0.0.1"} if host in ("127.0.0.1", "localhost") else {}


class _Worker:
    """A Ray actor's state: one encoder and preparer for its life."""

    def __init__(self, config: BuildSettings, shared: list[Any], batch_size: int):
        import ray

        from .embedding import OnnxEncoder

        model, known = ray.get(shared)  # fetched by the actor: a restart fetches them again
        self.preparer = Preparer(config, OnnxEncoder(model, threads=1), known, batch_size)

    def prepare(self, group: Group) -> Prepared:
        return self.preparer(group)


class RayPreparer:
    """Prepares groups on the Ray cluster at `address` ("auto": the one this machine belongs
    to; None: start a private one on this machine), one actor per worker CPU."""

    def __init__(self, address: str | None, config: BuildSettings, model: bytes,
                 known: Collection[bytes] = (), batch_size: int = BATCH_SIZE,
                 workers: int | None = None):
        if _loopback(address):
            # Ray resolves 127.0.0.1 to the machine's network address unless told, before it
            # is imported, that the cluster is this machine alone.
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # the library prints nothing
        try:
            ray: Any = importlib.import_module("ray")
        except ImportError as err:
            raise RayError("Ray is not installed: pip install 'citeqa[ray]'") from err
        self._ray = ray
        self._owns_connection = not ray.is_initialized()
        if self._owns_connection:
            try:
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False,
                         include_dashboard=False, configure_logging=False, **_loopback(address))
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise RayError(f"cannot connect to the Ray cluster at {address}: "
                               f"{str(err).splitlines()[0] if str(err) else type(err).__name__}"
                               ) from err
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n = max(1, min(workers or cpus, cpus))
        actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(_Worker)
        # Held here for the build's life: a restarted actor is built from them again.
        self._shared = [ray.put(model), ray.put(frozenset(known))]
        self.actors: list[Any] = [actor.remote(config, self._shared, batch_size)
                                  for _ in range(n)]

    def map(self, groups: Iterable[Group], progress: Callable[[Prepared], None] | None = None
            ) -> Iterator[Prepared]:
        """Prepared groups in the order of `groups`, with at most two per worker in flight
        (so memory holds a bounded number of groups whatever the corpus size)."""
        ray = self._ray
        pending: deque[Any] = deque()
        source = iter(groups)
        turn = 0

        def submit() -> bool:
            nonlocal turn
            group = next(source, None)
            if group is None:
                return False
            pending.append(self.actors[turn % len(self.actors)].prepare.remote(group))
            turn += 1
            return True

        while len(pending) < IN_FLIGHT_PER_WORKER * len(self.actors) and submit():
            pass
        while pending:
            result: Prepared = ray.get(pending.popleft())
            submit()
            if progress is not None:
                progress(result)
            yield result

    def close(self) -> None:
        """Stop the actors, and disconnect when this object connected."""
        for a in self.actors:
            self._ray.kill(a)
        self.actors = []
        if self._owns_connection:
            self._ray.shutdown()

    def __enter__(self) -> RayPreparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
