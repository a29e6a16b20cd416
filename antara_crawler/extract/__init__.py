"""Pure extraction: HTML in, items out. No Scrapy crawler machinery, no database.

    from antara_crawler.extract import parse_article, NotArticle
    article = parse_article(html, url)          # raises NotArticle(reason) for pages that are not articles

Article pages (``article.py`` merges the layers, first layer with a value wins):

* template layers: ``classic.py`` (regional), ``wrap.py`` (www), ``amp.py`` (AMP copies; ``amp_canonical``);
* ``metadata.py``: JSON-LD, OpenGraph / ``article:*``, ``<time datetime>``, ``itemprop``;
* ``generic.py``: first ``h1``, a date right after it, the biggest text block, a byline regex;
* ``text.py``: body and byline cleaning, also on plain text (``extract_body_text``, ``parse_byline``);
* ``page.py``: the parsed page shared by the layers.

Discovery pages: ``listing.py`` and ``rss.py``.
"""

from antara_crawler.extract.amp import amp_canonical
from antara_crawler.extract.article import NotArticle, parse_article
from antara_crawler.extract.text import extract_body_text, parse_byline

__all__ = ["NotArticle", "amp_canonical", "extract_body_text", "parse_article", "parse_byline"]
