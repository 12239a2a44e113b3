"""Write src/citeqa/models/irregular_verbs.json: the Snowball stems of English verb forms whose
stem is not their verb's ("wrote" and "written" of "write", "held" of "hold"), each with its
verb's stem, so that the answer scorer can match a question's "Who wrote" with a sentence's
"written by" (`citeqa.verb_forms`).

Derived from lemminflect's English inflection table (MIT licence; a dev dependency). A form
that is a verb in its own right ("found", "saw") or belongs to two verbs is left out: it is
ambiguous. Deterministic: the same lemminflect and PyStemmer versions give the same file.

    .venv/bin/python eval/irregular_verbs.py
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path

import lemminflect
import Stemmer

OUT = Path(__file__).resolve().parent.parent / "src" / "citeqa" / "models" / "irregular_verbs.json"


def verbs() -> list[str]:
    """Every lower-case, alphabetic verb lemma of lemminflect's inflection table."""
    table = resources.files("lemminflect") / "resources" / "infl_lu.csv.gz"
    with table.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as rows:
        found = {parts[0] for line in rows if len(parts := line.strip().split(",")) > 1
                 and parts[1] == "verb" and parts[0].isalpha() and parts[0].islower()}
    return sorted(found)


def irregular_stems() -> dict[str, str]:
    """Form stem -> verb stem, for the forms whose stem differs from their verb's."""
    stem = Stemmer.Stemmer("english").stemWord
    lemmas = verbs()
    lemma_stems = {stem(v) for v in lemmas}
    bases: dict[str, set[str]] = defaultdict(set)
    for lemma in lemmas:
        base = stem(lemma)
        for forms in lemminflect.getAllInflections(lemma, upos="VERB").values():
            for form in forms:
                s = stem(form.lower())
                if form.isalpha() and s != base:
                    bases[s].add(base)
    return {s: next(iter(b)) for s, b in sorted(bases.items())
            if len(b) == 1 and s not in lemma_stems}


def main() -> None:
    table = irregular_stems()
    OUT.write_text(json.dumps({
        "source": f"lemminflect {metadata.version('lemminflect')}, "
                  f"PyStemmer {metadata.version('PyStemmer')} (english)",
        "stems": table}, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(table)} irregular forms -> {OUT}")


if __name__ == "__main__":
    main()
