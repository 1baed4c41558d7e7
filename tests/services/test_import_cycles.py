"""The service modules import each other in one direction only: no cycle, not even through an
import inside a function (the kind that hides one until the call order changes)."""

from __future__ import annotations

import ast
from pathlib import Path

import fractafrag.services

PACKAGE = "fractafrag.services"
ROOT = Path(fractafrag.services.__file__).parent


def module_names() -> dict[str, Path]:
    """Every module of the services package by dotted name (packages by their __init__)."""
    names = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join((PACKAGE, *parts))] = path
    return names


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The service modules `name` imports anywhere in its source, functions included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            # `from a import b` imports a, and a.b too when b is a module.
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(target for target in targets if target in known)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Which service modules each service module imports (its package __init__ aside, which
    Python runs first and which imports no service module itself)."""
    names = module_names()
    known = set(names)
    return {name: imports_of(path, name, known) for name, path in names.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in the graph, as the modules along it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_service_modules_import_each_other_without_a_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_check_sees_a_cycle_through_an_import_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "payments.py").write_text(
        "def handle():\n    from fractafrag.services import bounties\n")
    (tmp_path / "bounties.py").write_text("from fractafrag.services.payments import api\n")
    known = {f"{PACKAGE}.payments", f"{PACKAGE}.bounties"}
    graph = {name: imports_of(tmp_path / f"{name.rpartition('.')[2]}.py", name, known)
             for name in known}
    assert find_cycle(graph) in ([f"{PACKAGE}.bounties", f"{PACKAGE}.payments",
                                  f"{PACKAGE}.bounties"],
                                 [f"{PACKAGE}.payments", f"{PACKAGE}.bounties",
                                  f"{PACKAGE}.payments"])


def test_the_billing_package_is_in_the_graph() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.billing.bounties" in graph[f"{PACKAGE}.billing.webhooks"]
    assert f"{PACKAGE}.billing.stripe_client" in graph[f"{PACKAGE}.billing.bounties"]
