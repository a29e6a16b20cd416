"""Migration 0008: an archive written with the SHA-1 band keys (revision 0007) gets the band keys of the new shingle
hash from its stored bodies, keeps its story ids, and a copy stored after the upgrade joins a story archived before
it; without the ``analysis`` extra the stale bands are deleted and one line asks for a rebuild."""

from __future__ import annotations

import copy
import hashlib
import logging
import sys

import pytest
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy import text as sql

from antara_crawler.items import Article
from antara_crawler.store import Archive, extras
from antara_crawler.store import schema as s
from antara_crawler.store import signatures as sig
from antara_crawler.store.archive import alembic_config, current_revision, head_revision
from tests.helpers import story_corpus


@pytest.fixture(scope="module")
def corpus() -> story_corpus.Corpus:
    return story_corpus.build()


def _sha1_keys(body: str | None) -> list[int]:
    """The band keys as revision 0007's code stored them: datasketch's MinHash with its default hash (SHA-1)."""
    from datasketch import MinHash

    shingles = sig.shingles(sig.normalise(body))
    if not shingles:
        return []
    mh = MinHash(num_perm=sig.NUM_PERM, seed=1, scheme=sig.MINHASH_SCHEME)
    mh.update_batch([x.encode("utf-8") for x in sorted(shingles)])
    b, r = sig.BANDS
    out = []
    for band in range(b):
        chunk = mh.hashvalues[band * r : (band + 1) * r].astype("<u4").tobytes()
        out.append(int.from_bytes(hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest(), "big", signed=True))
    return out


def _to_revision_7_with_sha1_bands(engine: Engine) -> None:
    """Back to revision 0007 (its downgrade drops the bands), then the bands revision 0007's code wrote."""
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
        assert current_revision(conn) == "0007"
        rows = [
            {"article_id": i, "band": n, "key": k}
            for i, body in conn.execute(select(s.articles.c.id, s.articles.c.body))
            for n, k in enumerate(_sha1_keys(body))
        ]
        conn.execute(s.story_bands.insert(), rows)


def _bands(engine: Engine) -> dict[int, list[int]]:
    sb = s.story_bands
    out: dict[int, list[int]] = {}
    with engine.connect() as conn:
        for i, key in conn.execute(select(sb.c.article_id, sb.c.key).order_by(sb.c.article_id, sb.c.band)):
            out.setdefault(i, []).append(key)
    return out


def _stories(engine: Engine) -> dict[tuple[str, int], int]:
    a = s.articles
    with engine.connect() as conn:
        return {(p, i): sid for p, i, sid in conn.execute(select(a.c.portal, a.c.antara_id, a.c.story_id))}


def _bodies(engine: Engine) -> dict[int, str | None]:
    a = s.articles
    with engine.connect() as conn:
        return dict(conn.execute(select(a.c.id, a.c.body)).all())


def _split(corpus: story_corpus.Corpus) -> tuple[list[Article], list[Article]]:
    """The corpus but the last copy of each story of copies (archived before the upgrade), and those last copies."""
    last: dict[int, Article] = {}
    for a in corpus.articles:
        if corpus.kinds[corpus.truth[a.key]] in ("copies", "chain"):
            last[corpus.truth[a.key]] = a
    later = {a.key for a in last.values()}
    return [a for a in corpus.articles if a.key not in later], list(last.values())


def test_upgrade_recomputes_the_bands_and_keeps_the_stories(archive_url, corpus):
    before, later = _split(corpus)
    with Archive.open(archive_url) as archive:
        for i in range(0, len(before), 40):
            archive.write_batch([copy.deepcopy(a) for a in before[i : i + 40]])
        engine = archive.engine
        _to_revision_7_with_sha1_bands(engine)
        stories = _stories(engine)
        old = _bands(engine)
        bodies = _bodies(engine)
    ids = sorted(bodies)
    new_keys = dict(zip(ids, sig.band_keys_of([sig.Fingerprint.of(bodies[i]) for i in ids]), strict=True))
    assert old.keys() == {i for i, ks in new_keys.items() if ks} != set()  # every article with words had bands
    assert not {k for ks in old.values() for k in ks} & {k for ks in new_keys.values() for k in ks}

    with Archive.open(archive_url) as archive:  # opening migrates to head, through 0008
        with archive.engine.connect() as conn:
            assert current_revision(conn) == head_revision()  # through 0008
        assert _bands(archive.engine) == {i: ks for i, ks in new_keys.items() if ks}
        assert _stories(archive.engine) == stories
        result = archive.write_batch([copy.deepcopy(a) for a in later])
        after = _stories(archive.engine)
    assert result.new == len(later)
    for a in later:
        earlier = {after[b.key] for b in before if corpus.truth[b.key] == corpus.truth[a.key]}
        assert earlier == {after[a.key]}, a.key


def test_without_the_analysis_extra_the_stale_bands_go_and_a_rebuild_is_asked(tmp_path, corpus, monkeypatch, caplog):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with Archive.open(url) as archive:
        archive.write_batch([copy.deepcopy(a) for a in corpus.articles[:20]])
        _to_revision_7_with_sha1_bands(archive.engine)
        stories = _stories(archive.engine)
    monkeypatch.setitem(sys.modules, "datasketch", None)
    monkeypatch.setattr(extras, "_found", set())
    caplog.clear()
    with caplog.at_level(logging.WARNING), Archive.open(url) as archive:
        with archive.engine.connect() as conn:
            assert current_revision(conn) == head_revision()  # through 0008
            assert conn.execute(sql("SELECT COUNT(*) FROM story_bands")).scalar() == 0
        assert _stories(archive.engine) == stories
    asked = [r.getMessage() for r in caplog.records if "scrapy stories --rebuild" in r.getMessage()]
    assert len(asked) == 1 and "\n" not in asked[0]
