"""Build service/data/demo_corpus.jsonl from the CLIMATE-FEVER dev evidence sentences.

CLIMATE-FEVER pairs claims with evidence sentences taken from English Wikipedia. This groups
those sentences by article, keeps the articles with the most sentences (up to a cap each, in
article order), and writes one document per article. Run from the repository root:

    python tools/build_demo_corpus.py
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "../shared/data/eval/climate_fever/climate-fever-dev.jsonl"
TARGET = REPO / "service/data/demo_corpus.jsonl"


def collect_sentences(source: Path) -> dict[str, dict[int, str]]:
    """Article title -> sentence number -> sentence, over every claim's evidence."""
    articles: dict[str, dict[int, str]] = defaultdict(dict)
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            for evidence in json.loads(line)["evidences"]:
                number = int(evidence["evidence_id"].rpartition(":")[2])
                articles[evidence["article"]][number] = evidence["evidence"].strip()
    return articles


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def choose(
    articles: dict[str, dict[int, str]], count: int, max_sentences: int
) -> list[tuple[str, list[str]]]:
    """The ``count`` articles with the most sentences, each with its first ``max_sentences``
    sentences in article order (ties broken by title, so the output is reproducible)."""
    titles = sorted(articles, key=lambda title: (-len(articles[title]), title))[:count]
    return [(t, [articles[t][n] for n in sorted(articles[t])][:max_sentences]) for t in titles]


def record(title: str, sentences: list[str]) -> dict[str, object]:
    return {
        "id": slug(title),
        "title": title,
        "source_url": "https://en.wikipedia.org/wiki/" + title.replace(" ", "_"),
        "text": " ".join(sentences),
        "metadata": {"source": "climate-fever"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the demo corpus from CLIMATE-FEVER.")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=TARGET)
    parser.add_argument("--articles", type=int, default=50, help="how many articles to keep")
    parser.add_argument("--max-sentences", type=int, default=8, help="sentences per article")
    args = parser.parse_args()
    chosen = choose(collect_sentences(args.source), args.articles, args.max_sentences)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as out:
        for title, sentences in chosen:
            out.write(json.dumps(record(title, sentences), ensure_ascii=False) + "\n")
            print(f"{len(sentences):3d}  {title}")
    total = sum(len(sentences) for _, sentences in chosen)
    print(f"{len(chosen)} articles, {total} sentences -> {args.output}")


if __name__ == "__main__":
    main()
