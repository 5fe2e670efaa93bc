"""Labelled premise/hypothesis pairs from the commercially usable sources in ../shared/data/nli.

Only sources marked ✓ in ../shared/data/SOURCES.md are read here: the shipped model must not be
trained on non-commercial data. Labels are ours: entailed, contradicted, neutral. Binary sources
map their negative class by what it means: FEVER's and COVID-Fact's "not entailed" is a
refutation (contradicted); RTE's "not_entailment" is mostly unrelated text (neutral).
"""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ENTAILED, CONTRADICTED, NEUTRAL = 0, 1, 2
LABELS = ("entailed", "contradicted", "neutral")
_THREE_WAY = {"entailment": ENTAILED, "contradiction": CONTRADICTED, "neutral": NEUTRAL}


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    source: str


def _esnli(root: Path) -> Iterator[Pair]:
    for split in ("dev", "test"):
        files = [(root / "esnli" / f"{name}.{split}").read_text("utf-8").splitlines()
                 for name in ("s1", "s2", "labels")]  # fmt: skip
        for premise, hypothesis, label in zip(*files, strict=True):
            if label.strip() in _THREE_WAY:
                yield Pair(premise.strip(), hypothesis.strip(), _THREE_WAY[label.strip()], "esnli")


def _taxinli(root: Path) -> Iterator[Pair]:
    with (root / "taxinli_mnli" / "taxinli10k.tsv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["label"] in _THREE_WAY:
                yield Pair(row["prem"], row["hyp"], _THREE_WAY[row["label"]], "taxinli_mnli")


def _textfooler(root: Path) -> Iterator[Pair]:
    for name in ("mnli_matched", "mnli_mismatched"):
        for line in (root / "textfooler_mnli" / name).read_text("utf-8").splitlines():
            label, premise, hypothesis = [*line.split("\t"), "", ""][:3]
            if label in _THREE_WAY and premise and hypothesis:
                yield Pair(premise, hypothesis, _THREE_WAY[label], "textfooler_mnli")


def _breaking_nli(root: Path) -> Iterator[Pair]:
    with zipfile.ZipFile(root / "breaking_nli" / "breaking_nli_dataset.zip") as archive:
        for line in archive.read("data/dataset.jsonl").decode("utf-8").splitlines():
            row = json.loads(line)
            if row["gold_label"] in _THREE_WAY:
                label = _THREE_WAY[row["gold_label"]]
                yield Pair(row["sentence1"], row["sentence2"], label, "breaking_nli")


def _fever(root: Path) -> Iterator[Pair]:
    folder = root / "fever_nli"
    columns = [(folder / name).read_text("utf-8").splitlines()
               for name in ("dev.raw.input0", "dev.raw.input1", "dev.label")]  # fmt: skip
    for evidence, claim, label in zip(*columns, strict=True):
        yield Pair(evidence, claim, ENTAILED if label == "entailment" else CONTRADICTED, "fever")


def _covidfact(root: Path) -> Iterator[Pair]:
    for line in (root / "covidfact" / "COVIDFACT_dataset.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        label = ENTAILED if row["label"] == "SUPPORTED" else CONTRADICTED
        yield Pair(" ".join(row["evidence"]), row["claim"], label, "covidfact")


def _healthver(root: Path) -> Iterator[Pair]:
    labels = {"Supports": ENTAILED, "Refutes": CONTRADICTED, "Neutral": NEUTRAL}
    with (root / "healthver" / "healthver_dev.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield Pair(row["evidence"], row["claim"], labels[row["label"]], "healthver_dev")


def _rte(root: Path) -> Iterator[Pair]:
    for split in ("train", "dev"):
        path = root / "rte_glue" / f"{split}.tsv"
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                label = ENTAILED if row["label"] == "entailment" else NEUTRAL
                yield Pair(row["sentence1"], row["sentence2"], label, "rte_glue")


#: The ✓ sources of SOURCES.md, by directory name.
COMMERCIAL_SOURCES: dict[str, Callable[[Path], Iterator[Pair]]] = {
    "esnli": _esnli,
    "taxinli_mnli": _taxinli,
    "textfooler_mnli": _textfooler,
    "breaking_nli": _breaking_nli,
    "fever_nli": _fever,
    "covidfact": _covidfact,
    "healthver": _healthver,
    "rte_glue": _rte,
}


def load_pairs(nli_root: Path, sources: list[str] | None = None) -> list[Pair]:
    """Every non-empty pair of the named ✓ sources (all of them by default)."""
    pairs: list[Pair] = []
    for name in sources or list(COMMERCIAL_SOURCES):
        pairs.extend(p for p in COMMERCIAL_SOURCES[name](nli_root) if p.premise and p.hypothesis)
    return pairs
