"""Evaluation tests: the relevance rule and every metric pinned to hand-computed numbers,
question-set loading, the --limit-docs corpus copy, and one end-to-end `citeqa eval` run."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest

from citeqa.cli.evaluate import default_set_name, plan
from citeqa.evaluation import (
    Evidence,
    Question,
    QuestionSetError,
    holds_answer,
    judge_answer,
    judge_hits,
    keep_sources,
    limit_corpus,
    load_questions,
    locate_evidence,
)
from citeqa.metrics import (
    Asked,
    Retrieved,
    answer_metrics,
    contains_answer,
    is_relevant,
    latency,
    normalise,
    occurrences,
    ranked_scores,
    retrieval_metrics,
    strip_markers,
    type_metrics,
)
from citeqa.records import Answer, Citation, Hit

REPO_ROOT = Path(__file__).resolve().parents[1]


# ---- the relevance rule ------------------------------------------------------------------
def test_overlap_of_exactly_half_the_quote_counts() -> None:
    quote = [(10, 20)]                                   # 10 characters
    assert is_relevant((15, 30), quote)                  # overlap 5 = half
    assert not is_relevant((16, 30), quote)              # overlap 4 < half
    assert is_relevant((0, 100), quote)                  # holds the whole quote
    assert not is_relevant((20, 30), quote)              # touches, shares nothing


def test_odd_quote_length_needs_more_than_half_a_character_less() -> None:
    quote = [(0, 11)]                                    # 11 characters: half is 5.5
    assert is_relevant((5, 20), quote)                   # overlap 6
    assert not is_relevant((6, 20), quote)               # overlap 5


def test_any_occurrence_of_a_repeated_quote_counts() -> None:
    spans = occurrences("abcXabc", "abc")
    assert spans == [(0, 3), (4, 7)]
    assert is_relevant((4, 7), spans) and is_relevant((0, 2), spans)
    assert occurrences("aaaa", "aa") == [(0, 2), (1, 3), (2, 4)]
    assert occurrences("abc", "zz") == []


# ---- ranked metrics (ranx) ---------------------------------------------------------------
def test_ranked_scores_on_a_tiny_ranking() -> None:
    # first relevant at rank 1, at rank 3, and never
    qrels = {"q1": {1}, "q2": {7}, "q3": {9}}
    run = {"q1": [1, 2, 3], "q2": [5, 6, 7], "q3": [4]}
    s = ranked_scores(qrels, run)
    assert s["hit_rate@1"] == pytest.approx(1 / 3)
    assert s["hit_rate@3"] == pytest.approx(2 / 3)
    assert s["hit_rate@10"] == pytest.approx(2 / 3)
    assert s["mrr@10"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert s["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4) + 0) / 3)


def test_ndcg_with_two_relevant_passages() -> None:
    s = ranked_scores({"q": {10, 11}}, {"q": [10, 12, 11]})
    assert s["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))


def test_question_without_relevant_passage_counts_as_a_miss() -> None:
    assert ranked_scores({"a": {1}, "b": set()}, {"a": [1], "b": [2]})["hit_rate@1"] == 0.5
    assert ranked_scores({"a": set()}, {"a": [2]})["mrr@10"] == 0.0
    assert ranked_scores({"a": {1}}, {"a": []})["ndcg@10"] == 0.0


def _retrieved(ids: tuple[int, ...], first: int | None, answer: int | None, covered: int,
               quotes: int) -> Retrieved:
    return Retrieved(ids, first, answer, covered, quotes, 0.0)


def test_evidence_recall_and_answer_hit() -> None:
    judged = {"q1": _retrieved((1, 2), 1, 5, 1, 2),      # half its quotes, answer at rank 5
              "q2": _retrieved((3,), None, 6, 1, 1)}      # all its quotes, answer at rank 6
    m = retrieval_metrics({"q1": {1}, "q2": {8}}, judged)
    assert m.evidence_recall_at_10 == pytest.approx((1 / 2 + 1) / 2)
    assert m.answer_hit_at_5 == pytest.approx(1 / 2)
    assert m.hit_at_1 == pytest.approx(1 / 2) and m.mrr_at_10 == pytest.approx(1 / 2)
    assert len(m.hit_curve) == 10 and m.questions == 2


# ---- answers -----------------------------------------------------------------------------
def test_answer_matching_is_case_and_whitespace_blind() -> None:
    assert normalise("  The  QUICK\n\tfox ") == "the quick fox"
    assert contains_answer("They landed in\n  NEW   york.", ["New York"])
    assert not contains_answer("They landed in Newark.", ["New York"])
    assert not contains_answer("anything", [""])


def test_citation_markers_do_not_count_as_answers() -> None:
    assert normalise(strip_markers("It rose. [1] Then fell. [12]")) == "it rose. then fell."
    assert not contains_answer(strip_markers("Nothing numeric here. [1]"), ["1"])


def test_a_gold_answer_copied_with_its_markup_matches_the_shown_text() -> None:
    shown = "The benefit is to avoid starting up a new Black process. [1]"
    assert holds_answer(strip_markers(shown), ["a new _Black_\nprocess"])
    assert holds_answer("Run pip install.", ["`pip install`"])
    assert not holds_answer(strip_markers(shown), ["a new _Blue_ process"])


def _citation(start: int, end: int, source: str = "s.txt") -> Citation:
    return Citation(1, source, start, end, 1, 1, "", 0, 0.0, start, end)


def test_judge_answer_counts_abstention_as_wrong_and_relevant_citations() -> None:
    q = Question("q", "Where?", ("Paris",), ("in Paris",), "s.txt", True)
    ev = [Evidence("s.txt", ((100, 108),))]
    right = Answer("Where?", "It is in paris. [1]", False, [_citation(90, 130), _citation(0, 50)])
    judged = judge_answer(q, right, ev, 0.1)
    assert (judged.correct, judged.citations, judged.relevant_citations) == (True, 2, 1)
    abstained = Answer("Where?", "Paris, maybe.", True, [_citation(90, 130)])
    assert not judge_answer(q, abstained, ev, 0.1).correct


def _asked(abstained: bool, correct: bool = False, cites: int = 0, relevant: int = 0) -> Asked:
    return Asked(abstained, correct, cites, relevant, 0.5, 0.0)


def test_answer_and_abstention_metrics() -> None:
    outcomes = [_asked(False, True, 2, 1), _asked(False, False, 1, 1), _asked(True, False, 3, 0),
                _asked(True), _asked(True), _asked(False, cites=1), _asked(False, cites=1)]
    answerable = [True, True, True, False, False, False, False]
    m = answer_metrics(outcomes, answerable)
    assert (m.answerable, m.unanswerable) == (3, 4)
    assert m.answer_accuracy == pytest.approx(1 / 3)
    assert m.citation_precision == pytest.approx((1 + 1) / (2 + 1))   # abstained one left out
    assert m.abstention_precision == pytest.approx(2 / 3)             # 2 of 3 abstentions
    assert m.abstention_recall == pytest.approx(2 / 4)                # 2 of 4 unanswerable
    assert m.answerable_answered == pytest.approx(2 / 3)


def test_answer_metrics_without_unanswerable_questions_are_none() -> None:
    m = answer_metrics([_asked(False, True, 1, 1)], [True])
    assert m.abstention_recall is None and m.abstention_precision is None
    assert m.answer_accuracy == 1.0


def test_type_metrics_score_each_type_apart() -> None:
    ids = ["a1", "a2", "b1", "u1", "n1"]
    types = ["a", "a", "b", "b", None]            # "n1" has no type: left out
    qrels = {"a1": {1}, "a2": {2}, "b1": {3}, "n1": {4}}
    judged = {"bm25": {"a1": _retrieved((1,), 1, None, 1, 1), "a2": _retrieved((9, 2), 2, None, 1, 1),
                       "b1": _retrieved((9,), None, None, 0, 1), "u1": _retrieved((), None, None, 0, 0),
                       "n1": _retrieved((4,), 1, None, 1, 1)},
              "dense": {"a1": _retrieved((9, 8, 1), 3, None, 1, 1), "a2": _retrieved((2,), 1, None, 1, 1),
                        "b1": _retrieved((3,), 1, None, 1, 1), "u1": _retrieved((), None, None, 0, 0),
                        "n1": _retrieved((4,), 1, None, 1, 1)}}
    asked = [_asked(False, True), _asked(True), _asked(False, True), _asked(True), _asked(False)]
    answerable = [True, True, True, False, True]
    out = type_metrics(types, qrels, ids, judged, asked, answerable)
    assert set(out) == {"a", "b"}
    assert out["a"].mrr_at_10 == pytest.approx({"bm25": (1 + 1 / 2) / 2, "dense": (1 / 3 + 1) / 2})
    assert out["a"].answer_accuracy == pytest.approx(1 / 2) and out["a"].abstention_recall is None
    assert (out["b"].questions, out["b"].answerable) == (2, 1)
    assert out["b"].mrr_at_10 == pytest.approx({"bm25": 0.0, "dense": 1.0})
    assert out["b"].answer_accuracy == 1.0 and out["b"].abstention_recall == 1.0


def test_latency_percentiles() -> None:
    t = latency([0.001, 0.002, 0.003, 0.004])
    assert t.p50_ms == pytest.approx(2.5)
    assert t.p95_ms == pytest.approx(3.85)   # linear: rank 0.95 * 3 = 2.85


# ---- judging a ranking -------------------------------------------------------------------
def _hit(chunk: int, start: int, end: int, text: str, source: str = "s.txt") -> Hit:
    return Hit(chunk, source, start, end, 1, 1, text, 1.0)


def test_judge_hits_ranks_and_coverage() -> None:
    q = Question("q", "?", ("Gamma",), ("alpha beta", "gamma delta"), "s.txt", True)
    ev = [Evidence("s.txt", ((0, 10),)), Evidence("s.txt", ((50, 61),))]
    hits = [_hit(7, 20, 40, "nothing"), _hit(3, 5, 30, "beta text"),
            _hit(9, 45, 90, "the GAMMA delta"), _hit(2, 0, 10, "x", source="other.txt")]
    r = judge_hits(q, hits, ev, 0.0)
    assert (r.first_relevant, r.first_answer) == (2, 3)
    assert (r.quotes_covered, r.quotes, r.chunk_ids) == (2, 2, (7, 3, 9, 2))


# ---- question sets -----------------------------------------------------------------------
def _line(**fields: object) -> str:
    base: dict[str, object] = {"id": "a", "question": "Q?", "answers": ["x"],
                               "evidence": ["x y"], "source": "s.txt", "answerable": True}
    return json.dumps(base | fields)


def test_load_questions_reads_a_valid_set(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(_line() + "\n\n" + _line(id="b", answers=[], evidence=[], answerable=False,
                                             type="unanswerable") + "\n", encoding="utf-8")
    qs = load_questions(path)
    assert [q.id for q in qs] == ["a", "b"]
    assert qs[0].evidence == ("x y",) and not qs[1].answerable
    assert (qs[0].type, qs[1].type) == (None, "unanswerable")


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "line 2 is not valid JSON"),
    ('["a list"]', "line 2 is not a JSON object"),
    (_line(id="a"), "line 2 repeats the id"),
    (_line(id="c", evidence=[]), "line 2 is answerable but lacks"),
    (_line(id="c", answerable="yes"), "line 2 needs 'answerable'"),
    (_line(id="c", type=3), "line 2 needs 'type' as a non-empty string"),
])
def test_load_questions_names_the_bad_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(_line() + "\n" + text + "\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match=message):
        load_questions(path)


def test_missing_question_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(QuestionSetError, match="--questions"):
        load_questions(tmp_path / "nope.jsonl")


def test_evidence_not_in_source_is_an_error(seed_index: object, seed_corpus: Path) -> None:
    source = next(seed_corpus.glob("*.txt")).name
    q = Question("bad", "?", ("x",), ("a quote that is not in the article",), source, True)
    with pytest.raises(QuestionSetError, match="evidence not found"):
        locate_evidence([q], seed_index)  # type: ignore[arg-type]


# ---- --limit-docs and defaults -----------------------------------------------------------
def test_limit_corpus_copies_the_first_documents_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("b.txt", "a.txt", "c.md"):
        (corpus / name).write_text(f"text of {name}\n", encoding="utf-8")
    dest = tmp_path / "index" / "corpus"
    assert limit_corpus(corpus, dest, 2) == ["a.txt", "b.txt"]
    stamp = (dest / "a.txt").stat().st_mtime_ns
    assert limit_corpus(corpus, dest, 2) == ["a.txt", "b.txt"]
    assert (dest / "a.txt").stat().st_mtime_ns == stamp          # unchanged: not rewritten
    assert limit_corpus(corpus, dest, 1) == ["a.txt"]
    assert sorted(p.name for p in dest.iterdir()) == ["a.txt"]   # b.txt no longer chosen


def test_keep_sources_drops_questions_about_other_documents() -> None:
    qs = [Question(i, "?", (), (), src, False) for i, src in (("1", "a.txt"), ("2", "b.txt"))]
    assert [q.id for q in keep_sources(qs, {"a.txt"})] == ["1"]


def test_default_names_and_folders() -> None:
    bench = Path("/x/shared/benchmarks/squad2-dev/questions.jsonl")
    assert default_set_name(bench, None) == "squad2-dev"
    assert default_set_name(bench, 5) == "squad2-dev-docs5"
    assert default_set_name(Path("eval/questions.jsonl"), None) == "questions"
    args = argparse.Namespace(questions=str(bench), corpus="/x/corpus", index=None,
                              modes="bm25, hybrid", k=10, out="eval/results", limit_docs=5,
                              set_name=None)
    p = plan(args)
    assert p.index == Path("eval/indexes/squad2-dev-docs5") and p.modes == ("bm25", "hybrid")
    seeds = argparse.Namespace(**dict(vars(args), questions="eval/questions.jsonl", corpus=None,
                                      limit_docs=None))
    assert plan(seeds).index == Path("index") and plan(seeds).corpus == Path("seeds")


# ---- end to end --------------------------------------------------------------------------
def _small_set(path: Path) -> Path:
    """Three answerable questions (one with two quotes) and two unanswerable ones."""
    rows = [json.loads(line) for line in
            (REPO_ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    multi = [r for r in rows if len(r["evidence"]) > 1][:1]
    single = [r for r in rows if len(r["evidence"]) == 1][:2]
    unanswerable = [r for r in rows if not r["answerable"]][:2]
    path.write_text("".join(json.dumps(r) + "\n" for r in single + multi + unanswerable),
                    encoding="utf-8")
    return path


def _in_unit(value: object) -> bool:
    return value is None or (isinstance(value, float | int) and 0.0 <= value <= 1.0)


def test_eval_command_end_to_end(seed_corpus: Path, seed_index_dir: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from citeqa.cli import main

    questions = _small_set(tmp_path / "small.jsonl")
    out = tmp_path / "results"
    rc = main(["eval", "--corpus", str(seed_corpus), "--index", str(seed_index_dir),
               "--out", str(out), "--questions", str(questions), "--json"])
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["set"] == "small" and printed["questions"] == 5
    assert set(printed["retrieval"]) == {"bm25", "dense", "hybrid"}
    for row in printed["retrieval"].values():
        assert all(_in_unit(v) for k, v in row.items() if not k.endswith("_ms"))
    assert all(_in_unit(v) for k, v in printed["ask"].items() if k not in ("mode", "p50_ms",
                                                                          "p95_ms"))
    record = json.loads((out / "small.json").read_text(encoding="utf-8"))
    assert record["metrics"] == printed and len(record["questions"]) == 5
    assert record["settings"]["chunk_tokens"] > 0 and "ranx" in record["versions"]
    assert record["options"]["fusion"] == "adaptive"
    assert "| hybrid |" in (out / "small.md").read_text(encoding="utf-8")
    kinds = {json.loads(line).get("type") for line in questions.read_text().splitlines()}
    assert set(printed["by_type"]) == kinds - {None}
    assert "## By question type" in (out / "small.md").read_text(encoding="utf-8")
    assert (out / "small.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*.tmp"))
