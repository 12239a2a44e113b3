"""The display form of a passage: Markdown, rst and HTML markup stripped, whitespace collapsed.

Answers quote document text; a reader wants the words, not `**`, `[label](url)` or `:ref:`."""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[^\n]*$", re.M)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\((<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)"
                   r"(?:\s+[\"'(][^\n]*?[\"')])?\s*\)")
_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>", re.I)
_TAG = re.compile(r"</?([A-Za-z][\w:-]*)(?:\s+[^<>]*?)?\s*/?>")
# Tags that break a line or start a block: "a<br>b" and "<li>Linux</li><li>Windows</li>" in a
# table cell read as separate words.
_BREAKING = {"br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table",
             "hr", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)(__?)?", re.S)
_ROLE = re.compile(r":[\w.+-]+(?::[\w.+-]+)*:`([^`\n]+)`")
_MYST_ROLE = re.compile(r"\{[\w.+-]+(?::[\w.+-]+)*\}`([^`\n]+)`")      # MyST: {doc}`label <target>`
_TARGET = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
_WEB = re.compile(r"(?:https?|ftp)://\S+$", re.I)
_STRONG = re.compile(r"(?<![\w*])(\*\*|__)(?=\S)(.+?)(?<=\S)\1(?![\w*])", re.S)
_EMPH = re.compile(r"(?<![\w*])([*_])(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])", re.S)
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.S)
_HEADING = re.compile(r"^[ \t]*#{1,6}(?:[ \t]+|$)|[ \t]+#+[ \t]*$", re.M)
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.M)
_BULLET = re.compile(r"^\s*(?:[-*+•‣◦▪]|\(?(?:\d{1,3}|[a-zA-Z]|#)[.)])\s+")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M)
_PIPE_EDGE = re.compile(r"^[ \t]*\|[ \t]*|[ \t]*\|[ \t]*$", re.M)
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_SPACE = re.compile(r"\s+")
# A line that ends in a hyphenated word's hyphen goes on with the word's next part:
# "optionally-\nconfigured" reads "optionally-configured", not "optionally- configured";
# "Utmp-\nDatabase" reads "Utmp-Database".
_WRAPPED_HYPHEN = re.compile(r"(?<=[^\W\d_]-)[ \t]*\r?\n[ \t>]*(?=[^\W\d_])")
# rst's "::" before a literal block reads ":" after a word ("Install it::") and is nothing on
# its own or after a space ("Install it ::"); "std::vector" is no such mark.
_LITERAL_MARK = re.compile(r"(\S?)::(?=\s|$)")
_HOLD = "\ue000"          # private-use marks around held-back text (code, escapes)
_HELD = re.compile(_HOLD + r"(\d+)" + _HOLD)


def rendered_text(text: str) -> str:
    """The text of a rendered format (HTML, PDF, DOCX) as an answer shows it: on one line,
    less a list item's bullet; its words as they are ("__init__", "<string>", "\\!").

    >>> rendered_text("•  Call __init__ with a <string>.")
    'Call __init__ with a <string>.'
    """
    return " ".join(_BULLET.sub("", text).split())


def plain_text(text: str, links: bool = False) -> str:
    """`text` without markup, on one line: what an answer shows of a quoted sentence. With
    `links`, a Markdown or rst link to a web address keeps the address after its label, in
    brackets: an answer that says "report it at the dedicated issue" also says where.

    >>> plain_text("See **the [install guide](https://x.org/install)** for `pip`.")
    'See the install guide for pip.'
    >>> plain_text("See the [install guide](https://x.org/install).", links=True)
    'See the install guide (https://x.org/install).'
    """
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return f"{_HOLD}{len(held) - 1}{_HOLD}"

    def linked(label: str, target: str, protect: bool = True) -> str:
        """A link's label, and its web address when `links` asks for it and the label is
        not that address already (held back from the rules that follow, with `protect`)."""
        url = target.strip().strip("<>")
        if not links or not _WEB.match(url) or url.rstrip("/") == label.strip().rstrip("/"):
            return label
        return f"{label} ({hold(url) if protect else url})"

    text = text.replace(_HOLD, "")
    text = _ESCAPE.sub(lambda m: hold(m.group(1)), text)
    text = _FENCE.sub("", text)
    text = _COMMENT.sub("", text)
    text = _ROLE.sub(lambda m: hold(_label(m.group(1))[0].lstrip("~!")), text)
    text = _MYST_ROLE.sub(lambda m: hold(_label(m.group(1))[0].lstrip("~!")), text)
    # An rst hyperlink, `label <target>`_, is held back whole, its address with it.
    text = _CODE_SPAN.sub(lambda m: hold(linked(*_label(m.group(2)), protect=False)
                                         if m.group(3) else
                                         m.group(2).strip() if len(m.group(1)) > 1 else m.group(2)), text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: linked(m.group(1), m.group(2)), text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(lambda m: hold(m.group(1)), text)
    text = _TAG.sub(lambda m: " " if m.group(1).lower() in _BREAKING else "", text)
    for _ in range(2):  # nested emphasis, ***x***
        text = _STRONG.sub(r"\2", text)
        text = _EMPH.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    text = _WRAPPED_HYPHEN.sub("", text)
    text = _QUOTE.sub("", text)
    text = _HEADING.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _PIPE_EDGE.sub("", text)
    text = _LITERAL_MARK.sub(lambda m: f"{m.group(1)}:" if m.group(1) else "", text)
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    text = _BULLET.sub("", text)
    return _HELD.sub(lambda m: held[int(m.group(1))], text)


def _label(body: str) -> tuple[str, str]:
    """The label of rst interpreted text and its target: `label <target>` gives both; text
    without a target is its own label, with target ""."""
    target = _TARGET.match(body)
    return (target.group(1), target.group(2)) if target and target.group(1) else (body, "")
