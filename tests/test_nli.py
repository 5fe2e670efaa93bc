"""The local Hugging Face NLI verifier: loading, label mapping and decisions.

A tiny randomly initialised BERT stands in for a real NLI model; its classifier bias is set
so that one class wins, which pins down that the model's own label order is respected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from retrieval.embedder import default_model_dir
from retrieval.types import Passage
from service.stages import Thresholds
from service.types import Claim, SupportLabel
from service.verification.factory import make_verifier
from service.verification.nli import NLIVerifier

# Deliberately not the usual order, so that a verifier assuming one would fail.
ID2LABEL = {0: "CONTRADICTION", 1: "neutral", 2: "Entailment"}


def _tiny_model(path: Path, winner: str) -> Path:
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir(), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        id2label=ID2LABEL,
        label2id={v: k for k, v in ID2LABEL.items()},
    )
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(
            torch.tensor([5.0 if v == winner else 0.0 for v in ID2LABEL.values()])
        )
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _passages(*texts: str) -> list[Passage]:
    return [Passage(document_id=f"d{i}", text=t, start=0, end=len(t)) for i, t in enumerate(texts)]


CLAIM = Claim("The kiwi is a flightless bird.", 0, 30)


@pytest.mark.parametrize(
    ("winner", "label"),
    [
        ("Entailment", SupportLabel.SUPPORTED),
        ("CONTRADICTION", SupportLabel.CONTRADICTED),
        ("neutral", SupportLabel.UNVERIFIABLE),
    ],
)
def test_label_order_of_the_model_is_respected(
    tmp_path: Path, winner: str, label: SupportLabel
) -> None:
    verifier = NLIVerifier(_tiny_model(tmp_path / "m", winner))
    verdict = verifier.verify(CLAIM, _passages("Kiwis cannot fly.", "Penguins swim."), Thresholds())
    assert verdict.label is label
    assert len(verdict.evidence) == 2
    if label is SupportLabel.UNVERIFIABLE:
        assert verdict.decisive is None
    else:
        assert verdict.decisive in (0, 1)
        assert verdict.probabilities is not None
        total = sum(vars(verdict.probabilities).values())
        assert total == pytest.approx(1.0, abs=1e-5)


def test_probabilities_are_one_row_per_passage(tmp_path: Path) -> None:
    verifier = NLIVerifier(_tiny_model(tmp_path / "m", "Entailment"), batch_size=2)
    probs = verifier.probabilities(CLAIM.text, ["a", "b", "c"])
    assert probs.shape == (3, 3)
    assert probs[:, 0].min() > 0.9  # column 0 is entailment whatever the model's order


def test_make_verifier_loads_a_local_model_and_refuses_a_bad_path(tmp_path: Path) -> None:
    path = _tiny_model(tmp_path / "my-nli", "neutral")
    verifier = make_verifier(f"hf:{path}", encoder=None)  # type: ignore[arg-type]
    assert verifier.version == "nli:my-nli"
    with pytest.raises(FileNotFoundError, match=r"no config\.json"):
        make_verifier(f"hf:{tmp_path / 'missing'}", encoder=None)  # type: ignore[arg-type]
