"""Structured logs: one JSON object a line, carrying the id of the request being served.

The request id lives in a context variable set by the gRPC layer; it follows the request into
executor threads, so a pipeline module's log line names the request it was working for.
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any

#: The id of the request being served; empty outside a request.
REQUEST_ID: ContextVar[str] = ContextVar("veracity_request_id", default="")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send the root logger's records to stderr as JSON (``json``) or plain text (``text``)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("veracity: %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
