"""The mirror with bodies of real ANTARA paragraphs (``build_site(real_text=True)``), which ``bench/bench_crawl.py``
crawls beside the synthetic one: the paragraphs it draws from, that nothing else of the mirror changes, that the
parser reads every drawn paragraph back, and the split of our CPU the bench prints for it."""

from __future__ import annotations

import pytest

from antara_crawler.extract import parse_article
from bench.bench_crawl import Best, Run, _report_real_text
from tests.site.build import REAL_BODY_PARAGRAPHS, REAL_PARAGRAPH_WORDS, REAL_TEXT, build_site, real_paragraphs


def test_real_paragraphs_keep_long_body_lines_and_drop_the_rest(tmp_path):
    body = " ".join(["kata"] * REAL_PARAGRAPH_WORDS)
    (tmp_path / "babel-1.txt").write_text(
        "\n".join(
            [
                "https://babel.antaranews.com/berita/1/a",  # the address
                "Beranda Terkini Ekonomi Politik",  # a menu
                f"Pangkalpinang (ANTARA) - {body}",  # the dateline lead
                f"Baca juga: {body}",
                f"{body} (FOTO ANTARA/Seorang Fotografer)",  # a caption
                f"Pewarta: {body}",
                f"  {body}   lagi  ",  # a body paragraph, its whitespace folded
            ]
        ),
        encoding="utf-8",
    )
    (tmp_path / "www-2.txt").write_text("https://www.antaranews.com/berita/2/b\nMenu saja\n", encoding="utf-8")
    assert real_paragraphs(tmp_path) == [[f"{body} lagi"]]


def test_the_fixture_texts_give_paragraphs_of_real_wording():
    texts = real_paragraphs()
    assert len(texts) >= 40 and len(list(REAL_TEXT.glob("*.txt"))) == 52
    pool = [p for paras in texts for p in paras]
    assert len(set(pool)) >= 200
    assert all(len(p.split()) >= REAL_PARAGRAPH_WORDS and "(ANTARA)" not in p for p in pool)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("real-text")
    return root, build_site(root / "synthetic"), build_site(root / "real", real_text=True)


def test_real_text_changes_the_bodies_only(both):
    root, synthetic, real = both
    assert synthetic.to_json() == real.to_json()  # the same articles, links, listings and dates
    listing = "babel/terkini/1.html"
    assert (root / "synthetic" / listing).read_bytes() == (root / "real" / listing).read_bytes()
    low, high = REAL_BODY_PARAGRAPHS
    bodies = [a.real_paragraphs or [] for a in real.articles.values()]
    assert all(low <= len(paras) <= high and len(set(paras)) == len(paras) for paras in bodies)
    assert all(a.real_paragraphs is None for a in synthetic.articles.values())


def test_the_parser_reads_every_real_paragraph_back_in_order(both):
    root, _, real = both
    pages = [(a, root / "real" / a.portal / "berita" / f"{a.antara_id}.html") for a in real.articles.values()]
    pages = [(a, path) for a, path in pages if path.exists()]
    assert len(pages) >= 40
    for a, path in pages:
        lead, *rest = parse_article(path.read_bytes(), a.url).body.split("\n\n")
        assert "(ANTARA) - " in lead
        assert rest == a.real_paragraphs, a.url


def test_the_real_text_split_is_the_difference_of_the_median_cpu_per_page(capsys):
    run = lambda pages, cpu: Run(1.0, pages, 100.0, 0, pages, crawl_cpu_seconds=cpu)  # noqa: E731
    bare = Best([run(1000, 1.5), run(1000, 1.6), run(1000, 1.4)])  # median: 1.5 ms per page
    no_store = Best([run(1000, 3.0)])
    full = Best([run(1000, 3.5), run(1000, 3.7), run(1000, 3.6)])  # median: 3.6 ms per page
    synthetic = Best([run(1000, 4.0)])
    _report_real_text(bare, no_store, full, synthetic)
    out = capsys.readouterr().out
    assert "bare 1.50; + our discovery, extraction and Scrapy's item path 1.50 (store pipeline off: 3.00)" in out
    assert "+ the store 0.60 = 3.60 (the synthetic mirror's whole crawl: 4.00)" in out
