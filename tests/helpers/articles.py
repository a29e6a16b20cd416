"""The one factory of synthetic Articles for the tests (the store tests, the fixture archive, the subprocess helpers).

``make_article`` builds a complete, valid Article whose every field can be overridden; ``article_url`` and
``related_link`` build the URLs and related links that go in it.
"""

from __future__ import annotations

from typing import Any

from antara_crawler.items import Article, RelatedLink

PORTALS = ("babel", "sumbar", "jatim", "kalbar", "papua")


def article_url(portal: str, antara_id: int, slug: str = "berita") -> str:
    return f"https://{portal}.antaranews.com/berita/{antara_id}/{slug}"


def related_link(
    portal: str, antara_id: int, title: str, published_at: str | None = None, kind: str = "berita_terkait"
) -> RelatedLink:
    """A related link to ``portal``/``antara_id`` titled ``title``, its slug made from the title's first words."""
    slug = "-".join(title.lower().split()[:6]).replace('"', "").replace(":", "")
    return RelatedLink(url=article_url(portal, antara_id, slug), title=title, published_at=published_at, kind=kind)  # type: ignore[arg-type]


def make_article(antara_id: int = 1, portal: str = "babel", *, n_related: int = 2, **overrides: Any) -> Article:
    """A complete, valid Article; ``overrides`` replace any field."""
    related = [
        RelatedLink(
            url=article_url(portal, antara_id + 1000 + k, f"terkait-{k}"),
            title=f"Terkait {k} untuk {antara_id}",
            published_at="2023-08-31T09:00:00+07:00",
            kind="berita_terkait" if k % 2 == 0 else "baca_juga",
            published_raw="Kamis, 31 Agustus 2023 9:00 WIB",
        )
        for k in range(n_related)
    ]
    fields: dict[str, Any] = {
        "url": article_url(portal, antara_id, f"judul-{antara_id}"),
        "portal": portal,
        "antara_id": antara_id,
        "title": f"Judul berita {antara_id} tentang timah",
        "body": f"Pangkalpinang (ANTARA) - Isi berita nomor {antara_id} tentang tambang timah.\n\nParagraf kedua.",
        "dateline": "Pangkalpinang",
        "published_at": "2023-09-01T10:15:00+07:00",
        "published_raw": "Jumat, 1 September 2023 10:15 WIB",
        "reporter": "Pewarta A",
        "editor": "Editor B",
        "category": "Ekonomi",
        "tags": ["timah", "babel"],
        "image_url": f"https://img.antaranews.com/{antara_id}.jpg",
        "image_caption": "Sebuah foto",
        "related": related,
        "template": "classic",
        "fetched_at": "2024-01-02T03:04:05+00:00",
        "raw_html": f"<html><body><h1>Judul berita {antara_id}</h1></body></html>".encode(),
    }
    fields.update(overrides)
    return Article(**fields)
