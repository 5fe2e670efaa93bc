"""``veracity report``: a results file as one self-contained HTML page.

Summary figures and charts first (support-score distribution; hallucination rate and factual
precision overall and per value of each grouping field such as ``model`` or ``source``), then
every answer with its claims highlighted by label.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

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

_LEGEND = (
    '<p class="legend"><mark class="lbl-supported">supported</mark> '
    '<mark class="lbl-unverifiable">unverifiable</mark> '
    '<mark class="lbl-contradicted">contradicted</mark> '
    '<mark class="lbl-unchecked">not checkable</mark> — hover or click a claim for its score '
    "and evidence; badges after citations give their status.</p>"
)
_FILTERS = (
    '<div class="toolbar">show: <button data-filter="all" aria-pressed="true">all</button> '
    '<button data-filter="hallucinated" aria-pressed="false">with hallucinations</button> '
    '<button data-filter="ok" aria-pressed="false">without</button> '
    '<button data-filter="error" aria-pressed="false">errors</button></div>'
)


def render_report(results: ResultsFile, groups: Sequence[str], title: str) -> str:
    rows = results.rows
    overall = aggregate(rows)
    sections = [_stats(overall, results.unreadable), "<h2>Charts</h2>", _charts(rows, groups)]
    for name in groups:
        sections.append(f"<h2>By {escape(name)}</h2>")
        sections.append(_group_table([(value, aggregate(g)) for value, g in grouped(rows, name)]))
    sections += ["<h2>Answers</h2>", _LEGEND, _FILTERS]
    sections += [answer_card(row, str(i)) for i, row in enumerate(rows)]
    data = {"answers": {str(i): claim_details(row.claims()) for i, row in enumerate(rows)}}
    subtitle = f"{overall.answers} answers, {overall.claims} checkable claims"
    return page(title, subtitle, "".join(sections), data)


def _stats(overall: Aggregate, unreadable: int) -> str:
    cards = [
        stat(str(overall.answers), "answers"),
        stat(str(overall.errors), "answers with errors"),
        stat(str(overall.claims), "checkable claims"),
        stat(percent(overall.factual_precision), "factual precision (supported / checkable)"),
        stat(percent(overall.hallucination_rate), "hallucination rate (answers)"),
        stat(percent(overall.fabricated_rate), f"fabricated citations of {overall.citations}"),
    ]
    if unreadable:
        cards.append(stat(str(unreadable), "unreadable lines skipped"))
    return f'<h2>Summary</h2><div class="cards">{"".join(cards)}</div>'


def _charts(answers: Sequence[AnswerRow], groups: Sequence[str]) -> str:
    overall = aggregate(answers)
    figures = [
        charts.histogram(overall.scores, "support score of each checkable claim"),
    ]
    hallucination = [("all answers", overall.hallucination_rate)]
    precision = [("all answers", overall.factual_precision)]
    for name in groups:
        for value, group in grouped(answers, name):
            measures = aggregate(group)
            hallucination.append((f"{name}={value}", measures.hallucination_rate))
            precision.append((f"{name}={value}", measures.factual_precision))
    figures.append(charts.bars(hallucination, "hallucination rate", "#cf222e"))
    figures.append(charts.bars(precision, "factual precision", "#1a7f37"))
    return f'<div class="charts">{"".join(figures)}</div>'


def _group_table(groups: Sequence[tuple[str, Aggregate]]) -> str:
    rows = [
        [
            escape(value),
            str(a.answers),
            str(a.errors),
            str(a.claims),
            percent(a.factual_precision),
            percent(a.hallucination_rate),
            f"{percent(a.fabricated_rate)} of {a.citations}",
        ]
        for value, a in groups
    ]
    head = ["value", "answers", "errors", "claims", "factual precision", "hallucination rate"]
    return table([*head, "fabricated citations"], rows)
