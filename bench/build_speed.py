"""Build time of this tree against another checkout of citeqa, interleaved, on one corpus.

    .venv/bin/python bench/build_speed.py --before /tmp/citeqa-old/src --corpus DIR [--runs 3]

Each run builds a fresh index (--force, quiet) in a separate process with each tree in turn,
so both see the same machine load; the medians and their ratio are printed. The encoder
export is cached before timing, so neither side pays for it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_seconds(src: Path, corpus: Path, index: Path) -> float:
    """Wall time of one forced, quiet `citeqa index` with the package at `src`."""
    env = dict(os.environ, PYTHONPATH=str(src), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "citeqa.cli", "index", str(corpus), "--index",
                    str(index), "--force", "--quiet"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", type=Path, required=True, help="src/ folder of the other tree")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    trees = {"before": args.before.resolve(), "now": ROOT / "src"}
    times: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="citeqa-build-speed-") as tmp:
        for name, src in trees.items():  # warm-up: the encoder export and file caches
            build_seconds(src, args.corpus, Path(tmp) / name)
        for run in range(args.runs):
            for name, src in (trees.items() if run % 2 == 0 else reversed(trees.items())):
                times[name].append(build_seconds(src, args.corpus, Path(tmp) / name))
                print(f"run {run + 1} {name}: {times[name][-1]:.1f} s", flush=True)
    before, now = statistics.median(times["before"]), statistics.median(times["now"])
    print(f"median build: before {before:.1f} s, now {now:.1f} s, now/before {now / before:.2f} "
          f"({args.runs} runs each, interleaved; corpus {args.corpus})")


if __name__ == "__main__":
    main()
