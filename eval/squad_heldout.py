"""The held-out part of SQuAD 2.0 dev as a corpus of its own: the articles whose file names
sort from "K" on and their questions, which no training or tuning reads (eval/README.md).

    .venv/bin/python eval/squad_heldout.py [--squad DIR] [--dest DIR]
    .venv/bin/citeqa eval --questions DEST/squadKZ.jsonl --corpus DEST/corpus --modes hybrid

writes DEST/corpus/ (the articles, copied) and DEST/squadKZ.jsonl (their questions, in the
file's order). DEST defaults to eval/heldout/, which git ignores.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from train_answer_model import ROOT, SPLIT  # the training script's split, not a copy of it


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", default=str(ROOT.parent / "shared" / "benchmarks" / "squad2-dev"))
    p.add_argument("--dest", default=str(ROOT / "eval" / "heldout"))
    args = p.parse_args()
    squad, dest = Path(args.squad), Path(args.dest)
    names = sorted(f.name for f in (squad / "corpus").glob("*.txt") if f.name >= SPLIT)
    if not names:
        raise SystemExit(f"no article from {SPLIT!r} on in {squad / 'corpus'}")
    corpus = dest / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    for name in names:
        shutil.copyfile(squad / "corpus" / name, corpus / name)
    kept = []
    with open(squad / "questions.jsonl", encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and json.loads(line).get("source") in names:
                kept.append(line.rstrip("\n"))
    (dest / "squadKZ.jsonl").write_text("\n".join(kept) + "\n", encoding="utf-8")
    print(f"{len(names)} articles and {len(kept)} questions in {dest}")


if __name__ == "__main__":
    main()
