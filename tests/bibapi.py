"""Helpers for the citation tests: the recorded fixtures and settings aimed at a fake server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from service.config import CitationSettings
from tools.fake_bibapi import MOUNTS, FakeBibServer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "bibapi"


def fixtures_or_skip() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"recorded API fixtures not found at {FIXTURES} (../shared is absent)")
    return FIXTURES


def settings_for(server: FakeBibServer, **overrides: object) -> CitationSettings:
    """Every source at the fake server, no rate limiting, quick failures, 127.0.0.1 allowed."""
    urls = {f"{name}_url": server.base(name) for name in MOUNTS}
    base = CitationSettings(
        offline=False,
        url_allowlist=("127.0.0.1",),
        connect_timeout=1.0,
        read_timeout=1.0,
        max_retries=1,
        retry_backoff=0.01,
        rate_limit_scale=0.0,
        check_claim_support=False,
        **urls,  # type: ignore[arg-type]
    )
    return replace(base, **overrides)  # type: ignore[arg-type]
