"""`citeqa index`: build or refresh an index."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ..errors import CiteqaError, StaleIndexError
from ..settings import BuildSettings
from ..store import read_manifest, saved_settings, verify_index
from .options import DEFAULT_CORPUS
from .output import count, note, print_json


def run(args: argparse.Namespace) -> int:
    from ..building import build  # the chunker and encoder export: not needed to answer

    index_dir = Path(args.index)
    if args.verify:
        return verify(index_dir, args.json)
    settings = saved_settings(index_dir) or BuildSettings()
    corpus = args.corpus
    if not corpus:
        try:
            corpus = str((index_dir / read_manifest(index_dir)["corpus"]).resolve())
        except CiteqaError:
            corpus = DEFAULT_CORPUS
    if args.chunk_tokens is not None:
        settings = replace(settings, chunk_tokens=args.chunk_tokens)
    if args.chunk_overlap is not None:
        settings = replace(settings, chunk_overlap=args.chunk_overlap)
    if args.encoder_precision is not None:
        settings = replace(settings, encoder_precision=args.encoder_precision)
    report = build(Path(corpus), index_dir, settings, force=args.force,
                   progress=not (args.quiet or args.json), ray=args.ray)
    for notice in report.notices:
        note(str(notice))
    if args.json:
        print_json({"index": str(index_dir), "corpus": corpus, "rebuilt": report.rebuilt,
                    "documents": report.documents, "chunks": report.chunks,
                    "embedded": report.embedded, "reused": report.reused,
                    "seconds": round(report.seconds, 3),
                    "notices": [str(n) for n in report.notices]})
    elif report.rebuilt:
        print(f"indexed {count(report.documents, 'document')} into "
              f"{count(report.chunks, 'chunk')} in "
              f"{index_dir}/ ({report.embedded} embedded, {report.reused} reused, "
              f"{report.seconds:.1f} s)")
    else:
        print(f"{index_dir}/ is up to date ({count(report.documents, 'document')}, "
              f"{count(report.chunks, 'chunk')}): nothing to do")
    return 0


def verify(index_dir: Path, as_json: bool) -> int:
    """`citeqa index --verify`: every checksum and every corpus file, nothing written."""
    manifest, changes = verify_index(index_dir)
    corpus = (index_dir / str(manifest.get("corpus", ""))).resolve()
    if changes:
        raise StaleIndexError(f"the index at {index_dir} is sound but out of date: "
                              f"{changes.summary()}", path=index_dir, corpus=corpus)
    files, sources = len(manifest["files"]) + 1, manifest["corpus_files"]
    if as_json:
        print_json({"index": str(index_dir), "corpus": str(corpus), "sound": True,
                    "up_to_date": True, "index_files": files, "corpus_files": sources})
    else:
        print(f"{index_dir}/ is sound and up to date: {files} index files (the encoder export "
              f"included) match their sha256, and {sources} corpus files hash as indexed")
    return 0
