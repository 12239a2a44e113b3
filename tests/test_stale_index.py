"""A corpus changed since the build is detected on open; answers from the old index only when
asked for, and then marked stale."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_tools import assert_one_line_error, clone, run_cli

import citeqa
from citeqa.cli.output import advice
from citeqa.errors import StaleIndexError
from citeqa.staleness import compare, fingerprint

MINISTER = "Who was Japan's defence minister at the meeting?"


def _first(corpus: Path) -> Path:
    return sorted(corpus.glob("*.txt"))[0]


def _append(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\nA late addition.\n", encoding="utf-8")


CHANGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "added": (lambda c: (c / "new.md").write_text("# New\n\nFresh text.\n", encoding="utf-8"),
              "1 added (new.md)"),
    "changed": (lambda c: _append(_first(c)), "1 changed"),
    "removed": (lambda c: _first(c).unlink(), "1 removed"),
    "corpus gone": (lambda c: shutil.rmtree(c), "its corpus folder is gone"),
}


@pytest.fixture
def copy(seed_corpus: Path, seed_index_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    return clone(seed_corpus, seed_index_dir, tmp_path)


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_changed_corpus_is_detected_on_open(copy: tuple[Path, Path], case: str) -> None:
    corpus, index = copy
    change, summary = CHANGES[case]
    change(corpus)
    with pytest.raises(StaleIndexError) as info:
        citeqa.Index.open(index)
    message = advice(info.value)
    assert summary in message and f"citeqa index --index {index}" in message
    assert "--allow-stale" in message
    stale = citeqa.Index.open(index, allow_stale=True)
    assert stale.changes and summary in stale.changes.summary()
    answer = stale.ask(MINISTER)
    assert answer.stale and not answer.abstained


def test_touched_file_is_not_stale(copy: tuple[Path, Path]) -> None:
    corpus, index = copy
    os.utime(_first(corpus))
    assert not citeqa.Index.open(index).changes


def test_cli_refuses_a_stale_index_unless_allowed(copy: tuple[Path, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    corpus, index = copy
    CHANGES["added"][0](corpus)
    code, out, err = run_cli(["ask", MINISTER, "--index", str(index)], capsys)
    assert code == StaleIndexError.exit_code == 6 and out == ""
    assert_one_line_error(err, "out of date", "new.md", "--allow-stale")
    code, out, _ = run_cli(["ask", MINISTER, "--index", str(index), "--allow-stale"], capsys)
    assert code == 0 and out.startswith("(answered from an out-of-date index")
    code, out, _ = run_cli(["ask", MINISTER, "--index", str(index), "--allow-stale", "--json"], capsys)
    assert code == 0 and json.loads(out)["stale"] is True
    code, out, err = run_cli(["search", "Meteor", "--index", str(index), "--allow-stale"], capsys)
    assert code == 0 and "out of date" in err


def test_the_named_command_refreshes_a_stale_index(copy: tuple[Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    corpus, index = copy
    CHANGES["added"][0](corpus)
    assert run_cli(["index", "--index", str(index), "--quiet"], capsys)[0] == 0
    fresh = citeqa.Index.open(index)
    assert not fresh.changes and "new.md" in fresh.sources


# ---- compare(), property-based ---------------------------------------------------------------
NAMES = st.lists(st.sampled_from([f"f{i}.txt" for i in range(6)]), unique=True, max_size=6)


@settings(max_examples=60, deadline=None)
@given(before=NAMES, add=NAMES, change=NAMES, remove=NAMES)
def test_compare_reports_exactly_what_changed(tmp_path_factory: pytest.TempPathFactory, before: list[str],
                                              add: list[str], change: list[str], remove: list[str]) -> None:
    corpus = tmp_path_factory.mktemp("corpus")
    for name in before:
        (corpus / name).write_text(f"text of {name}", encoding="utf-8")
    seen = {name: fingerprint(corpus / name) for name in before}
    added = sorted(set(add) - set(before))
    removed = sorted(set(remove) & set(before))
    changed = sorted(set(change) & set(before) - set(removed))
    for name in added:
        (corpus / name).write_text("new", encoding="utf-8")
    for name in changed:
        (corpus / name).write_text(f"other text of {name}!", encoding="utf-8")
    for name in removed:
        (corpus / name).unlink()
    found = compare(corpus, seen)
    assert (found.added, found.changed, found.removed) == (added, changed, removed)
    assert bool(found) == bool(added or changed or removed)
