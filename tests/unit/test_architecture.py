"""Layering rules: pure domain modules import no framework, and imports only go leftward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"
FORBIDDEN_IN_DOMAIN = {
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "flask_sqlalchemy",
    "sqlalchemy",
    "babel",
    "reportlab",
    "werkzeug",
    "wtforms",
}
# Pure modules beyond the domain.py files: reused by a verifier or engine with no Flask.
PURE_MODULES = [
    "curricula/marks.py",
    "common/calendars.py",
    "passports/cose.py",
    "passports/jws.py",
    "passports/status_list.py",
    "passports/keys.py",
]
LAYERS = ["domain", "models", "services", "forms", "views"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _pure_files() -> list[Path]:
    files = sorted(PORTAL.glob("*/domain.py"))
    files += [PORTAL / rel for rel in PURE_MODULES if (PORTAL / rel).exists()]
    return files


@pytest.mark.parametrize("path", _pure_files(), ids=lambda p: str(p.relative_to(PORTAL)))
def test_pure_module_imports_no_framework(path):
    bad = {m for m in _imports(path) if m.split(".")[0] in FORBIDDEN_IN_DOMAIN}
    assert bad == set()


def test_there_are_domain_modules_to_check():
    assert len(_pure_files()) >= 3


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PORTAL.glob("*/*.py") if p.stem in LAYERS),
    ids=lambda p: str(p.relative_to(PORTAL)),
)
def test_layer_imports_only_leftward(path):
    own = LAYERS.index(path.stem)
    offenders = []
    for module in _imports(path):
        parts = module.split(".")
        leftward = parts[0] == "portal" and len(parts) >= 3 and parts[-1] in LAYERS
        if leftward and LAYERS.index(parts[-1]) > own:
            offenders.append(module)
    assert offenders == []
