"""The look-up cache: in memory for a process, and in SQLite with a TTL across runs.

Found and not-found answers are cached (not-found for a shorter time, since a DOI can be
registered after it was first cited); errors never are, so a source that was down is asked
again. Within one process identical look-ups are made once: a second asker of a key that is
being looked up waits for the first one's answer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from retrieval.citations.types import Lookup, Outcome, WorkRecord

_MEMORY_LIMIT = 10_000


class LookupCache:
    def __init__(
        self,
        path: Path | None,
        found_ttl: float = 30 * 86400,
        not_found_ttl: float = 86400,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.found_ttl = found_ttl
        self.not_found_ttl = not_found_ttl
        self._now = now
        self._memory: dict[str, tuple[Lookup, float]] = {}
        self._key_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS lookups"
                " (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL)"
            )

    def get_or_fetch(self, key: str, fetch: Callable[[], Lookup]) -> Lookup:
        """The cached answer for ``key``, or ``fetch()``'s, cached unless it is an error."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            cached = self.get(key)
            if cached is not None:
                return cached
            lookup = fetch()
            self.put(key, lookup)
            return lookup

    def get(self, key: str) -> Lookup | None:
        with self._lock:
            memo = self._memory.get(key)
            if memo is not None and memo[1] > self._now():
                return memo[0]
            if self._db is None:
                return None
            row = self._db.execute(
                "SELECT value, expires FROM lookups WHERE key = ? AND expires > ?",
                (key, self._now()),
            ).fetchone()
        if row is None:
            return None
        lookup = _decode(row[0])
        self._remember(key, lookup, row[1])
        return lookup

    def put(self, key: str, lookup: Lookup) -> None:
        if lookup.outcome is Outcome.ERROR:
            return
        ttl = self.found_ttl if lookup.outcome is Outcome.FOUND else self.not_found_ttl
        if ttl <= 0:
            return
        expires = self._now() + ttl
        self._remember(key, lookup, expires)
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO lookups (key, value, expires) VALUES (?, ?, ?)",
                (key, json.dumps(asdict(lookup), default=_enum_value), expires),
            )

    def _remember(self, key: str, lookup: Lookup, expires: float) -> None:
        with self._lock:
            if len(self._memory) >= _MEMORY_LIMIT:
                self._memory.clear()
            self._memory[key] = (lookup, expires)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def _enum_value(value: object) -> str:
    if isinstance(value, Outcome):
        return value.value
    raise TypeError(f"cannot store {type(value).__name__}")


def _decode(text: str) -> Lookup:
    data = json.loads(text)
    records = tuple(
        WorkRecord(**{**r, "authors": tuple(r["authors"])}) for r in data.pop("records")
    )
    return Lookup(**{**data, "outcome": Outcome(data["outcome"]), "records": records})
