"""`citeqa index`: build or refresh an index."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ..errors import CiteqaError
from ..settings import BuildSettings
from ..store import read_manifest
from .options import DEFAULT_CORPUS
from .output import note, print_json


def run(args: argparse.Namespace) -> int:
    from ..building import build  # the chunker and encoder export: not needed to answer

    index_dir = Path(args.index)
    settings = BuildSettings()
    corpus = args.corpus
    try:
        manifest = read_manifest(index_dir)
        settings = BuildSettings.from_dict(manifest["settings"])
        corpus = corpus or str((index_dir / manifest["corpus"]).resolve())
    except CiteqaError:
        pass
    corpus = corpus or DEFAULT_CORPUS
    if args.chunk_tokens is not None:
        settings = replace(settings, chunk_tokens=args.chunk_tokens)
    if args.chunk_overlap is not None:
        settings = replace(settings, chunk_overlap=args.chunk_overlap)
    report = build(Path(corpus), index_dir, settings, force=args.force,
                   progress=not (args.quiet or args.json))
    for notice in report.notices:
        note(str(notice))
    if args.json:
        print_json({"index": str(index_dir), "corpus": corpus, "rebuilt": report.rebuilt,
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
