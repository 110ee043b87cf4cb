"""The import graph of Relief's own modules: no circles, and imports run one way.

Views and tasks call services and selectors, which call models and pure
modules; pure modules import no models. Imports inside functions count too: a
circle hidden in a function body is still a circle. Tests and migrations are
left out (migrations are generated and import what they must).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("practice", "clients", "sessions", "portal", "billing", "reports", "api")

# Pure computation over plain values: no models, no ORM, no other project module.
PURE = {
    "practice.availability",
    "practice.calendar",
    "practice.waitlist.windows",
    "clients.body_map",
    "clients.body_regions",
    "clients.red_flags",
    "clients.scoring",
    "sessions.signing",
    "billing.money",
    "reports.periods",
    "reports.statistics",
    "api.exports.fhir",
    "api.imports.csvfile",
    "api.imports.fields",
    "api.webhooks.events",
    "api.webhooks.signing",
}
# Wiring that everything may import and that is left out of the layering:
# the project package, settings, the Celery app, app configs and system checks.
WIRING_SUFFIXES = (".settings", ".celery", ".apps", ".checks", ".wsgi", ".asgi")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).is_dir() else ():
            if "migrations" in path.parts:
                continue
            modules[module_name(path)] = path
    return modules


MODULES = project_modules()


def imports_of(name: str, path: Path) -> set[str]:
    """Project modules that `name` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod when there is one.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
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
            visit(node)
    return found


def layer(name: str) -> int | None:
    """0 pure, 1 models, 2 services and selectors, 3 forms, 4 views and tasks."""
    leaf = name.rpartition(".")[2]
    if name in APPS or name.endswith(WIRING_SUFFIXES):
        return None
    if name in PURE:
        return 0
    if leaf in {"models", "constraints", "ranges", "validation"}:
        return 1
    if leaf in {"forms", "widgets"} or ".templatetags" in name:
        return 3
    view_like = {"views", "urls", "tasks", "navigation", "context_processors", "middleware"}
    if leaf in view_like | {"signals", "demo"} or ".views." in name or ".management" in name:
        return 4
    return 2


def test_the_graph_sees_the_project():
    # Guards the test itself: an empty or unresolved graph would pass anything.
    assert len(MODULES) > 60
    assert "practice.services" in GRAPH["practice.views.booking"]
    assert "practice.reminders.delivery" in GRAPH["practice.reminders.tasks"]
    assert "clients.scoring" in GRAPH["clients.services"]


def test_cycle_finder_finds_a_planted_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    assert cycles(GRAPH) == []


def test_imports_run_one_way():
    upward = [
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
        for name, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if layer(name) is not None and layer(target) is not None and layer(target) > layer(name)
    ]
    assert upward == []


@pytest.mark.parametrize("name", sorted(PURE))
def test_pure_modules_import_no_models(name):
    assert GRAPH[name] <= PURE, f"{name} imports {sorted(GRAPH[name] - PURE)}"
    tree = ast.parse(MODULES[name].read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and not node.level
    }
    assert not {m for m in imported if m.startswith(("django.db", "django.apps"))}


def test_no_folder_holds_more_than_about_twenty_modules():
    for app in APPS:
        for folder in [ROOT / app, *(ROOT / app).rglob("*/")] if (ROOT / app).is_dir() else ():
            if "migrations" in folder.parts or "__pycache__" in folder.parts:
                continue
            count = len(list(folder.glob("*.py")))
            assert count <= 21, f"{folder.relative_to(ROOT)} holds {count} modules"
