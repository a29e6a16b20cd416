"""Stories: copies across portals grouped as they are stored, ids stable, ``--rebuild`` gives the same grouping."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis.strategies import lists, sampled_from, text, tuples
from sqlalchemy import select
from sqlalchemy import text as sql

from antara_crawler.items import Article
from antara_crawler.store import Archive
from antara_crawler.store import schema as s
from antara_crawler.store import signatures as sig
from antara_crawler.store import stories as st
from antara_crawler.store.shingle_hash import hash32, shingle_hash32
from tests.helpers import FIXTURES, ROOT, story_corpus


@pytest.fixture(scope="module")
def corpus() -> story_corpus.Corpus:
    return story_corpus.build()


def _write(archive: Archive, articles: list[Article], batch: int = 40) -> None:
    for i in range(0, len(articles), batch):
        archive.write_batch([copy.deepcopy(a) for a in articles[i : i + batch]])


def _grouping(archive: Archive) -> dict[tuple[str, int], int]:
    a = s.articles
    with archive.engine.connect() as conn:
        return {(p, i): sid for p, i, sid in conn.execute(select(a.c.portal, a.c.antara_id, a.c.story_id))}


def _stored(tmp_path_factory, corpus: story_corpus.Corpus) -> Iterator[Archive]:
    archive = Archive.open(f"sqlite:///{tmp_path_factory.mktemp('stories') / 'a.db'}")
    _write(archive, corpus.articles)
    yield archive
    archive.close()


@pytest.fixture(scope="module")
def grouped(tmp_path_factory, corpus) -> Iterator[Archive]:
    yield from _stored(tmp_path_factory, corpus)


def test_normalise_drops_baca_juga_dateline_and_byline():
    body = "Pangkalpinang (ANTARA) - Harga cabai Rp45.000 naik.\n\nBaca juga: Lain hal\n\nPewarta: Budi"
    assert sig.normalise(body) == ["harga", "cabai", "rp", "45.000", "naik"]


def test_numbers_stay_whole_tokens():
    assert sig.normalise("Pada 1/12 suhu 3,5 derajat pukul 08.30") == [
        "pada", "1/12", "suhu", "3,5", "derajat", "pukul", "08.30",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def real_corpus() -> story_corpus.Corpus:
    return story_corpus.build(real_text=True)


@pytest.fixture(scope="module")
def real_grouped(tmp_path_factory, real_corpus) -> Iterator[Archive]:
    yield from _stored(tmp_path_factory, real_corpus)


@pytest.fixture(scope="module", params=["synthetic", "real"])
def wording(request) -> tuple[str, story_corpus.Corpus, dict[tuple[str, int], int]]:
    """(name, the set, its grouping as stored) for the synthetic set and for the same set in real ANTARA paragraphs
    (few numbers, paragraphs of any length: before a number a copy leaves out with its words stopped counting
    against it, recall there was 0.90)."""
    if request.param == "synthetic":
        return "synthetic", request.getfixturevalue("corpus"), _grouping(request.getfixturevalue("grouped"))
    return "real", request.getfixturevalue("real_corpus"), _grouping(request.getfixturevalue("real_grouped"))


def test_pairwise_precision_and_recall_at_least_095(wording, capsys):
    name, corpus, predicted = wording
    precision, recall = story_corpus.pairwise_scores(corpus.truth, predicted)
    with capsys.disabled():
        print(
            f"\nstory grouping on {len(corpus.articles)} articles of {name} wording "
            f"({len(corpus.true_pairs())} true copy pairs): precision {precision:.3f}, recall {recall:.3f}"
        )
    assert precision >= 0.95
    assert recall >= 0.95


@pytest.mark.parametrize("kind", ["template", "followup"])
def test_look_alikes_are_stories_of_their_own(wording, kind):
    _, corpus, predicted = wording
    keys = [k for k, story in corpus.truth.items() if corpus.kinds[story] == kind]
    assert len({predicted[k] for k in keys}) == len(keys)


_LEAD = (
    "Pangkalpinang (ANTARA) - Pemerintah kota menyalurkan bantuan beras kepada warga yang terdampak banjir di tiga"
    " kecamatan pada Senin pagi, dan petugas mencatat jumlah penerima terus bertambah sejak akhir pekan lalu."
)
_MIDDLE = (
    "Kepala dinas sosial mengatakan bantuan itu berasal dari cadangan pangan daerah yang disiapkan sejak awal"
    " musim hujan, dan pendistribusian melibatkan aparat kelurahan serta relawan dari berbagai organisasi."
)


def test_a_copy_whose_lead_was_rewritten_with_its_numbers_is_a_copy():
    """The copying portal rewrote the first sentence: the original's date is gone and another number came in. Three
    of four numbers in common was under the old 80% rule; the lost one is not contradicted, so it is a copy."""
    rest = f"{_MIDDLE} Sebanyak 1.200 keluarga menerima 10 kilogram.\n\nStok tersisa 45 ton di gudang."
    original = f"{_LEAD.replace('Senin pagi', 'Senin (14/3) pagi')}\n\n{rest}"
    copy_ = f"Pangkalpinang (ANTARA) - Bantuan beras tahap kedua tiba di 3 kecamatan yang terdampak banjir.\n\n{rest}"
    a, b = sig.Fingerprint.of(original), sig.Fingerprint.of(copy_)
    assert sig.jaccard(a.shingles, b.shingles) >= sig.MIN_JACCARD
    assert len(a.numbers) == len(b.numbers) == 4 and a.numbers - b.numbers == {"14/3"}
    assert sig.contradicted(a, b, a.numbers - b.numbers) == 0
    assert sig.is_copy(a, b) and sig.is_copy(b, a)


def test_the_next_days_report_in_the_same_words_with_other_numbers_is_not_a_copy():
    day = "Harga cabai merah di pasar {city} pada {d}/3 tercatat Rp{p}.000 per kilogram, naik dibanding kemarin."
    one = "\n\n".join([_LEAD, _MIDDLE, day.format(city="Pangkalpinang", d=14, p=45), "Stok 12 ton aman."])
    two = "\n\n".join([_LEAD, _MIDDLE, day.format(city="Pangkalpinang", d=15, p=52), "Stok 11 ton aman."])
    a, b = sig.Fingerprint.of(one), sig.Fingerprint.of(two)
    assert sig.jaccard(a.shingles, b.shingles) >= sig.MIN_JACCARD
    missing = a.numbers - b.numbers
    assert missing == {"14/3", "45.000", "12"} and sig.contradicted(a, b, missing) == 3
    assert not sig.is_copy(a, b)


def test_one_number_in_five_contradicted_is_still_a_copy():
    """The boundary of MIN_NUMBER_OVERLAP: four of five numbers kept is 80%, a copy, also when the fifth is printed
    in another's place (``1 - 0.8`` is not 0.2 in floating point, so the rule compares the kept share)."""
    template = (
        "Harga cabai di pasar kota pada hari {d} tercatat Rp{p} per kilogram, lalu stok {a} ton, {b} truk, {c} gudang."
    )
    one = "\n\n".join([_LEAD, _MIDDLE, template.format(d=14, p="45.000", a=12, b=7, c=3)])
    two = "\n\n".join([_LEAD, _MIDDLE, template.format(d=15, p="45.000", a=12, b=7, c=3)])
    a, b = sig.Fingerprint.of(one), sig.Fingerprint.of(two)
    assert len(a.numbers) == 5 and a.numbers - b.numbers == {"14"} and sig.contradicted(a, b, {"14"}) == 1
    assert sig.is_copy(a, b)


def test_every_article_has_a_story_id(grouped, corpus):
    assert None not in _grouping(grouped).values()


def test_story_id_is_the_smallest_article_id_of_the_story(grouped):
    with grouped.engine.connect() as conn:
        rows = conn.execute(sql("SELECT story_id, MIN(id) FROM articles GROUP BY story_id")).all()
    assert all(story == smallest for story, smallest in rows)


def test_ids_stable_when_a_new_copy_arrives(tmp_path, corpus):
    chain = [a for a in corpus.articles if corpus.kinds[corpus.truth[a.key]] == "chain"]
    story = corpus.truth[chain[0].key]
    members = [a for a in chain if corpus.truth[a.key] == story]
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        _write(archive, members[:-1])
        before = _grouping(archive)
        result = archive.write_batch([copy.deepcopy(members[-1])])
        after = _grouping(archive)
    assert {k: after[k] for k in before} == before
    assert len(set(after.values())) == 1
    assert result.new_articles[0].story_id == after[members[0].key]
    assert result.new_articles[0].story_size == len(members)


def test_a_bridging_copy_merges_into_the_oldest_story(archive_url):
    """On every backend (the merge is one statement with an expanding list of story ids)."""
    base = story_corpus.build(seed=3)
    long = max((a for a in base.articles), key=lambda a: len(a.body or ""))
    paragraphs = (long.body or "").split("\n\n")
    half = len(paragraphs) // 2
    first = Article(url="https://babel.antaranews.com/berita/1/a", portal="babel", antara_id=1,
                    body="\n\n".join(paragraphs[: half + 1]), published_at=long.published_at)  # fmt: skip
    second = Article(url="https://jogja.antaranews.com/berita/2/b", portal="jogja", antara_id=2,
                     body="\n\n".join(paragraphs[half - 1 :]), published_at=long.published_at)  # fmt: skip
    bridge = Article(url="https://www.antaranews.com/berita/3/c", portal="www", antara_id=3,
                     body=long.body, published_at=long.published_at)  # fmt: skip
    with Archive.open(archive_url) as archive:
        archive.write_batch([first])
        archive.write_batch([second])
        separate = _grouping(archive)
        archive.write_batch([bridge])
        merged = _grouping(archive)
    assert separate[("babel", 1)] != separate[("jogja", 2)]
    assert set(merged.values()) == {min(separate.values())}


def test_new_articles_are_inserted_with_their_story_and_only_copies_updated(tmp_path, corpus):
    """SQLite: a new article's row is inserted as a story of its own (``story_id = id``); the story UPDATE touches
    only the articles that join an earlier story."""
    from sqlalchemy import event

    chain = [a for a in corpus.articles if corpus.kinds[corpus.truth[a.key]] == "chain"]
    members = [a for a in chain if corpus.truth[a.key] == corpus.truth[chain[0].key]]
    updated: list[int] = []
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:

        @event.listens_for(archive.engine, "before_cursor_execute")
        def _seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if statement.startswith("UPDATE articles SET story_id"):
                updated.append(len(parameters) if executemany else 1)

        archive.write_batch([copy.deepcopy(members[0])])
        assert updated == [] and set(_grouping(archive).values()) == {1}
        archive.write_batch([copy.deepcopy(a) for a in members[1:]])
        grouping = _grouping(archive)
    assert sum(updated) == len(members) - 1
    assert set(grouping.values()) == {1}


def _copies(corpus: story_corpus.Corpus, n: int) -> list[Article]:
    """``n`` copies of one story of the corpus, each a fresh Article of its own portal and id."""
    long = max(corpus.articles, key=lambda a: len(a.body or ""))
    return [
        Article(url=f"https://babel.antaranews.com/berita/{i}/a", portal="babel", antara_id=i, body=long.body)
        for i in range(1, n + 1)
    ]


def test_copies_are_grouped_within_the_window_and_an_undated_copy_with_any(tmp_path, corpus):
    """Candidates must be published within WINDOW_DAYS of the article (the batch's window is applied in the
    query); an article without a date is compared with candidates of any date."""
    first, near, far, undated = _copies(corpus, 4)
    first.published_at = "2024-03-01T10:00:00+07:00"
    near.published_at = "2024-03-04T09:00:00+07:00"  # 3 days later: a copy
    far.published_at = "2024-03-20T10:00:00+07:00"  # 19 days later: a story of its own
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        archive.write_batch([first])
        archive.write_batch([near, far])  # one call whose window spans both
        dated = _grouping(archive)
        archive.write_batch([undated])
        grouping = _grouping(archive)
    assert dated[near.key] == dated[first.key] == 1
    assert dated[far.key] == 3
    assert set(grouping.values()) == {1}  # the undated copy matches both stories: the younger merges into the oldest


def test_only_candidates_in_the_window_have_their_body_read_once_each(tmp_path, corpus):
    """A stored copy shares many band keys with a new one: its body is read once; a copy published outside the
    batch's window is not read at all."""
    from sqlalchemy import event

    old, recent, new = _copies(corpus, 3)
    old.published_at = "2023-01-01T10:00:00+07:00"
    recent.published_at = "2024-03-01T10:00:00+07:00"
    new.published_at = "2024-03-02T10:00:00+07:00"
    read: list[object] = []
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        archive.write_batch([old, recent])
        ids = {old.key: 1, recent.key: 2}  # their article ids, in write order

        @event.listens_for(archive.engine, "before_cursor_execute")
        def _seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            if statement.startswith("SELECT articles.id, articles.body"):
                read.extend(parameters.values() if isinstance(parameters, dict) else parameters)

        archive.write_batch([new])
        grouping = _grouping(archive)
    assert set(read) == {ids[recent.key]}  # padded to a power of two with the same id
    assert grouping[new.key] == grouping[recent.key] != grouping[old.key]


def test_rebuild_gives_the_same_grouping(tmp_path, corpus):
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        _write(archive, corpus.articles)
        incremental = _grouping(archive)
        with archive.engine.begin() as conn:
            conn.execute(sql("UPDATE articles SET story_id = id"))
            conn.execute(sql("DELETE FROM story_bands"))
        counts = st.rebuild(archive.engine)
        rebuilt = _grouping(archive)
    assert rebuilt == incremental
    assert counts == {"articles": len(corpus.articles), "stories": len(set(incremental.values()))}


def test_the_stories_view_gives_size_portals_and_the_earliest_record(grouped, corpus):
    pair = next(story for story, kind in corpus.kinds.items() if kind == "copies")
    members = sorted((a for a in corpus.articles if corpus.truth[a.key] == pair), key=lambda a: a.published_at or "")
    with grouped.engine.connect() as conn:
        row = conn.execute(
            sql(
                "SELECT v.size, v.portals, v.portal_list, e.portal, e.antara_id FROM stories v "
                "JOIN articles e ON e.id = v.earliest_id "
                "WHERE v.story_id = (SELECT story_id FROM articles WHERE portal = :p AND antara_id = :i)"
            ),
            {"p": members[0].portal, "i": members[0].antara_id},
        ).one()
    assert row == (2, 2, ",".join(sorted(a.portal for a in members)), members[0].portal, members[0].antara_id)


def test_band_parameters_come_from_datasketch():
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=sig.LSH_THRESHOLD, num_perm=sig.NUM_PERM)
    assert sig.bands() == (lsh.b, lsh.r)
    assert len(sig.band_keys(sig.Fingerprint.of("satu dua tiga empat lima"))) == lsh.b


def test_a_missing_extra_is_one_line_naming_it():
    code = "from antara_crawler.store.extras import require; require('no_such_module_here')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    last = proc.stderr.strip().splitlines()[-1]
    assert "MissingExtra" in last and "'analysis' extra" in last


def test_grouping_and_the_view_on_every_backend(archive_url, corpus):
    """The same grouping on SQLite and PostgreSQL (band keys as signed 64-bit integers, the view's portal list)."""
    with Archive.open(archive_url) as archive:
        _write(archive, corpus.articles)
        precision, recall = story_corpus.pairwise_scores(corpus.truth, _grouping(archive))
        with archive.engine.connect() as conn:
            lists = {row[0] for row in conn.execute(sql("SELECT portal_list FROM stories WHERE portals > 1"))}
    assert precision >= 0.95 and recall >= 0.95
    assert lists and all(x.split(",") == sorted(x.split(",")) for x in lists)


def _datasketch_keys(body: str | None) -> list[int]:
    """The band keys computed the plain way: one datasketch MinHash per body, hashing each shingle with the plain
    definition of the shingle hash (store/shingle_hash.py) as datasketch's ``hashfunc``."""
    import hashlib

    from datasketch import MinHash

    shingles = sig.shingles(sig.normalise(body))
    if not shingles:
        return []
    mh = MinHash(num_perm=sig.NUM_PERM, seed=1, scheme=sig.MINHASH_SCHEME, hashfunc=shingle_hash32)
    mh.update_batch([sh.encode("utf-8") for sh in sorted(shingles)])
    b, r = sig.bands()
    out = []
    for band in range(b):
        chunk = mh.hashvalues[band * r : (band + 1) * r].astype("<u4").tobytes()
        out.append(int.from_bytes(hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest(), "big", signed=True))
    return out


def test_bulk_band_keys_are_datasketchs(corpus):
    """The batch MinHash (one numpy pass over the shingles of many bodies) gives datasketch's values for the same
    shingle hash. Bodies of every shape: copies, short, one word, none, non-ASCII."""
    bodies = [a.body for a in corpus.articles[:60]]
    bodies += [None, "", "satu", "satu dua", "satu dua tiga", "Ékonomi naïve café Rp12.000 ½ ² ٣ 日本語", "ab " * 400]
    assert sig.band_keys_of([sig.Fingerprint.of(b) for b in bodies]) == [_datasketch_keys(b) for b in bodies]


def test_bulk_band_keys_do_not_depend_on_the_batch(corpus, monkeypatch):
    bodies = [a.body for a in corpus.articles[:30]]
    alone = [sig.band_keys(sig.Fingerprint.of(b)) for b in bodies]
    monkeypatch.setattr(sig, "HASH_STEP", 700)  # several numpy steps, some of one body only
    monkeypatch.setattr(sig, "TEXT_STEP", 5000)  # texts tokenised a few at a time, some alone
    assert sig.band_keys_of([sig.Fingerprint.of(b) for b in bodies]) == alone


@settings(max_examples=300, deadline=None)
@given(text(alphabet="abcXYZ019_.,/:;-()'²½٣éüß日 \t\n\u00a0\u2003\u200b", max_size=40))
def test_tokens_are_the_token_pattern(value):
    assert sig.tokens(value) == sig._TOKEN.findall(value)


@settings(max_examples=300, deadline=None)
@given(text(alphabet="abzABZ09_.- \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\x7f", max_size=40))
def test_tokens_of_ascii_text_are_the_token_pattern(value):
    """The letters-and-whitespace shortcut of tokens agrees with the pattern on every ASCII whitespace."""
    assert sig.tokens(value) == sig._TOKEN.findall(value)


def test_permutations_are_datasketchs():
    """The MinHash permutations drawn without datasketch are the ones datasketch.MinHash draws for seed 1."""
    import numpy as np
    from datasketch import MinHash

    perms = MinHash(num_perm=sig.NUM_PERM, seed=1, scheme=sig.MINHASH_SCHEME).permutations
    a, b = sig._permutations()
    assert a.dtype == b.dtype == np.uint32
    assert np.array_equal(a, perms[0]) and np.array_equal(b, perms[1])


def test_a_write_does_not_import_datasketch():
    """Storing articles groups them without importing datasketch (nor scipy): bands and permutations are known."""
    code = (
        "import sys\n"
        "from antara_crawler.store import signatures as sig\n"
        "assert sig.bands() == sig.BANDS\n"
        "keys = sig.band_keys_of([sig.Fingerprint.of('satu dua tiga empat lima enam')])\n"
        "assert len(keys[0]) == sig.BANDS[0]\n"
        "assert 'datasketch' not in sys.modules and 'scipy' not in sys.modules, sorted(sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_a_missing_datasketch_still_means_no_bands():
    code = (
        "import sys; sys.modules['datasketch'] = None\n"
        "from antara_crawler.store import signatures as sig\n"
        "from antara_crawler.store.extras import MissingExtra\n"
        "try:\n    sig.bands()\nexcept MissingExtra as exc:\n    print(exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "datasketch is not installed" in proc.stdout, proc.stderr


def test_shingle_hashes_in_place_are_those_of_the_shingles(corpus):
    """Hashing each shingle's span of the joined words gives the hashes of the shingle strings themselves: short
    lists, empty words, non-ASCII, and words holding a separator (the plain way); and for ASCII texts, tokenised on
    the way, the hashes of the shingles of their tokens."""
    import numpy as np

    lists = [sig.normalise(a.body) for a in corpus.articles[:40]]
    lists += [["satu"], ["satu", "dua"], ["satu", "dua", "tiga"], ["a", "", "b", "c"], ["café", "naïve", "日本語", "x"]]
    lists += [["ab"] * 40, ["kata" * 20, "b", "c"]]
    odd = [["dua kata", "tiga", "empat"], ["baris\nbaru", "x"]]
    for word_lists in (lists, odd, lists + odd):
        shingles = [sig.shingle_list(words) for words in word_lists]
        hashes, counts = sig._shingle_hashes(np, [sig.Fingerprint(w) for w in word_lists])
        assert hashes.tolist() == hash32(np, [x for s in shingles for x in s]).tolist()
        assert counts.tolist() == [len(s) for s in shingles]
    bodies = [a.body for a in corpus.articles[:40]] + [
        "satu dua",
        "Rp45.000 naik, 1/12 pukul 08.30 WIB",
        "x",
        " \n ",
        "?!",
    ]
    prints = [sig.Fingerprint.of(b) for b in bodies]
    assert all(fp.ascii_text is not None for fp in prints[-5:])
    texts = [fp for fp in prints if fp.ascii_text is not None]
    shingles = [sig.shingle_list(sig.tokens(fp.ascii_text)) for fp in texts]
    hashes, counts = sig._shingle_hashes(np, texts)
    assert hashes.tolist() == hash32(np, [x for s in shingles for x in s]).tolist()
    assert counts.tolist() == [len(s) for s in shingles]


def _real_texts() -> list[str]:
    """The bodies of every ground truth in the fixtures (the real pages' and the samples')."""
    out = []
    for path in sorted(FIXTURES.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("body"), str):
            out.append(data["body"])
    return out


def _ascii_tokens(texts: list[str]) -> list[list[str]]:
    """What :func:`sig._ascii_spans` finds in each text, read back from its spans."""
    import numpy as np

    data, starts, ends, counts = sig._ascii_spans(np, texts)
    raw = data.tobytes()
    found = [raw[s:e].decode("ascii") for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    out, at = [], 0
    for n in counts.tolist():
        out.append(found[at : at + n])
        at += n
    assert at == len(found)
    parts = raw.split(b"\xff") if texts else []
    assert len(parts) == len(texts)  # a 0xff between two texts
    for part, tokens in zip(parts, out, strict=True):  # one space between two tokens, at most one after the last
        assert part.decode("ascii") in {" ".join(tokens), " ".join(tokens) + " " if tokens else ""}
    return out


@settings(max_examples=400, deadline=None)
@given(lists(text(alphabet="abzABZ0189_.,/:;-()'\"%&+ \t\n\r\x0b\x0c\x1c\x1f\x00\x7f", max_size=40), max_size=6))
def test_ascii_spans_are_the_token_pattern(texts):
    """The batch tokeniser finds in every ASCII text the tokens the pattern finds: letters, numbers with their
    joiners between digits, a letter next to a digit, every other character a separator; empty texts and texts
    without a token included."""
    assert _ascii_tokens(texts) == [sig._TOKEN.findall(t) for t in texts]


def test_ascii_spans_tokenise_real_bodies_as_the_pattern(corpus):
    """On whole bodies (the story corpus and the real ANTARA texts in the fixtures), cleaned as a write cleans them."""
    texts = [sig._cleaned(a.body) for a in corpus.articles] + [sig._cleaned(t) for t in _real_texts()]
    texts = [t for t in texts if t.isascii()]
    assert len(texts) > 40
    assert _ascii_tokens(texts) == [sig._TOKEN.findall(t) for t in texts]


def test_an_ascii_body_is_tokenised_only_when_its_words_are_asked():
    fp = sig.Fingerprint.of("Harga cabai Rp45.000 per kg, naik 1/12.")
    assert fp.ascii_text is not None and "words" not in vars(fp)
    assert sig.band_keys(fp) and "words" not in vars(fp)
    assert fp.words == ["harga", "cabai", "rp", "45.000", "per", "kg", "naik", "1/12"]
    assert sig.Fingerprint.of("Ékonomi naik").ascii_text is None


def test_band_keys_of_mixed_bodies_are_those_of_each_alone(corpus):
    """ASCII texts and word lists go in separate groups; the keys come back in the order of the fingerprints."""
    bodies = [a.body for a in corpus.articles[:20]] + ["Ékonomi naïve café Rp12.000 kata lain lagi", None, "satu"]
    bodies += ["kata “kutipan” lain – dan seterusnya lagi", "x y z w"]
    prints = [sig.Fingerprint.of(b) for b in bodies]
    assert {fp.ascii_text is None for fp in prints} == {True, False}
    assert sig.band_keys_of(prints) == [sig.band_keys(sig.Fingerprint.of(b)) for b in bodies]
    assert sig.band_keys_of(prints) == [_datasketch_keys(b) for b in bodies]


def _normalise_before(body: str | None) -> list[str]:
    """normalise as it was before the hints and the letters-only path: every regular expression, every piece."""
    if not body:
        return []
    text = sig._BACA_JUGA.sub("", body)
    text = sig._BYLINE.sub("", text)
    text = sig._DATELINE.sub("", text.strip(), count=1)
    return sig._TOKEN.findall(text.lower())


_LINES = [
    "Baca juga: x",
    "BACA JUGA lain",
    "Pewarta: A",
    "EDİTOR: B",
    "edıtor: C",
    "Penuliſ: D",
    "(ANTARA) -",
    "Jakarta (ANTARA) - Harga",
    "Copyright © 2024",
    "oleh Budi",
    "kantor motor sektor",
    "Rp45.000 naik 3,5 persen 1/12",
    "satu dua tiga",
    "  ",
    "",
    "ſ ı İ K ß",
    "Editor: X",
    "edukasi anak 12",
    "(antara) lain",
    "Rp4.5x a1b2.3c 10:30/12",
]


@settings(max_examples=300, deadline=None)
@given(text(alphabet="abcdeiortsABCDEIORTSıİſKß0123456789.,:()-– \n\t", max_size=80))
def test_normalise_equals_every_regular_expression(value):
    assert sig.normalise(value) == _normalise_before(value)


@settings(max_examples=300, deadline=None)
@given(lists(sampled_from(_LINES), max_size=8))
def test_normalise_equals_every_regular_expression_on_byline_like_lines(lines):
    body = "\n".join(lines)
    assert sig.normalise(body) == _normalise_before(body)


@settings(max_examples=300, deadline=None)
@given(lists(tuples(text(alphabet=" \t\r\x0b\x0c\x1c\u00a0\u2028\n", max_size=4), sampled_from(_LINES)), max_size=8))
def test_normalise_equals_every_regular_expression_on_indented_lines(lines):
    """The patterns run when a line's head (after any whitespace, newlines included) holds a hint: indented,
    blank-line-separated and non-ASCII-spaced byline lines are found as the patterns find them."""
    body = "\n".join(indent + line for indent, line in lines)
    assert sig.normalise(body) == _normalise_before(body)


@settings(max_examples=300, deadline=None)
@given(lists(tuples(text(alphabet=" \t\x1c\u00a0", max_size=2), sampled_from(_LINES)), max_size=8))
def test_the_band_keys_of_a_body_are_those_of_its_normalised_words(lines):
    """An ASCII body is tokenised by the batch tokeniser, any other by tokens: either way its keys are those of the
    words normalise gives (byline-like, indented and non-ASCII lines, numbers, letters touching digits)."""
    body = "\n".join(indent + line for indent, line in lines)
    assert sig.band_keys(sig.Fingerprint.of(body)) == sig.band_keys(sig.Fingerprint(_normalise_before(body)))


def test_normalise_equals_every_regular_expression_on_the_corpus_and_the_bench_bodies(corpus):
    from bench.bench_store import synthetic_articles

    bodies = [a.body for a in corpus.articles] + [a.body for a in synthetic_articles(50, 0)]
    for body in bodies:
        assert sig.normalise(body) == _normalise_before(body)
