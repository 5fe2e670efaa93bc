"""API keys: ``veracity keys add`` makes them, the server checks bearer tokens against them.

The keys file (JSON) holds each key's name and the SHA-256 of the key, never the key itself.
A key is 256 random bits, so a fast hash is enough: there is nothing to guess, and a leaked
file gives no usable key. The server re-reads the file when it changes, so a key added while
it runs works at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

KEY_PREFIX = "vk_"
_BEARER = "bearer "


class KeysFileError(ValueError):
    """The keys file cannot be read or is not what ``veracity keys add`` writes."""


@dataclass(frozen=True)
class StoredKey:
    name: str
    sha256: str
    created: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def load_keys(path: Path) -> list[StoredKey]:
    """The keys in ``path``; an absent file holds none."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise KeysFileError(f"{path}: {exc.strerror}") from exc
    try:
        entries = json.loads(raw)["keys"]
        keys = [StoredKey(str(e["name"]), str(e["sha256"]), str(e["created"])) for e in entries]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeysFileError(f"{path}: not a keys file ({exc})") from exc
    return keys


def add_key(path: Path, name: str) -> str:
    """Make a key named ``name``, store its hash in ``path`` and return the key.

    The file is replaced atomically and readable by its owner only.
    """
    name = name.strip()
    if not name:
        raise KeysFileError("a key needs a name")
    keys = load_keys(path)
    if any(k.name == name for k in keys):
        raise KeysFileError(f"{path}: a key named {name!r} exists already")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    keys.append(StoredKey(name, hash_key(key), created))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"keys": [asdict(k) for k in keys]}, out, indent=2)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return key


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``authorization: Bearer <token>`` value; None when it is not one."""
    if authorization is None or not authorization.lower().startswith(_BEARER):
        return None
    return authorization[len(_BEARER) :].strip() or None


class KeyStore:
    """The keys of one file, re-read whenever the file's modification time changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._names: dict[str, str] = {}
        self._refresh()

    def identify(self, authorization: str | None) -> str | None:
        """The name of the key in an ``authorization`` header value; None when unknown."""
        token = bearer_token(authorization)
        if token is None:
            return None
        self._refresh()
        digest = hash_key(token)
        for stored, name in self._names.items():
            if hmac.compare_digest(stored, digest):
                return name
        return None

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = (0, 0)
        with self._lock:
            if stamp == self._stamp:
                return
            self._names = {k.sha256: k.name for k in load_keys(self.path)}
            self._stamp = stamp
