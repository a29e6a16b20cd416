"""The fast paths of the extraction layers give what the plain expressions they replace give, on every fixture page.

Each fast path (a literal-position XPath, a field skipped because no later layer could take it...) is checked
against the slower, obvious form on all the HTML fixtures, so a page shape the fixtures hold cannot diverge.
"""

from __future__ import annotations

import pytest
from lxml import etree

from antara_crawler.extract.generic import nth_following_text
from antara_crawler.extract.tree import parse_tree
from tests.helpers import FIXTURES

PAGES = sorted(p for p in FIXTURES.rglob("*.html") if p.stat().st_size < 400_000)
_NTH = etree.XPath("(following::text())[$i]")
_FOLLOWING = etree.XPath("following::text()")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_nth_following_text_is_the_nth_node_of_the_following_axis(path):
    root = parse_tree(path.read_bytes())
    for h1 in list(root.iter("h1"))[:2]:
        count = len(_FOLLOWING(h1))
        for i in [*range(1, min(count, 40) + 1), count, count + 1]:
            want = _NTH(h1, i=i)
            got = nth_following_text(h1, i)
            if not want:
                assert got is None
                continue
            assert got == want[0]
            assert got.getparent() is want[0].getparent()
            assert got.is_tail == want[0].is_tail
