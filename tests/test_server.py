"""`citeqa serve`: the real server (serve() in a subprocess on 127.0.0.1) over real indexes."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

import citeqa
from citeqa.index import MAX_QUESTION_CHARS
from citeqa.server import check_bind, serve

MINISTER = "Who was Japan's defence minister at the meeting?"
SERVE = "import sys; from citeqa.server import serve; serve(sys.argv[1], port=0, token=sys.argv[2] or None)"


@contextlib.contextmanager
def running_server(index_dir: Path, token: str | None = None) -> Iterator[str]:
    """`serve()` in a subprocess on a free loopback port; yields its base URL, then stops it
    with Ctrl-C (SIGINT) and checks that it shut down cleanly, without a traceback."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(index_dir), token or ""],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()],
                              daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                line = ""
            seen.append(line)
            found = re.search(r"serving .* at (http://\S+)/ ", line)
            if found:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + "".join(seen))
        yield found.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    seen.extend(lines.queue)
    assert proc.returncode == 0 and "Traceback" not in "".join(seen), "".join(seen)


def raw_request(base: str, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, chunked: bool = False
                ) -> tuple[int, dict[str, str], bytes]:
    """One request sent as written (no client-side path clean-up), for hostile paths and bodies."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        if chunked:
            conn.putrequest(method, path)
            for name, value in {**(headers or {}), "Transfer-Encoding": "chunked"}.items():
                conn.putheader(name, value)
            conn.endheaders()
            for lo in range(0, len(body or b""), 8192):
                piece = (body or b"")[lo:lo + 8192]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def assert_error(status: int, headers: dict[str, str], body: bytes, expected: int) -> str:
    """The response is the expected 4xx/5xx with a one-line JSON error and no traceback."""
    assert status == expected, body
    assert headers["content-type"].startswith("application/json")
    data = json.loads(body)
    assert list(data) == ["error"] and isinstance(data["error"], str)
    assert data["error"] and "\n" not in data["error"] and "Traceback" not in data["error"]
    return str(data["error"])


@pytest.fixture(scope="module")
def base(seed_index_dir: Path) -> Iterator[str]:
    with running_server(seed_index_dir) as url:
        yield url


# ---- answers ----------------------------------------------------------------------------------
@pytest.mark.model
def test_ask_and_search_answer_what_the_library_answers(base: str, seed_index: Any) -> None:
    res = httpx.post(f"{base}/ask", json={"question": MINISTER})
    assert res.status_code == 200 and res.headers["content-type"] == "application/json"
    data = res.json()
    assert data == json.loads(json.dumps(seed_index.ask(MINISTER).to_dict()))
    assert data["abstained"] is False and "Nakatani" in data["text"]

    res = httpx.post(f"{base}/ask", json={"question": MINISTER, "k": 3, "mode": "bm25"})
    assert res.json() == json.loads(json.dumps(seed_index.ask(MINISTER, k=3, mode="bm25").to_dict()))

    res = httpx.get(f"{base}/search", params={"q": "  Meteor\tmissile ", "k": 4, "mode": "dense"})
    hits = seed_index.search("Meteor missile", k=4, mode="dense")
    assert res.json() == {"question": "Meteor missile", "mode": "dense", "stale": False,
                          "hits": json.loads(json.dumps([h.to_dict() for h in hits]))}
    assert len(res.json()["hits"]) == 4


@pytest.mark.model
def test_concurrent_requests_all_get_their_own_answer(base: str, seed_index: Any) -> None:
    questions = [MINISTER, "What is the population of Japan?", "Meteor missile",
                 "When were the first UK-Japanese ministerial meetings held?"]
    expected = {q: json.loads(json.dumps(seed_index.ask(q).to_dict())) for q in questions}
    failures: list[str] = []

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            for j in range(6):
                q = questions[(i + j) % len(questions)]
                res = http.post("/ask", json={"question": q})
                if res.status_code != 200 or res.json() != expected[q]:
                    failures.append(f"{q}: {res.status_code} {res.text[:200]}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


@pytest.mark.model
def test_documents_hold_the_cited_text(base: str, seed_index: Any) -> None:
    assert httpx.get(f"{base}/documents").json() == {"sources": seed_index.sources}
    answer = httpx.post(f"{base}/ask", json={"question": MINISTER}).json()
    for c in answer["citations"]:
        res = httpx.get(f"{base}/documents/{quote(c['source'])}")
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.text == seed_index.text(c["source"])
        assert res.text[c["start"]:c["end"]] == c["quote"]


@pytest.mark.model
def test_health_page_and_docs(base: str) -> None:
    health = httpx.get(f"{base}/health").json()
    assert health["status"] == "ok" and health["documents"] == 1 and health["chunks"] > 0
    page = httpx.get(f"{base}/")
    assert page.status_code == 200 and "/static/app.js" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert httpx.get(base + asset).status_code == 200, asset
    assert "http" not in page.text.replace("http-equiv", "")  # nothing fetched from elsewhere
    spec = httpx.get(f"{base}/openapi.json").json()
    assert {"/ask", "/search", "/documents/{source}", "/health"} <= set(spec["paths"])
    assert httpx.get(f"{base}/docs").status_code == 200


# ---- bad input --------------------------------------------------------------------------------
JSON = {"Content-Type": "application/json"}
TOO_LONG = " ".join(["word"] * (MAX_QUESTION_CHARS // 5 + 1))
BAD_REQUESTS = [
    # (method, path, body, headers, status, words in the message)
    ("POST", "/ask", b'{"question": "Who', JSON, 400, "not valid JSON"),
    ("POST", "/ask", b"\xff\xfe", JSON, 400, "not valid JSON"),
    ("POST", "/ask", b'["Who?"]', JSON, 422, "JSON object"),
    ("POST", "/ask", b'{"k": 3}', JSON, 422, "question"),
    ("POST", "/ask", b'{"question": 7}', JSON, 422, "question"),
    ("POST", "/ask", b'{"question": "   "}', JSON, 422, "empty"),
    ("POST", "/ask", json.dumps({"question": TOO_LONG}).encode(), JSON, 422, "limit is 2000"),
    ("POST", "/ask", b'{"question": "Who?", "k": 0}', JSON, 422, "k"),
    ("POST", "/ask", b'{"question": "Who?", "k": 1001}', JSON, 422, "1000"),
    ("POST", "/ask", b'{"question": "Who?", "k": "5"}', JSON, 422, "k"),
    ("POST", "/ask", b'{"question": "Who?", "k": true}', JSON, 422, "k"),
    ("POST", "/ask", b'{"question": "Who?", "mode": "magic"}', JSON, 422, "mode"),
    ("POST", "/ask", b'{"question": "Who?", "extra": 1}', JSON, 422, "extra"),
    ("POST", "/ask", b"question=Who", {"Content-Type": "application/x-www-form-urlencoded"},
     415, "application/json"),
    ("POST", "/ask", json.dumps({"question": "x" * 70_000}).encode(), JSON, 413, "limit"),
    ("GET", "/search?q=Who&k=1001", None, {}, 422, "1000"),
    ("GET", "/search?q=Who&k=ten", None, {}, 422, "k"),
    ("GET", "/search?q=Who&mode=magic", None, {}, 422, "mode"),
    ("GET", "/search?k=3", None, {}, 422, "q"),
    ("GET", "/search?q=%20%20", None, {}, 422, "empty"),
    ("GET", "/nowhere", None, {}, 404, "Not Found"),
    ("DELETE", "/ask", None, {}, 405, "Method Not Allowed"),
]


@pytest.mark.model
@pytest.mark.parametrize("method, path, body, headers, status, words", BAD_REQUESTS,
                         ids=[f"{r[0]} {r[1][:20]} {r[4]} {r[5]}" for r in BAD_REQUESTS])
def test_bad_requests_get_one_line_json_errors(base: str, method: str, path: str,
                                               body: bytes | None, headers: dict[str, str],
                                               status: int, words: str) -> None:
    message = assert_error(*raw_request(base, method, path, body, headers), status)
    assert words.lower() in message.lower()


@pytest.mark.model
def test_a_chunked_body_cannot_pass_the_size_limit(base: str) -> None:
    body = json.dumps({"question": "x" * 70_000}).encode()
    assert_error(*raw_request(base, "POST", "/ask", body, JSON, chunked=True), 413)
    small = json.dumps({"question": MINISTER}).encode()
    status, _, answer = raw_request(base, "POST", "/ask", small, JSON, chunked=True)
    assert status == 200 and "Nakatani" in json.loads(answer)["text"]


@pytest.mark.model
@pytest.mark.parametrize("path", [
    "/documents/../../../../etc/passwd",
    "/documents/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/documents/..%2F..%2F..%2Fetc%2Fpasswd",
    "/documents//etc/passwd",
    "/documents/000_481b1a0d08652fd3.txt/../../index/manifest.json",
    "/documents/000_481b1a0d08652fd3.txt%00.png",
    "/documents/manifest.json",
    "/documents/.",
])
def test_documents_serve_only_the_index_sources(base: str, path: str) -> None:
    assert_error(*raw_request(base, "GET", path), 404)


@pytest.mark.model
def test_documents_refuse_the_absolute_path_of_a_source(base: str, seed_index: Any) -> None:
    absolute = str(seed_index.corpus / seed_index.sources[0])
    assert_error(*raw_request(base, "GET", "/documents/" + quote(absolute)), 404)
    assert_error(*raw_request(base, "GET", "/documents" + quote(absolute)), 404)


@pytest.mark.model
def test_no_cors_and_only_loopback_host_names(base: str) -> None:
    preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"}
    status, headers, _ = raw_request(base, "OPTIONS", "/ask", headers=preflight)
    assert status >= 400 and not any(h.startswith("access-control-") for h in headers)
    res = httpx.get(f"{base}/health", headers={"Origin": "https://elsewhere.example"})
    assert res.status_code == 200 and "access-control-allow-origin" not in res.headers
    # A page elsewhere cannot reach the loopback server by DNS rebinding: its Host is refused.
    assert_error(*raw_request(base, "GET", "/health", headers={"Host": "evil.example:80"}), 400)
    port = urlsplit(base).port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert raw_request(base, "GET", "/health", headers={"Host": host})[0] == 200


# ---- token and bind address -------------------------------------------------------------------
@pytest.mark.model
def test_a_token_guards_every_api_request(seed_index_dir: Path) -> None:
    token = "s3cret-t0ken"
    with running_server(seed_index_dir, token=token) as url:
        good = {"Authorization": f"Bearer {token}"}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token},
                        {"Authorization": f"Basic {token}"}):
            for method, path, body in (("GET", "/health", None), ("GET", "/search?q=x", None),
                                       ("GET", "/documents", None),
                                       ("GET", "/documents/000_481b1a0d08652fd3.txt", None),
                                       ("POST", "/ask", b'{"question": "Who?"}')):
                status, hdrs, data = raw_request(url, method, path, body, {**JSON, **headers})
                assert_error(status, hdrs, data, 401)
                assert hdrs["www-authenticate"] == "Bearer"
        assert httpx.get(f"{url}/health", headers=good).status_code == 200
        res = httpx.post(f"{url}/ask", json={"question": MINISTER}, headers=good)
        assert res.status_code == 200 and "Nakatani" in res.json()["text"]
        assert httpx.get(f"{url}/").status_code == 200  # the page holds no data; it asks for the token


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org", "[::]"])
def test_a_public_address_needs_a_token(host: str) -> None:
    with pytest.raises(ValueError, match="without --token") as err:
        check_bind(host, None)
    assert "\n" not in str(err.value)
    check_bind(host, "a-token")
    with pytest.raises(ValueError, match="without --token"):  # refused before the index is read
        serve("/nonexistent/index", host=host, port=0)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_needs_no_token(host: str) -> None:
    check_bind(host, None)


def test_an_empty_token_and_a_bad_port_are_refused() -> None:
    with pytest.raises(ValueError, match="token"):
        check_bind("0.0.0.0", " ")
    with pytest.raises(ValueError, match="port"):
        serve("/nonexistent/index", port=70000)


def test_a_taken_port_is_a_plain_os_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            serve("/nonexistent/index", port=taken.getsockname()[1])


def test_a_missing_index_fails_before_serving(tmp_path: Path) -> None:
    with pytest.raises(citeqa.IndexNotFoundError):
        serve(tmp_path / "none", port=0)


# ---- a private index that changes -------------------------------------------------------------
@pytest.fixture(scope="module")
def private(seed_corpus: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Path, Path, str]]:
    """A corpus, index and server of their own (the shared ones must not change)."""
    root = tmp_path_factory.mktemp("served")
    corpus = root / "corpus"
    shutil.copytree(seed_corpus, corpus)
    citeqa.Index.build(corpus, root / "index")
    with running_server(root / "index") as url:
        yield corpus, root / "index", url


@pytest.mark.model
def test_a_link_in_the_corpus_does_not_expose_other_files(private: tuple[Path, Path, str],
                                                         tmp_path: Path) -> None:
    corpus, _, url = private
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret is 42\n", encoding="utf-8")
    link = corpus / "link.txt"
    link.symlink_to(secret)
    try:
        for path in ("/documents/link.txt", "/documents/../" + secret.name,
                     "/documents/" + quote(str(secret))):
            assert_error(*raw_request(url, "GET", path), 404)
    finally:
        link.unlink()


@pytest.mark.model
def test_a_rebuild_is_served_without_a_restart_or_a_failed_request(
        private: tuple[Path, Path, str]) -> None:
    corpus, index_dir, url = private
    before = httpx.get(f"{url}/health").json()
    assert before["documents"] == 1 and before["reloads"] == 0
    stop = threading.Event()
    outcomes: list[int | str] = []

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while not stop.is_set():
                try:
                    outcomes.append(http.post("/ask", json={"question": MINISTER}).status_code)
                    outcomes.append(http.get("/search", params={"q": "Meteor"}).status_code)
                except httpx.HTTPError as err:
                    outcomes.append(repr(err))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        (corpus / "harbour.txt").write_text(
            "The Tilbury harbour master is Wilhelmina Okonkwo-Baptiste.\n"
            "She has run the harbour since 2011.\n", encoding="utf-8")
        during = len(outcomes)
        citeqa.Index.build(corpus, index_dir)
        built = len(outcomes)
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/health").json()["reloads"] < 1:
            assert time.monotonic() < deadline, "the rebuilt index was not picked up"
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert built > during, "no request ran while the index was rebuilt"
    assert len(outcomes) > built, "no request ran while the new index was loaded"
    assert [o for o in outcomes if o != 200] == []
    health = httpx.get(f"{url}/health").json()
    assert health["documents"] == 2 and health["reload_error"] is None
    hits = httpx.get(f"{url}/search", params={"q": "Tilbury harbour master", "k": 1}).json()
    assert hits["hits"][0]["source"] == "harbour.txt"
    text = httpx.get(f"{url}/documents/harbour.txt").text
    assert text.startswith("The Tilbury harbour master")
