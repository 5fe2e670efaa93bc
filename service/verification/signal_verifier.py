"""The shipped verifier: grounding signals and embeddings per passage, weighed by small trained
networks.

Each (claim, passage) pair is described by service.verification.signals (similarity, coverage of the
claim's words, names and numbers, disagreement cues). A network over those signals, trained on
the commercially usable NLI pairs (training/train_signal_verifier.py), gives entailed /
contradicted / neutral probabilities. A second part, the *meaning* ensemble, reads the signals
together with the element-wise product and absolute difference of the two embeddings (the
InferSent features): one cosine says how close two texts are, the 768 columns say along which
directions they differ, which is what tells a claim from its refutation on the same subject.
It is trained on the fact-check pairs only (FEVER, COVID-Fact, HealthVer dev) and averaged over
a few seeds, because one network's ranking of the development sets swung by 0.03 AUROC with
its seed.

Support blends the similarity curve, the signal network's and the ensemble's entailed
probabilities, and a logistic map of the blend's logit (Platt scaling: monotone, so it keeps
the ranking) fitted on held-out fact-verification pairs makes it read as P(supported). The
claim's support is its best passage's; it is contradicted when a passage's contradiction
probability (the signal network's: the ensemble, trained on FEVER's refutations, reads any
related passage as one) passes the threshold and outweighs every passage's support.

The model is a JSON file (signal network, weights, calibration) small enough to read in a
diff, plus the ensemble's weights in a safetensors file beside it whose sha256 the JSON holds;
``SignalModel.load`` takes the shipped one or a tuned one (``veracity tune``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors
from threadpoolctl import ThreadpoolController

from retrieval.types import Passage
from service.stages import Thresholds
from service.types import Claim, NLIProbabilities, SupportLabel, Verdict
from service.verification.signals import FEATURE_NAMES, pair_features
from service.verification.similarity import Curve, embeddings

SHIPPED_MODEL = "signal_verifier.json"
ENTAILED, CONTRADICTED, NEUTRAL = 0, 1, 2
_SIMILARITY = FEATURE_NAMES.index("similarity")
# numpy's BLAS, as loaded; SignalVerifier.verify runs it on one thread.
_BLAS = ThreadpoolController()


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def pair_inputs(
    claims: Sequence[str],
    passages: Sequence[str],
    claim_vectors: np.ndarray,
    passage_vectors: np.ndarray,
) -> np.ndarray:
    """One row a (claim, passage) pair: its signals, then the product and absolute difference
    of the claim's and the passage's unit embeddings. The signal network reads the first
    columns only."""
    similarity = (claim_vectors * passage_vectors).sum(axis=1)
    signals = np.stack(
        [
            pair_features(claim, passage, float(s))
            for claim, passage, s in zip(claims, passages, similarity, strict=True)
        ]
    )
    inputs: np.ndarray = np.hstack(
        [signals, claim_vectors * passage_vectors, np.abs(claim_vectors - passage_vectors)]
    ).astype(np.float32)
    return inputs


@dataclass(frozen=True)
class Network:
    """Standardise, ReLU hidden layers, softmax over (entailed, contradicted, neutral)."""

    mean: np.ndarray
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """(n, 3) probabilities, rows summing to 1, for the first ``len(mean)`` columns."""
        hidden = (inputs[:, : len(self.mean)] - self.mean) / self.scale
        for i, (weights, bias) in enumerate(self.layers):
            hidden = hidden @ weights + bias
            if i < len(self.layers) - 1:
                hidden = np.maximum(hidden, 0.0)
        hidden = hidden - hidden.max(axis=1, keepdims=True)
        exp = np.exp(hidden)
        probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return probabilities

    @classmethod
    def of(cls, mean: np.ndarray, scale: np.ndarray, fitted: Any) -> Network:
        """The network of a fitted scikit-learn ``MLPClassifier`` on standardised inputs."""
        return cls(
            mean.astype(np.float32),
            scale.astype(np.float32),
            [
                (w.astype(np.float32), b.astype(np.float32))
                for w, b in zip(fitted.coefs_, fitted.intercepts_, strict=True)
            ],
        )


@dataclass(frozen=True)
class SignalModel:
    """The signal network, the meaning ensemble, their blend with similarity, calibration."""

    name: str
    network: Network
    similarity_curve: Curve
    # Share of the similarity curve in the raw support; ``meaning_weight`` is the ensemble's
    # entailed p's, and the signal network's entailed p has the rest.
    similarity_weight: float
    # P(supported) = sigmoid(slope * logit(raw support) + intercept).
    calibration_slope: float
    calibration_intercept: float
    supported_threshold: float = 0.5
    contradicted_threshold: float = 0.5
    meaning: tuple[Network, ...] = ()
    meaning_weight: float = 0.0

    def probabilities(self, inputs: np.ndarray) -> np.ndarray:
        """The signal network's (n, 3) probabilities for rows of ``pair_inputs``."""
        return self.network.probabilities(inputs)

    def raw_support(
        self, inputs: np.ndarray, probabilities: np.ndarray | None = None
    ) -> np.ndarray:
        """The uncalibrated blend of the similarity curve and the entailed probabilities."""
        if probabilities is None:
            probabilities = self.probabilities(inputs)
        blend: np.ndarray = (
            self.similarity_weight * self.similarity_curve.over(inputs[:, _SIMILARITY])
            + (1.0 - self.similarity_weight - self.meaning_weight) * probabilities[:, ENTAILED]
        )
        if self.meaning:
            entailed = np.mean([net.probabilities(inputs)[:, ENTAILED] for net in self.meaning], 0)
            blend = blend + self.meaning_weight * entailed
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
        """Everything but the meaning ensemble's weights (``save`` writes those beside it)."""
        return {
            "name": self.name,
            "features": list(FEATURE_NAMES),
            "mean": self.network.mean.tolist(),
            "scale": self.network.scale.tolist(),
            "layers": [{"weights": w.tolist(), "bias": b.tolist()} for w, b in self.network.layers],
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
    def from_json(cls, data: dict[str, Any], meaning: bytes | None = None) -> SignalModel:
        """The model of ``data``; ``meaning`` is the safetensors file its "meaning" names."""
        if tuple(data["features"]) != FEATURE_NAMES:
            raise ValueError(
                f"model {data.get('name')!r} was trained on other signals: "
                f"{data['features']} != {list(FEATURE_NAMES)}"
            )
        as_array = np.asarray
        return cls(
            name=str(data["name"]),
            network=Network(
                as_array(data["mean"], dtype=np.float32),
                as_array(data["scale"], dtype=np.float32),
                [
                    (
                        as_array(layer["weights"], dtype=np.float32),
                        as_array(layer["bias"], dtype=np.float32),
                    )
                    for layer in data["layers"]
                ],
            ),
            similarity_curve=Curve(**data["similarity_curve"]),
            similarity_weight=float(data["similarity_weight"]),
            calibration_slope=float(data["calibration"]["slope"]),
            calibration_intercept=float(data["calibration"]["intercept"]),
            supported_threshold=float(data["supported_threshold"]),
            contradicted_threshold=float(data["contradicted_threshold"]),
            meaning=_ensemble(data, meaning),
            meaning_weight=float(data["meaning"]["weight"]) if "meaning" in data else 0.0,
        )

    @classmethod
    def load(cls, path: Path | None = None) -> SignalModel:
        """The model at ``path``, or the one shipped in service/models."""
        folder = resources.files("service") / "models" if path is None else path.parent
        data = json.loads((folder / (path.name if path else SHIPPED_MODEL)).read_text("utf-8"))
        meaning = (folder / data["meaning"]["file"]).read_bytes() if "meaning" in data else None
        return cls.from_json(data, meaning)

    def save(self, path: Path) -> None:
        """``path`` (JSON) and, with a meaning ensemble, ``<stem>.meaning.safetensors``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.to_json()
        if self.meaning:
            blob = save_tensors(_tensors(self.meaning))
            file = f"{path.stem}.meaning.safetensors"
            (path.parent / file).write_bytes(blob)
            data["meaning"] = {
                "file": file,
                "sha256": hashlib.sha256(blob).hexdigest(),
                "networks": len(self.meaning),
                "weight": self.meaning_weight,
            }
        path.write_text(json.dumps(data, indent=1) + "\n", "utf-8")


def _tensors(networks: Sequence[Network]) -> dict[str, np.ndarray]:
    """The ensemble as named tensors: standardisation in fp32, layer weights in fp16."""
    tensors: dict[str, np.ndarray] = {}
    for i, net in enumerate(networks):
        tensors[f"{i}.mean"] = net.mean.astype(np.float32)
        tensors[f"{i}.scale"] = net.scale.astype(np.float32)
        for j, (weights, bias) in enumerate(net.layers):
            tensors[f"{i}.{j}.weights"] = weights.astype(np.float16)
            tensors[f"{i}.{j}.bias"] = bias.astype(np.float16)
    return tensors


def _ensemble(data: dict[str, Any], blob: bytes | None) -> tuple[Network, ...]:
    """The meaning ensemble that ``data`` names, checked against its recorded sha256."""
    if "meaning" not in data:
        return ()
    if blob is None or hashlib.sha256(blob).hexdigest() != data["meaning"]["sha256"]:
        raise ValueError(
            f"model {data['name']!r}: {data['meaning']['file']} is missing or is not the file "
            "it was saved with (sha256 differs)"
        )
    tensors = load_tensors(blob)
    networks = []
    for i in range(int(data["meaning"]["networks"])):
        depth = sum(1 for key in tensors if key.startswith(f"{i}.") and key.endswith(".weights"))
        networks.append(
            Network(
                tensors[f"{i}.mean"],
                tensors[f"{i}.scale"],
                [
                    (
                        tensors[f"{i}.{j}.weights"].astype(np.float32),
                        tensors[f"{i}.{j}.bias"].astype(np.float32),
                    )
                    for j in range(depth)
                ],
            )
        )
    return tuple(networks)


def feature_matrix(encoder: Encoder, claims: Sequence[str], passages: Sequence[str]) -> np.ndarray:
    """The ``pair_inputs`` of each (claim, passage) pair: what training and ``veracity tune``
    fit the model on."""
    return pair_inputs(claims, passages, encoder.encode(claims), encoder.encode(passages))


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
        claim_vector, passage_vectors = embeddings(self.encoder, claim, evidence)
        inputs = pair_inputs(
            [claim.text] * len(evidence),
            [p.text for p in evidence],
            np.broadcast_to(claim_vector, passage_vectors.shape),
            passage_vectors,
        )
        # These products are too small to gain from threads, and BLAS threads left spinning
        # after them halved the next torch encode on 2 cores (bench-verifier: 43 against 83
        # pairs/s when the verifier embeds), so BLAS runs on one thread here.
        with _BLAS.limit(limits=1, user_api="blas"):
            probabilities = self.model.probabilities(inputs)
            support = self.model.calibrated_support(self.model.raw_support(inputs, probabilities))
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
