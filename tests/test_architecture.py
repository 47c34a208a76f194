"""The package's shape: no import circle among stresskit's modules, none over 400 lines (issue 23).

Read from the source, not from a running import: every module-level `import`/`from … import` in
stresskit/**/*.py, relative ones resolved, gives an edge; a circle is a path back to where it began.
Imports inside functions are left out on purpose: they run late and are how a module reaches one
that imports it (the lazy names in `batch/__init__`, the CLI's commands)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "stresskit"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.If):  # `if TYPE_CHECKING:` never runs
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
                targets = submodules or [base]  # `from . import x` needs x, not the package's own __init__
            for target in targets:
                if target in modules and target != name:
                    edges[name].add(target)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_the_checker_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_stresskit_module_imports_one_that_imports_it_back():
    edges = graph()
    assert "stresskit.validate" in edges["stresskit.batch.command"]  # the graph sees relative imports
    assert "stresskit.apv" not in edges["stresskit.workbook"]  # the model imports neither apv nor signals
    assert "stresskit.signals" not in edges["stresskit.workbook"]
    assert circles(edges) == []


LIMIT = 400  # lines per module: more usually means two concepts in one file (issue 23)


def test_no_stresskit_module_is_over_the_limit():
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}
