"""The committed gRPC stubs must be exactly what `make proto` generates from the proto."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "clients" / "python" / "veracity_client" / "v1"


def _protogen():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("protogen", ROOT / "tools" / "protogen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stubs_are_current(tmp_path: Path) -> None:
    generated = _protogen().generate(tmp_path)
    assert {p.name for p in generated} == {
        "veracity_pb2.py",
        "veracity_pb2.pyi",
        "veracity_pb2_grpc.py",
    }
    stale = [p.name for p in generated if p.read_bytes() != (COMMITTED / p.name).read_bytes()]
    assert not stale, f"stubs out of date, run `make proto`: {stale}"
