"""Format parsers on real files: structure (blocks, sections, pages), chrome and junk left
out, and every unreadable file turned into a one-line skip notice."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citeqa.documents import SourceFile, find_sources, load_documents, read_document
from citeqa.parsing import (
    Block,
    Locator,
    Parsed,
    ParseError,
    detect_format,
    page_at,
    parse,
    plain_text,
    section_at,
)

MAX = 20 * 1024 * 1024


def check_blocks(parsed: Parsed) -> None:
    """Blocks are sorted, non-overlapping, non-empty and trimmed, of the known kinds."""
    end = 0
    for block in parsed.blocks:
        assert block.kind in ("heading", "paragraph", "list_item", "code", "table_row", "quote",
                              "term")
        assert end <= block.start < block.end <= len(parsed.text)
        body = parsed.text[block.start:block.end]
        assert body == body.strip() and body
        assert (block.level >= 1) == (block.kind == "heading")
        end = block.end


def block_holding(parsed: Parsed, words: str) -> Block:
    """The one block whose text holds `words`."""
    found = [b for b in parsed.blocks if words in parsed.text[b.start:b.end]]
    assert len(found) == 1, (words, found)
    return found[0]


def kinds(parsed: Parsed) -> list[tuple[str, str]]:
    return [(b.kind, parsed.text[b.start:b.end]) for b in parsed.blocks]


# ---- plain text -----------------------------------------------------------------------------
PLAIN = """\
HARBOUR GUIDE

Introduction
============

The harbour master opens the lock gates at six
in the morning and closes them at ten at night,
except on public holidays.

Boats and berths

Visiting boats moor at the north quay.  Fees are paid
at the office.

  - a first bullet that is long
    and wraps onto a second line
  * a second bullet
  1. a numbered item
  b) a lettered item

2.1 Tide Tables

    tide --port north
    tide --port south

Month     High      Low
March     4.1 m     0.3 m

| Quay | Depth |
|------|-------|
| North | 6 m |

The end of the guide.
"""


def test_plain_text_blocks_follow_the_lines() -> None:
    parsed = parse("guide.txt", PLAIN.encode(), MAX)
    assert parsed.text == PLAIN and parsed.format == "text"
    check_blocks(parsed)
    para = block_holding(parsed, "opens the lock gates")
    assert parsed.text[para.start:para.end] == ("The harbour master opens the lock gates at six\n"
                                                "in the morning and closes them at ten at night,\n"
                                                "except on public holidays.")
    assert para.kind == "paragraph"
    assert kinds(parsed)[:3] == [("heading", "HARBOUR GUIDE"), ("heading", "Introduction"),
                                 ("paragraph", parsed.text[para.start:para.end])]
    assert block_holding(parsed, "Boats and berths").kind == "heading"
    assert block_holding(parsed, "Fees are paid").kind == "paragraph"
    bullet = block_holding(parsed, "a first bullet")
    assert (bullet.kind, parsed.text[bullet.start:bullet.end]) == (
        "list_item", "- a first bullet that is long\n    and wraps onto a second line")
    for words in ("a second bullet", "a numbered item", "a lettered item"):
        assert block_holding(parsed, words).kind == "list_item"
    numbered = block_holding(parsed, "Tide Tables")
    assert (numbered.kind, numbered.level) == ("heading", 2)
    code = block_holding(parsed, "tide --port north")
    assert code.kind == "code" and "tide --port south" in parsed.text[code.start:code.end]
    for words in ("Month", "March", "| Quay", "| North"):
        assert block_holding(parsed, words).kind == "table_row"
    assert "|---" not in " ".join(parsed.text[b.start:b.end] for b in parsed.blocks)
    assert block_holding(parsed, "The end").kind == "paragraph"
    where = Locator(parsed)
    assert where.section(para.start) == "Introduction"  # level 1, as the all-caps title
    assert section_at(parsed, parsed.text.index("moor at")) == "Introduction > Boats and berths"
    assert where.section(0) == "HARBOUR GUIDE" and page_at(parsed, 5) is None


JUSTIFIED = """\
Q:   Why  do  the  lock  gates stay shut when the tide is high and the
     harbour is full? Is there a way to open them?

A:   The  gates  are  held by the tide itself, which presses them shut
     against  the  sill until the water on both sides is at one level.
     Wait  for  the  level  to settle and the gates will open on their
     own.

Berth      Depth    Fee
North      6 m      12 EUR
South      4 m      9 EUR

│Berth │Depth  │Fee                                                          │
│North │6 m    │12 EUR                                                       │
"""


def test_plain_text_justified_prose_is_a_paragraph_and_tables_stay_rows() -> None:
    """Lines widened with runs of spaces to fill the margin are prose (a sentence runs on
    over them), not table rows; columns that line up, and box-drawn rows, are rows."""
    parsed = parse("faq.txt", JUSTIFIED.encode(), MAX)
    check_blocks(parsed)
    question = block_holding(parsed, "Why  do  the")
    assert question.kind == "paragraph"
    assert parsed.text[question.start:question.end].endswith("Is there a way to open them?")
    answer = block_holding(parsed, "The  gates  are")
    assert answer.kind == "paragraph"
    assert parsed.text[answer.start:answer.end].endswith("will open on their\n     own.")
    for words in ("Berth      Depth", "North      6 m", "South      4 m", "│Berth", "│North"):
        assert block_holding(parsed, words).kind == "table_row"


LICENCE = """\
A. HISTORY OF THE HARBOUR RULES

The rules were first written in 1990 by the harbour board.

PREAMBLE
The goals of these rules are to keep the harbour safe and to share
its berths fairly among all the boats that call at it.

    THE BERTHS ARE PROVIDED AS THEY ARE. ANY USE OF A BERTH MEANS THAT
    ITS OWNER ACCEPTS THESE RULES AND THE FEES SET OUT BELOW.

  i) boats under ten metres moor at the north quay, and
  ii) larger boats moor at the south quay;
  III) visitors ask the harbour master first.

To book a berth, type:

    moor --quay north --length 9

┌───────┬──────┐
│Quay   │Depth │
├───────┼──────┤
│North  │6 m   │
└───────┴──────┘
"""


def test_plain_text_licence_titles_notices_and_numbered_clauses() -> None:
    """A lettered title and a title in capitals set above its paragraph are headings; an
    indented notice that reads as prose is a quote while an indented command stays code;
    roman-numbered clauses are list items; box-drawn rules hold no text."""
    parsed = parse("rules.txt", LICENCE.encode(), MAX)
    check_blocks(parsed)
    shown = kinds(parsed)
    assert ("heading", "A. HISTORY OF THE HARBOUR RULES") in shown
    assert ("heading", "PREAMBLE") in shown
    goals = block_holding(parsed, "The goals")
    assert goals.kind == "paragraph" and parsed.text[goals.start:goals.end].startswith("The goals")
    assert block_holding(parsed, "THE BERTHS ARE").kind == "quote"
    assert block_holding(parsed, "moor --quay north").kind == "code"
    for words in ("i) boats under", "ii) larger boats", "III) visitors"):
        assert block_holding(parsed, words).kind == "list_item"
    assert block_holding(parsed, "│North").kind == "table_row"
    assert not any("─" in text for _, text in shown)


def test_plain_text_keeps_exact_offsets_with_crlf_and_bom() -> None:
    text = "Title Line\r\n\r\nFirst line of prose\r\nsecond line of prose.\r\n"
    parsed = parse("crlf.txt", b"\xef\xbb\xbf" + text.encode(), MAX)
    assert parsed.text == text
    check_blocks(parsed)
    para = block_holding(parsed, "First line")
    assert parsed.text[para.start:para.end] == "First line of prose\r\nsecond line of prose."


def test_plain_text_outline_news_and_numbered_questions() -> None:
    news = ("GNU harbour NEWS                        -*- outline -*-\n\n"
            "* Noteworthy changes in release 1.2 (2024-01-02)\n\n"
            "** Bug fixes\n\n  The north gate no longer\n  sticks in winter.\n")
    parsed = parse("NEWS", news.encode(), MAX)
    check_blocks(parsed)
    fix = block_holding(parsed, "north gate")
    assert parsed.text[fix.start:fix.end] == "The north gate no longer\n  sticks in winter."
    assert section_at(parsed, fix.start) == "Noteworthy changes in release 1.2 (2024-01-02) > Bug fixes"
    paged = ("GNU harbour NEWS - User visible changes. 2024-05-06\n"
             "Please send harbour bug reports to <bugs@harbour.example.org>\n"
             "\f\nversion 1.3 - Ann Smith, 2024-05-06\n\n"
             "* Gates open earlier\n\nSee https://lists.example.org/harbour/msg00012.html\n\n"
             "* The crane lifts more\n\f\nversion 1.2 - Ann Smith, 2024-01-02\n\n"
             "* Mail bug reports to\n\nbugs@harbour.example.org\n\nThe tugs are faster.\n")
    parsed = parse("NEWS", paged.encode(), MAX)
    check_blocks(parsed)
    assert [(b.level, parsed.text[b.start:b.end]) for b in parsed.blocks if b.kind == "heading"] == [
        (1, "version 1.3 - Ann Smith, 2024-05-06"), (1, "version 1.2 - Ann Smith, 2024-01-02")]
    assert section_at(parsed, parsed.text.index("The crane")) == "version 1.3 - Ann Smith, 2024-05-06"
    assert section_at(parsed, parsed.text.index("The tugs")) == "version 1.2 - Ann Smith, 2024-01-02"
    faq = ("1. GENERAL INFORMATION\n\n1.1. How do I moor at the quay?\n\n"
           "   Tie up at the north quay\n   after dark.\n\n   # moor from the shell\n   moor --north\n")
    parsed = parse("faq.txt", faq.encode(), MAX)
    check_blocks(parsed)
    assert [(b.level, parsed.text[b.start:b.end]) for b in parsed.blocks if b.kind == "heading"] == [
        (1, "1. GENERAL INFORMATION"), (2, "1.1. How do I moor at the quay?")]
    assert section_at(parsed, parsed.text.index("moor --north")) == \
        "1. GENERAL INFORMATION > 1.1. How do I moor at the quay?"


@settings(max_examples=150, deadline=None)
@given(text=st.lists(st.sampled_from(
    ["", "Title", "=====", "-----", "# Head", "## Sub", "- item", "  wrapped", "1. one", "a) two",
     "    code()", "| a | b |", "|---|---|", "```", "> quote", ".. note:: x", ".. code-block:: py",
     "Example::", "+---+---+", "=====  =====", ">>> 1", "* Outline", "-*- outline -*-", "\t\tx",
     "<div>x</div>", "Prose line, with words.", "Term", "   Definition", "\r", "\u2028", "\f"]),
    max_size=30).map("\n".join))
def test_text_parsers_keep_their_invariants(text: str) -> None:
    for name in ("f.txt", "f.md", "f.rst"):
        parsed = parse(name, text.encode(), MAX)
        assert parsed.text == text.removeprefix("\ufeff")
        check_blocks(parsed)
        where = Locator(parsed)
        for block in parsed.blocks:
            where.locate(block.start)


# ---- Markdown -------------------------------------------------------------------------------
MARKDOWN = """\
---
title: front matter is not text
---
# Install

Read this first: the tool needs Python
and a C compiler.

## Linux

- Run `make` in the
  source folder.
- Then run the **tests**
  1. nested step

```bash
make install
```

| OS | Status |
|----|--------|
| Linux | works |

> A quoted warning
> over two lines.

Windows
-------

See [the guide](https://example.org/guide) for Windows.
"""


def test_markdown_blocks_and_sections() -> None:
    parsed = parse("install.md", MARKDOWN.encode(), MAX)
    assert parsed.text == MARKDOWN and parsed.format == "markdown"
    check_blocks(parsed)
    assert "front matter" not in " ".join(parsed.text[b.start:b.end] for b in parsed.blocks)
    para = block_holding(parsed, "needs Python")
    assert parsed.text[para.start:para.end] == "Read this first: the tool needs Python\nand a C compiler."
    item = block_holding(parsed, "Run `make`")
    assert (item.kind, parsed.text[item.start:item.end]) == ("list_item",
                                                             "- Run `make` in the\n  source folder.")
    assert block_holding(parsed, "nested step").kind == "list_item"
    assert block_holding(parsed, "**tests**").kind == "list_item"
    code = block_holding(parsed, "make install")
    assert code.kind == "code"
    assert [b.kind for b in parsed.blocks if "Linux |" in parsed.text[b.start:b.end]] == ["table_row"]
    assert block_holding(parsed, "| OS |").kind == "table_row"
    assert block_holding(parsed, "quoted warning").kind == "quote"
    windows = [b for b in parsed.blocks if b.kind == "heading"][-1]
    assert (windows.kind, windows.level, parsed.text[windows.start:windows.end]) == ("heading", 2, "Windows")
    where = Locator(parsed)
    assert where.section(para.start) == "Install"
    assert where.section(code.start) == "Install > Linux"
    assert where.section(parsed.text.index("See [the guide]")) == "Install > Windows"
    assert where.section(0) is None


def test_markdown_myst_targets_and_directives() -> None:
    text = ("(labels/mooring)=\n\n## Mooring\n\n```{note}\n:class: tip\nMoor at the north quay\n"
            "after dark.\n\n- Bring fenders.\n```\n\n```{toctree}\nhidden/page\n```\n\n"
            "```{code-block} sh\nmoor --north\n```\n")
    parsed = parse("myst.md", text.encode(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [("heading", "## Mooring"), ("paragraph", "Moor at the north quay\nafter dark."),
                             ("list_item", "- Bring fenders."), ("code", "moor --north")]


# ---- HTML -----------------------------------------------------------------------------------
HTML = """<!DOCTYPE html>
<html><head><title>Harbour &amp; Quay</title>
<style>body { color: red }</style><script>var secret = "script text";</script></head>
<body>
<header><div class="logo">Site Logo Text</div>
<nav><ul><li><a href="/">Home link</a></li><li><a href="/about">About link</a></li></ul></nav></header>
<div class="sidebar">Sidebar advert text</div>
<main>
<h1>Harbour Rules</h1>
<p>The harbour master opens   the lock
gates at <b>six</b> in the morning &amp; closes them at ten.</p>
<h2>Mooring</h2>
<ul><li>Visitors moor at the north quay<ul><li>Nested rule</li></ul></li>
<li>Fees are paid <img src="data:image/png;base64,""" + "A" * 50_000 + """"> at the office</li></ul>
<pre>
berth --list
berth --book 12
</pre>
<table><tr><th>Quay</th><th>Depth</th></tr><tr><td>North</td><td>6 m</td></tr></table>
<blockquote><p>Never moor in the channel.</p></blockquote>
<form><label>Search the site</label><input name="q"></form>
</main>
<aside>Related articles text</aside>
<footer>Copyright footer text</footer>
</body></html>"""


def test_html_main_text_without_chrome() -> None:
    parsed = parse("page.html", HTML.encode(), MAX)
    check_blocks(parsed)
    for chrome in ("Site Logo", "Home link", "Sidebar advert", "script text", "color: red",
                   "Related articles", "Copyright footer", "Search the site", "AAAA"):
        assert chrome not in parsed.text
    assert kinds(parsed) == [
        ("heading", "Harbour Rules"),
        ("paragraph", "The harbour master opens the lock gates at six in the morning & closes them at ten."),
        ("heading", "Mooring"),
        ("list_item", "Visitors moor at the north quay"),
        ("list_item", "Nested rule"),
        ("list_item", "Fees are paid at the office"),
        ("code", "berth --list\nberth --book 12"),
        ("table_row", "Quay | Depth"),
        ("table_row", "North | 6 m"),
        ("quote", "Never moor in the channel.")]
    assert "\n\nMooring\n\n" in parsed.text
    assert parsed.title == "Harbour & Quay"
    assert section_at(parsed, parsed.text.index("Nested rule")) == "Harbour Rules > Mooring"
    doc = _read_one("page.html", HTML.encode())
    assert doc.title == "Harbour Rules" and doc.format == "html" and doc.blocks == parsed.blocks


TEXINFO = """<html><body>
<div class="chapter" id="Mooring">
<div class="header"><p>
Next: <a href="Fees.html" accesskey="n" rel="next">Fees</a>, Previous: <a href="Locks.html"
rel="prev">Locks</a>, Up: <a href="index.html" rel="up">Top</a> &nbsp; [<a href="Index.html"
rel="index">Index</a>]</p></div><hr>
<h2 class="chapter">2 Mooring<a class="copiable-anchor" href="#Mooring"> &para;</a></h2>
<ul class="section-toc"><li><a href="#Visitors">Visitors</a></li><li><a href="#Fees">Fees</a></li></ul>
<p>Visitors moor at the north quay; the next page, <a href="Fees.html" rel="next">Fees</a>,
lists what a night costs.</p>
<dl><dt><code>--berth</code> <a href="#index-berth">#</a></dt><dd><p>Book a berth.</p></dd></dl>
<table class="index-cp"><tr><th>Index Entry</th><th>Section</th></tr>
<tr><td><a href="#index-berth">berth</a>:</td><td><a href="#Mooring">Mooring</a></td></tr></table>
<table><tr><th>Jump to: </th><td><a class="summary-letter" href="#I-B"><b>B</b></a></td></tr></table>
<hr><div class="nav-panel"><p>Next: <a href="Fees.html" rel="next">Fees</a></p></div>
<div class="header"><p>Previous: <a href="Locks.html">Locks</a>, Up: <a href="index.html">Top</a>
[<a href="Index.html" rel="index">Index</a>]</p></div>
</div></body></html>"""


def test_html_page_links_and_permalinks_are_no_text() -> None:
    """A manual's line of links to the next, previous and parent pages (Texinfo's "Next: …,
    Previous: …, Up: …"), its contents list, its index ("berth: Mooring", "Jump to: B") and
    the permalink marks after headings and terms are navigation; a sentence of prose that
    links to the next page is not."""
    parsed = parse("mooring.html", TEXINFO.encode(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [
        ("heading", "2 Mooring"),
        ("paragraph", "Visitors moor at the north quay; the next page, Fees, lists what a night "
                      "costs."),
        ("term", "--berth"),
        ("paragraph", "Book a berth.")]


SPHINX_TERMS = """<html><body><div class="sphinxsidebar" id="sidebar"><p>Quick search</p></div>
<div class="body"><section id="navigation"><h2 id="navigation">Navigation</h2>
<dl class="std confval"><dt class="sig sig-object std" id="confval-html_sidebars">
<span class="sig-name descname"><span class="pre">html_sidebars</span></span><a class="headerlink"
href="#confval-html_sidebars" title="Permalink to this definition">¶</a></dt>
<dd><p>Custom sidebar templates.</p><p>The default is the theme's.</p></dd></dl>
<dl class="std confval"><dt id="confval-toc_object_entries">toc_object_entries</dt>
<dd><p>Create table of contents entries.</p></dd></dl></section></div>
<div id="footer">Last updated today</div></body></html>"""


def test_html_definition_terms_are_terms_and_their_anchors_no_chrome() -> None:
    """A definition list's <dt> is a term block; a term's or heading's id names it
    ("confval-html_sidebars", "navigation"), so it never marks the term as navigation, as a
    layout part's id does ("sidebar", "footer")."""
    parsed = parse("configuration.html", SPHINX_TERMS.encode(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [
        ("heading", "Navigation"),
        ("term", "html_sidebars"),
        ("paragraph", "Custom sidebar templates."),
        ("paragraph", "The default is the theme's."),
        ("term", "toc_object_entries"),
        ("paragraph", "Create table of contents entries.")]


def test_rst_definition_list_terms() -> None:
    text = ("Options\n=======\n\nhtml_theme\n   The theme to use.\n   It defaults to alabaster.\n\n"
            "A closing paragraph.\n")
    parsed = parse("conf.rst", text.encode(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [
        ("heading", "Options"),
        ("term", "html_theme"),
        ("paragraph", "The theme to use.\n   It defaults to alabaster."),
        ("paragraph", "A closing paragraph.")]


def test_html_without_main_uses_the_body_and_its_charset() -> None:
    page = ('<html><head><meta charset="windows-1252"></head><body><nav>Menu</nav>'
            '<h2>Caf\xe9 hours</h2><div>Open daily \u2013 closed on Mondays.</div>'
            '<table><tr><td><p>Layout cell paragraph.</p></td></tr></table></body></html>')
    xhtml = ('<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
             '<h1>Caf\u00e9</h1><pre>line one<br/>line two</pre></body></html>')
    assert kinds(parse("cafe.xhtml", xhtml.encode(), MAX)) == [("heading", "Café"),
                                                               ("code", "line one\nline two")]
    parsed = parse("cafe.htm", page.encode("cp1252"), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [("heading", "Café hours"), ("paragraph", "Open daily – closed on Mondays."),
                             ("paragraph", "Layout cell paragraph.")]


def test_markdown_html_blocks_badges_and_anchors() -> None:
    """An HTML table inside Markdown gives one row per <tr>, not one sentence per line of
    tags; lines of tags alone, a row of badges and an anchor are no text; <h2> is a heading."""
    text = ("# Signals\n\n[![Build](https://ci.example.org/b.svg)](https://ci.example.org)\n"
            "![logo](logo.png)\n\n<a id='signals'></a>\n\nThe signals are:\n\n<table>\n  <tr>\n"
            "    <th>Name</th>\n    <th>Meaning</th>\n  </tr>\n  <tr>\n    <td><code>SIGHUP</code></td>\n"
            "    <td>Sent when the terminal\n    closes.</td>\n  </tr>\n</table>\n\n<details>\n"
            "<summary>More</summary>\n\n<h2>Fees</h2>\n<p>Visitors pay twelve euros.</p>\n"
            "</details>\n")
    parsed = parse("signals.md", text.encode(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [
        ("heading", "# Signals"),
        ("paragraph", "The signals are:"),
        ("table_row", "<th>Name</th>\n    <th>Meaning</th>"),
        ("table_row", "<td><code>SIGHUP</code></td>\n    <td>Sent when the terminal\n    closes.</td>"),
        ("paragraph", "<summary>More</summary>"),
        ("heading", "<h2>Fees</h2>"),
        ("paragraph", "<p>Visitors pay twelve euros.</p>")]
    assert [b.level for b in parsed.blocks if b.kind == "heading"] == [1, 2]


def test_markdown_code_fences_are_no_text() -> None:
    """A fenced block is its lines between the fences: the fence and its info string are
    markup; a block left open runs to the end."""
    text = ("Disable a hook:\n\n```toml config-example\n[tool.hatch.build.hooks.<HOOK_NAME>]\n"
            "enable-by-default = false\n```\n\n~~~\n~~~\n\nRun it:\n\n```\nhatch run test\n")
    parsed = parse("build.md", text.encode(), MAX)
    check_blocks(parsed)
    code = [t for k, t in kinds(parsed) if k == "code"]
    assert code == ["[tool.hatch.build.hooks.<HOOK_NAME>]\nenable-by-default = false",
                    "hatch run test"]
    assert not any("```" in t or "~~~" in t for _, t in kinds(parsed))


def test_mkdocs_admonitions_and_tabs_hold_markdown() -> None:
    """The lines indented under `!!! note` or `=== "macOS"` are prose, lists and fences, not
    indented code; a tab's title is a heading, an admonition's marker no text; a marker
    inside a fence is code."""
    text = ('## Install\n\n!!! note "Before you start"\n    Hatch needs Python\n    3.8 or newer.\n\n'
            '=== "macOS"\n    === "GUI installer"\n        1. Run the `.pkg` file.\n\n'
            '            ```\n            $ hatch --version\n            ```\n'
            '\tTabs indent too.\n\n'
            '    Indented code after the tab.\n\nBack to prose.\n\n'
            '```\n!!! note\n    kept as code\n```\n')
    parsed = parse("install.md", text.encode(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [("heading", "## Install"),
                             ("paragraph", "Hatch needs Python\n    3.8 or newer."),
                             ("heading", "macOS"), ("heading", "GUI installer"),
                             ("list_item", "1. Run the `.pkg` file."),
                             ("code", "$ hatch --version"),
                             ("paragraph", "Tabs indent too."),
                             ("paragraph", "Indented code after the tab."),
                             ("paragraph", "Back to prose."),
                             ("code", "!!! note\n    kept as code")]
    # A tab's title is a section below the heading above it, a tab inside it one below that.
    assert section_at(parsed, parsed.text.index("Run the")) == "Install > macOS > GUI installer"
    assert section_at(parsed, parsed.text.index("Hatch needs")) == "Install"


def test_markdown_html_that_breaks_lines_separates_words() -> None:
    assert plain_text("| `micro`<br>`patch` | <ul><li>Linux</li><li>Windows</li></ul> |") == \
        "micro patch | Linux Windows"
    assert plain_text("a <b>bold</b>er word") == "a bolder word"


# ---- PDF ------------------------------------------------------------------------------------
SENTENCE_1 = ("The harbour master opens the lock gates at six in the morning and closes them at ten at "
              "night, except on public holidays when the gates stay open until midnight.")
SENTENCE_2 = ("On the second page the pilot boat waits beyond the breakwater for every tanker longer "
              "than two hundred metres, and radios the tug crews twenty minutes before arrival.")


def _pdf(pages: list[list[tuple[str, str]]], password: str | None = None) -> bytes:
    """A PDF written by fpdf2: per page, (style, text) parts; style "h1"/"h2" for headings,
    "p" for a wrapped paragraph; every page gets a "Page N" footer."""
    from fpdf import FPDF

    class WithFooter(FPDF):
        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = WithFooter()
    for parts in pages:
        pdf.add_page()
        for style, text in parts:
            size = {"h1": 20, "h2": 15}.get(style, 11)
            pdf.set_font("Helvetica", "B" if style != "p" else "", size)
            pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


def test_pdf_pages_paragraphs_and_headings() -> None:
    data = _pdf([[("h1", "Harbour Manual"), ("h2", "Ann Smith (ann@harbour.example.org)"),
                  ("p", SENTENCE_1 + " " + SENTENCE_1), ("h2", "Tides"),
                  ("p", "- Spring tides reach four metres.\n- Neap tides reach two metres.")],
                 [("p", SENTENCE_2)],
                 [("h2", "Fees"), ("p", "Visitors pay twelve euros a night.")]])
    parsed = parse("manual.pdf", data, MAX)
    check_blocks(parsed)
    assert parsed.format == "pdf" and len(parsed.pages) == 3 and parsed.pages[0] == 0
    first = block_holding(parsed, SENTENCE_1[:40])
    assert first.kind == "paragraph"
    assert parsed.text[first.start:first.end] == SENTENCE_1 + " " + SENTENCE_1  # wrapped lines rejoined
    where = Locator(parsed)
    assert where.locate(parsed.text.index(SENTENCE_1)) == (1, "Harbour Manual")
    assert where.locate(parsed.text.index(SENTENCE_2)) == (2, "Harbour Manual > Tides")
    assert where.locate(parsed.text.index("twelve euros")) == (3, "Harbour Manual > Fees")
    assert page_at(parsed, parsed.text.index("Neap tides")) == 1
    assert block_holding(parsed, "Neap tides").kind == "list_item"
    assert [b.level for b in parsed.blocks if b.kind == "heading"] == [1, 2, 2]
    assert "Page 1" not in parsed.text and "Page 2" not in parsed.text  # running footers dropped
    assert parsed.text[parsed.pages[1]:].startswith(SENTENCE_2)
    assert parsed.text[parsed.pages[2]:].startswith("Fees")


def test_pdf_running_heads_beside_page_numbers_are_dropped_wherever_the_type_area_begins() -> None:
    """A book's page number and running head share the first row of text, set lower than the
    page's top tenth (here at 13% of the page): both go, whatever the head says, and the
    page's first sentence is not glued to the number. A number that opens a page without
    being in sequence with the page numbers (a table's cell) stays."""
    from fpdf import FPDF

    heads = ["1. LOCKS AND GATES", "2. THE PILOTS", "3. HARBOUR FEES"]

    class Book(FPDF):
        def header(self) -> None:
            if self.page_no() <= len(heads):
                self.set_y(40)
                self.set_font("Helvetica", size=8)
                self.cell(80, 5, heads[self.page_no() - 1])
                self.cell(0, 5, str(self.page_no() + 10), align="R")

    pdf = Book()
    pdf.set_margins(20, 50, 20)
    pdf.set_auto_page_break(False)
    for text in (SENTENCE_1, SENTENCE_2, "Visitors pay twelve euros a night.", "42"):
        pdf.add_page()
        pdf.set_xy(20, 50)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    parsed = parse("book.pdf", bytes(pdf.output()), MAX)
    check_blocks(parsed)
    for head in heads:
        assert head not in parsed.text
    assert [parsed.text[b.start:b.end] for b in parsed.blocks][:3] == [
        SENTENCE_1, SENTENCE_2, "Visitors pay twelve euros a night."]
    assert parsed.text[parsed.pages[3]:] == "42"


def _font_named(source: str, name: str, out: Path) -> Path:
    """A copy of one of matplotlib's DejaVu fonts that calls itself `name` in the PDF."""
    import matplotlib
    from fontTools.ttLib import TTFont

    font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / source)
    table = font["name"]
    for name_id in (16, 17, 21, 22):
        table.removeNames(nameID=name_id)
    for name_id, value in ((1, name), (2, "Regular"), (4, name), (6, name)):
        table.setName(value, name_id, 3, 1, 0x409)
    font.save(out)
    return out


def test_pdf_lines_in_tex_bold_are_headings(tmp_path: Path) -> None:
    """TeX's bold fonts say so by their names (CMBX12, CMB10), not with "Bold": a short line
    set in one at the body's size, above a paragraph, is a heading (a Texinfo manual's
    numbered subsections), not the paragraph's first words."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("cmbx", "", _font_named("DejaVuSerif-Bold.ttf", "CMBX12", tmp_path / "b.ttf"))
    pdf.add_font("cmr", "", _font_named("DejaVuSerif.ttf", "CMR10", tmp_path / "r.ttf"))
    pdf.add_page()
    for font, text in (("cmbx", "7.1.1.9 Tide tables"), ("cmr", SENTENCE_1), ("cmr", SENTENCE_2)):
        pdf.set_font(font, size=11)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    parsed = parse("manual.pdf", bytes(pdf.output()), MAX)
    check_blocks(parsed)
    assert kinds(parsed)[0] == ("heading", "7.1.1.9 Tide tables")
    assert Locator(parsed).locate(parsed.text.index(SENTENCE_2)) == (1, "7.1.1.9 Tide tables")


def test_pdf_contents_entries_dropped_when_page_numbers_stand_apart() -> None:
    """A contents page whose page numbers pdfminer reads as boxes of their own (set right,
    far from the leaders): the entries, their leaders and the numbers are all dropped."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for title, page in [("1 Locks", 2), ("1.1 Opening hours", 2), ("1.2 Holidays", 2),
                        ("2 Pilots", 3)]:
        pdf.cell(150, 7, title + " " + ". " * 30)
        pdf.set_x(185)
        pdf.cell(10, 7, str(page), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.multi_cell(0, 6, SENTENCE_1)
    text = parse("manual.pdf", bytes(pdf.output()), MAX).text
    assert text == SENTENCE_1


def test_encrypted_and_textless_pdfs_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="^encrypted PDF$"):
        parse("secret.pdf", _pdf([[("p", SENTENCE_1)]], password="pw"), MAX)
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    picture = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(picture, format="PNG")
    pdf.image(picture, x=10, y=10, w=100)
    with pytest.raises(ParseError, match=r"no extractable text \(scanned images\?\)"):
        parse("scan.pdf", bytes(pdf.output()), MAX)
    with pytest.raises(ParseError, match="unreadable PDF"):
        parse("stub.pdf", b"%PDF-1.4\n", MAX)


# ---- reStructuredText ------------------------------------------------------------------------
RST = """\
.. _top:

==========
 Handbook
==========

The harbour master opens the gates
at six in the morning.

Mooring
=======

- Visitors moor at the
  north quay.
- Fees are paid at the office.

  A second paragraph of the fees item.

#. Call the office first.

Book a berth::

    berth --book 12
    berth --list

.. code-block:: python
   :linenos:

   print("moored")

.. note:: Never moor in the channel.

   Boats in the channel are towed away.

.. This comment is not text.

Prices
------

=======  =====
Boat     Fee
=======  =====
Yacht    12
=======  =====

+-------+------+
| Quay  | Deep |
+=======+======+
| North | 6 m  |
+-------+------+

>>> fee(12)
24

Leaving
=======

Read :ref:`the rules <top>` before leaving.
"""


def test_rst_blocks_and_sections() -> None:
    parsed = parse("handbook.rst", RST.encode(), MAX)
    assert parsed.text == RST and parsed.format == "rst"
    check_blocks(parsed)
    headings = [(b.level, parsed.text[b.start:b.end]) for b in parsed.blocks if b.kind == "heading"]
    assert headings == [(1, "Handbook"), (2, "Mooring"), (3, "Prices"), (2, "Leaving")]
    para = block_holding(parsed, "opens the gates")
    assert parsed.text[para.start:para.end] == "The harbour master opens the gates\nat six in the morning."
    item = block_holding(parsed, "Visitors moor")
    assert parsed.text[item.start:item.end] == "- Visitors moor at the\n  north quay."
    assert item.kind == "list_item"
    for words in ("Fees are paid", "A second paragraph", "Call the office"):
        assert block_holding(parsed, words).kind == "list_item"
    literal = block_holding(parsed, "berth --book")
    assert parsed.text[literal.start:literal.end] == "berth --book 12\n    berth --list"
    assert literal.kind == block_holding(parsed, 'print("moored")').kind == "code"
    assert block_holding(parsed, ">>> fee").kind == "code"
    assert block_holding(parsed, "Never moor").kind == "paragraph"
    assert block_holding(parsed, "towed away").kind == "paragraph"
    for words in ("Yacht", "Boat ", "| Quay", "| North"):
        assert block_holding(parsed, words).kind == "table_row"
    text = " ".join(parsed.text[b.start:b.end] for b in parsed.blocks)
    assert "comment" not in text and "_top" not in text and "linenos" not in text and "====" not in text
    where = Locator(parsed)
    assert where.section(parsed.text.index("towed away")) == "Handbook > Mooring"
    assert where.section(parsed.text.index("Yacht")) == "Handbook > Mooring > Prices"
    assert where.section(parsed.text.index("Read :ref:")) == "Handbook > Leaving"


# ---- DOCX -----------------------------------------------------------------------------------
def _docx() -> bytes:
    """A Word document written by python-docx."""
    import docx

    document = docx.Document()
    document.add_paragraph("Harbour Handbook", style="Title")
    document.add_heading("Mooring", level=1)
    document.add_paragraph("Visitors moor at the north quay and pay at the office.")
    document.add_paragraph("Bring two fenders", style="List Bullet")
    document.add_paragraph("Call the harbour master", style="List Number")
    document.add_heading("Fees", level=2)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells,
                          ["Boat", "Fee", "Note", "Yacht", "12 EUR", ""], strict=True):
        cell.text = text
    merged = table.cell(1, 1).merge(table.cell(1, 2))
    merged.text = "12 EUR"
    document.add_paragraph("Pay   before\nleaving.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_headings_lists_and_tables() -> None:
    parsed = parse("handbook.docx", _docx(), MAX)
    check_blocks(parsed)
    assert kinds(parsed) == [("heading", "Harbour Handbook"), ("heading", "Mooring"),
                             ("paragraph", "Visitors moor at the north quay and pay at the office."),
                             ("list_item", "Bring two fenders"), ("list_item", "Call the harbour master"),
                             ("heading", "Fees"), ("table_row", "Boat | Fee | Note"),
                             ("table_row", "Yacht | 12 EUR"), ("paragraph", "Pay before leaving.")]
    assert [b.level for b in parsed.blocks if b.kind == "heading"] == [1, 2, 3]
    assert section_at(parsed, parsed.text.index("Yacht")) == "Harbour Handbook > Mooring > Fees"
    assert parsed.format == "docx" and "\n\nBring two fenders\n\n" in parsed.text


def test_docx_that_is_no_zip_or_a_zip_bomb_is_refused_quickly() -> None:
    import time
    import tracemalloc
    import zipfile

    with pytest.raises(ParseError, match=r"^not a DOCX file \(not a zip archive\)$"):
        parse("fake.docx", b"%PDF-1.4 not a zip", MAX)
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(ParseError, match="no word/document.xml"):
        parse("hello.docx", plain_zip.getvalue(), MAX)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * (1 << 20)
            for _ in range(64):  # 64 MB of spaces, about 64 kB zipped
                member.write(chunk)
    data = bomb.getvalue()
    assert len(data) < 1_000_000
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ParseError, match="zip bomb"):
        parse("bomb.docx", data, MAX)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 5_000_000
    with pytest.raises(ParseError, match="over the 5 MB limit"):  # the whole archive too big
        parse("bomb.docx", data, 1_000_000)


# ---- plain_text -----------------------------------------------------------------------------
@pytest.mark.parametrize("raw, shown", [
    ("See **the [install guide](https://x.org/install \"Guide\")** for `pip`.",
     "See the install guide for pip."),
    ("![A harbour map](img/map.png) shows <https://example.org/map>.",
     "A harbour map shows https://example.org/map."),
    ("## Installing on Linux ##", "Installing on Linux"),
    ("- a bullet that wraps\n  onto two lines", "a bullet that wraps onto two lines"),
    ("12. The twelfth step.", "The twelfth step."),
    ("b) a lettered item", "a lettered item"),
    ("| Quay | Depth |", "Quay | Depth"),
    ("<p>Gates open at <b>six</b> &amp; close at ten&nbsp;pm.</p>", "Gates open at six & close at ten pm."),
    ("Use :ref:`the rules <rules>`, ``berth --list`` and `Python <https://python.org>`_.",
     "Use the rules, berth --list and Python."),
    ("See :func:`~harbour.fees.compute` and `rules`_.", "See harbour.fees.compute and rules."),
    ("*one*, _two_, __three__, ~~four~~ and ***five***", "one, two, three, four and five"),
    ("snake_case_name and 2 * 3 * 4 stay", "snake_case_name and 2 * 3 * 4 stay"),
    ("`a_b_c` and `**not bold**`", "a_b_c and **not bold**"),
    ("> quoted\n> and wrapped", "quoted and wrapped"),
    ("```python\nprint(1)\n```", "print(1)"),
    ("Escaped \\*stars\\* stay", "Escaped *stars* stay"),
    ("a < b and c > d", "a < b and c > d"),
    ("The [1] reference [label][ref] here", "The [1] reference label here"),
    ("  spaced\t out \n\n text  ", "spaced out text"),
    ("an optionally-\n   configured feature", "an optionally-configured feature"),
    ("the Utmp-\nDatabase and Café-\nÉtoile", "the Utmp-Database and Café-Étoile"),
    ("Build it with `PyPA build <https://x.org/>`_::", "Build it with PyPA build:"),
    ("Run this ::", "Run this"),
    ("std::vector and a[::2] stay", "std::vector and a[::2] stay"),
    ("a dash -\nthen more, and 2-\nthree", "a dash - then more, and 2- three"),
])
def test_plain_text_golden(raw: str, shown: str) -> None:
    assert plain_text(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("See **the [install guide](https://x.org/install \"Guide\")** for `pip`.",
     "See the install guide (https://x.org/install) for pip."),
    ("Report it at the [dedicated issue](<https://x.org/issues/13281>).",
     "Report it at the dedicated issue (https://x.org/issues/13281)."),
    ("Try [pip_tools](https://x.org/pip_tools_*beta*).",
     "Try pip_tools (https://x.org/pip_tools_*beta*)."),        # the address left as it is
    ("Use `Python <https://python.org>`_ and :ref:`the rules <rules>`.",
     "Use Python (https://python.org) and the rules."),
    ("[the FAQ](faq.md), [https://x.org](https://x.org/) and [mail](mailto:a@x.org)",
     "the FAQ, https://x.org and mail"),     # not a web address, or the label says it already
])
def test_plain_text_with_links_keeps_web_addresses(raw: str, shown: str) -> None:
    assert plain_text(raw, links=True) == shown


def test_print_helper_shows_the_extracted_text(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "citeqa.parsing", str(tmp_path / "page.html")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("Harbour Rules\n\nThe harbour master opens")
    run = subprocess.run([sys.executable, "-m", "citeqa.parsing", "--blocks", str(tmp_path / "page.html")],
                         capture_output=True, text=True, timeout=60)
    assert "list_item\t0\t\tHarbour Rules > Mooring\tNested rule" in run.stdout.splitlines()
    (tmp_path / "x.docx").write_bytes(b"nope")
    run = subprocess.run([sys.executable, "-m", "citeqa.parsing", str(tmp_path / "x.docx")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "not a zip archive" in run.stderr


# ---- detection and documents ----------------------------------------------------------------
@pytest.mark.parametrize("name, data, fmt", [
    ("a.TXT", b"x", "text"), ("a.text", b"x", "text"), ("a.md", b"x", "markdown"),
    ("a.markdown", b"x", "markdown"), ("a.rst", b"x", "rst"), ("a.html", b"x", "html"),
    ("a.htm", b"x", "html"), ("a.xhtml", b"x", "html"), ("a.pdf", b"x", "pdf"), ("a.docx", b"x", "docx"),
    ("README", b"Read me first.\n", "text"), ("ChangeLog", "Caf\xe9\n".encode("latin-1"), "text"),
    ("Release 2.0", b"Notes.\n", "text"), ("README", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    ("AUTHORS", bytes(range(1, 32)) * 10, None), ("a.png", b"text", None), ("a.py", b"x = 1", None),
    ("README.Debian", b"Notes for Debian.\n", "text"), ("changelog.Debian", b"Fixed.\n", "text"),
    ("NEWS.source", b"\x7fELF\x02\x01", None), ("notes.Debian", b"Notes.\n", None),
    ("install.sh", b"#!/bin/sh\nmake\n", None), ("news.py", b"x = 1\n", None),
    ("README.json", b"{}\n", None)])
def test_detect_format(name: str, data: bytes, fmt: str | None) -> None:
    assert detect_format(name, data) == fmt


def _read_one(name: str, data: bytes, tmp: Path | None = None) -> object:
    import tempfile

    root = Path(tempfile.mkdtemp()) if tmp is None else tmp
    (root / name).write_bytes(data)
    doc, notice = read_document(SourceFile(name, root / name))
    assert doc is not None, notice
    return doc


def test_corpus_of_every_format(tmp_path: Path) -> None:
    (tmp_path / "guide.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "install.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    (tmp_path / "manual.pdf").write_bytes(_pdf([[("h1", "Harbour Manual"), ("p", SENTENCE_1)],
                                                [("p", SENTENCE_2)]]))
    (tmp_path / "secret.pdf").write_bytes(_pdf([[("p", SENTENCE_1)]], password="pw"))
    (tmp_path / "handbook.rst").write_text(RST, encoding="utf-8")
    (tmp_path / "handbook.docx").write_bytes(_docx())
    (tmp_path / "fake.docx").write_bytes(b"not a zip")
    (tmp_path / "README").write_text("Harbour notes\n\nThe quay is open all year.\n", encoding="utf-8")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    (tmp_path / "LOGO").write_bytes(png)
    (tmp_path / "logo.png").write_bytes(png)
    docs, notices = load_documents(tmp_path)
    by_source = {d.source: d for d in docs}
    assert sorted(by_source) == ["README", "guide.txt", "handbook.docx", "handbook.rst", "install.md",
                                 "manual.pdf", "page.html"]
    messages = {n.source: n.message for n in notices}
    assert messages == {"LOGO": "skipped: not a supported format (binary content, no file name extension)",
                        "logo.png": "skipped: not a supported format (.png)",
                        "secret.pdf": "skipped: encrypted PDF",
                        "fake.docx": "skipped: not a DOCX file (not a zip archive)"}
    pdf = by_source["manual.pdf"]
    assert (pdf.format, pdf.title, len(pdf.pages)) == ("pdf", "Harbour Manual", 2)
    assert Locator(pdf).locate(pdf.text.index(SENTENCE_2)) == (2, "Harbour Manual")
    assert by_source["install.md"].title == "Install" and by_source["install.md"].text == MARKDOWN
    assert by_source["README"].format == "text" and by_source["README"].title == "Harbour notes"
    import hashlib

    assert pdf.sha256 == hashlib.sha256((tmp_path / "manual.pdf").read_bytes()).hexdigest()
    found, _ = find_sources(tmp_path)
    assert [s.source for s in found] == ["README", "fake.docx", "guide.txt", "handbook.docx", "handbook.rst",
                                         "install.md", "manual.pdf", "page.html", "secret.pdf"]
    assert by_source["handbook.docx"].title == "Harbour Handbook"
    assert by_source["handbook.rst"].title == "Handbook"


def test_gzip_compressed_documents_are_read_through(tmp_path: Path) -> None:
    import gzip
    import hashlib

    news = "Release 2.1\n\nThe quay now opens at dawn. Ferries dock at the north pier.\n"
    (tmp_path / "NEWS.gz").write_bytes(gzip.compress(news[:30].encode()) +
                                       gzip.compress(news[30:].encode()))     # two members
    (tmp_path / "guide.md.gz").write_bytes(gzip.compress(MARKDOWN.encode()))
    (tmp_path / "changelog.Debian.gz").write_bytes(gzip.compress(b"harbour (1.0-1) unstable\n"))
    (tmp_path / "site.tar.gz").write_bytes(gzip.compress(b"not read"))
    (tmp_path / "logo.gz").write_bytes(gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(64)))
    (tmp_path / "cut.txt.gz").write_bytes(gzip.compress(news.encode())[:-12])
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 3_000_001))
    docs, notices = load_documents(tmp_path, max_bytes=3_000_000)
    by_source = {d.source: d for d in docs}
    assert sorted(by_source) == ["NEWS.gz", "changelog.Debian.gz", "guide.md.gz"]
    assert by_source["NEWS.gz"].text == news and by_source["NEWS.gz"].format == "text"
    assert by_source["NEWS.gz"].sha256 == hashlib.sha256((tmp_path / "NEWS.gz").read_bytes()).hexdigest()
    assert by_source["guide.md.gz"].format == "markdown" and by_source["guide.md.gz"].title == "Install"
    assert {n.source: n.message for n in notices} == {
        "site.tar.gz": "skipped: not a supported format (.tar.gz)",
        "logo.gz": "skipped: not a supported format (binary content)",
        "cut.txt.gz": "skipped: truncated gzip data",
        "bomb.txt.gz": "skipped: decompresses to over the 3 MB limit"}


def test_pdf_text_is_the_same_in_every_process(tmp_path: Path) -> None:
    """pdfminer's grouping of text boxes iterates sets, whose order changes with the hash
    seed; the text (and so every offset) must not."""
    import subprocess
    import sys

    path = tmp_path / "cols.pdf"
    path.write_bytes(_pdf([[("h1", "Status"), ("p", "V1 V2 V3 Age. " * 6)] * 3,
                           [("p", "Left column text. " * 20), ("h2", "Right"),
                            ("p", "More words here. " * 12)]]))
    code = ("import sys, hashlib; from citeqa.parsing import parse; "
            "print(hashlib.sha256(parse('x.pdf', open(sys.argv[1], 'rb').read(), 10**8)"
            ".text.encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                              text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}
                              ).stdout for seed in ("0", "1", "2", "3")}
    assert len(digests) == 1


def test_myst_roles_keep_their_label() -> None:
    assert plain_text("{doc}`Black is licensed under the MIT license <license>`.") == \
        "Black is licensed under the MIT license."
    assert plain_text("See {ref}`the FAQ`.") == "See the FAQ."
