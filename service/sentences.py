"""A claim split out of a sentence is at least as supported as the whole sentence.

Evidence that says a whole sentence says each of its parts, so a part inherits the sentence's
verdict when that is the better one. Splitting still finds the one unsupported part of a
sentence whose other parts the evidence covers; but a part is judged with less context than
its sentence ("was signed in 1848" alone), and on the development sets the sentences' own
scores ranked claims better than the weakest of their parts (AUROC 0.709 against 0.650 on
climate-FEVER with cosine similarity; bench/results/eval.json). Contradiction is not
inherited, and does not pass on: a part contradicted on its own stays contradicted, and a
contradicted sentence does not say which of its parts is wrong.
"""

from __future__ import annotations

from dataclasses import replace

from service.types import SupportLabel, Verdict

#: ``Verdict.decided_by`` of a claim that took its sentence's verdict.
DECIDED_BY_SENTENCE = "sentence"


def with_sentence_verdict(own: Verdict, sentence: Verdict) -> Verdict:
    """The claim's verdict, or its sentence's when that has the higher support score and a
    label at least as good, and neither is a contradiction."""
    contradicted = SupportLabel.CONTRADICTED
    if own.label is contradicted or sentence.label is contradicted:
        return own
    downgrade = own.label is SupportLabel.SUPPORTED and sentence.label is not own.label
    if downgrade or sentence.support_score <= own.support_score:
        return own
    return replace(sentence, decided_by=DECIDED_BY_SENTENCE)
