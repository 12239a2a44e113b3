"""`citeqa eval`: build or open the index of a question set's corpus, evaluate, write reports."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import report
from ..errors import QuestionSetError
from ..evaluation import (
    EvalResult,
    Question,
    check_run,
    keep_sources,
    limit_corpus,
    load_questions,
    run_questions,
    summarise,
)
from ..index import Index
from ..settings import QueryOptions
from ..store import claim
from .options import query_overrides
from .output import note


@dataclass(frozen=True)
class Plan:
    """The resolved paths and names of one `citeqa eval` run."""

    questions: Path
    corpus: Path
    index: Path
    set_name: str
    modes: tuple[str, ...]
    k: int
    out: Path
    limit_docs: int | None


def plan(args: argparse.Namespace) -> Plan:
    """Fill in the defaults of `citeqa eval` (corpus, index folder and set name)."""
    questions = Path(args.questions)
    corpus = Path(args.corpus or "seeds")
    set_name = args.set_name or default_set_name(questions, args.limit_docs)
    if args.index:
        index = Path(args.index)
    elif args.limit_docs is None and corpus.resolve() == Path("seeds").resolve():
        index = Path("index")
    else:
        index = Path("eval") / "indexes" / set_name
    modes = tuple(m.strip() for m in str(args.modes).split(",") if m.strip())
    return Plan(questions, corpus, index, set_name, modes, args.k, Path(args.out),
                args.limit_docs)


def default_set_name(questions: Path, limit_docs: int | None) -> str:
    """The questions file's stem, or the benchmark's name for benchmarks/<name>/questions.jsonl;
    with --limit-docs N, suffixed -docsN."""
    name = questions.stem
    if questions.name == "questions.jsonl" and questions.parent.parent.name == "benchmarks":
        name = questions.parent.name
    return f"{name}-docs{limit_docs}" if limit_docs is not None else name


def run(args: argparse.Namespace) -> int:
    p = plan(args)
    quiet = bool(args.quiet or args.json)
    check_run(p.modes, p.k)
    options = QueryOptions(**query_overrides(args))
    questions = load_questions(p.questions)
    corpus = p.corpus
    if p.limit_docs is not None:
        claim(p.index)  # the limited corpus is written inside the index folder: it must be ours
        corpus = p.index / "corpus"
        questions = keep_sources(questions, set(limit_corpus(p.corpus, corpus, p.limit_docs)))
        if not questions:
            raise QuestionSetError(f"no question of {p.questions} is about the first "
                                   f"{p.limit_docs} documents; raise --limit-docs")
    index = Index.build(corpus, p.index, progress=not quiet, options=options)
    if index.report is not None and not args.quiet:
        for notice in index.report.notices:
            note(str(notice))
    t0 = time.perf_counter()
    result = _evaluate_with_bar(index, questions, p, quiet)
    seconds = time.perf_counter() - t0
    data = report.write_reports(result, index, p.out, p.set_name, _run_info(p, index, seconds))
    if args.json:
        print(report.json_text(report.metrics_json(result, p.set_name)), end="")
    else:
        print(report.markdown(result, p.set_name, data["run"]), end="")
        print(f"\nwrote {p.out / p.set_name}.json, .md, .png and -confidence.png", file=sys.stderr)
    return 0


def _evaluate_with_bar(index: Index, questions: list[Question], p: Plan,
                       quiet: bool) -> EvalResult:
    from tqdm import tqdm

    with tqdm(total=len(questions), desc=f"eval {p.set_name}", unit="q", disable=quiet,
              file=sys.stderr) as bar:
        outcomes = run_questions(index, questions, p.modes, p.k, progress=bar.update)
    if not quiet:
        note("scoring with ranx (its first call compiles, ~15 s)")
    return summarise(index, outcomes)


def _run_info(p: Plan, index: Index, seconds: float) -> dict[str, Any]:
    """What was run, on what, and how long it took (for the JSON and Markdown reports)."""
    built = index.report
    return {"questions_file": str(p.questions), "corpus": str(index.corpus),
            "source_corpus": str(p.corpus.resolve()),
            "index": str(p.index), "limit_docs": p.limit_docs,
            "documents": len(index.sources), "passages": index.chunk_count,
            "build": {"rebuilt": bool(built and built.rebuilt),
                      "seconds": round(built.seconds, 3) if built else None},
            "options": index.options.to_dict(),
            "eval_seconds": round(seconds, 3)}
