"""Main text of an HTML page with lxml: navigation chrome dropped, one block per heading,
paragraph, list item, preformatted block, table row and quotation.

The text is built from the blocks, a blank line between two blocks, white space inside a
block collapsed (kept inside <pre>), character entities decoded."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html

from .detect import decode_text
from .structure import Parsed, ParseError, join_blocks

_DROP = {"script", "style", "noscript", "template", "nav", "aside", "form", "button", "select",
         "textarea", "iframe", "object", "embed", "svg", "math", "canvas", "dialog", "menu",
         "head", "title", "meta", "link", "input", "label", "video", "audio", "map"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu",
                 "menubar", "toolbar", "dialog", "alert"}
_CHROME_TOKENS = {"menu", "skip-link", "skiplink", "cookie-banner", "site-header"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LEAVES = {"p": "paragraph", "li": "list_item", "dt": "term", "dd": "paragraph",
           "caption": "paragraph", "figcaption": "paragraph", "summary": "paragraph",
           "address": "paragraph", "td": "paragraph", "th": "paragraph"}
_BLOCK_TAGS = set(_HEADINGS) | set(_LEAVES) | {
    "div", "section", "article", "main", "header", "footer", "ul", "ol", "dl", "table",
    "thead", "tbody", "tfoot", "tr", "pre", "blockquote", "figure", "details", "hr", "body",
    "html", "center", "fieldset", "hgroup", "br"}
_NAMED_BY_ID = {"dt", "section", *_HEADINGS}
_PAGE_RELS = {"next", "prev", "previous", "up", "index", "contents", "start", "first", "last"}
_KEEP = {"body", "html", "main", "article"}
_PERMALINKS = {"¶", "§", "#"}
PAGE_LINK_WORDS = 4
_WORD = re.compile(r"[^\W\d_]{2,}")
_NAME_PARTS = re.compile(r"[-_]")
_BOOK_INDEX = re.compile(r"index-(?:cp|fn|vr|ky|pg|tp)|\w+-entries-printindex|genindextable")
_SPACE = re.compile(r"\s+")
_DATA_URI = re.compile(rb"""(["'(])data:[^"'()\s>]{256,}""", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(data: bytes) -> Parsed:
    """The main content of an HTML page as blocks; ParseError when nothing can be read."""
    text = _decode(data)
    try:
        parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                      no_network=True)
        root = lxml_html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as err:
        raise ParseError(f"unreadable HTML ({str(err).splitlines()[0] if str(err) else 'empty'})"
                         ) from None
    title = _collapse(root.findtext(".//title") or "")
    _drop_page_links(root)
    parts = list(_Walker().blocks(_main(root)))
    body, blocks = join_blocks(parts)
    return Parsed(body, blocks, format="html", title=title)


def _decode(data: bytes) -> str:
    """The page's text: a byte-order mark, else the <meta charset>, else UTF-8 or Latin-1.
    Inline data (data: URIs) is cut first so it never costs memory in the tree."""
    data = _DATA_URI.sub(rb"\1data:", data)
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _XML_DECL.sub("", data.decode(declared.group(1).decode("ascii"), "replace"))
        except LookupError:
            pass
    return _XML_DECL.sub("", decode_text(data.replace(b"\x00", b""))[0])


def _main(root: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The elements holding the page's main content: <main>, [role=main] or the <article>s
    when the page marks them, else the body."""
    for path in ("//main", "//*[@role='main']"):
        found = root.xpath(path)
        if found:
            return [found[0]]
    articles = [a for a in root.xpath("//article") if not a.xpath("ancestor::article")]
    if articles:
        return articles
    body = root.find("body")
    return [body if body is not None else root]


def _drop_page_links(root: lxml_html.HtmlElement) -> None:
    """Remove the links that only move around the manual: each line of links to the next,
    previous and parent pages, the index or the contents (their `rel` says so; GNU Texinfo
    writes "Next: …, Previous: …, Up: … [Index]" above and below every node) and each row
    of an index's initials ("Jump to: A C F V"), the block (the table) around them when its
    own words beside them are at most PAGE_LINK_WORDS; and permalink marks ("¶" after a
    Sphinx or Texinfo heading or definition), whose text would end up in the sentence."""
    for link in list(root.iter("a")):   # the cheap tests first: a page may hold thousands
        href, rel = link.get("href"), link.get("rel")
        if href is None and rel is None:
            continue
        permalink = (href or "").startswith("#") and link.text_content().strip() in _PERMALINKS
        initials = "summary-letter" in link.get("class", "").split()
        if not (permalink or initials or _PAGE_RELS & set((rel or "").lower().split())) \
                or link.getparent() is None or link.xpath("ancestor::pre"):
            continue
        if permalink:
            link.drop_tree()
            continue
        block = next((a for a in link.iterancestors()
                      if a.tag == "table" or not initials and a.tag in _BLOCK_TAGS), None)
        if block is None or block.tag in _KEEP or block.getparent() is None:
            continue
        own = block.text_content()
        for inner in block.iter("a"):
            own = own.replace(inner.text_content(), " ", 1)
        if len(_WORD.findall(own)) <= PAGE_LINK_WORDS:
            block.drop_tree()


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class _Walker:
    """Depth-first walk collecting (kind, text, level) parts in document order."""

    def __init__(self) -> None:
        self.parts: list[tuple[str, str, int]] = []
        self.buffer: list[str] = []
        self.kind = "paragraph"
        self.level = 0

    def blocks(self, roots: list[lxml_html.HtmlElement]) -> Iterator[tuple[str, str, int]]:
        for root in roots:
            self._container(root, "paragraph", inside_main=True)
            self._flush()
        return iter(self.parts)

    def _flush(self) -> None:
        body = _collapse("".join(self.buffer))
        if body:
            self.parts.append((self.kind, body, self.level))
        self.buffer = []

    def _start(self, kind: str, level: int = 0) -> None:
        self._flush()
        self.kind, self.level = kind, level

    def _container(self, el: lxml_html.HtmlElement, kind: str, inside_main: bool) -> None:
        """Walk an element whose loose text is a `kind` block and whose children may be
        blocks of their own."""
        self._start(kind)
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            self._element(child, kind, inside_main)
            if child.tail:
                if self.kind != kind:
                    self._start(kind)
                self.buffer.append(child.tail)
        self._flush()

    def _element(self, el: lxml_html.HtmlElement, kind: str, inside_main: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or _is_chrome(el, tag, inside_main):
            return
        if tag not in _BLOCK_TAGS:
            self._inline(el)
            return
        if tag == "br":
            self.buffer.append(" ")
        elif tag in _HEADINGS:
            self._start("heading", _HEADINGS[tag])
            self._inline_children(el)
            self._start(kind)
        elif tag == "pre":
            self._flush()
            for br in el.iter("br"):
                br.tail = "\n" + (br.tail or "")
            body = el.text_content().strip("\n").rstrip()
            if body.strip():
                self.parts.append(("code", body, 0))
            self._start(kind)
        elif tag == "tr" and not _has_blocks(el):
            self._start("table_row")
            cells = [_collapse(c.text_content()) for c in el if c.tag in ("td", "th")]
            self.buffer.append(" | ".join(c for c in cells if c))
            self._start(kind)
        elif tag == "blockquote":
            self._container(el, "quote", inside_main)
            self._start(kind)
        elif tag in _LEAVES and (tag not in ("td", "th") or not _has_blocks(el)):
            inner = "quote" if kind == "quote" else _LEAVES[tag]
            self._container(el, inner, inside_main)
            self._start(kind)
        else:
            self._container(el, kind, inside_main or tag in ("main", "article"))
            self._start(kind)

    def _inline(self, el: lxml_html.HtmlElement) -> None:
        """Text of an inline element, blocks nested in it (bad markup) kept apart."""
        if el.tag in ("img",):
            return
        self._inline_children(el)

    def _inline_children(self, el: lxml_html.HtmlElement) -> None:
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and not _is_chrome(child, tag, True):
                if tag == "br":
                    self.buffer.append(" ")
                else:
                    self._inline_children(child)
            if child.tail:
                self.buffer.append(child.tail)


def _has_blocks(el: lxml_html.HtmlElement) -> bool:
    """Whether a table row or cell holds paragraphs, lists or tables: a layout table."""
    return bool(el.xpath(".//p|.//div|.//ul|.//ol|.//table|.//h1|.//h2|.//h3|.//h4|.//pre"))


def _is_chrome(el: lxml_html.HtmlElement, tag: str, inside_main: bool) -> bool:
    """Navigation, page header and footer, scripts, forms and hidden parts."""
    if tag in _DROP:
        return True
    if tag in ("header", "footer") and (tag == "footer" or not inside_main):
        return True
    attrib = el.attrib
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    if attrib.get("role", "").lower() in _CHROME_ROLES:
        return True
    tokens = set(attrib.get("class", "").lower().split())
    if tag not in _NAMED_BY_ID and "section" not in tokens:
        # A term's, heading's or section's id is its anchor, named for it
        # ("confval-html_sidebars", "navigation"), not a part of the page's layout.
        tokens.add(attrib.get("id", "").lower())
    return bool(tokens & _CHROME_TOKENS) or any(_chrome_token(t) for t in tokens)


def _chrome_token(token: str) -> bool:
    """Class or id names of navigation parts: navheader, navfooter, nav-links, sphinxsidebar,
    site-footer, breadcrumbs, tables of contents (toc, toc-list, section-toc, fancy_toc) and
    a manual's back-of-book index, a table of terms and the sections they are in (Texinfo's
    index-cp and cp-entries-printindex, Sphinx's genindextable)."""
    return token.startswith("nav") or "sidebar" in token or "breadcrumb" in token \
        or token.endswith("footer") or token == "related" \
        or "toc" in token and "toc" in _NAME_PARTS.split(token) \
        or "index" in token and bool(_BOOK_INDEX.fullmatch(token))
