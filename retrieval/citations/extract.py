"""Finding citations in text, with exact character spans.

Identifiers (DOIs, arXiv ids, PMIDs, PMCIDs, ISBNs, URLs) are found by pattern. Reference-list
entries (numbered "[3] ..." / "3. ..." lines, or lines under a "References" heading) are parsed
into authors, year, title and venue, so that an identifier can be checked against what the
entry says of it and an entry without one can be looked up by title. Inline mentions ("[3]",
"(Smith et al., 2020)", "Smith et al. (2020)") are linked to their entry.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import unquote

from retrieval.citations.types import CitedWork, Found

_TRAILING = ".,;:!?)]}>'\""
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/(10\.\d{4,9}/\S+)", re.I)
_DOI = re.compile(r"\b(?:doi:\s*)?(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_ARXIV_ID = r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV = re.compile(rf"\barxiv(?:\.org/(?:abs|pdf)/|:\s*)({_ARXIV_ID})(?:\.pdf)?", re.I)
_PMID = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_PMCID = re.compile(r"\b(?:PMCID:?\s*)?(PMC\d{4,9})\b")
_ISBN = re.compile(r"\bISBN(?:-1[03])?:?\s*((?:97[89][- ]?)?\d{1,5}[- ]?\d+[- ]?\d+[- ]?[\dXx])\b")
_URL = re.compile(r"(https?://[^\s<>\"']+)", re.I)

#: Identifier patterns, most specific first, so that a doi.org URL is not also a plain URL.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("doi", _DOI_URL),
    ("arxiv", _ARXIV),
    ("doi", _DOI),
    ("pmid", _PMID),
    ("pmcid", _PMCID),
    ("isbn", _ISBN),
    ("url", _URL),
)

_NUMBERED = re.compile(r"^[ \t]*(?:\[(\d{1,3})\]|(\d{1,3})[.)])[ \t]+(\S.*)$", re.M)
_HEADING = re.compile(
    r"^[ \t#*]*(?:references|bibliography|works cited|sources)[ \t*:]*$", re.I | re.M
)
_YEAR = re.compile(r"\(?\b((?:19|20)\d{2})[a-z]?\b\)?")
_QUOTED = re.compile(r"[\"“”]([^\"“”]{8,})[\"“”]")
_ET_AL = re.compile(r",?\s*(?:et\s+al\.?|and\s+others|…|\.\.\.)", re.I)
_INITIALS = re.compile(r"^(?:[A-Z]\.?[- ]?){1,3}$")
# A piece of a venue that ends in an abbreviated word ("J. Mach", "IEEE Trans"): the venue
# goes on after the full stop.
_ABBREVIATED = re.compile(r"(?:^|\s)[A-Z][a-z]{1,5}$")
_NUMERIC_INLINE = re.compile(r"\[(\d{1,3}(?:\s*[,\u2013-]\s*\d{1,3})*)\]")
_NAME = r"[A-Z][\w'\u2019-]+(?:\s+(?:van|von|de|der|del|da|di|le|la)\s+[A-Z][\w'\u2019-]+)?"
_AUTHOR_YEAR = re.compile(
    rf"\(({_NAME})(?:\s+et\s+al\.?|\s+(?:and|&)\s+{_NAME})?,?\s+((?:19|20)\d{{2}})[a-z]?\)"
    rf"|\b({_NAME})(?:\s+et\s+al\.?|\s+(?:and|&)\s+{_NAME})?\s+\(((?:19|20)\d{{2}})[a-z]?\)"
)


@dataclass(frozen=True)
class _Entry:
    number: int | None
    start: int
    end: int
    # Where the entry's line starts, its "[3]" label included.
    line_start: int


def extract(text: str) -> list[Found]:
    """Every citation in ``text``, in order of position.

    Reference entries come first in the returned list order of their own (so that
    ``Found.linked_to`` can index them), then everything else; callers sort by span if they
    need text order.
    """
    entries = _reference_entries(text)
    found = [_entry_citation(text, entry) for entry in entries]
    taken = [(e.line_start, e.end) for e in entries]
    for kind, start, end, identifier in _identifiers(text):
        if not any(s <= start and end <= e for s, e in taken):
            found.append(Found(kind, identifier, start, end, text[start:end]))
            taken.append((start, end))
    found += _inline_mentions(text, entries, found[: len(entries)], taken)
    return found


# -- identifiers --------------------------------------------------------------------------------


def _identifiers(text: str) -> Iterator[tuple[str, int, int, str]]:
    """Yield (kind, start, end, normalised id) of every identifier, overlaps removed."""
    spans: list[tuple[int, int]] = []
    hits: list[tuple[str, int, int, str]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            while end > start and text[end - 1] in _TRAILING and not _balanced(text[start:end]):
                end -= 1
            if any(s < end and start < e for s, e in spans):
                continue
            value = text[match.start(1) : min(end, match.end(1))]
            spans.append((start, end))
            hits.append((kind, start, end, normalise(kind, value)))
    yield from sorted(hits, key=lambda hit: hit[1])


def _balanced(candidate: str) -> bool:
    """Keep a closing bracket that closes one opened inside the citation (DOIs have them)."""
    opening = {")": "(", "]": "[", "}": "{"}.get(candidate[-1])
    return opening is not None and candidate.count(opening) >= candidate.count(candidate[-1])


def normalise(kind: str, value: str) -> str:
    """The canonical form of an identifier, as resolvers and caches key it."""
    if kind == "doi":
        return unquote(value).lower()
    if kind == "arxiv":
        return value.lower().removesuffix(".pdf")
    if kind == "pmcid":
        return value.upper()
    if kind == "isbn":
        return re.sub(r"[- ]", "", value).upper()
    return value


# -- reference lists ----------------------------------------------------------------------------


def _reference_entries(text: str) -> list[_Entry]:
    """Numbered lines, and the non-blank lines under a References heading."""
    entries: dict[int, _Entry] = {}
    for match in _NUMBERED.finditer(text):
        body = match.group(3)
        if _YEAR.search(body) and len(body) > 25:
            number = int(match.group(1) or match.group(2))
            entries[match.start(3)] = _Entry(number, match.start(3), match.end(3), match.start())
    heading = _HEADING.search(text)
    if heading:
        position = heading.end()
        for line in text[position:].splitlines(keepends=True):
            stripped = line.strip()
            if stripped and not _NUMBERED.match(line) and _YEAR.search(stripped):
                lead = len(line) - len(line.lstrip())
                if not any(e.start <= position + lead < e.end for e in entries.values()):
                    start = position + lead
                    entries[start] = _Entry(None, start, start + len(stripped), start)
            position += len(line)
    return [entries[key] for key in sorted(entries)]


def _entry_citation(text: str, entry: _Entry) -> Found:
    """One citation per entry: its strongest identifier, or the reference itself."""
    raw = text[entry.start : entry.end]
    cited = parse_reference(raw)
    for kind, start, end, identifier in _identifiers(raw):
        if kind != "url" or not any(k != "url" for k, *_ in _identifiers(raw)):
            del start, end
            return Found(
                kind, identifier, entry.start, entry.end, raw, cited, in_reference_list=True
            )
    return Found(
        "reference", cited.title or raw, entry.start, entry.end, raw, cited, in_reference_list=True
    )


def parse_reference(raw: str) -> CitedWork:
    """Authors, year, title and venue of one reference entry, in the common styles.

    Handles "Authors (Year). Title. Venue." (APA), "Authors. Year. Title. In Venue." (ACL),
    'Authors, "Title," Venue, Year.' (IEEE) and "Authors. Title. Venue, Year.". Whatever cannot
    be told apart is left empty rather than guessed.
    """
    text = html.unescape(raw)
    for _kind, pattern in _PATTERNS:
        text = pattern.sub(" ", text)
    text = re.sub(r"\b(?:doi|pmid|isbn|available at|retrieved from)\s*:?\s*$", "", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip(" .,;")
    year_match = _YEAR.search(text)
    year = int(year_match.group(1)) if year_match else 0
    quoted = _QUOTED.search(text)
    if quoted:
        authors, title = text[: quoted.start()], quoted.group(1)
        venue = _YEAR.sub("", text[quoted.end() :])
    elif year_match and _looks_like_authors(text[: year_match.start()]):
        authors = text[: year_match.start()]
        rest = _sentences(text[year_match.end() :].lstrip(" .,:;"))
        title = rest[0] if rest else ""
        venue = _venue(rest[1:])
    else:
        parts = _sentences(_YEAR.sub("", text) if year_match else text)
        authors = parts[0] if len(parts) > 1 else ""
        title = parts[1] if len(parts) > 1 else (parts[0] if parts else "")
        venue = _venue(parts[2:])
    names, truncated = split_authors(authors)
    return CitedWork(
        title=title.strip(' .,;:"“”'),
        authors=names,
        authors_truncated=truncated,
        year=year,
        venue=_clean_venue(venue),
    )


def _looks_like_authors(prefix: str) -> bool:
    words = prefix.strip(" .,(").split()
    return 0 < len(words) <= 60 and prefix.strip()[:1].isupper()


def _sentences(text: str) -> list[str]:
    """Split at '. ' but not after an initial ("J. Smith") or "et al.".

    Not at '? ' or '! ': a question mark inside a title ("Is X? A Study") is far more common
    in references than a title ending in one.
    """
    parts: list[str] = []
    start = 0
    for match in re.finditer(r"\.\s+", text):
        before = text[start : match.start()]
        last = before.rsplit(" ", 1)[-1]
        if re.fullmatch(r"[A-Z]|et al|[A-Z]\.[A-Z]|Vol|vol|pp|No|no|Proc|Conf|Int", last):
            continue
        parts.append(before.strip())
        start = match.end()
    tail = text[start:].strip(" .")
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def split_authors(segment: str) -> tuple[tuple[str, ...], bool]:
    """Author names of an author segment, and whether the list was cut short."""
    truncated = bool(_ET_AL.search(segment))
    segment = _ET_AL.sub("", segment).strip(" .,;:(")
    if not segment:
        return (), truncated
    if ";" in segment:
        pieces = segment.split(";")
    else:
        pieces = re.split(r",\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+", segment)
    names: list[str] = []
    for piece in (p.strip(" .,") for p in pieces):
        if not piece:
            continue
        if names and _INITIALS.match(piece) and " " not in names[-1]:
            names[-1] = f"{names[-1]}, {piece}"  # "Smith, J." split at its comma
        else:
            names.append(piece)
    return tuple(names), truncated


def _venue(pieces: list[str]) -> str:
    """The piece after the title, joined to the next ones while it ends in an abbreviated
    word: "J. Mach. Learn. Res." is split at each full stop by ``_sentences``."""
    venue = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        if not _ABBREVIATED.search(venue):
            break
        venue = f"{venue}. {piece}"
    return venue


def _clean_venue(venue: str) -> str:
    venue = re.sub(r"^(?:in:?|proceedings of)(?:\s+|$)", "", venue.strip(), flags=re.I)
    venue = re.sub(r",?\s*(?:pp?\.|pages|vol\.|volume)\s.*$", "", venue, flags=re.I)
    return re.sub(r"[\s,.;:(]+$", "", re.sub(r",\s*\d+\b.*$", "", venue))


# -- inline mentions ----------------------------------------------------------------------------


def _inline_mentions(
    text: str, entries: list[_Entry], entry_citations: list[Found], taken: list[tuple[int, int]]
) -> list[Found]:
    """'[3]' and author-year mentions outside the reference list, linked to their entry."""
    found: list[Found] = []
    by_number = {e.number: i for i, e in enumerate(entries) if e.number is not None}
    if by_number:
        for match in _NUMERIC_INLINE.finditer(text):
            if _inside(match.start(), match.end(), taken):
                continue
            for number in _numbers(match.group(1)):
                if number in by_number:
                    index = by_number[number]
                    found.append(_mention(text, match, entry_citations[index], index))
    for match in _AUTHOR_YEAR.finditer(text):
        if _inside(match.start(), match.end(), taken):
            continue
        name = match.group(1) or match.group(3)
        year = int(match.group(2) or match.group(4))
        linked = _entry_by_author_year(entry_citations, name, year)
        if linked is not None:
            found.append(_mention(text, match, entry_citations[linked], linked))
        else:
            cited = CitedWork(authors=(name,), authors_truncated=True, year=year)
            raw = match.group(0)
            found.append(
                Found("reference", raw, match.start(), match.end(), raw, cited, inline=True)
            )
    return found


def _mention(text: str, match: re.Match[str], entry: Found, index: int) -> Found:
    return replace(
        entry,
        start=match.start(),
        end=match.end(),
        raw=text[match.start() : match.end()],
        inline=True,
        linked_to=index,
        in_reference_list=False,
    )


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start < e or s < end <= e for s, e in spans)


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", group):
        bounds = re.split(r"\s*[\u2013-]\s*", part)
        low, high = int(bounds[0]), int(bounds[-1])
        numbers += list(range(low, min(high, low + 50) + 1))
    return numbers


def _entry_by_author_year(entries: list[Found], name: str, year: int) -> int | None:
    for index, entry in enumerate(entries):
        first = entry.cited.authors[0] if entry.cited.authors else ""
        if entry.cited.year == year and family_name(first) == family_name(name):
            return index
    return None


def family_name(name: str) -> str:
    """Lower-cased family name of "Given Family", "Family, Given" or "G. Family"."""
    name = name.strip()
    if "," in name:
        family = name.split(",", 1)[0]
    else:
        words = [w for w in name.split() if not _INITIALS.match(w) and w.lower() != "jr."]
        family = words[-1] if words else name
    return re.sub(r"[^\w-]", "", family.lower())


def given_names(name: str) -> str:
    """The given names or initials of "Given Family", "Family, Given" or "G. Family"."""
    name = name.strip()
    if "," in name:
        return name.split(",", 1)[1].strip()
    family = family_name(name)
    return " ".join(w for w in name.split() if re.sub(r"[^\w-]", "", w.lower()) != family)
