"""TLS and mutual TLS on a real port, the TOML config with env overrides, ``veracity keys``."""

from __future__ import annotations

import datetime
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fake_stages import FakeCitations, FakeExtractor, FakeStore, FakeVerifier
from server_thread import serving
from typer.testing import CliRunner

import veracity_client as vc
from service.cli import app
from service.config import ServerSettings, Settings
from service.pipeline.checker import Checker
from service.transport import configfile
from service.transport.auth import load_keys


def _pem_pair(
    name: str, issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None, ca: bool
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False
        )
    certificate = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    return certificate, key


def _write(
    directory: Path, name: str, pair: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]
) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_bytes(pair[0].public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        pair[1].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca = _pem_pair("test-ca", None, ca=True)
    server = _pem_pair("localhost", ca, ca=False)
    client = _pem_pair("client", ca, ca=False)
    stranger_ca = _pem_pair("other-ca", None, ca=True)
    stranger = _pem_pair("stranger", stranger_ca, ca=False)
    paths = {"ca": _write(directory, "ca", ca)[0]}
    paths["server_cert"], paths["server_key"] = _write(directory, "server", server)
    paths["client_cert"], paths["client_key"] = _write(directory, "client", client)
    paths["stranger_cert"], paths["stranger_key"] = _write(directory, "stranger", stranger)
    return paths


def _checker() -> Checker:
    return Checker(
        Settings(seed_demo_corpus=False),
        FakeStore(),
        FakeExtractor(),
        FakeVerifier(),
        FakeCitations(),
    )


def _client(port: int, pki: dict[str, Path], who: str | None) -> vc.VeracityClient:
    """A TLS client trusting the test CA, with ``who``'s certificate (None: no certificate)."""
    pair = None
    if who is not None:
        pair = (pki[f"{who}_cert"].read_bytes(), pki[f"{who}_key"].read_bytes())
    return vc.VeracityClient(
        f"localhost:{port}",
        timeout=5,
        root_certificates=pki["ca"].read_bytes(),
        client_certificate=pair,
    )


def test_tls_and_mutual_tls(pki: dict[str, Path]) -> None:
    tls = ServerSettings(
        host="localhost", port=0, tls_cert=str(pki["server_cert"]), tls_key=str(pki["server_key"])
    )
    with serving(_checker(), tls) as service:
        with _client(service.port, pki, None) as client:
            assert client.check("Paris is the capital of France.").summary.supported == 1
        plaintext = vc.VeracityClient(f"localhost:{service.port}", timeout=5)
        with plaintext, pytest.raises(vc.UnavailableError):
            plaintext.health()
    mtls = replace(tls, tls_client_ca=str(pki["ca"]))
    with serving(_checker(), mtls) as service:
        with _client(service.port, pki, "client") as client:
            assert client.health() is vc.HealthStatus.SERVING
            assert client.check("Paris is the capital of France.").summary.supported == 1
        for who in (None, "stranger"):
            with _client(service.port, pki, who) as refused, pytest.raises(vc.UnavailableError):
                refused.health()


# -- config -----------------------------------------------------------------------------------


def test_toml_then_env_then_flags(tmp_path: Path) -> None:
    config = tmp_path / "veracity.toml"
    config.write_text(
        "[server]\nport = 6000\nworkers = 3\nmetrics_port = 9100\n"
        '[checker]\nmax_claims = 7\ndata_dir = "/srv/v"\n',
        encoding="utf-8",
    )
    settings, server = configfile.load(
        config,
        environ={
            "VERACITY_PORT": "6001",
            "VERACITY_MAX_CLAIMS": "9",
            "VERACITY_METRICS_PORT": "off",
        },
        overrides={"port": 6002, "workers": None},
    )
    assert (server.port, server.workers, server.metrics_port) == (6002, 3, None)
    assert settings.max_claims == 9 and settings.data_dir == Path("/srv/v")


def test_every_config_problem_is_reported_at_once(tmp_path: Path) -> None:
    config = tmp_path / "veracity.toml"
    config.write_text(
        '[server]\nprot = 1\nworkers = 0\ntls_cert = "/nope.pem"\n[checker]\nmax_claims = "many"\n',
        encoding="utf-8",
    )
    with pytest.raises(configfile.ConfigError) as caught:
        configfile.load(config, environ={"VERACITY_PORT": "http"})
    message = str(caught.value)
    for expected in (
        "has no setting 'prot'",
        "VERACITY_PORT: 'http' is not an integer",
        "max_claims",
        "workers must be greater than 0",
        "tls_cert and tls_key go together",
        "/nope.pem is not a file",
    ):
        assert expected in message


def test_serve_refuses_a_bad_config_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "veracity.toml"
    config.write_text("[server]\nport = 70000\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--config", str(config)])
    assert result.exit_code == 2
    assert "port must be within [0, 65535]" in result.output


def test_keys_add_prints_the_key_once_and_stores_its_hash(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    runner = CliRunner()
    result = runner.invoke(app, ["keys", "add", "ci", "--api-keys-file", str(keys)])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[0]
    assert key.startswith("vk_") and key not in keys.read_text()
    assert [k.name for k in load_keys(keys)] == ["ci"]
    again = runner.invoke(app, ["keys", "add", "ci"], env={"VERACITY_API_KEYS_FILE": str(keys)})
    assert again.exit_code == 2 and "exists already" in again.output
