"""The house plan of docs/architecture.md, enforced: no import cycle inside ``helpers`` (counting imports inside
functions too), no module importing another module's private name, and the bottom layers never importing a course
part."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parent.parent / "helpers"
PARTS = ("helpers.prompting", "helpers.rag", "helpers.agents", "helpers.finetune", "helpers.decision",
         "helpers.bakeoff")
# Course order: a part may import the parts before it, never one after it.
PART_ORDER = {part: i for i, part in enumerate(PARTS)}


def module_name(path: Path) -> str:
    parts = path.relative_to(HELPERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _existing_module(name: str) -> str | None:
    path = HELPERS.parent / Path(*name.split("."))
    if path.with_suffix(".py").exists() or (path / "__init__.py").exists():
        return name
    return None


def imports_of(path: Path) -> tuple[set[str], list[str]]:
    """(the helpers modules ``path`` imports, anywhere in the file; its imports of private names, as messages)."""
    me = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    private: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("helpers"))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(me, path.name == "__init__.py", node)
            if not target.startswith("helpers"):
                continue
            for alias in node.names:
                sub = _existing_module(f"{target}.{alias.name}")
                found.add(sub or target)
                if alias.name.startswith("_") and not alias.name.startswith("__") and sub is None:
                    private.append(f"{me} imports {target}.{alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if isinstance(node.value, ast.Name) and node.value.id in _module_aliases(tree):
                private.append(f"{me} reads {node.value.id}.{node.attr}")
    found.discard(me)
    return found, private


def _module_aliases(tree: ast.Module) -> set[str]:
    """Local names bound to helpers modules (``from helpers import llm``, ``import helpers.x as y``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
            for alias in node.names:
                if _existing_module(f"{node.module}.{alias.name}"):
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            names.update(a.asname for a in node.names if a.name.startswith("helpers") and a.asname)
    return names


@functools.cache
def import_graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted(HELPERS.rglob("*.py")):
        found, _ = imports_of(path)
        graph[module_name(path)] = found
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None. Importing a package runs its ``__init__``, so an edge to
    ``a.b.c`` is also an edge to ``a.b`` and ``a``: only ``helpers`` itself (which imports nothing) is exempt."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if colour.get(nxt) is None:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        colour[node] = 2
        return None

    for node in sorted(graph):
        if colour.get(node) is None:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def part_of(module: str) -> str | None:
    return next((p for p in PARTS if module == p or module.startswith(p + ".")), None)


def test_find_cycle_detects_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_inside_helpers():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_imports_a_private_name():
    problems = [p for path in sorted(HELPERS.rglob("*.py")) for p in imports_of(path)[1]]
    assert not problems, "\n".join(problems)


def test_private_import_detector_catches_both_forms(tmp_path, monkeypatch):
    fake = HELPERS / "llm.py"
    code = "from helpers.llm import _hidden\nfrom helpers import llm\nllm._other()\n"
    path = HELPERS / "prompting" / "_probe_private.py"
    path.write_text(code, encoding="utf-8")
    try:
        _, private = imports_of(path)
    finally:
        path.unlink()
    assert fake.exists()
    assert private == ["helpers.prompting._probe_private imports helpers.llm._hidden",
                       "helpers.prompting._probe_private reads llm._other"]


@pytest.mark.parametrize("module", sorted(import_graph()))
def test_layers_import_no_part_and_parts_import_only_earlier_parts(module):
    mine = part_of(module)
    for target in import_graph()[module]:
        theirs = part_of(target)
        if theirs is None or theirs == mine:
            continue
        assert mine is not None, f"{module} is a bottom layer but imports the course part {target}"
        assert PART_ORDER[theirs] < PART_ORDER[mine], (f"{module} ({mine}) imports {target} from a later part "
                                                       f"({theirs}); move the shared code down a layer")
