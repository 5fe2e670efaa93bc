"""A small client for OpenAI-compatible chat-completions endpoints (``POST .../chat/completions``).

Shared by every stage that can ask an LLM. It does one thing: send messages, return the
reply's text, and turn every way that can fail (refused connection, timeout, HTTP error,
a body that is not a chat completion) into ``LLMError``, so callers need one ``except``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import requests

from service.config import LLMSettings


class LLMError(Exception):
    """The endpoint could not be asked or gave no usable reply."""


class ChatClient:
    """Chat completions from one endpoint and model; thread-safe (one request per call)."""

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.url:
            raise ValueError("LLMSettings.url is empty")
        base = settings.url.rstrip("/")
        self.url = base if base.endswith("/chat/completions") else f"{base}/chat/completions"
        self.model = settings.model
        self.timeout_s = settings.timeout_s
        self._headers = {"Content-Type": "application/json"}
        if settings.api_key:
            self._headers["Authorization"] = f"Bearer {settings.api_key}"

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_object: bool = False,
        max_tokens: int = 2048,
    ) -> str:
        """The text of the first choice; temperature 0 so that replies are repeatable."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "temperature": 0,
            "max_tokens": max_tokens,
        }
        if json_object:
            body["response_format"] = {"type": "json_object"}
        try:
            response = requests.post(
                self.url, json=body, headers=self._headers, timeout=self.timeout_s
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except requests.RequestException as exc:
            raise LLMError(f"{self.url}: {exc}") from exc
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(f"{self.url}: not a chat completion ({exc!r})") from exc
        if not isinstance(content, str):
            raise LLMError(f"{self.url}: the reply's content is not text")
        return content


def reply_json(reply: str) -> Any:
    """The JSON value of a reply, which may be wrapped in a ```json fence; ValueError if none."""
    text = reply.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.S)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not JSON: {exc}") from None
