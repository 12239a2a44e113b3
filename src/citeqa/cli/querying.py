"""`citeqa search` and `citeqa ask` (one question, or one per line from a prompt)."""

from __future__ import annotations

import argparse
import sys

from ..errors import IndexNotFoundError, UsageError
from ..index import Index, clean_question
from ..settings import QueryOptions
from .options import DEFAULT_CORPUS, DEFAULT_INDEX, query_overrides
from .output import fail, note, print_json, show_answer, show_hits


def search(args: argparse.Namespace) -> int:
    index = _open(args, build_default=False)
    hits = index.search(args.question, k=10 if args.k is None else args.k, mode=args.mode)
    if args.json:
        print_json({"question": clean_question(args.question), "mode": args.mode,
                    "stale": bool(index.changes), "hits": [h.to_dict() for h in hits]})
        return 0
    _warn_stale(index)
    show_hits(hits)
    return 0


def ask(args: argparse.Namespace) -> int:
    index = _open(args, build_default=args.index == DEFAULT_INDEX)
    if args.question is not None:
        show_answer(index.ask(args.question, k=args.k, mode=args.mode), args.json, args.index)
        return 0
    _warn_stale(index)
    if sys.stdin.isatty():
        print("Ask a question about the documents (empty line or Ctrl-D to quit).",
              file=sys.stderr)
    while True:
        try:
            line = input("? " if sys.stdin.isatty() else "")
        except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C at the prompt: a quiet end
            if sys.stdin.isatty():
                print(file=sys.stderr)
            return 0
        if not line.strip():
            return 0
        try:
            show_answer(index.ask(line, k=args.k, mode=args.mode), args.json, args.index)
        except UsageError as err:
            fail(str(err))


def _open(args: argparse.Namespace, build_default: bool) -> Index:
    options = QueryOptions(**query_overrides(args))
    try:
        return Index.open(args.index, options, allow_stale=args.allow_stale)
    except IndexNotFoundError:
        if not build_default:
            raise
    note(f"no index yet; building {args.index}/ from {DEFAULT_CORPUS}/ (once)")
    return Index.build(DEFAULT_CORPUS, args.index, progress=not args.json, options=options)


def _warn_stale(index: Index) -> None:
    if index.changes:
        note(f"warning: the index is out of date ({index.changes.summary()}); run "
             f"`citeqa index --index {index.path}` to refresh it")
