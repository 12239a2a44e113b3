"""Structure of a Markdown file from markdown-it-py's block tokens (CommonMark plus tables).

Each block token carries the line range it came from (`token.map`); those lines, mapped to
offsets of the file's own text, give the blocks, so citations point into the file itself.
MyST (Sphinx Markdown) is understood as far as it matters for text: `(label)=` targets are
no text, ```{note} and other admonitions hold prose (read as Markdown), ```{toctree} and
```{image} hold none. So are MkDocs' admonitions (!!! note, ??? tip) and content tabs
(=== "macOS"): the indented lines under the marker are Markdown, not indented code."""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .lines import block_over, body_end, indent, line_spans
from .structure import Block, Parsed, check_blocks, trimmed

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_MAX_FRONT_MATTER_LINES = 200
_MYST_TARGET = re.compile(r"^\([^()\s]+\)=$")
_MYST_DIRECTIVE = re.compile(r"^\{([\w:-]+)\}")
_MYST_OPTION = re.compile(r"^[ \t]*:[\w-]+:")
_MYST_CODE = {"code", "code-block", "sourcecode", "code-cell", "math"}
_MYST_HIDDEN = {"toctree", "contents", "image", "figure", "include", "literalinclude",
                "program-output", "command-output", "raw", "eval-rst", "autofunction", "automodule"}
_MAX_NESTING = 8
_MKDOCS_MARKER = re.compile(r'[ \t]*(?:(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+"[^"]*")?'
                            r'|===\+?[ \t]+"(?P<tab>[^"]*)")[ \t]*$')
_TAB_LEVEL = 100   # a content tab's title is a heading one level below the heading above it:
                   # levels from here on say how deep the tab is indented, until `_tab_levels`
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_WORDLESS = {"image", "link_open", "link_close", "softbreak", "hardbreak", "html_inline"}
_HTML_TAG = re.compile(r"<[^>]*>")    # a tag or a comment
_HTML_ROW = re.compile(r"[ \t]*<tr\b", re.I)
_HTML_ROW_END = re.compile(r"</tr\s*>", re.I)
_HTML_HEADING = re.compile(r"[ \t]*<h([1-6])\b", re.I)
_HTML_BLOCK_TAG = re.compile(r"[ \t]*</?(?:p|li|h[1-6]|summary|details|div|dt|dd|dl|br|table|thead"
                             r"|tbody|ul|ol|blockquote|pre|td|th|section|center|hr)\b", re.I)
_HTML_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|summary|div|dt|dd|td|th|pre|blockquote)\s*>[ \t]*$",
                             re.I)


def parse_markdown(text: str) -> Parsed:
    """Blocks of a Markdown file; the text is the file's own."""
    spans = line_spans(text)
    lines = [text[a:b] for a, b in spans]
    skip = _front_matter_lines(lines)
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    blocks: list[Block] = []
    _collect(md, ["" if n < skip else line for n, line in enumerate(lines)], 0, text, spans, blocks, 0)
    return Parsed(text, _tab_levels(check_blocks(text, blocks)), format="markdown")


def _collect(md: MarkdownIt, lines: list[str], first_line: int, text: str,
             spans: list[tuple[int, int]], blocks: list[Block], depth: int) -> None:
    """Blocks of `lines` (the file's lines from `first_line` on, some blanked out)."""
    if depth < _MAX_NESTING:
        lines = _mkdocs_bodies(md, lines, first_line, text, spans, blocks, depth)
    tokens = md.parse("\n".join(lines))
    containers: list[str] = []
    for n, token in enumerate(tokens):
        if token.type in ("list_item_open", "blockquote_open"):
            containers.append(token.type)
        elif token.type in ("list_item_close", "blockquote_close"):
            containers.pop()
        if token.map is None or token.nesting < 0:
            continue
        first, last = token.map[0], token.map[1] - 1
        if token.type == "fence":  # the fences are no text: only the lines between them
            first, last = _inside_fences(lines, first, last, token.markup)
            if last < first:
                continue
            if _MYST_DIRECTIVE.match(token.info) and depth < _MAX_NESTING:
                _myst(md, token.info, lines, first, last, first_line, text, spans, blocks, depth)
                continue
        if token.type == "paragraph_open" and n + 1 < len(tokens) and (
                _MYST_TARGET.match(tokens[n + 1].content.strip()) or _wordless(tokens[n + 1])):
            continue
        if token.type == "html_block":   # a comment is no text
            if not token.content.lstrip().startswith("<!--"):
                blocks.extend(_html_blocks(lines, first, last, first_line, text, spans))
            continue
        kind, level = _kind(token.type, token.tag, containers)
        if kind is None or last < first:
            continue
        if kind == "heading" and token.markup in ("=", "-"):
            last -= 1  # setext heading: the underline is no text
        block = block_over(text, spans, kind, first_line + first, first_line + last, level)
        if block is not None:
            blocks.append(block)


def _inside_fences(lines: list[str], first: int, last: int, fence: str) -> tuple[int, int]:
    """The lines of a fenced code block between its opening fence (line `first`) and its
    closing one (line `last`, unless the block runs to the end of the text unclosed)."""
    closed = last > first and lines[last].strip().startswith(fence)
    return first + 1, last - 1 if closed else last


def _myst(md: MarkdownIt, info: str, lines: list[str], first: int, last: int, first_line: int,
          text: str, spans: list[tuple[int, int]], blocks: list[Block], depth: int) -> None:
    """A MyST directive fence (its lines `first`..`last` between the fences): code, nothing,
    or prose read as Markdown (options left out)."""
    match = _MYST_DIRECTIVE.match(info)
    name = match.group(1) if match else ""
    if name in _MYST_HIDDEN:
        return
    if name in _MYST_CODE:
        block = block_over(text, spans, "code", first_line + first, first_line + last)
        if block is not None:
            blocks.append(block)
        return
    inner = lines[first:last + 1]
    n = 0
    while n < len(inner) and _MYST_OPTION.match(inner[n]):
        inner[n] = ""
        n += 1
    _collect(md, inner, first_line + first, text, spans, blocks, depth + 1)


def _mkdocs_bodies(md: MarkdownIt, lines: list[str], first_line: int, text: str,
                   spans: list[tuple[int, int]], blocks: list[Block], depth: int) -> list[str]:
    """`lines` with each MkDocs admonition or content tab blanked out, its marker line being
    no text and its body (the lines indented under it) read as Markdown of its own."""
    out = list(lines)
    fence = ""
    n = 0
    while n < len(lines):
        line = lines[n]
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1).startswith(fence) and not line[opening.end():].strip():
                fence = ""
        elif opening:
            fence = opening.group(1)
        elif marker := _MKDOCS_MARKER.match(line):
            body = indent(line) + 4
            title = _tab_title(marker, text, spans[first_line + n], len(line))
            if title is not None:
                blocks.append(title)
            last = max(body_end(lines, n + 1, body - 1) - 1, n)
            out[n:last + 1] = [""] * (last + 1 - n)
            if last > n:
                inner = [_dedent(lines[m], body) for m in range(n + 1, last + 1)]
                _collect(md, inner, first_line + n + 1, text, spans, blocks, depth + 1)
            n = last
        n += 1
    return out


def _tab_title(marker: re.Match[str], text: str, span: tuple[int, int], length: int
               ) -> Block | None:
    """A content tab's title as a heading (levels from _TAB_LEVEL on, by how far the marker
    is indented in the file), or None for an admonition. `marker` matched the file's line
    `span` dedented to `length` characters: the line ends where the file's does."""
    if marker.group("tab") is None:
        return None
    start = span[1] - length
    column = indent(text[span[0]:span[1]])
    return trimmed(text, "heading", start + marker.start("tab"), start + marker.end("tab"),
                   _TAB_LEVEL + column // 4)


def _tab_levels(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """`blocks` with each content tab's title a heading below the last heading before it that
    is no tab's, the tabs inside a tab below that tab."""
    out = []
    level = 0
    for block in blocks:
        if block.kind == "heading" and block.level >= _TAB_LEVEL:
            block = replace(block, level=level + 1 + block.level - _TAB_LEVEL)
        elif block.kind == "heading":
            level = block.level
        out.append(block)
    return tuple(out)


def _dedent(line: str, columns: int) -> str:
    """`line` with up to `columns` columns of leading white space taken off (a tab is four)."""
    taken = 0
    n = 0
    while n < len(line) and line[n] in " \t" and taken < columns:
        taken += 4 if line[n] == "\t" else 1
        n += 1
    return line[n:]


def _wordless(inline: Token) -> bool:
    """Whether a paragraph's inline token holds no words of its own: only images, links
    around them and inline tags (a logo, a row of badges "[![Build Status](….svg)](…)", an
    anchor "<a id='…'></a>"); an image's alt text is no prose."""
    return all(c.type in _WORDLESS or (c.type == "text" and not c.content.strip())
               for c in inline.children or [])


def _html_blocks(lines: list[str], first: int, last: int, first_line: int, text: str,
                 spans: list[tuple[int, int]]) -> list[Block]:
    """Blocks of an HTML block's lines first..last: each table row (<tr> to </tr>) one row,
    each run of lines with words between block tags a paragraph (a heading when it opens
    with <h1>…<h6>); lines of tags alone (<table>, <details>, a logo's <img>) are no text."""
    out: list[Block] = []
    run: list[int] = []        # the lines with words of the current row or paragraph
    in_row = False

    def close(kind: str) -> None:
        if run:
            heading = _HTML_HEADING.match(lines[run[0]])
            kind, level = ("heading", int(heading.group(1))) if heading and kind == "paragraph" \
                else (kind, 0)
            block = block_over(text, spans, kind, first_line + run[0], first_line + run[-1], level)
            if block is not None:
                out.append(block)
            run.clear()

    for i in range(first, last + 1):
        line = lines[i]
        words = bool(_HTML_TAG.sub("", line).strip())
        if _HTML_ROW.match(line):
            close("paragraph")
            in_row = True
        elif not in_row and (_HTML_BLOCK_TAG.match(line) or not words):
            close("paragraph")
        if words:
            run.append(i)
        if in_row and _HTML_ROW_END.search(line):
            close("table_row")
            in_row = False
        elif not in_row and _HTML_BLOCK_END.search(line):
            close("paragraph")
    close("table_row" if in_row else "paragraph")
    return out


def _kind(token_type: str, tag: str, containers: list[str]) -> tuple[str | None, int]:
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
    return None, 0


def _front_matter_lines(lines: list[str]) -> int:
    """Number of leading lines that are YAML front matter (---, fields, ---), else 0."""
    if not lines or lines[0].strip() != "---":
        return 0
    for n in range(1, min(len(lines), _MAX_FRONT_MATTER_LINES)):
        if _FRONT_MATTER_END.match(lines[n]):
            return n + 1
    return 0
