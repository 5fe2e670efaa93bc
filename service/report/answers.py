"""One answer as HTML: its text with every claim's source spans highlighted by label, a badge
after each citation, and the claim details the page script shows on hover or click.

Claims may share answer text (a sentence split in two claims, a rewritten claim built from
pieces), so the text is cut at every span boundary and each piece is marked with all the claims
covering it, coloured by the worst of their labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from itertools import pairwise
from typing import Any

from service.report.metrics import AnswerRow, percent

#: Worst first: the colour of text covered by several claims is the first label found here.
LABELS = ("contradicted", "unverifiable", "supported", "unchecked")
_EVIDENCE_SHOWN = 3


def label_of(claim: Mapping[str, Any]) -> str:
    if not claim.get("checkable"):
        return "unchecked"
    label = str(claim.get("label", "")).removeprefix("SUPPORT_LABEL_").lower()
    return label if label in LABELS else "unchecked"


def status_of(citation: Mapping[str, Any]) -> str:
    return str(citation.get("status", "")).removeprefix("CITATION_STATUS_").lower() or "unknown"


def claim_details(claims: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What the popup shows of each claim (the best few evidence passages, decisive first)."""
    details = []
    for claim in claims:
        evidence = sorted(claim.get("evidence", []), key=lambda e: not e.get("decisive"))
        details.append(
            {
                "text": claim.get("text", ""),
                "label": label_of(claim),
                "score": claim.get("supportScore", 0.0) if claim.get("checkable") else None,
                "hedged": claim.get("assertiveness") == "ASSERTIVENESS_HEDGED",
                "reason": claim.get("notCheckableReason", ""),
                "evidence": [
                    {
                        "source": e.get("title") or e.get("documentId", ""),
                        "text": e.get("text", ""),
                        "score": e.get("score", 0.0),
                        "decisive": bool(e.get("decisive")),
                    }
                    for e in evidence[:_EVIDENCE_SHOWN]
                ],
            }
        )
    return details


def highlighted(answer: str, key: str, result: Mapping[str, Any]) -> str:
    """The answer's text as HTML, claims marked and citations badged."""
    claims = list(result.get("claims", []))
    pieces: list[tuple[int, int, int]] = []  # (start, end, claim index)
    for index, claim in enumerate(claims):
        for span in claim.get("sourceSpans") or [claim.get("span", {})]:
            start, end = int(span.get("start", 0)), int(span.get("end", 0))
            if 0 <= start < end <= len(answer):
                pieces.append((start, end, index))
    badges: dict[int, list[str]] = {}
    for citation in result.get("citations", []):
        end = int(citation.get("span", {}).get("end", 0))
        status = status_of(citation)
        tip = f"{citation.get('raw', '')}: {status} — {citation.get('detail', '')}"
        badges.setdefault(min(end, len(answer)), []).append(
            f'<span class="badge st-{escape(status)}" title="{escape(tip)}">'
            f"{escape(status.replace('_', ' '))}</span>"
        )
    cuts = sorted({0, len(answer), *badges, *(p[0] for p in pieces), *(p[1] for p in pieces)})
    html = []
    for start, end in pairwise(cuts):
        text = escape(answer[start:end])
        covering = sorted({i for s, e, i in pieces if s <= start and end <= e})
        if covering:
            worst = min((label_of(claims[i]) for i in covering), key=LABELS.index)
            tip = "; ".join(_tip(claims[i]) for i in covering)
            ids = " ".join(map(str, covering))
            text = (
                f'<mark class="lbl-{worst}" tabindex="0" data-answer="{key}" '
                f'data-claims="{ids}" title="{escape(tip)}">{text}</mark>'
            )
        html.append(text)
        html.extend(badges.get(end, []))
    return "".join(html)


def _tip(claim: Mapping[str, Any]) -> str:
    label = label_of(claim)
    if label == "unchecked":
        return f"not checkable ({claim.get('notCheckableReason', '')})"
    return f"{label} {float(claim.get('supportScore', 0.0)):.2f}"


def answer_card(row: AnswerRow, key: str, caption: str = "") -> str:
    """The card of one answer: heading, its fields, the question, the marked answer.

    ``key`` names the answer's claim details in the page data (see page.page).
    """
    fields = " ".join(
        f'<span class="field">{escape(str(k))}: {escape(str(v))}</span>'
        for k, v in row.fields.items()
        if isinstance(v, str | int | float | bool)
    )
    state = "error" if row.result is None else ("hallucinated" if row.hallucinated else "ok")
    head = f'<h3 id="answer-{key}">{escape(caption or row.id)}</h3>{fields}'
    question = f'<p class="question">Q: {escape(row.question)}</p>' if row.question else ""
    if row.result is None:
        body = f'<p class="error">error: {escape(row.error or "")}</p>'
    else:
        summary = row.summary
        body = (
            f'<p class="answer">{highlighted(row.answer, key, row.result)}</p>'
            f'<p class="summary">factual precision {percent(row.precision)} · '
            f"{summary.get('supported', 0)} supported, {summary.get('contradicted', 0)} "
            f"contradicted, {summary.get('unverifiable', 0)} unverifiable, "
            f"{summary.get('notCheckable', 0)} not checkable · citations "
            f"{row.citations} ({row.fabricated} fabricated)</p>"
        )
    return f'<article class="card {state}" data-state="{state}">{head}{question}{body}</article>'
