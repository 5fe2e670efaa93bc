"""Claim-extraction benchmark on the hand-written gold set (bench/claims_gold.jsonl).

Matching rule: a predicted claim matches a gold claim when the token F1 of their normalised
texts (lower-cased, words only) is at least 0.7; pairs are matched one-to-one, greedily,
best F1 first. Precision = matched / predicted, recall = matched / gold. Over the matched
pairs, checkability and assertiveness agreement are reported too.

Span exactness: a predicted claim's spans are exact when every span lies inside the answer,
is tight (no surrounding whitespace), starts and ends on word boundaries, starts on no
markdown marker, and is outside code fences. Separately, ``words_grounded`` is the share of
claims whose every word is in the answer or the question (what decontextualisation brought
in), or is one of the few function words the rules insert. Throughput counts gold-set sentences
(prose split at sentence-final punctuation and line breaks) per second of ``extract_many``.

Writes bench/results/claims.json.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from service.claims import SpacyClaimExtractor
from service.types import Assertiveness, Claim

HERE = Path(__file__).resolve().parent
GOLD = HERE / "claims_gold.jsonl"
RESULTS = HERE / "results" / "claims.json"
MATCH_F1 = 0.7
MATCHING_RULE = (
    f"token F1 of lower-cased word tokens >= {MATCH_F1}, one-to-one greedy by F1 "
    "(all claims, checkable or not)"
)
_WORD = re.compile(r"\w+")
_INSERTED = {"is", "are", "was", "were", "in", "on", "the", "of", "s", "before", "after"}
_INSERTED |= {"than", "not", "answer", "to", "has", "have", "did", "does", "do"}
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?(^[ \t]*\1[^\n]*$|\Z)", re.M | re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def token_f1(a: str, b: str) -> float:
    wa, wb = Counter(words(a)), Counter(words(b))
    common = sum((wa & wb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(wa.values()), common / sum(wb.values())
    return 2 * precision * recall / (precision + recall)


def match(predicted: Sequence[str], gold: Sequence[str]) -> list[tuple[int, int, float]]:
    """(predicted index, gold index, F1) of the one-to-one greedy matching."""
    pairs = sorted(
        ((token_f1(p, g), i, j) for i, p in enumerate(predicted) for j, g in enumerate(gold)),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    matched = []
    for f1, i, j in pairs:
        if f1 < MATCH_F1:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            matched.append((i, j, f1))
    return matched


def span_exact(claim: Claim, answer: str, question: str) -> bool:
    fences = [(m.start(), m.end()) for m in _FENCE.finditer(answer)]
    for start, end in claim.source_spans:
        if not 0 <= start < end <= len(answer):
            return False
        piece = answer[start:end]
        if piece != piece.strip() or piece[0] in "#>|`*-":
            return False
        if start > 0 and answer[start - 1].isalnum() and answer[start].isalnum():
            return False
        if end < len(answer) and answer[end - 1].isalnum() and answer[end].isalnum():
            return False
        if any(s <= start < e for s, e in fences):
            return False
    return bool(answer[claim.start : claim.end].strip())


def grounded(claim: Claim, answer: str, question: str) -> bool:
    """Every word of the claim is in the answer or question (or an inserted function word);
    inflections count by their first four letters ("discovered" from "discover")."""
    context = set(words(answer)) | set(words(question))
    stems = {w[:4] for w in context if len(w) >= 4}
    return all(w in context or w in _INSERTED or w[:4] in stems for w in words(claim.text))


def sentence_count(answer: str) -> int:
    prose = _FENCE.sub("", answer)
    return sum(1 for s in _SENTENCE_END.split(prose) if re.search(r"[A-Za-z0-9]", s))


def run(gold_path: Path = GOLD, repeats: int = 3) -> dict[str, Any]:
    records = [json.loads(line) for line in gold_path.read_text("utf-8").splitlines() if line]
    extractor = SpacyClaimExtractor()
    items = [(r["answer"], r.get("question", "")) for r in records]
    extractor.extract_many(items[:4])  # load the model outside the timing
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        predicted = extractor.extract_many(items)
        timings.append(time.perf_counter() - began)
    sentences = sum(sentence_count(answer) for answer, _ in items)
    totals: Counter[str] = Counter()
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[dict[str, Any]] = []
    for record, item, claims in zip(records, items, predicted, strict=True):
        gold = record["claims"]
        pairs = match([c.text for c in claims], [g["text"] for g in gold])
        counts = Counter(predicted=len(claims), gold=len(gold), matched=len(pairs))
        for i, j, _ in pairs:
            counts["checkable_agree"] += claims[i].checkable == gold[j].get("checkable", True)
            hedged = claims[i].assertiveness is Assertiveness.HEDGED
            counts["hedged_agree"] += hedged == gold[j].get("hedged", False)
        counts["spans_exact"] = sum(span_exact(c, *item) for c in claims)
        counts["grounded"] = sum(grounded(c, *item) for c in claims)
        totals += counts
        by_category[record["category"]] += counts
        if counts["matched"] < max(len(claims), len(gold)):
            matched_p, matched_g = {i for i, _, _ in pairs}, {j for _, j, _ in pairs}
            misses.append(
                {
                    "id": record["id"],
                    "extra": [c.text for i, c in enumerate(claims) if i not in matched_p],
                    "missed": [g["text"] for j, g in enumerate(gold) if j not in matched_g],
                }
            )
    best = min(timings)
    return {
        "extractor": extractor.version,
        "gold": gold_path.name,
        "answers": len(records),
        "sentences": sentences,
        "gold_claims": totals["gold"],
        "matching_rule": MATCHING_RULE,
        **_prf(totals),
        "checkable_agreement": _ratio(totals["checkable_agree"], totals["matched"]),
        "hedged_agreement": _ratio(totals["hedged_agree"], totals["matched"]),
        "span_exactness": _ratio(totals["spans_exact"], totals["predicted"]),
        "words_grounded": _ratio(totals["grounded"], totals["predicted"]),
        "sentences_per_s": round(sentences / best, 1),
        "seconds_best_of": [round(best, 3), repeats],
        "by_category": {k: _prf(v) for k, v in sorted(by_category.items())},
        "mismatches": misses,
    }


def _prf(counts: Counter[str]) -> dict[str, float]:
    precision = _ratio(counts["matched"], counts["predicted"])
    recall = _ratio(counts["matched"], counts["gold"])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": round(f1, 4)}


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = run(args.gold)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    summary = {k: v for k, v in results.items() if k not in {"mismatches", "by_category"}}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
