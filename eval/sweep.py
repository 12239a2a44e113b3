"""Parameter sweeps behind citeqa's defaults (see eval/README.md).

Run from the repository root:  .venv/bin/python eval/sweep.py [build|fusion|answer|all]
    [--questions eval/questions.jsonl] [--corpus seeds] [--limit-docs N]
Each stage prints a markdown table; results are appended to eval/results/sweep-<set>.md.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from citeqa import BuildSettings, Index, QueryOptions
from citeqa.cli.evaluate import default_set_name
from citeqa.evaluation import (
    EvalResult,
    evaluate,
    keep_sources,
    limit_corpus,
    load_questions,
)

ROOT = Path(__file__).resolve().parents[1]


def row(label: dict[str, Any], r: EvalResult) -> dict[str, Any]:
    """The figures one sweep row shows."""
    out = dict(label)
    for mode, m in r.retrieval.items():
        out[f"{mode} MRR"] = m.mrr_at_10
        out[f"{mode} Hit@5"] = m.hit_at_5
    a = r.answers
    out.update({"acc": a.answer_accuracy, "cite P": a.citation_precision,
                "abst P": a.abstention_precision, "abst R": a.abstention_recall})
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """Rows as a markdown table."""
    keys = list(rows[0])
    fmt = [f"{v:.3f}" if isinstance(v, float) else str(v) for r in rows for v in r.values()]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for i in range(len(rows)):
        lines.append("| " + " | ".join(fmt[i * len(keys):(i + 1) * len(keys)]) + " |")
    return "\n".join(lines)


def build_sweep(corpus: Path, questions: list[Any], work: Path, base: BuildSettings, sizes: list[int],
                tokenizers: list[str]) -> list[dict[str, Any]]:
    """Chunk size and overlap (in word pieces) and the BM25 tokenizer."""
    rows = []
    for size, share, tok in itertools.product(sizes, (0.0, 0.25), tokenizers):
        config = replace(base, chunk_tokens=size, chunk_overlap=int(size * share), tokenizer=tok)
        index = Index.build(corpus, work / f"b{size}-{share}-{tok}", config)
        rows.append(row({"chunk": size, "overlap": config.chunk_overlap, "tokenizer": tok},
                        evaluate(index, questions)))
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def fusion_sweep(index_dir: Path, questions: list[Any], base: QueryOptions) -> list[dict[str, Any]]:
    """RRF's constant, and the weighted sum's dense weight."""
    configs = [replace(base, fusion="rrf", rrf_k=k) for k in (5, 10, 20, 30, 60, 100)]
    configs += [replace(base, fusion="weighted", dense_weight=w) for w in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)]
    configs += [replace(base, fusion=f, dense_weight=w)
                for f in ("zscore", "adaptive") for w in (0.4, 0.5, 0.6, 0.7)]
    rows = []
    for c in configs:
        r = evaluate(Index.open(index_dir, c), questions, modes=("hybrid",))
        rows.append(row({"fusion": c.fusion, "rrf_k": c.rrf_k, "dense_w": c.dense_weight}, r))
    return rows


def answer_sweep(index_dir: Path, questions: list[Any], base: QueryOptions) -> list[dict[str, Any]]:
    """Sentence scoring weights, the abstention threshold (a floor on the answer's calibrated
    confidence, 0: the hand-set gates alone) and how many sentences answer."""
    rows = []
    grid = itertools.product((0.3, 0.5, 0.7), (0.0, 0.1, 0.2), (0.0, 0.025, 0.05, 0.1, 0.2),
                             (1, 2, 3))
    for lw, tw, thr, n in grid:
        c = replace(base, lexical_weight=lw, type_weight=tw, abstain_threshold=thr,
                    answer_sentences=n)
        r = evaluate(Index.open(index_dir, c), questions, modes=("hybrid",))
        rows.append(row({"lex_w": lw, "type_w": tw, "threshold": thr, "sentences": n}, r))
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("stage", choices=("build", "fusion", "answer", "all"))
    p.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    p.add_argument("--corpus", default=str(ROOT / "seeds"))
    p.add_argument("--limit-docs", type=int, default=None)
    p.add_argument("--sizes", default="64,96,128,192,254", help="chunk sizes of the build sweep")
    p.add_argument("--tokenizers", default="plain,stem,stem-stop")
    args = p.parse_args()
    questions = load_questions(args.questions)
    set_name = default_set_name(Path(args.questions), args.limit_docs)
    base, options = BuildSettings(), QueryOptions()
    with tempfile.TemporaryDirectory(prefix="citeqa-sweep-") as tmp:
        work = Path(tmp)
        corpus = Path(args.corpus)
        if args.limit_docs is not None:
            kept = limit_corpus(corpus, work / "corpus", args.limit_docs)
            questions, corpus = keep_sources(questions, set(kept)), work / "corpus"
        index_dir = work / "default"
        Index.build(corpus, index_dir, base)
        out = [f"# Sweep on {set_name} ({len(questions)} questions)\n"]
        stages = ("build", "fusion", "answer") if args.stage == "all" else (args.stage,)
        for stage in stages:
            if stage == "build":
                rows = build_sweep(corpus, questions, work, base,
                                   [int(v) for v in args.sizes.split(",")], args.tokenizers.split(","))
            elif stage == "fusion":
                rows = fusion_sweep(index_dir, questions, options)
            else:
                rows = answer_sweep(index_dir, questions, options)
            text = f"## {stage}\n\n{table(rows)}\n"
            print(text, flush=True)
            out.append(text)
        shutil.rmtree(work / "corpus", ignore_errors=True)
    dest = ROOT / "eval" / "results" / f"sweep-{set_name}.md"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("a", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
