"""Generate the Python gRPC stubs of proto/veracity/v1 into the client package.

The proto is mapped to the virtual path ``veracity_client/v1`` so that the generated modules
import each other as ``veracity_client.v1.*`` and can live inside the SDK without rewriting.
``make proto`` runs this; ``tests/test_proto_stubs.py`` runs it into a temporary folder and
fails when the committed stubs differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto" / "veracity" / "v1"
STUB_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def generate(out_root: Path) -> list[Path]:
    """Write the stubs under ``out_root/veracity_client/v1`` and return their paths."""
    out_root.mkdir(parents=True, exist_ok=True)
    protos = sorted(PROTO_DIR.glob("*.proto"))
    args = [
        "protoc",
        f"--proto_path=veracity_client/v1={PROTO_DIR}",
        f"--python_out={out_root}",
        f"--pyi_out={out_root}",
        f"--grpc_python_out={out_root}",
        *(str(p) for p in protos),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed: {' '.join(args)}")
    out_dir = out_root / "veracity_client" / "v1"
    return sorted(p for p in out_dir.iterdir() if p.name.endswith(STUB_SUFFIXES))


def main() -> None:
    target = (
        Path(sys.argv[1]).resolve()
        if len(sys.argv) > 1
        else ROOT / "clients/python/veracity_client/v1"
    )
    # protoc writes under <root>/veracity_client/v1, so generate from the package's parent.
    generated = generate(target.parent.parent)
    print("\n".join(str(p.relative_to(ROOT)) for p in generated))


if __name__ == "__main__":
    main()
