"""Verifiers by name: the one place that knows every implementation.

Kept apart from the implementations so that none of them imports another to be chosen:
``signals`` builds on the similarity curve, and this module sits above both.
"""

from __future__ import annotations

from pathlib import Path

from service.stages import Verifier
from service.verification.nli import NLIVerifier
from service.verification.signal_verifier import SignalModel, SignalVerifier
from service.verification.similarity import CosineVerifier, Curve, Encoder, GroundingVerifier


def make_verifier(spec: str, encoder: Encoder, models_dir: Path | None = None) -> Verifier:
    """A verifier by name.

    ``signals`` is the shipped signal verifier; ``signals:NAME`` a tuned one saved by
    ``veracity tune`` as ``models_dir/NAME.json``; ``cosine`` and ``grounding`` the embedding
    verifiers; ``hf:PATH`` a local Hugging Face NLI model.
    """
    if spec == "cosine":
        return CosineVerifier(encoder)
    if spec == "grounding":
        return GroundingVerifier(encoder, Curve.fitted())
    if spec == "signals" or spec.startswith("signals:"):
        return SignalVerifier(encoder, SignalModel.load(_tuned_model(spec, models_dir)))
    if spec.startswith("hf:"):
        return NLIVerifier(Path(spec.removeprefix("hf:")))
    raise ValueError(
        f"unknown verifier {spec!r}: use signals, signals:NAME, cosine, grounding or hf:PATH"
    )


def _tuned_model(spec: str, models_dir: Path | None) -> Path | None:
    """The file of ``signals:NAME``; None for the shipped ``signals``."""
    name = spec.partition(":")[2]
    if not name:
        return None
    if models_dir is None or not (models_dir / f"{name}.json").is_file():
        raise ValueError(f"no tuned verifier {name!r} in {models_dir}: run `veracity tune` first")
    return models_dir / f"{name}.json"
