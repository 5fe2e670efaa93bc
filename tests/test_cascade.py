"""The verifier cascade against a fake chat-completions endpoint on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import pytest
from fake_llm import FakeEndpoint, completion

from retrieval.types import Passage
from service.config import LLMSettings
from service.llm import ChatClient
from service.stages import Thresholds
from service.types import Claim, SupportLabel, Verdict
from service.verification.cascade import (
    DECIDED_BY_JUDGE,
    DECIDED_BY_MODEL,
    CascadeVerifier,
    JudgeReplyError,
    parse_judgement,
    with_judge,
)

CLAIM = Claim("The kiwi cannot fly.", 0, 20)
EVIDENCE = [
    Passage(document_id="a", text="Kiwis are flightless birds.", start=0, end=27),
    Passage(document_id="b", text="Kiwis live in New Zealand.", start=0, end=26),
]


class FixedVerifier:
    """A model whose score the test sets."""

    version = "fixed"

    def __init__(self, score: float) -> None:
        self.score = score

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        label = SupportLabel.SUPPORTED if self.score >= 0.5 else SupportLabel.UNVERIFIABLE
        return Verdict(label, self.score, list(evidence), 0 if self.score >= 0.5 else None)


@pytest.fixture()
def endpoint() -> Iterator[FakeEndpoint]:
    server = FakeEndpoint()
    yield server
    server.close()


def _cascade(endpoint: FakeEndpoint, score: float, timeout_s: float = 5.0) -> CascadeVerifier:
    client = ChatClient(LLMSettings(url=endpoint.url, model="judge-1", timeout_s=timeout_s))
    return CascadeVerifier(FixedVerifier(score), client, band=(0.3, 0.7))


def _judge_says(endpoint: FakeEndpoint, content: str, delay: float = 0.0) -> None:
    endpoint.reply = lambda body: (200, completion(content), delay)


def test_uncertain_claims_go_to_the_judge(endpoint: FakeEndpoint) -> None:
    _judge_says(endpoint, json.dumps({"label": "contradicted", "passage": 2}))
    verdict = _cascade(endpoint, 0.55).verify(CLAIM, EVIDENCE, Thresholds())
    assert (verdict.label, verdict.decisive, verdict.decided_by) == (
        SupportLabel.CONTRADICTED,
        1,
        DECIDED_BY_JUDGE,
    )
    assert verdict.support_score == 0.55  # the model's score is kept
    [(_, body)] = endpoint.requests
    assert "[1] Kiwis are flightless birds." in body["messages"][1]["content"]


def test_confident_claims_never_reach_the_judge(endpoint: FakeEndpoint) -> None:
    for score in (0.05, 0.95):
        verdict = _cascade(endpoint, score).verify(CLAIM, EVIDENCE, Thresholds())
        assert verdict.decided_by == DECIDED_BY_MODEL
    assert endpoint.requests == []


@pytest.mark.parametrize(
    "reply",
    [
        "I think it is supported.",
        json.dumps({"label": "true", "passage": 1}),
        json.dumps({"label": "supported", "passage": 7}),
        json.dumps({"label": "supported", "passage": None}),
        json.dumps({"label": "supported", "passage": 1, "why": "extra key"}),
    ],
)
def test_malformed_judgements_leave_the_model_verdict(endpoint: FakeEndpoint, reply: str) -> None:
    _judge_says(endpoint, reply)
    verdict = _cascade(endpoint, 0.55).verify(CLAIM, EVIDENCE, Thresholds())
    assert (verdict.label, verdict.decided_by) == (SupportLabel.SUPPORTED, DECIDED_BY_MODEL)
    assert len(endpoint.requests) == 1


def test_a_slow_or_failing_judge_leaves_the_model_verdict(endpoint: FakeEndpoint) -> None:
    _judge_says(endpoint, json.dumps({"label": "contradicted", "passage": 1}), delay=2.0)
    slow = _cascade(endpoint, 0.4, timeout_s=0.5).verify(CLAIM, EVIDENCE, Thresholds())
    assert (slow.label, slow.decided_by) == (SupportLabel.UNVERIFIABLE, DECIDED_BY_MODEL)
    endpoint.reply = lambda body: (500, "upstream down", 0.0)
    failed = _cascade(endpoint, 0.4).verify(CLAIM, EVIDENCE, Thresholds())
    assert failed.decided_by == DECIDED_BY_MODEL


def test_parse_judgement_accepts_a_fenced_reply() -> None:
    fenced = '```json\n{"label": "unverifiable", "passage": null}\n```'
    assert parse_judgement(fenced, 2) == (SupportLabel.UNVERIFIABLE, None)
    with pytest.raises(JudgeReplyError):
        parse_judgement('{"label": "supported", "passage": true}', 2)


def test_the_judge_is_used_only_when_configured() -> None:
    model = FixedVerifier(0.5)
    assert with_judge(model, LLMSettings()) is model
    assert with_judge(model, LLMSettings(url="http://127.0.0.1:9/v1")) is model
    judged = with_judge(model, LLMSettings(url="http://127.0.0.1:9/v1", judge=True))
    assert isinstance(judged, CascadeVerifier)
    with pytest.raises(ValueError, match="uncertain band"):
        CascadeVerifier(model, ChatClient(LLMSettings(url="http://x/v1")), band=(0.8, 0.2))
