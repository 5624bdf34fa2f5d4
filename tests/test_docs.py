"""docs/architecture.md stays true: every file it cites exists (or is a name voicecoach writes),
every module.name it cites is there, and every other name in code style is defined or used in
voicecoach's source (a renamed function leaves its old name nowhere)."""
from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"
PACKAGE = ROOT / "voicecoach"


def _source_names() -> tuple[set[str], set[str]]:
    """(every identifier and attribute name in voicecoach's source, every string constant in it)."""
    names: set[str] = set()
    strings: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        names.add(path.stem)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return names, strings


PLACEHOLDER = re.compile(r"[A-Z]{3,}")  # CACHE/, KEY.json, ENGINE:VOICE: a name to fill in


def _cited() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    return [token.strip() for token in re.findall(r"`([^`\n]+)`", text) if token.strip()]


def _module(name: str) -> object | None:
    try:
        return importlib.import_module(f"voicecoach.{name}")
    except ModuleNotFoundError:
        return None


def test_the_files_the_architecture_page_cites_exist():
    _, strings = _source_names()
    files = {path.name for path in ROOT.rglob("*") if ".git" not in path.parts}
    missing = []
    for token in _cited():
        word = token.split()[0].rstrip(",:;")
        if not re.fullmatch(r"[\w./-]+\.(py|toml|md|yaml|json|js|css)|[\w.-]+/[\w./-]*", word) \
                or word.startswith("/") or PLACEHOLDER.search(word):
            continue
        if any((base / word).exists() for base in (ROOT, PACKAGE)) or word in files:
            continue
        if word in strings or word.rstrip("/") in strings:  # a file or folder voicecoach makes
            continue
        missing.append(word)
    assert not missing, f"docs/architecture.md cites files that do not exist: {missing}"


def test_the_names_the_architecture_page_cites_are_defined():
    defined, strings = _source_names()
    missing = []
    for token in _cited():
        head = re.match(r"[A-Za-z_][\w.]*", token)
        if head is None or token.startswith(("-", "voicecoach ")) or "/" in token or " " in token \
                or PLACEHOLDER.search(token.replace(head.group(0), "", 1)) or "*" in token:
            continue
        if token in strings:  # a setting, pragma or variable voicecoach reads by name
            continue
        name = head.group(0).rstrip(".")
        if re.fullmatch(r"[\w./-]+\.(py|toml|md|yaml|json)", name):
            continue
        parts = name.split(".")
        module = _module(parts[0]) if len(parts) > 1 else None
        if module is not None:  # module.name[.attribute]: looked up for real
            found: object | None = module
            for part in parts[1:]:
                found = getattr(found, part, None)
                if found is None:
                    break
            if found is None and parts[-1] not in defined:
                missing.append(token)
            continue
        looks_like_code = ("_" in name or "(" in token or (name[:1].isupper() and not name.isupper())
                           or (name.isupper() and len(name) > 3))
        in_a_string = any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text) for text in strings)
        if len(parts) == 1 and looks_like_code and name not in defined and not in_a_string \
                and not name.startswith("test"):
            missing.append(token)
    assert not missing, f"docs/architecture.md names what voicecoach does not define: {missing}"
