"""Golden tests for sentence spans over a document's structure (no model)."""

from __future__ import annotations

from citeqa.parsing import Block, parse
from citeqa.sentences import sentence_spans


def _texts(text: str, blocks: tuple[Block, ...] = ()) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, blocks)]


def test_a_sentence_of_a_hard_wrapped_paragraph_spans_its_lines() -> None:
    text = "gzip uses the LZ77\nalgorithm of zip 1.9. It is\nfree software.\n"
    assert _texts(text) == ["gzip uses the LZ77\nalgorithm of zip 1.9.", "It is\nfree software."]


def test_abbreviations_stay_inside_a_sentence() -> None:
    assert _texts("Mitsubishi Heavy Industries Ltd. sells to the U.S. Army. It grew.") == \
        ["Mitsubishi Heavy Industries Ltd. sells to the U.S. Army.", "It grew."]


def test_headings_bullets_tables_and_code_are_units_of_their_own() -> None:
    text = ("# Install\n\nRun the\ninstaller now. Then reboot.\n\n- first item\n  wraps here\n"
            "- second item\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    make\n    make install\n")
    parsed = parse("doc.md", text.encode(), 10**6)
    assert _texts(parsed.text, parsed.blocks) == [
        "# Install", "Run the\ninstaller now.", "Then reboot.", "- first item\n  wraps here",
        "- second item", "| a | b |", "| 1 | 2 |", "make", "make install"]


def test_spans_are_offsets_into_the_text_with_no_surrounding_space() -> None:
    text = "  One sentence here.   Two.  \n\n\n  Three words now.\n"
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["One sentence here.", "Two.", "Three words now."]
    assert spans == sorted(spans)


def test_a_colon_ending_a_line_ends_a_sentence() -> None:
    text = "According to the story of 2014:\nJapan approved the export. It did:  \n"
    assert _texts(text) == ["According to the story of 2014:", "Japan approved the export.",
                            "It did:"]


def test_lines_of_unwrapped_text_are_paragraphs_and_titles_stand_alone() -> None:
    long = "This line is a whole paragraph that runs on far beyond any hard-wrap width, " * 2
    text = f"Caption of a photo\n{long.strip()}\nAnother line.\n"
    assert _texts(text) == ["Caption of a photo", long.strip(), "Another line."]
    wrapped = ("Installation Notes\nThe program is built with make and\ninstalled with make "
               "install by root.\n")
    assert _texts(wrapped) == ["Installation Notes", "The program is built with make and\n"
                               "installed with make install by root."]
