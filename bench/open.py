"""Open and cold-ask timings of built indexes: `Index.open` in a fresh process, and `citeqa ask
… --json` as a new process, each run in turn across the indexes given (interleaved, so a busy
machine slows them alike). Wall time and the process's CPU time (user + system) are both
reported: on a shared machine the CPU time is the steadier of the two.

`Index.open` returns while the query encoder is still loading in a thread of its own; "ready"
is the time until it is loaded too (open, then `index.encoder`), what a first dense query
waits for at most.

    .venv/bin/python bench/open.py NAME=INDEX[:QUESTION] ... [--runs 5]
Build the indexes first, e.g. with bench/synthetic.py's build_index (see bench/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
OPEN = """
import sys, time
t, c = time.perf_counter(), time.process_time()
import citeqa
t1, c1 = time.perf_counter(), time.process_time()
index = citeqa.Index.open(sys.argv[1])
t2, c2 = time.perf_counter(), time.process_time()
index.encoder
print(t2 - t1, c2 - c1, time.perf_counter() - t1, time.process_time() - c1, t1 - t,
      index.chunk_count)
"""


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the process) and stdout of a command."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()[-1000:] if proc.stderr else ''}")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("indexes", nargs="+", help="NAME=INDEX_DIR[:QUESTION]")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    cases = {}
    for spec in args.indexes:
        name, rest = spec.split("=", 1)
        index, _, question = rest.partition(":")
        cases[name] = (index, question or "Who was Japan's defence minister at the meeting?")
    rows: dict[str, dict[str, list[float]]] = {
        k: {"open": [], "open_cpu": [], "ready": [], "ready_cpu": [], "ask": [], "ask_cpu": []}
        for k in cases}
    chunks = {}
    load = os.getloadavg()[0]
    for index, question in cases.values():  # warm the page cache once
        timed([str(BIN / "citeqa"), "ask", question, "--index", index, "--json"])
    for _ in range(args.runs):
        for name, (index, question) in cases.items():
            _, _, out = timed([sys.executable, "-c", OPEN, index])
            wall, cpu, ready, ready_cpu, _, n = out.split()
            rows[name]["open"].append(float(wall))
            rows[name]["open_cpu"].append(float(cpu))
            rows[name]["ready"].append(float(ready))
            rows[name]["ready_cpu"].append(float(ready_cpu))
            chunks[name] = int(n)
            wall_s, cpu_s, _ = timed([str(BIN / "citeqa"), "ask", question, "--index", index,
                                      "--json"])
            rows[name]["ask"].append(wall_s)
            rows[name]["ask_cpu"].append(cpu_s)
    result = {"date": time.strftime("%Y-%m-%d"), "runs": args.runs, "load_before": load,
              "load_after": os.getloadavg()[0], "chunks": chunks,
              "medians": {k: {m: statistics.median(v) for m, v in r.items()}
                          for k, r in rows.items()}, "all": rows}
    print(json.dumps(result, indent=1))
    lines = ["| index | chunks | `Index.open` s (CPU s) | encoder ready s (CPU s) | "
             "cold `citeqa ask` s (CPU s) |", "|---|---:|---:|---:|---:|"]
    for k, m in result["medians"].items():
        lines.append(f"| {k} | {chunks[k]:,} | {m['open']:.3f} ({m['open_cpu']:.3f}) | "
                     f"{m['ready']:.3f} ({m['ready_cpu']:.3f}) | "
                     f"{m['ask']:.2f} ({m['ask_cpu']:.2f}) |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
