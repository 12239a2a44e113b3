"""Write src/citeqa/models/antonyms.json: the one-word pairs of opposites in WordNet 3.0
("increase" / "decrease", "north" / "south", "legal" / "illegal"), so that the answer model can
tell when the answer's sentence says the opposite of what the question asks about
(`citeqa.antonyms`): "When did the population decrease?" answered by a sentence on when it
increased, SQuAD's second commonest kind of unanswerable question.

Read from Debian's wordnet-base package (pinned, fetched with `apt-get download`: run
`apt-get update` once), its direct antonym pointers ("!") between words of the four parts of
speech; multi-word entries are left out. A pair of adjectives also gives the pairs of their
comparatives and superlatives ("stronger" / "weaker"), from lemminflect (MIT; a dev
dependency), since a stem does not join them to their adjective. WordNet's licence lets the
data be copied with its notice, which the file carries. Deterministic: the same package and
lemminflect version give the same file.

    .venv/bin/python eval/antonyms.py
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import lemminflect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_corpora import Member, Package, read_members  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "src" / "citeqa" / "models" / "antonyms.json"
DICT = "usr/share/wordnet/"
PARTS = ("adj", "adv", "noun", "verb")
COPYRIGHT = "usr/share/doc/wordnet-base/copyright"
WORDNET = Package("deb", "wordnet-base", "1:3.0-37",
                  tuple(Member(DICT + f"data.{p}", f"data.{p}") for p in PARTS)
                  + (Member(COPYRIGHT, "copyright"),))


def _synsets(text: str) -> list[list[str]]:
    """The data lines of a WordNet data file, each split into its fields (the gloss dropped)."""
    return [line.split(" | ")[0].split() for line in text.splitlines()
            if line and not line.startswith("  ")]


def _word(field: str) -> str:
    """A lemma as WordNet writes it, lower-cased, without an adjective's marker ("(a)")."""
    return field.split("(")[0].lower()


def _degrees(a: str, b: str) -> list[tuple[str, str]]:
    """The comparatives and the superlatives of two adjectives, where both have one word."""
    out = []
    for tag in ("JJR", "JJS"):
        forms = [lemminflect.getInflection(w, tag=tag, inflect_oov=False) for w in (a, b)]
        if all(f and f[0].isalpha() for f in forms):
            out.append((forms[0][0].lower(), forms[1][0].lower()))
    return out


def antonym_pairs(files: dict[str, bytes]) -> list[tuple[str, str]]:
    """The sorted, distinct one-word pairs joined by an antonym pointer in any part of speech,
    and the degrees of the adjectives' (`_degrees`). A data line: offset, lexicographer file,
    type, word count (hex), the words with their ids, the pointer count, then pointers of
    four fields (symbol, target offset, part of speech, source and target word numbers in
    hex)."""
    pairs: set[tuple[str, str]] = set()
    for part in PARTS:
        lines = _synsets(files[f"data.{part}"].decode("latin-1"))
        words = {f[0]: [_word(f[4 + 2 * i]) for i in range(int(f[3], 16))] for f in lines}
        for f in lines:
            at = 4 + 2 * int(f[3], 16)
            for n in range(int(f[at])):
                symbol, target, _, ends = f[at + 1 + 4 * n:at + 5 + 4 * n]
                if symbol != "!" or target not in words:
                    continue
                a = words[f[0]][int(ends[:2], 16) - 1]
                b = words[target][int(ends[2:], 16) - 1]
                if not (a.isalpha() and b.isalpha()):
                    continue
                for x, y in [(a, b), *(_degrees(a, b) if part == "adj" else [])]:
                    pairs.add((min(x, y), max(x, y)))
    return sorted(pairs)


def licence(copyright_file: bytes) -> str:
    """WordNet's licence as the package's copyright file gives it (its first stanza)."""
    text = copyright_file.decode("utf-8")
    start = text.index("License: WordNet3.0")
    stanza = text[start:].split("\n\n")[0].splitlines()[1:]
    return "\n".join("" if line.strip() == "." else line.strip() for line in stanza)


def main() -> None:
    files, version = read_members(WORDNET)
    pairs = antonym_pairs(files)
    OUT.write_text(json.dumps({
        "source": f"WordNet 3.0, Debian wordnet-base {version}, direct antonyms of "
                  f"{', '.join(PARTS)}; adjectives' degrees from lemminflect "
                  f"{metadata.version('lemminflect')}",
        "licence": licence(files["copyright"]),
        "pairs": pairs}, indent=0) + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs -> {OUT}")


if __name__ == "__main__":
    main()
