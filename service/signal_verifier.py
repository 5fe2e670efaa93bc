"""The shipped verifier: grounding signals per passage, weighed by a small trained model.

Each (claim, passage) pair is described by service.signals (similarity, coverage of the
claim's words, names and numbers, disagreement cues); a multinomial model trained on the
commercially usable NLI pairs (training/train_signal_verifier.py) turns them into entailed /
contradicted / neutral probabilities. Support blends the entailed probability with the
similarity curve (similarity ranks the development sets' claims better than any combination
learned from NLI data; the other signals add what it misses), and a logistic map of the
blend's logit (Platt scaling: monotone, so it keeps the ranking) fitted on held-out
fact-verification pairs makes it read as P(supported). The claim's support is
its best passage's; it is contradicted when a passage's contradiction probability passes the
threshold and outweighs every passage's support.

The model is a JSON file (weights, scaler, calibration points) small enough to read in a
diff; ``SignalModel.load`` takes the shipped one or a tuned one (``veracity tune``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from retrieval.types import Passage
from service.signals import FEATURE_NAMES, pair_features
from service.stages import Thresholds
from service.types import Claim, NLIProbabilities, SupportLabel, Verdict
from service.verifier import Curve, similarities

SHIPPED_MODEL = "signal_verifier.json"
ENTAILED, CONTRADICTED, NEUTRAL = 0, 1, 2
_SIMILARITY = FEATURE_NAMES.index("similarity")


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class SignalModel:
    """Standardise, one hidden layer, softmax over (entailed, contradicted, neutral)."""

    name: str
    mean: np.ndarray
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]
    similarity_curve: Curve
    # Share of the similarity curve in the raw support; the network's entailed p has the rest.
    similarity_weight: float
    # P(supported) = sigmoid(slope * logit(raw support) + intercept).
    calibration_slope: float
    calibration_intercept: float
    supported_threshold: float = 0.5
    contradicted_threshold: float = 0.5

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, 3) probabilities, rows summing to 1, for an (n, len(FEATURE_NAMES)) array."""
        hidden = (features - self.mean) / self.scale
        for i, (weights, bias) in enumerate(self.layers):
            hidden = hidden @ weights + bias
            if i < len(self.layers) - 1:
                hidden = np.maximum(hidden, 0.0)
        hidden = hidden - hidden.max(axis=1, keepdims=True)
        exp = np.exp(hidden)
        probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    def raw_support(
        self, features: np.ndarray, probabilities: np.ndarray | None = None
    ) -> np.ndarray:
        """The uncalibrated blend of the similarity curve and the entailed probability."""
        if probabilities is None:
            probabilities = self.probabilities(features)
        blend: np.ndarray = (
            self.similarity_weight * self.similarity_curve.over(features[:, _SIMILARITY])
            + (1.0 - self.similarity_weight) * probabilities[:, ENTAILED]
        )
        return blend

    def calibrated_support(self, raw: np.ndarray) -> np.ndarray:
        calibrated: np.ndarray = 1.0 / (
            1.0 + np.exp(-(self.calibration_slope * _logit(raw) + self.calibration_intercept))
        )
        return calibrated

    def calibrated_on(self, raw: np.ndarray, supported: np.ndarray) -> SignalModel:
        """This model with its Platt map fitted to (raw support, was it supported) pairs."""
        from sklearn.linear_model import LogisticRegression

        fit = LogisticRegression().fit(_logit(raw).reshape(-1, 1), supported)
        return replace(
            self,
            calibration_slope=float(fit.coef_[0][0]),
            calibration_intercept=float(fit.intercept_[0]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "features": list(FEATURE_NAMES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "layers": [{"weights": w.tolist(), "bias": b.tolist()} for w, b in self.layers],
            "similarity_curve": {
                "midpoint": self.similarity_curve.midpoint,
                "slope": self.similarity_curve.slope,
            },
            "similarity_weight": self.similarity_weight,
            "calibration": {
                "slope": self.calibration_slope,
                "intercept": self.calibration_intercept,
            },
            "supported_threshold": self.supported_threshold,
            "contradicted_threshold": self.contradicted_threshold,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignalModel:
        if tuple(data["features"]) != FEATURE_NAMES:
            raise ValueError(
                f"model {data.get('name')!r} was trained on other signals: "
                f"{data['features']} != {list(FEATURE_NAMES)}"
            )
        as_array = np.asarray
        return cls(
            name=str(data["name"]),
            mean=as_array(data["mean"], dtype=np.float32),
            scale=as_array(data["scale"], dtype=np.float32),
            layers=[
                (as_array(layer["weights"], dtype=np.float32), as_array(layer["bias"]))
                for layer in data["layers"]
            ],
            similarity_curve=Curve(**data["similarity_curve"]),
            similarity_weight=float(data["similarity_weight"]),
            calibration_slope=float(data["calibration"]["slope"]),
            calibration_intercept=float(data["calibration"]["intercept"]),
            supported_threshold=float(data["supported_threshold"]),
            contradicted_threshold=float(data["contradicted_threshold"]),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> SignalModel:
        """The model at ``path``, or the one shipped in service/models."""
        if path is None:
            text = (resources.files("service") / "models" / SHIPPED_MODEL).read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        return cls.from_json(json.loads(text))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", "utf-8")


def feature_matrix(encoder: Encoder, claims: Sequence[str], passages: Sequence[str]) -> np.ndarray:
    """The signals of each (claim, passage) pair, one row a pair: what training and
    ``veracity tune`` fit the model on."""
    similarity = (encoder.encode(claims) * encoder.encode(passages)).sum(axis=1)
    return np.stack(
        [
            pair_features(claim, passage, float(s))
            for claim, passage, s in zip(claims, passages, similarity, strict=True)
        ]
    )


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    logit: np.ndarray = np.log(clipped / (1 - clipped))
    return logit


class SignalVerifier:
    """Support and contradiction of a claim from the signals of each of its passages."""

    def __init__(self, encoder: Encoder, model: SignalModel) -> None:
        self.encoder = encoder
        self.model = model
        self.version = model.name

    def verify(self, claim: Claim, evidence: Sequence[Passage], thresholds: Thresholds) -> Verdict:
        if not evidence:
            return Verdict(SupportLabel.UNVERIFIABLE, 0.0, [], None)
        similarity = similarities(self.encoder, claim, evidence)
        features = np.stack(
            [
                pair_features(claim.text, p.text, float(s))
                for p, s in zip(evidence, similarity, strict=True)
            ]
        )
        probabilities = self.model.probabilities(features)
        support = self.model.calibrated_support(self.model.raw_support(features, probabilities))
        supported_at, contradicted_at = thresholds.or_defaults(
            self.model.supported_threshold, self.model.contradicted_threshold
        )
        best = int(np.argmax(support))
        worst = int(np.argmax(probabilities[:, CONTRADICTED]))
        contradiction = float(probabilities[worst, CONTRADICTED])
        passages = list(evidence)
        # A contradiction is decided apart from the supported threshold, so that lowering
        # that threshold moves claims between supported and unverifiable only.
        if contradiction >= contradicted_at and contradiction > support[best]:
            return self._verdict(
                SupportLabel.CONTRADICTED, support[worst], passages, worst, probabilities
            )
        if support[best] >= supported_at:
            return self._verdict(
                SupportLabel.SUPPORTED, support[best], passages, best, probabilities
            )
        return self._verdict(
            SupportLabel.UNVERIFIABLE, support[best], passages, None, probabilities
        )

    @staticmethod
    def _verdict(
        label: SupportLabel,
        score: float,
        passages: list[Passage],
        decisive: int | None,
        probabilities: np.ndarray,
    ) -> Verdict:
        row = probabilities[
            decisive if decisive is not None else int(np.argmax(probabilities[:, 0]))
        ]
        return Verdict(
            label,
            float(score),
            passages,
            decisive,
            probabilities=NLIProbabilities(
                entailed=float(row[ENTAILED]),
                contradicted=float(row[CONTRADICTED]),
                neutral=float(row[NEUTRAL]),
            ),
        )
