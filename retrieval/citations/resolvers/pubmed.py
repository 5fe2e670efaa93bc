"""PubMed E-utilities: PMIDs (``efetch`` db=pubmed) and PMCIDs (db=pmc), with retractions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from retrieval.citations.resolvers.base import ApiResolver, plain, year_of
from retrieval.citations.types import WorkRecord


class PubMedResolver(ApiResolver):
    name = "pubmed"
    kinds = frozenset({"pmid", "pmcid"})

    def fetch(self, kind: str, value: str) -> list[WorkRecord]:
        if kind == "pmid":
            root = self.get_xml("/efetch.fcgi", {"db": "pubmed", "id": value, "retmode": "xml"})
            return [self._pubmed(a) for a in root.iter("PubmedArticle")]
        pmc = value.upper().removeprefix("PMC")
        root = self.get_xml("/efetch.fcgi", {"db": "pmc", "id": pmc, "retmode": "xml"})
        return [self._pmc(a) for a in root.iter("article")]

    def _pubmed(self, article: ET.Element) -> WorkRecord:
        authors = tuple(
            " ".join(p for p in (a.findtext("ForeName"), a.findtext("LastName")) if p)
            or plain(a.findtext("CollectiveName"))
            for a in article.iter("Author")
        )
        date = article.find(".//Journal/JournalIssue/PubDate")
        year = year_of(date.findtext("Year") or date.findtext("MedlineDate")) if date else 0
        types = [t.text or "" for t in article.iter("PublicationType")]
        return WorkRecord(
            source=self.name,
            title=plain(_text(article.find(".//ArticleTitle"))),
            authors=authors,
            year=year,
            venue=plain(article.findtext(".//Journal/Title")),
            doi=_doi(article, ".//ArticleIdList/ArticleId", "IdType"),
            abstract=" ".join(plain(_text(a)) for a in article.iter("AbstractText")),
            retraction="PubMed: Retracted Publication" if "Retracted Publication" in types else "",
        )

    def _pmc(self, article: ET.Element) -> WorkRecord:
        meta = article.find("front/article-meta")
        if meta is None:
            return WorkRecord(source=self.name)
        authors = tuple(
            " ".join(p for p in (n.findtext("given-names"), n.findtext("surname")) if p)
            for n in meta.iter("name")
        )
        return WorkRecord(
            source=self.name,
            title=plain(_text(meta.find("title-group/article-title"))),
            authors=authors,
            year=year_of(meta.findtext("pub-date/year")),
            venue=plain(article.findtext("front/journal-meta//journal-title")),
            doi=_doi(meta, "article-id", "pub-id-type"),
            abstract=plain(_text(meta.find("abstract"))),
        )


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _doi(root: ET.Element, path: str, attribute: str) -> str:
    for element in root.iterfind(path):
        if element.get(attribute) == "doi":
            return (element.text or "").lower()
    return ""
