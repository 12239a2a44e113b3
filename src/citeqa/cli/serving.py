"""`citeqa serve`: the web page and HTTP API over one index, until Ctrl-C."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from ..server import serve  # FastAPI and uvicorn are imported only for this command

    serve(args.index, host=args.host, port=args.port, token=args.token,
          allow_stale=args.allow_stale)
    return 0
