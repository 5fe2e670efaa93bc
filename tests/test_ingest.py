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


def minimal_pdf(pages: list[str], title: str = "") -> bytes:
    """A valid PDF with one line of Helvetica text per page, written by hand (no PDF writer
    library needed), with a correct cross-reference table."""
    count = len(pages)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
        + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        stream = b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info = b""
    if title:
        objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
        info = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1) + info + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


HTML = """<!doctype html><html><head><meta charset="utf-8"><title>Bees | Site</title>
<link rel="canonical" href="https://example.org/bees"></head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a></nav>
<article><h1>Honey bees</h1>
<p>Honey bees pollinate many crops. A colony can contain tens of thousands of workers.</p>
<p>Beekeepers harvest honey in late summer.</p></article>
<footer>Copyright 2024, all rights reserved.</footer></body></html>"""


def test_html_main_text_title_and_url(tmp_path: Path) -> None:
    [document] = load_documents(write(tmp_path / "bees.html", HTML))
    assert document.id == "bees"
    assert document.source_url == "https://example.org/bees"
    assert "Honey bees" in document.title
    assert "Beekeepers harvest honey in late summer." in document.text
    assert "Home" not in document.text and "Copyright" not in document.text
    # Each block is its own paragraph, so a heading never runs into the next sentence.
    assert "Honey bees\n\nHoney bees pollinate" in document.text


def test_pdf_text_of_every_page(tmp_path: Path) -> None:
    data = minimal_pdf(["Glaciers retreat in the Alps.", "Sea level rises."], title="Ice")
    [document] = load_documents(write(tmp_path / "ice.pdf", data))
    assert (document.id, document.title) == ("ice", "Ice")
    assert document.text == "Glaciers retreat in the Alps.\n\nSea level rises."
    assert document.metadata == {"file": "ice.pdf", "pages": "2"}


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("script.html", "<html><script>var x = 1;</script><body></body></html>", "no text"),
        ("nul.htm", b"<html>\x00\x00</html>", "binary"),
        ("fake.pdf", "just text, not a PDF", "not a PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "not a readable PDF"),
        ("blank.pdf", minimal_pdf([""]), "no extractable text"),
    ],
)
def test_bad_html_and_pdf_name_the_file(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(IngestError, match=reason) as caught:
        load_documents(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_huge_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("retrieval.ingest.MAX_FILE_BYTES", 2 * 2**20)
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(3 * 2**20)  # sparse: the size is what matters
    with pytest.raises(IngestError, match="is 3 MiB; the limit is 2 MiB"):
        load_documents(path)
