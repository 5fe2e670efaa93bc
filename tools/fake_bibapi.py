"""A real HTTP server on 127.0.0.1 that plays the bibliographic APIs, for tests and the bench.

It serves every API under one port, each mounted at a prefix (``/crossref``, ``/arxiv``, ...),
so a resolver is pointed at it through its configurable base URL. Answers come from routes:
the recorded cassettes in ``shared/fixtures/bibapi`` (R-vcr and vcrpy YAML, gzip+base64 bodies
decoded; arXiv JSON; PubMed XML files), or functions a test or the bench adds.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

#: Mount prefix -> the real API root it stands for.
MOUNTS = {
    "crossref": "https://api.crossref.org",
    "datacite": "https://api.datacite.org",
    "doi": "https://doi.org",
    "arxiv": "https://export.arxiv.org/api",
    "pubmed": "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
    "openalex": "https://api.openalex.org",
    "semanticscholar": "https://api.semanticscholar.org/graph/v1",
    "openlibrary": "https://openlibrary.org",
}
#: Query parameters that do not change which record is asked for.
_VOLATILE = frozenset(
    {
        "mailto",
        "fields",
        "include",
        "sortBy",
        "sortOrder",
        "start",
        "max_results",
        "tool",
        "email",
        "rows",
        "offset",
        "limit",
        "retmode",
        "per-page",
    }
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering (a slow or hanging API).
    delay: float = 0.0


def json_response(payload: Any, status: int = 200, **headers: str) -> Response:
    return Response(
        status, json.dumps(payload).encode(), {"Content-Type": "application/json", **headers}
    )


Route = Callable[[Request], Response | None]


@dataclass(frozen=True)
class Interaction:
    method: str
    url: str
    status: int
    body: bytes
    content_type: str


class FakeBibServer:
    """Answers each request with the first route that answers it, else 404."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self, body=True)

            def do_HEAD(self) -> None:
                server._answer(self, body=False)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def base(self, mount: str) -> str:
        return f"{self.url}/{mount}"

    def __enter__(self) -> FakeBibServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        parts = urlsplit(handler.path)
        request = Request(
            handler.command,
            unquote(parts.path),
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            {k.lower(): v for k, v in handler.headers.items()},
        )
        self.requests.append(request)
        response = next((r for r in (route(request) for route in self.routes) if r), None)
        response = response or json_response({"status": "error", "message": "not found"}, 404)
        if response.delay:
            time.sleep(response.delay)
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            if body:
                handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            return


# -- cassettes --------------------------------------------------------------------------------


def load_cassettes(root: Path) -> list[Interaction]:
    """Every recorded interaction under ``root``, whatever its format."""
    found: list[Interaction] = []
    for path in sorted(root.rglob("*")):
        if path.suffix in (".yaml", ".yml"):
            found += _vcr(yaml.safe_load(path.read_text(encoding="utf-8")))
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(
                Interaction(
                    "GET",
                    data["url"],
                    int(data["status_code"]),
                    data["body"].encode(),
                    "application/atom+xml",
                )
            )
        elif path.suffix == ".xml" and path.stem.isdigit():
            url = f"{MOUNTS['pubmed']}/efetch.fcgi?db=pubmed&id={path.stem}"
            found.append(Interaction("GET", url, 200, path.read_bytes(), "text/xml"))
    return found


def _vcr(data: dict[str, Any]) -> Iterator[Interaction]:
    for item in data.get("http_interactions") or data.get("interactions") or []:
        request, response = item["request"], item["response"]
        status = response["status"]
        code = int(status.get("status_code") or status.get("code"))
        headers = {
            k.lower(): v[0] if isinstance(v, list) else v
            for k, v in (response.get("headers") or {}).items()
        }
        raw = response["body"].get("string", b"")
        body = raw if isinstance(raw, bytes) else str(raw).encode()
        if response["body"].get("base64_string"):
            body = base64.b64decode(response["body"]["base64_string"])
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        content_type = str(headers.get("content-type", "application/json"))
        yield Interaction(str(request["method"]).upper(), request["uri"], code, body, content_type)


def cassette_route(interactions: list[Interaction]) -> Route:
    """Answer a request with the recording of the same API path and identifying parameters."""
    table: dict[tuple[str, str], list[tuple[dict[str, str], Interaction]]] = {}
    for interaction in interactions:
        parts = urlsplit(interaction.url)
        for mount, real in MOUNTS.items():
            real_parts = urlsplit(real)
            if parts.hostname == real_parts.hostname and parts.path.startswith(real_parts.path):
                path = f"/{mount}{unquote(parts.path[len(real_parts.path) :])}"
                query = {k: v for k, v in parse_qsl(parts.query) if k not in _VOLATILE}
                table.setdefault((interaction.method, path), []).append((query, interaction))

    def route(request: Request) -> Response | None:
        method = "GET" if request.method == "HEAD" else request.method
        wanted = {k: v for k, v in request.query.items() if k not in _VOLATILE}
        for query, interaction in table.get((method, request.path), []):
            if query == wanted:
                return Response(
                    interaction.status, interaction.body, {"Content-Type": interaction.content_type}
                )
        return None

    return route
