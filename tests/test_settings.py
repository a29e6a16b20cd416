"""Every ``ANTARA_*`` setting is declared once in ``antara_crawler/settings.py``, with its default and a comment, and
read without a second default. The checks scan the package's source, so a setting added anywhere is caught."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from antara_crawler import settings as project
from tests.helpers import ROOT

PACKAGE = ROOT / "antara_crawler"
SETTINGS_FILE = PACKAGE / "settings.py"
_NAME = re.compile(r"\bANTARA_[A-Z][A-Z0-9_]*\b")
#: a read that repeats a default: settings.get("ANTARA_X", 5), getint("ANTARA_X", 5), ...
_READ_WITH_DEFAULT = re.compile(r"\.get(?:int|float|bool|list|dict|dictorlist)?\(\s*[\"'](ANTARA_\w+)[\"']\s*,")
_DECLARATION = re.compile(r"^(ANTARA_[A-Z0-9_]+)\s*=", re.M)


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _names_in_package() -> dict[str, list[str]]:
    """Every ANTARA_* name written anywhere in the package (code, comments, docstrings) -> files that name it."""
    found: dict[str, list[str]] = {}
    for path in _sources():
        for name in set(_NAME.findall(path.read_text(encoding="utf-8"))):
            found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def test_the_scan_finds_the_settings_the_package_reads():
    names = _names_in_package()
    assert {"ANTARA_DB_URL", "ANTARA_BATCH_SIZE", "ANTARA_REDIS_POLL"} <= set(names)


@pytest.mark.parametrize("name", sorted(_names_in_package()))
def test_every_antara_name_in_the_package_is_declared_in_settings(name: str):
    assert hasattr(project, name), f"{name} is used in {_names_in_package()[name]} but not declared in settings.py"


def test_each_setting_is_declared_once_with_a_comment():
    text = SETTINGS_FILE.read_text(encoding="utf-8")
    declared = _DECLARATION.findall(text)
    assert len(declared) == len(set(declared)), "a setting is declared twice"
    lines = text.splitlines()
    for name in declared:
        line = next(i for i, line in enumerate(lines) if re.match(rf"{name}\s*=", line))
        assert lines[line - 1].startswith("#:"), f"{name} has no `#:` comment above its declaration"


def test_no_read_repeats_a_default():
    repeats = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in _sources()
        for m in _READ_WITH_DEFAULT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert repeats == []


def test_every_declared_setting_is_documented():
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))
    )
    undocumented = [n for n in _DECLARATION.findall(SETTINGS_FILE.read_text(encoding="utf-8")) if f"`{n}`" not in docs]
    assert undocumented == []
