"""An OpenAI-style chat-completions server on 127.0.0.1 whose replies a test sets.

A real HTTP server in a thread: the code under test talks to it over a socket with
``requests``, exactly as it would to a real endpoint.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: A reply: (HTTP status, body text, seconds to wait before answering), given the request body.
Reply = Callable[[dict[str, Any]], tuple[int, str, float]]


class FakeEndpoint:
    """An OpenAI-style /v1/chat/completions server whose reply a test sets."""

    def __init__(self) -> None:
        self.reply: Reply = lambda body: (200, completion('{"claims": []}'), 0.0)
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                endpoint.requests.append((dict(self.headers), body))
                status, text, delay = endpoint.reply(body)
                time.sleep(delay)
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # The client may have timed out and gone away.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _completion(content: str) -> str:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})


def completion(content: str) -> str:
    """A chat-completions response body whose first choice says ``content``."""
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
