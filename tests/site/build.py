"""A deterministic builder of the offline ANTARA mirror served by ``tests.site.server.MirrorServer``.

``build_site(root, articles_per_portal=12, seed=0)`` writes a small multi-portal copy of ANTARA under ``root`` and
returns a ``SiteManifest`` saying what a crawler can reach from it. The pages follow the markup of the samples in
``tests/fixtures/samples/`` (classic template on the regional portals, wrap template on www), so the real parsers
extract them. Default portals, one per zone and template:

* ``babel`` (WIB, classic), ``makassar`` (WITA, classic; its pagination uses ``/terkini?page=N``),
  ``papua`` (WIT, classic), ``www`` (WIB, wrap template, ``card__post`` listing items).

Each portal has ``rss/terkini.xml`` (the newest items plus a ``/foto/`` item), ``/terkini`` listing pages
(``per_page`` items each, newest first, with a sidebar decoy), article pages cross-linked through *Berita Terkait*
and *Baca juga*, a chain of older articles reachable only through related links (1, 2 and 3 hops away, one of them
linked from another portal), one dead link (404) and, on babel, a ``robots.txt`` that disallows one listed article.

Dates are fixed (the newest article is ``2026-02-21 13:42`` local time), so tests never depend on today's date.
"""

from __future__ import annotations

import html
import json
import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from antara_crawler.portals import PORTALS
from antara_crawler.urls import article_url, parse_article_url

DEFAULT_PORTALS = ("babel", "makassar", "papua", "www")
#: The newest listed article of every portal is published at this local time (in the portal's zone).
NEWEST = datetime(2026, 2, 21, 13, 42)
#: Portals whose listing pagination links use the ``/terkini?page=N`` form.
QUERY_PAGINATION = frozenset({"makassar"})

_WEEKDAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
_MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
_RFC_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_RFC_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

_PLACES = {
    "babel": ["Pangkalpinang", "Sungailiat", "Tanjung Pandan", "Koba", "Mentok"],
    "makassar": ["Makassar", "Gowa", "Maros", "Parepare", "Mamuju"],
    "papua": ["Jayapura", "Sentani", "Biak", "Merauke", "Nabire"],
    "www": ["Jakarta", "Bandung", "Surabaya", "Semarang", "Medan"],
}
_SHORT_NAMES = {"babel": "Babel", "makassar": "Sulsel", "papua": "Papua", "www": "RI"}
_ID_BASE = {"babel": 556300, "makassar": 1002400, "papua": 771500, "www": 5561400}
_SUBJECTS = [
    "Gubernur", "Pemkab", "BMKG", "Polda", "Dinas Kesehatan", "PLN", "BPJS Ketenagakerjaan", "Bank Indonesia",
    "KPU", "Bupati", "Wali Kota", "DPRD", "Basarnas", "BPBD", "Kejaksaan", "Pelindo",
]  # fmt: skip
_VERBS = [
    "tinjau", "resmikan", "perluas", "dorong", "siapkan", "percepat", "evaluasi", "salurkan", "perketat", "bahas",
]  # fmt: skip
_OBJECTS = [
    "stok beras jelang Ramadhan", "jalan desa sepanjang 12 km", "layanan kesehatan di pulau terluar",
    "program jaminan sosial nelayan", "bantuan bagi korban banjir", "pengawasan tambang ilegal",
    "pasar murah di lima kecamatan", "pembangunan dermaga baru", "vaksinasi ternak", "beasiswa pelajar",
    "perbaikan jaringan listrik", "festival budaya tahunan", "penataan kawasan pesisir", "sekolah rakyat",
]  # fmt: skip
_CATEGORIES = ["Ekonomi", "Hukum", "Politik", "Kesehatan", "Pendidikan", "Olahraga"]
_PEOPLE = ["Rendra Kusuma", "Sri Hartati Wulan", "Dimas Aryaguna", "Nadia Putri Lestari", "Bambang Sutrisno"]
_SENTENCES = [
    "mengatakan program tersebut ditargetkan rampung sebelum akhir tahun anggaran berjalan",
    "menjelaskan pemerintah daerah telah menyiapkan anggaran pendamping dari APBD",
    "menyebutkan masyarakat diminta ikut mengawasi pelaksanaan kegiatan di lapangan",
    "menambahkan koordinasi dengan instansi vertikal terus dilakukan setiap pekan",
    "mengungkapkan capaian tahun lalu melampaui target yang ditetapkan",
    "berharap kegiatan serupa dapat digelar di kabupaten lain pada tahun depan",
]  # fmt: skip


@dataclass
class SiteArticle:
    """One article page of the mirror."""

    portal: str
    antara_id: int
    slug: str
    title: str
    category: str
    published: datetime  # aware, in the portal's zone
    hops: int  # 0 = listed on /terkini; n = reachable only through n related-link hops
    in_rss: bool = False
    listing_page: int | None = None
    disallowed: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)  # (url, kind) in document order
    #: the body paragraphs after the lead, when the mirror is built with ``real_text`` (else the synthetic ones)
    real_paragraphs: list[str] | None = None

    @property
    def url(self) -> str:
        return article_url(self.portal, self.antara_id, self.slug)

    @property
    def key(self) -> tuple[str, int]:
        return (self.portal, self.antara_id)

    @property
    def published_at(self) -> str:
        return self.published.isoformat()


@dataclass
class IdExtras:
    """What the ids of one portal's listed range hold besides the listed articles (all answer ``/berita/<id>``)."""

    low: int  # the oldest listed article's id
    high: int  # the newest listed article's id
    orphans: dict[int, SiteArticle] = field(default_factory=dict)  # articles linked from nowhere
    flaky: list[int] = field(default_factory=list)  # orphans whose first request should answer 503 (test faults)
    foto: list[int] = field(default_factory=list)  # /berita/<id> redirects to the /foto/ page
    video: list[int] = field(default_factory=list)  # /berita/<id> redirects to a /video/ page
    home: list[int] = field(default_factory=list)  # /berita/<id> redirects to the home page
    soft_404: list[int] = field(default_factory=list)  # HTTP 200 with a "not found" page
    holes: list[int] = field(default_factory=list)  # 404

    @property
    def not_article(self) -> list[int]:
        return sorted(self.foto + self.video + self.home + self.soft_404)

    def as_dict(self) -> dict:
        return {
            "low": self.low, "high": self.high, "orphans": sorted(self.orphans), "flaky": self.flaky,
            "foto": self.foto, "video": self.video, "home": self.home, "soft_404": self.soft_404, "holes": self.holes,
        }  # fmt: skip


@dataclass
class SiteManifest:
    """What the mirror holds and what a crawler can reach from it."""

    root: Path
    portals: tuple[str, ...]
    articles: dict[tuple[str, int], SiteArticle]
    dead_links: dict[str, tuple[str, int]]  # dead URL -> key; linked from articles, answers 404
    foto_urls: list[str]
    listing_pages: dict[str, int]  # portal -> number of /terkini pages
    per_page: int
    #: multi-page articles (``build_site(multipage=True)``): canonical URL -> what the record must hold
    multipage: dict[str, dict] = field(default_factory=dict)
    #: per portal, the ids between its oldest and newest listed article that no listing, feed or related block
    #: links: orphans, holes, foto/video ids, ... (see :func:`_write_id_extras`)
    id_extras: dict[str, IdExtras] = field(default_factory=dict)

    @property
    def listed_keys(self) -> set[tuple[str, int]]:
        """Articles on the listings (RSS and /terkini), robots.txt-disallowed ones included."""
        return {k for k, a in self.articles.items() if a.hops == 0}

    @property
    def disallowed(self) -> set[tuple[str, int]]:
        return {k for k, a in self.articles.items() if a.disallowed}

    @property
    def listing_dates(self) -> dict[tuple[str, int], str]:
        return {k: a.published_at for k, a in self.articles.items() if a.hops == 0}

    def expected_keys(
        self,
        *,
        related_depth: int = 0,
        since: date | None = None,
        until: date | None = None,
        portals: tuple[str, ...] | None = None,
    ) -> set[tuple[str, int]]:
        """The articles a crawl with these arguments archives: listed ones in the window, then related hops."""
        portals = portals or self.portals

        def in_window(a: SiteArticle) -> bool:
            day = a.published.date()
            return (since is None or day >= since) and (until is None or day <= until)

        seeds = {
            k
            for k, a in self.articles.items()
            if a.hops == 0 and a.portal in portals and not a.disallowed and in_window(a)
        }
        reached, frontier = set(seeds), set(seeds)
        for _ in range(related_depth):
            nxt: set[tuple[str, int]] = set()
            for key in frontier:
                for url, _kind in self.articles[key].links:
                    target = self._key_of(url)
                    if target is None or target in reached or target not in self.articles:
                        continue
                    if self.articles[target].disallowed or not in_window(self.articles[target]):
                        continue
                    nxt.add(target)
            reached |= nxt
            frontier = nxt
        return reached

    def dead_links_within(self, related_depth: int) -> set[str]:
        """Dead URLs linked from articles a crawl with this related_depth fetches (so their 404 gets recorded)."""
        if related_depth < 1:
            return set()
        fetched = self.expected_keys(related_depth=related_depth - 1)
        return {url for key in fetched for url, _ in self.articles[key].links if url in self.dead_links}

    def _key_of(self, url: str) -> tuple[str, int] | None:
        ref = parse_article_url(url)
        return ref.key if ref else None

    def to_json(self) -> str:
        return json.dumps(
            {
                "portals": list(self.portals),
                "articles": [
                    {
                        "url": a.url,
                        "portal": a.portal,
                        "antara_id": a.antara_id,
                        "title": a.title,
                        "published_at": a.published_at,
                        "hops": a.hops,
                        "in_rss": a.in_rss,
                        "listing_page": a.listing_page,
                        "disallowed": a.disallowed,
                        "links": a.links,
                    }
                    for a in self.articles.values()
                ],
                "dead_links": sorted(self.dead_links),
                "foto_urls": self.foto_urls,
                "listing_pages": self.listing_pages,
                "multipage": self.multipage,
                "id_extras": {p: x.as_dict() for p, x in self.id_extras.items()},
            },
            ensure_ascii=False,
            indent=1,
        )


# --- building ---------------------------------------------------------------------------------------------------


def build_site(
    root: str | Path,
    *,
    articles_per_portal: int = 12,
    seed: int = 0,
    portals: tuple[str, ...] = DEFAULT_PORTALS,
    per_page: int = 5,
    rss_items: int = 8,
    step_hours: float = 5.0,
    broken_markup: bool = False,
    multipage: bool = False,
    id_extras: bool = True,
    real_text: bool = False,
) -> SiteManifest:
    """Write the mirror under ``root`` and return its manifest.

    ``broken_markup`` writes article pages that lost the ANTARA markup (no title, no date, no body container), the
    way a template change would look: a crawl of it must fail loudly. ``multipage`` turns five listed articles of
    the first portal into multi-page articles (:func:`_add_multipage_articles`). ``real_text`` gives every article
    a body of real ANTARA paragraphs after its lead (:func:`_plan_real_text`) instead of the synthetic sentences.
    """
    root = Path(root)
    rng = random.Random(seed)
    articles: dict[tuple[str, int], SiteArticle] = {}
    dead: dict[str, tuple[str, int]] = {}
    foto_urls: list[str] = []
    pages: dict[str, int] = {}
    listed: dict[str, list[SiteArticle]] = {}
    hidden: dict[str, list[SiteArticle]] = {}

    for portal in portals:
        listed[portal], hidden[portal] = _plan_portal(portal, articles_per_portal, rng, step_hours)
        for a in listed[portal] + hidden[portal]:
            articles[a.key] = a
    _link_articles(portals, listed, hidden, dead)
    if real_text:
        _plan_real_text(articles.values(), random.Random(seed))

    for portal in portals:
        items = listed[portal]
        n_pages = max(1, math.ceil(len(items) / per_page))
        pages[portal] = n_pages
        for i, a in enumerate(items):
            a.listing_page = i // per_page + 1
        for a in items[:rss_items]:
            a.in_rss = True
        foto = _foto_url(portal, items[0])
        foto_urls.append(foto)
        base = root / portal
        _write(base / "robots.txt", _robots(portal, items))
        _write(base / "rss" / "terkini.xml", _rss(portal, items[:rss_items], foto, items[0]))
        for page in range(1, n_pages + 1):
            chunk = items[(page - 1) * per_page : page * per_page]
            _write(
                base / "terkini" / f"{page}.html", _listing(portal, chunk, page, n_pages, foto if page == 1 else None)
            )
        for a in items + hidden[portal]:
            render = _broken_article if broken_markup else (_wrap_article if portal == "www" else _classic_article)
            _write(base / "berita" / f"{a.antara_id}.html", render(a, articles, rng))
        foto_id = int(foto.split("/")[4])
        _write(base / "foto" / str(foto_id) / (foto.rsplit("/", 1)[1] + ".html"), _foto_page(portal, foto))

    manifest = SiteManifest(root, tuple(portals), articles, dead, foto_urls, pages, per_page)
    if multipage:
        manifest.multipage = _add_multipage_articles(root, listed[portals[0]], articles, rng)
    if id_extras:
        for portal in portals:
            manifest.id_extras[portal] = _write_id_extras(root, portal, listed[portal], articles, rng, broken_markup)
    _write(root / "manifest.json", manifest.to_json())
    return manifest


def _plan_portal(
    portal: str, n: int, rng: random.Random, step_hours: float
) -> tuple[list[SiteArticle], list[SiteArticle]]:
    tz = PORTALS[portal].tz
    newest = NEWEST.replace(tzinfo=tz)
    next_id = _ID_BASE.get(portal, 500000 + 1000 * len(portal))
    listed: list[SiteArticle] = []
    for i in range(n):
        published = newest - timedelta(hours=step_hours * i, minutes=rng.randrange(0, 50) if i else 0)
        listed.append(_new_article(portal, next_id, published, 0, rng))
        next_id -= rng.randint(2, 6)
    # older articles reachable only through related links: hop 1 -> 2 -> 3
    hidden: list[SiteArticle] = []
    old = datetime(2024, 11, 16, 7, 29, tzinfo=tz)
    old_id = _ID_BASE.get(portal, 500000) - 100000
    for hop in (1, 2, 3):
        hidden.append(_new_article(portal, old_id - 37 * hop, old - timedelta(days=40 * hop, hours=hop), hop, rng))
    return listed, hidden


def _new_article(portal: str, antara_id: int, published: datetime, hops: int, rng: random.Random) -> SiteArticle:
    place = _SHORT_NAMES.get(portal, portal.capitalize())
    title = f"{rng.choice(_SUBJECTS)} {place} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    if antara_id % 7 == 0:
        title += ' "terpadu"'  # a quote, escaped as &quot; in the markup
    slug = "-".join("".join(c for c in w.lower() if c.isalnum()) for w in title.split())
    return SiteArticle(portal, antara_id, slug, title, rng.choice(_CATEGORIES), published, hops)


def _link_articles(
    portals: tuple[str, ...],
    listed: dict[str, list[SiteArticle]],
    hidden: dict[str, list[SiteArticle]],
    dead: dict[str, tuple[str, int]],
) -> None:
    """Berita Terkait between listed articles, the hidden chains, a cross-portal link and one dead link a portal."""
    for idx, portal in enumerate(portals):
        items, chain = listed[portal], hidden[portal]
        for i, a in enumerate(items):
            # two Berita Terkait to other listed articles of the same portal
            for j in (i + 1, i + 2):
                if j < len(items):
                    a.links.append((items[j].url, "berita_terkait"))
        if items:
            items[0].links.insert(0, (chain[0].url, "berita_terkait"))  # hop 1 from the newest article
        chain[0].links.append((chain[1].url, "baca_juga"))  # hop 2
        chain[1].links.append((chain[2].url, "berita_terkait"))  # hop 3
        chain[2].links.append((items[0].url, "berita_terkait"))  # back to a listed one (a cycle)
        # the next portal's newest listed article also links here (a cross-portal related link, hop 1)
        other = listed[portals[(idx + 1) % len(portals)]]
        if other and len(portals) > 1:
            other[0].links.append((chain[0].url, "berita_terkait"))
        # a dead link (the target answers 404) from the second article
        dead_id = chain[2].antara_id - 1000
        dead_url = article_url(portal, dead_id, "berita-yang-sudah-dihapus")
        dead[dead_url] = (portal, dead_id)
        if len(items) > 1:
            items[1].links.insert(0, (dead_url, "baca_juga"))


def _write_id_extras(
    root: Path, portal: str, listed: list[SiteArticle], articles: dict, rng: random.Random, broken: bool
) -> IdExtras:
    """Fill the free ids between a portal's listed articles: the foto id (``newest - 1``, already on the feed)
    redirects to its ``/foto/`` page; then, lowest free ids first, three orphans (the second one is the 503 that
    recovers, when a test sets the fault), a video id, an id redirecting to the home page and a soft "not found"
    page; the other free ids are holes (404). Orphans are dated between their neighbours, so ids grow with dates.
    Redirects are ``<id>.redirect`` files holding the target path, served as 301 by the mirror."""
    base = root / portal / "berita"
    by_id = sorted(listed, key=lambda a: a.antara_id)
    extras = IdExtras(low=by_id[0].antara_id, high=by_id[-1].antara_id)
    taken = {a.antara_id for a in listed}
    foto_id = extras.high - 1
    free = [i for i in range(extras.low, extras.high + 1) if i not in taken and i != foto_id]
    if foto_id not in taken and foto_id > extras.low:
        foto = _foto_url(portal, by_id[-1])
        _write(base / f"{foto_id}.redirect", "/" + foto.split("/", 3)[3])
        extras.foto.append(foto_id)
    plan = ["orphan", "orphan", "orphan", "video", "home", "soft_404"]
    render = _broken_article if broken else (_wrap_article if portal == "www" else _classic_article)
    for kind, antara_id in zip(plan, free, strict=False):
        if kind == "orphan":
            older = max((a for a in by_id if a.antara_id < antara_id), key=lambda a: a.antara_id)
            a = _new_article(portal, antara_id, older.published + timedelta(minutes=7), 0, rng)
            extras.orphans[antara_id] = a
            _write(base / f"{antara_id}.html", render(a, articles, rng))
            if len(extras.orphans) == 2:
                extras.flaky.append(antara_id)
        elif kind == "video":
            slug = f"video-kegiatan-di-{portal}"
            _write(base / f"{antara_id}.redirect", f"/video/{antara_id}/{slug}")
            _write(root / portal / "video" / str(antara_id) / f"{slug}.html", _foto_page(portal, slug))
            extras.video.append(antara_id)
        elif kind == "home":
            _write(base / f"{antara_id}.redirect", "/")
            extras.home.append(antara_id)
        else:
            _write(base / f"{antara_id}.html", _soft_404_page(portal))
            extras.soft_404.append(antara_id)
    extras.holes = free[len(plan) :]
    home = root / portal / "index.html"
    if not home.exists():
        _write(home, _home_page(portal, by_id[-1]))
    return extras


def _home_page(portal: str, newest: SiteArticle) -> str:
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{_e(_site_name(portal))}</title></head>
<body><div class="home"><h1>{_e(_site_name(portal))}</h1>
<ul><li><a href="{newest.url}">{_e(newest.title)}</a></li></ul></div></body></html>
"""


def _soft_404_page(portal: str) -> str:
    base = f"https://{portal}.antaranews.com"
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Halaman tidak ditemukan - {_e(_site_name(portal))}</title></head>
<body><header id="header"><div class="today-date">Sabtu, 21 Februari 2026</div></header>
<div class="row"><div class="col-md-8"><div class="error-page"><h1>Halaman tidak ditemukan</h1>
<p>Maaf, halaman yang Anda cari tidak tersedia atau sudah dipindahkan.</p><a href="{base}">Kembali ke beranda</a>
</div></div></div></body></html>
"""


def _foto_url(portal: str, newest: SiteArticle) -> str:
    return f"https://{portal}.antaranews.com/foto/{newest.antara_id - 1}/festival-perahu-hias-di-{portal}"


# --- rendering helpers --------------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _long_date(dt: datetime) -> str:
    """``Sabtu, 21 Februari 2026 9:07``: the weekday, an unpadded day and hour, no zone label."""
    return f"{_WEEKDAYS[dt.weekday()]}, {dt.day} {_MONTHS[dt.month - 1]} {dt.year} {dt.hour}:{dt.minute:02d}"


def _zone_label(dt: datetime) -> str:
    hours = int(dt.utcoffset().total_seconds() // 3600)
    return {7: "WIB", 8: "WITA", 9: "WIT"}[hours]


def _related_date(dt: datetime) -> str:
    return f"{dt.day} {_MONTHS[dt.month - 1]} {dt.year} {dt.hour:02d}:{dt.minute:02d}"


def _rfc822(dt: datetime) -> str:
    off = int(dt.utcoffset().total_seconds() // 60)
    sign = "+" if off >= 0 else "-"
    return (
        f"{_RFC_DAYS[dt.weekday()]}, {dt.day:02d} {_RFC_MONTHS[dt.month - 1]} {dt.year} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} {sign}{abs(off) // 60:02d}{abs(off) % 60:02d}"
    )


def _img(a: SiteArticle, size: str = "800x533") -> str:
    d = a.published
    return f"https://img.antaranews.com/cache/{size}/{d.year}/{d.month:02d}/{d.day:02d}/{a.antara_id}.jpg"


def _site_name(portal: str) -> str:
    return "ANTARA News" if portal == "www" else f"ANTARA News {PORTALS[portal].province}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _paragraphs(a: SiteArticle, rng: random.Random) -> list[str]:
    place = rng.choice(_PLACES.get(a.portal, ["Jakarta"]))
    person = rng.choice(_PEOPLE)
    first = f"{place} (ANTARA) - {a.title} menjadi perhatian warga {place} dalam beberapa hari terakhir."
    rest = [f"{person} di {place}, {_WEEKDAYS[a.published.weekday()]}, {s}." for s in rng.sample(_SENTENCES, 4)]
    return [first, *(rest if a.real_paragraphs is None else a.real_paragraphs)]


# --- real text ------------------------------------------------------------------------------------------------------

#: The stored texts of real ANTARA pages (``tests/fixtures/real/text``: first line the address, then the text).
REAL_TEXT = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "text"
#: A line of a real text is a body paragraph when it has at least this many words and is none of the lines below.
REAL_PARAGRAPH_WORDS = 20
#: Paragraphs after the lead of a ``real_text`` body: the real bodies of the fixtures have 5 to 20 (1 to 3 KB; the
#: stored texts are cut near 2,000 characters, so their own counts are too low to draw from).
REAL_BODY_PARAGRAPHS = (5, 12)
#: Lines that are not body text: the dateline lead, Baca juga, byline, copyright and photo captions (their credit:
#: ``(FOTO ANTARA/...)``, ``ANTARA FOTO/...``, ``Foto: ...``), which the parser rightly leaves out of a body.
_NOT_BODY = re.compile(r"\(antara|antara ?/|antara foto|foto antara|foto:|baca juga|pewarta|editor|copyright", re.I)


def real_paragraphs(folder: Path = REAL_TEXT) -> list[list[str]]:
    """The body paragraphs of every real text that has some, one list per text in file order: its lines of at least
    :data:`REAL_PARAGRAPH_WORDS` words, with their whitespace folded as a parsed body's is, without the lines of
    :data:`_NOT_BODY` (the mirror writes its own dateline lead). Menus and headers are short lines, so they drop
    out."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()[1:]  # the first line is the page's address
        paras = [
            " ".join(x.split()) for x in lines if len(x.split()) >= REAL_PARAGRAPH_WORDS and not _NOT_BODY.search(x)
        ]
        if paras:
            out.append(paras)
    return out


def real_paragraph_pool() -> list[str]:
    """Every paragraph of :func:`real_paragraphs` once, in file order (a few real texts share a paragraph)."""
    return list(dict.fromkeys(p for paras in real_paragraphs() for p in paras))


def _plan_real_text(articles, rng: random.Random) -> None:
    """Give each article :data:`REAL_BODY_PARAGRAPHS` paragraphs (a number drawn in that range) drawn from all the
    real texts' paragraphs: bodies of real length and wording, in which two unrelated articles share a paragraph now
    and then (background repeated from an earlier story), not most of their sentences as the synthetic ones do. A
    separate random stream: the rest of the mirror is the same with or without it."""
    pool = real_paragraph_pool()
    low, high = REAL_BODY_PARAGRAPHS
    for a in articles:
        a.real_paragraphs = rng.sample(pool, rng.randint(low, high))


def _resolve(url: str, articles: dict[tuple[str, int], SiteArticle]) -> SiteArticle | None:
    ref = parse_article_url(url)
    return articles.get(ref.key) if ref else None


# --- robots, RSS, listings ------------------------------------------------------------------------------------------


def _robots(portal: str, items: list[SiteArticle]) -> str:
    lines = [
        "# offline mirror: illustrative rules, not ANTARA's",
        "User-agent: *",
        "Disallow: /search",
        "Disallow: /admin/",
    ]
    if portal == "babel" and len(items) > 3:
        items[3].disallowed = True
        lines.append(f"Disallow: /berita/{items[3].antara_id}/")
    lines += ["", "User-agent: GPTBot", "Disallow: /", ""]
    return "\n".join(lines) + "\n"


def _rss(portal: str, items: list[SiteArticle], foto: str, newest: SiteArticle) -> str:
    name = _site_name(portal)
    base = f"https://{portal}.antaranews.com"
    entries = []
    foto_dt = newest.published - timedelta(minutes=20)
    rows = [(a.title, a.url, a.published, _img(a)) for a in items]
    rows.insert(min(2, len(rows)), ("Foto - Festival perahu hias", foto, foto_dt, _img(newest)))
    rows.sort(key=lambda r: r[2], reverse=True)
    for title, url, dt, img in rows:
        entries.append(
            "    <item>\n"
            f"      <title>{_e(title)}</title>\n"
            f"      <link>{url}</link>\n"
            f"      <pubDate>{_rfc822(dt)}</pubDate>\n"
            f'      <description><![CDATA[<img src="{img}" align="left" border="0">{title} — ringkasan.]]></description>\n'
            f'      <guid isPermaLink="false">{url}</guid>\n'
            "    </item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">\n  <channel>\n'
        f"    <title>{_e(name)} - Berita Terkini</title>\n    <link>{base}</link>\n    <language>id</language>\n"
        f"    <lastBuildDate>{_rfc822(newest.published)}</lastBuildDate>\n"
        f'    <atom:link href="{base}/rss/terkini.xml" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(entries)
        + "\n  </channel>\n</rss>\n"
    )


def _page_url(portal: str, page: int) -> str:
    base = f"https://{portal}.antaranews.com/terkini"
    if portal in QUERY_PAGINATION:
        return f"{base}?page={page}"
    return f"{base}/{page}"


def _pagination(portal: str, page: int, n_pages: int) -> str:
    first = max(1, min(page - 2, n_pages - 4))
    shown = range(first, min(n_pages, first + 4) + 1)
    lis = []
    if page > 1:
        lis.append(f'<li><a href="{_page_url(portal, page - 1)}" aria-label="Previous">&laquo;</a></li>')
    for n in shown:
        active = ' class="active"' if n == page else ""
        lis.append(f'<li{active}><a href="{_page_url(portal, n)}">{n}</a></li>')
    if page < n_pages:
        lis.append(f'<li><a href="{_page_url(portal, page + 1)}" aria-label="Next">&raquo;</a></li>')
    return '<nav><ul class="pagination pagination-sm">' + "".join(lis) + "</ul></nav>"


def _listing(portal: str, items: list[SiteArticle], page: int, n_pages: int, foto: str | None) -> str:
    if portal == "www":
        return _www_listing(items, page, n_pages)
    base = f"https://{portal}.antaranews.com"
    rows = []
    for i, a in enumerate(items):
        if foto and i == 1:  # a photo story on the first page: not an article
            rows.append(
                '<article class="simple-post simple-big clearfix"><header>'
                f'<h3><a href="{foto}">Foto - Festival perahu hias</a></h3>'
                f'<p class="simple-share"><a href="{base}/foto">Foto</a> / <span>'
                f"{_long_date(a.published)}</span></p></header></article>"
            )
        cat_slug = a.category.lower()
        rows.append(
            '<article class="simple-post simple-big clearfix">\n'
            f'<div class="simple-thumb"><a href="{a.url}" title="{_e(a.title)}"><picture><img class="lazyload" '
            f'data-src="{_img(a, "270x180")}" alt="{_e(a.title)}" src="{base}/img/blank.png"></picture></a></div>\n'
            f'<header><h3><a href="{a.url}" title="{_e(a.title)}">{_e(a.title)}</a></h3>\n'
            f'<p class="simple-share"><a href="{base}/{cat_slug}">{_e(a.category)}</a> / <span>'
            f'<i class="fa fa-clock-o"></i> {_long_date(a.published)}</span></p></header>\n'
            f"<p>{_e(a.title)} — ringkasan singkat berita.</p>\n</article>"
        )
        if i == 2:
            rows.append('<div class="ads-list"><ins class="adsbygoogle" data-ad-slot="4444444444"></ins></div>')
    sidebar_dt = items[-1].published if items else NEWEST
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Berita Terkini - {_e(_site_name(portal))}</title>
<link rel="canonical" href="{_page_url(portal, page)}"></head>
<body><div id="main">
<nav class="main-nav"><ul class="nav navbar-nav"><li><a href="{base}">Home</a></li><li><a href="{base}/terkini">Terkini</a></li></ul></nav>
<div id="main-container"><div class="main-content mag-content clearfix"><div class="row blog-content">
<div class="col-md-8">
<h1 class="block-title"><span>Terkini</span></h1>
{chr(10).join(rows)}
{_pagination(portal, page, n_pages)}
</div>
<aside class="col-md-4 sidebar"><div class="widget"><h3 class="block-title"><span>Terpopuler</span></h3>
<article class="simple-post clearfix"><h3><a href="{base}/berita/100001/wisata-populer">Wisata populer</a></h3>
<p class="simple-share"><span>{_long_date(sidebar_dt)}</span></p></article></div></aside>
</div></div></div>
<footer id="footer"><p class="copyright">Copyright &copy; 2026 {_e(_site_name(portal))}</p></footer>
</div></body></html>
"""


def _www_listing(items: list[SiteArticle], page: int, n_pages: int) -> str:
    base = "https://www.antaranews.com"
    cards = []
    for a in items:
        cards.append(
            '<div class="card__post card__post-list card__post__transition mt-4"><div class="row">\n'
            f'<div class="col-md-5"><div class="card__post__body"><a href="{a.url}"><img class="img-fluid lazyload" '
            f'data-src="{_img(a, "360x240")}" src="{base}/img/blank.png" alt=""></a></div></div>\n'
            '<div class="col-md-7 my-auto pl-0"><div class="card__post__body"><div class="card__post__content">\n'
            f'<div class="card__post__category"><a href="{base}/{a.category.lower()}">{_e(a.category)}</a></div>\n'
            f'<div class="card__post__title"><h2 class="h5"><a href="{a.url}" title="{_e(a.title)}">{_e(a.title)}</a>'
            "</h2></div>\n"
            '<div class="card__post__author-info mb-2"><ul class="list-inline"><li class="list-inline-item">'
            f'<span class="text-secondary">{_related_date(a.published)}</span></li></ul></div>\n'
            f'<p class="d-none d-lg-block">{_e(a.title)} — ringkasan.</p>\n'
            "</div></div></div></div></div>"
        )
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Berita Terkini - ANTARA News</title></head>
<body><header class="bg-light"><nav class="navbar"><a class="navbar-brand" href="{base}/">ANTARA</a></nav></header>
<section class="pb-80"><div class="container"><div class="row">
<div class="col-md-8"><div class="wrapper__list__article"><h4 class="border_section">Terkini</h4>
{chr(10).join(cards)}
</div>
{_pagination("www", page, n_pages)}
</div>
<div class="col-md-4"><aside class="wrapper__list__article"><h4 class="border_section">Terpopuler</h4>
<div class="card__post"><div class="card__post__title"><h2 class="h5"><a href="{base}/berita/5000001/populer">Populer</a></h2></div>
<span class="text-secondary">20 Februari 2026 08:00</span></div></aside></div>
</div></div></section></body></html>
"""


# --- article pages -------------------------------------------------------------------------------------------------


def _related_block_classic(a: SiteArticle, articles: dict) -> str:
    cols = []
    for url, kind in a.links:
        if kind != "berita_terkait":
            continue
        target = _resolve(url, articles)
        title = target.title if target else "Berita lama yang sudah dihapus"
        dt = target.published if target else a.published - timedelta(days=3)
        cols.append(
            '<div class="col-md-3 col-sm-6 col-xs-6"><article class="simple-post clearfix">'
            f'<header><h3><a href="{url}" title="{_e(title)}">{_e(title)}</a></h3>'
            f'<p class="simple-share"><span><i class="fa fa-clock-o"></i> {_related_date(dt)}</span></p></header>'
            "</article></div>"
        )
    if not cols:
        return ""
    return (
        '<div class="related-posts clearfix"><h3 class="block-title"><span>Berita Terkait</span></h3>'
        f'<div class="row">{"".join(cols)}</div></div>'
    )


def _baca_juga(a: SiteArticle, articles: dict) -> list[tuple[str, str]]:
    out = []
    for url, kind in a.links:
        if kind == "baca_juga":
            target = _resolve(url, articles)
            out.append((url, target.title if target else "Berita lama yang sudah dihapus"))
    return out


def _meta(a: SiteArticle) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": a.published_at,
        "author": {"@type": "Person", "name": _PEOPLE[a.antara_id % len(_PEOPLE)]},
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url},
    }
    return (
        f'<link rel="canonical" href="{a.url}">\n'
        f'<meta property="og:type" content="article">\n<meta property="og:title" content="{_e(a.title)}">\n'
        f'<meta property="og:url" content="{a.url}">\n<meta property="og:image" content="{_img(a)}">\n'
        f'<meta property="article:published_time" content="{a.published_at}">\n'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>'
    )


def _classic_article(a: SiteArticle, articles: dict, rng: random.Random) -> str:
    base = f"https://{a.portal}.antaranews.com"
    paras = _paragraphs(a, rng)
    chunks = [_e(p) + "<br><br>" for p in paras]
    for k, (url, title) in enumerate(_baca_juga(a, articles)):
        pos = min(2 + 2 * k, len(chunks))
        chunks.insert(
            pos,
            f'<span class="baca-juga"><b>Baca juga: </b><a href="{url}" title="{_e(title)}">{_e(title)}</a></span><br><br>',
        )
    chunks.insert(
        min(3, len(chunks)),
        '<div class="adsense-inarticle"><ins class="adsbygoogle" data-ad-slot="1"></ins></div><br><br>',
    )
    reporter, editor = _PEOPLE[a.antara_id % len(_PEOPLE)], _PEOPLE[(a.antara_id + 1) % len(_PEOPLE)]
    tags = "".join(
        f'<li><a href="{base}/tag/{t.lower()}" title="{t}">{t}</a></li>' for t in (a.category, a.portal.capitalize())
    )
    name = _e(_site_name(a.portal))
    return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{_e(a.title)} - {name}</title>
{_meta(a)}
</head>
<body>
<div id="main">
<header id="header"><div class="container"><div class="logo"><a href="{base}">{name}</a></div>
<div class="today-date">Sabtu, 21 Februari 2026</div></div></header>
<nav class="main-nav"><ul class="nav navbar-nav"><li><a href="{base}">Home</a></li>
<li class="dropdown"><a href="{base}/nasional">Nasional</a><div class="dropdown-menu mega-news">
<article class="simple-post clearfix"><h4><a href="{base}/berita/100002/menteri-resmikan-pelabuhan">Menteri resmikan pelabuhan</a></h4>
<p class="simple-share"><span>Jumat, 20 Februari 2026 18:18</span></p></article></div></li></ul></nav>
<div id="main-container"><div class="main-content mag-content clearfix"><div class="row blog-content">
<div class="col-md-8">
<article class="post-wrapper clearfix">
<header class="post-header">
<h1 class="post-title">{_e(a.title)}</h1>
<p class="simple-share">
<a href="{base}/{a.category.lower()}" title="{_e(a.category)}">{_e(a.category)}</a> /
<span><span class="article-date"><i class="fa fa-clock-o"></i> {_long_date(a.published)} {_zone_label(a.published)}</span></span>
</p>
<figure class="image-overlay"><picture><img src="{_img(a)}" alt="{_e(a.title)}" class="img-responsive"></picture></figure>
<div class="wp-caption"><p class="wp-caption-text">Suasana kegiatan di lokasi. ANTARA/HO-Humas</p></div>
</header>
<div class="post-content clearfix font17" itemprop="articleBody">
{chr(10).join(chunks)}
</div>
<footer class="post-meta"><div class="tags-wrapper">Pewarta : {reporter}<br>Editor : {editor}<br>COPYRIGHT © ANTARA 2026</div></footer>
<p class="text-center small text-muted">Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI di situs web ini tanpa izin tertulis dari Kantor Berita ANTARA.</p>
<div class="tags-wrapper"><ul class="tags-widget clearfix"><li><strong>Tag:</strong></li>{tags}</ul></div>
</article>
{_related_block_classic(a, articles)}
</div>
<aside class="col-md-4 sidebar"><div class="widget"><h3 class="block-title"><span>Terpopuler</span></h3>
<ul class="popular-list"><li><a href="{base}/berita/100003/harga-lada-naik">Harga lada naik</a><span>Sabtu, 21 Februari 2026 8:15</span></li></ul>
</div></aside>
</div></div></div>
<footer id="footer"><p class="copyright">Copyright &copy; 2026 {name}</p></footer>
</div>
</body>
</html>
"""


def _wrap_article(a: SiteArticle, articles: dict, rng: random.Random) -> str:
    base = "https://www.antaranews.com"
    paras = [f"<p>{_e(p)}</p>" for p in _paragraphs(a, rng)]
    for k, (url, title) in enumerate(_baca_juga(a, articles)):
        link = f"{url}?utm_source=antaranews&amp;utm_medium=desktop&amp;utm_campaign=baca_juga"
        paras.insert(
            min(2 + 2 * k, len(paras)),
            f'<p><span class="baca-juga">Baca juga: <a href="{link}" title="{_e(title)}">{_e(title)}</a></span></p>',
        )
    paras.insert(min(3, len(paras)), '<p><ins class="adsbygoogle" data-ad-slot="3"></ins></p>')
    reporter, editor = _PEOPLE[a.antara_id % len(_PEOPLE)], _PEOPLE[(a.antara_id + 1) % len(_PEOPLE)]
    cards = []
    for url, kind in a.links:
        if kind != "berita_terkait":
            continue
        target = _resolve(url, articles)
        title = target.title if target else "Berita lama yang sudah dihapus"
        dt = target.published if target else a.published - timedelta(days=3)
        link = f"{url}?utm_source=antaranews&amp;utm_medium=desktop&amp;utm_campaign=related_news"
        cards.append(
            '<div class="col-md-6"><div class="card__post card__post-list"><div class="card__post__body">'
            f'<div class="card__post__title"><h2 class="h5"><a href="{link}" title="{_e(title)}">{_e(title)}</a></h2></div>'
            '<div class="card__post__author-info mb-2"><ul class="list-inline"><li class="list-inline-item">'
            f'<span class="text-secondary">{_related_date(dt)}</span></li></ul></div></div></div></div>'
        )
    related = (
        '<div class="wrapper__list__article mt-4"><h4 class="border_section">Berita Terkait</h4>'
        f'<div class="row">{"".join(cards)}</div></div>'
        if cards
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{_e(a.title)} - ANTARA News</title>
{_meta(a)}
</head>
<body>
<header class="bg-light"><nav class="navbar navbar-expand-lg"><a class="navbar-brand" href="{base}/">ANTARA News</a></nav></header>
<section class="pb-80"><div class="container"><div class="row"><div class="col-md-8">
<ul class="breadcrumbs bg-light mb-4">
<li class="breadcrumbs__item"><a href="{base}/" class="breadcrumbs__url">Beranda</a></li>
<li class="breadcrumbs__item"><a href="{base}/{a.category.lower()}" class="breadcrumbs__url">{_e(a.category)}</a></li>
</ul>
<div class="wrap__article-detail">
<div class="wrap__article-detail-title"><h1>{_e(a.title)}</h1></div>
<hr>
<div class="wrap__article-detail-info"><ul class="list-inline">
<li class="list-inline-item mr-2"><span class="text-secondary font-weight-normal"><i class="fa fa-clock-o"></i> {_long_date(a.published)} {_zone_label(a.published)}</span></li>
<li class="list-inline-item"><span class="text-secondary font-weight-normal"><i class="fa fa-clock"></i> 3 menit baca</span></li>
</ul></div>
<div class="wrap__article-detail-image mt-4"><figure><img src="{_img(a)}" alt="{_e(a.title)}" class="img-fluid"><figcaption class="text-muted">Suasana kegiatan. ANTARA FOTO/Rendy Pratama</figcaption></figure></div>
<div class="wrap__article-detail-content post-content">
{chr(10).join(paras)}
<p class="text-muted mt-2 small">Pewarta: {reporter}<br>Editor: {editor}<br>Copyright © ANTARA 2026</p>
<p class="text-muted small font-italic">Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI di situs web ini tanpa izin tertulis dari Kantor Berita ANTARA.</p>
</div>
</div>
<div class="blog-tags"><ul class="list-inline"><li class="list-inline-item"><a href="{base}/tag/{a.category.lower()}">#{_e(a.category)}</a></li></ul></div>
{related}
</div>
<div class="col-md-4"><aside class="wrapper__list__article"><h4 class="border_section">Terpopuler</h4></aside></div>
</div></div></section>
<footer><div class="container"><p>Copyright © 2026 ANTARA</p></div></footer>
</body>
</html>
"""


def _broken_article(a: SiteArticle, articles: dict, rng: random.Random) -> str:
    """A page after a (hypothetical) redesign: none of the markup the parser knows, no metadata, no date."""
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>ANTARA</title></head>
<body><div class="app-root"><div class="x-layout"><div class="x-cell">Memuat konten...</div>
<div class="x-cell">{a.antara_id}</div></div></div></body></html>
"""


# --- multi-page articles (REAL-VARIATION.md §a) ---------------------------------------------------------------

#: The shapes: pages, whether a ``?page=all`` view is linked, pages that answer 404 (no file), pages the
#: tests make answer 503 once (``faults`` of the server), and whether page 1 shows only the next page's link.
MULTIPAGE_SHAPES = {
    "all": {"pages": 3, "all": True, "gone": [], "flaky": [], "next_only": False},
    "numbered": {"pages": 3, "all": False, "gone": [], "flaky": [], "next_only": True},
    "flaky": {"pages": 3, "all": False, "gone": [], "flaky": [3], "next_only": False},
    "gone": {"pages": 3, "all": False, "gone": [2], "flaky": [], "next_only": False},
    # a ?page=all link whose view is page 1 again: not the whole article, so pages 2..3 are read (REAL §a)
    "all_is_page1": {"pages": 3, "all": True, "gone": [], "flaky": [], "next_only": False},
}
_QUOTES = [
    "“Momen yang diabadikan dalam pameran ini semakin meyakinkan bahwa kerja pers layak dihargai,” ujar {p}.",
    "“Paling tidak kegiatan ini bisa memberi sudut pandang yang lebih luas,” kata {p}.",
]


def _add_multipage_articles(
    root: Path, items: list[SiteArticle], articles: dict, rng: random.Random
) -> dict[str, dict]:
    """Rewrite five listed articles as multi-page ones, shaped like the real pages (kalsel-405270-page2: page 2 opens
    mid-story with a quote and holds Baca juga links; jabar-522093-page3: the last page ends with the headline and
    ``Oleh <name> <date> WIB``; jabar-342173: the ``?page=all`` view opens with the dateline like page 1).

    Files: ``berita/<id>.html`` (page 1), ``berita/<id>.page-<N>.html``, ``berita/<id>.page-all.html``; the server
    answers ``?page=N`` / ``?page=all`` with them and 404 when the file is missing (a page that is gone).
    Returns, per canonical URL, what a whole record must hold (``body`` paragraphs, byline, related by kind).
    """
    candidates = [a for a in items if not a.disallowed and a.hops == 0][1:]
    out: dict[str, dict] = {}
    for (shape, spec), a in zip(MULTIPAGE_SHAPES.items(), candidates, strict=False):
        n = spec["pages"]
        person = _PEOPLE[(a.antara_id + 2) % len(_PEOPLE)]
        lead, *rest = _paragraphs(a, rng)
        body = [lead, *rest[:2]]
        body += [_QUOTES[0].format(p=person), *rest[2:], f"Menurut {person}, {rng.choice(_SENTENCES)}."]
        body += [_QUOTES[1].format(p=person), f"{person} menambahkan bahwa {rng.choice(_SENTENCES)}."]
        size = math.ceil(len(body) / n)
        chunks = [body[i * size : (i + 1) * size] for i in range(n)]
        terkait = [url for url, kind in a.links if kind == "berita_terkait"]
        page2_baca = terkait[:1]  # a story that is both a Baca juga (page 2) and a Berita Terkait item (page 1)
        baca_page1 = [url for url, kind in a.links if kind == "baca_juga"]
        oleh = shape == "numbered"  # the byline printed only after the last page's body
        when = f"{_long_date(a.published)} {_zone_label(a.published)}"
        for page in range(1, n + 1):
            if page in spec["gone"]:
                continue
            paras = list(chunks[page - 1])
            if page > 1 and shape == "numbered":
                paras.insert(0, chunks[page - 2][-1])  # the previous page's last paragraph repeated at the join
            html_text = _multipage_html(
                a,
                articles,
                paras,
                page,
                n,
                spec,
                baca=baca_page1 if page == 1 else page2_baca if page == 2 else [],
                byline=None if oleh else person,
                oleh=f"Oleh {person} {when}" if oleh and page == n else None,
            )
            name = f"{a.antara_id}.html" if page == 1 else f"{a.antara_id}.page-{page}.html"
            _write(root / a.portal / "berita" / name, html_text)
        if spec["all"]:
            whole = body if shape == "all" else chunks[0]
            html_text = _multipage_html(a, articles, whole, 0, n, spec, baca=baca_page1 + page2_baca, byline=person)
            _write(root / a.portal / "berita" / f"{a.antara_id}.page-all.html", html_text)
        a.links = [(u, k) for u, k in a.links if k == "baca_juga"] + [(u, "baca_juga") for u in page2_baca]
        a.links += [(u, "berita_terkait") for u in terkait]
        out[a.url] = {
            "shape": shape,
            "key": [a.portal, a.antara_id],
            "pages": n,
            "all": spec["all"],
            "gone": spec["gone"],
            "flaky": spec["flaky"],
            "body": body,
            "reporter": person,
            "baca_juga": [parse_article_url(u).url for u in baca_page1 + page2_baca],
            "berita_terkait": [parse_article_url(u).url for u in terkait],
        }
    return out


def _pager(a: SiteArticle, page: int, n: int, spec: dict) -> str:
    """Pager links as the real site might print them: numbers, "Selanjutnya", "Tampilkan semua" (REAL §a: the
    markup is unknown, so the parser must not depend on it)."""
    if page == 0:
        return ""
    links = []
    if spec["next_only"]:
        if page < n:
            links.append(f'<a class="next" href="{a.url}?page={page + 1}">Selanjutnya &raquo;</a>')
    else:
        for k in range(1, n + 1):
            href = a.url if k == 1 else f"?page={k}"  # relative query links too
            links.append(f'<li class="{"active" if k == page else ""}"><a href="{href}">{k}</a></li>')
        links = [f'<ul class="pagination">{"".join(links)}</ul>']
    if spec["all"]:
        links.append(f'<a href="{a.url}?page=all&amp;utm_source=pager">Tampilkan semua</a>')
    return f'<nav class="article-pager">{"".join(links)}</nav>'


def _multipage_html(
    a: SiteArticle,
    articles: dict,
    paras: list[str],
    page: int,
    n: int,
    spec: dict,
    *,
    baca: list[str],
    byline: str | None,
    oleh: str | None = None,
) -> str:
    """One page of a multi-page article in the classic template. Page 1 and the ``?page=all`` view (``page=0``)
    carry the header (title, date, image, caption), tags and Berita Terkait; continuation pages open mid-story."""
    base = f"https://{a.portal}.antaranews.com"
    chunks = [_e(p) + "<br><br>" for p in paras]
    for k, url in enumerate(baca):
        target = _resolve(url, articles)
        title = target.title if target else "Berita lama yang sudah dihapus"
        chunks.insert(
            min(1 + 2 * k, len(chunks)),
            f'<span class="baca-juga"><b>Baca juga: </b><a href="{url}">{_e(title)}</a></span><br><br>',
        )
    if oleh:
        chunks += [_e(a.title) + "<br><br>", _e(oleh) + "<br>"]
    first = page in (0, 1)
    header = (
        f"""<header class="post-header"><h1 class="post-title">{_e(a.title)}</h1>
<p class="simple-share"><a href="{base}/{a.category.lower()}">{_e(a.category)}</a> /
<span><span class="article-date">{_long_date(a.published)} {_zone_label(a.published)}</span></span></p>
<figure class="image-overlay"><img src="{_img(a)}" alt=""></figure>
<div class="wp-caption"><p class="wp-caption-text">Suasana kegiatan. ANTARA/HO-Humas</p></div></header>"""
        if first
        else ""
    )
    footer = ""
    if byline and (first or page == n):
        footer = f'<footer class="post-meta"><div class="tags-wrapper">Pewarta : {byline}<br>Editor : Redaksi<br>COPYRIGHT © ANTARA 2026</div></footer>'
    tags = (
        f'<div class="tags-wrapper"><ul class="tags-widget"><li><a href="{base}/tag/{a.category.lower()}">{a.category}</a></li></ul></div>'
        if first
        else ""
    )
    related = _related_block_classic(a, articles) if first else ""
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{_e(a.title)} - {_e(_site_name(a.portal))}</title>
<link rel="canonical" href="{a.url}">
</head><body><div class="row blog-content"><div class="col-md-8">
<article class="post-wrapper clearfix">
{header}
<div class="post-content clearfix font17" itemprop="articleBody">
{chr(10).join(chunks)}
</div>
{_pager(a, page, n, spec)}
{footer}
{tags}
</article>
{related}
</div></div></body></html>
"""


def _foto_page(portal: str, url: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Foto - {_e(_site_name(portal))}</title></head>
<body><div class="gallery"><h1>Foto - Festival perahu hias</h1><img src="https://img.antaranews.com/x.jpg"></div>
<p>{url}</p></body></html>
"""


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Build the offline ANTARA mirror")
    parser.add_argument("root")
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    manifest = build_site(args.root, articles_per_portal=args.articles, seed=args.seed)
    print(f"{len(manifest.articles)} articles on {', '.join(manifest.portals)} written to {args.root}")


if __name__ == "__main__":
    main()
