"""`citeqa serve`: an HTTP API and web page over one index (FastAPI, served by uvicorn)."""

from .app import create_app
from .limits import check_bind
from .run import serve

__all__ = ["check_bind", "create_app", "serve"]
