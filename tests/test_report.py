"""``veracity report`` and ``veracity compare``: measures, the marked-up answers, the pages.

Results files are built from real ``CheckAnswerResponse`` messages (their proto3 JSON, as
``veracity check`` writes them), so the report reads the contract's own shape. The pages are
opened in a real headless Chromium: a screenshot is taken and any page error fails the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from browser import file_url, find_chromium, run_page

from service.batch.records import response_to_dict
from service.report.answers import highlighted
from service.report.compare import compare
from service.report.metrics import aggregate, load_results
from veracity_client.v1 import veracity_pb2 as pb

SUPPORTED, CONTRADICTED, UNVERIFIABLE = (
    pb.SUPPORT_LABEL_SUPPORTED,
    pb.SUPPORT_LABEL_CONTRADICTED,
    pb.SUPPORT_LABEL_UNVERIFIABLE,
)


def claim(answer: str, text: str, label: int, score: float, hedged: bool = False) -> pb.Claim:
    start = answer.index(text)
    return pb.Claim(
        text=text,
        span=pb.Span(start=start, end=start + len(text)),
        checkable=True,
        label=label,
        support_score=score,
        assertiveness=pb.ASSERTIVENESS_HEDGED if hedged else pb.ASSERTIVENESS_ASSERTED,
        evidence=[
            pb.Evidence(
                document_id="doc",
                title="Doc <1>",
                text=f"evidence for {text}",
                score=0.8,
                decisive=True,
            )
        ],
    )


def result_line(record_id: str, answer: str, claims: list[tuple], citations=(), **fields) -> dict:
    made = [claim(answer, *c) for c in claims]
    counts = {
        label: sum(c.label == label for c in made)
        for label in (SUPPORTED, CONTRADICTED, UNVERIFIABLE)
    }
    unsupported_asserted = sum(
        c.label != SUPPORTED and c.assertiveness == pb.ASSERTIVENESS_ASSERTED for c in made
    )
    fabricated = sum(
        s in (pb.CITATION_STATUS_NOT_FOUND, pb.CITATION_STATUS_MISMATCHED) for _, s in citations
    )
    response = pb.CheckAnswerResponse(
        claims=made,
        citations=[
            pb.Citation(
                raw=raw,
                span=pb.Span(start=answer.index(raw), end=answer.index(raw) + len(raw)),
                status=status,
                detail="looked up",
            )
            for raw, status in citations
        ],
        summary=pb.Summary(
            claims_total=len(made),
            checkable=len(made),
            supported=counts[SUPPORTED],
            contradicted=counts[CONTRADICTED],
            unverifiable=counts[UNVERIFIABLE],
            factual_precision=counts[SUPPORTED] / len(made) if made else 0.0,
            citations_total=len(citations),
            fabricated_citations=fabricated,
            unsupported_asserted=unsupported_asserted,
        ),
    )
    return {
        "id": record_id,
        "answer": answer,
        **fields,
        "result": response_to_dict(response),
        "error": None,
    }


A1 = "Water boils at 100 °C. The Moon is made of cheese <script>alert(1)</script>."
A2 = "Paris is in France (doi:10.1/x). Maybe Paris has 90 million people."
A3 = "Ice is cold. Ice is hot."


def old_lines() -> list[dict]:
    return [
        result_line(
            "a1",
            A1,
            [
                ("Water boils at 100 °C.", SUPPORTED, 0.9),
                ("The Moon is made of cheese", CONTRADICTED, 0.05),
            ],
            model="m1",
        ),
        result_line(
            "a2",
            A2,
            [
                ("Paris is in France", SUPPORTED, 0.8),
                ("Maybe Paris has 90 million people.", UNVERIFIABLE, 0.4, True),
            ],
            [("doi:10.1/x", pb.CITATION_STATUS_VERIFIED)],
            model="m2",
        ),
        result_line(
            "a3",
            A3,
            [("Ice is cold.", SUPPORTED, 0.95), ("Ice is hot.", SUPPORTED, 0.6)],
            model="m2",
        ),
        {"id": "a4", "answer": "x", "model": "m1", "result": None, "error": "boom"},
    ]


def new_lines() -> list[dict]:
    return [
        old_lines()[0],
        result_line(
            "a2",
            A2,
            [
                ("Paris is in France", SUPPORTED, 0.8),
                ("Maybe Paris has 90 million people.", UNVERIFIABLE, 0.4, True),
            ],
            [("doi:10.1/x", pb.CITATION_STATUS_NOT_FOUND)],
            model="m2",
        ),
        result_line(
            "a3",
            A3,
            [("Ice is cold.", SUPPORTED, 0.95), ("Ice is hot.", CONTRADICTED, 0.1)],
            model="m2",
        ),
        result_line("a5", "New answer.", [("New answer.", SUPPORTED, 0.7)], model="m1"),
    ]


def write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json\n", "utf-8")
    return path


def test_measures_follow_their_definitions(tmp_path: Path) -> None:
    results = load_results(write(tmp_path / "r.jsonl", old_lines()))
    assert results.unreadable == 1
    overall = aggregate(results.rows)
    assert (overall.answers, overall.errors, overall.checked, overall.claims) == (4, 1, 3, 6)
    assert overall.factual_precision == pytest.approx(4 / 6)
    # a1 has a contradicted assertion; a2's unverifiable claim is hedged, so it does not count.
    assert overall.hallucination_rate == pytest.approx(1 / 3)
    assert overall.fabricated_rate == 0.0
    assert sorted(overall.scores) == sorted([0.9, 0.05, 0.8, 0.4, 0.95, 0.6])


def test_claims_are_marked_and_the_answer_escaped() -> None:
    line = old_lines()[0]
    html = highlighted(line["answer"], "0", line["result"])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark class="lbl-supported" tabindex="0" data-answer="0" data-claims="0"' in html
    assert 'class="lbl-contradicted"' in html and 'data-claims="1"' in html
    cited = old_lines()[1]
    badge = highlighted(cited["answer"], "1", cited["result"])
    # The badge follows the citation's text.
    assert badge.index("doi:10.1/x") < badge.index('class="badge st-verified"')


def test_overlapping_claims_take_the_worst_label() -> None:
    answer = "Ice is cold and hot."
    response = pb.CheckAnswerResponse(
        claims=[
            claim(answer, "Ice is cold", SUPPORTED, 0.9),
            claim(answer, "Ice is cold and hot.", CONTRADICTED, 0.1),
        ]
    )
    html = highlighted(answer, "0", response_to_dict(response))
    assert '<mark class="lbl-contradicted" tabindex="0" data-answer="0" data-claims="0 1"' in html
    assert html.count("<mark") == 2


def test_drift_per_answer_and_overall(tmp_path: Path) -> None:
    old = load_results(write(tmp_path / "old.jsonl", old_lines()))
    new = load_results(write(tmp_path / "new.jsonl", new_lines()))
    drift = compare(old, new, ["model"], ("old", "new"))
    assert drift.only_old == ["a4"] and drift.only_new == ["a5"]
    assert [c.id for c in drift.changes] == ["a3", "a2", "a1"]  # worst first
    a3, a2, a1 = drift.changes
    assert a3.precision_delta == pytest.approx(-0.5)
    assert (a3.old.hallucinated, a3.new.hallucinated) == (False, True)
    assert a2.fabricated_delta == 1 and a2.changed
    assert not a1.changed
    overall = drift.overall
    assert overall.old.factual_precision == pytest.approx(4 / 6)
    assert overall.new.factual_precision == pytest.approx(3 / 6)
    assert overall.new.fabricated_rate == 1.0
    assert [m.name for m in drift.measures] == ["all answers", "model=m1", "model=m2"]


def veracity(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("veracity")), *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"},
    )


def test_cli_report_and_compare(tmp_path: Path) -> None:
    old = write(tmp_path / "old.jsonl", old_lines())
    new = write(tmp_path / "new.jsonl", new_lines())
    page = tmp_path / "out" / "report.html"
    done = veracity("report", str(old), "-o", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text("utf-8")
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "<svg" in html and "By model" in html
    compared = veracity("compare", str(old), str(new), "--html", str(tmp_path / "drift.html"))
    assert compared.returncode == 0, compared.stderr
    assert "factual precision" in compared.stdout and "-16.7 pt" in compared.stdout
    assert "a3" in compared.stdout
    missing = veracity("report", str(tmp_path / "nope.jsonl"), "-o", str(page))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no chromium on PATH: 'make browser' installs Debian's package (as root)")
    return found


def test_the_error_check_catches_a_page_error(chromium: str, tmp_path: Path) -> None:
    """The check below must be able to fail: a page that throws is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>null.f();</script></body></html>", "utf-8")
    assert run_page(chromium, file_url(page), "--dump-dom").errors


def test_report_page_in_chromium(chromium: str, tmp_path: Path) -> None:
    results = write(tmp_path / "results.jsonl", old_lines())
    page = tmp_path / "report.html"
    assert veracity("report", str(results), "-o", str(page)).returncode == 0
    shot = tmp_path / "report.png"
    run = run_page(chromium, file_url(page), f"--screenshot={shot}", "--window-size=1200,1800")
    assert run.errors == []
    assert shot.stat().st_size > 10_000
    # Opening a claim by link runs the same code as a click: its evidence and score show.
    dom = run_page(chromium, file_url(page, "claim-0-1"), "--dump-dom")
    assert dom.errors == []
    assert 'data-ready="1"' in dom.output
    assert 'id="popup" role="dialog" class="open"' in dom.output
    assert (
        "contradicted · 0.05" in dom.output
        and "evidence for The Moon is made of cheese" in dom.output
    )


def test_drift_page_in_chromium(chromium: str, tmp_path: Path) -> None:
    old = write(tmp_path / "old.jsonl", old_lines())
    new = write(tmp_path / "new.jsonl", new_lines())
    page = tmp_path / "drift.html"
    assert veracity("compare", str(old), str(new), "-o", str(page)).returncode == 0
    shot = tmp_path / "drift.png"
    run = run_page(chromium, file_url(page), f"--screenshot={shot}", "--window-size=1200,1800")
    assert run.errors == []
    assert shot.stat().st_size > 10_000
