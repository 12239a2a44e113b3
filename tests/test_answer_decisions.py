"""Answer decisions on real indexes (real model, real FAISS): the confidence is a probability
that decides abstention, questions about something the documents never mention abstain, and
sources that disagree are both cited."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import citeqa

ROOT = Path(__file__).resolve().parents[1]
CONFLICTS = ROOT / "eval" / "conflicts"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def conflicts_index(tmp_path_factory: pytest.TempPathFactory) -> citeqa.Index:
    corpus = tmp_path_factory.mktemp("conflicts") / "corpus"
    shutil.copytree(CONFLICTS, corpus)
    return citeqa.Index.build(corpus, corpus.parent / "index")


def _questions(kind: str) -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "sets" / "conflicts.jsonl").open()]
    return [r for r in rows if r["type"] == kind]


@pytest.mark.parametrize("question", [
    "Who was Japan's defence minister at the meeting?",
    "When was the feasibility study on a new air-to-air missile launched?",
    "What is the population of Japan?",
    "How many gyros were exported?",
])
def test_confidence_is_a_probability_and_decides_abstention(seed_index: citeqa.Index,
                                                            question: str) -> None:
    answer = seed_index.ask(question)
    threshold = seed_index.options.abstain_threshold
    assert 0.0 <= answer.confidence <= 1.0
    gated = seed_index.ask(question, abstain_threshold=0.0).abstained   # the hand-set gates
    assert answer.abstained == (gated or answer.confidence < threshold)
    assert not gated or answer.confidence == 0.0
    assert seed_index.ask(question, abstain_threshold=1.01).abstained   # above any confidence


@pytest.mark.parametrize("question", [
    "What is the boiling point of mercury?",
    "Who painted the Sistine Chapel ceiling?",
    "How do I bake sourdough bread?",
])
def test_questions_about_something_else_abstain_with_no_confidence(seed_index: citeqa.Index,
                                                                   question: str) -> None:
    answer = seed_index.ask(question)
    assert answer.abstained and answer.confidence == 0.0
    assert answer.citations, "an abstention still lists the closest passages"


def test_most_conflicting_reports_are_flagged_with_both_sides(conflicts_index: citeqa.Index
                                                               ) -> None:
    flagged = 0
    conflicts = _questions("conflict")
    for q in conflicts:
        answer = conflicts_index.ask(q["question"])
        if answer.disagreement:
            flagged += 1
            assert {c.source for c in answer.citations} == {q["source"],
                                                           q["other_side"]["source"]}
            text = answer.text.casefold()
            assert q["answers"][0].casefold() in text
            assert q["other_side"]["answers"][0].casefold() in text
    assert 2 * flagged >= len(conflicts), f"{flagged} of {len(conflicts)} conflicts flagged"


def test_reports_that_agree_are_seldom_said_to_disagree(conflicts_index: citeqa.Index) -> None:
    agreeing = [q for kind in ("lexical", "paraphrase") for q in _questions(kind)]
    said = [q["id"] for q in agreeing if conflicts_index.ask(q["question"]).disagreement]
    assert len(said) <= 1, said
