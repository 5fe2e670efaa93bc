"""The SDK must stay light: importing it may not pull in torch (or any model code)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import veracity_client
import veracity_client.aio
heavy = sorted(m for m in ("torch", "sentence_transformers", "spacy", "faiss") if m in sys.modules)
assert not heavy, heavy
"""


def test_importing_the_sdk_does_not_import_torch() -> None:
    # A fresh interpreter: this test process may already hold torch from other tests.
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
