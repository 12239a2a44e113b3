"""citeqa benchmark: cold ask, warm search at scale, build throughput, memory, incremental builds.

Run from the repository root:  .venv/bin/python bench/run.py  [--scales 1000,100000,1000000]
It prints a table and writes bench/results.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
QUESTION = "Who was Japan's defence minister at the meeting?"
SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad2-dev" / "corpus"
MODES = ("bm25", "dense", "hybrid")


def stats(values: list[float]) -> dict[str, float]:
    """min / median / max / p95 of timings in milliseconds."""
    ms = sorted(v * 1000 for v in values)
    return {"min": ms[0], "median": statistics.median(ms), "max": ms[-1],
            "p95": ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]}


# ---- 1. cold ask -----------------------------------------------------------------------------
def cold_ask(index_dir: Path, runs: int) -> dict[str, float]:
    """Wall time of `citeqa ask … --json` in a new process, on a built index."""
    cmd = [str(ROOT / ".venv" / "bin" / "citeqa"), "ask", QUESTION, "--json", "--index", str(index_dir)]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the page cache once
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return stats(times)


# ---- 2. warm search and memory at a scale point ------------------------------------------------
def build_synthetic(folder: Path, n: int) -> Path:
    """An index of `n` synthetic chunks built through citeqa's own writer (no embedding)."""
    import synthetic

    corpus = folder / "corpus"
    synthetic.write_corpus(corpus, n)
    return synthetic.build_index(corpus, folder / "index")


def measure_scale(index_dir: Path, n_queries: int) -> dict[str, Any]:
    """Warm search p50/p95 per mode, ANN recall@10, resident memory and index size."""
    import faiss
    import synthetic

    import citeqa

    t = time.perf_counter()
    index = citeqa.Index.open(index_dir)
    open_s = time.perf_counter() - t
    rng = np.random.default_rng(3)
    vocab = synthetic.words(np.random.default_rng(0))
    questions = [" ".join(vocab[rng.zipf(1.2, size=5) % synthetic.VOCABULARY]) for _ in range(n_queries)]
    out: dict[str, Any] = {"chunks": index.chunk_count, "open_s": open_s}
    for mode in MODES:
        index.search(questions[0], k=10, mode=mode)
        times = []
        for q in questions:
            t = time.perf_counter()
            index.search(q, k=10, mode=mode)
            times.append(time.perf_counter() - t)
        out[mode] = stats(times)
    # resident memory of the open index after the queries, before the recall check copies
    status = Path("/proc/self/status").read_text()
    out["rss_mb"] = int(status.split("VmRSS:")[1].split()[0]) / 1024
    out["hwm_mb"] = int(status.split("VmHWM:")[1].split()[0]) / 1024
    vectors = index.retriever.vectors
    out["ann"] = type(vectors).__name__
    if hasattr(vectors, "hnsw"):
        _, basis = synthetic.vectors(1)
        q = synthetic.queries(basis, 100)
        exact = faiss.IndexFlatIP(vectors.d)
        exact.add(vectors.reconstruct_n(0, vectors.ntotal))
        _, truth = exact.search(q, 10)
        default_ef = vectors.hnsw.efSearch
        out["recall_by_ef"] = {}
        for ef in sorted({128, 256, default_ef, 1024}):
            vectors.hnsw.efSearch = ef
            t = time.perf_counter()
            _, got = vectors.search(q, 10)
            per_query_ms = (time.perf_counter() - t) * 1000 / len(q)
            overlaps = [len(set(a) & set(b)) / 10 for a, b in zip(truth, got, strict=True)]
            out["recall_by_ef"][ef] = (float(np.mean(overlaps)), per_query_ms)
        out["recall_at_10"] = out["recall_by_ef"][default_ef][0]
    gen = index_dir / index.manifest["generation"]
    size = sum(p.stat().st_size for p in gen.iterdir())
    out["disk_mb"] = size / 1e6
    out["bytes_per_chunk"] = size / max(1, index.chunk_count)
    return out


def scale_point(n: int, n_queries: int, work: Path) -> dict[str, Any]:
    """Build a synthetic index of `n` chunks, then measure it in a fresh process."""
    folder = work / f"scale-{n}"
    t = time.perf_counter()
    index_dir = build_synthetic(folder, n)
    build_s = time.perf_counter() - t
    res = subprocess.run([sys.executable, __file__, "measure", str(index_dir), str(n_queries)],
                         check=True, capture_output=True, text=True)
    out = json.loads(res.stdout)
    out["build_s"] = build_s
    shutil.rmtree(folder, ignore_errors=True)
    return out


# ---- 3. build throughput ----------------------------------------------------------------------
def squad_chunks(limit: int) -> list[str]:
    """Real chunk texts: the SQuAD corpus split as citeqa splits it."""
    from citeqa.chunking import chunk_documents, make_splitter
    from citeqa.documents import load_documents
    from citeqa.embedding import load_tokenizer, token_counter
    from citeqa.settings import BuildSettings

    config = BuildSettings()
    docs, _ = load_documents(SQUAD)
    split = make_splitter(config.chunk_tokens, config.chunk_overlap, token_counter(load_tokenizer()))
    return [c.text for c in chunk_documents(docs, split)][:limit]


def throughput(texts: list[str], encoder_path: Path) -> dict[str, float]:
    """Chunks per second: plain SentenceTransformer.encode against citeqa's encoder."""
    from citeqa.building import BATCH_SIZE
    from citeqa.embedding import OnnxEncoder, load_sentence_transformer

    st = load_sentence_transformer()
    st.encode(texts[:64])
    t = time.perf_counter()
    ref = st.encode(texts, batch_size=32, normalize_embeddings=True)
    plain = len(texts) / (time.perf_counter() - t)
    encoder = OnnxEncoder(encoder_path, threads=1)
    encoder.encode(texts[:64])
    t = time.perf_counter()
    ours = encoder.encode(texts, BATCH_SIZE, workers=os.cpu_count() or 1)
    fast = len(texts) / (time.perf_counter() - t)
    return {"chunks": len(texts), "plain_per_s": plain, "citeqa_per_s": fast,
            "speedup": fast / plain, "min_cosine": float((ref * ours).sum(axis=1).min())}


# ---- 4. incremental rebuild ---------------------------------------------------------------------
def incremental(work: Path) -> dict[str, float]:
    """Full build of the SQuAD corpus, then a rebuild after one file changes."""
    import citeqa

    corpus, index_dir = work / "squad", work / "squad-index"
    shutil.copytree(SQUAD, corpus)
    t = time.perf_counter()
    citeqa.Index.build(corpus, index_dir)
    full = time.perf_counter() - t
    target = sorted(corpus.glob("*.txt"))[0]
    target.write_text(target.read_text(encoding="utf-8") + "\nAn added closing paragraph.\n",
                      encoding="utf-8")
    t = time.perf_counter()
    again = citeqa.Index.build(corpus, index_dir)
    partial = time.perf_counter() - t
    report = again.report
    assert report is not None
    return {"full_s": full, "rebuild_s": partial, "ratio": partial / full,
            "embedded": report.embedded, "reused": report.reused, "chunks": report.chunks}


# ---- report ---------------------------------------------------------------------------------------
def markdown(r: dict[str, Any], command: str) -> str:
    """The results as a markdown page."""
    lines = ["# citeqa benchmark", "", f"Produced by `{command}` on {r['date']} "
             f"({os.cpu_count()} CPUs).", ""]
    if "cold_ask" in r:
        c = r["cold_ask"]
        lines += ["## Cold ask (new process, built seed index, `citeqa ask … --json`)", "",
                  "| runs | min ms | median ms | max ms |", "|---:|---:|---:|---:|",
                  f"| {r['runs']} | {c['min']:.0f} | {c['median']:.0f} | {c['max']:.0f} |", ""]
    lines += [
             "## Warm search (`Index.search`, k=10, index open)", "",
             "| chunks | vector index | bm25 p50/p95 ms | dense p50/p95 ms | hybrid p50/p95 ms "
             "| ANN recall@10 | RSS MB | disk MB | bytes/chunk | build s |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in r["scales"]:
        cells = [f"{s[m]['median']:.1f} / {s[m]['p95']:.1f}" for m in MODES]
        recall = f"{s['recall_at_10']:.3f}" if "recall_at_10" in s else "exact"
        lines.append(f"| {s['chunks']:,} | {s['ann']} | " + " | ".join(cells) +
                     f" | {recall} | {s['rss_mb']:.0f} | {s['disk_mb']:.1f} | "
                     f"{s['bytes_per_chunk']:.0f} | {s.get('build_s', 0):.0f} |")
    for s in r["scales"]:
        if "recall_by_ef" in s:
            lines += ["", f"HNSW at {s['chunks']:,} chunks, 100 queries: efSearch → recall@10 against "
                      "exact search, ms per query (vector search alone)", "",
                      "| efSearch | recall@10 | ms/query |", "|---:|---:|---:|"]
            lines += [f"| {ef} | {rec:.3f} | {ms:.2f} |" for ef, (rec, ms) in s["recall_by_ef"].items()]
    if "throughput" in r:
        t = r["throughput"]
        lines += ["", "## Build embedding throughput (same real chunks)", "",
                  "| chunks | SentenceTransformer.encode /s | citeqa encoder /s | speed-up | min cosine |",
                  "|---:|---:|---:|---:|---:|",
                  f"| {t['chunks']} | {t['plain_per_s']:.1f} | {t['citeqa_per_s']:.1f} | "
                  f"{t['speedup']:.2f}x | {t['min_cosine']:.6f} |"]
    if "incremental" in r:
        i = r["incremental"]
        lines += ["", "## Incremental rebuild (SQuAD corpus, 35 files, one file edited)", "",
                  "| full build s | rebuild s | ratio | embedded | reused |", "|---:|---:|---:|---:|---:|",
                  f"| {i['full_s']:.1f} | {i['rebuild_s']:.1f} | {i['ratio']:.1%} | {i['embedded']} | "
                  f"{i['reused']} |"]
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        print(json.dumps(measure_scale(Path(sys.argv[2]), int(sys.argv[3]))))
        return
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scales", default="1000,100000,1000000")
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--runs", type=int, default=10, help="cold ask runs")
    p.add_argument("--throughput-chunks", type=int, default=1000)
    p.add_argument("--skip", default="", help="comma list of: cold,scale,throughput,incremental")
    p.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = p.parse_args()
    skip = set(args.skip.split(","))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import citeqa

    r: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "runs": args.runs, "scales": []}
    with tempfile.TemporaryDirectory(prefix="citeqa-bench-") as tmp:
        work = Path(tmp)
        seed_index = work / "seed-index"
        citeqa.Index.build(ROOT / "seeds", seed_index)
        if "cold" not in skip:
            r["cold_ask"] = cold_ask(seed_index, args.runs)
            print("cold ask", r["cold_ask"], flush=True)
        seed = subprocess.run([sys.executable, __file__, "measure", str(seed_index), str(args.queries)],
                              check=True, capture_output=True, text=True)
        r["scales"].append(json.loads(seed.stdout))
        if "scale" not in skip:
            for n in [int(s) for s in args.scales.split(",") if s]:
                r["scales"].append(scale_point(n, args.queries, work))
                print("scale", r["scales"][-1], flush=True)
        if "throughput" not in skip:
            encoder = next((seed_index / "encoder").glob("*.onnx"))
            r["throughput"] = throughput(squad_chunks(args.throughput_chunks), encoder)
            print("throughput", r["throughput"], flush=True)
        if "incremental" not in skip:
            r["incremental"] = incremental(work)
            print("incremental", r["incremental"], flush=True)
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    text = markdown(r, command.strip())
    Path(args.out).write_text(text, encoding="utf-8")
    Path(args.out).with_suffix(".json").write_text(json.dumps(r, indent=1), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
