"""The `citeqa` command: index, search, ask and eval, with human or JSON output and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from .config import MODES
from .errors import CiteqaError, IndexNotFoundError
from .records import Answer, Hit

EXIT_USAGE = 2
DEFAULT_CORPUS = "seeds"
DEFAULT_INDEX = "index"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 general, 2 usage, 3+ see README)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except CiteqaError as err:
        _fail(str(err))
        return err.exit_code
    except ValueError as err:
        _fail(str(err))
        return EXIT_USAGE
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:  # the reader (e.g. `head`) closed the pipe: nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        _fail(f"{err.strerror or err}: {err.filename or ''}".rstrip(": "))
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citeqa", description="Answer questions about a folder of "
                                "documents with cited passages (BM25 + dense hybrid retrieval).")
    from . import __version__

    p.add_argument("--version", action="version", version=f"citeqa {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ix = sub.add_parser("index", help="build or refresh an index of a corpus folder")
    ix.add_argument("corpus", nargs="?", help=f"corpus folder (default: the index's own, "
                                              f"else {DEFAULT_CORPUS}/)")
    _index_arg(ix)
    ix.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    ix.add_argument("--chunk-tokens", type=int, help="chunk size in word pieces")
    ix.add_argument("--chunk-overlap", type=int, help="chunk overlap in word pieces")
    ix.add_argument("--quiet", action="store_true", help="no progress bar")
    _json_arg(ix)
    ix.set_defaults(run=cmd_index)

    for name, helptext, fn in (("search", "rank passages for a question", cmd_search),
                               ("ask", "answer a question with citations", cmd_ask)):
        q = sub.add_parser(name, help=helptext)
        q.add_argument("question", nargs="?" if name == "ask" else None,
                       help="the question" + (" (none: an interactive prompt)"
                                              if name == "ask" else ""))
        _index_arg(q)
        q.add_argument("--k", type=int, default=None,
                       help="passages to return / to answer from (default 10 / 5)")
        q.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode")
        q.add_argument("--allow-stale", action="store_true",
                       help="answer from an index whose corpus has changed since it was built")
        _json_arg(q)
        q.set_defaults(run=fn)

    ev = sub.add_parser("eval", help="evaluate retrieval and answers on a question set")
    ev.add_argument("--questions", default="eval/questions.jsonl", help="question set (JSONL)")
    ev.add_argument("--corpus", default=None, help="corpus folder (default seeds/)")
    ev.add_argument("--index", default=None,
                    help="index folder (default index/ for seeds/, else a folder under "
                         "eval/indexes/)")
    ev.add_argument("--modes", default="bm25,dense,hybrid", help="comma-separated modes")
    ev.add_argument("--k", type=int, default=10,
                    help="ranking depth (at least 10; metrics are reported at 10)")
    ev.add_argument("--out", default="eval/results", help="folder for the results")
    ev.add_argument("--limit-docs", type=int, default=None,
                    help="use only the first N documents (sorted by name) and their questions")
    ev.add_argument("--set", dest="set_name", default=None,
                    help="name of the results (default: from the questions file)")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    _json_arg(ev)
    ev.set_defaults(run=cmd_eval)
    return p


def _index_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", default=DEFAULT_INDEX, help=f"index folder (default "
                                                          f"{DEFAULT_INDEX}/)")


def _json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document")


# ---- commands ------------------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from .building import build
    from .config import Config
    from .store import read_manifest

    index_dir = Path(args.index)
    config = Config()
    corpus = args.corpus
    try:
        manifest = read_manifest(index_dir)
        config = Config.from_dict(manifest["config"])
        corpus = corpus or str((index_dir / manifest["corpus"]).resolve())
    except CiteqaError:
        pass
    corpus = corpus or DEFAULT_CORPUS
    if args.chunk_tokens is not None:
        config = replace(config, chunk_tokens=args.chunk_tokens)
    if args.chunk_overlap is not None:
        config = replace(config, chunk_overlap=args.chunk_overlap)
    report = build(Path(corpus), index_dir, config, force=args.force,
                   progress=not (args.quiet or args.json))
    for notice in report.notices:
        print(f"citeqa: {notice}", file=sys.stderr)
    if args.json:
        _print_json({"index": str(index_dir), "corpus": corpus, "rebuilt": report.rebuilt,
                     "documents": report.documents, "chunks": report.chunks,
                     "embedded": report.embedded, "reused": report.reused,
                     "seconds": round(report.seconds, 3),
                     "notices": [str(n) for n in report.notices]})
    elif report.rebuilt:
        print(f"indexed {report.documents} documents into {report.chunks} chunks in "
              f"{index_dir}/ ({report.embedded} embedded, {report.reused} reused, "
              f"{report.seconds:.1f} s)")
    else:
        print(f"{index_dir}/ is up to date ({report.documents} documents, {report.chunks} "
              f"chunks): nothing to do")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from .index import clean_question

    index = _open(args, build_default=False)
    hits = index.search(args.question, k=10 if args.k is None else args.k, mode=args.mode)
    if args.json:
        _print_json({"question": clean_question(args.question), "mode": args.mode,
                     "stale": bool(index.changes), "hits": [h.to_dict() for h in hits]})
        return 0
    _warn_stale(index)
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank:>2}. {_where(hit)}  score {hit.score:.4f}")
        print(textwrap.indent(_shorten(hit.text, 300), "    "))
    if not hits:
        print("no passage matches")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    index = _open(args, build_default=args.index == DEFAULT_INDEX)
    if args.question is not None:
        _show_answer(index.ask(args.question, k=args.k, mode=args.mode), args.json)
        return 0
    _warn_stale(index)
    if sys.stdin.isatty():
        print("Ask a question about the documents (empty line or Ctrl-D to quit).",
              file=sys.stderr)
    while True:
        try:
            line = input("? " if sys.stdin.isatty() else "")
        except EOFError:
            return 0
        if not line.strip():
            return 0
        try:
            _show_answer(index.ask(line, k=args.k, mode=args.mode), args.json)
        except ValueError as err:
            _fail(str(err))


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import run_cli

    return run_cli(args)


# ---- helpers -------------------------------------------------------------------------------
def _open(args: argparse.Namespace, build_default: bool) -> Any:
    from .index import Index

    try:
        return Index.open(args.index, allow_stale=args.allow_stale)
    except IndexNotFoundError:
        if not build_default:
            raise
    print(f"citeqa: no index yet; building {args.index}/ from {DEFAULT_CORPUS}/ (once)",
          file=sys.stderr)
    index = Index.build(DEFAULT_CORPUS, args.index, progress=not args.json)
    return index


def _show_answer(answer: Answer, as_json: bool) -> None:
    if as_json:
        _print_json(answer.to_dict())
        return
    if answer.stale:
        print("(answered from an out-of-date index: run `citeqa index` to refresh it)")
    print(textwrap.fill(answer.text, 100))
    print()
    print("Closest passages:" if answer.abstained else "Sources:")
    for c in answer.citations:
        lines = f"{c.line_start}" if c.line_start == c.line_end else f"{c.line_start}-{c.line_end}"
        print(f"[{c.number}] {c.source}, lines {lines} (characters {c.start}-{c.end})")
        print(textwrap.indent(_shorten(c.quote, 400), "    "))


def _warn_stale(index: Any) -> None:
    if index.changes:
        print(f"citeqa: warning: the index is out of date ({index.changes.summary()}); "
              f"run `citeqa index` to refresh it", file=sys.stderr)


def _where(hit: Hit) -> str:
    lines = f"{hit.line_start}" if hit.line_start == hit.line_end else \
        f"{hit.line_start}-{hit.line_end}"
    return f"{hit.source}:{lines} [{hit.start}:{hit.end}]"


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _fail(message: str) -> None:
    print(f"citeqa: error: {' '.join(message.split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
