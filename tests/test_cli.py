"""The citeqa command: JSON schemas, human output, no-op index, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import citeqa
from citeqa.cli import main

MINISTER = "Who was Japan's defence minister at the meeting?"
HIT_FIELDS = {"chunk_id", "source", "start", "end", "line_start", "line_end", "text", "score",
              "bm25_rank", "dense_rank", "page", "section"}
CITATION_FIELDS = {"number", "source", "start", "end", "line_start", "line_end", "quote",
                   "chunk_id", "score", "passage_start", "passage_end", "page", "section"}


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_ask_json_schema(seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["ask", MINISTER, "--index", str(seed_index_dir), "--json"])
    assert set(data) == {"question", "text", "abstained", "citations", "confidence", "stale",
                         "disagreement"}
    assert data["abstained"] is False and "Nakatani" in data["text"]
    assert data["citations"] and all(set(c) == CITATION_FIELDS for c in data["citations"])
    index = citeqa.Index.open(seed_index_dir)
    for c in data["citations"]:                 # a citation is the answer sentence, exactly
        assert index.text(c["source"])[c["start"]:c["end"]] == c["quote"]
        assert c["passage_start"] <= c["start"] < c["end"] <= c["passage_end"] + len(c["quote"])


def test_search_json_schema(seed_index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["search", "Meteor missile", "--index", str(seed_index_dir), "--k", "2",
                          "--mode", "bm25", "--json"])
    assert data["mode"] == "bm25" and len(data["hits"]) == 2
    assert all(set(h) == HIT_FIELDS for h in data["hits"])


def test_human_output_shows_answer_and_citations(seed_index_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", MINISTER, "--index", str(seed_index_dir)]) == 0
    out = capsys.readouterr().out
    assert "Nakatani" in out
    data = _json(capsys, ["ask", MINISTER, "--index", str(seed_index_dir), "--json"])
    assert f"(confidence {data['confidence']:.2f}: " in out
    cited = [line for line in out.splitlines() if line.startswith("[1] ")]
    assert cited and cited[0].startswith("[1] 000_481b1a0d08652fd3.txt:")
    line = cited[0].split(":")[1]
    assert line.replace("-", "").isdigit()


def test_index_says_when_nothing_changed(seed_corpus: Path, seed_index_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", str(seed_corpus), "--index", str(seed_index_dir)]) == 0
    out = capsys.readouterr().out
    assert "up to date (1 document, " in out and " chunks)" in out   # the seed is one file
    data = _json(capsys, ["index", "--index", str(seed_index_dir), "--json"])
    assert data["rebuilt"] is False


def test_interactive_ask_reads_questions_until_eof(seed_index_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{MINISTER}\nWhat is the population of Japan?\n"))
    assert main(["ask", "--index", str(seed_index_dir), "--json"]) == 0
    out = capsys.readouterr().out
    answers = [json.loads(part) for part in out.replace("}\n{", "}\n\x00{").split("\x00")]
    assert [a["abstained"] for a in answers] == [False, True]


@pytest.mark.parametrize("argv, code", [
    (["search", "x", "--index", "/nonexistent/index"], 4),
    (["ask", "   ", "--index", "{index}"], 2),
    (["search", "x", "--index", "{index}", "--k", "0"], 2),
    (["index", "/nonexistent/corpus", "--index", "{tmp}/i"], 3),
])
def test_errors_are_one_line_with_exit_codes(argv: list[str], code: int, seed_index_dir: Path,
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.format(index=seed_index_dir, tmp=tmp_path) for a in argv]
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.startswith("citeqa: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_cold_ask_loads_no_evaluation_or_server_code(seed_index_dir: Path) -> None:
    """`citeqa ask` in a new process imports only what answering needs (a cold ask's time is
    mostly imports); `citeqa eval` and `citeqa serve` import their own code when they run."""
    code = ("import sys; from citeqa.cli import main; code = main(['ask', sys.argv[1], "
            "'--index', sys.argv[2], '--json']); print(sorted(m for m in sys.modules if "
            "m.startswith(('citeqa.cli.evaluate', 'citeqa.cli.serving', 'citeqa.evaluation', "
            "'citeqa.report', 'citeqa.server'))), file=sys.stderr); sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", code, MINISTER, str(seed_index_dir)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout)["citations"]
    assert run.stderr.strip() == "[]"
