"""The fast forms of the text rules (``extract/text.py``) give what the regexes they replace give.

Each old rule is kept here as the oracle: the dateline as one lazy regex, the glued-sentence regex, the byline
value as a lazy match before a lookahead, ``norm`` as split and join. They are compared on every paragraph and
line of the fixtures and on generated text (Hypothesis), so neither a fixture shape nor an odd one can diverge.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antara_crawler.extract.text import (
    _AGENCY,
    _EDITOR,
    _REPORTER,
    _SEP,
    _TRANSLATOR,
    _label,
    _tagged_dateline,
    glue_points,
    norm,
    parse_byline,
)
from tests.helpers import FIXTURES, load_json

_OLD_DATELINE = re.compile(r"^(?P<place>[^()\n]{0,80}?)\s*" + _AGENCY + _SEP, re.IGNORECASE)
_OLD_GLUED = re.compile(r"[a-z0-9][.!?](?=[A-Z])")
_OLD_STOP = r"(?=Pewarta\s*:|Editor\s*:|Penerjemah\s*:|Penyunting\s*:|Uploader\s*:|COPYRIGHT|Copyright|\n|$)"
_OLD_LABELS = {
    _REPORTER: re.compile(r"Pewarta[^\S\n]*:[^\S\n]*(?P<v>.*?)[^\S\n]*" + _OLD_STOP),
    _EDITOR: re.compile(r"(?:Editor|Penyunting)[^\S\n]*:[^\S\n]*(?P<v>.*?)[^\S\n]*" + _OLD_STOP),
    _TRANSLATOR: re.compile(r"Penerjemah[^\S\n]*:[^\S\n]*(?P<v>.*?)[^\S\n]*" + _OLD_STOP),
}


def _fixture_texts() -> list[str]:
    """Every body paragraph the fixtures expect, and every line of every fixture page's text."""
    texts: list[str] = []
    for truth in sorted(FIXTURES.rglob("*.json")):
        data = load_json(truth)
        body = data.get("body") if isinstance(data, dict) else None
        if isinstance(body, str):
            texts += body.split("\n\n")
    for page in sorted(FIXTURES.rglob("*.html")):
        texts += page.read_text(encoding="utf-8", errors="replace").splitlines()
    return texts


TEXTS = _fixture_texts()
#: text built from the pieces the rules look for, so generated cases hit them
_PIECES = st.sampled_from(
    ["(ANTARA)", "(Antara News)", " - ", " -- ", "–", "\n", " ", "  ", "\xa0", "(", ")", "Jakarta", ",", ".", "!",
     "?", "Kamis", "malam", "K", "a", "1", "Pewarta", "Editor", "Penyunting", "Penerjemah", "Uploader", ":", " : ",
     "COPYRIGHT", "Copyright", "Ani Savitri", "x" * 70]
)  # fmt: skip
_GENERATED = st.lists(_PIECES | st.text(max_size=6), max_size=14).map("".join)


def _old_dateline(text: str) -> tuple[str, int] | None:
    m = _OLD_DATELINE.match(text)
    return (m.group("place"), m.end()) if m else None


def _old_label(pattern: tuple, text: str) -> str | None:
    m = _OLD_LABELS[pattern].search(text)
    return (norm(m.group("v")).strip(" ,;/|-–") or None) if m else None


def test_the_fixtures_hold_datelines_glued_sentences_and_bylines():
    assert sum(_tagged_dateline(t) is not None for t in TEXTS) > 30
    assert any(glue_points(t) for t in TEXTS)
    assert sum(_label(_REPORTER, t) is not None for t in TEXTS) > 10


@pytest.mark.parametrize("check", ["dateline", "glue", "labels"])
def test_fast_text_rules_equal_the_old_regexes_on_the_fixtures(check):
    for text in TEXTS:
        _assert_same(check, text)


@settings(max_examples=400, deadline=None)
@given(_GENERATED)
def test_fast_text_rules_equal_the_old_regexes_on_generated_text(text):
    for check in ("dateline", "glue", "labels"):
        _assert_same(check, text)


def _assert_same(check: str, text: str) -> None:
    if check == "dateline":
        assert _tagged_dateline(text) == _old_dateline(text), text
    elif check == "glue":
        assert glue_points(text) == [m.end() for m in _OLD_GLUED.finditer(text)], text
    else:
        for pattern in _OLD_LABELS:
            assert _label(pattern, text) == _old_label(pattern, text), text


def test_parse_byline_reads_glued_and_empty_labels():
    assert parse_byline("Pewarta: Ani SavitriEditor: Budi\nCOPYRIGHT © ANTARA") == ("Ani Savitri", "Budi")
    assert parse_byline("Pewarta : \nEditor :\xa0\nCOPYRIGHT") == (None, None)


_OLD_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


def _old_norm(text: str | None) -> str:
    if not text:
        return ""
    if "&" in text and _OLD_ENTITY.search(text):
        text = html.unescape(text)
    return " ".join(text.split())


_SPACES = st.sampled_from(list(" \n\t\r\x0b\x0c\xa0\u2028\u2029\x85\x1c\u3000\u2009&;#x")) | st.characters()


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=_SPACES, max_size=30))
def test_norm_equals_split_and_join_on_generated_text(text):
    assert norm(text) == _old_norm(text)


def test_norm_equals_split_and_join_on_the_fixtures():
    assert all(norm(text) == _old_norm(text) for text in TEXTS)
