"""The `veracity` command line, run as a real subprocess on a temporary data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(600)


def veracity(
    *args: str, data_dir: Path, cwd: Path | None = None, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VERACITY_DATA_DIR": str(data_dir), "COLUMNS": "160", **extra_env}
    return subprocess.run(
        [str(Path(sys.executable).with_name("veracity")), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("veracity-data")


def test_check_one_answer_as_json(data_dir: Path) -> None:
    answer = "Global warming is the long-term rise in Earth's average temperature. Hello!"
    result = veracity("check", "--answer", answer, "--format", "json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    claims = response["claims"]
    assert [answer[c["span"]["start"] : c["span"]["end"]] for c in claims] == [
        c["text"] for c in claims
    ]
    assert claims[0]["checkable"] is True
    assert claims[0]["evidence"], "the demo corpus should give evidence"
    assert claims[1]["checkable"] is False
    assert response["collection"] == "demo"
    assert response["versions"]["verifier"]


def test_bad_input_gives_a_message_and_exit_code_2(data_dir: Path) -> None:
    empty = veracity("check", "--answer", "  ", data_dir=data_dir)
    assert empty.returncode == 2
    assert "answer: must not be empty" in empty.stderr
    neither = veracity("check", data_dir=data_dir)
    assert neither.returncode == 2
    assert "exactly one of --answer or --input" in neither.stderr


def test_unknown_collection_is_an_error(data_dir: Path) -> None:
    result = veracity(
        "check", "--answer", "Water is wet.", "--collection", "nope", data_dir=data_dir
    )
    assert result.returncode == 1
    assert "collection 'nope' does not exist" in result.stderr


def test_batch_file_keeps_order_and_reports_bad_lines(data_dir: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    lines = [
        {"id": "first", "answer": "Carbon dioxide is a greenhouse gas."},
        {"id": "wrong-type", "answer": 42},
        "not json at all",
        {"id": "empty", "answer": ""},
        {"id": "last", "answer": "Sea ice in the Arctic is shrinking.", "question": "Why?"},
    ]
    answers.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", "utf-8"
    )
    results = tmp_path / "out" / "results.jsonl"
    run = veracity(
        "check", "--input", str(answers), "--output", str(results), "--format", "json",
        data_dir=data_dir,
    )  # fmt: skip
    assert run.returncode == 3, run.stderr
    assert "3 of 5 answers failed" in run.stderr
    out = [json.loads(line) for line in results.read_text("utf-8").splitlines()]
    assert [o["id"] for o in out] == ["first", "wrong-type", "line-3", "empty", "last"]
    assert [o["error"] is None for o in out] == [True, False, False, False, True]
    assert "'answer' must be a string" in out[1]["error"]
    assert "invalid JSON" in out[2]["error"]
    assert "must not be empty" in out[3]["error"]
    assert out[0]["result"]["claims"][0]["text"] == "Carbon dioxide is a greenhouse gas."
    assert not results.with_name("results.jsonl.partial").exists()


def test_index_add_reports_bad_files_and_indexes_the_rest(data_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "kiwi.md"
    good.write_text("# Kiwi\nThe kiwi is a flightless bird endemic to New Zealand.\n", "utf-8")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02\xff" * 50)
    page = tmp_path / "kea.html"
    page.write_text("<html><body><p>The kea is a parrot of the Southern Alps.</p></body></html>")
    added = veracity(
        "index", "add", str(good), str(binary), str(page), "--collection", "birds",
        data_dir=data_dir,
    )  # fmt: skip
    assert added.returncode == 3
    assert "blob.txt" in added.stderr
    assert "birds: 2 documents" in added.stdout
    rebuilt = veracity("index", "rebuild", "--collection", "birds", data_dir=data_dir)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "birds: rebuilt faiss-IDMap2-FlatIP+tantivy-bm25 over 2 passages" in rebuilt.stdout
    checked = veracity(
        "check", "--answer", "Kiwis are flightless birds from New Zealand.",
        "--collection", "birds", "--format", "json", data_dir=data_dir,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    [claim] = json.loads(checked.stdout)["claims"]
    assert claim["evidence"][0]["documentId"] == "kiwi"
    assert claim["label"] == "SUPPORT_LABEL_SUPPORTED"


def test_tune_saves_a_model_that_check_then_uses(data_dir: Path) -> None:
    tuned = veracity(
        "tune", "--collection", "demo", "--name", "demo-tuned", "--max-documents", "6",
        "--max-sentences", "80", data_dir=data_dir,
    )  # fmt: skip
    assert tuned.returncode == 0, tuned.stderr
    assert (data_dir / "models" / "demo-tuned.json").is_file()
    checked = veracity(
        "check", "--answer", "Global warming is a rise in temperature.", "--format", "json",
        data_dir=data_dir, VERACITY_VERIFIER="signals:demo-tuned",
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["versions"]["verifier"] == "demo-tuned"
    missing = veracity(
        "check", "--answer", "Global warming is a rise in temperature.",
        data_dir=data_dir, VERACITY_VERIFIER="signals:never-tuned",
    )  # fmt: skip
    assert missing.returncode == 2
    assert "veracity tune" in missing.stderr


def test_tune_refuses_an_unknown_collection(data_dir: Path) -> None:
    result = veracity("tune", "--collection", "nope", data_dir=data_dir)
    assert result.returncode == 2
    assert "'nope' does not exist" in result.stderr
