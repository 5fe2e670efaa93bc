"""``--engine ray``: the same Checker on Ray Data, on a local Ray instance started once here.

The Ray results must equal the in-process Checker's on the same file, and citation look-ups
must be made once per unique citation across the whole dataset.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.batch.run import LocalEngine, checker_fn
from service.config import Settings
from veracity_client.v1 import veracity_pb2 as pb

ray = pytest.importorskip("ray", reason="ray is installed by the dev extra ('veracity[ray]')")

pytestmark = pytest.mark.timeout(600)

ANSWERS = [
    "Carbon dioxide is a greenhouse gas (doi:10.5555/example.one.2020).",
    "Sea ice in the Arctic is shrinking, see doi:10.5555/example.one.2020 and arXiv:2101.00001.",
    "The Paris Agreement was signed in 2016. Hello!",
    "Coral bleaching is caused by warm water (doi:10.5555/EXAMPLE.ONE.2020).",
]


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    """One local Ray instance for the module: starting one costs seconds."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    assert os.environ.get("VERACITY_OFFLINE") == "1", "no test may look citations up live"
    return Settings(data_dir=tmp_path_factory.mktemp("veracity-ray"))


def summaries(done: dict[int, dict]) -> list[tuple]:
    """What must agree between engines (timings differ by run)."""
    rows = []
    for position in sorted(done):
        result = done[position]
        claims = [(c["text"], c["label"], round(c["supportScore"], 4)) for c in result["claims"]]
        citations = [(c["raw"], c["status"]) for c in result.get("citations", [])]
        rows.append((claims, citations, result["summary"]))
    return rows


def test_ray_matches_the_in_process_checker(ray_local: None, settings: Settings) -> None:
    """One Ray run (an actor loads the models in seconds to a minute here, so only one)."""
    from service.batch.ray_engine import RayEngine
    from service.pipeline.checker import Checker

    requests = [pb.CheckAnswerRequest(answer=a) for a in ANSWERS]
    bad = pb.CheckAnswerRequest(answer="Water is wet.", collection="no-such-collection")
    engine = RayEngine(settings, actors=1, batch_size=2)
    on_ray = {d.position: d for d in engine.run([*requests, bad])}
    assert sorted(on_ray) == [0, 1, 2, 3, 4]
    # A bad record is its own error; the others go on.
    assert on_ray.pop(4).error == "collection 'no-such-collection' does not exist"
    assert all(d.error is None for d in on_ray.values()), on_ray
    # One DOI cited three times (once in upper case) and one arXiv id: two look-ups.
    assert engine.lookups == 2

    checker = Checker.from_settings(settings)
    local = {d.position: d for d in LocalEngine(checker_fn(checker)).run(requests)}
    checker.close()
    assert summaries({p: d.result for p, d in on_ray.items()}) == summaries(
        {p: d.result for p, d in local.items()}
    )
    assert on_ray[0].result is not None
    statuses = [c["status"] for c in on_ray[0].result["citations"]]
    assert statuses == ["CITATION_STATUS_UNAVAILABLE"]  # offline: never called fabricated


def test_cli_refuses_ray_with_a_server(tmp_path: Path) -> None:
    import subprocess
    import sys

    answers = tmp_path / "a.jsonl"
    answers.write_text('{"answer": "x"}\n', "utf-8")
    veracity = str(Path(sys.executable).with_name("veracity"))
    done = subprocess.run(
        [veracity, "check", "--input", str(answers), "--engine", "ray", "--server", "h:1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--engine ray" in done.stderr


def test_a_failed_look_up_fails_only_the_answers_citing_it() -> None:
    """As in-process, where the exception fails the answer's check (no Ray needed here)."""
    from retrieval.citations.extract import extract
    from service.batch.ray_engine import CitationLookups, LookupTable
    from service.citations.stage import lookup_key

    class BrokenResolver:
        def verify(self, found: object) -> object:
            raise ValueError("source broke")

    stage = CitationLookups.__new__(CitationLookups)  # without building the live resolver
    stage.resolver, stage.abstracts = BrokenResolver(), False  # type: ignore[assignment]
    [broken] = extract("See doi:10.5555/broken.1 for details.")
    [other] = extract("See doi:10.5555/fine.2 for details.")
    row = stage({"target": [pickle.dumps(broken)]})
    failure = pickle.loads(row["verdict"][0])
    assert isinstance(failure, ValueError)
    table = LookupTable({}, {}, {lookup_key(broken): failure})
    with pytest.raises(ValueError, match="source broke"):
        table.verify(broken)
    assert table.verify(other).status == "unavailable"
