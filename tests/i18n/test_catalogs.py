"""Every shipped catalog is complete, consistent with its msgids, and current with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n.domain import DEFAULT_LOCALE, LOCALE_CODES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
TRANSLATED = [code for code in LOCALE_CODES if code != DEFAULT_LOCALE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|%[sdf]|\{\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _catalog(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _ids(catalog) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


@pytest.fixture(scope="module")
def template():
    return _catalog(TRANSLATIONS / "messages.pot")


@pytest.mark.parametrize("locale", TRANSLATED, ids=TRANSLATED)
def test_catalog_complete_without_fuzzy_entries(locale, template):
    catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if isinstance(message.id, tuple | list) and len(strings) != catalog.num_plurals:
            problems.append(("plural forms", message.id))
        if not all(s.strip() for s in strings):
            problems.append(("untranslated", message.id))
    assert problems == []
    assert _ids(catalog) == _ids(template), "catalog out of date: run make i18n-update"


@pytest.mark.parametrize("locale", TRANSLATED, ids=TRANSLATED)
def test_placeholders_and_tags_match_msgid(locale):
    catalog = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    mismatches = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        wanted_tags = sorted(TAG.findall(ids[-1]))
        for s in strings:
            # A plural form for exactly one may spell the number out (Arabic does).
            if set(PLACEHOLDER.findall(s)) - wanted or (
                set(PLACEHOLDER.findall(s)) != wanted and len(ids) == 1
            ):
                mismatches.append((message.id, s))
            if sorted(TAG.findall(s)) != wanted_tags:
                mismatches.append((message.id, s))
    assert mismatches == []


def test_template_is_current_with_the_code(tmp_path, template):
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "pgettext:1c,2",
            "-k",
            "npgettext:1c,2,3",
            "--no-location",
            "--omit-header",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert _ids(_catalog(out)) == _ids(template), "messages.pot is stale: run make i18n-update"
