"""`make bench-citations`: HALLMARK dev entries through extraction, look-up and matching.

Each entry of ../shared/data/citations/hallmark/dev_public.jsonl is rendered as a reference-list
entry (three styles in turn: ACL, APA, IEEE) and checked by the service's citation checker,
whose sources all point at a fake API server on 127.0.0.1. An entry is flagged when its verdict
is NOT_FOUND or MISMATCHED.

The fake server's world is derived from each entry and its sub-test labels, as follows; the
labels stand for what the real databases would say, so this measures extraction, the
decision rules and normalisation, not the coverage of the real APIs:

* title: the cited title when ``title_exists``; else the original title when the explanation
  gives one ("(original: '...')"); else the work has no record findable by title.
* authors: the cited ones when ``authors_match``; for ``partial_author_list`` the cited ones
  plus as many others as the explanation says were dropped; else three other names.
* year: the cited year, except ``future_date``, where it is the year of ``publication_date``.
* venue: the cited one when ``venue_correct`` (written out in full for the common acronyms, as
  Crossref does, "ICML" -> "Proceedings of the International Conference on Machine Learning");
  "arXiv" for ``preprint_as_published`` and ``arxiv_version_mismatch``; else another venue.
* DOI: unless ``doi_resolves`` is false, a cited DOI is registered to the record (at DataCite
  for 10.48550, else at Crossref; when the title does not exist the DOI's record has another,
  made-up title); when it is false the DOI is registered nowhere. DataCite answers for an
  arXiv DOI as it does for every one of them: publisher "arXiv", resource type Preprint, no
  container; so the venue of a work cited by its arXiv DOI is known only from the title
  search.
* Where entries disagree (a VALID entry and a perturbed copy of it share a DOI or a title),
  the VALID entry's work is the one the APIs hold: one work per DOI and per title; among
  VALID entries, one with a full author list before one cut short with "and others" (which
  is never taken for an author's name).
* ``authors_match`` true while ``title_exists`` is false and no original title is given (a
  chimeric title): the cited authors are real, so they have a work, under a made-up other
  title ("An unrelated registered work number N"), with the cited year and venue. Without
  this rule the author search still finds 41 of the 47 chimeric titles' authors through
  other entries' works (perturbed copies of VALID entries keep their authors): 94.1 %.
* Authors are served as given/family pairs, so name-order normalisation is exercised.

Crossref's bibliographic search ranks every record's title by rapidfuzz ratio (top 5); the
other title searches answer "no match" (arXiv's ``search_query`` with an empty Atom feed), so
each title is decided by Crossref's candidates.

Author search (asked when no source knows a title): every distinct author name of the works
above, as written, is one OpenAlex profile ``A<n>``. ``/openalex/authors?search=`` ranks the
profile names by rapidfuzz WRatio against the query and answers the top 10 (``id``,
``display_name``); ``/openalex/works?filter=author.id:A1|A2`` answers every work of those
profiles, newest first, at most 200, as OpenAlex work objects (``display_name``,
``publication_year``, ``authorships``, ``primary_location.source``). Which profiles are the
cited person, and whether the cited authors wrote a work together, is the checker's to decide.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from service.citations.stage import LiveCitationChecker
from service.config import CitationSettings
from service.types import Citation, CitationStatus
from tools.fake_bibapi import MOUNTS, FakeBibServer, Request, Response, json_response

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "citations" / "hallmark" / "dev_public.jsonl"
RESULTS = ROOT / "bench" / "results" / "citations.json"
FLAGGED = frozenset({CitationStatus.NOT_FOUND, CitationStatus.MISMATCHED})
CHIMERAS = ("chimeric_title", "merged_citation", "swapped_authors", "hybrid_fabrication")
LONG_VENUES = {
    "ICML": "Proceedings of the International Conference on Machine Learning",
    "NeurIPS": "Advances in Neural Information Processing Systems",
    "ICLR": "International Conference on Learning Representations",
    "CVPR": "2023 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
    "AAAI": "Proceedings of the AAAI Conference on Artificial Intelligence",
    "ACL": "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
    "EMNLP": "Proceedings of the Conference on Empirical Methods in Natural Language Processing",
}


_EMPTY_FEED = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title></feed>'


@dataclass
class Work:
    title: str
    authors: list[str]
    year: int
    venue: str
    doi: str


def derive(entry: dict[str, Any], index: int) -> Work | None:
    """The real work behind an entry, as its labels describe it (see the module docstring)."""
    fields, tests = entry["fields"], entry["subtests"]
    kind = entry.get("hallucination_type") or ""
    explanation = entry.get("explanation") or ""
    original = re.search(r"\(original: '(.+)'\)", explanation)
    title = fields.get("title", "") if tests.get("title_exists") else ""
    if not title and original:
        title = original.group(1)
    cited_authors = _authors(fields)
    if tests.get("authors_match"):
        authors = cited_authors
    elif kind == "partial_author_list":
        counts = re.search(r"(\d+) authors? reduced to (\d+)", explanation)
        extra = int(counts.group(1)) - int(counts.group(2)) if counts else 1
        authors = cited_authors + [f"Omitted Author{index}x{i}" for i in range(extra)]
    else:
        authors = [f"Other Writer{index}x{i}" for i in range(3)]
    year = int(re.match(r"\d{4}", fields.get("year", "0") or "0").group(0))  # type: ignore[union-attr]
    if kind == "future_date":
        year = int(entry["publication_date"][:4])
    venue = fields.get("booktitle") or fields.get("journal") or ""
    if not tests.get("venue_correct"):
        venue = (
            "arXiv"
            if kind in ("preprint_as_published", "arxiv_version_mismatch")
            else ("Journal of Unrelated Studies")
        )
    venue = LONG_VENUES.get(venue, venue)
    doi = fields.get("doi", "").lower() if tests.get("doi_resolves") is not False else ""
    if not title and (doi or tests.get("authors_match")):
        title = f"An unrelated registered work number {index}"
    if not title:
        return None
    return Work(title, authors, year, venue, doi)


def _authors(fields: dict[str, Any]) -> list[str]:
    """The BibTeX author list; "and others" marks a cut list, not an author."""
    names = [a.strip() for a in fields.get("author", "").split(" and ")]
    return [a for a in names if a and a != "others"]


def render(entry: dict[str, Any], number: int) -> str:
    """The entry as a numbered reference line, in one of three styles."""
    fields = entry["fields"]
    authors = [a.strip() for a in fields.get("author", "").split(" and ") if a.strip()]
    title, year = fields.get("title", ""), fields.get("year", "")
    venue = fields.get("booktitle") or fields.get("journal") or ""
    doi = f" https://doi.org/{fields['doi']}" if fields.get("doi") else ""
    style = number % 3
    label = (number - 1) % 99 + 1  # reference lists are numbered below 1000
    if style == 0:  # ACL
        names = ", ".join(authors[:-1]) + (
            f", and {authors[-1]}" if len(authors) > 1 else authors[0]
        )
        return f"[{label}] {names}. {year}. {title}. In {venue}.{doi}"
    if style == 1:  # APA
        initials = [
            f"{a.split()[-1]}, {' '.join(p[0] + '.' for p in a.split()[:-1])}" for a in authors
        ]
        names = ", ".join(initials[:-1]) + (
            f", & {initials[-1]}" if len(initials) > 1 else initials[0]
        )
        return f"[{label}] {names} ({year}). {title}. {venue}.{doi}"
    short = [" ".join([*(p[0] + "." for p in a.split()[:-1]), a.split()[-1]]) for a in authors]
    names = ", ".join(short[:-1]) + (f", and {short[-1]}" if len(short) > 1 else short[0])
    return f'[{label}] {names}, "{title}," in {venue}, {year}.{doi}'


def _message(work: Work) -> dict[str, Any]:
    return {
        "DOI": work.doi,
        "title": [work.title],
        "author": [
            {"given": " ".join(a.split()[:-1]), "family": a.split()[-1]} for a in work.authors
        ],
        "issued": {"date-parts": [[work.year]]},
        "container-title": [work.venue],
    }


class World:
    """The fake APIs' answers, from the derived works."""

    def __init__(self, works: list[Work]) -> None:
        self.by_doi: dict[str, Work] = {}
        by_title: dict[str, Work] = {}
        for work in works:  # VALID entries' works come first and win: they are the truth
            if work.doi:
                self.by_doi.setdefault(work.doi, work)
            by_title.setdefault(re.sub(r"\W+", " ", work.title.lower()).strip(), work)
        self.works = list(by_title.values())
        self.titles = [w.title.lower() for w in self.works]
        # One OpenAlex author profile per name as written, "A<n>", with its works.
        self.profiles: dict[str, list[Work]] = defaultdict(list)
        for work in self.works:
            for author in dict.fromkeys(work.authors):
                self.profiles[author].append(work)
        self.names = list(self.profiles)
        self.ids = {name: f"A{n}" for n, name in enumerate(self.names)}

    def __call__(self, request: Request) -> Response | None:
        path = request.path
        if path.startswith("/crossref/works/"):
            work = self.by_doi.get(path.removeprefix("/crossref/works/").lower())
            if work and not work.doi.startswith("10.48550/"):
                return json_response({"message": _message(work)})
            return None
        if path == "/crossref/works":
            query = request.query.get("query.bibliographic", "").lower()
            hits = process.extract(query, self.titles, scorer=fuzz.ratio, limit=5)
            items = [_message(self.works[i]) for _, _, i in hits]
            return json_response({"message": {"items": items}})
        if path.startswith("/datacite/dois/"):
            work = self.by_doi.get(path.removeprefix("/datacite/dois/").lower())
            if work and work.doi.startswith("10.48550/"):
                return json_response(
                    {
                        "data": {
                            "attributes": {
                                "doi": work.doi,
                                "titles": [{"title": work.title}],
                                "creators": [{"name": a} for a in work.authors],
                                "publicationYear": work.year,
                                "publisher": "arXiv",
                                "types": {"resourceTypeGeneral": "Preprint"},
                            }
                        }
                    }
                )
            return None
        if path == "/openalex/authors":
            query = request.query.get("search", "")
            hits = process.extract(query, self.names, scorer=fuzz.WRatio, limit=10)
            results = [
                {"id": f"https://openalex.org/{self.ids[name]}", "display_name": name}
                for name, _, _ in hits
            ]
            return json_response({"results": results})
        if path == "/openalex/works" and request.query.get("filter", "").startswith("author.id:"):
            wanted = set(request.query["filter"].removeprefix("author.id:").split("|"))
            works = {
                id(w): w
                for name in self.names
                if self.ids[name] in wanted
                for w in self.profiles[name]
            }
            newest = sorted(works.values(), key=lambda w: -w.year)[:200]
            return json_response({"results": [self._openalex(w) for w in newest]})
        if path == "/arxiv/query" and "search_query" in request.query:
            return Response(200, _EMPTY_FEED, {"Content-Type": "application/atom+xml"})
        if path.startswith("/doi/api/handles/"):
            known = path.removeprefix("/doi/api/handles/").lower() in self.by_doi
            return json_response({"responseCode": 1 if known else 100}, 200 if known else 404)
        return None

    def _openalex(self, work: Work) -> dict[str, Any]:
        return {
            "id": f"https://openalex.org/W{id(work)}",
            "display_name": work.title,
            "publication_year": work.year,
            "doi": f"https://doi.org/{work.doi}" if work.doi else None,
            "authorships": [
                {"author": {"id": f"https://openalex.org/{self.ids[a]}", "display_name": a}}
                for a in work.authors
            ],
            "primary_location": {"source": {"display_name": work.venue}},
        }


def run(limit: int | None) -> dict[str, Any]:
    entries = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    entries = entries[:limit] if limit else entries
    # One work per DOI and per title: where entries disagree (a VALID entry and a perturbed
    # copy of it), the VALID entry's derived work is the one the APIs hold.
    ordered = sorted(range(len(entries)), key=lambda i: _precedence(entries[i]))
    works = [w for i in ordered if (w := derive(entries[i], i))]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    missed: list[dict[str, str]] = []
    started = time.perf_counter()
    with FakeBibServer([World(works)]) as server, tempfile.TemporaryDirectory() as tmp:
        settings = CitationSettings(
            **{f"{name}_url": server.base(name) for name in MOUNTS},  # type: ignore[arg-type]
            rate_limit_scale=0.0,
            check_claim_support=False,
        )
        checker = LiveCitationChecker.from_settings(settings, Path(tmp))
        for number, entry in enumerate(entries, start=1):
            text = render(entry, number)
            citation = _entry_citation(checker.check(text))
            group = entry.get("hallucination_type") or "VALID"
            flagged = citation is not None and citation.status in FLAGGED
            status = citation.status.value if citation else "none"
            counts[group]["n"] += 1
            counts[group]["flagged"] += flagged
            statuses[group][status] += 1
            if flagged != (entry["label"] == "HALLUCINATED") and len(missed) < 40:
                missed.append(
                    {
                        "type": group,
                        "status": status,
                        "text": text,
                        "detail": citation.detail if citation else "",
                    }
                )
    elapsed = time.perf_counter() - started
    hallucinated = [g for g in counts if g != "VALID"]
    total_h = sum(counts[g]["n"] for g in hallucinated)
    caught = sum(counts[g]["flagged"] for g in hallucinated)
    chimera_n = sum(counts[g]["n"] for g in CHIMERAS)
    chimera_mismatched = sum(statuses[g]["mismatched"] for g in CHIMERAS)
    return {
        "dataset": str(DATA.relative_to(ROOT.parent)),
        "entries": len(entries),
        "seconds": round(elapsed, 1),
        "recall_hallucinated": round(caught / total_h, 4) if total_h else None,
        "false_alarm_valid": round(counts["VALID"]["flagged"] / counts["VALID"]["n"], 4)
        if counts["VALID"]["n"]
        else None,
        "chimeras_reported_mismatched": round(chimera_mismatched / chimera_n, 4)
        if chimera_n
        else None,
        "per_type": {
            group: {
                "n": counts[group]["n"],
                "flagged_rate": round(counts[group]["flagged"] / counts[group]["n"], 4),
                "statuses": dict(statuses[group]),
            }
            for group in sorted(counts)
        },
        "errors_sample": missed,
    }


def _precedence(entry: dict[str, Any]) -> tuple[bool, bool]:
    """VALID entries first, and among them those whose author list is not cut short: a
    database holds every author."""
    return entry["label"] != "VALID", entry["fields"].get("author", "").endswith(" and others")


def _entry_citation(citations: list[Citation]) -> Citation | None:
    entries = [c for c in citations if not c.linked_reference]
    return entries[0] if entries else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N entries")
    args = parser.parse_args(argv)
    if not DATA.is_file():
        print(f"skipped: {DATA} not found (../shared is absent)")
        return 0
    report = run(args.limit)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"recall on HALLUCINATED {report['recall_hallucinated']:.1%}, "
        f"false alarms on VALID {report['false_alarm_valid']:.1%}, "
        f"chimeras MISMATCHED {report['chimeras_reported_mismatched']:.1%} "
        f"({report['entries']} entries, {report['seconds']} s)"
    )
    for group, row in report["per_type"].items():
        print(f"  {group:24} n={row['n']:4}  flagged {row['flagged_rate']:6.1%}  {row['statuses']}")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
