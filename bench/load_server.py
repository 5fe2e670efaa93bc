"""The server under load: ``veracity serve`` in a subprocess, and what it reports about itself.

The benchmark measures a real server (models, micro-batching, bounded executor) in its own
process, so that the clients' CPU is not mistaken for the server's and its RSS is its own. Its
memory is sampled every second for the whole run (the issue's "no memory growth" is read off
that timeline), and its Prometheus counters tell how much embedding work the cache saved.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"^veracity: serving on (\S+)$")
METRICS = re.compile(r"^veracity: metrics on (\S+)$")
_CACHE = re.compile(r'^veracity_embedding_cache_total\{result="(hit|miss)"\} (\S+)$', re.M)


class Server:
    """``veracity serve`` on a free port of 127.0.0.1 over ``data_dir``, metrics on."""

    def __init__(self, data_dir: Path) -> None:
        veracity = str(Path(sys.executable).with_name("veracity"))
        command = [veracity, "serve", "--port", "0", "--metrics-port", "0"]
        self.process = subprocess.Popen(
            [*command, "--data-dir", str(data_dir), "--grace", "5"],
            cwd=ROOT,
            env={**os.environ, "VERACITY_OFFLINE": "1", "VERACITY_LOG_FORMAT": "text"},
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        self.target = ""
        self.metrics_url = ""
        for line in self.process.stderr:
            if match := METRICS.match(line.strip()):
                self.metrics_url = match.group(1)
            elif match := SERVING.match(line.strip()):
                self.target = match.group(1)
                break
        if not self.target:
            raise RuntimeError("the server did not start")
        # Keep the pipe drained: a full pipe would block the server's logging.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def rss_mb(self) -> float:
        """The server process's resident memory now."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+)", status)
        assert match is not None, "every Linux process status has VmRSS"
        return int(match.group(1)) / 1024

    def cache_counts(self) -> dict[str, float]:
        """Embedding cache hits and misses (texts) since the server started."""
        with urllib.request.urlopen(self.metrics_url, timeout=10) as reply:
            text = reply.read().decode()
        counts = {"hit": 0.0, "miss": 0.0}
        counts.update({result: float(value) for result, value in _CACHE.findall(text)})
        return counts

    def stop(self) -> None:
        """SIGTERM, as in production: in-flight calls drain first."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class RssTimeline:
    """The server's RSS once a second, each sample tagged with the phase then running."""

    def __init__(self, server: Server, every_s: float = 1.0) -> None:
        self._server = server
        self._every_s = every_s
        self._started = time.monotonic()
        self.phase = "start"
        self.samples: list[tuple[float, float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            seconds = round(time.monotonic() - self._started, 1)
            self.samples.append((seconds, round(self._server.rss_mb(), 1), self.phase))
            self._stop.wait(self._every_s)

    def of(self, phase: str) -> list[float]:
        """The samples (MB) taken during ``phase``."""
        return [mb for _, mb, tag in self.samples if tag == phase]

    def stop(self) -> list[tuple[float, float, str]]:
        """Stop sampling; every sample as (seconds since start, MB, phase)."""
        self._stop.set()
        self._thread.join(timeout=5)
        return self.samples
