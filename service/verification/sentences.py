"""A claim split out of a sentence can take the whole sentence's support.

Evidence that says a whole sentence says each of its parts, so a part may inherit the
sentence's verdict when that is the better one. Splitting still finds the one unsupported part
of a sentence whose other parts the evidence covers; but a part is judged with less context
than its sentence ("was signed in 1848" alone), and on the development sets the sentences' own
scores ranked claims better than the weakest of their parts (AUROC 0.709 against 0.650 on
climate-FEVER with cosine similarity; bench/results/eval.json).

The verifiers read similarity more than meaning, so a sentence can score high on its true parts
while one part is wrong ("The Amazon is the largest rainforest and lies mostly in Africa"). A
part therefore inherits only when one passage behind the sentence's verdict names every name
and number of the part: a wrong entity, date or quantity, the commonest fabrication, is never
covered by its sentence. Contradiction is neither inherited nor overridden: a part
contradicted on its own stays contradicted, and a contradicted sentence does not say which of
its parts is wrong.
"""

from __future__ import annotations

from dataclasses import replace

from service.types import SupportLabel, Verdict
from service.verification.signals import text_signals

#: ``Verdict.decided_by`` of a claim that took its sentence's verdict.
DECIDED_BY_SENTENCE = "sentence"


def with_sentence_verdict(part: str, own: Verdict, sentence: Verdict) -> Verdict:
    """The verdict of the claim ``part``: its own, or its sentence's when that has the higher
    support score and a label at least as good, neither is a contradiction, and the sentence's
    evidence names the part's names and numbers."""
    contradicted = SupportLabel.CONTRADICTED
    if own.label is contradicted or sentence.label is contradicted:
        return own
    downgrade = own.label is SupportLabel.SUPPORTED and sentence.label is not own.label
    if downgrade or sentence.support_score <= own.support_score:
        return own
    if not _names_and_numbers_found(part, sentence):
        return own
    return replace(sentence, decided_by=DECIDED_BY_SENTENCE)


def _names_and_numbers_found(part: str, sentence: Verdict) -> bool:
    """Whether one passage behind the sentence's verdict (its decisive passage when it has
    one) contains every name and number of ``part``."""
    evidence = sentence.evidence
    passages = [evidence[sentence.decisive]] if sentence.decisive is not None else evidence
    wanted = text_signals(part)
    for passage in passages:
        found = text_signals(passage.text)
        if wanted.names <= found.words and wanted.numbers <= found.numbers:
            return True
    return False
