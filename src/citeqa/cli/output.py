"""How the CLI writes: one-line errors, JSON documents, answers and hits for people."""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Any

from ..errors import CiteqaError
from ..records import Answer, Hit


def count(n: int, noun: str) -> str:
    """"1 document", "2 documents": a count with its noun in the right number."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def fail(message: str) -> None:
    """One line on stderr, whatever the message holds."""
    print(f"citeqa: error: {' '.join(message.split())}", file=sys.stderr)


def note(message: str) -> None:
    print(f"citeqa: {message}", file=sys.stderr)


def advice(err: CiteqaError, index_arg: str | None = None) -> str:
    """The error's message and, from its fields, the command that fixes it."""
    message = str(err)
    path = str(err.path) if err.path is not None else (index_arg or "DIR")
    corpus = f"{err.corpus} " if err.corpus is not None else ""
    if err.remedy == "build":
        return f"{message}; build one with `citeqa index CORPUS --index {path}`"
    if err.remedy == "rebuild" and err.path is not None and err.path.suffix != ".onnx":
        corpus = corpus or "CORPUS "
        return f"{message}; rebuild it with `citeqa index {corpus}--index {path} --force`"
    if err.remedy == "rebuild":
        return f"{message}; rebuild the index with `citeqa index --index DIR --force`"
    if err.remedy == "refresh":
        return (f"{message}; refresh it with `citeqa index --index {path}` (or answer from the "
                f"old index with `--index {path} --allow-stale`)")
    if err.remedy == "elsewhere":
        return f"{message}; pass an empty or new folder with `--index DIR`"
    if err.remedy == "replace":
        corpus = corpus or "CORPUS "
        return (f"{message}; index {corpus}into a folder of its own with `citeqa index "
                f"{corpus}--index DIR`, or replace this index with `citeqa index {corpus}--index "
                f"{path} --force`")
    if err.remedy == "wait":
        return f"{message} (another `citeqa index`); wait for it to finish and run the command again"
    if err.remedy == "reinstall":
        return f"{message}; reinstall citeqa's dependencies (`pip install -e .`)"
    return message


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def show_answer(answer: Answer, as_json: bool, index: str = "DIR") -> None:
    """An answer with its numbered sources, or as one JSON document; `index` is the index
    folder, for the hint on refreshing a stale one."""
    if as_json:
        print_json(answer.to_dict())
        return
    if answer.stale:
        print(f"(answered from an out-of-date index: run `citeqa index --index {index}` to "
              f"refresh it)")
    # Never broken inside "--leak-check=full", "update-mime-database" or a URL.
    print(textwrap.fill(answer.text, 100, break_on_hyphens=False, break_long_words=False))
    if not answer.abstained:
        print(f"(confidence {answer.confidence:.2f}: the estimated probability that this answer "
              f"is right)")
    print()
    print("Closest passages:" if answer.abstained else "Sources:")
    for c in answer.citations:
        print(f"[{c.number}] {where(c.source, c.line_start, c.line_end, c.page, c.section)}")
        print(textwrap.indent(shorten(c.quote, 400 if answer.abstained else 1000), "    "))


def where(source: str, first: int, last: int, page: int | None, section: str | None) -> str:
    """`file:line` (or `file:first-last`), then page and section when known."""
    place = ", ".join(([f"p. {page}"] if page else []) + ([section] if section else []))
    return f"{source}:{_lines(first, last)}" + (f" ({place})" if place else "")


def show_hits(hits: list[Hit]) -> None:
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank:>2}. {where(hit.source, hit.line_start, hit.line_end, hit.page, hit.section)}"
              f"  score {hit.score:.4f}")
        print(textwrap.indent(shorten(hit.text, 300), "    "))
    if not hits:
        print("no passage matches")


def _lines(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}-{last}"


def shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"
