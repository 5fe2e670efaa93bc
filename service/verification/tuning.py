"""`veracity tune`: adapt the signal verifier to the text of one indexed collection.

A user's corpus (contracts, clinical notes, a product wiki) differs from the NLI pairs the
shipped model learned on. Tuning makes labelled pairs from the collection itself, so nothing
needs labelling by hand: each sentence is entailed by its own passage; the same sentence with a
number changed, a name swapped for another of the same kind from the corpus, or its polarity
flipped is contradicted by it; the most similar sentence of another document is neutral to it
(a hard negative found by retrieval). The shipped signal network is trained on from its own
weights (the meaning ensemble is kept as it is), re-calibrated (Platt) on a held-out quarter
of the pairs, and saved under ``<data_dir>/models`` with a versioned name that
``VERACITY_VERIFIER=signals:NAME`` loads. The network is small enough that a CPU takes
seconds (a GPU would not help); embedding the sentences is the cost.
"""

from __future__ import annotations

import random
import re
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.types import Document
from service.verification.signal_verifier import (
    CONTRADICTED,
    ENTAILED,
    NEUTRAL,
    Encoder,
    Network,
    SignalModel,
    feature_matrix,
)

_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_COPULA = re.compile(r"\b(is|are|was|were|has|have|had|can|will|does|did)\b")
_SWAPPABLE = ("PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "EVENT", "WORK_OF_ART")
MIN_WORDS, MAX_WORDS = 6, 60


@dataclass(frozen=True)
class LabelledPair:
    premise: str
    hypothesis: str
    label: int


@dataclass(frozen=True)
class TuneReport:
    name: str
    path: Path
    pairs: dict[str, int]
    # Entailed-vs-rest AUROC of the support score on the held-out pairs, before and after.
    auroc_before: float
    auroc_after: float
    seconds: float


@dataclass(frozen=True)
class _Sentence:
    document: int
    text: str
    passage: str
    entities: tuple[tuple[str, str], ...]  # (text, label)


def synthetic_pairs(
    documents: Iterable[Document],
    nlp: object,
    encoder: Encoder,
    seed: int = 0,
    max_sentences: int = 2000,
) -> list[LabelledPair]:
    """Entailed, contradicted and neutral pairs made from ``documents``' own sentences."""
    rng = random.Random(seed)
    sentences = _sentences(documents, nlp, max_sentences)
    pool: dict[str, list[str]] = defaultdict(list)
    for sentence in sentences:
        for text, label in sentence.entities:
            pool[label].append(text)
    pairs = [LabelledPair(s.passage, s.text, ENTAILED) for s in sentences]
    for sentence in sentences:
        altered = _contradict(sentence, pool, rng)
        if altered is not None:
            pairs.append(LabelledPair(sentence.passage, altered, CONTRADICTED))
    return pairs + neutral_pairs([(s.document, s.text, s.passage) for s in sentences], encoder)


def neutral_pairs(
    sentences: Sequence[tuple[int, str, str]], encoder: Encoder
) -> list[LabelledPair]:
    """For each (document, sentence, passage), the most similar sentence of another document
    against that passage: related, but not what the passage says."""
    if len(sentences) < 2:
        return []
    vectors = encoder.encode([text for _, text, _ in sentences])
    similarity = vectors @ vectors.T
    documents = np.array([document for document, _, _ in sentences])
    similarity[documents[:, None] == documents[None, :]] = -np.inf
    pairs = []
    for i, (_, _, passage) in enumerate(sentences):
        j = int(np.argmax(similarity[i]))
        if np.isfinite(similarity[i, j]):
            pairs.append(LabelledPair(passage, sentences[j][1], NEUTRAL))
    return pairs


def tune(
    documents: Iterable[Document],
    encoder: Encoder,
    nlp: object,
    base: SignalModel,
    name: str,
    models_dir: Path,
    seed: int = 0,
    max_sentences: int = 2000,
) -> TuneReport:
    """Train ``base`` on from pairs made of ``documents`` and save it as ``name``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    started = time.perf_counter()
    pairs = synthetic_pairs(documents, nlp, encoder, seed, max_sentences)
    counts = {
        label: sum(p.label == code for p in pairs)
        for label, code in (
            ("entailed", ENTAILED),
            ("contradicted", CONTRADICTED),
            ("neutral", NEUTRAL),
        )
    }
    if min(counts.values()) < 5:
        raise ValueError(
            f"the collection gives too few pairs to tune on ({counts}); index more documents"
        )
    labels = np.array([p.label for p in pairs])
    x_fit, x_held, y_fit, y_held = train_test_split(
        feature_matrix(encoder, [p.hypothesis for p in pairs], [p.premise for p in pairs]),
        labels,
        test_size=0.25,
        stratify=labels,
        random_state=seed,
    )

    base_network = base.network
    network = MLPClassifier(
        base_network.layers[0][0].shape[1:],
        warm_start=True,
        max_iter=50,
        learning_rate_init=3e-4,
        random_state=seed,
    )
    signals = len(base_network.mean)
    standardized = (x_fit[:, :signals] - base_network.mean) / base_network.scale
    # One step on one pair of each label sets up the network's shapes; the shipped weights
    # then replace the ones that step made, and training goes on from them.
    classes = [ENTAILED, CONTRADICTED, NEUTRAL]
    first_of_each = [int(np.flatnonzero(y_fit == label)[0]) for label in classes]
    network.partial_fit(standardized[first_of_each], y_fit[first_of_each], classes=classes)
    network.coefs_ = [w.astype(np.float64) for w, _ in base_network.layers]
    network.intercepts_ = [b.astype(np.float64) for _, b in base_network.layers]
    with warnings.catch_warnings():
        # A few epochs from trained weights are the point: stopping early is not a failure.
        warnings.simplefilter("ignore", ConvergenceWarning)
        network.fit(standardized, y_fit)
    # The meaning ensemble is kept as shipped: it is the general reader of the two embeddings,
    # and a few thousand synthetic pairs would pull it towards their templates.
    trained = replace(
        base, name=name, network=Network.of(base_network.mean, base_network.scale, network)
    )
    raw = trained.raw_support(x_held)
    entailed = y_held == ENTAILED
    tuned = trained.calibrated_on(raw, entailed)
    path = models_dir / f"{name}.json"
    tuned.save(path)
    return TuneReport(
        name=name,
        path=path,
        pairs=counts,
        auroc_before=float(roc_auc_score(entailed, base.raw_support(x_held))),
        auroc_after=float(roc_auc_score(entailed, raw)),
        seconds=time.perf_counter() - started,
    )


def versioned_name(collection: str) -> str:
    """``signals-<collection>-<UTC timestamp>``: a retrained model never replaces an older one."""
    return f"signals-{collection}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"


def _sentences(documents: Iterable[Document], nlp: object, limit: int) -> list[_Sentence]:
    """Sentences of a checkable length, each with its passage (itself and its neighbours)."""
    found: list[_Sentence] = []
    for number, document in enumerate(documents):
        parsed = nlp(document.text)  # type: ignore[operator]
        spans = list(parsed.sents)
        for i, span in enumerate(spans):
            words = len(span.text.split())
            if MIN_WORDS <= words <= MAX_WORDS:
                window = spans[max(i - 1, 0) : i + 2]
                passage = document.text[window[0].start_char : window[-1].end_char]
                entities = tuple((e.text, e.label_) for e in span.ents if e.label_ in _SWAPPABLE)
                found.append(_Sentence(number, span.text.strip(), passage, entities))
                if len(found) >= limit:
                    return found
    return found


def _contradict(sentence: _Sentence, pool: dict[str, list[str]], rng: random.Random) -> str | None:
    """The sentence made false by its passage: a name swapped, a number changed, or negated."""
    text = sentence.text
    for entity, label in rng.sample(list(sentence.entities), len(sentence.entities)):
        others = [o for o in set(pool[label]) if o != entity and o not in text]
        if others:
            return text.replace(entity, rng.choice(sorted(others)), 1)
    number = _NUMBER.search(text)
    if number is not None:
        value = float(number.group())
        changed = value + rng.choice([-1, 1]) * max(1.0, round(value * rng.uniform(0.2, 0.6)))
        shown = str(int(changed)) if number.group().isdigit() else f"{changed:.1f}"
        return text[: number.start()] + shown + text[number.end() :]
    copula = _COPULA.search(text)
    if copula is not None:
        return text[: copula.end()] + " not" + text[copula.end() :]
    return None
