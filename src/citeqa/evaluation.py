"""Evaluation: load a question set, judge every question in each search mode and through
`Index.ask`, and summarise (the `citeqa eval` command and the sweep scripts both call this)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .documents import find_sources
from .errors import CiteqaError, QuestionSetError, UsageError
from .fileio import write_if_changed
from .index import Index
from .metrics import (
    RECALL_AT,
    AnswerMetrics,
    Asked,
    Latency,
    RetrievalMetrics,
    Retrieved,
    Span,
    TypeMetrics,
    answer_metrics,
    contains_answer,
    is_relevant,
    latency,
    occurrences,
    retrieval_metrics,
    strip_markers,
    type_metrics,
)
from .parsing.markup import plain_text
from .records import Answer, Hit
from .settings import MODES

MIN_K = 10  # the deepest cutoff reported (MRR@10, nDCG@10, Recall@10)


@dataclass(frozen=True)
class Question:
    """One line of a question set (format: shared/QUESTIONS.md)."""

    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[str, ...]
    source: str | None
    answerable: bool
    type: str | None = None        # optional label (lexical, paraphrase, …) for per-type scores


@dataclass(frozen=True)
class Evidence:
    """Where one evidence quote occurs in its source file (every occurrence)."""

    source: str
    spans: tuple[Span, ...]


@dataclass
class EvalResult:
    """Every judged outcome of a run and the metrics that summarise them."""

    questions: list[Question]
    modes: tuple[str, ...]
    k: int
    retrieved: dict[str, list[Retrieved]]        # per mode, aligned with `questions`
    asked: list[Asked]                           # aligned with `questions`
    retrieval: dict[str, RetrievalMetrics]       # per mode; empty with no answerable question
    answers: AnswerMetrics
    latency: dict[str, Latency]                  # per mode and "ask"
    by_type: dict[str, TypeMetrics]              # per question type; empty when untyped


# ---- question sets -----------------------------------------------------------------------
def load_questions(path: str | Path) -> list[Question]:
    """The questions of a JSONL question set, checked line by line."""
    path = Path(path)
    if not path.is_file():
        raise QuestionSetError(f"question file {path} does not exist; pass one with "
                               f"--questions PATH (format: shared/QUESTIONS.md)")
    questions: list[Question] = []
    seen: set[str] = set()
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            raise _bad_line(path, number, f"is not valid JSON ({err.msg})") from None
        question = _question(data, path, number)
        if question.id in seen:
            raise _bad_line(path, number, f"repeats the id {question.id!r}; ids must be unique")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise QuestionSetError(f"question file {path} holds no question; add JSON lines")
    return questions


def _question(data: Any, path: Path, number: int) -> Question:
    """One parsed JSON line as a `Question`, or an error naming the line and field."""
    if not isinstance(data, dict):
        raise _bad_line(path, number, "is not a JSON object")
    for key, kind in (("id", str), ("question", str), ("answers", list), ("evidence", list),
                      ("answerable", bool)):
        if not isinstance(data.get(key), kind):
            raise _bad_line(path, number, f"needs {key!r} as a JSON {kind.__name__}")
    texts = data["answers"] + data["evidence"]
    if not all(isinstance(t, str) and t for t in texts):
        raise _bad_line(path, number, "has an answer or evidence that is not a non-empty string")
    source = data.get("source")
    if source is not None and not isinstance(source, str):
        raise _bad_line(path, number, "needs 'source' as a string (a file in the corpus)")
    label = data.get("type")
    if label is not None and not (isinstance(label, str) and label):
        raise _bad_line(path, number, "needs 'type' as a non-empty string when it is given")
    if data["answerable"] and not (data["answers"] and data["evidence"]):
        raise _bad_line(path, number, "is answerable but lacks answers or evidence; add them "
                                      "or set \"answerable\": false")
    return Question(data["id"], data["question"], tuple(data["answers"]),
                    tuple(data["evidence"]), source, data["answerable"], label)


def _bad_line(path: Path, number: int, what: str) -> QuestionSetError:
    return QuestionSetError(f"{path}, line {number} {what}")


def keep_sources(questions: Sequence[Question], sources: set[str]) -> list[Question]:
    """The questions whose source is among `sources` (and those without a source)."""
    return [q for q in questions if q.source is None or q.source in sources]


# ---- the corpus subset of --limit-docs ---------------------------------------------------
def limit_corpus(corpus: Path, dest: Path, n: int) -> list[str]:
    """Mirror the first `n` documents of `corpus` (sorted by path) into `dest`; their names.

    Files are written only when their bytes differ, so an index of `dest` stays up to date
    and rebuilding it is a no-op.
    """
    if n < 1:
        raise UsageError(f"--limit-docs must be at least 1, got {n}")
    chosen = find_sources(corpus)[0][:n]
    if not chosen:
        raise QuestionSetError(f"corpus {corpus} holds no supported file to evaluate on")
    if dest.exists() and dest.resolve() == corpus.resolve():
        raise UsageError(f"the limited corpus folder {dest} is the corpus itself; pass another "
                         f"--index")
    names = {s.source for s in chosen}
    for src in chosen:
        write_if_changed(dest / src.source, src.path.read_bytes())
    if dest.is_dir():
        for old in find_sources(dest)[0]:
            if old.source not in names:
                old.path.unlink()
    return sorted(names)


# ---- judging -----------------------------------------------------------------------------
def locate_evidence(questions: Sequence[Question], index: Index) -> dict[str, list[Evidence]]:
    """Every evidence quote of every question, found by exact search in its source file."""
    texts: dict[str, str] = {}
    found: dict[str, list[Evidence]] = {}
    for q in questions:
        if not q.evidence:
            found[q.id] = []
            continue
        source = _source_of(q, index)
        if source not in texts:
            texts[source] = _source_text(index, source)
        found[q.id] = [Evidence(source, tuple(_occurrences(q, source, texts[source], quote)))
                       for quote in q.evidence]
    return found


def _source_of(q: Question, index: Index) -> str:
    sources = index.sources
    if q.source is None:
        if len(sources) != 1:
            raise QuestionSetError(f"question {q.id} has no 'source' and the corpus holds "
                                   f"{len(sources)} files; add the evidence's file as 'source'")
        return str(sources[0])
    if q.source not in sources:
        raise QuestionSetError(f"question {q.id}: source {q.source} is not in the index of "
                               f"{index.corpus}; check 'source' or the --corpus folder")
    return q.source


def _source_text(index: Index, source: str) -> str:
    """The source's text as the index read it (so offsets agree)."""
    try:
        return index.text(source)
    except CiteqaError as err:
        raise QuestionSetError(f"cannot read {source} of {index.corpus}: {err}") from None


def _occurrences(q: Question, source: str, text: str, quote: str) -> list[Span]:
    spans = occurrences(text, quote)
    if not spans:
        raise QuestionSetError(f"question {q.id}: evidence not found in {source}: "
                               f"{quote[:60]!r}; copy the quote exactly (curly quotes included)")
    return spans


def supported_quotes(source: str, span: Span, evidence: Sequence[Evidence]) -> set[int]:
    """Indices of the evidence quotes that a passage of `source` at `span` is relevant to."""
    return {i for i, ev in enumerate(evidence)
            if ev.source == source and is_relevant(span, ev.spans)}


def passages_by_source(index: Index) -> dict[str, list[tuple[int, Span]]]:
    """Every indexed passage's id and character span, grouped by source file."""
    out: dict[str, list[tuple[int, Span]]] = {}
    for chunk, source, start, end in index.passages():
        out.setdefault(source, []).append((chunk, (start, end)))
    return out


def relevant_passages(passages: dict[str, list[tuple[int, Span]]],
                      evidence: Sequence[Evidence]) -> set[int]:
    """Ids of every passage relevant to some evidence quote (the qrels of a question)."""
    return {chunk for source in {ev.source for ev in evidence}
            for chunk, span in passages.get(source, [])
            if supported_quotes(source, span, evidence)}


def judge_hits(q: Question, hits: Sequence[Hit], evidence: Sequence[Evidence],
               seconds: float) -> Retrieved:
    """A ranking's first relevant rank, first answer rank and evidence coverage."""
    first_relevant = first_answer = None
    covered: set[int] = set()
    for rank, hit in enumerate(hits, start=1):
        quotes = supported_quotes(hit.source, (hit.start, hit.end), evidence)
        if quotes and first_relevant is None:
            first_relevant = rank
        if rank <= RECALL_AT:
            covered |= quotes
        if first_answer is None and q.answers and contains_answer(hit.text, q.answers):
            first_answer = rank
    return Retrieved(tuple(h.chunk_id for h in hits), first_relevant, first_answer,
                     len(covered), len(evidence), seconds)


def holds_answer(shown: str, answers: Sequence[str]) -> bool:
    """Whether an answer's text as shown (markup stripped) holds a gold answer, read the same
    way: an answer copied from the source with its markup ("a new _Black_ process") is
    matched by the words a reader sees ("a new Black process")."""
    return contains_answer(shown, [plain_text(a) for a in answers])


def judge_answer(q: Question, answer: Answer, evidence: Sequence[Evidence],
                 seconds: float) -> Asked:
    """Whether the answer is right and how many of its citations are relevant."""
    correct = not answer.abstained and holds_answer(strip_markers(answer.text), q.answers)
    relevant = sum(bool(supported_quotes(c.source, (c.start, c.end), evidence))
                   for c in answer.citations)
    return Asked(answer.abstained, correct, len(answer.citations), relevant,
                 answer.confidence, seconds, answer.disagreement)


# ---- running -----------------------------------------------------------------------------
@dataclass
class Outcomes:
    """Every question's judged rankings (per mode) and judged answer, before summarising."""

    questions: list[Question]
    modes: tuple[str, ...]
    k: int
    evidence: dict[str, list[Evidence]]
    retrieved: dict[str, list[Retrieved]]        # per mode, aligned with `questions`
    asked: list[Asked]                           # aligned with `questions`


def evaluate(index: Index, questions: Sequence[Question], modes: Sequence[str] = MODES,
             k: int = 10, progress: Callable[[], None] | None = None) -> EvalResult:
    """Run every question through `index.search` in each mode and through `index.ask`, and
    score the results."""
    return summarise(index, run_questions(index, questions, modes, k, progress))


def run_questions(index: Index, questions: Sequence[Question], modes: Sequence[str] = MODES,
                  k: int = 10, progress: Callable[[], None] | None = None) -> Outcomes:
    """Judge each question's ranking in every mode and its answer; `progress` after each."""
    modes = check_run(modes, k)
    evidence = locate_evidence(questions, index)
    _warm_up(index, modes)
    retrieved: dict[str, list[Retrieved]] = {m: [] for m in modes}
    asked: list[Asked] = []
    for q in questions:
        for mode in modes:
            hits, seconds = _timed(partial(index.search, q.question, k=k, mode=mode))
            retrieved[mode].append(judge_hits(q, hits, evidence[q.id], seconds))
        answer, seconds = _timed(partial(index.ask, q.question))
        asked.append(judge_answer(q, answer, evidence[q.id], seconds))
        if progress is not None:
            progress()
    return Outcomes(list(questions), modes, k, evidence, retrieved, asked)


def summarise(index: Index, o: Outcomes) -> EvalResult:
    """The metrics of judged outcomes (ranked ones by ranx, over the answerable questions)."""
    passages = passages_by_source(index)
    qrels = {q.id: relevant_passages(passages, o.evidence[q.id])
             for q in o.questions if q.answerable}
    by_id = {m: {q.id: r for q, r in zip(o.questions, o.retrieved[m], strict=True)}
             for m in o.modes}
    metrics = {m: retrieval_metrics(qrels, by_id[m]) for m in o.modes} if qrels else {}
    times = {m: latency([r.seconds for r in o.retrieved[m]]) for m in o.modes}
    times["ask"] = latency([a.seconds for a in o.asked])
    answerable = [q.answerable for q in o.questions]
    answers = answer_metrics(o.asked, answerable)
    types = type_metrics([q.type for q in o.questions], qrels, [q.id for q in o.questions],
                         by_id, o.asked, answerable)
    return EvalResult(o.questions, o.modes, o.k, o.retrieved, o.asked, metrics, answers, times,
                      types)


def check_run(modes: Sequence[str], k: int) -> tuple[str, ...]:
    bad = [m for m in modes if m not in MODES]
    if bad or not modes:
        raise UsageError(f"modes must be some of {', '.join(MODES)}, got {', '.join(modes)!r}")
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_K:
        raise UsageError(f"k must be a whole number of at least {MIN_K} (metrics are reported "
                         f"at 10), got {k!r}")
    return tuple(dict.fromkeys(modes))


def _warm_up(index: Index, modes: Sequence[str]) -> None:
    """One untimed query per mode and one ask, so model loading is not a question's latency."""
    for mode in modes:
        index.search("warm up", k=1, mode=mode)
    index.ask("warm up")


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    value = call()
    return value, time.perf_counter() - t0
