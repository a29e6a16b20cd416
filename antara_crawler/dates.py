"""Indonesian dates as ANTARA prints them, parsed exactly, timezone-true and fast.

``parse_date`` returns an aware ``datetime`` or ``None``; it never raises. Offsets:

* a printed zone label wins and is kept as is: ``WIB`` +07:00, ``WITA`` +08:00, ``WIT`` +09:00 (a WITA time is
  never converted to Jakarta time);
* RFC-822 (``+0700``) and ISO 8601 keep their own offset;
* no label (listings, related items, ISO without offset) -> the portal's zone (``portals.tz_for``, WIB when the
  portal is unknown or missing).

Decisions worth knowing:

* a date without a time (``Minggu, 21 Desember 2025``) is midnight in the portal's (or label's) zone;
* the weekday is checked to be a weekday word, not checked against the date (the digits are authoritative);
* relative forms (``15 menit lalu``, ``kemarin``, ``hari ini 09:15 WIB``, and any form only dateparser reads,
  such as ``dalam 43 menit`` or ``dlm 23 dtk``) are resolved against ``base`` (the fetch time), never the wall
  clock, and expressed in the label's zone, else the portal's, else (no portal) ``base``'s own offset; ``kemarin`` alone is ``base`` minus one day (as
  dateparser does), ``kemarin 10:15`` is yesterday at 10:15; sub-second precision of ``base`` is dropped;
* a time alone (``10.15 WIB``), a weekday alone (``Senin``) and in-body references (``Jumat (21/10)``,
  ``(1/9/2023)``) are not publication dates: ``None``;
* input longer than ``MAX_LEN`` characters is ``None`` after a length check only.

* trailing text after the zone (``... 10:15 WIB (diperbarui)``) is not accepted: ``None``;
* an ISO-shaped string that ``datetime.fromisoformat`` rejects (``2023-02-30``, ``2023-13-01``) is ``None``
  (dateparser would silently swap fields).

ANTARA's own formats (header, related/listing items, RFC-822, ISO 8601, English ``Aug 21, 2012``, the relative
forms above) go through a precompiled-regex fast path that never calls dateparser; anything else falls back to
dateparser (``languages=['id']``, configured once, imported lazily so importing this module stays cheap), with
day, month and year required for non-relative strings. dateparser reads each string against a base in 1900: a
result before 2000 is relative (or an old date, which reads the same against any base) and is read again against
the caller's ``base``.
Non-relative results are cached per ``(text, portal)``.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from antara_crawler.portals import ZONES, tz_for
from antara_crawler.urls import parse_article_url

if TYPE_CHECKING:
    from antara_crawler.items import Article

__all__ = ["MAX_LEN", "MONTH_PATTERN", "clear_cache", "fill_article_dates", "parse_date", "to_iso", "unparsed_dates"]

logger = logging.getLogger(__name__)

#: Longer input is rejected before any regex work (a real date string is well under 100 characters).
MAX_LEN = 200

MONTHS: dict[str, int] = {
    # Indonesian, full and abbreviated (incl. the old spellings Pebruari/Nopember)
    "januari": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2,
    "maret": 3, "mar": 3, "mrt": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "agustus": 8, "agu": 8, "agt": 8, "agst": 8, "ags": 8, "agus": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12,
    # English (RFC-822 feeds, English-language pages)
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
    "august": 8, "aug": 8, "oct": 10, "october": 10, "dec": 12, "december": 12,
}  # fmt: skip

#: A regex alternation of every month word above, longest first (for scanners that look for a date in text).
MONTH_PATTERN = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"

#: Weekday words accepted before a date (lower case, apostrophes removed); the value is ``date.weekday()``.
WEEKDAYS: dict[str, int] = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
    "sen": 0, "sel": 1, "rab": 2, "kam": 3, "jum": 4, "sab": 5, "min": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip

_APOSTROPHES = str.maketrans("", "", "'’`")

# Header, related/listing item and RFC-822 in one pattern:
#   [weekday[,]] day month[.] year [[,|-] [pukul] H:MM[:SS] | H.MM[.SS]] [WIB|WITA|WIT|GMT|UTC|+0700|+07:00]
_WEEKDAY = r"(?:(?P<wd>[^\W\d_]+(?:['’`][^\W\d_]+)?)\b\s*[.,]?\s*)?"
_TIME_ZONE = r"""
    (?:(?:\s*[,|–-]\s*|\s+)(?:pukul\s+)?(?P<H>\d{1,2})(?P<sep>[:.])(?P<M>\d{2})(?:(?P=sep)(?P<S>\d{2}))?)?
    (?:\s*(?P<tz>WITA|WIB|WIT|GMT|UTC|UT|Z|[+-]\d{2}:?\d{2}))?$
"""
_ABSOLUTE = re.compile(
    r"^" + _WEEKDAY + r"(?P<d>\d{1,2})\s+(?P<mon>[^\W\d_]+)\.?\s+(?P<y>\d{4})" + _TIME_ZONE,
    re.VERBOSE | re.IGNORECASE,
)
# The English order some feeds use: [weekday,] month day, year [time] [zone] ("Aug 21, 2012", "May 1, 2016 10:15")
_ABSOLUTE_MDY = re.compile(
    r"^" + _WEEKDAY + r"(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s+(?P<y>\d{4})" + _TIME_ZONE,
    re.VERBOSE | re.IGNORECASE,
)
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_RELATIVE_HINT = re.compile(r"\b(?:lalu|kemarin|hari\s+ini|tadi|baru\s+saja|barusan|sekarang)\b", re.IGNORECASE)
_RELATIVE_AGO = re.compile(
    r"^(?:(?P<n>\d{1,4})\s*|(?P<se>se))(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|tahun)\s+(?:yang\s+)?lalu$",
    re.IGNORECASE,
)
_RELATIVE_DAY = re.compile(
    r"^(?P<day>kemarin|hari\s+ini)"
    r"(?:\s*[,|–-]?\s*(?:pukul\s+)?(?P<H>\d{1,2})(?P<sep>[:.])(?P<M>\d{2})(?:(?P=sep)(?P<S>\d{2}))?)?"
    r"(?:\s*(?P<tz>WITA|WIB|WIT))?$",
    re.IGNORECASE,
)
_RELATIVE_NOW = re.compile(r"^(?:baru\s+saja|barusan|sekarang)$", re.IGNORECASE)
_UNIT_SECONDS = {"detik": 1, "menit": 60, "jam": 3600, "hari": 86400, "minggu": 604800, "pekan": 604800}
# In-body references such as "Jumat (21/10)" or "(1/9/2023)" are not publication dates.
_IN_BODY_REF = re.compile(r"\(\s*\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{2,4})?\s*\)")
_HAS_DIGIT = re.compile(r"\d")

# Normalisations dateparser needs for Indonesian; they fail otherwise.
_DP_NORMALISE = re.compile(r"\b(?:jum['’`]at|agst|ags|sepekan|seminggu|pekan|sejam|semenit|sedetik|sehari)\b", re.I)
_DP_REPLACEMENTS = {
    "sepekan": "1 minggu",
    "seminggu": "1 minggu",
    "pekan": "minggu",
    "sejam": "1 jam",
    "semenit": "1 menit",
    "sedetik": "1 detik",
    "sehari": "1 hari",
    "agst": "Agu",
    "ags": "Agu",
}

#: dateparser settings, configured once. No TIMEZONE (it would convert a WITA/WIT label to +07:00) and
#: RETURN_AS_TIMEZONE_AWARE left at its default: aware only when the string has a zone, naive otherwise, so that
#: the portal's zone (not the machine's) is attached to naive results here.
DATEPARSER_LANGUAGES = ["id"]
DATEPARSER_SETTINGS: dict[str, Any] = {"DATE_ORDER": "DMY", "PREFER_DATES_FROM": "past"}
#: Absolute fallback: day, month and year must all be present (so "Senin" or "12" stay None).
_DP_ABSOLUTE_SETTINGS: dict[str, Any] = {**DATEPARSER_SETTINGS, "REQUIRE_PARTS": ["day", "month", "year"]}

_RELATIVE = object()  # sentinel: the string is relative, resolve it against ``base``

_OFFSET_TZ: dict[timedelta, tzinfo] = {tz.utcoffset(None): tz for tz in ZONES.values()}
_OFFSET_TZ[timedelta(0)] = UTC


def _tz_for_offset(offset: timedelta) -> tzinfo:
    """A fixed-offset zone, the named WIB/WITA/WIT one when the offset is theirs."""
    tz = _OFFSET_TZ.get(offset)
    if tz is None:
        tz = _OFFSET_TZ[offset] = timezone(offset)  # raises ValueError when |offset| >= 24h
    return tz


_LABEL_TZ: dict[str, tzinfo] = {
    **{label.lower(): tz for label, tz in ZONES.items()},
    **dict.fromkeys(("gmt", "utc", "ut", "z"), UTC),
}


def _zone(label: str | None, portal: str | None) -> tzinfo:
    """The zone of a printed label or numeric offset, else the portal's."""
    if not label:
        return tz_for(portal)
    tz = _LABEL_TZ.get(label.lower())
    if tz is not None:
        return tz
    sign = -1 if label[0] == "-" else 1
    digits = label[1:].replace(":", "")
    tz = _tz_for_offset(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    _LABEL_TZ[label] = tz  # numeric offsets only (bounded: +-HH[:]MM)
    return tz


def _as_tz(dt: datetime, portal: str | None) -> datetime:
    """Attach the portal's zone to a naive result; normalise an aware one to a fixed-offset zone."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=tz_for(portal))
    offset = dt.utcoffset()
    if offset is None:
        return dt.replace(tzinfo=tz_for(portal))
    return dt.replace(tzinfo=_tz_for_offset(offset))


def _build(m: re.Match[str], portal: str | None) -> datetime | None | object:
    """The datetime of an ``_ABSOLUTE``/``_ABSOLUTE_MDY`` match; ``NotImplemented`` for unknown words."""
    wd, mon, d, y, h, minute, sec, tz = m.group("wd", "mon", "d", "y", "H", "M", "S", "tz")
    month = MONTHS.get(mon.lower())
    if month is None:
        return NotImplemented
    if wd is not None:
        wd = wd.lower()
        if wd not in WEEKDAYS and wd.translate(_APOSTROPHES) not in WEEKDAYS:
            return NotImplemented
    try:
        if h is None:
            return datetime(int(y), month, int(d), tzinfo=_zone(tz, portal))
        return datetime(int(y), month, int(d), int(h), int(minute), int(sec or 0), tzinfo=_zone(tz, portal))
    except ValueError:
        return None  # 32 Januari, 30 Februari, 25:00, offset out of range


def _absolute(s: str, portal: str | None) -> datetime | None | object:
    """The fast path: a datetime, ``None`` for an impossible date in a known format, else ``NotImplemented``."""
    m = _ABSOLUTE.match(s) or _ABSOLUTE_MDY.match(s)
    if m is not None:
        r = _build(m, portal)
        if r is not NotImplemented:
            return r
    if _ISO_START.match(s):
        try:
            return _as_tz(datetime.fromisoformat(s), portal)
        except ValueError:
            return None  # ISO-shaped but impossible (2023-02-30, month 13): dateparser would swap fields
    return NotImplemented


@functools.lru_cache(maxsize=8192)
def _parse_static(s: str, portal: str | None) -> datetime | None | object:
    """Everything that does not depend on ``base`` (cached); ``_RELATIVE`` for relative strings."""
    r = _absolute(s, portal)
    if r is not NotImplemented:
        return r
    if _IN_BODY_REF.search(s):
        return None
    if _RELATIVE_HINT.search(s):
        return _RELATIVE
    if not _HAS_DIGIT.search(s):
        return None  # "Senin", lorem ipsum: no day, no year
    return _dateparser_fallback(s, portal, None)


def clear_cache() -> None:
    """Empty the ``(text, portal)`` cache (benchmarks use it to time cold parses)."""
    _parse_static.cache_clear()


#: dateparser reads every string against this base, a century before any ANTARA story: a relative form
#: (``dalam 43 menit``, ``dlm 23 dtk``, any relative form dateparser knows) then lands before PROBE_LIMIT and is read
#: again against the caller's ``base``, never the wall clock. An absolute date before PROBE_LIMIT is read again too,
#: harmlessly (its reading does not depend on the base); only later ones are cached as absolute.
_PROBE_BASE = datetime(1900, 6, 15, 12, 0, 0)
PROBE_LIMIT = 2000


@functools.cache
def _absolute_parser() -> Any:
    import dateparser

    settings = {**_DP_ABSOLUTE_SETTINGS, "RELATIVE_BASE": _PROBE_BASE}
    return dateparser.DateDataParser(languages=DATEPARSER_LANGUAGES, settings=settings)


def _normalise_for_dateparser(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m[0].lower()
        return "Jumat" if word.startswith("jum") else _DP_REPLACEMENTS[word]

    return _DP_NORMALISE.sub(repl, s)


def _dateparser_fallback(
    s: str, portal: str | None, base: datetime | None, zone: tzinfo | None = None
) -> datetime | None | object:
    """The one way into dateparser: without ``base`` the absolute reading (or ``_RELATIVE``), with it the reading
    relative to ``base`` in ``zone`` (default: the portal's)."""
    if base is None:
        return _dateparser_absolute(s, portal)
    return _dateparser_relative(s, zone or tz_for(portal), base)


def _dateparser_absolute(s: str, portal: str | None) -> datetime | None | object:
    """dateparser for what the fast path does not know: a datetime, None, or ``_RELATIVE`` when the reading
    depends on the base (then :func:`_dateparser_relative` resolves it against the caller's ``base``)."""
    text = _normalise_for_dateparser(s)
    try:
        first = _absolute_parser().get_date_data(text).date_obj
        if first is None:
            return None
        if first.year < PROBE_LIMIT:
            return _RELATIVE
    except Exception:  # dateparser has raised on odd input before; a date string must never crash a crawl
        logger.debug("dateparser failed on %r", s, exc_info=True)
        return None
    logger.debug("dateparser fallback parsed %r", s)
    return _as_tz(first, portal)


def _dateparser_relative(s: str, zone: tzinfo, base: datetime) -> datetime | None:
    """dateparser with ``RELATIVE_BASE`` = ``base`` seen in ``zone``; a naive result is in ``zone``."""
    import dateparser

    local = base.astimezone(zone)
    settings = {**DATEPARSER_SETTINGS, "RELATIVE_BASE": local.replace(tzinfo=None)}
    try:
        dt = dateparser.parse(_normalise_for_dateparser(s), languages=DATEPARSER_LANGUAGES, settings=settings)
    except Exception:  # see _dateparser_absolute
        logger.debug("dateparser failed on %r", s, exc_info=True)
        return None
    if dt is None:
        return None
    logger.debug("dateparser fallback parsed %r relative to %s", s, local)
    dt = dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.replace(tzinfo=_tz_for_offset(dt.utcoffset()))
    return dt.replace(microsecond=0)


def _months_back(dt: datetime, months: int) -> datetime:
    """``dt`` minus whole months, the day clamped to the target month's length."""
    total = dt.year * 12 + dt.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - timedelta(days=1)).day
    return dt.replace(year=year, month=month, day=min(dt.day, last_day))


def _relative(s: str, portal: str | None, base: datetime) -> datetime | None:
    """Relative forms against ``base``: fast path, then dateparser with ``RELATIVE_BASE``. The result is in the
    printed label's zone, else the portal's, else (no portal) ``base``'s own offset."""
    zone = tz_for(portal) if portal else base.tzinfo or UTC
    try:
        m = _RELATIVE_AGO.match(s)
        if m is not None:
            local = base.astimezone(zone)
            n = 1 if m["se"] else int(m["n"])
            unit = m["unit"].lower()
            if unit == "bulan":
                return _months_back(local, n)
            if unit == "tahun":
                return _months_back(local, 12 * n)
            return local - timedelta(seconds=n * _UNIT_SECONDS[unit])
        m = _RELATIVE_DAY.match(s)
        if m is not None:
            local = base.astimezone(_zone(m["tz"], portal) if m["tz"] else zone)
            if m["day"].lower() == "kemarin":
                local -= timedelta(days=1)
            if m["H"] is None:
                return local
            return local.replace(hour=int(m["H"]), minute=int(m["M"]), second=int(m["S"] or 0))
        if _RELATIVE_NOW.match(s):
            return base.astimezone(zone)
    except (ValueError, OverflowError):
        return None
    return _dateparser_fallback(s, portal, base, zone)  # type: ignore[return-value]


def parse_date(text: str | None, *, portal: str | None = None, base: datetime | None = None) -> datetime | None:
    """Parse an ANTARA date string to an aware ``datetime``; ``None`` when it is not a date. Never raises.

    ``portal`` gives the zone of unlabelled dates; ``base`` (the fetch time; naive means UTC, ``None`` means now)
    resolves relative forms.
    """
    if not isinstance(text, str) or len(text) > MAX_LEN:
        return None
    s = text.strip()
    if not s:
        return None
    r = _parse_static(s, portal)
    if r is not _RELATIVE:
        return r  # type: ignore[return-value]
    if base is None:
        base = datetime.now(UTC)
    elif base.tzinfo is None:
        base = base.replace(tzinfo=UTC)
    return _relative(s, portal, base.replace(microsecond=0))


def to_iso(dt: datetime) -> str:
    """ISO 8601 with the offset as it is and no microseconds: ``2023-09-01T10:15:00+07:00`` (naive -> UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat(timespec="seconds")


def _base_of(article: Article) -> datetime:
    if article.fetched_at:
        try:
            dt = datetime.fromisoformat(article.fetched_at)
        except ValueError:
            logger.debug("unparseable fetched_at %r", article.fetched_at)
        else:
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return datetime.now(UTC)


def fill_article_dates(article: Article, base: datetime | None = None) -> list[str]:
    """Fill every empty ``published_at`` of ``article`` and its related links from the raw strings.

    Existing values are never overwritten. A related link's zone is its own URL's portal (the article's when the
    URL does not say). ``base`` defaults to ``article.fetched_at``, else now. Returns the raw strings that could
    not be parsed.
    """
    if base is None:
        base = _base_of(article)
    failed: list[str] = []
    if article.published_at is None and article.published_raw:
        dt = parse_date(article.published_raw, portal=article.portal, base=base)
        if dt is None:
            failed.append(article.published_raw)
        else:
            article.published_at = to_iso(dt)
    for link in article.related:
        if link.published_at is not None or not link.published_raw:
            continue
        ref = parse_article_url(link.url)
        dt = parse_date(link.published_raw, portal=ref.portal if ref else article.portal, base=base)
        if dt is None:
            failed.append(link.published_raw)
        else:
            link.published_at = to_iso(dt)
    return failed


def unparsed_dates(article: Article) -> list[str]:
    """The raw date strings of ``article`` and its related links left without a ``published_at`` (what
    :func:`fill_article_dates` could not parse when the article was extracted); fills nothing."""
    failed = [article.published_raw] if article.published_at is None and article.published_raw else []
    failed += [link.published_raw for link in article.related if link.published_at is None and link.published_raw]
    return failed
