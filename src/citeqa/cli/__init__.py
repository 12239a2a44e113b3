"""The `citeqa` command: index, search, ask and eval, with human or JSON output and exit codes.

It uses the library exactly as a user's script would, and is the only place that prints.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from importlib import import_module

from ..errors import CiteqaError
from ..settings import FUSIONS, MODES, PRECISIONS
from ..version import __version__
from . import indexing, querying
from .options import DEFAULT_CORPUS, DEFAULT_INDEX
from .output import advice, fail

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (exit 2) instead of a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        fail(f"{message} (see `{self.prog} --help`)")
        sys.exit(EXIT_USAGE)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 general, 2 usage, 3+ see README)."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CiteqaError as err:
        fail(advice(err, getattr(args, "index", None)))
        return err.exit_code
    except KeyboardInterrupt:
        fail("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader (e.g. `head`) closed the pipe: nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as err:
        fail(f"{err.strerror or err}: {err.filename or ''}".rstrip(": "))
        return 1


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    p = Parser(prog="citeqa", description="Answer questions about a folder of documents with "
               "cited sentences (BM25 + dense hybrid retrieval).")
    p.add_argument("--version", action="version", version=f"citeqa {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND",
                           parser_class=Parser)

    ix = sub.add_parser("index", help="build or refresh an index of a corpus folder")
    ix.add_argument("corpus", nargs="?", help=f"corpus folder (default: the index's own, "
                                              f"else {DEFAULT_CORPUS}/)")
    _index_arg(ix)
    how = ix.add_mutually_exclusive_group()
    how.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    how.add_argument("--verify", action="store_true",
                     help="write nothing: check every index file and the encoder against their "
                          "sha256 and hash every corpus file (exit 5 damaged, 6 out of date)")
    ix.add_argument("--ray", nargs="?", const="auto", default=None, metavar="ADDRESS",
                    help="read, chunk and embed on a Ray cluster (pip install 'citeqa[ray]'); "
                         "ADDRESS as for ray.init, default: the cluster this machine is in")
    ix.add_argument("--chunk-tokens", type=int, help="chunk size in word pieces")
    ix.add_argument("--chunk-overlap", type=int, help="chunk overlap in word pieces")
    ix.add_argument("--encoder-precision", choices=PRECISIONS, default=None,
                    help="the encoder's weights: int8 (default, the faster build) or float32, "
                         "the model's own; vectors agree within cosine 0.998 (kept by later "
                         "refreshes)")
    ix.add_argument("--quiet", action="store_true", help="no progress bar")
    _json_arg(ix)
    ix.set_defaults(run=indexing.run)

    for name, helptext, fn in (("search", "rank passages for a question", querying.search),
                               ("ask", "answer a question with citations", querying.ask)):
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
        _query_args(q)
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
    ev.add_argument("--out", default="eval/runs",
                    help="folder for the results (default eval/runs/, not committed; "
                         "eval/results/ holds the results the README quotes)")
    ev.add_argument("--limit-docs", type=int, default=None,
                    help="use only the first N documents (sorted by name) and their questions")
    ev.add_argument("--set", dest="set_name", default=None,
                    help="name of the results (default: from the questions file)")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    _query_args(ev)
    _json_arg(ev)
    ev.set_defaults(run=_imported_when_run("evaluate"))

    sv = sub.add_parser("serve", help="serve the web page and HTTP API for an index")
    _index_arg(sv)
    sv.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1; any other needs --token)")
    sv.add_argument("--port", type=int, default=8321, help="port (default 8321)")
    sv.add_argument("--token", default=os.environ.get("CITEQA_TOKEN"),
                    help="require 'Authorization: Bearer TOKEN' on API requests (or set "
                         "CITEQA_TOKEN)")
    sv.add_argument("--allow-stale", action="store_true",
                    help="serve an index whose corpus has changed since it was built")
    sv.set_defaults(run=_imported_when_run("serving"))
    return p


def _imported_when_run(module: str) -> Callable[[argparse.Namespace], int]:
    """The `run` of a subcommand module, imported only when that subcommand runs, so a cold
    `citeqa ask` does not import the evaluation and server code."""
    def run(args: argparse.Namespace) -> int:
        return int(import_module(f"{__package__}.{module}").run(args))
    return run


def _index_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", default=DEFAULT_INDEX, help=f"index folder (default "
                                                          f"{DEFAULT_INDEX}/)")


def _json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document")


def _query_args(p: argparse.ArgumentParser) -> None:
    """Flags for the query options worth changing from a shell (defaults: QueryOptions)."""
    p.add_argument("--fusion", choices=FUSIONS, default=None,
                   help="how hybrid search fuses BM25 and dense rankings (default adaptive)")
    p.add_argument("--dense-weight", type=float, default=None,
                   help="the dense ranking's (prior) weight in fusion, 0..1 (default 0.5)")
    p.add_argument("--abstain-threshold", type=float, default=None,
                   help="abstain when the answer's confidence, the probability that it is "
                        "right, is below this (default: the answer model's trained threshold)")


if __name__ == "__main__":
    sys.exit(main())
