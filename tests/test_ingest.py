"""Every unreadable input is an IngestError that names the file (and the JSONL line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.ingest import IngestError, load_documents
from retrieval.types import Document


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_markdown_title_is_its_first_heading(tmp_path: Path) -> None:
    path = write(tmp_path / "glaciers.md", "Intro line.\n\n## Retreat of glaciers ##\n\nText.")
    [document] = load_documents(path)
    assert document.id == "glaciers"
    assert document.title == "Retreat of glaciers"
    assert document.text == path.read_text(encoding="utf-8")


def test_text_file_without_heading_is_titled_by_its_stem(tmp_path: Path) -> None:
    [document] = load_documents(write(tmp_path / "notes.txt", "\ufeffPlain text."))
    assert (document.id, document.title, document.text) == ("notes", "notes", "Plain text.")


def test_jsonl_records(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a",
            "text": "Alpha.",
            "title": "A",
            "source_url": "https://a",
            "metadata": {"k": "v"},
        },
        {"id": "b", "text": "Beta."},
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert load_documents(path) == [
        Document("a", "Alpha.", "A", "https://a", {"k": "v"}),
        Document("b", "Beta."),
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason", "line"),
    [
        ("empty.txt", "", "is empty", None),
        ("blank.md", "  \n\t\n", "is empty", None),
        ("empty.jsonl", "\n\n", "is empty", None),
        ("binary.txt", b"\x89PNG\r\n\x00\x00data", "binary", None),
        ("latin1.md", "caf\u00e9".encode("latin-1"), "not UTF-8", None),
        ("table.csv", "a,b\n1,2\n", "unsupported file type '.csv'", None),
        ("bad.jsonl", '{"id": "a", "text": "ok"}\n{"id": "b", "text": \n', "invalid JSON", 2),
        ("notext.jsonl", '{"id": "a"}\n', "'text'", 1),
        ("noid.jsonl", '{"id": "a", "text": "x"}\n\n{"text": "y"}\n', "'id'", 3),
        ("list.jsonl", "[1, 2]\n", "expected a JSON object", 1),
        ("meta.jsonl", '{"id": "a", "text": "x", "metadata": {"n": 1}}\n', "metadata", 1),
        ("dup.jsonl", '{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "duplicate", 2),
    ],
)
def test_bad_input_names_the_file(
    tmp_path: Path, name: str, content: str | bytes, reason: str, line: int | None
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(IngestError, match=reason) as caught:
        load_documents(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: ")
    assert caught.value.path == path and caught.value.line == line


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"
    with pytest.raises(IngestError, match="not found") as caught:
        load_documents(path)
    assert str(path) in str(caught.value)


def test_directory_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "folder.txt"
    path.mkdir()
    with pytest.raises(IngestError, match="directory"):
        load_documents(path)


def test_demo_corpus_loads() -> None:
    path = Path(__file__).resolve().parent.parent / "service" / "data" / "demo_corpus.jsonl"
    documents = load_documents(path)
    assert 40 <= len(documents) <= 60
    assert all(
        d.title and d.source_url.startswith("https://en.wikipedia.org/wiki/") for d in documents
    )
