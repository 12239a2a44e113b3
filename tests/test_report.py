"""Golden tests for the evaluation reports, from a hand-made result (no model, no ranx)."""

from __future__ import annotations

import json

import pytest

from citeqa.evaluation import EvalResult, Question
from citeqa.metrics import AnswerMetrics, Asked, Latency, RetrievalMetrics, Retrieved, TypeMetrics
from citeqa.report import confidence_png, json_text, markdown, metrics_json


def _result() -> EvalResult:
    qs = [Question("q1", "Who?", ("Ann",), ("Ann did.",), "a.txt", True, "lexical"),
          Question("q2", "Why?", (), (), None, False, "unanswerable")]
    retrieval = RetrievalMetrics(1, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0, (1.0,) * 10)
    answers = AnswerMetrics(1, 1, 1.0, 0.5, None, 0.0, 1.0, 0, 0.2938)
    retrieved = [Retrieved((3, 4), 1, 1, 1, 2, 0.004), Retrieved((5,), None, None, 0, 0, 0.002)]
    asked = [Asked(False, True, 2, 1, 0.81234, 0.01), Asked(False, False, 1, 0, 0.4, 0.02)]
    types = {"lexical": TypeMetrics(1, 1, {"hybrid": 1.0}, 1.0, None),
             "unanswerable": TypeMetrics(1, 0, {}, None, 0.0)}
    return EvalResult(qs, ("hybrid",), 10, {"hybrid": retrieved}, asked, {"hybrid": retrieval},
                      answers, {"hybrid": Latency(3.04, 3.96), "ask": Latency(15.0, 19.55)}, types)


def test_metrics_json_holds_every_figure_under_its_report_name() -> None:
    m = metrics_json(_result(), "tiny")
    assert (m["set"], m["questions"], m["answerable"], m["unanswerable"], m["k"]) == \
        ("tiny", 2, 1, 1, 10)
    assert m["retrieval"]["hybrid"] == {"hit@1": 1.0, "hit@3": 1.0, "hit@5": 1.0, "mrr@10": 1.0,
                                        "ndcg@10": 1.0, "evidence_recall@10": 0.5,
                                        "answer_hit@5": 1.0, "p50_ms": 3.0, "p95_ms": 4.0}
    assert m["ask"] == {"answer_accuracy": 1.0, "citation_precision": 0.5,
                        "abstention_precision": None, "abstention_recall": 0.0,
                        "answerable_answered": 1.0, "disagreements": 0, "ece": 0.2938,
                        "mode": "hybrid", "p50_ms": 15.0, "p95_ms": 19.6}
    assert set(m["by_type"]) == {"lexical", "unanswerable"}


def test_markdown_tables_show_three_decimals_and_a_dash_for_none() -> None:
    run = {"documents": 1, "passages": 2}
    text = markdown(_result(), "tiny", run)
    assert text.startswith("# Evaluation: tiny\n")
    assert "2 questions (1 answerable, 1 unanswerable) over 1 documents, 2 passages; k = 10." in text
    assert "| hybrid | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 0.500 | 1.000 | 3.0 | 4.0 |" in text
    assert "| 1.000 | 0.500 | – | 0.000 | 1.000 | 0.294 | 15.0 | 19.6 |" in text
    assert "| unanswerable | 1 | – | – | 0.000 |" in text


def test_json_text_writes_one_row_per_line_and_stays_json() -> None:
    data = {"set": "tiny", "questions": [{"id": "q1"}, {"id": "q2"}]}
    text = json_text(data, "questions")
    assert '  {"id": "q1"},\n  {"id": "q2"}\n' in text
    assert json.loads(text) == data


def test_calibration_and_abstention_curve_of_the_answers() -> None:
    m = metrics_json(_result(), "tiny")
    # Two answers given: 0.81234 (right) and 0.4 (wrong, on the unanswerable question).
    cal = m["calibration"]
    assert cal["answers"] == 2
    assert cal["ece"] == pytest.approx(0.5 * (1 - 0.81234) + 0.5 * 0.4)
    filled = [b for b in cal["bins"] if b["answers"]]
    assert [(b["from"], b["to"], b["confidence"], b["accuracy"]) for b in filled] == \
        [(0.4, 0.5, 0.4, 0.0), (0.8, 0.9, 0.8123, 1.0)]
    curve = {p["threshold"]: p for p in m["abstention_curve"]}
    assert len(curve) == 21 and curve[0.0]["abstained"] == 0 and curve[0.0]["precision"] is None
    assert (curve[0.45]["abstained"], curve[0.45]["precision"], curve[0.45]["recall"]) == (1, 1.0, 1.0)
    assert (curve[0.85]["abstained"], curve[0.85]["precision"], curve[0.85]["recall"]) == (2, 0.5, 1.0)
    text = markdown(_result(), "tiny", {"documents": 1, "passages": 2})
    assert "| 0.4–0.5 | 1 | 0.400 | 0.000 |" in text and "| 0.50 | 1 | 1.000 | 1.000 |" in text


def test_confidence_png_is_a_png() -> None:
    data = confidence_png(_result(), "tiny")
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
