"""Politeness and safety of the look-ups: rate limits, Retry-After, backoff, the circuit
breaker, the TTL cache and the SSRF guard. A fake clock stands in for time, so nothing sleeps."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.citations.cache import LookupCache
from retrieval.citations.http import HttpClient, HttpPolicy, Unavailable, retry_after
from retrieval.citations.safety import UnsafeUrl, UrlGuard
from retrieval.citations.types import Lookup, Outcome, WorkRecord
from service.config import CitationSettings
from tools.fake_bibapi import FakeBibServer, Request, Response


class FakeClock:
    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(round(seconds, 3))
            self.time += seconds


class Script:
    """Answers each path with its scripted responses in turn, the last one repeated."""

    def __init__(self) -> None:
        self.plan: dict[str, list[Response]] = {}

    def __call__(self, request: Request) -> Response | None:
        queue = self.plan.get(request.path)
        if not queue:
            return None
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture()
def script() -> Iterator[tuple[Script, FakeBibServer]]:
    plan = Script()
    with FakeBibServer([plan]) as server:
        yield plan, server


def client(clock: FakeClock, **policy: object) -> HttpClient:
    return HttpClient(HttpPolicy(backoff=1.0, **policy), clock)  # type: ignore[arg-type]


def test_requests_to_a_host_are_spaced_by_its_interval(
    script: tuple[Script, FakeBibServer],
) -> None:
    plan, server = script
    plan.plan["/a"] = [Response(200, b"ok")]
    clock = FakeClock()
    http = client(clock, intervals={"127.0.0.1": 3.0})
    for _ in range(3):
        assert http.get(f"{server.url}/a").status == 200
    assert clock.sleeps == [3.0, 3.0]


def test_retry_after_is_honoured(script: tuple[Script, FakeBibServer]) -> None:
    plan, server = script
    plan.plan["/busy"] = [Response(429, headers={"Retry-After": "7"}), Response(200, b"ok")]
    clock = FakeClock()
    reply = client(clock).get(f"{server.url}/busy")
    assert reply.status == 200 and clock.sleeps == [7.0]


def test_a_long_retry_after_is_not_waited_out(script: tuple[Script, FakeBibServer]) -> None:
    plan, server = script
    plan.plan["/busy"] = [Response(429, headers={"Retry-After": "3600"})]
    clock = FakeClock()
    with pytest.raises(Unavailable, match="Retry-After 3600"):
        client(clock).get(f"{server.url}/busy")
    assert clock.sleeps == []


def test_server_errors_back_off_exponentially_then_give_up(
    script: tuple[Script, FakeBibServer],
) -> None:
    plan, server = script
    plan.plan["/down"] = [Response(503)]
    clock = FakeClock()
    with pytest.raises(Unavailable, match="HTTP 503 after 3 tries"):
        client(clock, max_retries=2).get(f"{server.url}/down")
    assert clock.sleeps == [1.0, 2.0]


def test_the_breaker_opens_after_repeated_failures(script: tuple[Script, FakeBibServer]) -> None:
    plan, server = script
    plan.plan["/down"] = [Response(500)]
    clock = FakeClock()
    http = client(clock, max_retries=0, breaker_threshold=2, breaker_cooldown=60.0)
    for _ in range(2):
        with pytest.raises(Unavailable, match="HTTP 500"):
            http.get(f"{server.url}/down")
    asked = len(server.requests)
    with pytest.raises(Unavailable, match="failed repeatedly"):
        http.get(f"{server.url}/down")
    assert len(server.requests) == asked
    clock.time += 61
    with pytest.raises(Unavailable, match="HTTP 500"):
        http.get(f"{server.url}/down")


def test_retry_after_as_a_date() -> None:
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("12") == 12.0 and retry_after(None) is None


def test_cache_keeps_answers_for_their_ttl_and_never_errors(tmp_path: Path) -> None:
    now = [1000.0]
    cache = LookupCache(tmp_path / "c.sqlite", found_ttl=100, not_found_ttl=10, now=lambda: now[0])
    found = Lookup("crossref", "doi:x", Outcome.FOUND, (WorkRecord("crossref", title="T"),))
    missing = Lookup("crossref", "doi:y", Outcome.NOT_FOUND)
    error = Lookup("crossref", "doi:z", Outcome.ERROR, detail="down")
    for key, lookup in (("x", found), ("y", missing), ("z", error)):
        cache.put(key, lookup)
    fresh = LookupCache(tmp_path / "c.sqlite", now=lambda: now[0])
    assert fresh.get("x") == found and fresh.get("y") == missing and fresh.get("z") is None
    now[0] += 50
    reopened = LookupCache(tmp_path / "c.sqlite", now=lambda: now[0])
    assert reopened.get("x") == found and reopened.get("y") is None
    calls: list[str] = []

    def fetch() -> Lookup:
        calls.append("x")
        return error

    assert reopened.get_or_fetch("x", fetch) == found
    assert calls == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:192.168.0.1]/", "private"),
        ("http://metadata.google.internal/", "metadata"),
        ("http://internal.example/", "private"),  # resolves to a private address
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_the_guard_refuses_non_public_addresses(url: str, why: str) -> None:
    guard = UrlGuard(resolver=lambda host: ["192.168.1.5"] if host == "internal.example" else [])
    with pytest.raises(UnsafeUrl, match=why):
        guard.pin(url)


def test_the_allowlist_permits_hosts_and_networks() -> None:
    guard = UrlGuard(["localhost", "10.0.0.0/8"], resolver=lambda host: ["93.184.216.34"])
    guard.pin("http://localhost:9/")
    guard.pin("http://10.9.8.7/")
    guard.pin("https://example.org/")
    with pytest.raises(UnsafeUrl):
        guard.pin("http://192.168.0.1/")


def test_settings_from_env_and_config_file(tmp_path: Path) -> None:
    config = tmp_path / "veracity.toml"
    config.write_text('[citations]\nmailto = "a@b.org"\nread_timeout = 4.5\n', encoding="utf-8")
    settings = CitationSettings.from_env(
        {
            "VERACITY_CONFIG": str(config),
            "VERACITY_CROSSREF_URL": "http://127.0.0.1:1/crossref",
            "VERACITY_OFFLINE": "1",
            "VERACITY_URL_ALLOWLIST": "127.0.0.1, 10.0.0.0/8",
            "VERACITY_CITATION_READ_TIMEOUT": "2",
        }
    )
    assert settings.crossref_url == "http://127.0.0.1:1/crossref"
    assert settings.offline is True and settings.mailto == "a@b.org"
    assert settings.url_allowlist == ("127.0.0.1", "10.0.0.0/8")
    assert settings.read_timeout == 2.0


class Rebinding:
    """A DNS that answers each name with its scripted addresses in turn (a rebinding attack
    answers a harmless address first and an internal one next)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked = 0

    def __call__(self, host: str) -> list[str]:
        self.asked += 1
        return [self.answers.pop(0)]


def test_a_url_is_fetched_from_the_address_the_guard_checked(
    script: tuple[Script, FakeBibServer],
) -> None:
    plan, server = script
    plan.plan["/page"] = [Response(200, b"ok")]
    dns = Rebinding("127.0.0.1", "169.254.169.254")
    guard = UrlGuard(["127.0.0.0/8"], resolver=dns)
    http = HttpClient(HttpPolicy(max_retries=0), FakeClock(), guard=guard)
    port = server.url.rsplit(":", 1)[1]
    # "rebind.test" resolves only through the guard's DNS: the connection went to its answer.
    reply = http.get(f"http://rebind.test:{port}/page")
    assert reply.status == 200 and reply.body == b"ok"
    assert server.requests[-1].headers["host"] == f"rebind.test:{port}"
    assert dns.asked == 1
    # The next request resolves again and gets the metadata address: refused, not sent.
    with pytest.raises(UnsafeUrl, match="cloud metadata"):
        http.get(f"http://rebind.test:{port}/page")
    assert len(server.requests) == 1


def test_https_to_a_pinned_address_keeps_the_name_for_sni_and_the_certificate(
    tmp_path: Path,
) -> None:
    cert, key = _self_signed("rebind.test", tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    names: list[str] = []
    context.sni_callback = lambda sock, name, ctx: names.append(str(name))
    with FakeBibServer([lambda request: Response(200, b"secure")]) as server:
        server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
        port = server.url.rsplit(":", 1)[1]
        guard = UrlGuard(["127.0.0.0/8"], resolver=Rebinding("127.0.0.1"))
        http = HttpClient(HttpPolicy(max_retries=0), FakeClock(), guard=guard)
        # Trust the test's own certificate, and only it (REQUESTS_CA_BUNDLE would win).
        http.session.trust_env = False
        http.session.verify = str(cert)
        reply = http.get(f"https://rebind.test:{port}/")
    assert reply.status == 200 and reply.body == b"secure"
    assert names == ["rebind.test"]


def _self_signed(name: str, folder: Path) -> tuple[Path, Path]:
    """A certificate for ``name`` only (not for 127.0.0.1, the address connected to)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
