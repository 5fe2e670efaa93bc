"""A cost-tiered cascade: the model decides, an LLM judge settles only the uncertain claims.

Most claims are clear to the trained verifier. Those whose support score falls inside an
uncertain band are sent, with their evidence, to an LLM judge (any OpenAI-compatible
endpoint). Its reply is parsed strictly; if it cannot be asked or its reply is not exactly
the expected JSON, the model's verdict stands. Every verdict says which path decided it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from retrieval.types import Passage
from service.config import LLMSettings
from service.llm import ChatClient, LLMError, reply_json
from service.stages import Thresholds, Verifier
from service.types import Claim, SupportLabel, Verdict

log = logging.getLogger(__name__)

DECIDED_BY_MODEL = "model"
DECIDED_BY_JUDGE = "llm-judge"

_SYSTEM = """You check whether evidence supports a claim. Use only the numbered evidence \
passages, not your own knowledge. Reply with one JSON object and nothing else:
{"label": "supported" | "contradicted" | "unverifiable", "passage": <number of the decisive \
passage, or null>}
"supported": a passage states the claim. "contradicted": a passage states its opposite. \
"unverifiable": the passages do not settle it."""

_LABELS = {label.value: label for label in SupportLabel}


class JudgeReplyError(ValueError):
    """The judge's reply is not the documented JSON."""


class CascadeVerifier:
    """Wraps a verifier; claims scored within ``band`` go to the judge."""

    def __init__(self, model: Verifier, judge: ChatClient, band: tuple[float, float]) -> None:
        low, high = band
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(f"the uncertain band must satisfy 0 <= low <= high <= 1, got {band}")
        self.model = model
        self.judge = judge
        self.band = band
        self.version = f"{model.version}+judge:{judge.model or 'default'}"

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        verdict = replace(
            self.model.verify(claim, evidence, thresholds), decided_by=DECIDED_BY_MODEL
        )
        low, high = self.band
        if not evidence or not low <= verdict.support_score <= high:
            return verdict
        try:
            label, decisive = parse_judgement(self._ask(claim, evidence), len(evidence))
        except (LLMError, JudgeReplyError) as exc:
            log.warning("LLM judge failed, the model's verdict stands: %s", exc)
            return verdict
        # The score stays the model's (calibrated) one; the label is the judge's.
        return replace(verdict, label=label, decisive=decisive, decided_by=DECIDED_BY_JUDGE)

    def _ask(self, claim: Claim, evidence: Sequence[Passage]) -> str:
        passages = "\n".join(f"[{i}] {p.text}" for i, p in enumerate(evidence, start=1))
        user = f"Claim: {claim.text}\n\nEvidence:\n{passages}"
        messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]
        return self.judge.complete(messages, json_object=True, max_tokens=100)


def parse_judgement(reply: str, passages: int) -> tuple[SupportLabel, int | None]:
    """(label, 0-based decisive passage) from the judge's reply; JudgeReplyError otherwise."""
    try:
        payload = reply_json(reply)
    except ValueError as exc:
        raise JudgeReplyError(str(exc)) from None
    if not isinstance(payload, dict) or set(payload) != {"label", "passage"}:
        raise JudgeReplyError(f"expected exactly the keys label and passage, got {payload!r}")
    label = _LABELS.get(payload["label"]) if isinstance(payload["label"], str) else None
    if label is None:
        raise JudgeReplyError(f"unknown label {payload['label']!r}")
    number = payload["passage"]
    if number is None:
        if label is not SupportLabel.UNVERIFIABLE:
            raise JudgeReplyError(f"a {label.value} verdict must name its passage")
        return label, None
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= passages:
        raise JudgeReplyError(f"passage must be 1..{passages} or null, got {number!r}")
    return label, None if label is SupportLabel.UNVERIFIABLE else number - 1


def with_judge(verifier: Verifier, llm: LLMSettings) -> Verifier:
    """``verifier`` behind an LLM judge when one is configured, else ``verifier`` itself."""
    if not (llm.url and llm.judge):
        return verifier
    return CascadeVerifier(verifier, ChatClient(llm), llm.judge_band)
