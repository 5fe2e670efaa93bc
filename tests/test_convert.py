"""service.transport.convert and the SDK's _convert must agree on every field of the contract.

Records go pipeline -> protobuf -> bytes -> SDK types (responses) and SDK arguments -> protobuf
-> bytes -> pipeline records (requests), so a field dropped or renamed on either side fails.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

import veracity_client as vc
from retrieval.types import CollectionStats, DeleteReport, Document, Origin, Passage, UpsertReport
from service.transport import convert
from service.types import (
    CheckCompleted,
    CheckEvent,
    CheckOptions,
    CheckRequest,
    CheckResult,
    Citation,
    CitationKind,
    CitationRecord,
    CitationStatus,
    Claim,
    ClaimResult,
    Summary,
    SupportLabel,
    Verdict,
    Versions,
)
from veracity_client import _convert as sdk
from veracity_client.errors import error_from_rpc
from veracity_client.v1 import veracity_pb2 as pb


def _wire(message: Any) -> Any:
    """The message as the other side receives it."""
    return type(message).FromString(message.SerializeToString())


PASSAGES = [
    Passage("doc-1", "Paris is the capital of France.", 0, 31, "France", "https://x/1", 0.5),
    Passage("context-0", "Paris lies on the Seine.", 10, 34, "", "", 0.25, Origin.CONTEXT),
]
VERIFIED = ClaimResult(
    0,
    Claim("Paris is the capital of France.", 0, 31),
    Verdict(SupportLabel.SUPPORTED, 0.875, PASSAGES, decisive=1),
)
NOT_CHECKABLE = ClaimResult(1, Claim("Hope this helps!", 32, 48, False, "a pleasantry"), None)
CITATIONS = [
    Citation(
        "doi:10.1000/xyz",
        50,
        65,
        CitationKind.DOI,
        "10.1000/xyz",
        CitationStatus.VERIFIED,
        "title matches",
        CitationRecord("A Paper", ["Ada", "Bob"], 2020, "Nature", "10.1000/xyz", "", "crossref"),
        ["crossref"],
    ),
    Citation("arXiv:9999.0000", 70, 85, CitationKind.ARXIV, "9999.0000", CitationStatus.NOT_FOUND),
]
SUMMARY = Summary(2, 1, 1, 0, 0, 1, 1.0, 2, 1, SupportLabel.SUPPORTED)
VERSIONS = Versions("claims/1", "faiss/1", "minilm/1", "cosine/1", "regex/1", "v7", "veracity/0.1")


def test_every_pipeline_enum_member_has_a_proto_value_and_an_sdk_member() -> None:
    pairs = [
        (SupportLabel, vc.SupportLabel),
        (Origin, vc.EvidenceOrigin),
        (CitationKind, vc.CitationKind),
        (CitationStatus, vc.CitationStatus),
    ]
    for pipeline_enum, sdk_enum in pairs:
        for member in pipeline_enum:
            assert sdk_enum(member.value).name == member.name
            assert convert.enum_to_proto(member).endswith("_" + member.name)


def test_check_result_round_trip_marks_the_decisive_passage() -> None:
    result = CheckResult([VERIFIED, NOT_CHECKABLE], CITATIONS, SUMMARY, VERSIONS, "demo")

    got = sdk.check_result(_wire(convert.check_result_to_proto(result)))

    verified, not_checkable = got.claims
    assert verified.label is vc.SupportLabel.SUPPORTED
    assert verified.support_score == 0.875
    assert verified.span == vc.Span(0, 31)
    assert [e.decisive for e in verified.evidence] == [False, True]
    assert verified.evidence[0] == vc.Evidence(
        "doc-1",
        "France",
        "https://x/1",
        "Paris is the capital of France.",
        vc.Span(0, 31),
        0.5,
        vc.EvidenceOrigin.CORPUS,
        False,
    )
    assert verified.evidence[1].origin is vc.EvidenceOrigin.CONTEXT
    assert not_checkable.label is None
    assert not not_checkable.checkable
    assert not_checkable.not_checkable_reason == "a pleasantry"
    assert not_checkable.evidence == ()

    resolved, unresolved = got.citations
    assert resolved.kind is vc.CitationKind.DOI
    assert resolved.status is vc.CitationStatus.VERIFIED
    assert resolved.resolved == vc.CitationRecord(
        "A Paper", ("Ada", "Bob"), 2020, "Nature", "10.1000/xyz", "", "crossref"
    )
    assert resolved.checked_sources == ("crossref",)
    assert unresolved.status is vc.CitationStatus.NOT_FOUND
    assert unresolved.resolved is None

    assert got.summary == vc.Summary(2, 1, 1, 0, 0, 1, 1.0, 2, 1, vc.SupportLabel.SUPPORTED)
    assert got.versions == vc.Versions(*(getattr(VERSIONS, f) for f in vc.Versions.__annotations__))
    assert got.collection == "demo"


def test_no_decisive_passage_flags_none() -> None:
    verdict = Verdict(SupportLabel.UNVERIFIABLE, 0.1, PASSAGES, decisive=None)
    message = _wire(convert.claim_result_to_proto(ClaimResult(0, VERIFIED.claim, verdict)))
    assert [e.decisive for e in message.evidence] == [False, False]
    assert sdk.claim(message).label is vc.SupportLabel.UNVERIFIABLE


def test_the_deciding_path_of_a_cascade_reaches_the_sdk() -> None:
    verdict = Verdict(SupportLabel.CONTRADICTED, 0.5, PASSAGES, decisive=0, decided_by="llm-judge")
    message = _wire(convert.claim_result_to_proto(ClaimResult(0, VERIFIED.claim, verdict)))
    assert sdk.claim(message).decided_by == "llm-judge"


def test_decisive_index_outside_the_evidence_raises() -> None:
    verdict = Verdict(SupportLabel.SUPPORTED, 0.9, PASSAGES, decisive=2)
    with pytest.raises(ValueError, match="decisive index 2"):
        convert.claim_result_to_proto(ClaimResult(0, VERIFIED.claim, verdict))


def test_stream_events_round_trip_in_kind_and_content() -> None:
    completed = CheckCompleted(
        Summary(0, 0, 0, 0, 0, 0, 0.0, 0, 0, answer_label=None), VERSIONS, "demo"
    )
    events: list[CheckEvent] = [VERIFIED, CITATIONS[0], completed]

    got = [sdk.stream_event(_wire(convert.check_event_to_proto(e))) for e in events]

    assert isinstance(got[0], vc.Claim)
    assert got[0].evidence[1].decisive
    assert isinstance(got[1], vc.Citation)
    assert got[1].identifier == "10.1000/xyz"
    assert isinstance(got[2], vc.CheckCompleted)
    assert got[2].summary.answer_label is None
    assert got[2].collection == "demo"


def _check_request(**overrides: Any) -> CheckRequest:
    arguments: dict[str, Any] = {
        "question": "",
        "context": (),
        "collection": "",
        "top_k": 0,
        "supported_threshold": None,
        "contradicted_threshold": None,
        "skip_claims": False,
        "skip_citations": False,
        "context_only": False,
    }
    arguments.update(overrides)
    message = _wire(sdk.check_request("An answer.", **arguments))
    return convert.check_request_from_proto(message, default_top_k=5)


def test_check_request_round_trip_keeps_every_option() -> None:
    request = _check_request(
        question="Q?",
        collection="papers",
        top_k=3,
        supported_threshold=0.75,
        contradicted_threshold=0.5,
        skip_citations=True,
        context_only=True,
        context=[{"id": "mine", "text": "T", "metadata": {"k": "v"}}],
    )
    assert request == CheckRequest(
        answer="An answer.",
        question="Q?",
        context=[Document(id="mine", text="T", metadata={"k": "v"})],
        collection="papers",
        options=CheckOptions(3, 0.75, 0.5, False, True, True),
    )


def test_unset_thresholds_stay_none_and_zero_stays_zero() -> None:
    assert _check_request().options == CheckOptions(top_k=5)
    zero = _check_request(supported_threshold=0.0, contradicted_threshold=0.0).options
    assert (zero.supported_threshold, zero.contradicted_threshold) == (0.0, 0.0)


def test_context_documents_without_id_are_numbered_by_position() -> None:
    context = ["first", vc.Document("second", id="kept"), {"text": "third", "title": "T"}]
    documents = _check_request(context=context).context
    assert [d.id for d in documents] == ["context-0", "kept", "context-2"]
    assert documents[2].title == "T"


def test_document_dict_with_an_unknown_key_is_refused() -> None:
    with pytest.raises(TypeError):
        sdk.document_to_proto({"text": "x", "body": "y"})


def test_corpus_results_round_trip() -> None:
    upsert = UpsertReport("papers", 2, 7, [("bad", "empty text")], "v2")
    assert sdk.upsert_result(_wire(convert.upsert_report_to_proto(upsert))) == vc.UpsertResult(
        "papers", 2, 7, (vc.DocumentError("bad", "empty text"),), "v2"
    )
    delete = DeleteReport(1, ["gone"], "v3")
    assert sdk.delete_result(_wire(convert.delete_report_to_proto(delete))) == vc.DeleteResult(
        1, ("gone",), "v3"
    )
    stats = [CollectionStats("demo", 10, 40, "v1", "minilm", "flat")]
    assert sdk.corpus_stats(_wire(convert.corpus_stats_to_proto(stats))) == [
        vc.CollectionStats("demo", 10, 40, "v1", "minilm", "flat")
    ]
    evidence = sdk.search_result(_wire(convert.search_result_to_proto(PASSAGES, "v1")))
    assert [e.document_id for e in evidence] == ["doc-1", "context-0"]
    assert not any(e.decisive for e in evidence)


def test_upsert_stream_names_the_collection_first() -> None:
    messages = list(sdk.upsert_requests(["a", {"id": "b", "text": "b"}], "papers"))
    assert messages[0] == pb.UpsertDocumentsRequest(collection="papers")
    assert [m.document.text for m in messages[1:]] == ["a", "b"]


class _FailedCall(grpc.RpcError):
    """What a stub raises: an RpcError that is also a grpc.Call."""

    def __init__(self, status: grpc.Status) -> None:
        self._status = status

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return str(self._status.details)

    def trailing_metadata(self) -> Any:
        return self._status.trailing_metadata


def test_sdk_reads_the_bad_request_detail_the_server_sends() -> None:
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="answer", description="empty")
        ]
    )
    detail = any_pb2.Any()
    detail.Pack(bad_request)
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="bad", details=[detail])

    error = error_from_rpc(_FailedCall(rpc_status.to_status(status)))

    assert isinstance(error, vc.InvalidArgumentError)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.message == "bad"
    assert error.violations == (vc.FieldViolation("answer", "empty"),)


def test_codes_without_a_class_of_their_own_are_plain_veracity_errors() -> None:
    status = status_pb2.Status(code=code_pb2.PERMISSION_DENIED, message="no")
    error = error_from_rpc(_FailedCall(rpc_status.to_status(status)))
    assert type(error) is vc.VeracityError
    assert error.violations == ()


def test_claim_provenance_and_assertiveness_round_trip() -> None:
    from service.types import Assertiveness

    claim = Claim(
        "Jobs sold Apple in 1985.",
        0,
        46,
        spans=((0, 4), (31, 46)),
        assertiveness=Assertiveness.HEDGED,
        hedge_cues=("may",),
    )
    verdict = Verdict(SupportLabel.UNVERIFIABLE, 0.2, [])
    for message in (
        convert.claim_to_proto(3, claim),
        convert.claim_result_to_proto(ClaimResult(3, claim, verdict)),
    ):
        got = sdk.claim(_wire(message))
        assert got.source_spans == (vc.Span(0, 4), vc.Span(31, 46))
        assert got.assertiveness is vc.Assertiveness.HEDGED
        assert got.hedge_cues == ("may",)
    plain = sdk.claim(_wire(convert.claim_to_proto(0, VERIFIED.claim)))
    assert plain.source_spans == (vc.Span(0, 31),)
    assert plain.assertiveness is vc.Assertiveness.ASSERTED
    summary = Summary(3, 3, 1, 1, 1, 0, 1 / 3, 0, 0, SupportLabel.CONTRADICTED, 1, 1)
    got_summary = sdk.summary(_wire(convert.summary_to_proto(summary)))
    assert (got_summary.unsupported_asserted, got_summary.unsupported_hedged) == (1, 1)
    assert vc.Assertiveness("hedged").name == Assertiveness.HEDGED.name
