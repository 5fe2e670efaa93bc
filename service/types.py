"""The checking pipeline's own records; gRPC messages are made from them in service.convert."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from retrieval.types import Document, Passage


class SupportLabel(Enum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    UNVERIFIABLE = "unverifiable"


class Assertiveness(Enum):
    """How strongly the answer commits to a claim; a hedged unsupported claim is an admitted
    uncertainty, not a confident hallucination."""

    ASSERTED = "asserted"
    HEDGED = "hedged"


class CitationKind(Enum):
    DOI = "doi"
    ARXIV = "arxiv"
    PMID = "pmid"
    PMCID = "pmcid"
    ISBN = "isbn"
    URL = "url"
    REFERENCE = "reference"


class CitationStatus(Enum):
    VERIFIED = "verified"
    MISMATCHED = "mismatched"
    NOT_FOUND = "not_found"
    DEAD_LINK = "dead_link"
    UNAVAILABLE = "unavailable"
    RETRACTED = "retracted"


#: Statuses that mean the cited work was made up or attributed to another work.
FABRICATED_STATUSES = frozenset({CitationStatus.NOT_FOUND, CitationStatus.MISMATCHED})


@dataclass(frozen=True)
class Claim:
    """An atomic statement with its [start, end) character span in the answer.

    ``text`` may be rewritten (split out of a longer sentence, pronouns resolved), so it need
    not equal ``answer[start:end]``; ``start``/``end`` is the tightest answer range covering
    every piece in ``spans`` (the answer pieces the claim was built from, in answer order).
    Empty ``spans`` means the single piece (start, end).
    """

    text: str
    start: int
    end: int
    checkable: bool = True
    not_checkable_reason: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    assertiveness: Assertiveness = Assertiveness.ASSERTED
    # The words that made the claim hedged ("may", "reportedly", ...).
    hedge_cues: tuple[str, ...] = ()
    # The whole sentence, when the claim is one of several split out of it
    # (service.verification.sentences).
    sentence: str = ""

    @property
    def source_spans(self) -> tuple[tuple[int, int], ...]:
        return self.spans or ((self.start, self.end),)


@dataclass(frozen=True)
class NLIProbabilities:
    """Probabilities that a passage entails, contradicts, or says nothing of a claim."""

    entailed: float
    contradicted: float
    neutral: float


@dataclass(frozen=True)
class Verdict:
    """A verifier's judgement of one claim against its evidence.

    ``evidence`` is ranked most relevant first; ``decisive`` indexes the passage that decided
    the label, or is None when no passage was decisive.
    """

    label: SupportLabel
    support_score: float
    evidence: list[Passage]
    decisive: int | None = None
    # The decisive passage's class probabilities, from verifiers that give them.
    probabilities: NLIProbabilities | None = None
    # Which path of a cascade decided the label ("model" or "llm-judge"); empty outside one.
    decided_by: str = ""


@dataclass(frozen=True)
class ClaimResult:
    index: int
    claim: Claim
    verdict: Verdict | None


@dataclass(frozen=True)
class CitationRecord:
    title: str = ""
    authors: list[str] = field(default_factory=list)
    year: int = 0
    venue: str = ""
    doi: str = ""
    url: str = ""
    source: str = ""


@dataclass(frozen=True)
class Citation:
    raw: str
    start: int
    end: int
    kind: CitationKind
    identifier: str
    status: CitationStatus
    detail: str = ""
    resolved: CitationRecord | None = None
    checked_sources: list[str] = field(default_factory=list)
    # The reference-list entry an inline mention ("[3]", "(Smith et al., 2020)") points at.
    linked_reference: str = ""
    # The sentence carrying the citation, checked against the cited work's abstract.
    claim: str = ""
    claim_support: SupportLabel | None = None
    claim_support_score: float = 0.0


@dataclass(frozen=True)
class CheckOptions:
    top_k: int = 5
    supported_threshold: float | None = None
    contradicted_threshold: float | None = None
    skip_claims: bool = False
    skip_citations: bool = False
    context_only: bool = False


@dataclass(frozen=True)
class CheckRequest:
    answer: str
    question: str = ""
    context: list[Document] = field(default_factory=list)
    collection: str = ""
    options: CheckOptions = field(default_factory=CheckOptions)


@dataclass(frozen=True)
class Summary:
    claims_total: int
    checkable: int
    supported: int
    contradicted: int
    unverifiable: int
    not_checkable: int
    factual_precision: float
    citations_total: int
    fabricated_citations: int
    answer_label: SupportLabel | None
    # Contradicted or unverifiable claims stated as fact, and those the answer hedged.
    unsupported_asserted: int = 0
    unsupported_hedged: int = 0


@dataclass(frozen=True)
class Versions:
    claim_extractor: str
    retriever: str
    embedder: str
    verifier: str
    citation_checker: str
    index_version: str
    server: str


@dataclass(frozen=True)
class CheckCompleted:
    """The last event of a check: the aggregate over every claim and citation."""

    summary: Summary
    versions: Versions
    collection: str
    # Seconds each stage took ("claims", "retrieval", "verify", "citations"); skipped stages
    # are absent.
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    claims: list[ClaimResult]
    citations: list[Citation]
    summary: Summary
    versions: Versions
    collection: str
    timings: dict[str, float] = field(default_factory=dict)


#: One event of a streamed check, in order: every ClaimResult, every Citation, one CheckCompleted.
CheckEvent = ClaimResult | Citation | CheckCompleted
