"""The ``veracity`` command line: serve, index, check.

A thin layer: every command builds the same protobuf requests the gRPC API takes and runs them
in-process through one Checker, or against a running server with ``--server``, so both paths
print the same thing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from service.batch import read_records, response_to_dict, result_line
from service.config import DEFAULT_COLLECTION, DEFAULT_DATA_DIR, Settings
from veracity_client.v1 import veracity_pb2 as pb

if TYPE_CHECKING:
    from service.checker import Checker

app = typer.Typer(
    help="Veracity: check LLM answers for unsupported claims and fabricated citations.",
    no_args_is_help=True,
    add_completion=False,
)
index_app = typer.Typer(help="Manage the reference corpus.", no_args_is_help=True)
app.add_typer(index_app, name="index")

stdout = Console()
stderr = Console(stderr=True)

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="VERACITY_DATA_DIR", help="Where all state is kept."),
]
Collection = Annotated[str, typer.Option("--collection", "-c", help="Collection name.")]
CheckFn = Callable[[pb.CheckAnswerRequest], pb.CheckAnswerResponse]
T = TypeVar("T")

#: Exit codes: 0 ok, 1 fatal error, 2 bad usage or input, 3 finished with record errors.
EXIT_FATAL, EXIT_USAGE, EXIT_RECORD_ERRORS = 1, 2, 3


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _fail(message: str, code: int = EXIT_FATAL) -> NoReturn:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def serve(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    host: Annotated[str, typer.Option(envvar="VERACITY_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="VERACITY_PORT", help="0 picks a free port.")] = 50051,
    max_message_bytes: Annotated[int, typer.Option(envvar="VERACITY_MAX_MESSAGE_BYTES")] = 8
    * 1024
    * 1024,
    grace: Annotated[float, typer.Option(help="Seconds in-flight calls get on shutdown.")] = 10.0,
    workers: Annotated[int, typer.Option(help="Threads running checks.")] = 4,
) -> None:
    """Run the gRPC service (health and reflection included) until SIGTERM or Ctrl-C."""
    import logging

    from service.server import ServerSettings
    from service.server import serve as run_server

    logging.basicConfig(level=logging.INFO, format="veracity: %(levelname)s %(message)s")
    run_server(
        Settings(data_dir=data_dir),
        ServerSettings(
            host=host,
            port=port,
            max_message_bytes=max_message_bytes,
            grace_s=grace,
            workers=workers,
        ),
    )


@index_app.command("add")
def index_add(
    paths: Annotated[list[Path], typer.Argument(help="txt, md, html, pdf or JSONL files.")],
    collection: Collection = DEFAULT_COLLECTION,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Add or replace documents; a bad file is reported and the others are still indexed."""
    from retrieval.ingest import IngestError, load_documents

    documents, failed = [], 0
    for path in paths:
        try:
            documents.extend(load_documents(path))
        except IngestError as exc:
            failed += 1
            stderr.print(f"[bold red]error:[/] {exc}", highlight=False)
    if documents:
        report = _local_checker(data_dir).upsert_documents(collection, documents)
        for document_id, reason in report.errors:
            stderr.print(f"[bold red]error:[/] document {document_id!r}: {reason}", highlight=False)
        failed += len(report.errors)
        stdout.print(
            f"{report.collection}: {report.documents_upserted} documents, "
            f"{report.passages_indexed} passages indexed (index {report.index_version})"
        )
    if failed:
        raise typer.Exit(EXIT_RECORD_ERRORS if documents else EXIT_USAGE)


@index_app.command("delete")
def index_delete(
    document_ids: Annotated[list[str], typer.Argument(help="Ids of the documents to delete.")],
    collection: Collection = DEFAULT_COLLECTION,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Delete documents from a collection."""
    report = _run_local(lambda: _local_checker(data_dir).delete_documents(collection, document_ids))
    stdout.print(f"deleted {report.documents_deleted} documents (index {report.index_version})")
    if report.missing_ids:
        _fail(f"not in {collection!r}: {', '.join(report.missing_ids)}", EXIT_USAGE)


@index_app.command("rebuild")
def index_rebuild(collection: Collection = "", data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Rebuild the FAISS index of one collection (default: all) from SQLite."""
    stats = _run_local(lambda: _local_checker(data_dir).rebuild_index(collection))
    for s in stats:
        stdout.print(f"{s.name}: rebuilt {s.index_type} over {s.passages} passages")


@index_app.command("stats")
def index_stats(collection: Collection = "", data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Documents, passages and index version per collection."""
    stats = _run_local(lambda: _local_checker(data_dir).corpus_stats(collection))
    for s in stats:
        stdout.print(
            f"{s.name}: {s.documents} documents, {s.passages} passages, "
            f"{s.index_type} index {s.index_version}, embedder {s.embedder}"
        )


@app.command()
def check(
    answer: Annotated[str | None, typer.Option(help="The answer to check.")] = None,
    question: Annotated[str, typer.Option(help="The question it answers.")] = "",
    context_file: Annotated[
        list[Path] | None, typer.Option(help="Context document (repeatable); not stored.")
    ] = None,
    collection: Collection = "",
    top_k: Annotated[int, typer.Option(help="Evidence passages per claim (0: default).")] = 0,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Answers file (JSONL), one check per line.")
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", help="Results file (JSONL) for --input.")
    ] = None,
    server: Annotated[
        str | None, typer.Option(help="HOST:PORT of a running server (default: in-process).")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Check one answer (--answer) or a file of answers (--input)."""
    if (answer is None) == (input_file is None):
        _fail("give exactly one of --answer or --input", EXIT_USAGE)
    if output_file is not None and input_file is None:
        _fail("--output goes with --input", EXIT_USAGE)
    run = _remote_check(server) if server else _local_check(data_dir)
    if input_file is not None:
        _check_file(input_file, output_file, run, collection, output_format)
        return
    request = pb.CheckAnswerRequest(
        answer=answer or "",
        question=question,
        collection=collection,
        context=[_context_document(path) for path in context_file or []],
        options=pb.CheckOptions(top_k=top_k),
    )
    response = _run_check(run, request)
    if output_format is OutputFormat.json:
        print(json.dumps(response_to_dict(response), indent=2, ensure_ascii=False))
    else:
        from service.render import render_response

        stdout.print(render_response(response))


def _check_file(
    input_file: Path,
    output_file: Path | None,
    run: CheckFn,
    collection: str,
    output_format: OutputFormat,
) -> None:
    """Check every line; results go to ``output_file`` (written aside, then renamed)."""
    from service.render import render_response

    if not input_file.is_file():
        _fail(f"{input_file}: no such file", EXIT_USAGE)
    try:
        records = list(read_records(input_file, collection))
    except UnicodeDecodeError as exc:
        _fail(f"{input_file}: not UTF-8 text ({exc.reason} at byte {exc.start})", EXIT_USAGE)
    partial = output_file.with_name(output_file.name + ".partial") if output_file else None
    if partial is not None:
        partial.parent.mkdir(parents=True, exist_ok=True)
    errors = 0
    with (
        partial.open("w", encoding="utf-8") if partial else _NullWriter() as sink,
        Progress(
            TextColumn("checking"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.completed}/{task.total} answers"),
            TimeRemainingColumn(),
            console=stderr,
        ) as progress,
    ):
        task = progress.add_task("check", total=len(records))
        for record in records:
            line, response = result_line(record, run)
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            if line["error"] is not None:
                errors += 1
                progress.console.print(f"[red]{record.id}: {line['error']}[/]", highlight=False)
            elif output_format is OutputFormat.table and response is not None:
                stdout.print(render_response(response, title=f"answer {record.id}"))
            elif output_format is OutputFormat.json and output_file is None:
                print(json.dumps(line, ensure_ascii=False))
            progress.advance(task)
    if partial is not None and output_file is not None:
        partial.replace(output_file)
        stderr.print(f"{len(records)} results written to {output_file}", highlight=False)
    if errors:
        stderr.print(f"{errors} of {len(records)} answers failed", highlight=False)
        raise typer.Exit(EXIT_RECORD_ERRORS)


class _NullWriter:
    def write(self, text: str) -> int:
        return len(text)

    def __enter__(self) -> _NullWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _context_document(path: Path) -> pb.Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"--context-file {path}: {exc}", EXIT_USAGE)
    return pb.Document(id=path.name, title=path.stem, text=text)


def _local_checker(data_dir: Path) -> Checker:
    """Load the in-process Checker (models and corpus) with a status line while it loads."""
    from service.checker import Checker

    with stderr.status("loading models and corpus"):
        return Checker.from_settings(Settings(data_dir=data_dir))


def _local_check(data_dir: Path) -> CheckFn:
    from service import convert

    checker = _local_checker(data_dir)

    def run(request: pb.CheckAnswerRequest) -> pb.CheckAnswerResponse:
        domain = convert.check_request_from_proto(request, checker.settings.default_top_k)
        response: pb.CheckAnswerResponse = convert.check_result_to_proto(checker.check(domain))
        return response

    return run


def _remote_check(target: str) -> CheckFn:
    import grpc

    from veracity_client.v1 import veracity_pb2_grpc

    channel = grpc.insecure_channel(target)
    stub = veracity_pb2_grpc.VeracityServiceStub(channel)

    def run(request: pb.CheckAnswerRequest) -> pb.CheckAnswerResponse:
        response: pb.CheckAnswerResponse = stub.CheckAnswer(request, timeout=120)
        return response

    return run


def _run_check(run: CheckFn, request: pb.CheckAnswerRequest) -> pb.CheckAnswerResponse:
    import grpc

    from service.errors import InvalidArgument, VeracityError

    try:
        return run(request)
    except InvalidArgument as exc:
        _fail(str(exc), EXIT_USAGE)
    except VeracityError as exc:
        _fail(str(exc))
    except grpc.RpcError as exc:
        code = exc.code()  # type: ignore[attr-defined]
        usage = code is grpc.StatusCode.INVALID_ARGUMENT
        _fail(f"{code.name}: {exc.details()}", EXIT_USAGE if usage else EXIT_FATAL)  # type: ignore[attr-defined]


def _run_local(action: Callable[[], T]) -> T:
    from service.errors import InvalidArgument, VeracityError

    try:
        return action()
    except InvalidArgument as exc:
        _fail(str(exc), EXIT_USAGE)
    except VeracityError as exc:
        _fail(str(exc))


if __name__ == "__main__":
    sys.exit(app())
