"""Results files read back, and the measures the report and the drift comparison show.

Definitions (the same everywhere they are printed):

* factual precision: supported claims / checkable claims, over all claims of the answers
  counted (pooled, so that long answers weigh by their claims);
* hallucination rate: share of answers with at least one checkable claim of which at least one
  claim stated as fact is contradicted or unverifiable (``unsupportedAsserted`` > 0; hedged
  ones are admitted uncertainty, not hallucination);
* fabricated-citation rate: citations not found or mismatched / all citations found.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Fields of an output line that are not the caller's own (so never a grouping field).
_OWN_FIELDS = frozenset(
    {"id", "answer", "question", "context", "collection", "result", "error", "line", "input"}
)
#: Grouping fields the report uses when present and none are named.
DEFAULT_GROUPS = ("model", "source")


class ResultsError(ValueError):
    """A results file that cannot be read at all (a bad line is only skipped and counted)."""


@dataclass(frozen=True)
class AnswerRow:
    """One line of a results file."""

    id: str
    answer: str
    question: str
    fields: Mapping[str, Any]
    result: Mapping[str, Any] | None
    error: str | None

    @property
    def summary(self) -> Mapping[str, Any]:
        return (self.result or {}).get("summary", {})

    @property
    def checkable(self) -> int:
        return int(self.summary.get("checkable", 0))

    @property
    def supported(self) -> int:
        return int(self.summary.get("supported", 0))

    @property
    def precision(self) -> float | None:
        """Supported / checkable claims; None when nothing was checkable."""
        return self.supported / self.checkable if self.checkable else None

    @property
    def hallucinated(self) -> bool:
        return int(self.summary.get("unsupportedAsserted", 0)) > 0

    @property
    def citations(self) -> int:
        return int(self.summary.get("citationsTotal", 0))

    @property
    def fabricated(self) -> int:
        return int(self.summary.get("fabricatedCitations", 0))

    def claims(self) -> list[Mapping[str, Any]]:
        return list((self.result or {}).get("claims", []))

    def support_scores(self) -> list[float]:
        return [float(c.get("supportScore", 0.0)) for c in self.claims() if c.get("checkable")]


@dataclass(frozen=True)
class ResultsFile:
    rows: list[AnswerRow]
    # Lines that were not result lines (not JSON, no id): counted, never shown as answers.
    unreadable: int = 0


def load_results(path: Path) -> ResultsFile:
    """Read a results file written by ``veracity check --input``."""
    if not path.is_file():
        raise ResultsError(f"{path}: no such file")
    rows, unreadable = [], 0
    try:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                row = _row(line) if line.strip() else None
                if row is None:
                    unreadable += line.strip() != ""
                else:
                    rows.append(row)
    except UnicodeDecodeError as exc:
        raise ResultsError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    if not rows:
        raise ResultsError(f"{path}: no result lines (is it the output of 'veracity check'?)")
    return ResultsFile(rows, unreadable)


def _row(line: str) -> AnswerRow | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    result = data.get("result")
    return AnswerRow(
        id=data["id"],
        answer=_text(data, "answer"),
        question=_text(data, "question"),
        fields={k: v for k, v in data.items() if k not in _OWN_FIELDS},
        result=result if isinstance(result, dict) else None,
        error=str(data["error"]) if data.get("error") is not None else None,
    )


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Aggregate:
    """The measures over a set of answers (see the module's definitions)."""

    answers: int
    errors: int
    checked: int  # answers with at least one checkable claim
    claims: int  # checkable claims
    supported: int
    hallucinated: int
    citations: int
    fabricated: int
    scores: list[float] = field(default_factory=list)

    @property
    def factual_precision(self) -> float | None:
        return self.supported / self.claims if self.claims else None

    @property
    def hallucination_rate(self) -> float | None:
        return self.hallucinated / self.checked if self.checked else None

    @property
    def fabricated_rate(self) -> float | None:
        return self.fabricated / self.citations if self.citations else None


def aggregate(rows: Iterable[AnswerRow]) -> Aggregate:
    rows = list(rows)
    ok = [r for r in rows if r.result is not None]
    checked = [r for r in ok if r.checkable]
    return Aggregate(
        answers=len(rows),
        errors=len(rows) - len(ok),
        checked=len(checked),
        claims=sum(r.checkable for r in ok),
        supported=sum(r.supported for r in ok),
        hallucinated=sum(r.hallucinated for r in checked),
        citations=sum(r.citations for r in ok),
        fabricated=sum(r.fabricated for r in ok),
        scores=[s for r in ok for s in r.support_scores()],
    )


def group_fields(rows: Sequence[AnswerRow], named: Sequence[str] = ()) -> list[str]:
    """The fields to group by: those named, else the default ones the rows carry."""
    if named:
        return list(named)
    return [f for f in DEFAULT_GROUPS if any(f in r.fields for r in rows)]


def grouped(rows: Iterable[AnswerRow], name: str) -> Iterator[tuple[str, list[AnswerRow]]]:
    """Rows by the value of field ``name`` (``(none)`` where it is missing), in sorted order."""
    groups: dict[str, list[AnswerRow]] = {}
    for row in rows:
        value = row.fields.get(name)
        groups.setdefault("(none)" if value is None else str(value), []).append(row)
    yield from sorted(groups.items())


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
