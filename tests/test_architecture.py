"""The layout's rules, read from the source: one folder per role, imports going one way.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is
still a dependency, and a circle through one is still a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("service", "retrieval")
# Every role's package and the packages below it that it may use. The root modules of
# ``service`` (records, stage interfaces, settings, errors, deadlines, the LLM client) are the
# contract every package shares; the CLI at the root is the one layer above everything.
STAGES = ("service.claims", "service.verification", "service.citations")
MAY_NOT_IMPORT: dict[str, tuple[str, ...]] = {
    **{
        stage: (
            "service.pipeline",
            "service.transport",
            "service.batch",
            "service.report",
            "service.cli",
            *(other for other in STAGES if other != stage),
        )
        for stage in STAGES
    },
    "service.pipeline": ("service.transport", "service.batch", "service.report", "service.cli"),
    "service.report": ("service.transport", "service.batch", "service.cli"),
    "service.transport": ("service.batch", "service.report", "service.cli"),
    "service.batch": ("service.cli",),
    "retrieval": ("service",),
}
# The contract modules at service's root use nothing above them.
CONTRACT = ("service.types", "service.stages", "service.config", "service.errors")
CONTRACT += ("service.deadlines", "service.llm")
# What only the transport, the batch layer (which reads and sends requests) and the reports
# (which render responses) may touch.
_WIRE = (
    "grpc",
    "grpc_status",
    "grpc_health",
    "grpc_reflection",
    "google.protobuf",
    "veracity_client",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imports(path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules ``path`` imports (``from a import b`` counts ``a.b`` when b is a
    module, else ``a``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in modules
                else node.module
                for alias in node.names
            ]
        else:
            continue
        yield from (name for name in names if name in modules)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imports(path, modules)) - {name} for name, path in modules.items()}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_no_import_circle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = [*path[path.index(node) :], node]
            pytest.fail("import circle: " + " -> ".join(cycle))
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, [*path, node])
        done.add(node)

    for module in sorted(graph):
        visit(module, [])


def test_imports_go_one_way() -> None:
    wrong = [
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for package, forbidden in MAY_NOT_IMPORT.items()
        if _within(module, package)
        for target in targets
        if any(_within(target, f) for f in forbidden)
    ]
    wrong += [
        f"{module} imports {target}"
        for module in CONTRACT
        for target in _graph()[module]
        if not (target in CONTRACT or _within(target, "retrieval"))
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_the_pipeline_and_its_stages_never_see_grpc_or_protobuf() -> None:
    inner = (*STAGES, "service.pipeline", *CONTRACT, "retrieval")
    offenders = []
    for name, path in _modules().items():
        if not any(_within(name, package) for package in inner):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module]
            else:
                continue
            if any(_within(i, wire) for i in imported for wire in _WIRE):
                offenders.append(f"{name} imports {imported}")
    assert not offenders, offenders


def test_service_root_is_small_and_every_package_says_what_it_holds() -> None:
    root_modules = sorted((ROOT / "service").glob("*.py"))
    assert len(root_modules) <= 12, [p.name for p in root_modules]
    for package in PACKAGES:
        for init in (ROOT / package).rglob("__init__.py"):
            docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
            assert docstring, f"{init.relative_to(ROOT)} has no docstring"
