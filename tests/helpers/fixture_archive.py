"""A small, realistic archive for the export, search, documentation and browse tests.

Built through the real ``Archive.open`` + ``write_batch`` (migrations, FTS triggers, related-link targets, versions,
link statuses), from the babel sample page's ground truth plus hand-written articles on nine portals in three zones:

- BPJS Ketenagakerjaan stories on Sumatran portals in 2024 (sumbar, aceh, lampung, babel), one on a Sumatran portal
  at 23:30 WIB on 31 December 2023 (riau: 2023 on the page), the babel sample (2023), and two outside Sumatra
  (jatim, www) that the Sumatra query must leave out;
- ``sumbar`` 330003 is published at 06:30 WIB on 1 January 2024, i.e. 2023 in UTC: the documented queries use the
  day printed on the page (``published_at_local``);
- flood ("banjir") stories in sumut, riau and papua (WIT, +09:00);
- related links between archived stories, to stories not archived, and to one dead story (``aceh`` 409999, 404);
- ``sumut`` 520002 is written twice with a corrected title: one row in ``article_versions``.

``ARTICLES`` holds the final version of every article (what the archive must give back); ``build(path)`` writes them.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

from antara_crawler.items import Article, LinkStatus, RelatedLink
from antara_crawler.store import Archive
from tests.helpers import SAMPLES, ground_truth, load_json
from tests.helpers.articles import article_url, make_article, related_link

FETCHED = "2024-12-20T01:00:00+00:00"
FETCHED_EARLIER = "2024-01-01T02:00:00+00:00"
SUMATRA = ("aceh", "sumut", "sumbar", "riau", "kepri", "jambi", "sumsel", "babel", "bengkulu", "lampung")


def sample_article() -> Article:
    """The babel sample page's ground truth (real page structure, 6 related links) as an Article."""
    data = ground_truth(load_json(SAMPLES / "regional_current_babel_article.json"))
    data["related"] = [RelatedLink(**r) for r in data["related"]]
    data.pop("template", None)
    return Article(**data, template="classic", fetched_at=FETCHED)


def _article(portal: str, antara_id: int, title: str, published_at: str, body: str, *, dateline: str, **kw) -> Article:
    """One of the fixture's hand-written stories (:func:`make_article` with the fixture's defaults: no related
    links, tags or stored page unless given)."""
    slug = "-".join(title.lower().split()[:8]).replace(":", "")
    fields = {
        "url": article_url(portal, antara_id, slug),
        "title": title,
        "body": f"{dateline} (ANTARA) - {body}",
        "dateline": dateline,
        "published_at": published_at,
        "published_raw": None,
        "reporter": "Pewarta ANTARA",
        "editor": "Redaktur ANTARA",
        "category": "Ekonomi",
        "tags": [],
        "image_url": None,
        "image_caption": None,
        "template": "classic",
        "fetched_at": FETCHED,
        "raw_html": None,
    }
    return make_article(antara_id, portal, n_related=0, **{**fields, **kw})


ACEH = _article(
    "aceh",
    410001,
    "BPJS Ketenagakerjaan Aceh lindungi 50.000 nelayan",
    "2024-03-12T09:00:00+07:00",
    "BPJS Ketenagakerjaan Cabang Banda Aceh melindungi 50.000 nelayan di pesisir Aceh melalui program jaminan "
    "kecelakaan kerja.\n\n“Nelayan bekerja dengan risiko tinggi,” kata kepala cabang.",
    dateline="Banda Aceh",
    published_raw="Selasa, 12 Maret 2024 09:00 WIB",
    tags=["BPJS Ketenagakerjaan", "nelayan"],
    image_url="https://img.antaranews.com/cache/800x533/2024/03/12/nelayan-aceh.jpg",
    image_caption="Nelayan di Lampulo, Banda Aceh. ANTARA/HO",
    related=[
        related_link("sumut", 520002, "Banjir rendam 300 rumah di Medan", "2024-01-01T03:00:00+07:00"),
        related_link("aceh", 409999, "Nelayan Aceh Jaya terima kartu BPJS", "2024-02-01T10:00:00+07:00"),
        related_link(
            "babel", 366104, "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan", None, "baca_juga"
        ),
    ],
)
SUMUT_V1 = _article(
    "sumut",
    520002,
    "Banjir rendam 200 rumah di Medan",
    "2024-01-01T03:00:00+07:00",
    "Banjir merendam 200 rumah warga di Kecamatan Medan Maimun setelah hujan deras semalam.",
    dateline="Medan",
    published_raw="Senin, 1 Januari 2024 03:00 WIB",
    category="Peristiwa",
    tags=["banjir", "Medan"],
    related=[related_link("sumut", 519990, "Sungai Deli meluap", "2023-12-30T18:00:00+07:00")],
    fetched_at=FETCHED_EARLIER,
)
SUMUT = _article(
    "sumut",
    520002,
    "Banjir rendam 300 rumah di Medan",
    "2024-01-01T03:00:00+07:00",
    "Banjir merendam 300 rumah warga di Kecamatan Medan Maimun setelah hujan deras semalam. Petugas BPBD "
    "mengevakuasi warga lanjut usia.",
    dateline="Medan",
    published_raw="Senin, 1 Januari 2024 03:00 WIB",
    category="Peristiwa",
    tags=["banjir", "Medan"],
    related=[
        related_link("sumut", 519990, "Sungai Deli meluap", "2023-12-30T18:00:00+07:00"),
        related_link("aceh", 410001, "BPJS Ketenagakerjaan Aceh lindungi 50.000 nelayan", None, "baca_juga"),
    ],
)
SUMBAR = _article(
    "sumbar",
    330003,
    "BPJS Ketenagakerjaan Sumbar bayar klaim JHT Rp200 miliar",
    "2024-01-01T06:30:00+07:00",
    "BPJS Ketenagakerjaan Sumatera Barat membayar klaim Jaminan Hari Tua senilai Rp200 miliar sepanjang tahun lalu.",
    dateline="Padang",
    published_raw="Senin, 1 Januari 2024 06:30 WIB",
    tags=["BPJS Ketenagakerjaan", "JHT"],
    related=[
        related_link("sumbar", 329000, "Klaim JHT di Padang naik", "2023-11-20T11:00:00+07:00"),
        related_link(
            "www", 4000005, "Menaker: kepesertaan BPJS Ketenagakerjaan naik 10 persen", "2024-02-14T16:00:00+07:00"
        ),
    ],
)
RIAU_2023 = _article(
    "riau",
    250004,
    "Pekerja sawit Riau didaftarkan ke BPJS Ketenagakerjaan",
    "2023-12-31T23:30:00+07:00",
    "Sebanyak 8.000 pekerja sawit di Riau didaftarkan ke BPJS Ketenagakerjaan oleh perusahaan perkebunan.",
    dateline="Pekanbaru",
    published_raw="Minggu, 31 Desember 2023 23:30 WIB",
    tags=["BPJS Ketenagakerjaan", "sawit"],
)
RIAU_FLOOD = _article(
    "riau",
    250010,
    "Banjir landa Pekanbaru, ratusan warga mengungsi",
    "2024-06-05T14:00:00+07:00",
    "Banjir melanda sejumlah kelurahan di Pekanbaru dan ratusan warga mengungsi ke posko.",
    dateline="Pekanbaru",
    category="Peristiwa",
    tags=["banjir"],
)
LAMPUNG = _article(
    "lampung",
    700006,
    "Disnaker Lampung minta perusahaan daftarkan pekerja ke BPJS Ketenagakerjaan",
    "2024-07-20T10:00:00+07:00",
    "Dinas Tenaga Kerja Provinsi Lampung meminta perusahaan mendaftarkan seluruh pekerja ke BPJS Ketenagakerjaan.",
    dateline="Bandarlampung",
    published_raw="Sabtu, 20 Juli 2024 10:00 WIB",
    tags=["BPJS Ketenagakerjaan", "Disnaker"],
    related=[
        related_link(
            "lampung", 699000, "Pengawasan ketenagakerjaan di Lampung diperketat", "2024-07-01T08:00:00+07:00"
        ),
        related_link("aceh", 410001, "BPJS Ketenagakerjaan Aceh lindungi 50.000 nelayan", "2024-03-12T09:00:00+07:00"),
        related_link("www", 4000005, "Menaker: kepesertaan BPJS Ketenagakerjaan naik 10 persen", None, "baca_juga"),
    ],
)
BABEL_2024 = _article(
    "babel",
    448393,
    'Pekerja di Bangka Barat terima santunan manfaat "Return To Work" sebesar Rp351 juta',
    "2024-11-16T07:29:00+07:00",
    "BPJS Ketenagakerjaan menyerahkan santunan program Return To Work kepada pekerja di Bangka Barat.",
    dateline="Muntok",
    published_raw="Sabtu, 16 November 2024 07:29 WIB",
    tags=["BPJS Ketenagakerjaan"],
    related=[
        related_link(
            "babel",
            366104,
            "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan",
            "2023-09-01T10:15:00+07:00",
        ),
        related_link(
            "babel", 441906, "BPJS Ketenagakerjaan dorong desa di Belitung Timur", "2024-10-03T15:02:00+07:00"
        ),
    ],
)
JATIM = _article(
    "jatim",
    800007,
    "BPJS Ketenagakerjaan Jatim gandeng desa lindungi pekerja informal",
    "2024-05-01T08:00:00+07:00",
    "BPJS Ketenagakerjaan Jawa Timur menggandeng pemerintah desa untuk melindungi pekerja informal.",
    dateline="Surabaya",
    tags=["BPJS Ketenagakerjaan"],
    related=[related_link("www", 4000005, "Menaker: kepesertaan BPJS Ketenagakerjaan naik 10 persen")],
)
WWW = _article(
    "www",
    4000005,
    "Menaker: kepesertaan BPJS Ketenagakerjaan naik 10 persen",
    "2024-02-14T16:00:00+07:00",
    "Menteri Ketenagakerjaan menyebut kepesertaan BPJS Ketenagakerjaan naik 10 persen dibanding tahun lalu.",
    dateline="Jakarta",
    category="Ekonomi",
    tags=["BPJS Ketenagakerjaan", "Kemnaker"],
    template="wrap",
    related=[
        related_link("aceh", 410001, "BPJS Ketenagakerjaan Aceh lindungi 50.000 nelayan", "2024-03-12T09:00:00+07:00"),
        related_link("papua", 150009, "Banjir bandang di Jayapura", "2024-03-10T20:00:00+09:00"),
    ],
)
PAPUA = _article(
    "papua",
    150009,
    "Banjir bandang di Jayapura, warga diminta waspada",
    "2024-03-10T20:00:00+09:00",
    "Banjir bandang melanda Kota Jayapura; BMKG meminta warga waspada hujan lebat.",
    dateline="Jayapura",
    published_raw="Minggu, 10 Maret 2024 20:00 WIT",
    category="Peristiwa",
    tags=["banjir", "Jayapura"],
)

#: the final version of every archived article, in the order they are first written (so articles.id follows it)
ARTICLES: list[Article] = [
    sample_article(),
    ACEH,
    SUMUT,
    SUMBAR,
    RIAU_2023,
    RIAU_FLOOD,
    LAMPUNG,
    BABEL_2024,
    JATIM,
    WWW,
    PAPUA,
]
DEAD = LinkStatus(url=article_url("aceh", 409999), portal="aceh", antara_id=409999, status=404, reason="http_404")


def write(archive: Archive) -> None:
    """Write the fixture into an open archive: the first sumut version, then everything, then the dead link."""
    # copies: the archive sets story_id/story_size on the Articles it stores, and these are shared module constants
    first = [copy.deepcopy(SUMUT_V1 if a is SUMUT else a) for a in ARTICLES]
    result = archive.write_batch(first)
    assert result.new == len(ARTICLES), result
    result = archive.write_batch([copy.deepcopy(SUMUT)])
    assert result.updated == 1, result
    result = archive.write_batch([DEAD])
    assert result.link_statuses == 1, result


def build(path: str | Path) -> Path:
    """Create the fixture archive at ``path`` (an SQLite file) and close it; returns the path."""
    path = Path(path)
    with Archive.open(f"sqlite:///{path}") as archive:
        write(archive)
    return path


def build_with_stories(path: str | Path) -> Path:
    """The fixture archive plus the synthetic copy set of ``story_corpus`` (stories of several articles), at
    ``path``; returns the path."""
    from tests.helpers import story_corpus

    path = Path(path)
    with Archive.open(f"sqlite:///{path}") as archive:
        write(archive)
        archive.write_batch([copy.deepcopy(a) for a in story_corpus.build().articles])
    return path


def feed_record(article: Article) -> dict:
    """What a feed (``scrapy crawl -O out.jsonl``) carries for ``article``: the documented fields, in order."""
    from antara_crawler.items import ARTICLE_FEED_FIELDS, related_for_feed

    record = {name: getattr(article, name) for name in ARTICLE_FEED_FIELDS}
    record["tags"] = list(article.tags)
    record["related"] = related_for_feed(article.related)
    return record


def csv_records(text: str) -> list[dict]:
    """A CSV feed (``antara_crawler.newfeed.CsvArticleExporter``) read back as the records :func:`feed_record` gives."""
    records = []
    for row in csv.DictReader(io.StringIO(text)):
        record = {k: (v if v != "" else None) for k, v in row.items()}
        record["antara_id"] = int(row["antara_id"])
        record["tags"] = json.loads(row["tags"])
        record["related"] = json.loads(row["related"])
        for name in ("story_id", "story_size"):
            record[name] = int(row[name]) if row[name] else None
        records.append(record)
    return records
