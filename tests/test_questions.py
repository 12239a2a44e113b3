"""The handwritten question sets in eval/, read with citeqa's own loader, and checked for the
rules of shared/QUESTIONS.md that the loader does not enforce."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeqa.documents import SourceFile, read_document
from citeqa.evaluation import Question, load_questions

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_SET = REPO_ROOT / "eval" / "questions.jsonl"
SETS = sorted([SEED_SET, *(REPO_ROOT / "eval" / "sets").glob("*.jsonl")])
SEED_TYPES = {"lexical", "paraphrase", "multi", "unanswerable"}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module", params=SETS, ids=lambda p: p.stem)
def question_set(request: pytest.FixtureRequest) -> list[Question]:
    return load_questions(request.param)


def test_every_set_has_enough_questions_of_both_kinds(question_set: list[Question]) -> None:
    assert len(question_set) >= 30
    assert sum(not q.answerable for q in question_set) >= 8


def test_answers_occur_in_their_evidence(question_set: list[Question]) -> None:
    for q in question_set:
        if q.answerable:
            for answer in q.answers:
                assert any(_norm(answer) in _norm(ev) for ev in q.evidence), (q.id, answer)
        else:
            assert q.answers == () and q.evidence == (), q.id


def test_seed_set_types_and_evidence_in_the_article() -> None:
    questions = load_questions(SEED_SET)
    assert len(questions) >= 60 and sum(not q.answerable for q in questions) >= 12
    for q in questions:
        assert q.type in SEED_TYPES and q.answerable == (q.type != "unanswerable"), q.id
        assert q.source is not None
        doc, _ = read_document(SourceFile(q.source, REPO_ROOT / "seeds" / q.source))
        assert doc is not None
        assert all(ev in doc.text for ev in q.evidence), q.id
        if q.type == "multi":
            assert len(q.evidence) >= 2, q.id
