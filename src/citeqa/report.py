"""Evaluation reports: the metrics as JSON, a Markdown table, a Hit@k chart, written atomically."""

from __future__ import annotations

import io
import json
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fileio import write_atomic
from .metrics import (
    HIT_CUTOFFS,
    AbstentionPoint,
    Latency,
    Reliability,
    RetrievalMetrics,
    abstention_curve,
    answer_calibration,
)
from .version import __version__, package_version

if TYPE_CHECKING:
    from .evaluation import EvalResult
    from .index import Index

ASK_MODE = "hybrid"  # `Index.ask`'s default mode, which the evaluation uses
RETRIEVAL_COLUMNS = (("hit@1", "Hit@1"), ("hit@3", "Hit@3"), ("hit@5", "Hit@5"),
                     ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
                     ("evidence_recall@10", "Recall@10 (evidence)"),
                     ("answer_hit@5", "Answer hit@5"), ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"))
ASK_COLUMNS = (("answer_accuracy", "Answer accuracy"), ("citation_precision", "Citation precision"),
               ("abstention_precision", "Abstention precision"),
               ("abstention_recall", "Abstention recall"),
               ("answerable_answered", "Answerable answered"), ("ece", "ECE"),
               ("p50_ms", "p50 ms"), ("p95_ms", "p95 ms"))
CURVE_STEP = 0.05      # thresholds of the abstention curve in the JSON and Markdown reports
EXTRA_VERSIONS = ("ranx", "matplotlib")


# ---- JSON --------------------------------------------------------------------------------
def retrieval_row(m: RetrievalMetrics, t: Latency) -> dict[str, float]:
    """One mode's metrics under their report names."""
    return {"hit@1": m.hit_at_1, "hit@3": m.hit_at_3, "hit@5": m.hit_at_5,
            "mrr@10": m.mrr_at_10, "ndcg@10": m.ndcg_at_10,
            "evidence_recall@10": m.evidence_recall_at_10, "answer_hit@5": m.answer_hit_at_5,
            "p50_ms": round(t.p50_ms, 1), "p95_ms": round(t.p95_ms, 1)}


def metrics_json(result: EvalResult, set_name: str) -> dict[str, Any]:
    """Every summary figure of a run (what `citeqa eval --json` prints)."""
    a = result.answers
    ask = {key: value for key, value in asdict(a).items()
           if key not in ("answerable", "unanswerable")}
    t = result.latency["ask"]
    return {"set": set_name, "questions": len(result.questions), "answerable": a.answerable,
            "unanswerable": a.unanswerable, "k": result.k,
            "retrieval": {m: retrieval_row(result.retrieval[m], result.latency[m])
                          for m in result.modes if m in result.retrieval},
            "hit_curve": {m: list(result.retrieval[m].hit_curve)
                          for m in result.modes if m in result.retrieval},
            "ask": dict(ask, mode=ASK_MODE, p50_ms=round(t.p50_ms, 1),
                        p95_ms=round(t.p95_ms, 1)),
            "by_type": {kind: asdict(tm) for kind, tm in result.by_type.items()},
            "calibration": calibration_json(answer_calibration(result.asked)),
            "abstention_curve": [asdict(pt) for pt in curve_grid(result)]}


def calibration_json(r: Reliability) -> dict[str, Any]:
    """The reliability diagram's bins and the ECE of the answers given."""
    return {"ece": r.ece, "answers": sum(r.counts),
            "bins": [{"from": round(lo, 2), "to": round(hi, 2), "answers": n,
                      "confidence": None if c is None else round(c, 4),
                      "accuracy": None if a is None else round(a, 4)}
                     for lo, hi, n, c, a in zip(r.edges[:-1], r.edges[1:], r.counts, r.confidence,
                                                r.accuracy, strict=True)]}


def abstention_points(result: EvalResult) -> list[AbstentionPoint]:
    """Abstention precision and recall at every threshold on the answers' confidence."""
    return abstention_curve([a.confidence for a in result.asked],
                            [q.answerable for q in result.questions])


def curve_grid(result: EvalResult) -> list[AbstentionPoint]:
    """The abstention curve at thresholds 0, 0.05, ..., 1 (what the reports tabulate)."""
    conf = [a.confidence for a in result.asked]
    unans = [not q.answerable for q in result.questions]
    out = []
    for i in range(round(1 / CURVE_STEP) + 1):
        t = round(i * CURVE_STEP, 2)
        below = [c < t for c in conf]
        right = sum(b and u for b, u in zip(below, unans, strict=True))
        n = sum(below)
        out.append(AbstentionPoint(t, round(right / n, 4) if n else None,
                                   round(right / sum(unans), 4) if any(unans) else None, n))
    return out


def question_rows(result: EvalResult) -> list[dict[str, Any]]:
    """Per question: the rank of the first relevant passage in each mode and the ask outcome."""
    rows = []
    for i, q in enumerate(result.questions):
        a = result.asked[i]
        rows.append({"id": q.id, "answerable": q.answerable,
                     "rank": {m: result.retrieved[m][i].first_relevant for m in result.modes},
                     "ask": {"abstained": a.abstained, "correct": a.correct,
                             "citations": a.citations, "relevant_citations": a.relevant_citations,
                             "confidence": round(a.confidence, 4),
                             "disagreement": a.disagreement}})
    return rows


def full_json(result: EvalResult, index: Index, set_name: str, run: dict[str, Any]
              ) -> dict[str, Any]:
    """The whole record of a run: what, on what, with which settings and versions, and how."""
    versions = dict(index.manifest.get("versions", {}), citeqa=__version__,
                    python=platform.python_version())
    versions.update({name: package_version(name) for name in EXTRA_VERSIONS})
    return {"set": set_name, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "run": run, "settings": index.manifest.get("settings", {}),
            "options": index.options.to_dict(),
            "model": index.manifest.get("model", {}), "index_created": index.manifest.get("created"),
            "versions": versions, "metrics": metrics_json(result, set_name),
            "questions": question_rows(result)}


def json_text(data: dict[str, Any], rows_key: str | None = None) -> str:
    """Indented JSON; the list under `rows_key` is written one compact row per line."""
    if rows_key is None or rows_key not in data:
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    head = {k: v for k, v in data.items() if k != rows_key}
    rows = ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in data[rows_key])
    text = json.dumps(head, ensure_ascii=False, indent=1)
    return text[:-2] + f',\n "{rows_key}": [\n{rows}\n ]\n}}\n'


# ---- Markdown ----------------------------------------------------------------------------
def _cell(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def markdown(result: EvalResult, set_name: str, run: dict[str, Any]) -> str:
    """The report as Markdown: a retrieval table (rows = modes) and an answer table."""
    m = metrics_json(result, set_name)
    out = [f"# Evaluation: {set_name}\n",
           f"{m['questions']} questions ({m['answerable']} answerable, {m['unanswerable']} "
           f"unanswerable) over {run['documents']} documents, {run['passages']} passages; "
           f"k = {result.k}.\n",
           "## Retrieval (answerable questions)\n"]
    if m["retrieval"]:
        rows = [[mode] + [_cell(key, row[key]) for key, _ in RETRIEVAL_COLUMNS]
                for mode, row in m["retrieval"].items()]
        out.append(_table(["mode"] + [label for _, label in RETRIEVAL_COLUMNS], rows))
    else:
        out.append("No answerable question: nothing to score.\n")
    out += [f"\n## Answers (`ask`, {ASK_MODE})\n",
            _table([label for _, label in ASK_COLUMNS],
                   [[_cell(key, m["ask"][key]) for key, _ in ASK_COLUMNS]]),
            *_type_section(result),
            *_confidence_section(m),
            "\nHit@k, MRR@10 and nDCG@10 are computed by ranx over passages relevant by the "
            "half-overlap rule of shared/QUESTIONS.md; Recall@10 (evidence) is the share of a "
            "question's evidence quotes covered by the top 10; latency is per question.\n"]
    return "\n".join(out)


def _type_section(result: EvalResult) -> list[str]:
    """A table of MRR@10 per mode and answer scores per question type (none if untyped)."""
    if not result.by_type:
        return []
    header = ["type", "questions"] + [f"{mode} MRR@10" for mode in result.modes] + \
        ["Answer accuracy", "Abstention recall", "Disagreements"]
    rows = [[kind, str(tm.questions)] + [_cell("", tm.mrr_at_10.get(mode)) for mode in result.modes]
            + [_cell("", tm.answer_accuracy), _cell("", tm.abstention_recall),
               str(tm.disagreements)]
            for kind, tm in result.by_type.items()]
    return ["\n## By question type\n", _table(header, rows)]


def _confidence_section(m: dict[str, Any]) -> list[str]:
    """The reliability bins of the answers given and the abstention curve on a grid."""
    cal = m["calibration"]
    bins = [[f"{b['from']:.1f}–{b['to']:.1f}", str(b["answers"]), _cell("", b["confidence"]),
             _cell("", b["accuracy"])] for b in cal["bins"] if b["answers"]]
    curve = [[f"{pt['threshold']:.2f}", str(pt["abstained"]), _cell("", pt["precision"]),
              _cell("", pt["recall"])] for pt in m["abstention_curve"]
             if round(pt["threshold"] * 10, 6) == round(pt["threshold"] * 10)]
    return ["\n## Confidence\n",
            f"Expected calibration error of the {cal['answers']} answers given: "
            f"{_cell('', cal['ece'])} (10 equal bins; abstentions give no answer).\n",
            _table(["confidence", "answers", "mean confidence", "right"], bins),
            "\nAbstaining below each threshold of confidence (the curve is in the PNG):\n",
            _table(["abstain below", "abstentions", "precision", "recall"], curve)]


# ---- chart -------------------------------------------------------------------------------
def hit_curve_png(result: EvalResult, set_name: str) -> bytes:
    """A PNG of Hit@k for k = 1..10, one line per mode (Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for mode in result.modes:
        if mode in result.retrieval:
            ax.plot(HIT_CUTOFFS, result.retrieval[mode].hit_curve, marker="o", label=mode)
    ax.set(xlabel="k", ylabel="Hit@k", title=f"Hit@k: {set_name}", ylim=(0, 1.02),
           xticks=list(HIT_CUTOFFS))
    ax.grid(alpha=0.3)
    if result.retrieval:
        ax.legend(loc="lower right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def confidence_png(result: EvalResult, set_name: str) -> bytes:
    """A PNG of two panels: the reliability diagram of the answers given (right share against
    mean confidence per bin, with the diagonal of perfect calibration) and the abstention
    precision-recall curve over every threshold, the threshold in use marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    rel, pr = fig.subplots(1, 2)
    r = answer_calibration(result.asked)
    shown = [(c, a, n) for c, a, n in zip(r.confidence, r.accuracy, r.counts, strict=True) if n]
    rel.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    if shown:
        rel.plot([c for c, _, _ in shown], [a for _, a, _ in shown], marker="o", label="answers")
        for c, a, n in shown:
            rel.annotate(str(n), (c, a), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ece = "–" if r.ece is None else f"{r.ece:.3f}"
    rel.set(xlabel="confidence", ylabel="share right", xlim=(0, 1), ylim=(0, 1.02),
            title=f"Reliability: {set_name} (ECE {ece})")
    rel.grid(alpha=0.3)
    rel.legend(loc="upper left", fontsize=8)
    points = [p for p in abstention_points(result) if p.precision is not None]
    if points:
        pr.plot([p.recall for p in points], [p.precision for p in points], drawstyle="steps-post")
    used = result.answers
    if used.abstention_recall is not None and used.abstention_precision is not None:
        pr.plot([used.abstention_recall], [used.abstention_precision], marker="o", color="red",
                label="ask (default threshold)")
        pr.legend(loc="lower left", fontsize=8)
    pr.set(xlabel="abstention recall", ylabel="abstention precision", xlim=(0, 1.02),
           ylim=(0, 1.02), title="Abstaining below a confidence")
    pr.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


# ---- files -------------------------------------------------------------------------------
def write_reports(result: EvalResult, index: Index, out: Path, set_name: str,
                  run: dict[str, Any]) -> dict[str, Any]:
    """Write <out>/<set>.json, .md, .png (Hit@k) and -confidence.png (reliability diagram and
    abstention curve); the JSON record written."""
    data = full_json(result, index, set_name, run)
    write_atomic(out / f"{set_name}.json", json_text(data, "questions").encode("utf-8"))
    write_atomic(out / f"{set_name}.md", markdown(result, set_name, run).encode("utf-8"))
    write_atomic(out / f"{set_name}.png", hit_curve_png(result, set_name))
    write_atomic(out / f"{set_name}-confidence.png", confidence_png(result, set_name))
    return data
