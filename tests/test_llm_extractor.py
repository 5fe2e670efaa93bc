"""The LLM claim extractor against a real fake endpoint on 127.0.0.1 (no mocking of requests):
good replies are parsed and re-anchored; malformed, unanchored, failing and slow replies fall
back to the offline extractor."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_llm import FakeEndpoint, completion

from service.claims import make_extractor
from service.claims.llm_extractor import LLMClaimExtractor
from service.config import LLMSettings
from service.llm import ChatClient, LLMError
from service.types import Assertiveness, Claim

ANSWER = "Marie Curie, a physicist, may have visited Paris in 1891. Hello!"
Reply = Callable[[dict[str, Any]], tuple[int, str, float]]


def _claims_reply(*claims: dict[str, Any], fenced: bool = False) -> str:
    content = json.dumps({"claims": list(claims)})
    return completion(f"```json\n{content}\n```" if fenced else content)


class Offline:
    version = "offline-test"

    def extract(self, answer: str, question: str = "") -> list[Claim]:
        return [Claim("offline", 0, len(answer))]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint()
    yield server
    server.close()


def _extractor(endpoint: FakeEndpoint, timeout_s: float = 5.0) -> LLMClaimExtractor:
    settings = LLMSettings(url=endpoint.url, model="fake-1", api_key="sk-test", timeout_s=timeout_s)
    return LLMClaimExtractor(ChatClient(settings), fallback=Offline())


def test_a_good_reply_is_parsed_and_re_anchored(endpoint: FakeEndpoint) -> None:
    endpoint.reply = lambda body: (
        200,
        _claims_reply(
            {"text": "Marie Curie was a physicist.", "source": ["Marie Curie", "a physicist"]},
            {"text": "Marie Curie may have visited Paris in 1891.",
             "source": ["marie curie", "may have  visited Paris in 1891"]},
            {"text": "Hello!", "source": "Hello!", "checkable": False, "reason": "greeting"},
            fenced=True,
        ),
        0.0,
    )  # fmt: skip
    claims = _extractor(endpoint).extract(ANSWER, question="Who was Curie?")
    assert [c.text for c in claims] == [
        "Marie Curie was a physicist.",
        "Marie Curie may have visited Paris in 1891.",
        "Hello!",
    ]
    physicist, visited, hello = claims
    assert [ANSWER[s:e] for s, e in physicist.source_spans] == ["Marie Curie", "a physicist"]
    assert ANSWER[visited.source_spans[1][0] : visited.source_spans[1][1]] == (
        "may have visited Paris in 1891"
    )
    assert visited.assertiveness is Assertiveness.HEDGED
    assert (hello.checkable, hello.not_checkable_reason) == (False, "greeting")
    headers, body = endpoint.requests[-1]
    assert headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "fake-1" and body["temperature"] == 0
    assert "Who was Curie?" in body["messages"][1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        (200, completion("Sure! Here are the claims: Marie Curie was a physicist."), 0.0),
        (200, completion('{"claims": "Marie Curie was a physicist."}'), 0.0),
        (200, _claims_reply({"text": "Curie was a chemist.", "source": "a chemist"}), 0.0),
        (200, _claims_reply({"text": "", "source": "Hello!"}), 0.0),
        (200, _claims_reply({"text": "Hello!", "source": "Hello!", "checkable": "no"}), 0.0),
        (200, json.dumps({"error": "no choices"}), 0.0),
        (200, "not json at all", 0.0),
        (500, json.dumps({"error": "overloaded"}), 0.0),
        (200, _claims_reply({"text": "late", "source": "Hello!"}), 1.5),
    ],
    ids=["prose", "claims-not-list", "unanchored", "empty-text", "bad-checkable",
         "no-choices", "not-json", "http-500", "slow"],
)  # fmt: skip
def test_any_failure_falls_back_to_the_offline_extractor(
    endpoint: FakeEndpoint, reply: tuple[int, str, float]
) -> None:
    endpoint.reply = lambda body: reply
    began = time.monotonic()
    claims = _extractor(endpoint, timeout_s=0.5).extract(ANSWER)
    assert [c.text for c in claims] == ["offline"]
    assert time.monotonic() - began < 1.4, "the timeout bounds a slow reply"


def test_an_unreachable_endpoint_raises_llm_error_and_falls_back() -> None:
    settings = LLMSettings(url="http://127.0.0.1:9/v1", model="m", timeout_s=0.5)
    with pytest.raises(LLMError):
        ChatClient(settings).complete([{"role": "user", "content": "hi"}])
    assert [c.text for c in LLMClaimExtractor(ChatClient(settings), Offline()).extract("A b.")] == [
        "offline"
    ]


def test_make_extractor_uses_the_llm_only_when_configured() -> None:
    assert make_extractor(LLMSettings()).version == "spacy-claims-v2"
    configured = make_extractor(LLMSettings(url="http://127.0.0.1:9/v1/", model="m"))
    assert isinstance(configured, LLMClaimExtractor)
    assert configured.client.url == "http://127.0.0.1:9/v1/chat/completions"
    assert configured.version == "llm-claims-v1:m+spacy-claims-v2"


def test_llm_settings_come_from_the_environment() -> None:
    settings = LLMSettings.from_env(
        {"VERACITY_LLM_URL": "http://h/v1", "VERACITY_LLM_MODEL": "m", "VERACITY_LLM_API_KEY": "k",
         "VERACITY_LLM_TIMEOUT": "7.5"}
    )  # fmt: skip
    assert settings == LLMSettings("http://h/v1", "m", "k", 7.5)
    assert "k" not in repr(settings)
