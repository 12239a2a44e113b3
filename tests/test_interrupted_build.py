"""A `citeqa index` killed at any moment keeps the previous index; readers never see a mix;
two builds at once do not corrupt the index.

Builds run as real processes killed with SIGKILL: after timed delays, and at exact steps of the
commit protocol (the process stops itself with SIGSTOP on entering or leaving a function, then
is killed), so every dangerous moment is hit on every run.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from index_tools import build_command, clone, results, run_cli, stray_files

import citeqa
from citeqa import store
from citeqa.errors import IndexLockedError, IndexNotFoundError

TEXTS = {"lighthouse.txt": "The lighthouse keeper lit the lamp at dusk. Ships passed the cape safely. "
                           "Fog horns sounded when the weather turned.\n",
         "orchard.md": "# Orchard\n\nThe orchard has seventeen apple trees. The pears ripen in "
                       "September. Bees visit the blossom in spring.\n"}
# Run the CLI, but stop (SIGSTOP) on the nth call of module:function, before or after it runs.
PAUSING_CLI = """
import importlib, os, signal, sys
spec, nth, when, *argv = sys.argv[1:]
module_name, name = spec.split(":")
module = importlib.import_module(module_name)
real, calls = getattr(module, name), []
def paused(*args, **kwargs):
    calls.append(1)
    stop = len(calls) == int(nth)
    if stop and when == "before":
        os.kill(os.getpid(), signal.SIGSTOP)
    result = real(*args, **kwargs)
    if stop and when == "after":
        os.kill(os.getpid(), signal.SIGSTOP)
    return result
setattr(module, name, paused)
from citeqa.cli import main
sys.exit(main(argv))
"""
STEPS = [("citeqa.writer:write_vectors", "before"),      # a generation folder, half written
         ("citeqa.store:commit", "before"),              # all files written, none synced
         ("citeqa.store:write_json_atomic", "before"),   # files synced, manifest not replaced
         ("citeqa.store:write_json_atomic", "after")]    # manifest replaced, old files not removed


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path) -> tuple[Path, Path]:
    """A two-file corpus and its index: builds of it take about a second."""
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


def _start(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)


def _pausing(step: tuple[str, str], corpus: Path, index: Path, nth: int = 1,
             force: bool = True) -> list[str]:
    return [sys.executable, "-c", PAUSING_CLI, step[0], str(nth), step[1]] + \
        build_command(corpus, index, force)[3:]


def _stopped(proc: subprocess.Popen[bytes]) -> bool:
    """Whether `proc` has stopped itself (state T in /proc)."""
    try:
        return Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"
    except OSError:
        return False


def _wait_until(proc: subprocess.Popen[bytes], ready: Callable[[], bool], limit: float = 120.0) -> bool:
    """Poll until `ready()`; False when the process ended first."""
    deadline = time.monotonic() + limit
    while proc.poll() is None:
        if ready():
            return True
        assert time.monotonic() < deadline, "the build neither stopped nor ended in time"
        time.sleep(0.002)
    return False


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait()


def _full_build(argv: list[str], log: Path) -> float:
    start = time.monotonic()
    proc = _start(argv, log)
    assert proc.wait(timeout=120) == 0, log.read_text(errors="replace")
    return time.monotonic() - start


# ---- killed builds ---------------------------------------------------------------------------
def test_build_killed_at_each_commit_step_keeps_the_previous_index(
        copy: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus, index = copy
    expected, log = results(index), tmp_path / "build.log"
    for step in STEPS:
        proc = _start(_pausing(step, corpus, index), log)
        assert _wait_until(proc, lambda p=proc: _stopped(p)), f"{step}: never reached"
        _kill(proc)
        assert results(index) == expected, f"index changed after a kill at {step}"
    code, _, err = run_cli(["index", str(corpus), "--index", str(index), "--force", "--quiet"], capsys)
    assert code == 0, err
    assert stray_files(index) == []
    assert results(index) == expected


def test_build_killed_after_delays_keeps_the_previous_index(copy: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    corpus, index = copy
    expected, log = results(index), tmp_path / "build.log"
    runtime = _full_build(build_command(corpus, index), log)
    for fraction in (0.4, 0.9):
        proc = _start(build_command(corpus, index), log)
        deadline = time.monotonic() + fraction * runtime
        if _wait_until(proc, lambda d=deadline: time.monotonic() >= d):
            _kill(proc)
        assert results(index) == expected, f"index changed after a kill at {fraction:.0%}"
    _full_build(build_command(corpus, index), log)
    assert stray_files(index) == []
    assert results(index) == expected


@pytest.mark.parametrize("step", [("shutil:copyfile", "after"), ("citeqa.store:commit", "before")],
                         ids=["copying the encoder", "before the first commit"])
def test_killed_first_build_leaves_nothing_that_trips_the_next(small: tuple[Path, Path], tmp_path: Path,
                                                                step: tuple[str, str]) -> None:
    corpus, index = small[0], tmp_path / "index"
    proc = _start(_pausing(step, corpus, index), tmp_path / "build.log")
    assert _wait_until(proc, lambda: _stopped(proc)), f"{step}: never reached"
    _kill(proc)
    with pytest.raises(IndexNotFoundError):
        citeqa.Index.open(index)
    citeqa.Index.build(corpus, index)
    assert stray_files(index) == []
    assert results(index) == results(small[1])


# ---- two builds at once ----------------------------------------------------------------------
def test_second_build_fails_fast_and_the_index_stays_valid(copy: tuple[Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    corpus, index = copy
    expected = results(index)
    proc = _start(_pausing(("citeqa.store:commit", "before"), corpus, index), tmp_path / "build.log")
    assert _wait_until(proc, lambda: _stopped(proc))
    start = time.monotonic()
    code, _, err = run_cli(["index", str(corpus), "--index", str(index), "--force", "--quiet"], capsys)
    with pytest.raises(IndexLockedError, match="another build"):
        citeqa.Index.build(corpus, index, force=True)
    assert time.monotonic() - start < 5.0
    assert code == IndexLockedError.exit_code == 7 and "another `citeqa index`" in err
    assert results(index) == expected
    proc.send_signal(signal.SIGCONT)
    assert proc.wait(timeout=120) == 0
    assert results(index) == expected and stray_files(index) == []


# ---- readers during rebuilds -----------------------------------------------------------------
class _Readers:
    """Threads that open and read the index over and over, recording what they saw."""

    def __init__(self, index: Path):
        self.index = index
        self.stop = threading.Event()
        self.seen: set[tuple[object, ...]] = set()
        self.errors: list[str] = []
        self.reads = 0
        self.threads = [threading.Thread(target=self._guard, args=(self.store_read, 0.001)),
                        threading.Thread(target=self._guard, args=(self.index_read, 0.02))]

    def _guard(self, read: Callable[[], tuple[object, ...]], pause: float) -> None:
        while not self.stop.is_set():
            try:
                self.seen.add(read())
                self.reads += 1
            except Exception as err:  # every failure is a finding, whatever its type
                self.errors.append(f"{type(err).__name__}: {err}")
            time.sleep(pause)  # leave the builder some CPU on a small machine

    def store_read(self) -> tuple[object, ...]:
        """What the store layer reads: row counts and the end of the chunk text."""
        m = store.read_manifest(self.index)
        tables = store.load_tables(store.verify_files(self.index, m), int(m["chunk_count"]))
        return ("store", tables.n_chunks, len(tables.bm25_vocab), bytes(tables.chunk_text[-64:]))

    def index_read(self) -> tuple[object, ...]:
        """What a user sees: the chunk count and the search results."""
        return ("index", tuple(results(self.index)))

    def wait_for(self, states: set[tuple[object, ...]], limit: float = 30.0) -> None:
        """Return once the readers have seen `states` (so old and new are both really read)."""
        deadline = time.monotonic() + limit
        while not states <= self.seen and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)

    @property
    def now(self) -> set[tuple[object, ...]]:
        """What a read sees right now."""
        return {self.store_read(), self.index_read()}


@pytest.fixture
def readers(copy: tuple[Path, Path]) -> Iterator[_Readers]:
    group = _Readers(copy[1])
    for t in group.threads:
        t.start()
    yield group
    group.stop.set()
    for t in group.threads:
        t.join()


def test_readers_during_rebuilds_see_old_or_new(copy: tuple[Path, Path], readers: _Readers,
                                                tmp_path: Path) -> None:
    corpus, index = copy
    probe = _Readers(index)
    old, extra, log = probe.now, corpus / "extra.txt", tmp_path / "build.log"
    readers.wait_for(old)
    extra.write_text("Zebra crossings are striped. Buses stop at the corner.\n", encoding="utf-8")
    _full_build(build_command(corpus, index, force=False), log)
    new = probe.now
    readers.wait_for(new)
    extra.unlink()
    _full_build(build_command(corpus, index, force=False), log)
    time.sleep(0.1)
    assert probe.now == old != new
    assert readers.errors == []
    assert readers.seen <= old | new, readers.seen - (old | new)
    assert len(readers.seen) == 4 and readers.reads > 20
    assert stray_files(index) == []
