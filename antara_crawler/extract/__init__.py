"""Pure extraction: HTML in, items out. No Scrapy crawler machinery, no database.

    from antara_crawler.extract import parse_article, NotArticle
    article = parse_article(html, url)          # raises NotArticle(reason) for pages that are not articles

Article pages (``article.py`` merges the layers, first layer with a value wins):

* template layers: ``classic.py`` (regional), ``wrap.py`` (www), ``amp.py`` (AMP copies; ``amp_canonical``);
* ``metadata.py``: JSON-LD, OpenGraph / ``article:*``, ``<time datetime>``, ``itemprop``;
* ``generic.py``: what the page prints (``visible``, asked before metadata: the byline after the headline, the
  lead image under it), then the first ``h1``, a date right after it, the biggest text block, the section menu's
  highlighted item, related boxes found by their heading;
* ``text.py``: body and byline cleaning, also on plain text (``extract_body_text``, ``parse_byline``);
* ``page.py``: the parsed page shared by the layers; ``tree.py``: decoding and the one lxml parse.

Discovery pages: ``listing.py`` and ``rss.py``.
"""

from antara_crawler.extract.amp import amp_canonical
from antara_crawler.extract.article import NotArticle, parse_article
from antara_crawler.extract.text import extract_body_text, parse_byline

__all__ = ["NotArticle", "amp_canonical", "extract_body_text", "parse_article", "parse_byline"]
