"""Headless Chromium (Debian's ``chromium``) for page tests: screenshots and page errors.

Chromium logs every console message with ``--enable-logging=stderr``; an uncaught exception
appears there as ``CONSOLE`` ... ``"Uncaught ...``, and ``console.error`` at level ERROR.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_CONSOLE = re.compile(r":(INFO|WARNING|ERROR):CONSOLE[^\]]*\] \"(.*)\", source: (.*)$")


def find_chromium() -> str | None:
    named = os.environ.get("VERACITY_CHROMIUM")
    return named or shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class PageRun:
    errors: list[str]  # uncaught exceptions and console.error messages
    output: str  # stdout (the DOM with --dump-dom)


def run_page(chromium: str, url: str, *flags: str) -> PageRun:
    """Load ``url`` once with ``flags`` (e.g. ``--screenshot=PATH`` or ``--dump-dom``)."""
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            *flags,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    errors = []
    for line in done.stderr.splitlines():
        match = _CONSOLE.search(line)
        if match and (match.group(1) == "ERROR" or match.group(2).startswith("Uncaught")):
            errors.append(f"{match.group(2)} ({match.group(3)})")
    return PageRun(errors, done.stdout)


def file_url(path: Path, fragment: str = "") -> str:
    return path.resolve().as_uri() + (f"#{fragment}" if fragment else "")
