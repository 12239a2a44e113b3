"""Odd questions and wrong arguments: an answer, an abstention or a clear `ValueError`, never a
crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index_tools import assert_one_line_error, run_cli

import citeqa
from citeqa.index import MAX_QUESTION_CHARS
from citeqa.records import Answer, Hit
from citeqa.retrieval import MAX_K
from citeqa.settings import MODES, BuildSettings

ODD = {
    "control characters": "who\x00 is\x07 the \x1b[31mdefence\x1b[0m secretary?\x7f",
    "emoji": "🤔 who met in Tokyo? 🇬🇧🇯🇵",
    "Japanese": "防衛大臣は誰ですか",
    "Arabic": "من هو وزير الدفاع؟",
    "Cyrillic": "Кто министр обороны?",
    "Devanagari": "रक्षा मंत्री कौन है?",
    "markup": "<script>alert('x')</script><b>Meteor</b> missile?",
    "SQL": "'; DROP TABLE chunks; -- Robert'); SELECT * FROM sources WHERE 1=1",
    "format strings": "{0} {question!r} %s %n %(x)d ${HOME} $(rm -rf /)",
    "regex": ".*[(?<=x)\\1 (a+)+$",
    "path": "../../../etc/passwd",
    "lone surrogates": "\ud800 defence \udfff",
    "combining marks": "de\u0301fe\u0300nce\u0327 Z̷̢͉a̸l̶g̴o̷",
    "bidi and zero width": "\u202edefence\u202c \u200b\u200dminister\ufeff",
    "exactly the limit": ("defence minister " * 200)[:MAX_QUESTION_CHARS],
    "long but mostly spaces": " " * 100_000 + "Meteor missile",
    "one letter": "x",
    "digits": "2015 2015 2015",
}
REFUSED = {
    "empty": "",
    "spaces": "   ",
    "whitespace": "\t\n\r\x0b\x0c",
    "only controls": "\x00\x01\x02\x1b",
    "only zero width": "\u200b\u200c\u200d\ufeff",
    "one over the limit": "a" * (MAX_QUESTION_CHARS + 1),
    "100 000 characters": "why " * 25_000,
}


def _check_hits(hits: list[Hit], k: int, corpus: Path) -> None:
    assert len(hits) <= k
    assert [(-h.score, h.chunk_id) for h in hits] == sorted((-h.score, h.chunk_id) for h in hits)
    for h in hits:
        text = (corpus / h.source).read_text(encoding="utf-8")
        assert text[h.start:h.end] == h.text


def _check_answer(answer: Answer, corpus: Path) -> None:
    assert isinstance(answer, Answer) and answer.text
    assert answer.abstained or answer.citations
    for c in answer.citations:
        assert (corpus / c.source).read_text(encoding="utf-8")[c.start:c.end] == c.quote
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("name", sorted(ODD))
def test_odd_question_answers_or_abstains(seed_index: citeqa.Index, name: str) -> None:
    question = ODD[name]
    _check_answer(seed_index.ask(question), seed_index.corpus)
    for mode in MODES:
        _check_hits(seed_index.search(question, k=5, mode=mode), 5, seed_index.corpus)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_empty_or_overlong_question_is_refused(seed_index: citeqa.Index, name: str) -> None:
    question = REFUSED[name]
    expected = "limit is 2000" if question.strip() and len(question) > 100 else "empty"
    for call in (seed_index.ask, seed_index.search):
        with pytest.raises(ValueError, match=expected):
            call(question)


def test_limit_counts_characters_after_spaces_collapse(seed_index: citeqa.Index) -> None:
    assert MAX_QUESTION_CHARS == 2000
    seed_index.search("a" * MAX_QUESTION_CHARS)
    with pytest.raises(ValueError, match="question is 2001 characters long; the limit is 2000"):
        seed_index.search("a" * (MAX_QUESTION_CHARS + 1))


@pytest.mark.parametrize("name", ["empty", "one over the limit"])
def test_cli_refuses_a_bad_question_in_one_line(seed_index_dir: Path, name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("ask", "search"):
        code, out, err = run_cli([command, REFUSED[name], "--index", str(seed_index_dir)], capsys)
        assert code == 2 and out == ""
        assert_one_line_error(err, "question")


@pytest.mark.parametrize("name", ["control characters", "SQL", "emoji", "lone surrogates"])
def test_cli_answers_odd_questions_as_utf8_json(seed_index_dir: Path, name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["ask", ODD[name], "--index", str(seed_index_dir), "--json"], capsys)
    assert code == 0, err
    assert isinstance(json.loads(out.encode("utf-8")), dict)


def test_cli_search_json_with_undecodable_argument_is_utf8(seed_index_dir: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # what Python makes of a command-line argument holding the byte 0xFF
    code, out, _ = run_cli(["search", "\udcff Meteor", "--index", str(seed_index_dir), "--json"], capsys)
    assert code == 0
    out.encode("utf-8")


# ---- property-based ---------------------------------------------------------------------------
QUESTION = st.one_of(st.text(), st.text(st.characters(codec="utf-8"), max_size=300),
                     st.text(st.sampled_from("abc Meteor defence?!\x00\n\t😀é<>'\";"), max_size=80),
                     st.integers(0, 3).map(lambda n: "x" * (MAX_QUESTION_CHARS - 1 + n)))


def _expect_clean_refusal(err: ValueError) -> None:
    assert "empty" in str(err) or f"limit is {MAX_QUESTION_CHARS}" in str(err), str(err)


@settings(max_examples=150, deadline=None)
@given(question=QUESTION, k=st.integers(1, 20), mode=st.sampled_from(MODES))
def test_any_search_returns_hits_or_a_clear_error(seed_index: citeqa.Index, question: str, k: int,
                                                  mode: str) -> None:
    try:
        hits = seed_index.search(question, k=k, mode=mode)
    except ValueError as err:
        _expect_clean_refusal(err)
        return
    _check_hits(hits, k, seed_index.corpus)


@settings(max_examples=15, deadline=None)
@given(question=QUESTION)
def test_any_ask_answers_abstains_or_errs_clearly(seed_index: citeqa.Index, question: str) -> None:
    try:
        answer = seed_index.ask(question)
    except ValueError as err:
        _expect_clean_refusal(err)
        return
    _check_answer(answer, seed_index.corpus)


# ---- wrong argument types and values ---------------------------------------------------------
ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                st.binary(max_size=5), st.lists(st.integers(), max_size=2))


@settings(max_examples=80, deadline=None)
@given(k=ANY)
def test_bad_k_is_a_value_error_naming_the_range(seed_index: citeqa.Index, k: Any) -> None:
    if type(k) is int and 1 <= k <= MAX_K:
        seed_index.search("Meteor", k=k, mode="bm25")
        return
    calls = [seed_index.search] + ([seed_index.ask] if k is not None else [])  # ask: None = default
    for call in calls:
        with pytest.raises(ValueError, match=f"k must be a whole number from 1 to {MAX_K}"):
            call("Meteor", k=k, mode="bm25")


@settings(max_examples=60, deadline=None)
@given(mode=ANY)
def test_unknown_mode_is_a_value_error_naming_the_modes(seed_index: citeqa.Index, mode: Any) -> None:
    if mode in MODES:
        return
    for call in (seed_index.search, seed_index.ask):
        with pytest.raises(ValueError, match="mode must be one of bm25, dense, hybrid"):
            call("Meteor", k=3, mode=mode)


@pytest.mark.parametrize("question", [None, 42, b"Meteor", ["Meteor"], 3.5])
def test_question_of_another_type_is_a_value_error(seed_index: citeqa.Index, question: Any) -> None:
    for call in (seed_index.search, seed_index.ask):
        with pytest.raises(ValueError, match="question must be a str"):
            call(question)


def test_cli_rejects_bad_k_and_mode(seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["search", "Meteor", "--index", str(seed_index_dir), "--k", "0"], capsys)
    assert code == 2
    assert_one_line_error(err, "from 1 to 1000")
    with pytest.raises(SystemExit) as info:
        run_cli(["search", "Meteor", "--index", str(seed_index_dir), "--mode", "fuzzy"], capsys)
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("call", ["open path", "build corpus", "config type", "config value type"])
def test_wrong_types_elsewhere_are_value_errors(call: str, tmp_path: Path, seed_index_dir: Path) -> None:
    with pytest.raises(ValueError):
        if call == "open path":
            citeqa.Index.open(42)  # type: ignore[arg-type]
        elif call == "build corpus":
            citeqa.Index.build(None, tmp_path / "i")  # type: ignore[arg-type]
        elif call == "config type":
            citeqa.Index.open(seed_index_dir, options="fast")  # type: ignore[arg-type]
        else:
            BuildSettings(chunk_tokens="128")  # type: ignore[arg-type]
