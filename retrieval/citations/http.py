"""One pooled HTTP session for every source, with the politeness each source asks for.

Per-host rate limits (minimum interval between requests), retries with exponential backoff on
429 and 5xx that honour Retry-After, and a circuit breaker per host so that a source that is
down costs one timeout, not one per citation. Retries are done here rather than by urllib3's
``Retry`` because a Retry-After must hold back every thread's next request to that host (it
goes through the shared limiter), the breaker must see each failure, and tests need an
injectable clock instead of real sleeps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from retrieval.citations.pinning import PinnedAdapter
from retrieval.citations.safety import UrlGuard

RETRYABLE = frozenset({429, 500, 502, 503, 504})


class Unavailable(Exception):
    """No answer could be had from a source; never evidence that a work is fabricated."""


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str]
    url: str

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class HttpPolicy:
    """How hard the client may press a source, and how long it waits for one."""

    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    max_retries: int = 2
    backoff: float = 1.0
    max_backoff: float = 30.0
    # A Retry-After longer than this is not waited out: the lookup is reported unavailable.
    max_retry_after: float = 30.0
    breaker_threshold: int = 5
    breaker_cooldown: float = 60.0
    max_body_bytes: int = 5_000_000
    user_agent: str = "veracity-citations/1 (https://github.com/veracity)"
    # Minimum seconds between two requests to a host, by host name; others use the default.
    intervals: Mapping[str, float] = field(default_factory=dict)
    default_interval: float = 0.0


class RateLimiter:
    """Spaces requests to each host by its minimum interval, across threads."""

    def __init__(self, clock: Clock, intervals: Mapping[str, float], default: float) -> None:
        self._clock = clock
        self._intervals = dict(intervals)
        self._default = default
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, host: str) -> None:
        with self._lock:
            now = self._clock.now()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self._intervals.get(host, self._default)
        self._clock.sleep(slot - now)

    def hold(self, host: str, seconds: float) -> None:
        """Let no request go to ``host`` for ``seconds`` (a Retry-After)."""
        with self._lock:
            until = self._clock.now() + seconds
            self._next[host] = max(self._next.get(host, until), until)


class CircuitBreaker:
    """Opens for a host after ``threshold`` consecutive failures, for ``cooldown`` seconds."""

    def __init__(self, clock: Clock, threshold: int, cooldown: float) -> None:
        self._clock = clock
        self._threshold = threshold
        self._cooldown = cooldown
        self._failures: dict[str, int] = {}
        self._open_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, host: str) -> None:
        with self._lock:
            until = self._open_until.get(host, 0.0)
        if self._clock.now() < until:
            raise Unavailable(f"{host} failed repeatedly; not asked again for a while")

    def record(self, host: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(host, None)
                return
            self._failures[host] = self._failures.get(host, 0) + 1
            if self._failures[host] >= self._threshold:
                self._open_until[host] = self._clock.now() + self._cooldown
                self._failures[host] = 0


class HttpClient:
    """GETs with pooling, rate limits, retries and a breaker; thread-safe."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        clock: Clock | None = None,
        guard: UrlGuard | None = None,
    ) -> None:
        """With a ``guard``, every request (each redirect hop included) goes only to an address
        the guard approved, and connects to the very address it checked (see ``pinning``):
        for URLs taken from checked text, not for the configured APIs."""
        self.policy = policy or HttpPolicy()
        self.clock = clock or SystemClock()
        self.session = requests.Session()
        pool: dict[str, Any] = {"pool_connections": 16, "pool_maxsize": 16, "max_retries": 0}
        adapter = PinnedAdapter(guard, **pool) if guard else HTTPAdapter(**pool)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = self.policy.user_agent
        self.limiter = RateLimiter(self.clock, self.policy.intervals, self.policy.default_interval)
        self.breaker = CircuitBreaker(
            self.clock, self.policy.breaker_threshold, self.policy.breaker_cooldown
        )

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        follow_redirects: bool = True,
        max_bytes: int | None = None,
        method: str = "GET",
    ) -> Reply:
        """The final reply (2xx-4xx other than 429); Unavailable once retries are spent."""
        host = urlsplit(url).hostname or ""
        attempt = 0
        while True:
            self.breaker.check(host)
            self.limiter.acquire(host)
            try:
                reply = self._once(url, params, headers, follow_redirects, max_bytes, method)
            except requests.RequestException as error:
                self.breaker.record(host, ok=False)
                if attempt >= self.policy.max_retries or (
                    isinstance(error, requests.ConnectionError) and _is_dns_failure(error)
                ):
                    raise Unavailable(f"{host}: {type(error).__name__}") from error
                self.clock.sleep(self._backoff(attempt))
                attempt += 1
                continue
            if reply.status not in RETRYABLE:
                self.breaker.record(host, ok=True)
                return reply
            self.breaker.record(host, ok=False)
            wait = retry_after(reply.headers.get("Retry-After"))
            if wait is not None and wait > self.policy.max_retry_after:
                raise Unavailable(f"{host}: HTTP {reply.status}, Retry-After {wait:.0f} s")
            if attempt >= self.policy.max_retries:
                raise Unavailable(f"{host}: HTTP {reply.status} after {attempt + 1} tries")
            if wait is not None:
                self.limiter.hold(host, wait)
            else:
                self.clock.sleep(self._backoff(attempt))
            attempt += 1

    def _once(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        follow_redirects: bool,
        max_bytes: int | None,
        method: str,
    ) -> Reply:
        limit = max_bytes if max_bytes is not None else self.policy.max_body_bytes
        with self.session.request(
            method,
            url,
            params=params,
            headers=headers,
            timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            allow_redirects=follow_redirects,
            stream=True,
        ) as response:
            body = bytearray()
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) >= limit:
                    del body[limit:]
                    break
            return Reply(response.status_code, bytes(body), dict(response.headers), response.url)

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.backoff * 2**attempt, self.policy.max_backoff)

    def close(self) -> None:
        self.session.close()


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _is_dns_failure(error: requests.RequestException) -> bool:
    """A name that does not resolve (a closed network) will not resolve on a retry either."""
    text = str(error)
    return (
        "Name or service not known" in text
        or "NameResolutionError" in text
        or ("Temporary failure in name resolution" in text)
    )
