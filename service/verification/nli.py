"""A verifier over any local Hugging Face sequence-classification NLI model.

For users who have an NLI or fact-checking model on disk (and for the model this project
trains): each (passage, claim) pair is classified as entailment, contradiction or neutral; the
claim is SUPPORTED by its most entailing passage, CONTRADICTED by its most contradicting one,
else UNVERIFIABLE. Nothing is downloaded: the model loads with ``local_files_only``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.types import Passage
from service.stages import Thresholds
from service.types import Claim, NLIProbabilities, SupportLabel, Verdict

# Label names used by common NLI and fact-verification models, mapped to our three classes.
_LABEL_NAMES = {
    "entailment": "entailed",
    "entailed": "entailed",
    "supports": "entailed",
    "supported": "entailed",
    "contradiction": "contradicted",
    "contradicted": "contradicted",
    "refutes": "contradicted",
    "refuted": "contradicted",
    "neutral": "neutral",
    "not_enough_info": "neutral",
    "nei": "neutral",
}


class NLIVerifier:
    """Judges a claim with a local NLI model; the premise is truncated, never the claim."""

    def __init__(
        self,
        model_dir: Path,
        max_length: int = 256,
        batch_size: int = 16,
        supported_threshold: float = 0.5,
        contradicted_threshold: float = 0.5,
    ) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if not (model_dir / "config.json").is_file():
            raise FileNotFoundError(
                f"{model_dir}: not a Hugging Face model folder (no config.json)"
            )
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        # Weights may be stored in fp16; the CPU computes in fp32.
        self.model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=True, dtype=torch.float32
        ).eval()
        self.columns = _label_columns(self.model.config.id2label)
        self.version = f"nli:{model_dir.name}"
        self.max_length = max_length
        self.batch_size = batch_size
        self.supported_threshold = supported_threshold
        self.contradicted_threshold = contradicted_threshold

    def probabilities(self, claim: str, passages: Sequence[str]) -> np.ndarray:
        """Rows of (entailed, contradicted, neutral) probabilities, one per passage."""
        import torch

        rows = []
        for start in range(0, len(passages), self.batch_size):
            batch = list(passages[start : start + self.batch_size])
            encoded = self.tokenizer(
                batch,
                [claim] * len(batch),
                truncation="only_first",
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            )
            with torch.inference_mode():
                logits = self.model(**encoded).logits
            rows.append(torch.softmax(logits.float(), dim=-1).numpy())
        probs = np.concatenate(rows) if rows else np.zeros((0, self.model.config.num_labels))
        return _three_way(probs, self.columns)

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        if not evidence:
            return Verdict(SupportLabel.UNVERIFIABLE, 0.0, [], None)
        probs = self.probabilities(claim.text, [p.text for p in evidence])
        entailing, contradicting = int(probs[:, 0].argmax()), int(probs[:, 1].argmax())
        support = float(probs[entailing, 0])
        supported_at, contradicted_at = thresholds.or_defaults(
            self.supported_threshold, self.contradicted_threshold
        )
        if support >= supported_at:
            label, decisive = SupportLabel.SUPPORTED, entailing
        elif probs[contradicting, 1] >= contradicted_at:
            label, decisive = SupportLabel.CONTRADICTED, contradicting
        else:
            return Verdict(SupportLabel.UNVERIFIABLE, support, list(evidence), None)
        p = probs[decisive]
        return Verdict(label, support, list(evidence), decisive, NLIProbabilities(*map(float, p)))


def _label_columns(id2label: dict[int, str]) -> list[int | None]:
    """For (entailed, contradicted, neutral), the model's output column of each, if any."""
    ours = {_LABEL_NAMES.get(str(name).lower()): int(i) for i, name in id2label.items()}
    if "entailed" not in ours:
        raise ValueError(f"the model's labels {sorted(id2label.values())} name no entailment class")
    return [ours.get("entailed"), ours.get("contradicted"), ours.get("neutral")]


def _three_way(probs: np.ndarray, columns: list[int | None]) -> np.ndarray:
    """Reorder to (entailed, contradicted, neutral); a class the model lacks gets the rest."""
    out = np.zeros((probs.shape[0], 3), dtype=np.float32)
    for j, column in enumerate(columns):
        if column is not None:
            out[:, j] = probs[:, column]
    missing = [j for j, column in enumerate(columns) if column is None]
    if missing:
        out[:, missing[-1]] = 1.0 - out.sum(axis=1)
    return out
