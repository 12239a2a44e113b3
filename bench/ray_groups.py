"""A local build against one on a local Ray cluster (a head and a second node, one CPU each, on
127.0.0.1), both with small groups so both workers have work; wall seconds, this process's CPU
seconds (the driver: reading, handing out, writing) and MB/min.

    .venv/bin/python bench/ray_groups.py CORPUS WORK_DIR [GROUP_BYTES]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # 127.0.0.1 stays 127.0.0.1


def main() -> None:
    from ray.cluster_utils import Cluster

    from citeqa.building import build
    from citeqa.settings import BuildSettings

    corpus, out = Path(sys.argv[1]), Path(sys.argv[2])
    group = int(sys.argv[3]) if len(sys.argv) > 3 else 65536
    mb = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6
    res: dict[str, object] = {"mb": mb, "group_bytes": group}

    def timed(name: str, **kwargs: object) -> None:
        t, c = time.perf_counter(), time.process_time()
        report = build(corpus, out / name, BuildSettings(), group_bytes=group, **kwargs)  # type: ignore[arg-type]
        s = time.perf_counter() - t
        res[name] = {"s": s, "cpu": time.process_time() - c, "chunks": report.chunks,
                     "mb_per_min": mb / s * 60}

    timed("local")
    node = {"num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=node)
    try:
        cluster.add_node(**node)
        cluster.wait_for_nodes()
        timed("ray", ray=cluster.address)
    finally:
        cluster.shutdown()
    res["load"] = os.getloadavg()[0]
    print(json.dumps(res))


if __name__ == "__main__":
    main()
