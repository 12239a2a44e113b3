"""A stateful property test of the index as a user meets it: random sequences of adding,
editing, deleting and touching corpus files, building, killing a build at a random moment,
editing a file while a build reads, and opening and asking.

After every completed build the index opens, is not stale, and every hit's and citation's text
is exactly the current file's text at its offsets, on the line the offsets fall on. Whenever an
open is not refused as stale, that holds too. Nothing outside the index folder ever changes:
the corpus holds exactly what the test wrote, and a bystander folder, reachable through links
planted in the index folder, is never touched.

CI runs a few short examples; CITEQA_STATEFUL_EXAMPLES and CITEQA_STATEFUL_STEPS run more:

    CITEQA_STATEFUL_EXAMPLES=30 CITEQA_STATEFUL_STEPS=20 CITEQA_STATEFUL_LOG=/tmp/counts.jsonl \
        pytest tests/test_state_machine.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from index_tools import build_command

import citeqa
from citeqa import indexdir, store
from citeqa.errors import CorpusError, IndexNotFoundError, StaleIndexError

pytestmark = pytest.mark.model

EXAMPLES = int(os.environ.get("CITEQA_STATEFUL_EXAMPLES", "2"))
STEPS = int(os.environ.get("CITEQA_STATEFUL_STEPS", "8"))
LOG = os.environ.get("CITEQA_STATEFUL_LOG")  # a file to append each example's counts to
NAMES = ["harbour.txt", "mill.txt", "notes/orchard.txt", "notes/deep/quarry.txt"]
WORDS = ("lantern ferry granite orchard miller quarry harbour beacon tide meadow copper "
         "signal bridge engine barley falcon").split()
SENTENCES = [f"The {a} stood beside the {b} near the {c}." for a, b, c in
             zip(WORDS, WORDS[3:] + WORDS[:3], WORDS[7:] + WORDS[:7], strict=True)]
LINE_ENDS = ["\n", "\r\n", "\r", " "]
_LINE_BREAK = re.compile(r"\r\n?|\n")

texts = st.lists(st.tuples(st.sampled_from(SENTENCES), st.sampled_from(LINE_ENDS)),
                 min_size=1, max_size=8).map(lambda parts: "".join(s + e for s, e in parts))


def line_of(text: str, offset: int) -> int:
    """The 1-based line of `offset`, lines ending at \\n, \\r\\n or \\r (README's rule)."""
    return 1 + len(_LINE_BREAK.findall(text[:offset]))


def tree(root: Path) -> dict[str, bytes | str]:
    """Every file (its bytes) and link (its target) under `root`, links not followed."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                out[str(path.relative_to(root))] = os.readlink(path)
            elif path.is_file():
                out[str(path.relative_to(root))] = path.read_bytes()
    return out


class IndexMachine(RuleBasedStateMachine):
    """The model: `files` is what the corpus holds; `built` what it held at the last completed
    build; `unsure` is set when a build was killed or raced an edit, so whether the index
    reflects the corpus is not known (it may be either; it must never be silently wrong)."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="citeqa-states-"))
        self.corpus, self.index = self.root / "corpus", self.root / "index"
        self.bystander = self.root / "bystander"
        self.bystander.mkdir()
        for name in ("model.onnx", "chunk_meta.npy", "manifest.json"):
            (self.bystander / name).write_bytes(b"not citeqa's " + name.encode())
        self.bystander_tree = tree(self.bystander)
        self.files: dict[str, bytes] = {}
        self.built: dict[str, bytes] | None = None
        self.unsure = False
        self.build_seconds = 8.0      # a `citeqa index` process, start to end
        self.counts: Counter[str] = Counter()
        self.write(NAMES[0], SENTENCES[0] + "\n" + SENTENCES[1] + "\n")

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        if LOG:
            with open(LOG, "a", encoding="utf-8") as f:
                f.write(json.dumps(dict(sorted(self.counts.items()))) + "\n")

    # ---- the corpus ------------------------------------------------------------------------
    def write(self, name: str, text: str) -> None:
        path = self.corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        self.files[name] = text.encode("utf-8")

    @rule(name=st.sampled_from(NAMES), text=texts)
    def add_or_edit(self, name: str, text: str) -> None:
        self.write(name, text)
        self.counts["edits"] += 1

    @rule(name=st.sampled_from(NAMES))
    def delete(self, name: str) -> None:
        if name in self.files:
            (self.corpus / name).unlink()
            del self.files[name]

    @rule(name=st.sampled_from(NAMES), back=st.booleans())
    def touch(self, name: str, back: bool) -> None:
        """Times change, content does not: never a reason to call the index stale."""
        if name in self.files:
            if back:
                os.utime(self.corpus / name, ns=(1, 10**18))
            else:
                os.utime(self.corpus / name)

    @rule(name=st.sampled_from(NAMES), at=st.integers(0, 10**6), data=st.data())
    def same_size_edit_old_mtime(self, name: str, at: int, data: st.DataObject) -> None:
        """One letter replaced by another, then the old times put back (`touch -d`)."""
        if name not in self.files:
            return
        old = bytearray(self.files[name])
        letters = [i for i, b in enumerate(old) if chr(b).isalpha()]
        i = letters[at % len(letters)]
        new = data.draw(st.sampled_from([c for c in b"xyzqk" if c != old[i]]))
        old[i] = new
        path = self.corpus / name
        st_old = path.stat()
        path.write_bytes(bytes(old))
        os.utime(path, ns=(st_old.st_atime_ns, st_old.st_mtime_ns))
        self.files[name] = bytes(old)
        self.counts["same-size edits"] += 1

    # ---- builds ----------------------------------------------------------------------------
    @rule(plant=st.booleans())
    def build(self, plant: bool) -> None:
        """A completed build; with `plant`, links to the bystander folder are first put where
        a build deletes or writes (the encoder folder, a generation's name)."""
        if plant and self.files and self.index.is_dir():
            encoder = self.index / indexdir.ENCODER_DIR
            if encoder.is_dir() and not encoder.is_symlink():
                shutil.rmtree(encoder)
            elif encoder.is_symlink():
                encoder.unlink()
            encoder.symlink_to(self.bystander)
            gen = self.index / "gen-00000000beef"
            if not os.path.lexists(gen):
                gen.symlink_to(self.bystander)
            self.counts["links planted"] += 1
        try:
            citeqa.Index.build(self.corpus, self.index)
        except CorpusError:
            assert not any(self.files.values()), "a corpus with text was refused"
            self.counts["builds of an empty corpus"] += 1
            return
        self.counts["builds"] += 1
        self.built, self.unsure = dict(self.files), False
        self.check_open(expect_fresh=True)
        journal = set(indexdir.read_journal(self.index))
        assert journal <= indexdir.references(store.read_manifest(self.index)), journal
        assert not [p for p in self.index.rglob("*.tmp")], "temporary files left behind"

    @rule(fraction=st.floats(0.0, 1.0))
    def killed_build(self, fraction: float) -> None:
        """A `citeqa index --force` process killed (SIGKILL) at a random moment of its run."""
        start = time.monotonic()
        proc = subprocess.Popen(build_command(self.corpus, self.index), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=fraction * self.build_seconds)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.unsure = True
            self.counts["builds killed"] += 1
            return
        self.counts["builds not killed in time"] += 1
        self.build_seconds = time.monotonic() - start
        if proc.returncode == 0:
            self.built, self.unsure = dict(self.files), False

    @precondition(lambda self: bool(self.files))
    @rule(fraction=st.floats(0.0, 1.0), text=texts, data=st.data())
    def edit_during_build(self, fraction: float, text: str, data: st.DataObject) -> None:
        """A file rewritten while a build runs: the index may hold either text, but if it
        holds the old one it must say it is stale."""
        name = data.draw(st.sampled_from(sorted(self.files)))
        proc = subprocess.Popen(build_command(self.corpus, self.index), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(fraction * self.build_seconds)
        self.write(name, text)
        assert proc.wait(timeout=300) in (0, CorpusError.exit_code)
        self.unsure = True
        self.counts["edits during a build"] += 1

    # ---- readers ---------------------------------------------------------------------------
    @rule(word=st.sampled_from(WORDS))
    def open_and_ask(self, word: str) -> None:
        self.check_open(expect_fresh=False, word=word)

    def check_open(self, expect_fresh: bool, word: str = "granite") -> None:
        changed = self.built is not None and self.built != self.files
        try:
            idx = citeqa.Index.open(self.index)
        except IndexNotFoundError:
            assert self.built is None or self.unsure
            self.counts["opens: no index"] += 1
            return
        except StaleIndexError:
            assert not expect_fresh, "an index stale right after a completed build"
            assert changed or self.unsure, "stale, but nothing changed since the build"
            self.counts["opens: stale"] += 1
            return
        assert not changed or self.unsure, "an edit since the build went unseen"
        self.counts["opens: current"] += 1
        current = {name: data.decode("utf-8") for name, data in self.files.items()}
        assert set(idx.sources) <= set(current)
        for source in idx.sources:
            assert idx.text(source) == current[source]
        hits = idx.search(f"the {word}", k=20)
        answer = idx.ask(f"What stood beside the {word}?")
        spans = [(h.source, h.start, h.end, h.line_start, h.line_end, h.text) for h in hits] + \
                [(c.source, c.start, c.end, c.line_start, c.line_end, c.quote)
                 for c in answer.citations]
        self.counts["quotes checked"] += len(spans)
        for source, start, end, first, last, quote in spans:
            text = current[source]
            assert quote == text[start:end], (source, start, end)
            assert (first, last) == (line_of(text, start), line_of(text, end - 1))
        assert not answer.stale

    @invariant()
    def nothing_outside_the_index_changed(self) -> None:
        on_disk = {name: data for name, data in tree(self.corpus).items()
                   if isinstance(data, bytes)} if self.corpus.is_dir() else {}
        assert on_disk == self.files
        assert tree(self.bystander) == self.bystander_tree


IndexMachine.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
    suppress_health_check=list(HealthCheck), print_blob=True)
TestIndexMachine = IndexMachine.TestCase


def test_line_of_counts_every_line_end() -> None:
    assert [line_of("a\r\nb\rc\nd", i) for i in (0, 3, 5, 7)] == [1, 2, 3, 4]
