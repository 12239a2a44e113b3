"""Structure of a Markdown file from markdown-it-py's block tokens (CommonMark plus tables).

Each block token carries the line range it came from (`token.map`); those lines, mapped to
offsets of the file's own text, give the blocks, so citations point into the file itself."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from .lines import block_over, line_spans
from .structure import Block, Parsed, check_blocks

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_MAX_FRONT_MATTER_LINES = 200


def parse_markdown(text: str) -> Parsed:
    """Blocks of a Markdown file; the text is the file's own."""
    spans = line_spans(text)
    lines = [text[a:b] for a, b in spans]
    skip = _front_matter_lines(lines)
    source = "\n".join("" if n < skip else line for n, line in enumerate(lines))
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    blocks: list[Block] = []
    containers: list[str] = []
    for token in md.parse(source):
        if token.type in ("list_item_open", "blockquote_open"):
            containers.append(token.type)
        elif token.type in ("list_item_close", "blockquote_close"):
            containers.pop()
        if token.map is None or not token.nesting >= 0:
            continue
        first, last = token.map[0], token.map[1] - 1
        kind, level = _kind(token.type, token.tag, containers, token.content)
        if kind is None or last < first:
            continue
        if kind == "heading" and token.markup in ("=", "-"):
            last -= 1  # setext heading: the underline is no text
        block = block_over(text, spans, kind, first, last, level)
        if block is not None:
            blocks.append(block)
    return Parsed(text, check_blocks(text, blocks), format="markdown")


def _kind(token_type: str, tag: str, containers: list[str], content: str) -> tuple[str | None, int]:
    """Block kind and heading level of a markdown-it token, or None for tokens that are not
    blocks of their own (lists, tables, rules)."""
    if token_type == "heading_open":
        return "heading", int(tag[1:])
    if token_type == "paragraph_open":
        inner = containers[-1] if containers else ""
        return {"list_item_open": "list_item", "blockquote_open": "quote"}.get(inner, "paragraph"), 0
    if token_type in ("fence", "code_block"):
        return "code", 0
    if token_type == "tr_open":
        return "table_row", 0
    if token_type == "html_block" and not content.lstrip().startswith("<!--"):
        return "paragraph", 0
    return None, 0


def _front_matter_lines(lines: list[str]) -> int:
    """Number of leading lines that are YAML front matter (---, fields, ---), else 0."""
    if not lines or lines[0].strip() != "---":
        return 0
    for n in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if _FRONT_MATTER_END.match(lines[n]):
            return n + 1
    return 0
