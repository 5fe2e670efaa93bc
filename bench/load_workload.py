"""The answers the load benchmark sends: many distinct ones, so that the server cannot serve a
warmed-up run from its embedding cache.

Answers are built from climate-FEVER (../shared/data/eval): its claims, then the evidence
sentences given with them, each sentence used once, ``SENTENCES_PER_ANSWER`` to an answer, in a
seeded shuffle. That gives several hundred answers with no sentence in common, so until the
pool wraps every claim text the server sees is new to it (evidence passages from the corpus
still recur, as they would in production). Without the evaluation data the shipped demo
answers are used, and the report says so: that workload repeats itself within seconds.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.evalsets import EVAL_DIR

CLIMATE_FEVER = EVAL_DIR / "climate_fever" / "climate-fever-dev.jsonl"
DEMO_ANSWERS = Path(__file__).resolve().parent.parent / "service" / "data" / "demo_answers.jsonl"
# Six sentences make about ten claims (the claim extractor splits compound sentences).
SENTENCES_PER_ANSWER = 6

# A plain declarative sentence: a capital first, no quotes (headlines) or square brackets
# (wiki mark-up), long enough to state something, at most a long sentence's length.
_PLAIN = re.compile(r"^[A-Z][^\"“”\[\]]{30,300}$")


@dataclass(frozen=True)
class Workload:
    """Distinct answers, where they came from, and how many sentences they hold in all."""

    answers: list[str]
    source: str
    sentences: int

    def cycle(self) -> Iterator[str]:
        """The answers in order, starting over after the last."""
        while True:
            yield from self.answers


def load_workload(seed: int = 7) -> Workload:
    """Answers from climate-FEVER, or the demo answers when it is not there."""
    if not CLIMATE_FEVER.is_file():
        answers = [
            json.loads(line)["answer"]
            for line in DEMO_ANSWERS.read_text("utf-8").splitlines()
            if line.strip()
        ]
        return Workload(answers, f"{DEMO_ANSWERS.name} (climate-FEVER not found)", 0)
    sentences = climate_fever_sentences(CLIMATE_FEVER)
    random.Random(seed).shuffle(sentences)
    answers = [
        " ".join(sentences[start : start + SENTENCES_PER_ANSWER])
        for start in range(0, len(sentences) - SENTENCES_PER_ANSWER + 1, SENTENCES_PER_ANSWER)
    ]
    return Workload(
        answers, f"climate-FEVER dev claims and evidence ({CLIMATE_FEVER.name})", len(sentences)
    )


def climate_fever_sentences(path: Path) -> list[str]:
    """Every distinct plain claim and evidence sentence of the file, each ending in a full
    stop (many claims have none, and the claim extractor splits on sentence ends)."""
    seen: dict[str, None] = {}
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        for text in [row["claim"], *(e["evidence"] for e in row["evidences"])]:
            sentence = " ".join(text.split()).rstrip(".") + "."
            if _PLAIN.match(sentence):
                seen.setdefault(sentence, None)
    return list(seen)
