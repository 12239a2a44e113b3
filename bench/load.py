"""Load test of `citeqa serve` on loopback: POST /ask from 1 and then N concurrent clients.

Starts the server (serve() in a subprocess on a free port), warms it up, runs one client for
--single-seconds and --clients clients for --seconds, then stops by itself. Every response must
be a 200 with an answer; anything else counts as an error. Writes (or replaces) the "Serving"
section of bench/results.md and leaves the rest of the file as it is. Not part of the tests.

    .venv/bin/python bench/load.py [--index DIR] [--clients 16] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Serving"
SERVE = "import sys; from citeqa.server import serve; serve(sys.argv[1], port=0)"


@dataclass
class Run:
    """What one phase measured."""

    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def row(self) -> str:
        lat = sorted(self.latencies)
        pct = (lambda p: 1000 * lat[min(len(lat) - 1, int(p * len(lat)))]) if lat else \
            (lambda p: float("nan"))
        return (f"| {self.clients} | {self.seconds:.0f} | {len(lat):,} | {len(self.errors)} | "
                f"{len(lat) / self.seconds:.1f} | {pct(0.50):.1f} | {pct(0.90):.1f} | "
                f"{pct(0.99):.1f} | {1000 * lat[-1] if lat else float('nan'):.1f} |")


# ---- a small HTTP/1.1 keep-alive client (cheap, so the server gets the CPU) ----------------------
async def post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str,
               body: bytes) -> tuple[int, bytes]:
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def client(url: str, questions: list[str], offset: int, until: float, run: Run) -> None:
    host_port = url.split("//", 1)[1]
    host, port = host_port.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    i = offset
    try:
        while time.perf_counter() < until:
            body = json.dumps({"question": questions[i % len(questions)]}).encode()
            i += 1
            start = time.perf_counter()
            try:
                status, data = await post(reader, writer, host_port, "/ask", body)
                ok = status == 200 and "text" in json.loads(data)
            except (OSError, ValueError, asyncio.IncompleteReadError) as err:
                run.errors.append(repr(err))
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
                continue
            if ok:
                run.latencies.append(time.perf_counter() - start)
            else:
                run.errors.append(f"{status}: {data[:200]!r}")
    finally:
        writer.close()


async def phase(url: str, questions: list[str], clients: int, seconds: float) -> Run:
    run = Run(clients)
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(client(url, questions, i * 7, until, run) for i in range(clients)))
    run.seconds = time.perf_counter() - start
    return run


# ---- the server ---------------------------------------------------------------------------------
def start_server(index_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(index_dir)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = []
    for line in proc.stdout or ():
        seen.append(line)
        found = re.search(r"serving .* at (http://\S+)/ ", line)
        if found:
            # Keep reading its output so a full pipe never blocks the server.
            import threading

            threading.Thread(target=lambda: [None for _ in proc.stdout or ()], daemon=True).start()
            return proc, found.group(1)
    raise SystemExit("the server did not start:\n" + "".join(seen))


def single_client(url: str, index_dir: Path, questions: list[str], seconds: float
                  ) -> tuple[Run, list[float]]:
    """One client, alternating each question between the server and `Index.ask` in this process
    (same questions, same moments), so the difference is what HTTP and the server add."""
    import http.client

    import citeqa

    index = citeqa.Index.open(index_dir)
    for q in questions[:10]:
        index.ask(q)
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    run, direct = Run(1), []
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < seconds:
        q = questions[i % len(questions)]
        i += 1
        t0 = time.perf_counter()
        index.ask(q)
        t1 = time.perf_counter()
        conn.request("POST", "/ask", json.dumps({"question": q}).encode(),
                     {"Content-Type": "application/json"})
        res = conn.getresponse()
        data = res.read()
        t2 = time.perf_counter()
        direct.append(t1 - t0)
        if res.status == 200 and "text" in json.loads(data):
            run.latencies.append(t2 - t1)
        else:
            run.errors.append(f"{res.status}: {data[:200]!r}")
    conn.close()
    run.seconds = sum(run.latencies)  # requests/s while a request was in flight
    return run, direct


def write_section(out: Path, text: str) -> None:
    """Replace the Serving section of `out` (or append it), keeping every other section."""
    old = out.read_text(encoding="utf-8") if out.exists() else "# citeqa benchmark\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    out.write_text(new, encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", help="index folder (default: the seeds/ index, built in a temp folder)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--single-seconds", type=float, default=20.0)
    p.add_argument("--questions", default=str(ROOT / "eval" / "questions.jsonl"))
    p.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    questions = [json.loads(line)["question"]
                 for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line]

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(args.index) if args.index else Path(tmp) / "index"
        if not args.index:
            import citeqa

            citeqa.Index.build(ROOT / "seeds", index_dir)
        load_before = os.getloadavg()[0]
        proc, url = start_server(index_dir)
        try:
            asyncio.run(phase(url, questions, 1, 3.0))  # warm-up, not reported
            single, direct = single_client(url, index_dir, questions, args.single_seconds)
            many = asyncio.run(phase(url, questions, args.clients, args.seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        load_after = os.getloadavg()[0]

    for run in (single, many):
        print(run.row())
        for err in run.errors[:5]:
            print("  error:", err)
    p50 = 1000 * statistics.median(single.latencies)
    verdict = "met" if p50 <= 25 else "not met"
    rate = len(many.latencies) / many.seconds
    text = (f"{SECTION} (`bench/load.py`: `citeqa serve` on loopback, POST /ask)\n\n"
            f"Produced by `python bench/load.py` on {date.today()} ({os.cpu_count()} CPUs shared "
            f"by the server, the load generator and other work: load average {load_before:.1f} "
            f"before the run, {load_after:.1f} after). Seed index; the {len(questions)} questions "
            f"of `eval/questions.jsonl` in turn; each client keeps one connection and sends its "
            f"next question when the answer arrives; a 3 s warm-up is not counted. The one-client "
            f"row alternates each question between the server and `Index.ask` in the client's "
            f"process; its requests/s counts only the time a request was in flight.\n\n"
            "| clients | seconds | requests | errors | requests/s | p50 ms | p90 ms | p99 ms | max ms |\n"
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            f"{single.row()}\n{many.row()}\n\n"
            f"Warm POST /ask p50 with one client: {p50:.1f} ms (target at most 25 ms: {verdict}); "
            f"`Index.ask` on the same questions at the same moments, without HTTP: p50 "
            f"{1000 * statistics.median(direct):.1f} ms. "
            f"With {args.clients} clients a request waits its turn: {args.clients} clients / "
            f"{rate:.1f} requests/s = {1000 * args.clients / rate:.0f} ms per request on average.\n")
    write_section(Path(args.out), text)
    print(f"wrote the {SECTION[3:]} section of {args.out}")
    if single.errors or many.errors:
        raise SystemExit(f"{len(single.errors) + len(many.errors)} requests failed")


if __name__ == "__main__":
    main()
