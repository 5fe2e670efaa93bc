"""Human-readable rendering of a CheckAnswerResponse for the terminal (rich)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group
from rich.table import Table
from rich.text import Text

from veracity_client.v1 import veracity_pb2 as pb

_LABEL_STYLE = {
    pb.SUPPORT_LABEL_SUPPORTED: ("supported", "green"),
    pb.SUPPORT_LABEL_CONTRADICTED: ("contradicted", "bold red"),
    pb.SUPPORT_LABEL_UNVERIFIABLE: ("unverifiable", "yellow"),
}
_STATUS_STYLE = {
    pb.CITATION_STATUS_VERIFIED: "green",
    pb.CITATION_STATUS_MISMATCHED: "bold red",
    pb.CITATION_STATUS_NOT_FOUND: "bold red",
    pb.CITATION_STATUS_DEAD_LINK: "red",
    pb.CITATION_STATUS_RETRACTED: "bold red",
    pb.CITATION_STATUS_UNAVAILABLE: "dim",
}


def render_response(response: pb.CheckAnswerResponse, title: str = "") -> Group:
    """A per-claim table, the citations, and a one-line summary."""
    claims = Table(title=title or None, title_justify="left", expand=True, show_lines=False)
    claims.add_column("#", justify="right", width=3)
    claims.add_column("claim", ratio=5)
    claims.add_column("label", width=13)
    claims.add_column("score", justify="right", width=5)
    claims.add_column("evidence", ratio=3)
    for claim in response.claims:
        if claim.checkable:
            name, style = _LABEL_STYLE.get(claim.label, ("-", ""))
            label = Text(name, style=style)
            score = f"{claim.support_score:.2f}"
        else:
            label = Text(f"({claim.not_checkable_reason})", style="dim")
            score = ""
        text = Text(claim.text)
        if claim.assertiveness == pb.ASSERTIVENESS_HEDGED:
            # Marked so that a hedged unsupported claim does not read as a confident one.
            text.append(" (hedged)", style="italic dim")
        claims.add_row(str(claim.index), text, label, score, _evidence_cell(claim))
    parts: list[Table | Text] = [claims]
    if response.citations:
        parts.append(_citations_table(response.citations))
    parts.append(_summary_line(response.summary))
    return Group(*parts)


def _evidence_cell(claim: pb.Claim) -> str:
    decisive = next((e for e in claim.evidence if e.decisive), None)
    evidence = decisive or (claim.evidence[0] if claim.evidence else None)
    if evidence is None:
        return ""
    snippet = evidence.text if len(evidence.text) <= 90 else evidence.text[:87] + "..."
    return f"{evidence.title or evidence.document_id}: {snippet}"


def _citations_table(citations: Iterable[pb.Citation]) -> Table:
    table = Table(expand=True, title="citations", title_justify="left")
    table.add_column("citation", ratio=2)
    table.add_column("kind", width=9)
    table.add_column("status", width=12)
    table.add_column("detail", ratio=3)
    for citation in citations:
        kind = pb.CitationKind.Name(citation.kind).removeprefix("CITATION_KIND_").lower()
        status = pb.CitationStatus.Name(citation.status).removeprefix("CITATION_STATUS_").lower()
        style = _STATUS_STYLE.get(citation.status, "")
        table.add_row(citation.raw, kind, Text(status, style=style), citation.detail)
    return table


def _summary_line(summary: pb.Summary) -> Text:
    answer = _LABEL_STYLE.get(summary.answer_label, ("no checkable claim", "dim"))
    text = Text("answer: ")
    text.append(answer[0], style=answer[1])
    text.append(
        f"  claims {summary.claims_total} (checkable {summary.checkable}: "
        f"{summary.supported} supported, {summary.contradicted} contradicted, "
        f"{summary.unverifiable} unverifiable; unsupported {summary.unsupported_asserted} "
        f"asserted, {summary.unsupported_hedged} hedged)  factual precision "
        f"{summary.factual_precision:.2f}  citations {summary.citations_total} "
        f"(fabricated {summary.fabricated_citations})"
    )
    return text
