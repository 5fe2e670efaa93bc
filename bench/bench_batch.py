"""Batch scoring throughput: in-process, through one server, and on Ray with 1 and 2 actors.

The answers file is built from the climate-FEVER dev claims in ``../shared/data/eval`` (two
claims per answer) with every tenth answer one of the demo answers (longer, with citations),
checked against the demo collection; ``model`` and ``source`` fields are set as a user's would
be. Each mode runs the same file through the same engine code as ``veracity check --input``:

* in-process: one Checker in this process (``LocalEngine``);
* remote: ``veracity serve`` in a subprocess, the async SDK with 8 calls in flight;
* ray: a local Ray instance, ``RayEngine`` with 1 and with 2 Checker actors.

``run_s`` is the wall time of the engine over the whole file; for Ray it includes starting the
actors (each loads the models), which is the price of a run; ``startup_s`` is the model load
(in-process) or the server's start (remote), outside ``run_s``. Peak RSS is sampled from
/proc every 0.2 s for each process that does the checking (this process, the server, each
actor). Results in bench/results/batch.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bench.evalsets import EVAL_DIR
from service.batch.run import Done, Engine
from service.config import Settings
from veracity_client.v1 import veracity_pb2 as pb

REPO = Path(__file__).resolve().parent.parent
CLIMATE_FEVER = EVAL_DIR / "climate_fever" / "climate-fever-dev.jsonl"
DEMO = REPO / "service" / "data" / "demo_answers.jsonl"
RESULTS = REPO / "bench" / "results" / "batch.json"
MODES = ("in-process", "remote", "ray-1", "ray-2")


def build_answers(count: int) -> list[dict[str, Any]]:
    """``count`` answer records, deterministic: climate-FEVER claim pairs and demo answers."""
    claims = [json.loads(line)["claim"] for line in CLIMATE_FEVER.open(encoding="utf-8")]
    demo = [json.loads(line) for line in DEMO.open(encoding="utf-8")]
    answers = []
    for i in range(count):
        if i % 10 == 9:
            base = demo[(i // 10) % len(demo)]
            answers.append(
                {"id": f"a{i}", "answer": base["answer"], "question": base.get("question", ""),
                 "model": f"model-{'ab'[i % 2]}", "source": "demo"}
            )  # fmt: skip
            continue
        first, second = claims[(2 * i) % len(claims)], claims[(2 * i + 1) % len(claims)]
        answers.append(
            {"id": f"a{i}", "answer": f"{first.rstrip('.')}. {second.rstrip('.')}.",
             "model": f"model-{'ab'[i % 2]}", "source": "climate-fever"}
        )  # fmt: skip
    return answers


class RssSampler:
    """Peak resident memory (MiB) of every process ``wanted(pid, cmdline)`` picks, by pid.

    Processes started before the sampler are left out unless ``older`` (a Ray worker of an
    earlier mode that has not exited yet is not one of this mode's workers).
    """

    def __init__(
        self, wanted: Callable[[int, str], bool], interval_s: float = 0.2, older: bool = True
    ) -> None:
        self.wanted = wanted
        self.since = 0 if older else _boot_ticks()
        self.interval_s = interval_s
        self.peak: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            for pid, cmdline in _processes():
                if self.wanted(pid, cmdline) and _start_ticks(pid) >= self.since:
                    rss = _rss_mib(pid)
                    if rss is not None:
                        self.peak[pid] = max(self.peak.get(pid, 0.0), rss)


def _processes() -> Iterator[tuple[int, str]]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                raw = Path(entry.path, "cmdline").read_bytes()
            except OSError:
                continue
            yield int(entry.name), raw.replace(b"\0", b" ").decode(errors="replace")


def _boot_ticks() -> int:
    """Now, in the clock ticks since boot that /proc/PID/stat's start time uses."""
    uptime_s = float(Path("/proc/uptime").read_text().split()[0])
    return int(uptime_s * os.sysconf("SC_CLK_TCK"))


def _start_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rpartition(")")[2].split()[19])  # field 22, counted after the name


def _rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def measure(
    mode: str, engine: Engine, requests: Sequence[pb.CheckAnswerRequest], sampler: RssSampler
) -> dict[str, Any]:
    started = time.perf_counter()
    with sampler:
        done: list[Done] = list(engine.run(requests))
    seconds = time.perf_counter() - started
    claims = sum(len(d.result.get("claims", ())) for d in done if d.result)
    return {
        "mode": mode,
        "answers": len(done),
        "errors": sum(d.error is not None for d in done),
        "claims": claims,
        "run_s": round(seconds, 1),
        "answers_per_s": round(len(done) / seconds, 2),
        "claims_per_s": round(claims / seconds, 2),
        "rss_mib_per_worker": sorted(round(v) for v in sampler.peak.values()),
    }


def in_process(settings: Settings, requests: Sequence[pb.CheckAnswerRequest]) -> dict[str, Any]:
    from service.batch.run import LocalEngine, checker_fn
    from service.pipeline.checker import Checker

    started = time.perf_counter()
    checker = Checker.from_settings(settings)
    load_s = time.perf_counter() - started
    me = os.getpid()
    row = measure(
        "in-process",
        LocalEngine(checker_fn(checker)),
        requests,
        RssSampler(lambda pid, _: pid == me),
    )
    checker.close()
    return {**row, "startup_s": round(load_s, 1)}


def remote(settings: Settings, requests: Sequence[pb.CheckAnswerRequest]) -> dict[str, Any]:
    from service.batch.remote_engine import RemoteEngine

    veracity = str(Path(sys.executable).with_name("veracity"))
    started = time.perf_counter()
    server = subprocess.Popen(
        [veracity, "serve", "--port", "0", "--data-dir", str(settings.data_dir)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert server.stderr is not None
    target = ""
    for line in server.stderr:
        match = re.search(r"serving on (\S+:\d+)", line)
        if match:
            target = match.group(1)
            break
    if not target:
        server.kill()
        raise RuntimeError("the server did not start")
    threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe drained
    startup_s = time.perf_counter() - started
    try:
        row = measure(
            "remote",
            RemoteEngine(target, concurrency=8),
            requests,
            RssSampler(lambda pid, _: pid == server.pid),
        )
    finally:
        server.terminate()
        server.wait(30)
    return {**row, "startup_s": round(startup_s, 1), "concurrency": 8}


def on_ray(
    settings: Settings, requests: Sequence[pb.CheckAnswerRequest], actors: int
) -> dict[str, Any]:
    from service.batch.ray_engine import RayEngine

    engine = RayEngine(settings, actors=actors)
    actor_processes = RssSampler(lambda _, cmd: "CheckerActor" in cmd, older=False)
    row = measure(f"ray-{actors}", engine, requests, actor_processes)
    return {**row, "actors": actors, "citation_lookups": engine.lookups}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument(
        "--modes", nargs="+", choices=MODES, default=list(MODES), help="others' rows are kept"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    # Citations from the cache only (inherited by the server and the actors): this machine has
    # no network, and the bench measures checking, not the bibliographic APIs' rate limits.
    os.environ.setdefault("VERACITY_OFFLINE", "1")
    records = build_answers(args.answers)
    requests = [
        pb.CheckAnswerRequest(answer=r["answer"], question=r.get("question", "")) for r in records
    ]
    rows: list[dict[str, Any]] = []
    if args.output.is_file():  # modes not run this time keep their earlier rows
        earlier = json.loads(args.output.read_text(encoding="utf-8"))
        if earlier.get("answers") == len(requests):
            rows += [row for row in earlier.get("modes", []) if row["mode"] not in args.modes]
    report = {
        "answers": len(requests),
        "source": "climate-FEVER dev claims in pairs, every 10th a demo answer; demo corpus",
        "cores": os.cpu_count(),
        "load_average_before": [round(x, 1) for x in os.getloadavg()],
        "citations": "offline" if os.environ.get("VERACITY_OFFLINE") == "1" else "live",
        "modes": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="veracity-bench-batch-") as data_dir:
        settings = Settings(data_dir=Path(data_dir))
        for mode in args.modes:
            print(f"bench-batch: {mode} on {len(requests)} answers ...", file=sys.stderr)
            if mode == "in-process":
                row = in_process(settings, requests)
            elif mode == "remote":
                row = remote(settings, requests)
            else:
                row = on_ray(settings, requests, int(mode.split("-")[1]))
            row["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
            print(json.dumps(row), file=sys.stderr)
            rows.append(row)
            rows.sort(key=lambda r: MODES.index(r["mode"]))
            # Written after every mode, so that a long run stopped early keeps what it measured.
            args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
