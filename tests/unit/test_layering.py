"""The layering rules of STYLE.md, checked on the source itself.

- ``protocol`` is the shared contract: no framework, no database driver, no I/O.
- ``server`` and ``client`` never import each other.
- Only ``client/ui/`` may import Textual; the rest of the client is a core that a
  test (or another front end) can drive without a terminal.

The check reads every module with :mod:`ast`, so it needs no extra tool and sees
imports anywhere in a file (inside functions and ``TYPE_CHECKING`` blocks too).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("protocol", "server", "client")

PROTOCOL_FORBIDDEN = (
    # frameworks and storage: the contract must not depend on either side's stack
    "textual",
    "aiohttp",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "sqlcipher3",
    "psycopg",
    "psycopg2",
    # I/O: the contract computes; callers do the reading and writing
    "socket",
    "http",
    "urllib.request",
    "sqlite3",
)


@dataclass(frozen=True)
class Import:
    """One import statement's view of a module, where it was imported.

    ``names`` holds every module the statement may load: ``from a import b`` may
    load ``a`` or the submodule ``a.b``, so ``from urllib import request`` is seen
    as ``urllib.request``.
    """

    module: str
    names: tuple[str, ...]
    path: Path
    line: int


def _module_parts(path: Path, root: Path) -> tuple[str, ...]:
    parts = path.relative_to(root).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_in(path: Path, root: Path) -> list[Import]:
    """Every import in a file, with relative imports resolved to absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(
                Import(alias.name, (alias.name,), path, node.lineno) for alias in node.names
            )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = path.relative_to(root).parts[:-1]
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            submodules = tuple(f"{module}.{a.name}" for a in node.names if a.name != "*")
            found.append(Import(module, (module, *submodules), path, node.lineno))
    return found


def _reaches(imp: Import, banned: str) -> bool:
    return any(name == banned or name.startswith(f"{banned}.") for name in imp.names)


def _broken_rule(package: str, in_client_ui: bool, imp: Import) -> str | None:
    if package == "protocol":
        banned = next((b for b in PROTOCOL_FORBIDDEN if _reaches(imp, b)), None)
        return f"protocol imports {banned!r}" if banned else None
    if package == "server" and _reaches(imp, "client"):
        return "server imports client"
    if package == "client" and _reaches(imp, "server"):
        return "client imports server"
    if package == "client" and not in_client_ui and _reaches(imp, "textual"):
        return "client core imports textual (only client/ui/ may)"
    return None


def layering_violations(root: Path) -> list[str]:
    """Describe every import statement under ``root`` that breaks a layering rule."""
    violations: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            in_client_ui = _module_parts(path, root)[:2] == ("client", "ui")
            for imp in imports_in(path, root):
                rule = _broken_rule(package, in_client_ui, imp)
                if rule:
                    where = f"{path.relative_to(root)}:{imp.line}"
                    violations.append(f"{where}: {rule} ({imp.module})")
    return violations


def test_packages_exist() -> None:
    # Without them the layering check below would pass by checking nothing.
    for package in PACKAGES:
        assert (REPO_ROOT / package / "__init__.py").is_file(), f"{package}/ is not a package"


def test_source_respects_layering() -> None:
    violations = layering_violations(REPO_ROOT)
    assert violations == [], "layering rules broken:\n" + "\n".join(violations)


# --- the check itself must be able to fail -----------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for package in PACKAGES:
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").touch()
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("protocol/codec.py", "import aiohttp\n"),
        ("protocol/codec.py", "from sqlalchemy.orm import Session\n"),
        ("protocol/codec.py", "def f():\n    import textual.app\n"),
        ("protocol/codec.py", "from urllib import request\n"),
        ("protocol/codec.py", "import http.client\n"),
        ("protocol/codec.py", "import sqlite3\n"),
        ("protocol/codec.py", "import psycopg\n"),
        ("server/routes.py", "from client.store import Store\n"),
        ("server/routes.py", "import client\n"),
        ("client/sync.py", "from server import app\n"),
        ("client/store/records.py", "from ...server.app import create_app\n"),
        ("client/sync.py", "from textual.app import App\n"),
        ("client/screens/census.py", "from textual.widgets import DataTable\n"),
    ],
)
def test_check_catches_broken_rule(tmp_path: Path, name: str, source: str) -> None:
    violations = layering_violations(_tree(tmp_path, {name: source}))
    assert len(violations) == 1
    assert violations[0].startswith(f"{name}:")


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("protocol/codec.py", "import hashlib, hmac\nfrom urllib.parse import quote\n"),
        ("protocol/codec.py", "import msgpack\nfrom . import clocks\n"),
        ("server/routes.py", "from protocol.codec import decode\n"),
        ("client/sync.py", "from protocol import codec\nimport clientele\n"),
        ("client/ui/app.py", "from textual.app import App\nfrom client.sync import Sync\n"),
        ("client/ui/screens/census.py", "from textual.widgets import DataTable\n"),
        ("server/storage.py", "import sqlalchemy\nfrom aiohttp import web\n"),
    ],
)
def test_check_allows_permitted_imports(tmp_path: Path, name: str, source: str) -> None:
    assert layering_violations(_tree(tmp_path, {name: source})) == []
