"""`python -m citeqa.parsing FILE [--blocks]`: print the text citeqa extracts from a file, so
exact quotes can be copied from it; `--blocks` lists each block with its page and section."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import Locator, ParseError, parse

MAX_BYTES = 200 * 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    """Print the extracted text (or the blocks) of FILE; exit 2 when it cannot be parsed."""
    parser = argparse.ArgumentParser(prog="python -m citeqa.parsing", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--blocks", action="store_true",
                        help="one line per block: kind, level, page, section, text")
    args = parser.parse_args(argv)
    try:
        parsed = parse(args.file.name, args.file.read_bytes(), MAX_BYTES)
    except (ParseError, OSError) as err:
        print(f"{args.file}: {err}", file=sys.stderr)
        return 2
    if not args.blocks:
        sys.stdout.write(parsed.text if parsed.text.endswith("\n") else parsed.text + "\n")
        return 0
    where = Locator(parsed)
    for block in parsed.blocks:
        page, section = where.locate(block.start)
        body = parsed.text[block.start:block.end].replace("\n", "\\n")
        print(f"{block.kind}\t{block.level}\t{page or ''}\t{section or ''}\t{body}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head` stopped reading
        sys.stderr.close()
        sys.exit(0)
