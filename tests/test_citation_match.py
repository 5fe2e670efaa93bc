"""Title and venue matching: what counts as the same title or venue, and what does not.

The pairs are written the way real references and real records write them (ISO 4 journal
abbreviations, Crossref container titles, British and American spelling), next to the
fabrication patterns of the HALLMARK dev set (a one-word or one-letter title change, a made-up
venue built from real words, a real venue swapped for another).
"""

from __future__ import annotations

import pytest

from retrieval.citations.match import (
    MatchThresholds,
    compare,
    is_preprint,
    same_title,
    venues_match,
)
from retrieval.citations.types import CitedWork, WorkRecord


@pytest.mark.parametrize(
    ("cited", "recorded"),
    [
        ("Attention is all you need", "Attention Is All You Need."),
        ("Modelling spatiotemporal dynamics", "Modeling Spatiotemporal Dynamics"),
        ("Normalised flows for colour images", "Normalized Flows for Color Images"),
        ("Pre-training of deep transformers", "Pretraining of Deep Transformers"),
        ("Search & rescue with drones", "Search and Rescue with Drones"),
        ("Sparse probes for reef acoustics", "Sparse Probes for Reef Acoustics: A Field Study"),
        ("Schrödinger bridges", "Schrodinger Bridges"),
    ],
)
def test_the_same_title_written_differently(cited: str, recorded: str) -> None:
    assert same_title(cited, recorded)


@pytest.mark.parametrize(
    ("cited", "recorded"),
    [
        ("Meta-Learnings Bidirectional Update Rules", "Meta-Learning Bidirectional Update Rules"),
        ("Subspace Differential Privacys", "Subspace Differential Privacy"),
        ("Metrics for Auditing Generative Model", "Metrics for Auditing Generative Models"),
        ("Learning to Summarize with Human Feedback", "Learning to Summarize from Human Feedback"),
        ("BERT: Pre-training of deep transformers", "BERT: Pre-training of shallow transformers"),
    ],
)
def test_an_altered_title_is_not_the_same(cited: str, recorded: str) -> None:
    assert not same_title(cited, recorded)


@pytest.mark.parametrize(
    ("cited", "recorded"),
    [
        ("ICML", "Proceedings of the 39th International Conference on Machine Learning"),
        ("J. Mach. Learn. Res", "Journal of Machine Learning Research"),
        ("Mach. Learn", "Machine Learning"),
        (
            "IEEE Trans. Pattern Anal. Mach. Intell",
            "IEEE Transactions on Pattern Analysis and Machine Intelligence",
        ),
        ("IEEE Trans. Inf. Theory", "IEEE Transactions on Information Theory"),
        ("Proc. Natl. Acad. Sci", "Proceedings of the National Academy of Sciences"),
        ("Nat. Commun", "Nature Communications"),
        ("Phys. Rev. Lett", "Physical Review Letters"),
        ("PLoS Comput. Biol", "PLOS Computational Biology"),
        ("ICASSP", "2020 IEEE International Conference on Acoustics, Speech and Signal Processing"),
        ("Conference on Robot Learning (CoRL)", "Conference on Robot Learning"),
        ("Interspeech 2020, Shanghai, China", "Interspeech 2020"),
        ("Bioinformatics", "Bioinformatics"),
    ],
)
def test_the_same_venue_abbreviated(cited: str, recorded: str) -> None:
    assert venues_match(cited, recorded)


@pytest.mark.parametrize(
    ("cited", "recorded"),
    [
        ("International Conference on Quantum Machine Learning", "ICML"),
        (
            "International Conference on Quantum Machine Learning",
            "Proceedings of the International Conference on Machine Learning",
        ),
        ("Mach. Learn", "Journal of Machine Learning Research"),
        ("Journal of Machine Learning", "Journal of Machine Learning Research"),
        ("Symposium on Neural Scaling Laws", "Advances in Neural Information Processing Systems"),
        ("CVPR", "Proceedings of the AAAI Conference on Artificial Intelligence"),
        ("Nature Communications", "Nature"),
        ("Physical Review Letters", "Physical Review B"),
    ],
)
def test_another_or_a_made_up_venue(cited: str, recorded: str) -> None:
    assert not venues_match(cited, recorded)


def test_preprint_servers() -> None:
    assert all(is_preprint(v) for v in ("arXiv", "arXiv.org", "CoRR", "bioRxiv", "SSRN"))
    assert not any(is_preprint(v) for v in ("NeurIPS", "Nature", ""))


def test_a_preprint_record_leaves_the_cited_venue_unconfirmed() -> None:
    cited = CitedWork("Sparse probes", ("Ann Lee",), year=2024, venue="ICML")
    preprint = WorkRecord("datacite", "Sparse probes", ("Ann Lee",), 2024, venue="arXiv")
    match = compare(cited, preprint, MatchThresholds())
    assert match.matches and match.venue_unconfirmed
    published = WorkRecord("crossref", "Sparse probes", ("Ann Lee",), 2024, venue="CVPR")
    other = compare(cited, published, MatchThresholds())
    assert not other.matches and not other.venue_unconfirmed
    as_preprint = compare(
        CitedWork("Sparse probes", ("Ann Lee",), year=2024, venue="arXiv preprint"),
        preprint,
        MatchThresholds(),
    )
    assert as_preprint.matches and not as_preprint.venue_unconfirmed
