"""``veracity compare``: drift between two results files of the same prompts.

A model name is retrained and changes under its users; scoring the same prompts under the old
and the new version and comparing answer by answer (matched by id) shows what moved: factual
precision, hallucination and fabricated-citation rates, overall, per grouping field, and for
each answer. Aggregates are over the ids both files answered without error, so that a prompt
missing or failing on one side cannot pass for drift; those ids are counted apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from rich.console import Group
from rich.table import Table

from service.report import charts
from service.report.answers import answer_card, claim_details
from service.report.metrics import (
    Aggregate,
    AnswerRow,
    ResultsFile,
    aggregate,
    grouped,
    percent,
)
from service.report.page import page, stat, table

_SHOWN_PER_ANSWER = 50


@dataclass(frozen=True)
class AnswerChange:
    old: AnswerRow
    new: AnswerRow

    @property
    def id(self) -> str:
        return self.new.id

    @property
    def precision_delta(self) -> float | None:
        if self.old.precision is None or self.new.precision is None:
            return None
        return self.new.precision - self.old.precision

    @property
    def fabricated_delta(self) -> int:
        return self.new.fabricated - self.old.fabricated

    @property
    def changed(self) -> bool:
        return (
            bool(self.precision_delta)
            or self.old.hallucinated != self.new.hallucinated
            or self.fabricated_delta != 0
        )

    def badness(self) -> tuple[float, int, int]:
        """Sort key: the answers that got most worse first."""
        return (
            self.precision_delta or 0.0,
            int(self.old.hallucinated) - int(self.new.hallucinated),
            -self.fabricated_delta,
        )


@dataclass(frozen=True)
class Measure:
    name: str
    old: Aggregate
    new: Aggregate


@dataclass(frozen=True)
class Drift:
    names: tuple[str, str]
    changes: list[AnswerChange]  # ids answered on both sides, worst change first
    measures: list[Measure]  # overall first, then per group value
    only_old: list[str]
    only_new: list[str]
    failed: list[str]  # ids with an error on either side

    @property
    def overall(self) -> Measure:
        return self.measures[0]


def compare(
    old: ResultsFile, new: ResultsFile, groups: Sequence[str], names: tuple[str, str]
) -> Drift:
    old_by_id = {row.id: row for row in old.rows}
    new_by_id = {row.id: row for row in new.rows}
    both = [i for i in new_by_id if i in old_by_id]
    failed = [i for i in both if old_by_id[i].result is None or new_by_id[i].result is None]
    changes = [AnswerChange(old_by_id[i], new_by_id[i]) for i in both if i not in set(failed)]
    measures = [
        Measure("all answers", aggregate(c.old for c in changes), aggregate(c.new for c in changes))
    ]
    for name in groups:
        for value, rows in grouped([c.new for c in changes], name):
            ids = {row.id for row in rows}
            measures.append(
                Measure(
                    f"{name}={value}",
                    aggregate(old_by_id[i] for i in ids),
                    aggregate(new_by_id[i] for i in ids),
                )
            )
    return Drift(
        names=names,
        changes=sorted(changes, key=AnswerChange.badness),
        measures=measures,
        only_old=[i for i in old_by_id if i not in new_by_id],
        only_new=[i for i in new_by_id if i not in old_by_id],
        failed=failed,
    )


def _delta(old: float | None, new: float | None) -> str:
    if old is None or new is None:
        return "-"
    return f"{100 * (new - old):+.1f} pt"


def _rates(measure: Measure) -> list[tuple[str, float | None, float | None]]:
    return [
        ("factual precision", measure.old.factual_precision, measure.new.factual_precision),
        ("hallucination rate", measure.old.hallucination_rate, measure.new.hallucination_rate),
        ("fabricated citations", measure.old.fabricated_rate, measure.new.fabricated_rate),
    ]


def drift_text(drift: Drift, shown: int = 10) -> Group:
    """The drift for a terminal: measures old -> new, then the answers that changed most."""
    measures = Table(title=f"{drift.names[0]} -> {drift.names[1]}", title_justify="left")
    for column in ("answers", "measure", "old", "new", "change"):
        measures.add_column(column, justify="left" if column in ("answers", "measure") else "right")
    for measure in drift.measures:
        for name, old, new in _rates(measure):
            measures.add_row(measure.name, name, percent(old), percent(new), _delta(old, new))
    answers = Table(title="answers that changed most", title_justify="left")
    for column in ("id", "precision old", "new", "change", "hallucinated", "fabricated"):
        answers.add_column(column, justify="left" if column == "id" else "right")
    changed = [c for c in drift.changes if c.changed]
    for change in changed[:shown]:
        answers.add_row(*_answer_cells(change))
    notes = [
        f"{len(drift.changes)} answers compared, {len(changed)} changed; "
        f"{len(drift.failed)} with an error on a side, {len(drift.only_old)} only in old, "
        f"{len(drift.only_new)} only in new"
    ]
    return Group(measures, answers, *notes)


def _answer_cells(change: AnswerChange) -> list[str]:
    return [
        change.id,
        percent(change.old.precision),
        percent(change.new.precision),
        _delta(change.old.precision, change.new.precision),
        f"{_yes(change.old.hallucinated)} -> {_yes(change.new.hallucinated)}",
        f"{change.old.fabricated} -> {change.new.fabricated}",
    ]


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def drift_page(drift: Drift) -> str:
    """The drift as one self-contained page, the changed answers side by side."""
    old_name, new_name = drift.names
    overall = drift.overall
    changed = [c for c in drift.changes if c.changed]
    cards = [
        stat(str(len(drift.changes)), "answers compared"),
        stat(str(len(changed)), "answers changed"),
    ]
    cards += [
        stat(_delta(old, new), f"{name}: {percent(old)} → {percent(new)}")
        for name, old, new in _rates(overall)
    ]
    figures = [
        charts.paired_bars(
            [(m.name, m.old.factual_precision, m.new.factual_precision) for m in drift.measures],
            "factual precision",
            drift.names,
        ),
        charts.paired_bars(
            [(m.name, m.old.hallucination_rate, m.new.hallucination_rate) for m in drift.measures],
            "hallucination rate",
            drift.names,
        ),
    ]
    rows = [
        [escape(m.name), escape(name), percent(old), percent(new), _delta(old, new)]
        for m in drift.measures
        for name, old, new in _rates(m)
    ]
    per_answer = [[escape(cell) for cell in _answer_cells(c)] for c in changed]
    sides = []
    data = {}
    for i, change in enumerate(changed[:_SHOWN_PER_ANSWER]):
        data[f"o{i}"] = claim_details(change.old.claims())
        data[f"n{i}"] = claim_details(change.new.claims())
        sides.append(
            '<div class="charts">'
            + answer_card(change.old, f"o{i}", f"{change.id} ({old_name})")
            + answer_card(change.new, f"n{i}", f"{change.id} ({new_name})")
            + "</div>"
        )
    body = (
        f'<h2>Summary</h2><div class="cards">{"".join(cards)}</div>'
        f'<h2>Charts</h2><div class="charts">{"".join(figures)}</div>'
        "<h2>Measures</h2>"
        + table(["answers", "measure", old_name, new_name, "change"], rows, numeric_from=2)
        + "<h2>Answers that changed (worst first)</h2>"
        + table(["id", "precision old", "new", "change", "hallucinated", "fabricated"], per_answer)
        + f"<h2>Side by side (first {_SHOWN_PER_ANSWER})</h2>"
        + "".join(sides)
    )
    subtitle = (
        f"{old_name} → {new_name}: {len(drift.changes)} answers compared; "
        f"{len(drift.failed)} with an error on a side, {len(drift.only_old)} only in "
        f"{old_name}, {len(drift.only_new)} only in {new_name}"
    )
    return page("Veracity drift", subtitle, body, {"answers": data})
