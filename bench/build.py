"""Build benchmark: peak memory and throughput of `citeqa index` on real text, against plain
`SentenceTransformer.encode` over the same corpus's chunks, and a build on a local Ray cluster.

Run from the repository root:
    .venv/bin/python bench/build.py [--sizes 3,10,30] [--encode-mb 10] [--rounds 3] [--ray-mb 3]
Corpora come from bench/realtext.py (Debian package docs and Python docstrings). Each
`citeqa index` runs in its own process; its peak resident memory is the kernel's maxrss of
that process. On the --encode-mb corpus, builds and encodes alternate for --rounds rounds
(build first in odd rounds, encode first in even ones), so both see the same machine load;
the ratio is of their medians. Prints markdown and writes bench/build.json. Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from citeqa.settings import PRECISIONS, BuildSettings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent   # the venv this runs in
CITEQA = str(BIN / "citeqa")
sys.path.insert(0, str(ROOT / "bench"))

ENCODE = """
import sys, time
from pathlib import Path
from citeqa.chunking import chunk_documents, make_splitter
from citeqa.documents import load_documents
from citeqa.embedding import load_sentence_transformer, load_tokenizer, token_counter
from citeqa.settings import BuildSettings
c = BuildSettings()
docs, _ = load_documents(Path(sys.argv[1]))
split = make_splitter(c.chunk_tokens, c.chunk_overlap, token_counter(load_tokenizer()))
texts = [ch.text for ch in chunk_documents(docs, split)]
total = sum(len(x.encode()) for x in texts)
share = float(sys.argv[2])
if share < 1:  # a random share of the chunks (seeded): the rate, not the whole time
    import random
    texts = random.Random(0).sample(texts, int(len(texts) * share))
st = load_sentence_transformer()
st.encode(texts[:32])
t, c = time.perf_counter(), time.process_time()
st.encode(texts, batch_size=32, normalize_embeddings=True)
print(len(texts), time.perf_counter() - t, sum(len(x.encode()) for x in texts), total,
      time.process_time() - c)
"""


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak resident MB (the kernel's maxrss of its process) and CPU seconds
    (user + system) of a command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def corpus_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def index_run(corpus: Path, index: Path, precision: str, extra: Sequence[str] = ()
              ) -> dict[str, float]:
    load = os.getloadavg()[0]
    seconds, rss, cpu = run([CITEQA, "index", str(corpus), "--index", str(index), "--quiet",
                             "--force", "--encoder-precision", precision, *extra])
    mb = corpus_bytes(corpus) / 1e6
    return {"mb": mb, "seconds": seconds, "rss_mb": rss, "mb_per_min": mb / seconds * 60,
            "cpu_seconds": cpu, "load_before": load, "load_after": os.getloadavg()[0]}


def encode_run(corpus: Path, share: float = 1.0) -> dict[str, float]:
    """Plain SentenceTransformer.encode over the corpus split into chunks (encode timed alone),
    or over a random `share` of the chunks: MB/min counts the chunks' bytes encoded."""
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", ENCODE, str(corpus), str(share)], check=True,
                         capture_output=True, text=True).stdout.split()
    chunks, seconds, sample, total = int(out[0]), float(out[1]), int(out[2]), int(out[3])
    mb = corpus_bytes(corpus) / 1e6
    whole = seconds * total / sample  # the time for all the chunks at the sample's rate
    return {"mb": mb, "chunks": chunks, "share": share, "seconds": seconds,
            "whole_seconds": whole, "mb_per_min": mb / whole * 60,
            "whole_cpu_seconds": float(out[4]) * total / sample, "load_before": load,
            "load_after": os.getloadavg()[0]}


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over runs (peak RSS: the largest)."""
    out = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
    if "rss_mb" in out:
        out["rss_mb"] = max(x["rss_mb"] for x in runs)
    return out


def ray_cluster() -> tuple[str, Any]:
    """A head and a second node on 127.0.0.1, one CPU each; the address and the cluster."""
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # 127.0.0.1 stays 127.0.0.1
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=node)
    cluster.add_node(**node)
    cluster.wait_for_nodes()
    return cluster.address, cluster


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--sizes", default="3,10,30", help="corpus sizes in MB for peak memory")
    p.add_argument("--encode-mb", type=float, default=10,
                   help="corpus size for SentenceTransformer.encode (one of --sizes)")
    p.add_argument("--encode-share", type=float, default=1.0,
                   help="encode only this random share of the chunks (the rate is what counts)")
    p.add_argument("--rounds", type=int, default=1,
                   help="builds and encodes of the --encode-mb corpus, alternating")
    p.add_argument("--ray-mb", type=float, default=0, help="corpus size for the Ray build "
                   "(0: none)")
    p.add_argument("--work", default=None, help="folder for corpora and indexes (default: temp)")
    p.add_argument("--encoder-precision", choices=PRECISIONS, default=BuildSettings().encoder_precision,
                   help="the builds' encoder (default: citeqa's; the encode always runs the "
                        "float model)")
    args = p.parse_args()
    precision = args.encoder_precision
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import realtext

    r: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
                         "encoder_precision": precision,
                         "load_before": os.getloadavg()[0], "index": [], "encode": None,
                         "rounds": []}
    with tempfile.TemporaryDirectory(prefix="citeqa-build-", dir=args.work) as tmp:
        work = Path(tmp)
        sizes = [float(x) for x in args.sizes.split(",") if x]
        wanted = sizes + [args.encode_mb] + [args.ray_mb]
        for mb in sorted({mb for mb in wanted if mb}):
            realtext.write(work / f"c{mb:g}", mb)
        extra = [args.encode_mb] if args.encode_mb and args.encode_mb not in sizes else []
        for mb in sizes + extra:
            if mb != args.encode_mb:
                r["index"].append(index_run(work / f"c{mb:g}", work / f"i{mb:g}", precision))
                print("index", r["index"][-1], flush=True)
                continue
            corpus, index = work / f"c{mb:g}", work / f"i{mb:g}"
            for n in range(args.rounds):
                pair: dict[str, Any] = {}
                for kind in ("index", "encode") if n % 2 == 0 else ("encode", "index"):
                    pair[kind] = (index_run(corpus, index, precision) if kind == "index"
                                  else encode_run(corpus, args.encode_share))
                    print(f"round {n + 1}", kind, pair[kind], flush=True)
                r["rounds"].append(pair)
            r["index"].append(median_run([x["index"] for x in r["rounds"]]))
            r["encode"] = median_run([x["encode"] for x in r["rounds"]])
        if args.ray_mb:
            corpus = work / f"c{args.ray_mb:g}"
            r["ray_local"] = index_run(corpus, work / "ray-local", precision)
            address, cluster = ray_cluster()
            try:
                r["ray"] = index_run(corpus, work / "ray-index", precision, ["--ray", address])
            finally:
                cluster.shutdown()
            print("ray", r["ray"], "local", r["ray_local"], flush=True)
    r["load_after"] = os.getloadavg()[0]
    Path(ROOT / "bench" / "build.json").write_text(json.dumps(r, indent=1), encoding="utf-8")
    print(markdown(r))


def markdown(r: dict[str, Any]) -> str:
    lines = [f"Produced by `python bench/build.py` on {r['date']} ({r['cpus']} CPUs shared; "
             f"load average {r['load_before']:.1f} before, {r['load_after']:.1f} after; "
             f"the builds' encoder: {r.get('encoder_precision', 'float32')}).", "",
             "| corpus MB | `citeqa index` s | peak RSS MB | MB/min |", "|---:|---:|---:|---:|"]
    lines += [f"| {x['mb']:.1f} | {x['seconds']:.0f} | {x['rss_mb']:.0f} | {x['mb_per_min']:.2f} |"
              for x in r["index"]]
    e = r.get("encode")
    if e:
        ours = next(x for x in r["index"] if abs(x["mb"] - e["mb"]) < 0.01)
        lines += ["", f"Interleaved on {e['mb']:.1f} MB: the whole `citeqa index` build against "
                  f"`SentenceTransformer.encode` (batch 32) of the same corpus split into chunks "
                  f"({e['chunks']:,} chunks encoded: a random {e['share']:.0%} of the corpus's, "
                  f"timed alone, scaled to all). Wall MB/min, CPU seconds (user + system) in brackets, "
                  f"load average before each run.", "",
                  "| round | `citeqa index` | `SentenceTransformer.encode` | ratio (wall) |",
                  "|---|---:|---:|---:|"]
        for n, pair in enumerate(r["rounds"], 1):
            a, b = pair["index"], pair["encode"]
            lines.append(f"| {n} | {a['seconds']:.0f} s, {a['mb_per_min']:.2f} MB/min "
                         f"({a['cpu_seconds']:.0f} s CPU; load {a['load_before']:.1f}) | "
                         f"{b['whole_seconds']:.0f} s, {b['mb_per_min']:.2f} MB/min "
                         f"({b['whole_cpu_seconds']:.0f} s CPU; load {b['load_before']:.1f}) | "
                         f"{a['mb_per_min'] / b['mb_per_min']:.2f}x |")
        lines += [f"| median | {ours['mb_per_min']:.2f} MB/min ({ours['cpu_seconds']:.0f} s CPU) "
                  f"| {e['mb_per_min']:.2f} MB/min ({e['whole_cpu_seconds']:.0f} s CPU) | "
                  f"{ours['mb_per_min'] / e['mb_per_min']:.2f}x |"]
    if "ray" in r:
        a, b = r["ray_local"], r["ray"]
        lines += ["", "| build of the same corpus | s | MB/min | peak RSS MB (driver) |",
                  "|---|---:|---:|---:|",
                  f"| local | {a['seconds']:.0f} | {a['mb_per_min']:.2f} | {a['rss_mb']:.0f} |",
                  f"| Ray (head + 1 node, 1 CPU each, 127.0.0.1) | {b['seconds']:.0f} | "
                  f"{b['mb_per_min']:.2f} | {b['rss_mb']:.0f} |"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
