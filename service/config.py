"""Settings of the checker and the server, from flags or VERACITY_* environment variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path(".veracity")
DEFAULT_COLLECTION = "demo"


#: Embeddings kept by default: the search embeds each claim, and the signal verifier reads the
#: claim's vector again; a cache makes the second a lookup (server and in-process alike).
EMBEDDING_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class CitationSettings:
    """Where and how citations are looked up.

    Read from the ``[citations]`` table of the TOML file named by ``VERACITY_CONFIG``, then
    from ``VERACITY_*`` variables (env wins). The default is live look-ups with a short connect
    timeout, so that a closed network costs a second and yields UNAVAILABLE, never a verdict.
    """

    crossref_url: str = "https://api.crossref.org"
    datacite_url: str = "https://api.datacite.org"
    doi_url: str = "https://doi.org"
    arxiv_url: str = "https://export.arxiv.org/api"
    pubmed_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    openalex_url: str = "https://api.openalex.org"
    semanticscholar_url: str = "https://api.semanticscholar.org/graph/v1"
    # Books by ISBN (the Books API under this root).
    openlibrary_url: str = "https://openlibrary.org"
    # Contact address for the polite pools (Crossref, OpenAlex) and NCBI's ``email``.
    mailto: str = ""
    semanticscholar_api_key: str = ""
    # Only the cache and ``bibliography`` are used; nothing is fetched.
    offline: bool = False
    # A BibTeX or CSL-JSON file asked before the network (and alone when offline).
    bibliography: str = ""
    # Hosts or CIDRs that URL checks may reach although they are private or loopback.
    url_allowlist: tuple[str, ...] = ()
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    max_retries: int = 2
    # Seconds before the first retry of a failed request; doubled for each further one.
    retry_backoff: float = 1.0
    # Multiplies every per-host minimum interval; 0 turns rate limiting off (tests only).
    rate_limit_scale: float = 1.0
    cache_ttl_s: float = 30 * 86400
    not_found_ttl_s: float = 86400
    check_claim_support: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CitationSettings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        config = env.get("VERACITY_CONFIG")
        if config:
            with open(config, "rb") as handle:
                values.update(tomllib.load(handle).get("citations", {}))
        for spec in fields(cls):
            raw = env.get(_ENV_NAMES.get(spec.name, f"VERACITY_{spec.name.upper()}"))
            if raw is not None:
                values[spec.name] = raw
        return cls(
            **{k: _coerce(cls.__dataclass_fields__[k].default, v) for k, v in values.items()}
        )


_ENV_NAMES = {
    "connect_timeout": "VERACITY_CITATION_CONNECT_TIMEOUT",
    "read_timeout": "VERACITY_CITATION_READ_TIMEOUT",
    "max_retries": "VERACITY_CITATION_MAX_RETRIES",
    "cache_ttl_s": "VERACITY_CITATION_CACHE_TTL",
    "not_found_ttl_s": "VERACITY_CITATION_NOT_FOUND_TTL",
}


def _coerce(default: Any, value: Any) -> Any:
    """A config or env value in the type of the field's default."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    if isinstance(default, tuple):
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(i).strip() for i in items if str(i).strip())
    return type(default)(value)


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible chat-completions endpoint, used only when ``url`` is set.

    Shared by the stages that can ask an LLM (claim extraction; an LLM judge). Read from
    ``VERACITY_LLM_URL`` (the API base, e.g. ``http://127.0.0.1:8000/v1``),
    ``VERACITY_LLM_MODEL``, ``VERACITY_LLM_API_KEY`` and ``VERACITY_LLM_TIMEOUT`` (seconds);
    ``VERACITY_LLM_JUDGE=1`` and ``VERACITY_LLM_JUDGE_BAND=low,high`` turn on the judge.
    """

    url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    timeout_s: float = 30.0
    # Also judge the claims whose support score lies in ``judge_band``
    # (service.verification.cascade). The default straddles the shipped verifier's supported
    # threshold (0.245), where its labels are least sure.
    judge: bool = False
    judge_band: tuple[float, float] = (0.15, 0.5)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMSettings:
        env = os.environ if environ is None else environ
        return cls(
            url=env.get("VERACITY_LLM_URL", ""),
            model=env.get("VERACITY_LLM_MODEL", ""),
            api_key=env.get("VERACITY_LLM_API_KEY", ""),
            timeout_s=float(env.get("VERACITY_LLM_TIMEOUT", cls.timeout_s)),
            judge=env.get("VERACITY_LLM_JUDGE", "").lower() in ("1", "true", "yes"),
            judge_band=_band(env.get("VERACITY_LLM_JUDGE_BAND", "")) or cls.judge_band,
        )


def _band(text: str) -> tuple[float, float] | None:
    """``"low,high"`` as two floats; None when empty."""
    if not text.strip():
        return None
    low, high = (float(part) for part in text.split(","))
    return low, high


@dataclass(frozen=True)
class Settings:
    """Everything the Checker needs to know; all state lives under ``data_dir``."""

    data_dir: Path = DEFAULT_DATA_DIR
    default_collection: str = DEFAULT_COLLECTION
    # Seed the default collection from the shipped demo corpus when it does not exist yet.
    seed_demo_corpus: bool = True
    max_answer_chars: int = 100_000
    max_context_documents: int = 64
    # An answer that splits into more claims than this is refused (field ``answer``).
    max_claims: int = 200
    max_top_k: int = 50
    default_top_k: int = 5
    # signals | signals:NAME (tuned) | cosine | grounding | hf:PATH; see service.verifier.
    verifier: str = "signals"
    citations: CitationSettings = field(default_factory=CitationSettings.from_env)
    llm: LLMSettings = field(default_factory=LLMSettings.from_env)


_MiB = 1024 * 1024


@dataclass(frozen=True)
class ServerSettings:
    """How the gRPC server listens, admits and guards work; the Checker's live in Settings.

    Read by service.transport.configfile from the ``[server]`` table of the TOML config, then
    ``VERACITY_*`` variables, then ``veracity serve`` flags.
    """

    host: str = "127.0.0.1"
    # 0 lets the OS pick a free port; the bound port is printed in the "serving on" line.
    port: int = 50051
    # The largest request a client may send; a larger one is refused with a field violation.
    # The transport itself allows twice this, so that a slightly larger message still gets
    # that clear error rather than the transport's bare RESOURCE_EXHAUSTED.
    max_message_bytes: int = 8 * _MiB
    # How long in-flight RPCs may run on after SIGTERM/SIGINT before they are cancelled.
    grace_s: float = 10.0
    # Threads running Checker calls; each holds one request's pipeline work.
    workers: int = 4
    # Requests admitted at once (running plus waiting for a worker); more get
    # RESOURCE_EXHAUSTED at once instead of queueing. 0: twice ``workers``, so that admitted
    # calls wait about one call's time at most (a long queue only turns into timeouts).
    max_pending: int = 0
    # Embedding micro-batches: concurrent requests' texts are encoded together, up to
    # ``batch_max_texts`` per model call, waiting at most ``batch_max_wait_ms`` to fill one;
    # at most ``batch_queue`` encode calls wait, beyond which work is refused.
    batch_max_texts: int = 64
    batch_max_wait_ms: float = 5.0
    batch_queue: int = 256
    # Embeddings of recent texts (claims, evidence passages) kept in memory, at ~1.6 kB each.
    embedding_cache_size: int = EMBEDDING_CACHE_SIZE
    # Work stops when less than this is left before the client's deadline.
    deadline_margin_s: float = 0.05
    # API keys (``veracity keys add``); empty means no authentication.
    api_keys_file: str = ""
    # Per-key token bucket: sustained requests per second and the burst allowed.
    quota_rate: float = 20.0
    quota_burst: int = 40
    # TLS: a PEM certificate chain and key; with ``tls_client_ca`` clients must present a
    # certificate signed by it (mTLS).
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    # Prometheus metrics over HTTP on this port (0 picks a free one); None: no endpoint.
    metrics_port: int | None = None
    # "json" (one object a line, with the request id) or "text".
    log_format: str = "json"
