"""A synthetic set of copies and look-alikes for the story grouping, with the true grouping.

Every story is a made-up Indonesian-looking news text (seeded, so the set is the same on every run) of 5 to 8
paragraphs with numbers in it. Its copies carry each difference that ANTARA's portals make when they republish
(``../shared/antara/REAL-VARIATION.md``): another portal and zone, another title, byline and editor, "Baca juga"
lines, a dateline of the copying portal, a trimmed or an added last paragraph, a rewritten first sentence, and a
publication minutes to three days later; chains of three and four copies. The look-alikes that are **not** copies:
daily template reports (prices, weather, exchange rates) on consecutive days, with other numbers and dates, and
follow-ups on the same event that repeat a paragraph or two of background.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

from antara_crawler.items import Article

PORTALS = [
    ("babel", "+07:00", "Pangkalpinang"),
    ("kalbar", "+07:00", "Pontianak"),
    ("jogja", "+07:00", "Yogyakarta"),
    ("makassar", "+08:00", "Makassar"),
    ("papua", "+09:00", "Jayapura"),
    ("www", "+07:00", "Jakarta"),
    ("sumbar", "+07:00", "Padang"),
]
_SYLLABLES = [
    "ba",
    "ka",
    "la",
    "ma",
    "na",
    "pa",
    "ra",
    "sa",
    "ta",
    "da",
    "ga",
    "ja",
    "ha",
    "wa",
    "ya",
    "be",
    "ke",
    "le",
    "me",
    "ne",
    "pe",
    "re",
    "se",
    "te",
    "ri",
    "ki",
    "li",
    "mi",
    "ni",
    "pi",
    "si",
    "ti",
    "ku",
    "lu",
    "mu",
    "nu",
    "pu",
    "ru",
    "su",
    "tu",
    "ang",
    "ung",
    "ing",
    "an",
    "in",
    "un",
]
_COMMON = [
    "dan",
    "yang",
    "di",
    "ke",
    "dari",
    "untuk",
    "dengan",
    "pada",
    "itu",
    "ini",
    "dalam",
    "akan",
    "tidak",
    "juga",
    "telah",
    "oleh",
    "sebagai",
    "kata",
    "ia",
    "mereka",
]


@dataclass
class Corpus:
    articles: list[Article] = field(default_factory=list)
    #: the true story of each article, by (portal, antara_id)
    truth: dict[tuple[str, int], int] = field(default_factory=dict)
    #: which case each true story is ("copies", "chain", "template", "followup"), for the test output
    kinds: dict[int, str] = field(default_factory=dict)

    def true_pairs(self) -> set[frozenset[tuple[str, int]]]:
        return _pairs(self.truth)


def _pairs(groups: dict[tuple[str, int], int]) -> set[frozenset[tuple[str, int]]]:
    by_group: dict[int, list[tuple[str, int]]] = {}
    for key, g in groups.items():
        by_group.setdefault(g, []).append(key)
    return {frozenset(p) for members in by_group.values() for p in combinations(sorted(members), 2)}


def pairwise_scores(truth: dict, predicted: dict) -> tuple[float, float]:
    """Pairwise precision and recall of ``predicted`` (key -> group) against ``truth`` (key -> group)."""
    t, p = _pairs(truth), _pairs(predicted)
    precision = len(t & p) / len(p) if p else 1.0
    recall = len(t & p) / len(t) if t else 1.0
    return precision, recall


class _Writer:
    """Made-up words, numbers, sentences and paragraphs; with ``real``, the paragraphs are real ones instead, dealt
    from the shuffled pool in turn (each once before any comes again)."""

    def __init__(self, seed: int, real: list[str] | None = None):
        self.rng = random.Random(seed)
        self.lexicon = ["".join(self.rng.choices(_SYLLABLES, k=self.rng.randint(2, 4))) for _ in range(3000)]
        self.real = list(real or [])
        self.deck: list[str] = []

    def word(self) -> str:
        return self.rng.choice(_COMMON) if self.rng.random() < 0.25 else self.rng.choice(self.lexicon)

    def number(self) -> str:
        return self.rng.choice(
            [
                f"{self.rng.randint(2, 99)}.{self.rng.randint(0, 999):03d}",
                str(self.rng.randint(2, 500)),
                f"{self.rng.randint(1, 28)}/{self.rng.randint(1, 12)}",
                f"{self.rng.randint(1, 9)},{self.rng.randint(1, 9)}",
            ]
        )

    def sentence(self, numbers: bool = True) -> str:
        words = [self.word() for _ in range(self.rng.randint(10, 20))]
        if numbers and self.rng.random() < 0.6:
            words.insert(self.rng.randrange(len(words)), self.number())
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        if self.real:
            if not self.deck:
                self.deck = self.rng.sample(self.real, len(self.real))
            return self.deck.pop()
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 4)))


def _body(dateline: str, paragraphs: list[str]) -> str:
    return "\n\n".join([f"{dateline} (ANTARA) - {paragraphs[0]}", *paragraphs[1:]])


class _Builder:
    def __init__(self, seed: int = 15, real: list[str] | None = None):
        self.w = _Writer(seed, real)
        self.rng = self.w.rng
        self.corpus = Corpus()
        self.next_id: dict[str, int] = {}
        self.story = 0
        self.start = datetime(2024, 3, 1, 8, 0)

    def add(self, story: int, portal_index: int, paragraphs: list[str], when: datetime, **extra: str) -> None:
        portal, offset, dateline = PORTALS[portal_index % len(PORTALS)]
        antara_id = self.next_id.get(portal, 100000 + portal_index * 1000)
        self.next_id[portal] = antara_id + 1
        body = _body(dateline, paragraphs)
        if extra.get("baca_juga"):
            parts = body.split("\n\n")
            parts.insert(min(2, len(parts)), f"Baca juga: {self.w.sentence(numbers=False)}")
            body = "\n\n".join(parts)
        if extra.get("byline"):
            body += f"\n\nPewarta: {self.w.word().title()} {self.w.word().title()}"
        self.corpus.articles.append(
            Article(
                url=f"https://{portal}.antaranews.com/berita/{antara_id}/story-{story}",
                portal=portal,
                antara_id=antara_id,
                title=extra.get("title") or self.w.sentence(numbers=False)[:80],
                body=body,
                dateline=dateline,
                published_at=when.strftime("%Y-%m-%dT%H:%M:00") + offset,
                reporter=self.w.word().title(),
                editor=self.w.word().title(),
            )
        )
        self.corpus.truth[(portal, antara_id)] = story

    def new_story(self, kind: str) -> int:
        self.story += 1
        self.corpus.kinds[self.story] = kind
        return self.story

    def copies(self, n: int, kind: str) -> None:
        """An original and ``n - 1`` copies, each with another of the differences, in a chain when n > 2."""
        story = self.new_story(kind)
        paragraphs = [self.w.paragraph() for _ in range(self.rng.randint(5, 8))]
        when = self.start + timedelta(days=self.rng.randint(0, 60), minutes=self.rng.randint(0, 600))
        first = self.rng.randrange(len(PORTALS))
        self.add(story, first, paragraphs, when)
        current = list(paragraphs)
        for step in range(1, n):
            change = self.rng.choice(["trim", "add", "first_sentence", "none", "trim_and_first"])
            if change in ("trim", "trim_and_first") and len(current) > 4:
                current = current[:-1]
            if change == "add":
                current = [*current, self.w.paragraph()]
            if change in ("first_sentence", "trim_and_first"):
                rest = current[0].split(". ", 1)
                current = [self.w.sentence() + (" " + rest[1] if len(rest) > 1 else ""), *current[1:]]
            when = when + timedelta(minutes=self.rng.choice([5, 45, 180, 60 * 20, 60 * 50, 60 * 70]))
            self.add(
                story,
                first + step,
                list(current),
                when,
                baca_juga="1" if self.rng.random() < 0.6 else "",
                byline="1" if self.rng.random() < 0.5 else "",
            )

    def template_reports(self, days: int, topic: str) -> None:
        """One portal's daily report with the same wording and other numbers and date: ``days`` stories of one."""
        sentences = {
            "harga": "Harga {item} di pasar tradisional {city} pada {day} tercatat Rp{price} per kilogram, {dir} dibanding hari sebelumnya.",
            "cuaca": "Suhu udara di {city} pada {day} diperkirakan {temp} derajat Celsius dengan kelembaban {hum} persen dan peluang hujan {rain} persen.",
            "kurs": "Nilai tukar rupiah terhadap dolar AS pada {day} ditutup Rp{price} per dolar, {dir} {pts} poin dari penutupan sebelumnya.",
        }[topic]
        items = [
            "cabai merah",
            "bawang merah",
            "beras medium",
            "daging sapi",
            "telur ayam",
            "gula pasir",
            "minyak goreng",
        ]
        intro = self.w.paragraph()
        portal = self.rng.randrange(len(PORTALS))
        city = PORTALS[portal][2]
        base = self.start + timedelta(days=self.rng.randint(0, 60))
        for day in range(days):
            story = self.new_story("template")
            date = (base + timedelta(days=day)).strftime("%-d/%-m/%Y")
            lines = []
            for item in items:
                lines.append(
                    sentences.format(
                        item=item,
                        city=city,
                        day=date,
                        price=f"{self.rng.randint(10, 150)}.{self.rng.choice(['000', '500', '250', '750'])}",
                        dir=self.rng.choice(["naik", "turun"]),
                        temp=self.rng.randint(22, 34),
                        hum=self.rng.randint(60, 98),
                        rain=self.rng.randint(10, 90),
                        pts=self.rng.randint(5, 120),
                    )
                )
            paragraphs = [f"Laporan {topic} {city} {date}.", intro, " ".join(lines[:4]), " ".join(lines[4:])]
            self.add(story, portal, paragraphs, base + timedelta(days=day, hours=9), title=f"{topic} {city} {date}")

    def followups(self, n: int) -> None:
        """An event reported ``n`` times: each report new, repeating one or two paragraphs of background."""
        background = [self.w.paragraph(), self.w.paragraph()]
        portal = self.rng.randrange(len(PORTALS))
        when = self.start + timedelta(days=self.rng.randint(0, 60))
        for step in range(n):
            story = self.new_story("followup")
            news = [self.w.paragraph() for _ in range(self.rng.randint(3, 5))]
            self.add(story, portal + step, [*news[:2], *background[: 1 + step % 2], *news[2:]], when)
            when += timedelta(hours=self.rng.choice([3, 20, 30]))


def build(seed: int = 15, *, real_text: bool = False) -> Corpus:
    """The whole set: 40 copy pairs, 15 chains of three and 15 of four, 3 template series of 5 days, 8 follow-up
    series of 3 reports, and 30 stories with no copy. ``real_text``: every paragraph of the copies, follow-ups and
    lone stories is a real ANTARA one (``tests/fixtures/real/text``, :func:`tests.site.build.real_paragraph_pool`);
    there are fewer of them (~270) than the set uses (~760), so unrelated stories share one now and then, as real
    ones repeat background. The template reports keep their own wording."""
    real = None
    if real_text:
        from tests.site.build import real_paragraph_pool

        real = real_paragraph_pool()
    b = _Builder(seed, real)
    for _ in range(40):
        b.copies(2, "copies")
    for _ in range(15):
        b.copies(3, "chain")
    for _ in range(15):
        b.copies(4, "chain")
    for topic in ("harga", "cuaca", "kurs"):
        b.template_reports(5, topic)
    for _ in range(8):
        b.followups(3)
    for _ in range(30):
        b.copies(1, "alone")
    b.corpus.articles.sort(key=lambda a: a.published_at or "")  # stored in the order they were published
    return b.corpus
