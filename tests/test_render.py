"""The terminal table marks hedged claims and counts unsupported claims by assertiveness."""

from __future__ import annotations

from rich.console import Console

from service.report.render import render_response
from veracity_client.v1 import veracity_pb2 as pb


def test_hedged_claims_are_marked_and_counted_apart() -> None:
    response = pb.CheckAnswerResponse(
        claims=[
            pb.Claim(index=0, text="Paris is in France.", checkable=True,
                     label=pb.SUPPORT_LABEL_SUPPORTED, assertiveness=pb.ASSERTIVENESS_ASSERTED),
            pb.Claim(index=1, text="It may have 3 million people.", checkable=True,
                     label=pb.SUPPORT_LABEL_UNVERIFIABLE, assertiveness=pb.ASSERTIVENESS_HEDGED),
        ],
        summary=pb.Summary(claims_total=2, checkable=2, supported=1, unverifiable=1,
                           unsupported_hedged=1),
    )  # fmt: skip
    console = Console(width=200, record=True)
    console.print(render_response(response))
    out = console.export_text()
    assert "It may have 3 million people. (hedged)" in out
    assert "Paris is in France. (hedged)" not in out
    assert "unsupported 0 asserted, 1 hedged" in out
