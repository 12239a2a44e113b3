"""The HTTP API and web page of `citeqa serve`: the same JSON as `--json`, one-line errors."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import citeqa
from citeqa.index import MAX_QUESTION_CHARS, clean_question

from .limits import MAX_BODY_BYTES, MAX_K, RequestLimits
from .live import LiveIndex

STATIC = Path(__file__).resolve().parent / "static"
Mode = Literal["bm25", "dense", "hybrid"]
# Everything the page needs comes from this server; nothing else may load or be framed.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "img-src 'self'; connect-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
log = logging.getLogger("uvicorn.error")


class AskRequest(BaseModel):
    """Body of POST /ask."""

    model_config = ConfigDict(extra="forbid", strict=True)
    question: str = Field(description=f"the question, up to {MAX_QUESTION_CHARS} characters "
                                      f"once runs of spaces are collapsed")
    k: int | None = Field(default=None, ge=1, le=MAX_K,
                          description="passages to answer from (default 5)")
    mode: Mode = Field(default="hybrid", description="retrieval mode")


class ErrorBody(BaseModel):
    """Every error: one line saying what is wrong and what is allowed."""

    error: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    text = {400: "malformed request (the body is not valid JSON)",
            401: "missing or wrong bearer token (only when the server has a token)",
            404: "not a source of the index",
            413: f"request body over {MAX_BODY_BYTES} bytes",
            415: "the body is not sent as application/json",
            422: "a bad field: empty or too long question, k outside 1-1000, unknown mode",
            503: "the index cannot be used (missing, damaged or out of date)"}
    return {code: {"description": text[code], "content": {"application/json": {
        "schema": ErrorBody.model_json_schema()}}} for code in codes}


# ---- errors -----------------------------------------------------------------------------------
def one_line(message: object) -> str:
    return " ".join(str(message).split())


def error(status: int, message: object, headers: Mapping[str, str] | None = None
          ) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


def validation_message(errors: list[Any]) -> str:
    """Pydantic's first complaint as "field: problem" (e.g. "k: Input should be ... 1000")."""
    first = errors[0] if errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    where = ".".join(loc)
    return f"{where}: {first.get('msg', 'invalid request')}" if where else \
        str(first.get("msg", "invalid request"))


def status_of(err: citeqa.CiteqaError) -> int:
    """A bad argument is the client's (422); problems with the index mean the service is
    unavailable (503); anything else is ours (500)."""
    if isinstance(err, ValueError):
        return 422
    unavailable = (citeqa.IndexNotFoundError, citeqa.IndexCorruptError, citeqa.StaleIndexError,
                   citeqa.IndexLockedError, citeqa.ModelError)
    return 503 if isinstance(err, unavailable) else 500


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, exc.detail, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, validation_message(list(exc.errors())))

    @app.exception_handler(ValueError)
    async def bad_value(_: Request, exc: ValueError) -> JSONResponse:
        return error(422, exc)

    @app.exception_handler(citeqa.CiteqaError)
    async def citeqa_error(_: Request, exc: citeqa.CiteqaError) -> JSONResponse:
        return error(status_of(exc), exc)

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.error("citeqa: internal error", exc_info=exc)
        return error(500, "internal error; the server's log has the details")


def parse_ask(content_type: str | None, body: bytes) -> AskRequest:
    """The /ask body as an `AskRequest`, or an HTTPException with a one-line reason."""
    if (content_type or "").split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, "send the body as JSON with Content-Type: application/json")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise HTTPException(400, f"the body is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise HTTPException(422, 'the body must be a JSON object like {"question": "...", '
                                 '"k": 5, "mode": "hybrid"}')
    try:
        return AskRequest.model_validate(data)
    except ValidationError as err:
        raise HTTPException(422, validation_message(list(err.errors()))) from None


# ---- the app ----------------------------------------------------------------------------------
def create_app(index_dir: str | Path, token: str | None = None, *, allow_stale: bool = False,
               allowed_hosts: tuple[str, ...] | None = None) -> FastAPI:
    """The ASGI app answering from the index at `index_dir` (opened now, once).

    With `token`, every API request needs `Authorization: Bearer TOKEN`; with `allowed_hosts`,
    requests naming another Host are refused.
    """
    live = LiveIndex(index_dir, allow_stale=allow_stale)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(live.close)

    app = FastAPI(title="citeqa", version=citeqa.__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", lifespan=lifespan,
                  description="Answers with cited passages from one citeqa index. The JSON of "
                              "/ask and /search is what `citeqa ask --json` and "
                              "`citeqa search --json` print.")
    app.state.live = live
    _install_error_handlers(app)
    api = [Depends(BearerToken(token))] if token is not None else []

    @app.post("/ask", dependencies=api, responses=errors(400, 401, 413, 415, 422, 503),
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": AskRequest.model_json_schema()}}}})
    async def ask(request: Request) -> JSONResponse:
        """An extractive answer with numbered citations, or an abstention with the closest
        passages (as `citeqa ask --json`)."""
        req = parse_ask(request.headers.get("content-type"), await request.body())
        answer = await run_in_threadpool(
            lambda: live.get().ask(req.question, k=req.k, mode=req.mode))
        return JSONResponse(answer.to_dict())

    @app.get("/search", dependencies=api, responses=errors(401, 422, 503))
    def search(q: Annotated[str, Query(description="the question")],
               k: Annotated[int, Query(ge=1, le=MAX_K, description="passages to return")] = 10,
               mode: Annotated[Mode, Query(description="retrieval mode")] = "hybrid"
               ) -> JSONResponse:
        """The k best passages (as `citeqa search --json`)."""
        index = live.get()
        hits = index.search(q, k=k, mode=mode)
        return JSONResponse({"question": clean_question(q), "mode": mode,
                             "stale": bool(index.changes), "hits": [h.to_dict() for h in hits]})

    @app.get("/documents", dependencies=api, responses=errors(401, 503))
    def documents() -> JSONResponse:
        """The sources of the index, as cited in answers."""
        return JSONResponse({"sources": list(live.get().sources)})

    @app.get("/documents/{source:path}", dependencies=api, response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
                        **errors(401, 404, 503)})
    def document(source: str) -> PlainTextResponse:
        """A source's text, to which every start/end offset refers. Only the index's own
        sources are served, from the index, never from a path built from the URL."""
        try:
            text = live.get().text(source)
        except KeyError:
            raise HTTPException(404, f"no source named {source!r} in the index") from None
        return PlainTextResponse(text, headers={"X-Content-Type-Options": "nosniff",
                                                "Cache-Control": "no-cache"})

    @app.get("/health", dependencies=api, responses=errors(401, 503))
    def health() -> JSONResponse:
        """Whether the server answers, and from what."""
        index = live.get()
        return JSONResponse({"status": "ok", "documents": len(index.sources),
                             "chunks": index.chunk_count, "stale": bool(index.changes),
                             "reloads": live.reloads, "reload_error": live.reload_error})

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(RequestLimits, max_body=MAX_BODY_BYTES, allowed_hosts=allowed_hosts)
    return app


BEARER = HTTPBearer(auto_error=False, description="the server's --token")


class BearerToken:
    """A dependency refusing requests without `Authorization: Bearer <token>`."""

    def __init__(self, token: str):
        self.expected = token.encode()

    def __call__(self, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
                 ) -> None:
        given = (creds.credentials if creds else "").encode()
        if not hmac.compare_digest(given, self.expected):
            raise HTTPException(401, "missing or wrong token: send 'Authorization: Bearer "
                                     "TOKEN' with the server's --token",
                                headers={"WWW-Authenticate": "Bearer"})
