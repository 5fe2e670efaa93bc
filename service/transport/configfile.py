"""One TOML file plus ``VERACITY_*`` overrides, validated before the server starts.

Precedence: ``veracity serve`` flags, then environment variables, then the file's
``[server]`` and ``[checker]`` tables (``[citations]`` is read by CitationSettings), then the
defaults. Every problem is collected and reported at once, naming where the bad value came
from, so a misconfigured deployment fails at start with a clear message instead of at its
first request.

    [server]
    port = 50051
    api_keys_file = "/etc/veracity/keys.json"
    metrics_port = 9100

    [checker]
    data_dir = "/var/lib/veracity"
    max_claims = 100
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from service.config import ServerSettings, Settings
from service.transport.auth import KeysFileError, load_keys

#: Settings fields that are not plain values: read by their own loaders.
_NESTED = {"citations", "llm"}


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem, one a line."""


def env_name(name: str) -> str:
    return f"VERACITY_{name.upper()}"


def load(
    path: Path | None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Settings, ServerSettings]:
    """The checker's and the server's settings; raises ConfigError listing every problem.

    ``overrides`` are field values (of either dataclass) from flags; None values are ignored.
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []
    tables: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as handle:
                tables = tomllib.load(handle)
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    settings = _build(Settings, "checker", tables, env, flags, problems, path)
    server = _build(ServerSettings, "server", tables, env, flags, problems, path)
    if settings is not None and server is not None:
        problems += _semantic_problems(settings, server)
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  {p}" for p in problems))
    assert settings is not None and server is not None
    return settings, server


_C = typing.TypeVar("_C")


def _build(
    cls: type[_C],
    table: str,
    tables: Mapping[str, Any],
    env: Mapping[str, str],
    flags: Mapping[str, Any],
    problems: list[str],
    path: Path | None,
) -> _C | None:
    section = tables.get(table, {})
    if not isinstance(section, dict):
        problems.append(f"{path}: [{table}] must be a table")
        section = {}
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.name not in _NESTED]  # type: ignore[arg-type]
    for unknown in sorted(set(section) - set(names)):
        problems.append(f"{path}: [{table}] has no setting {unknown!r}")
    values: dict[str, Any] = {}
    for name in names:
        for origin, raw in (
            (f"--{name.replace('_', '-')}", flags.get(name)),
            (env_name(name), env.get(env_name(name))),
            (f"{path} [{table}] {name}", section.get(name)),
        ):
            if raw is None:
                continue
            try:
                values[name] = _coerce(hints[name], raw)
            except (TypeError, ValueError):
                problems.append(f"{origin}: {raw!r} is not {_describe(hints[name])}")
            break
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        problems.append(f"[{table}]: {exc}")
        return None


def _coerce(hint: Any, raw: Any) -> Any:
    """``raw`` (a TOML value or an env string) as the type ``hint``; raises on a mismatch."""
    optional = type(None) in typing.get_args(hint)
    if optional:
        if isinstance(raw, str) and raw.strip().lower() in ("", "none", "off"):
            return None
        (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
    if hint is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if hint is int:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError(raw)
        return int(raw)
    if hint is float:
        if isinstance(raw, bool):
            raise ValueError(raw)
        return float(raw)
    if hint is Path:
        return Path(str(raw))
    if hint is str:
        if not isinstance(raw, str):
            raise TypeError(raw)
        return raw
    raise TypeError(f"unsupported setting type {hint}")


def _describe(hint: Any) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if args else hint
    words = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    return words.get(base, "a path") + (" (or 'off')" if args else "")


def _semantic_problems(settings: Settings, server: ServerSettings) -> list[str]:
    """Values of the right type that still cannot work, and files that are not there."""
    problems = []
    positive = {
        "max_answer_chars": settings.max_answer_chars,
        "max_context_documents": settings.max_context_documents,
        "max_claims": settings.max_claims,
        "max_top_k": settings.max_top_k,
        "workers": server.workers,
        "batch_max_texts": server.batch_max_texts,
        "batch_queue": server.batch_queue,
        "quota_rate": server.quota_rate,
        "quota_burst": server.quota_burst,
    }
    problems += [
        f"{name} must be greater than 0, got {v}" for name, v in positive.items() if v <= 0
    ]
    non_negative = {
        "max_pending": server.max_pending,
        "grace_s": server.grace_s,
        "batch_max_wait_ms": server.batch_max_wait_ms,
        "deadline_margin_s": server.deadline_margin_s,
        "embedding_cache_size": server.embedding_cache_size,
    }
    problems += [f"{name} must be 0 or more, got {v}" for name, v in non_negative.items() if v < 0]
    if not 1 <= settings.default_top_k <= settings.max_top_k:
        problems.append(f"default_top_k must be within [1, max_top_k={settings.max_top_k}]")
    for name, port in (("port", server.port), ("metrics_port", server.metrics_port)):
        if port is not None and not 0 <= port <= 65535:
            problems.append(f"{name} must be within [0, 65535], got {port}")
    if server.max_message_bytes < 1024:
        problems.append(f"max_message_bytes must be at least 1024, got {server.max_message_bytes}")
    if server.log_format not in ("json", "text"):
        problems.append(f"log_format must be 'json' or 'text', got {server.log_format!r}")
    if bool(server.tls_cert) != bool(server.tls_key):
        problems.append("tls_cert and tls_key go together: give both or neither")
    if server.tls_client_ca and not server.tls_cert:
        problems.append("tls_client_ca (mTLS) needs tls_cert and tls_key")
    for name in ("tls_cert", "tls_key", "tls_client_ca"):
        value = getattr(server, name)
        if value and not Path(value).is_file():
            problems.append(f"{name}: {value} is not a file")
    if server.api_keys_file:
        try:
            if not load_keys(Path(server.api_keys_file)):
                problems.append(
                    f"api_keys_file: {server.api_keys_file} holds no keys; every call would be "
                    "refused (add one with 'veracity keys add NAME')"
                )
        except KeysFileError as exc:
            problems.append(f"api_keys_file: {exc}")
    return problems
