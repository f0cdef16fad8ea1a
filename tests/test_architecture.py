"""The layering the README's Architecture section promises, checked on the imports themselves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ("tutor", "ingestion", "retrieval")
SHELL = ("tutor/cli", "tutor/runtime")  # the process shell: it may start the API
# (packages, module prefixes they must never import, why)
RULES = [
    (
        ("tutor/chat", "ingestion", "retrieval"),
        ("tutor.cli", "tutor.runtime", "api"),
        "the domain never reaches into the process shell or the HTTP adapter",
    ),
    (("ingestion", "retrieval"), ("tutor.chat",), "ingestion and search know nothing of the tutor"),
    (
        ("tutor/study",),
        ("tutor.cli", "tutor.runtime", "api"),
        "the study core is domain: its jobs are listed for the worker by the runtime",
    ),
    (
        ("tutor/classes",),
        ("tutor.cli", "tutor.runtime", "api"),
        "classes are domain, like the study core",
    ),
    (
        ("tutor/gamification",),
        ("tutor.cli", "tutor.runtime", "tutor.chat", "api"),
        "gamification reads the learning record; the tutor and the shell stay out of it",
    ),
    (
        ("tutor/accounts", "tutor/llm"),
        ("tutor.chat", "tutor.cli", "api"),
        "accounts and models sit below the tutor",
    ),
    (DOMAIN, ("fastapi", "starlette", "api"), "domain code never imports the web framework"),
]


def python_files(*folders: str, with_shell: bool = False) -> list[Path]:
    """Every module under the given folders of the repository (the process shell left out)."""
    shell = [] if with_shell else [ROOT / folder for folder in SHELL]
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if not any(path.is_relative_to(s) for s in shell)
    )


def parsed(path: Path) -> ast.Module:
    """The file's syntax tree (`tests/ast_retry.py` covers CPython 3.11.7's threaded-parse bug)."""
    return ast.parse(path.read_text(), str(path))


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports, at any depth (lazy imports in functions count)."""
    names: set[str] = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("folders", "forbidden", "why"), RULES)
def test_layering(folders: tuple[str, ...], forbidden: tuple[str, ...], why: str) -> None:
    breaches = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in python_files(*folders)
        for name in sorted(imported_modules(path))
        if any(within(name, prefix) for prefix in forbidden)
    ]
    assert not breaches, f"{why}: {breaches}"


def test_import_scanner_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from tutor.cli import main\n    import api.app\n")
    assert {"tutor.cli", "tutor.cli.main", "api.app"} <= imported_modules(module)


def test_only_the_resource_module_opens_pools_and_checks_urls() -> None:
    pool = re.compile(r"AsyncConnectionPool\(|ArqRedis\.from_url\(")
    url_check = re.compile(r"assert settings\.(database|redis)_url")
    found = [
        str(path.relative_to(ROOT))
        for path in python_files(*DOMAIN, "api", "evals", "benchmarks", "tests", with_shell=True)
        if path.name != "test_architecture.py"
        and (pool.search(path.read_text()) or url_check.search(path.read_text()))
    ]
    assert found == ["tutor/resources.py"]
