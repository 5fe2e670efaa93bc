"""Loaders for the development benchmarks in ../shared/data/eval.

Each example is a claim with the evidence it should be judged against and a gold label in the
product's terms (supported / contradicted / unverifiable).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
EVAL_DIR = SHARED / "data" / "eval"

SUPPORTED, CONTRADICTED, UNVERIFIABLE = "supported", "contradicted", "unverifiable"


@dataclass(frozen=True)
class Example:
    id: str
    claim: str
    evidence: tuple[str, ...]
    label: str


def climate_fever(
    path: Path = EVAL_DIR / "climate_fever" / "climate-fever-dev.jsonl",
) -> list[Example]:
    """Claims with their five evidence sentences; DISPUTED claims are left out (no gold)."""
    labels = {"SUPPORTS": SUPPORTED, "REFUTES": CONTRADICTED, "NOT_ENOUGH_INFO": UNVERIFIABLE}
    examples = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        if row["claim_label"] in labels:
            examples.append(
                Example(
                    id=f"climate-fever/{row['claim_id']}",
                    claim=row["claim"],
                    evidence=tuple(e["evidence"] for e in row["evidences"]),
                    label=labels[row["claim_label"]],
                )
            )
    return examples


def healthver(path: Path = EVAL_DIR / "healthver" / "healthver_test.csv") -> list[Example]:
    labels = {"Supports": SUPPORTED, "Refutes": CONTRADICTED, "Neutral": UNVERIFIABLE}
    with path.open(encoding="utf-8", newline="") as f:
        return [
            Example(
                f"healthver/{row['id']}", row["claim"], (row["evidence"],), labels[row["label"]]
            )
            for row in csv.DictReader(f)
        ]


def scifact(path: Path = EVAL_DIR / "scifact_nli" / "dev.tsv") -> list[Example]:
    """SciFact rationale -> claim pairs; not_entailment mixes refuted and unrelated."""
    labels = {"entailment": SUPPORTED, "not_entailment": UNVERIFIABLE}
    with path.open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [
            Example(
                f"scifact/{row['index']}",
                row["sentence2"],
                (row["sentence1"],),
                labels[row["entailment"]],
            )
            for row in rows
        ]


#: Share of each set kept for choosing thresholds; metrics are reported on the rest.
TUNE_SHARE = 0.3


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(tune, report): a fixed share of the examples, chosen by a hash of their ids, to choose
    thresholds on, and the rest to measure with them, so that no number is measured on the
    examples that set it."""
    tune: list[Example] = []
    report: list[Example] = []
    for example in examples:
        digest = hashlib.sha256(example.id.encode("utf-8")).digest()
        (tune if digest[0] < TUNE_SHARE * 256 else report).append(example)
    return tune, report


EVAL_SETS: dict[str, Callable[[], list[Example]]] = {
    "climate_fever": climate_fever,
    "healthver": healthver,
    "scifact": scifact,
}
