"""The layer rule of docs/architecture.md, checked on every import in ``brushcli`` (lazy ones included).

A module may import modules of its own layer or below, never above; applications never import one
another; and no two modules import each other, directly or round a longer cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import brushcli

PACKAGE = Path(brushcli.__file__).parent

#: Layers bottom to top: a module's layer is that of its longest matching prefix.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "resources", "colors", "files", "paths", "safejson", "schema", "images", "inputs", "checkpoint",
     "runtime", "cpumode", "distributed", "userdirs"),
    ("mypaint",),
    ("strokes", "presets"),
    ("painters",),
    ("canvas",),
    ("vision", "objectives"),
    ("optimize", "replay_search", "output_search"),
    ("outputs",),
    ("apps", "agents"),
    ("api", "batch"),
    ("cli", "__main__", "__init__"),
]
#: Applications side by side: modules of different units never import each other.
APPLICATIONS = {"apps.paint": "paint", "apps.planner": "paint", "apps.dream": "dream", "apps.dream_sketch": "dream",
                "apps.style": "style", "agents": "agents"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _lookup(name: str, table: dict[str, object]) -> object:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in table:
            return table[key]
    raise KeyError(name)


def _layer(name: str) -> int:
    ranks = {prefix: rank for rank, prefixes in enumerate(LAYERS) for prefix in prefixes}
    return _lookup(name, ranks)  # type: ignore[return-value]


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """brushcli modules imported anywhere in ``path`` (relative to the package, resolved to modules)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name == "brushcli" or not name.startswith("brushcli."):
                continue
            rel = name[len("brushcli."):]
            while rel and rel not in modules:
                rel = rel.rpartition(".")[0]
            if rel:
                out.add(rel)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_every_module_has_a_layer():
    for name in _modules():
        _layer(name)


def test_no_module_imports_from_a_layer_above():
    wrong = [f"{a} (layer {_layer(a)}) imports {b} (layer {_layer(b)})"
             for a, deps in _graph().items() for b in deps if _layer(b) > _layer(a)]
    assert not wrong, "\n".join(wrong)


def test_applications_do_not_import_each_other():
    def unit(name: str) -> str | None:
        try:
            return _lookup(name, APPLICATIONS)  # type: ignore[return-value]
        except KeyError:
            return None

    wrong = [f"{a} imports {b}" for a, deps in _graph().items() for b in deps
             if unit(a) and unit(b) and unit(a) != unit(b)]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(" -> ".join(stack[stack.index(dep):] + [node, dep]) if dep in stack else f"{node} -> {dep}")
            elif dep not in state:
                visit(dep, stack + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert not cycles, "\n".join(cycles)


def test_the_rule_catches_an_upward_import(tmp_path):
    """The checks above must be able to fail: an upward import in a parsed file is found."""
    fake = tmp_path / "fake.py"
    fake.write_text("def f():\n    from brushcli.apps.paint import paint\n")
    deps = _imports(fake, _modules())
    assert "apps.paint" in deps and _layer("apps.paint") > _layer("canvas.grid")
