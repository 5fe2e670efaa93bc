"""Inline SVG charts: drawn here, in Python, so the page needs no chart library and no network.

Each chart is a <figure> with an SVG and a caption; every bar carries a <title> with its exact
value, which browsers show on hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_WIDTH = 520
_BAR_HEIGHT = 18
_LABEL_WIDTH = 170


def histogram(scores: Sequence[float], caption: str, bins: int = 10) -> str:
    """Counts of support scores in ``bins`` equal bins over [0, 1], coloured red to green."""
    counts = [0] * bins
    for score in scores:
        counts[min(int(score * bins), bins - 1)] += 1
    top = max(counts) or 1
    height, base, gap = 170, 150, 4
    width = (_WIDTH - 40) / bins
    parts = []
    for i, count in enumerate(counts):
        bar = (base - 24) * count / top
        x = 30 + i * width
        low, high = i / bins, (i + 1) / bins
        parts.append(
            f'<rect class="bin" x="{x:.1f}" y="{base - bar:.1f}" width="{width - gap:.1f}" '
            f'height="{bar:.1f}" fill="{_score_colour((low + high) / 2)}">'
            f"<title>{low:.1f}-{high:.1f}: {count} claims</title></rect>"
        )
        if count:
            parts.append(
                f'<text x="{x + (width - gap) / 2:.1f}" y="{base - bar - 3:.1f}" '
                f'class="value" text-anchor="middle">{count}</text>'
            )
    for tick in range(0, bins + 1, 2):
        parts.append(
            f'<text x="{30 + tick * width - gap / 2:.1f}" y="{base + 14}" class="tick" '
            f'text-anchor="middle">{tick / bins:.1f}</text>'
        )
    parts.append(f'<line x1="28" y1="{base}" x2="{_WIDTH - 8}" y2="{base}" class="axis"/>')
    return _figure(height, "".join(parts), caption)


def bars(rows: Sequence[tuple[str, float | None]], caption: str, colour: str) -> str:
    """One horizontal bar per (label, share in [0, 1]); None is drawn as "no data"."""
    height = 10 + len(rows) * (_BAR_HEIGHT + 8)
    span = _WIDTH - _LABEL_WIDTH - 60
    parts = []
    for i, (label, value) in enumerate(rows):
        y = 8 + i * (_BAR_HEIGHT + 8)
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 13}" class="label" text-anchor="end">'
            f"{escape(_short(label))}</text>"
        )
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{span}" height="{_BAR_HEIGHT}" '
            'class="track"/>'
        )
        if value is None:
            parts.append(f'<text x="{_LABEL_WIDTH + 4}" y="{y + 13}" class="value">no data</text>')
            continue
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{span * value:.1f}" '
            f'height="{_BAR_HEIGHT}" fill="{colour}"><title>{escape(label)}: '
            f"{100 * value:.1f}%</title></rect>"
        )
        parts.append(
            f'<text x="{_LABEL_WIDTH + span + 6}" y="{y + 13}" class="value">'
            f"{100 * value:.1f}%</text>"
        )
    return _figure(height, "".join(parts), caption)


def paired_bars(
    rows: Sequence[tuple[str, float | None, float | None]], caption: str, names: tuple[str, str]
) -> str:
    """Two bars per label (before, after), for the drift page."""
    height = 30 + len(rows) * (2 * _BAR_HEIGHT + 12)
    span = _WIDTH - _LABEL_WIDTH - 60
    parts = [
        f'<rect x="{_LABEL_WIDTH}" y="4" width="10" height="10" class="old"/>'
        f'<text x="{_LABEL_WIDTH + 14}" y="13" class="tick">{escape(names[0])}</text>'
        f'<rect x="{_LABEL_WIDTH + 150}" y="4" width="10" height="10" class="new"/>'
        f'<text x="{_LABEL_WIDTH + 164}" y="13" class="tick">{escape(names[1])}</text>'
    ]
    for i, (label, old, new) in enumerate(rows):
        y = 24 + i * (2 * _BAR_HEIGHT + 12)
        parts.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + _BAR_HEIGHT + 4}" class="label" '
            f'text-anchor="end">{escape(_short(label))}</text>'
        )
        for j, (value, css) in enumerate(((old, "old"), (new, "new"))):
            top = y + j * _BAR_HEIGHT
            width = span * value if value is not None else 0
            shown = "no data" if value is None else f"{100 * value:.1f}%"
            parts.append(
                f'<rect x="{_LABEL_WIDTH}" y="{top}" width="{width:.1f}" '
                f'height="{_BAR_HEIGHT - 2}" class="{css}"><title>{escape(label)} '
                f"({escape(names[j])}): {shown}</title></rect>"
                f'<text x="{_LABEL_WIDTH + width + 4:.1f}" y="{top + 12}" class="value">'
                f"{shown}</text>"
            )
    return _figure(height, "".join(parts), caption)


def _figure(height: float, body: str, caption: str) -> str:
    return (
        f'<figure class="chart"><svg viewBox="0 0 {_WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(caption)}">{body}</svg>'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _score_colour(score: float) -> str:
    """Red (0) through amber to green (1), as hue in HSL."""
    return f"hsl({round(120 * score)}, 60%, 45%)"


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
