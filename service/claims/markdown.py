"""Markdown structure for claim extraction: which parts of an answer are prose, and where.

Claims must point at exact answer offsets, so nothing here rewrites the answer in place: each
prose block comes with ``offsets``, the answer index of every character of its cleaned text.
Cleaning drops inline markup (emphasis, link targets, inline-code ticks, footnote and
bracketed citation markers) that would otherwise confuse the parser; fenced code is not prose
(a later stage checks code); headings are kept as context; table rows become cells with
their column headers so that each cell can yield a claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum


class BlockKind(Enum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"
    ITEM = "item"
    QUOTE = "quote"


@dataclass(frozen=True)
class Block:
    """Cleaned prose and, for each of its characters, the answer offset it came from."""

    kind: BlockKind
    text: str
    offsets: tuple[int, ...]

    def answer_range(self, start: int, end: int) -> tuple[int, int]:
        """The answer range of cleaned characters [start, end) (end > start)."""
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Cell:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TableRow:
    """One body row of a markdown table, with the table's header cells."""

    header: tuple[Cell, ...]
    cells: tuple[Cell, ...]


_FENCE = re.compile(r"^[ \t]*(```|~~~).*?(^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_LINE_MARKER = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+•][ \t]+|\d{1,3}[.)][ \t]+|\[[ xX]\][ \t]+)+"
)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]")
_QUOTE = re.compile(r"^[ \t]*>")
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$")
_TABLE_SEPARATOR = re.compile(
    r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$"
)
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
#: Inline markup whose characters are dropped from the cleaned text; group 1, when it
#: matches, is kept (the text of a link, the code inside ticks).
_INLINE_DROP = re.compile(
    r"!\[[^\]\n]*\]\([^)\n]*\)"  # images
    r"|\[([^\]\n]+)\]\([^)\n]*\)"  # links: keep the text
    r"|`([^`\n]+)`"  # inline code: keep the code
    r"|[ \t]*\[(?:\d+(?:[,\u2013-][ \t]*\d+)*|[A-Za-z][\w .&-]*?,?[ \t]*(?:19|20)\d\d[a-z]?)\]"
    r"|[ \t]*\((?:doi:|https?://|arXiv:|PMID:?)[^)\n]*\)"  # parenthesised identifiers
    r"|[ \t]*\([A-Z][\w'-]+(?: et al\.| (?:and|&) [A-Z][\w'-]+)?,? (?:19|20)\d\d[a-z]?\)"
    r"|\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)"
    r"|~~|<[a-zA-Z/][^>\n]*>",
    re.I,
)


def prose_blocks(text: str) -> Iterator[Block]:
    """The prose of ``text`` outside code fences, tables and rules, one Block per paragraph,
    list item, heading or quote, in answer order.

    Consecutive prose lines are joined so that sentences wrapped over lines stay whole; a block
    ends at a blank line, a fence, or a line that starts with a list or heading marker.
    """
    fenced = _fenced(text)
    kind = BlockKind.PARAGRAPH
    pieces: list[tuple[int, int]] = []
    for line_start, line_end, line in _lines(text):
        if _is_excluded(fenced, line_start, line):
            yield from _block(text, kind, pieces)
            pieces = []
            continue
        marker = _LINE_MARKER.match(line)
        continues_quote = kind is BlockKind.QUOTE and _QUOTE.match(line) is not None
        if marker and pieces and not continues_quote:
            yield from _block(text, kind, pieces)
            pieces = []
        if not pieces:
            kind = _kind(line, marker is not None)
        pieces.append((line_start + (marker.end() if marker else 0), line_end))
        if kind is BlockKind.HEADING:
            yield from _block(text, kind, pieces)
            pieces = []
    yield from _block(text, kind, pieces)


def table_rows(text: str) -> Iterator[TableRow]:
    """Body rows of every markdown table (a header row, a separator row, then body rows)."""
    lines = list(_lines(text))
    fenced = _fenced(text)
    for i in range(1, len(lines)):
        start, _, line = lines[i]
        if not _TABLE_SEPARATOR.match(line) or "|" not in line or _inside(fenced, start):
            continue
        header_start, _, header = lines[i - 1]
        if not _TABLE_ROW.match(header):
            continue
        head = _cells(header, header_start)
        for row_start, _, row in lines[i + 1 :]:
            if not _TABLE_ROW.match(row):
                break
            yield TableRow(head, _cells(row, row_start))


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end without the line break, line) for each line."""
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, pos + len(body), body
        pos += len(line)


def _fenced(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _FENCE.finditer(text)]


def _inside(ranges: list[tuple[int, int]], pos: int) -> bool:
    return any(s <= pos < e for s, e in ranges)


def _is_excluded(fenced: list[tuple[int, int]], line_start: int, line: str) -> bool:
    """Blank lines, code fences, horizontal rules and table lines are not prose."""
    if not line.strip() or _RULE.match(line) or _TABLE_ROW.match(line):
        return True
    if _TABLE_SEPARATOR.match(line) and "|" in line:
        return True
    return _inside(fenced, line_start)


def _kind(line: str, has_marker: bool) -> BlockKind:
    if _HEADING.match(line):
        return BlockKind.HEADING
    if _QUOTE.match(line):
        return BlockKind.QUOTE
    return BlockKind.ITEM if has_marker else BlockKind.PARAGRAPH


def _block(text: str, kind: BlockKind, pieces: list[tuple[int, int]]) -> Iterator[Block]:
    """The cleaned Block of the answer ranges ``pieces`` (lines of one block), if any prose."""
    chars: list[str] = []
    offsets: list[int] = []
    for start, end in pieces:
        if chars:
            chars.append(" ")  # the line break, as a space
            offsets.append(start - 1)
        for i in _kept(text, start, end):
            chars.append(" " if text[i] in "\t\r\n" else text[i])
            offsets.append(i)
    cleaned = "".join(chars)
    if cleaned.strip():
        yield Block(kind, cleaned, tuple(offsets))


def _kept(text: str, start: int, end: int) -> Iterator[int]:
    """Answer indices in [start, end) that survive inline cleaning."""
    pos = start
    for match in _INLINE_DROP.finditer(text, start, end):
        yield from range(pos, match.start())
        kept = match.lastindex
        if kept is not None:
            yield from range(match.start(kept), match.end(kept))
        pos = match.end()
    yield from range(pos, end)


def _cells(line: str, line_start: int) -> tuple[Cell, ...]:
    cells = []
    pos = line.index("|") + 1
    while True:
        bar = line.find("|", pos)
        if bar < 0:
            break
        raw = line[pos:bar]
        lead = len(raw) - len(raw.lstrip())
        content = raw.strip().strip("*_`").strip()
        offset = raw.find(content, lead) if content else lead
        start = line_start + pos + offset
        cells.append(Cell(content, start, start + len(content)))
        pos = bar + 1
    return tuple(cells)
