"""The one in-process Checker: claims -> evidence -> verdicts -> citations.

The gRPC server, the CLI and batch runs are thin layers over this class. It validates what it
is given (raising service.errors), and it never imports gRPC.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from retrieval.types import CollectionStats, DeleteReport, Document, Passage, UpsertReport
from service import __version__, deadlines
from service.config import EMBEDDING_CACHE_SIZE, Settings
from service.errors import FieldViolation, InvalidArgument, NotFound
from service.pipeline.summary import summarize
from service.stages import CitationChecker, ClaimExtractor, EvidenceStore, Thresholds, Verifier
from service.types import (
    CheckCompleted,
    CheckEvent,
    CheckRequest,
    CheckResult,
    Citation,
    Claim,
    ClaimResult,
    Verdict,
    Versions,
)
from service.verification.sentences import with_sentence_verdict

if TYPE_CHECKING:
    from retrieval.embedder import Embedder


class Checker:
    """Checks answers against a corpus; safe to call from several threads at once."""

    def __init__(
        self,
        settings: Settings,
        store: EvidenceStore,
        extractor: ClaimExtractor,
        verifier: Verifier,
        citations: CitationChecker,
    ) -> None:
        self.settings = settings
        self.store = store
        self.extractor = extractor
        self.verifier = verifier
        self.citations = citations
        self._seed_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Checker:
        """Load the shipped models and open the corpus under ``settings.data_dir``.

        ``embedder`` replaces the shipped one (the server passes one that batches requests);
        by default it is the shipped one with a cache, so that the verifier's look at a claim's
        vector after the search embedded it costs no second model call.
        """
        # Imported here so that importing this module stays cheap (no torch, no spaCy).
        from retrieval.store import CorpusStore
        from service.citations.stage import LiveCitationChecker, abstract_support
        from service.claims import make_extractor
        from service.pipeline.batching import BatchedEmbedder
        from service.verification.cascade import with_judge
        from service.verification.factory import make_verifier

        embedder = embedder or BatchedEmbedder.caching(EMBEDDING_CACHE_SIZE)
        store = CorpusStore(settings.data_dir / "corpus", embedder)
        verifier = with_judge(
            make_verifier(settings.verifier, embedder, settings.data_dir / "models"), settings.llm
        )
        citations = LiveCitationChecker.from_settings(
            settings.citations, settings.data_dir, support=abstract_support(verifier)
        )
        checker = cls(
            settings,
            store=store,
            extractor=make_extractor(settings.llm),
            verifier=verifier,
            citations=citations,
        )
        checker.ensure_default_collection()
        return checker

    def ensure_default_collection(self) -> None:
        """Index the shipped demo corpus as the default collection when it does not exist."""
        if not self.settings.seed_demo_corpus:
            return
        with self._seed_lock:
            name = self.settings.default_collection
            if not self.store.has_collection(name):
                from service.pipeline.demo import demo_corpus

                self.store.upsert(name, demo_corpus())

    # -- checking -----------------------------------------------------------------------------

    def check(self, request: CheckRequest) -> CheckResult:
        """Check one answer and return every result at once."""
        claims: list[ClaimResult] = []
        citations: list[Citation] = []
        completed: CheckCompleted | None = None
        for event in self.iter_check(request):
            if isinstance(event, ClaimResult):
                claims.append(event)
            elif isinstance(event, Citation):
                citations.append(event)
            else:
                completed = event
        assert completed is not None, "iter_check always ends with CheckCompleted"
        return CheckResult(
            claims=claims,
            citations=citations,
            summary=completed.summary,
            versions=completed.versions,
            collection=completed.collection,
            timings=completed.timings,
        )

    def iter_check(self, request: CheckRequest) -> Iterator[CheckEvent]:
        """Check one answer, yielding each claim as soon as it is verified, then each citation,
        then the summary. Invalid requests raise before anything is yielded."""
        collection = self._validate(request)
        options = request.options
        claim_results: list[ClaimResult] = []
        # Seconds per stage; the verify time excludes the time spent waiting for the consumer.
        timings: dict[str, float] = {}
        if not options.skip_claims:
            started = time.perf_counter()
            claims = self._extract(request.answer, request.question)
            timings["claims"] = time.perf_counter() - started
            # Claims split out of one sentence are also judged as that sentence
            # (service.verification.sentences).
            queries = list(
                dict.fromkeys(q for c in claims if c.checkable for q in (c.text, c.sentence) if q)
            )
            started = time.perf_counter()
            evidence = self.store.search(
                collection,
                queries,
                options.top_k or self.settings.default_top_k,
                request.context,
            )
            timings["retrieval"] = time.perf_counter() - started
            evidence_of: dict[str, list[Passage]] = dict(zip(queries, evidence, strict=True))
            thresholds = Thresholds(options.supported_threshold, options.contradicted_threshold)
            sentence_verdicts: dict[str, Verdict] = {}
            timings["verify"] = 0.0
            for index, claim in enumerate(claims):
                # A server call that was cancelled or ran out of time stops here.
                deadlines.check_current()
                started = time.perf_counter()
                verdict = None
                if claim.checkable:
                    verdict = self.verifier.verify(claim, evidence_of[claim.text], thresholds)
                if verdict is not None and claim.sentence:
                    if claim.sentence not in sentence_verdicts:
                        sentence_verdicts[claim.sentence] = self.verifier.verify(
                            replace(claim, text=claim.sentence),
                            evidence_of[claim.sentence],
                            thresholds,
                        )
                    verdict = with_sentence_verdict(
                        claim.text, verdict, sentence_verdicts[claim.sentence]
                    )
                timings["verify"] += time.perf_counter() - started
                result = ClaimResult(index, claim, verdict)
                claim_results.append(result)
                yield result
        started = time.perf_counter()
        citations = [] if options.skip_citations else self.citations.check(request.answer)
        if not options.skip_citations:
            timings["citations"] = time.perf_counter() - started
        yield from citations
        yield CheckCompleted(
            summary=summarize(claim_results, citations),
            versions=self.versions(collection),
            collection=collection or "",
            timings=timings,
        )

    def extract_claims(self, answer: str, question: str = "") -> list[Claim]:
        self._validate_answer(answer, "answer")
        return self._extract(answer, question)

    def _extract(self, answer: str, question: str) -> list[Claim]:
        """The answer's claims, refused when there are more than ``max_claims``: each claim
        costs a search and a verification, so the limit bounds one request's work."""
        claims = self.extractor.extract(answer, question)
        limit = self.settings.max_claims
        if len(claims) > limit:
            raise InvalidArgument.single(
                "answer", f"splits into {len(claims)} claims; the limit is {limit}"
            )
        return claims

    def verify_citations(self, text: str) -> list[Citation]:
        self._validate_answer(text, "text")
        return self.citations.check(text)

    def versions(self, collection: str | None) -> Versions:
        return Versions(
            claim_extractor=self.extractor.version,
            retriever=self.store.version,
            embedder=self.store.embedder_version,
            verifier=self.verifier.version,
            citation_checker=self.citations.version,
            index_version=self.store.index_version(collection) if collection else "",
            server=f"veracity/{__version__}",
        )

    # -- corpus -------------------------------------------------------------------------------

    def upsert_documents(self, collection: str, documents: Iterable[Document]) -> UpsertReport:
        name = self._collection_name(collection, "collection")
        return self.store.upsert(name, documents)

    def delete_documents(self, collection: str, document_ids: Sequence[str]) -> DeleteReport:
        name = self._existing_collection(collection, "collection")
        if not document_ids:
            raise InvalidArgument.single("document_ids", "give at least one document id")
        return self.store.delete(name, document_ids)

    def rebuild_index(self, collection: str = "") -> list[CollectionStats]:
        """Rebuild the FAISS index of ``collection`` (every collection when empty) from SQLite."""
        names = (
            [self._existing_collection(collection, "collection")]
            if collection
            else [s.name for s in self.store.stats()]
        )
        return [self.store.rebuild(name) for name in names]

    def corpus_stats(self, collection: str = "") -> list[CollectionStats]:
        if collection:
            self._existing_collection(collection, "collection")
        return self.store.stats(collection or None)

    def search_evidence(
        self,
        query: str,
        collection: str = "",
        top_k: int = 0,
        context: Sequence[Document] = (),
        context_only: bool = False,
    ) -> tuple[list[Passage], str]:
        """Passages for one query, and the index version of the collection searched."""
        violations = []
        if not query.strip():
            violations.append(FieldViolation("query", "must not be empty"))
        violations += self._top_k_violations(top_k, "top_k")
        violations += self._context_violations(context, "context")
        if violations:
            raise InvalidArgument(violations)
        name = None if context_only else self._existing_collection(collection, "collection")
        if context_only and not context:
            raise InvalidArgument.single("context", "context_only needs context documents")
        k = top_k or self.settings.default_top_k
        passages = self.store.search(name, [query], k, context)[0]
        return passages, self.store.index_version(name) if name else ""

    # -- validation ---------------------------------------------------------------------------

    def _validate(self, request: CheckRequest) -> str | None:
        """Raise InvalidArgument listing every bad field; return the collection to search."""
        violations = self._answer_violations(request.answer, "answer")
        violations += self._top_k_violations(request.options.top_k, "options.top_k")
        violations += self._context_violations(request.context, "context")
        for name, value in (
            ("options.supported_threshold", request.options.supported_threshold),
            ("options.contradicted_threshold", request.options.contradicted_threshold),
        ):
            if value is not None and not 0.0 <= value <= 1.0:
                violations.append(FieldViolation(name, f"must be within [0, 1], got {value}"))
        if request.options.context_only and not request.context:
            violations.append(FieldViolation("options.context_only", "needs context documents"))
        if violations:
            raise InvalidArgument(violations)
        if request.options.context_only:
            return None
        return self._existing_collection(request.collection, "collection")

    def _answer_violations(self, text: str, field: str) -> list[FieldViolation]:
        if not text.strip():
            return [FieldViolation(field, "must not be empty")]
        limit = self.settings.max_answer_chars
        if len(text) > limit:
            return [FieldViolation(field, f"has {len(text)} characters; the limit is {limit}")]
        return []

    def _validate_answer(self, text: str, field: str) -> None:
        violations = self._answer_violations(text, field)
        if violations:
            raise InvalidArgument(violations)

    def _top_k_violations(self, top_k: int, field: str) -> list[FieldViolation]:
        if 0 <= top_k <= self.settings.max_top_k:
            return []
        return [FieldViolation(field, f"must be within [0, {self.settings.max_top_k}]")]

    def _context_violations(self, context: Sequence[Document], field: str) -> list[FieldViolation]:
        limit = self.settings.max_context_documents
        if len(context) > limit:
            return [FieldViolation(field, f"has {len(context)} documents; the limit is {limit}")]
        violations = []
        for i, doc in enumerate(context):
            if not doc.text.strip():
                violations.append(FieldViolation(f"{field}[{i}].text", "must not be empty"))
            elif len(doc.text) > self.settings.max_answer_chars * 10:
                violations.append(FieldViolation(f"{field}[{i}].text", "is too long"))
        return violations

    def _collection_name(self, collection: str, field: str) -> str:
        name = collection or self.settings.default_collection
        if not _valid_collection_name(name):
            raise InvalidArgument.single(
                field, "use 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit"
            )
        return name

    def _existing_collection(self, collection: str, field: str) -> str:
        name = self._collection_name(collection, field)
        if not self.store.has_collection(name):
            raise NotFound(f"collection {name!r} does not exist")
        return name

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def _valid_collection_name(name: str) -> bool:
    return (
        0 < len(name) <= 64
        and name[0].isascii()
        and name[0].isalnum()
        and all(ch.isascii() and (ch.isalnum() or ch in "-_.") for ch in name)
    )
