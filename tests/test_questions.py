"""Sanity checks for the handwritten evaluation question set in eval/questions.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_PATH = REPO_ROOT / "eval" / "questions.jsonl"
SEEDS_DIR = REPO_ROOT / "seeds"
ALLOWED_TYPES = {"lexical", "paraphrase", "multi", "unanswerable"}
REQUIRED_FIELDS: dict[str, type] = {
    "id": str,
    "question": str,
    "answers": list,
    "evidence": list,
    "source": str,
    "answerable": bool,
    "type": str,
}


def _load_questions() -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    with QUESTIONS_PATH.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - reported via pytest.fail
                pytest.fail(f"line {lineno} is not valid JSON: {exc}")
            assert isinstance(obj, dict), f"line {lineno} is not a JSON object"
            questions.append(obj)
    return questions


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def questions() -> list[dict[str, Any]]:
    return _load_questions()


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in SEEDS_DIR.glob("*.txt")}


def test_file_exists_and_parses(questions: list[dict[str, Any]]) -> None:
    assert questions, "no questions loaded"


def test_ids_unique(questions: list[dict[str, Any]]) -> None:
    ids = [q["id"] for q in questions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate ids: {dupes}"


def test_required_fields_and_types(questions: list[dict[str, Any]]) -> None:
    for q in questions:
        for field, ftype in REQUIRED_FIELDS.items():
            assert field in q, f"{q.get('id')}: missing field {field!r}"
            assert isinstance(q[field], ftype), f"{q['id']}: {field!r} should be {ftype.__name__}"
        assert q["question"].strip(), f"{q['id']}: empty question"
        assert all(isinstance(a, str) and a.strip() for a in q["answers"]), f"{q['id']}: bad answers"
        assert all(isinstance(e, str) and e.strip() for e in q["evidence"]), f"{q['id']}: bad evidence"
        assert q["type"] in ALLOWED_TYPES, f"{q['id']}: unknown type {q['type']!r}"
        assert q["answerable"] == (q["type"] != "unanswerable"), f"{q['id']}: answerable/type mismatch"


def test_evidence_is_verbatim_in_source(
    questions: list[dict[str, Any]], sources: dict[str, str]
) -> None:
    for q in questions:
        assert q["source"] in sources, f"{q['id']}: unknown source {q['source']!r}"
        text = sources[q["source"]]
        for ev in q["evidence"]:
            assert ev in text, f"{q['id']}: evidence not found verbatim: {ev[:60]!r}"


def test_answerable_questions_have_supported_answers(questions: list[dict[str, Any]]) -> None:
    for q in questions:
        if not q["answerable"]:
            continue
        assert q["answers"], f"{q['id']}: answerable question without answers"
        assert q["evidence"], f"{q['id']}: answerable question without evidence"
        for ans in q["answers"]:
            assert any(_norm(ans) in _norm(ev) for ev in q["evidence"]), (
                f"{q['id']}: answer {ans!r} not in any evidence quote"
            )


def test_multi_questions_have_two_evidence_quotes(questions: list[dict[str, Any]]) -> None:
    for q in questions:
        if q["type"] == "multi":
            assert len(q["evidence"]) >= 2, f"{q['id']}: multi question needs 2+ evidence quotes"


def test_unanswerable_questions_are_empty(questions: list[dict[str, Any]]) -> None:
    for q in questions:
        if not q["answerable"]:
            assert q["answers"] == [], f"{q['id']}: unanswerable question has answers"
            assert q["evidence"] == [], f"{q['id']}: unanswerable question has evidence"


def test_minimum_counts(questions: list[dict[str, Any]]) -> None:
    assert len(questions) >= 60, f"only {len(questions)} questions"
    unanswerable = sum(1 for q in questions if not q["answerable"])
    assert unanswerable >= 12, f"only {unanswerable} unanswerable questions"
