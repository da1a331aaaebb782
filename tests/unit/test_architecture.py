"""The import graph of `app/` and `jobs/`: no cycles, and every arrow points down the layers.

Layers, top to bottom (ARCHITECTURE.md draws them): the factory and the CLI; the surfaces
(api, admin, hooks, health) and the jobs; the services' domain packages; the services'
shared modules; the models; the channels; the foundations (config, extensions, database,
errors, money). A module may import its own layer or a lower one, never a higher one.
Imports inside functions count too: deferring an import hides a dependency, it does not
remove it. Only `if TYPE_CHECKING:` blocks are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (layer, module prefixes); the longest matching prefix decides a module's layer.
LAYERS = [
    (0, ("app", "app.cli")),
    (1, ("app.api", "app.admin", "app.hooks", "app.health", "jobs")),
    (2, ("app.services.messaging", "app.services.webhooks", "app.services.inbox",
         "app.services.tenancy", "app.services.billing", "app.services.mobile",
         "app.services.maintenance", "app.services.dispatch")),
    (3, ("app.services",)),
    (4, ("app.models",)),
    (5, ("app.channels",)),
    (6, ("app.errors", "app.money", "app.database")),
    (7, ("app.config", "app.extensions", "app.embedded_redis")),
]


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("app", "jobs"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    resolved = set()
    for target in targets:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def _layer(module: str) -> int:
    best, layer = -1, None
    for number, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), number
    assert layer is not None, f"{module} is in no layer; add it to LAYERS"
    return layer


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_import_graph_has_no_cycles():
    assert _cycles(_graph()) == []


def test_imports_never_point_up_a_layer():
    upward = sorted(f"{source} (layer {_layer(source)}) imports {target} (layer {_layer(target)})"
                    for source, targets in _graph().items() for target in targets
                    if _layer(target) < _layer(source))
    assert upward == []


def test_the_app_enqueues_jobs_by_name_and_never_imports_them():
    importers = sorted(source for source, targets in _graph().items()
                       if source.startswith("app") and not source.startswith("app.cli")
                       and any(t == "jobs" or t.startswith("jobs.") for t in targets))
    assert importers == []


def test_the_checker_sees_a_cycle_and_an_upward_arrow():
    """The checks above would catch what they claim to (a guard against a vacuous graph)."""
    graph = _graph()
    assert {"app.services.tx", "app.models"} <= graph["app.services.messaging.messages"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _layer("app.api.v1.messages") < _layer("app.services.tx") < _layer("app.models")
    assert len(graph) > 100 and sum(len(t) for t in graph.values()) > 300
