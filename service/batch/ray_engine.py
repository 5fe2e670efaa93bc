"""The batch engine on Ray Data: the same Checker, in actors, across a cluster.

Three stages over the dataset of requests:

1. every answer's citations are found (cheap, regex) and their look-ups deduplicated across
   the whole dataset, so a DOI cited by a thousand answers is asked about once;
2. the unique look-ups run in one stage of a single actor, whose HTTP client keeps the
   per-host rate limits the bibliographic APIs ask for (N workers each keeping them would
   send N times the allowed rate);
3. ``map_batches`` runs the answers on a pool of Checker actors, each loading the models and
   opening the index once; their citations are answered from the table of stage 2.

Only the Checker checks; this module moves requests and results. The data directory (corpus,
citation cache) must be readable on every node, as it is on one machine.
"""

from __future__ import annotations

import fcntl
import json
import logging
import pickle
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from retrieval.citations.types import Found, WorkRecord
from retrieval.citations.verify import UNAVAILABLE, CitationVerdict
from service.batch.run import Done, check_one, checker_fn
from service.citations.stage import lookup_key, lookup_target
from service.config import Settings
from veracity_client.v1 import veracity_pb2 as pb

Batch = Mapping[str, Any]


def _record_key(record: WorkRecord) -> tuple[str, str, str]:
    return (record.source, record.doi, record.title)


class LookupTable:
    """Citation look-ups made beforehand, answered by key (service.citations.stage.Lookups).

    A look-up that raised raises again for every answer citing it, so those answers fail as
    they would in-process, and only they.
    """

    def __init__(
        self,
        verdicts: Mapping[Hashable, CitationVerdict],
        abstracts: Mapping[tuple[str, str, str], str],
        failures: Mapping[Hashable, Exception] | None = None,
    ) -> None:
        self.verdicts = dict(verdicts)
        self.abstracts = dict(abstracts)
        self.failures = dict(failures or {})

    def verify(self, found: Found) -> CitationVerdict:
        failure = self.failures.get(lookup_key(found))
        if failure is not None:
            raise failure
        verdict = self.verdicts.get(lookup_key(found))
        return verdict or CitationVerdict(UNAVAILABLE, "not in the batch's look-up table")

    def abstract(self, record: WorkRecord) -> str:
        return self.abstracts.get(_record_key(record), record.abstract)


def citation_targets(batch: Batch) -> dict[str, list[bytes]]:
    """Stage 1: the look-up target of every citation in a batch of answers (pickled)."""
    from retrieval.citations.extract import extract

    targets: list[bytes] = []
    for payload in batch["request"]:
        request = pb.CheckAnswerRequest.FromString(payload)
        if request.options.skip_citations or not request.answer.strip():
            continue
        found = extract(request.answer)
        targets.extend(pickle.dumps(lookup_target(found, item)) for item in found)
    return {"target": targets}


class CitationLookups:
    """Stage 2, one actor: each unique citation looked up live, through the rate limits."""

    def __init__(self, settings: Settings) -> None:
        from service.citations.stage import build_resolver

        self.resolver = build_resolver(settings.citations, settings.data_dir)
        self.abstracts = settings.citations.check_claim_support

    def __call__(self, batch: Batch) -> dict[str, list[Any]]:
        verdicts, abstracts = [], []
        for payload in batch["target"]:
            try:
                verdict = self.resolver.verify(pickle.loads(payload))
                record = verdict.record if self.abstracts else None
                abstract = self.resolver.abstract(record) if record is not None else ""
            except Exception as exc:  # the answers citing it fail; the others go on
                verdicts.append(pickle.dumps(_picklable(exc)))
                abstracts.append("")
                continue
            verdicts.append(pickle.dumps(verdict))
            abstracts.append(abstract)
        return {"target": list(batch["target"]), "verdict": verdicts, "abstract": abstracts}


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(str(exc) or type(exc).__name__)
    return exc


class CheckerActor:
    """Stage 3: one Checker per actor, loaded once; citations answered from the table."""

    def __init__(self, settings: Settings, lookups: Any) -> None:
        import ray

        from service.citations.stage import LiveCitationChecker, abstract_support
        from service.pipeline.checker import Checker

        table: LookupTable = ray.get(lookups) if isinstance(lookups, ray.ObjectRef) else lookups
        # Actors on one node share the data directory: the first one indexes the demo corpus,
        # the others wait for it instead of indexing it at the same time.
        with _node_lock(settings.data_dir / "ray-actor.lock"):
            loaded = Checker.from_settings(settings)
        support = (
            abstract_support(loaded.verifier) if settings.citations.check_claim_support else None
        )
        checker = Checker(
            settings,
            store=loaded.store,
            extractor=loaded.extractor,
            verifier=loaded.verifier,
            citations=LiveCitationChecker(table, support),
        )
        self.check = checker_fn(checker)

    def __call__(self, batch: Batch) -> dict[str, list[Any]]:
        positions, results, errors = [], [], []
        for position, payload in zip(batch["position"], batch["request"], strict=True):
            done = check_one(int(position), self.check, pb.CheckAnswerRequest.FromString(payload))
            positions.append(done.position)
            results.append(json.dumps(done.result) if done.result is not None else "")
            errors.append(done.error or "")
        return {"position": positions, "result": results, "error": errors}


@contextmanager
def _node_lock(path: Path) -> Iterator[None]:
    """An exclusive file lock, held across the processes of one node."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class RayEngine:
    """Runs a batch on Ray Data; ``address`` None starts (or joins) a local Ray instance.

    ``lookups`` is how many unique citation look-ups the last run made (stage 2).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        actors: int = 1,
        batch_size: int = 8,
        address: str | None = None,
    ) -> None:
        self.settings = settings
        self.actors = actors
        self.batch_size = batch_size
        self.address = address
        self.lookups = 0

    def run(self, requests: Sequence[pb.CheckAnswerRequest]) -> Iterator[Done]:
        if not requests:
            return
        ray = _start_ray(self.address)
        rows = [{"position": i, "request": r.SerializeToString()} for i, r in enumerate(requests)]
        answers = ray.data.from_items(rows)
        table = ray.put(self._lookup_table(answers))
        checked = answers.map_batches(
            CheckerActor,
            fn_constructor_kwargs={"settings": self.settings, "lookups": table},
            batch_size=self.batch_size,
            compute=ray.data.ActorPoolStrategy(size=self.actors),
        )
        for batch in checked.iter_batches(batch_size=None, batch_format="default"):
            for position, result, error in zip(
                batch["position"], batch["result"], batch["error"], strict=True
            ):
                yield Done(int(position), json.loads(result) if result else None, error or None)

    def _lookup_table(self, answers: Any) -> LookupTable:
        """Stages 1 and 2: every unique citation of the dataset looked up once."""
        import ray.data

        unique: dict[Hashable, bytes] = {}
        for batch in answers.map_batches(citation_targets).iter_batches(batch_size=None):
            for payload in batch["target"]:
                unique.setdefault(lookup_key(pickle.loads(payload)), payload)
        self.lookups = len(unique)
        if not unique:
            return LookupTable({}, {})
        looked_up = ray.data.from_items([{"target": t} for t in unique.values()]).map_batches(
            CitationLookups,
            fn_constructor_kwargs={"settings": self.settings},
            batch_size=16,
            compute=ray.data.ActorPoolStrategy(size=1),
        )
        verdicts: dict[Hashable, CitationVerdict] = {}
        abstracts: dict[tuple[str, str, str], str] = {}
        failures: dict[Hashable, Exception] = {}
        for row in looked_up.iter_rows():
            key = lookup_key(pickle.loads(row["target"]))
            verdict: CitationVerdict | Exception = pickle.loads(row["verdict"])
            if isinstance(verdict, Exception):
                failures[key] = verdict
                continue
            verdicts[key] = verdict
            if verdict.record is not None and row["abstract"]:
                abstracts[_record_key(verdict.record)] = row["abstract"]
        return LookupTable(verdicts, abstracts, failures)


def _start_ray(address: str | None) -> Any:
    """Ray, initialised once per process: joins ``address`` or starts a local instance."""
    import ray
    import ray.data

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the batch has its own progress line
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    return ray
