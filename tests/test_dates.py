"""Tests for ``antara_crawler.dates``: ANTARA's date strings, zones, relative forms, garbage, and round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from antara_crawler import dates
from antara_crawler.dates import MAX_LEN, clear_cache, fill_article_dates, parse_date, to_iso
from antara_crawler.items import Article, RelatedLink
from antara_crawler.portals import PORTALS, ZONES, tz_for

#: The fetch time used for relative forms: 13:00 WIB, 14:00 WITA, 15:00 WIT on Thursday 28 May 2026.
BASE = datetime(2026, 5, 28, 6, 0, tzinfo=UTC)
#: Just after midnight WIB (27 May 17:30 UTC = 28 May 00:30 WIB): "kemarin" must be the 27th in WIB.
BASE_MIDNIGHT = datetime(2026, 5, 27, 17, 30, tzinfo=UTC)
#: 31 March: "1 bulan lalu" clamps to 28 February.
BASE_MARCH_31 = datetime(2026, 3, 31, 3, 0, tzinfo=UTC)


def case(name: str, text: str, expected: str | None, portal: str | None = None, base: datetime = BASE):
    return pytest.param(text, portal, base, expected, id=name)


CASES = [
    # --- article header: weekday, day, month, year, time, label -------------------------------------------------
    case("header-senin-wib", "Senin, 4 September 2023 10:15 WIB", "2023-09-04T10:15:00+07:00"),
    case("header-selasa-wib", "Selasa, 5 September 2023 10:15 WIB", "2023-09-05T10:15:00+07:00"),
    case("header-rabu-wib", "Rabu, 6 September 2023 10:15 WIB", "2023-09-06T10:15:00+07:00"),
    case("header-kamis-wib", "Kamis, 7 September 2023 10:15 WIB", "2023-09-07T10:15:00+07:00"),
    case("header-jumat-wib", "Jumat, 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-sabtu-wib", "Sabtu, 2 September 2023 10:15 WIB", "2023-09-02T10:15:00+07:00"),
    case("header-minggu-wib", "Minggu, 3 September 2023 10:15 WIB", "2023-09-03T10:15:00+07:00"),
    case("header-ahad-wib", "Ahad, 3 September 2023 10:15 WIB", "2023-09-03T10:15:00+07:00"),
    case("header-jum-apostrophe", "Jum'at, 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-jum-curly-apostrophe", "Jum’at, 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-weekday-lowercase", "jumat, 1 september 2023 10:15 wib", "2023-09-01T10:15:00+07:00"),
    case("header-weekday-uppercase", "JUMAT, 1 SEPTEMBER 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-weekday-no-comma", "Jumat 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-wita", "Jumat, 1 September 2023 10:15 WITA", "2023-09-01T10:15:00+08:00"),
    case("header-wit", "Jumat, 1 September 2023 10:15 WIT", "2023-09-01T10:15:00+09:00"),
    case("header-wita-lowercase-label", "Jumat, 1 September 2023 10:15 wita", "2023-09-01T10:15:00+08:00"),
    case("header-label-attached", "Jumat, 1 September 2023 10:15WIB", "2023-09-01T10:15:00+07:00"),
    case("header-seconds", "Jumat, 1 September 2023 10:15:30 WIB", "2023-09-01T10:15:30+07:00"),
    case("header-dot-time", "Jumat, 1 September 2023 10.15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-dot-time-wita", "Jumat, 1 September 2023 10.15 WITA", "2023-09-01T10:15:00+08:00"),
    case("header-dot-time-seconds", "Jumat, 1 September 2023 10.15.30 WIT", "2023-09-01T10:15:30+09:00"),
    case("header-unpadded-hour", "Jumat, 1 September 2023 9:06 WIB", "2023-09-01T09:06:00+07:00"),
    case("header-unpadded-hour-dot", "Jumat, 1 September 2023 9.06 WITA", "2023-09-01T09:06:00+08:00"),
    case("header-padded-day", "Jumat, 01 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-two-digit-day", "Kamis, 28 Mei 2026 23:59 WIT", "2026-05-28T23:59:00+09:00"),
    case("header-midnight", "Kamis, 28 Mei 2026 00:00 WIB", "2026-05-28T00:00:00+07:00"),
    case("header-pukul", "Jumat, 1 September 2023 pukul 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-comma-before-time", "Jumat, 1 September 2023, 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-pipe-before-time", "Jumat, 1 September 2023 | 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-dash-before-time", "Jumat, 1 September 2023 - 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-surrounding-whitespace", "  \n Jumat, 1 September 2023 10:15 WIB \t", "2023-09-01T10:15:00+07:00"),
    case("header-inner-whitespace", "Jumat,  1   September  2023   10:15   WIB", "2023-09-01T10:15:00+07:00"),
    case("header-nbsp", "Jumat,\xa01\xa0September\xa02023\xa010:15\xa0WIB", "2023-09-01T10:15:00+07:00"),
    case("header-weekday-not-checked", "Senin, 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("header-old-year", "Senin, 17 Agustus 1945 10:00 WIB", "1945-08-17T10:00:00+07:00"),
    # --- the printed label wins over the portal's zone ----------------------------------------------------------
    case("label-wib-on-wita-portal", "Jumat, 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00", "bali"),
    case("label-wita-on-wib-portal", "Jumat, 1 September 2023 10:15 WITA", "2023-09-01T10:15:00+08:00", "aceh"),
    case("label-wita-on-www", "Jumat, 1 September 2023 10:15 WITA", "2023-09-01T10:15:00+08:00", "www"),
    case("label-wit-on-www", "Jumat, 1 September 2023 10:15 WIT", "2023-09-01T10:15:00+09:00", "www"),
    case("label-wita-on-wit-portal", "Jumat, 1 September 2023 10:15 WITA", "2023-09-01T10:15:00+08:00", "papua"),
    case("label-wib-on-wit-portal", "Jumat, 1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00", "ambon"),
    case("label-wit-on-wita-portal", "Jumat, 1 September 2023 10:15 WIT", "2023-09-01T10:15:00+09:00", "makassar"),
    # --- header without the weekday -----------------------------------------------------------------------------
    case("noweekday-wib", "1 September 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("noweekday-wita", "1 September 2023 10:15 WITA", "2023-09-01T10:15:00+08:00"),
    case("noweekday-wit", "1 September 2023 10:15 WIT", "2023-09-01T10:15:00+09:00"),
    case("noweekday-dot-time-wib", "1 September 2023 10.15 WIB", "2023-09-01T10:15:00+07:00"),
    case("noweekday-unpadded-hour", "1 September 2023 9:06 WITA", "2023-09-01T09:06:00+08:00"),
    # --- related items and listings: no label, the portal's zone ------------------------------------------------
    case("related-www", "16 November 2024 07:29", "2024-11-16T07:29:00+07:00", "www"),
    case("related-aceh", "16 November 2024 07:29", "2024-11-16T07:29:00+07:00", "aceh"),
    case("related-babel", "16 November 2024 07:29", "2024-11-16T07:29:00+07:00", "babel"),
    case("related-kalbar", "16 November 2024 07:29", "2024-11-16T07:29:00+07:00", "kalbar"),
    case("related-kalsel", "16 November 2024 07:29", "2024-11-16T07:29:00+08:00", "kalsel"),
    case("related-bali", "16 November 2024 07:29", "2024-11-16T07:29:00+08:00", "bali"),
    case("related-makassar", "16 November 2024 07:29", "2024-11-16T07:29:00+08:00", "makassar"),
    case("related-gorontalo", "16 November 2024 07:29", "2024-11-16T07:29:00+08:00", "gorontalo"),
    case("related-kl", "16 November 2024 07:29", "2024-11-16T07:29:00+08:00", "kl"),
    case("related-ambon", "16 November 2024 07:29", "2024-11-16T07:29:00+09:00", "ambon"),
    case("related-papua", "16 November 2024 07:29", "2024-11-16T07:29:00+09:00", "papua"),
    case("related-papuatengah", "16 November 2024 07:29", "2024-11-16T07:29:00+09:00", "papuatengah"),
    case("related-papuabarat", "16 November 2024 07:29", "2024-11-16T07:29:00+09:00", "papuabarat"),
    case("related-no-portal", "16 November 2024 07:29", "2024-11-16T07:29:00+07:00", None),
    case("related-unknown-portal", "16 November 2024 07:29", "2024-11-16T07:29:00+07:00", "nosuchportal"),
    case("listing-wib", "Sabtu, 21 Februari 2026 9:07", "2026-02-21T09:07:00+07:00", "jabar"),
    case("listing-wita", "Sabtu, 21 Februari 2026 9:07", "2026-02-21T09:07:00+08:00", "kaltim"),
    case("listing-wit", "Sabtu, 21 Februari 2026 9:07", "2026-02-21T09:07:00+09:00", "papua"),
    case("listing-dot-time", "Sabtu, 21 Februari 2026 9.07", "2026-02-21T09:07:00+08:00", "manado"),
    # --- date without a time: midnight in the portal's (or the label's) zone ------------------------------------
    case("date-only-weekday-wib", "Minggu, 21 Desember 2025", "2025-12-21T00:00:00+07:00", "jatim"),
    case("date-only-weekday-wita", "Minggu, 21 Desember 2025", "2025-12-21T00:00:00+08:00", "kaltim"),
    case("date-only-weekday-wit", "Minggu, 21 Desember 2025", "2025-12-21T00:00:00+09:00", "ambon"),
    case("date-only-no-weekday", "21 Desember 2025", "2025-12-21T00:00:00+07:00"),
    case("date-only-label", "21 Desember 2025 WITA", "2025-12-21T00:00:00+08:00", "aceh"),
    # --- every month, full and abbreviated ----------------------------------------------------------------------
    case("month-januari", "5 Januari 2024 08:00 WIB", "2024-01-05T08:00:00+07:00"),
    case("month-februari", "5 Februari 2024 08:00 WIB", "2024-02-05T08:00:00+07:00"),
    case("month-maret", "5 Maret 2024 08:00 WIB", "2024-03-05T08:00:00+07:00"),
    case("month-april", "5 April 2024 08:00 WIB", "2024-04-05T08:00:00+07:00"),
    case("month-mei", "5 Mei 2024 08:00 WIB", "2024-05-05T08:00:00+07:00"),
    case("month-juni", "5 Juni 2024 08:00 WIB", "2024-06-05T08:00:00+07:00"),
    case("month-juli", "5 Juli 2024 08:00 WIB", "2024-07-05T08:00:00+07:00"),
    case("month-agustus", "5 Agustus 2024 08:00 WIB", "2024-08-05T08:00:00+07:00"),
    case("month-september", "5 September 2024 08:00 WIB", "2024-09-05T08:00:00+07:00"),
    case("month-oktober", "5 Oktober 2024 08:00 WIB", "2024-10-05T08:00:00+07:00"),
    case("month-november", "5 November 2024 08:00 WIB", "2024-11-05T08:00:00+07:00"),
    case("month-desember", "5 Desember 2024 08:00 WIB", "2024-12-05T08:00:00+07:00"),
    case("month-pebruari-old-spelling", "5 Pebruari 2024 08:00 WIB", "2024-02-05T08:00:00+07:00"),
    case("month-nopember-old-spelling", "5 Nopember 2024 08:00 WIB", "2024-11-05T08:00:00+07:00"),
    case("abbr-jan", "Jumat, 5 Jan 2024 08:00 WIB", "2024-01-05T08:00:00+07:00"),
    case("abbr-feb", "Senin, 5 Feb 2024 08:00 WIB", "2024-02-05T08:00:00+07:00"),
    case("abbr-peb", "Senin, 5 Peb 2024 08:00 WIB", "2024-02-05T08:00:00+07:00"),
    case("abbr-mar", "Selasa, 5 Mar 2024 08:00 WIB", "2024-03-05T08:00:00+07:00"),
    case("abbr-mrt", "Selasa, 5 Mrt 2024 08:00 WIB", "2024-03-05T08:00:00+07:00"),
    case("abbr-apr", "Jumat, 5 Apr 2024 08:00 WIB", "2024-04-05T08:00:00+07:00"),
    case("abbr-mei", "Minggu, 5 Mei 2024 08:00 WIB", "2024-05-05T08:00:00+07:00"),
    case("abbr-jun", "Rabu, 5 Jun 2024 08:00 WIB", "2024-06-05T08:00:00+07:00"),
    case("abbr-jul", "Jumat, 5 Jul 2024 08:00 WIB", "2024-07-05T08:00:00+07:00"),
    case("abbr-agu", "Senin, 5 Agu 2024 08:00 WIB", "2024-08-05T08:00:00+07:00"),
    case("abbr-agt", "Senin, 5 Agt 2024 08:00 WIB", "2024-08-05T08:00:00+07:00"),
    case("abbr-agst", "Senin, 5 Agst 2024 08:00 WIB", "2024-08-05T08:00:00+07:00"),
    case("abbr-ags", "Senin, 5 Ags 2024 08:00 WIB", "2024-08-05T08:00:00+07:00"),
    case("abbr-sep", "Kamis, 5 Sep 2024 08:00 WIB", "2024-09-05T08:00:00+07:00"),
    case("abbr-sept", "Kamis, 5 Sept 2024 08:00 WIB", "2024-09-05T08:00:00+07:00"),
    case("abbr-okt", "Sabtu, 5 Okt 2024 08:00 WITA", "2024-10-05T08:00:00+08:00"),
    case("abbr-nov", "Selasa, 5 Nov 2024 08:00 WIT", "2024-11-05T08:00:00+09:00"),
    case("abbr-nop", "Selasa, 5 Nop 2024 08:00 WIT", "2024-11-05T08:00:00+09:00"),
    case("abbr-des", "Kamis, 5 Des 2024 08:00 WIB", "2024-12-05T08:00:00+07:00"),
    case("abbr-with-dot", "Kamis, 5 Sep. 2024 08:00 WIB", "2024-09-05T08:00:00+07:00"),
    case("abbr-lowercase", "kamis, 5 sept 2024 08:00 wib", "2024-09-05T08:00:00+07:00"),
    case("abbr-related-portal-zone", "5 Agt 2024 08:00", "2024-08-05T08:00:00+08:00", "kupang"),
    # --- leap years and calendar edges --------------------------------------------------------------------------
    case("leap-day-2024", "Kamis, 29 Februari 2024 12:00 WIB", "2024-02-29T12:00:00+07:00"),
    case("leap-day-2000", "29 Februari 2000 12:00 WIB", "2000-02-29T12:00:00+07:00"),
    case("year-end", "Rabu, 31 Desember 2025 23:59:59 WIT", "2025-12-31T23:59:59+09:00"),
    case("year-start", "Kamis, 1 Januari 2026 00:00 WITA", "2026-01-01T00:00:00+08:00"),
    # --- RSS, RFC-822: the given offset is kept -----------------------------------------------------------------
    case("rfc822-plus0700", "Thu, 28 May 2026 13:27:46 +0700", "2026-05-28T13:27:46+07:00"),
    case("rfc822-plus0800", "Thu, 28 May 2026 13:27:46 +0800", "2026-05-28T13:27:46+08:00", "aceh"),
    case("rfc822-plus0900", "Thu, 28 May 2026 13:27:46 +0900", "2026-05-28T13:27:46+09:00"),
    case("rfc822-utc-offset", "Thu, 28 May 2026 06:27:46 +0000", "2026-05-28T06:27:46+00:00", "bali"),
    case("rfc822-gmt", "Sat, 21 Feb 2026 13:42:00 GMT", "2026-02-21T13:42:00+00:00"),
    case("rfc822-negative-offset", "Sat, 21 Feb 2026 13:42:00 -0500", "2026-02-21T13:42:00-05:00"),
    case("rfc822-colon-offset", "Sat, 21 Feb 2026 13:42:00 +07:00", "2026-02-21T13:42:00+07:00"),
    case("rfc822-half-hour-offset", "Sat, 21 Feb 2026 13:42:00 +0530", "2026-02-21T13:42:00+05:30"),
    case("rfc822-no-seconds", "Sat, 21 Feb 2026 13:42 +0700", "2026-02-21T13:42:00+07:00"),
    case("rfc822-no-weekday", "21 Feb 2026 13:42:00 +0700", "2026-02-21T13:42:00+07:00"),
    case("rfc822-one-digit-day", "Sun, 1 Feb 2026 13:42:00 +0700", "2026-02-01T13:42:00+07:00"),
    case("rfc822-padded-day", "Sun, 01 Feb 2026 13:42:00 +0700", "2026-02-01T13:42:00+07:00"),
    case("rfc822-jan", "Mon, 05 Jan 2026 01:02:03 +0700", "2026-01-05T01:02:03+07:00"),
    case("rfc822-aug", "Wed, 05 Aug 2026 01:02:03 +0800", "2026-08-05T01:02:03+08:00"),
    case("rfc822-oct", "Mon, 05 Oct 2026 01:02:03 +0900", "2026-10-05T01:02:03+09:00"),
    case("rfc822-dec", "Sat, 05 Dec 2026 01:02:03 +0700", "2026-12-05T01:02:03+07:00"),
    case("rfc822-label-instead-of-offset", "Sat, 21 Feb 2026 13:42:00 WITA", "2026-02-21T13:42:00+08:00"),
    # --- English month-day-year order (some feeds) ---------------------------------------------------------------
    case("mdy-full-month", "September 1, 2023", "2023-09-01T00:00:00+08:00", "bali"),
    case("mdy-abbr-month", "Aug 21, 2012", "2012-08-21T00:00:00+07:00"),
    case("mdy-weekday-time-label", "Jumat, September 1, 2023 10:15 WITA", "2023-09-01T10:15:00+08:00"),
    case("mdy-ordinal", "Friday, September 1st, 2023 10:15 WIB", "2023-09-01T10:15:00+07:00"),
    case("mdy-impossible", "Feb 30, 2024", None),
    # --- ISO 8601 (meta tags, JSON-LD) --------------------------------------------------------------------------
    case("iso-plus0700", "2023-09-01T10:15:00+07:00", "2023-09-01T10:15:00+07:00"),
    case("iso-plus0800-on-wib-portal", "2023-09-01T10:15:00+08:00", "2023-09-01T10:15:00+08:00", "aceh"),
    case("iso-plus0900", "2023-09-01T10:15:00+09:00", "2023-09-01T10:15:00+09:00"),
    case("iso-z", "2023-09-01T03:15:00Z", "2023-09-01T03:15:00+00:00", "bali"),
    case("iso-utc-offset", "2023-09-01T03:15:00+00:00", "2023-09-01T03:15:00+00:00"),
    case("iso-microseconds-dropped", "2023-09-01T10:15:00.123456+07:00", "2023-09-01T10:15:00+07:00"),
    case("iso-milliseconds", "2023-09-01T10:15:00.123+07:00", "2023-09-01T10:15:00+07:00"),
    case("iso-no-seconds", "2023-09-01T10:15+07:00", "2023-09-01T10:15:00+07:00"),
    case("iso-naive-wib-portal", "2023-09-01T10:15:00", "2023-09-01T10:15:00+07:00", "jabar"),
    case("iso-naive-wita-portal", "2023-09-01T10:15:00", "2023-09-01T10:15:00+08:00", "bali"),
    case("iso-naive-wit-portal", "2023-09-01T10:15:00", "2023-09-01T10:15:00+09:00", "ambon"),
    case("iso-naive-space", "2023-09-01 10:15:00", "2023-09-01T10:15:00+08:00", "sulteng"),
    case("iso-date-only", "2023-09-01", "2023-09-01T00:00:00+09:00", "papua"),
    case("iso-impossible-day", "2023-02-30T10:00:00+07:00", None),
    case("iso-impossible-month", "2023-13-01", None),
    case("iso-impossible-hour", "2023-09-01T25:00:00+07:00", None),
    # --- relative forms against the fetch time (BASE = 13:00 WIB / 14:00 WITA / 15:00 WIT); without a portal the
    # result keeps base's own offset ------------------------------------------------------------------------------
    case("rel-menit", "15 menit lalu", "2026-05-28T12:45:00+07:00", "babel"),
    case("rel-menit-wita-portal", "15 menit lalu", "2026-05-28T13:45:00+08:00", "bali"),
    case("rel-menit-wit-portal", "15 menit lalu", "2026-05-28T14:45:00+09:00", "papua"),
    case("rel-menit-yang-lalu", "15 menit yang lalu", "2026-05-28T12:45:00+07:00", "babel"),
    case("rel-detik", "30 detik lalu", "2026-05-28T12:59:30+07:00", "babel"),
    case("rel-jam", "2 jam lalu", "2026-05-28T11:00:00+07:00", "babel"),
    case("rel-jam-wita-portal", "2 jam lalu", "2026-05-28T12:00:00+08:00", "kaltim"),
    case("rel-jam-yang-lalu", "3 jam yang lalu", "2026-05-28T10:00:00+07:00", "babel"),
    case("rel-sejam", "sejam lalu", "2026-05-28T12:00:00+07:00", "babel"),
    case("rel-semenit", "semenit lalu", "2026-05-28T12:59:00+07:00", "babel"),
    case("rel-hari", "3 hari lalu", "2026-05-25T13:00:00+07:00", "babel"),
    case("rel-sehari", "sehari lalu", "2026-05-27T13:00:00+07:00", "babel"),
    case("rel-minggu", "2 minggu lalu", "2026-05-14T13:00:00+07:00", "babel"),
    case("rel-pekan", "2 pekan lalu", "2026-05-14T13:00:00+07:00", "babel"),
    case("rel-sepekan", "sepekan lalu", "2026-05-21T13:00:00+07:00", "babel"),
    case("rel-seminggu", "seminggu lalu", "2026-05-21T13:00:00+07:00", "babel"),
    case("rel-bulan", "3 bulan lalu", "2026-02-28T13:00:00+07:00", "babel"),
    case("rel-sebulan-clamped", "sebulan lalu", "2026-02-28T10:00:00+07:00", "babel", BASE_MARCH_31),
    case("rel-tahun", "2 tahun lalu", "2024-05-28T13:00:00+07:00", "babel"),
    case("rel-setahun", "setahun lalu", "2025-05-28T13:00:00+07:00", "babel"),
    case("rel-capitalised", "2 Jam Lalu", "2026-05-28T11:00:00+07:00", "babel"),
    case("rel-kemarin", "kemarin", "2026-05-27T13:00:00+07:00", "babel"),
    case("rel-kemarin-capitalised", "Kemarin", "2026-05-27T14:00:00+08:00", "bali"),
    case("rel-kemarin-time", "kemarin 10:15", "2026-05-27T10:15:00+07:00", "babel"),
    case("rel-kemarin-time-label", "kemarin 10:15 WIT", "2026-05-27T10:15:00+09:00", "bali"),
    case("rel-kemarin-after-midnight", "kemarin 23:10", "2026-05-27T23:10:00+07:00", "babel", BASE_MIDNIGHT),
    case("rel-kemarin-after-midnight-wita", "kemarin 23:10", "2026-05-27T23:10:00+08:00", "bali", BASE_MIDNIGHT),
    case("rel-hari-ini", "hari ini", "2026-05-28T13:00:00+07:00", "babel"),
    case("rel-hari-ini-time-wib", "hari ini 09:15 WIB", "2026-05-28T09:15:00+07:00"),
    case("rel-hari-ini-time-wita-on-wib-portal", "hari ini 09:15 WITA", "2026-05-28T09:15:00+08:00", "aceh"),
    case("rel-hari-ini-dot-time", "Hari ini 09.15", "2026-05-28T09:15:00+09:00", "ambon"),
    case("rel-hari-ini-pukul", "hari ini pukul 09.15 WIB", "2026-05-28T09:15:00+07:00"),
    case("rel-baru-saja", "baru saja", "2026-05-28T14:00:00+08:00", "bali"),
    case("rel-naive-base-is-utc", "15 menit lalu", "2026-05-28T05:45:00+00:00", None, datetime(2026, 5, 28, 6, 0)),
    case(
        "rel-base-in-other-zone",  # no portal: the result keeps base's own offset
        "15 menit lalu",
        "2026-05-28T14:45:00+09:00",
        None,
        datetime(2026, 5, 28, 15, 0, tzinfo=timezone(timedelta(hours=9))),
    ),
    case(
        "rel-base-microseconds-dropped", "2 jam lalu", "2026-05-28T11:00:00+07:00", "babel", BASE.replace(microsecond=7)
    ),
    case("rel-hour-25", "hari ini 25:00 WIB", None),
    case("rel-vague", "beberapa menit lalu", None),
    # --- forms that need the dateparser fallback ----------------------------------------------------------------
    case("fallback-numeric-dmy", "01/09/2023 10:15", "2023-09-01T10:15:00+08:00", "bali"),
    case("fallback-numeric-dmy-label", "Selasa, 12/03/2024 14:05 WIB", "2024-03-12T14:05:00+07:00", "kaltim"),
    case("fallback-dashed-dmy", "Jumat, 01-09-2023 10:15", "2023-09-01T10:15:00+07:00"),
    case("fallback-dotted-dmy", "Rabu, 12.03.2024 14:05", "2024-03-12T14:05:00+08:00", "bali"),
    case("fallback-dmy-date-only", "12-03-2024", "2024-03-12T00:00:00+09:00", "papua"),
    case("fallback-rel-compound", "2 jam 30 menit lalu", "2026-05-28T11:30:00+08:00", "bali"),
    case("fallback-rel-sejam-compound", "sejam 30 menit lalu", "2026-05-28T12:30:00+08:00", "bali"),
    case("fallback-rel-kemarin-lusa", "kemarin lusa", "2026-05-26T14:00:00+08:00", "bali"),
    # --- not dates, impossible dates, in-body references --------------------------------------------------------
    case("none-empty", "", None),
    case("none-whitespace", "   \n\t ", None),
    case("none-weekday-only", "Senin", None),
    case("none-jumat-only", "Jumat", None),
    case("none-month-only", "September", None),
    case("none-year-only", "2023", None),
    case("none-number-only", "12", None),
    case("none-label-only", "WIB", None),
    case("none-time-only", "10.15 WIB", None),
    case("none-no-year", "1 September", None),
    case("none-in-body-weekday-ref", "Jumat (21/10)", None),
    case("none-in-body-full-ref", "(1/9/2023)", None),
    case("none-in-body-weekday-full-ref", "Rabu (1/9/2023)", None),
    case("none-lorem", "Lorem ipsum dolor sit amet, consectetur adipiscing elit", None),
    case("none-lorem-digits", "lorem ipsum dolor sit amet 12", None),
    case("none-32-januari", "32 Januari 2024 10:00 WIB", None),
    case("none-0-januari", "0 Januari 2024 10:00 WIB", None),
    case("none-30-februari", "30 Februari 2024 10:00 WIB", None),
    case("none-29-februari-non-leap", "29 Februari 2023 10:00 WIB", None),
    case("none-31-april", "Senin, 31 April 2024 10:00 WIB", None),
    case("none-hour-25", "1 September 2023 25:00 WIB", None),
    case("none-hour-24", "1 September 2023 24:00 WIB", None),
    case("none-minute-60", "1 September 2023 10:60 WIB", None),
    case("none-second-60", "1 September 2023 10:15:60 WIB", None),
    case("none-unknown-month", "1 Foo 2023 10:15 WIB", None),
    case("none-unknown-weekday", "Foo, 1 September 2023 10:15 WIB", None),
    case("none-rfc822-impossible", "Thu, 31 Feb 2026 13:27:46 +0700", None),
    case("none-rfc822-offset-out-of-range", "Sat, 21 Feb 2026 13:42:00 +2500", None),
    case("none-trailing-text", "Jumat, 1 September 2023 10:15 WIB (diperbarui)", None),
    case("none-too-long", "Jumat, 1 September 2023 10:15 WIB" + " " * 200, None),
    case("none-garbage-long", "abc " * 60, None),
]


@pytest.mark.parametrize(("text", "portal", "base", "expected"), CASES)
def test_parse_date_table(text: str, portal: str | None, base: datetime, expected: str | None) -> None:
    got = parse_date(text, portal=portal, base=base)
    assert (to_iso(got) if got is not None else None) == expected
    if got is not None:
        assert got.tzinfo is not None and got.utcoffset() is not None


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 150
    assert len({p.id for p in CASES}) == len(CASES)


# --- focused tests -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["WIB", "WITA", "WIT"])
def test_each_label_keeps_its_own_offset(label: str) -> None:
    for portal in PORTALS:
        got = parse_date(f"Jumat, 1 September 2023 10:15 {label}", portal=portal)
        assert got == datetime(2023, 9, 1, 10, 15, tzinfo=ZONES[label])
        assert got.utcoffset() == ZONES[label].utcoffset(None)
        assert got.tzname() == label


@pytest.mark.parametrize("portal", sorted(PORTALS))
def test_each_portal_zone_for_unlabelled_dates(portal: str) -> None:
    got = parse_date("16 November 2024 07:29", portal=portal)
    assert got is not None
    assert got.utcoffset() == tz_for(portal).utcoffset(None)
    assert (got.hour, got.minute) == (7, 29)


def test_wita_is_not_converted_to_jakarta_time() -> None:
    got = parse_date("Jumat, 1 September 2023 10:15 WITA", portal="www")
    assert to_iso(got) == "2023-09-01T10:15:00+08:00"
    assert got.hour == 10  # not 09:15 +07:00, which is what dateparser gives with TIMEZONE='Asia/Jakarta'
    assert got.astimezone(UTC) == datetime(2023, 9, 1, 2, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["", " ", "Senin", "Jumat (21/10)", "32 Januari 2024 10:00 WIB", "lorem ipsum dolor sit amet", "WIB", "?!"],
)
def test_garbage_returns_none(text: str) -> None:
    assert parse_date(text, base=BASE) is None


@pytest.mark.parametrize("value", [None, 123, b"1 September 2023 10:15 WIB", ["1 September 2023"]])
def test_non_strings_return_none(value: object) -> None:
    assert parse_date(value, base=BASE) is None  # type: ignore[arg-type]


def test_huge_input_is_refused_by_its_length_alone() -> None:
    """A length check, no regex work: text over MAX_LEN is None even when it starts with a valid date."""
    line = "Jumat, 1 September 2023 10:15 WIB"
    assert parse_date(line) is not None
    assert parse_date(line + " " * (MAX_LEN - len(line))) is not None  # at the limit: still parsed
    huge = (line + " ") * 3000  # ~100 KB
    assert parse_date(huge) is None
    assert parse_date(line + " " * (MAX_LEN + 1 - len(line))) is None  # one character over


def test_length_bound() -> None:
    ok = "Jumat, 1 September 2023 10:15 WIB".ljust(dates.MAX_LEN)
    assert parse_date(ok) is not None
    assert parse_date(ok + " ") is None


def test_fast_path_does_not_call_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser called on an ANTARA format")

    monkeypatch.setattr(dates, "_dateparser_fallback", boom)
    clear_cache()
    texts = [
        "Jumat, 1 September 2023 10:15 WIB",
        "Jum'at, 1 Sep 2023 9:06 WITA",
        "1 September 2023 10.15 WIT",
        "16 November 2024 07:29",
        "Sabtu, 21 Februari 2026 9:07",
        "Minggu, 21 Desember 2025",
        "Thu, 28 May 2026 13:27:46 +0700",
        "Sat, 21 Feb 2026 13:42:00 +0530",
        "Aug 21, 2012",
        "2023-09-01T10:15:00+08:00",
        "2023-09-01T10:15:00",
        "15 menit lalu",
        "sejam lalu",
        "2 pekan lalu",
        "sepekan lalu",
        "kemarin",
        "hari ini 09:15 WIB",
        "32 Januari 2024 10:00 WIB",
        "Senin",
        "Jumat (21/10)",
    ]
    for text in texts:
        parse_date(text, portal="bali", base=BASE)
    clear_cache()


def test_dateparser_fallback_normalises_indonesian() -> None:
    # these only reach dateparser (numeric date order), and need the normalisations of SITE.md section 9
    clear_cache()
    assert to_iso(parse_date("Jum'at, 01/09/2023 10:15 WIB", base=BASE)) == "2023-09-01T10:15:00+07:00"
    assert to_iso(parse_date("Jum’at, 01/09/2023 10:15 WITA", base=BASE)) == "2023-09-01T10:15:00+08:00"
    assert dates._normalise_for_dateparser("Jum'at sepekan pekan sejam Agst") == "Jumat 1 minggu minggu 1 jam Agu"


def test_dateparser_relative_fallback_uses_base_and_portal_zone() -> None:
    # compound forms are not in the fast path; dateparser resolves them against RELATIVE_BASE in the portal's zone
    for portal, offset in [("aceh", 7), ("bali", 8), ("papua", 9)]:
        got = parse_date("1 jam 30 menit yang lalu", portal=portal, base=BASE)
        assert got == BASE - timedelta(minutes=90)
        assert got.utcoffset() == timedelta(hours=offset)


def test_cache_does_not_apply_to_relative_forms() -> None:
    a = parse_date("15 menit lalu", base=BASE)
    b = parse_date("15 menit lalu", base=BASE + timedelta(hours=1))
    assert b - a == timedelta(hours=1)


def test_cache_is_per_portal() -> None:
    assert parse_date("16 November 2024 07:29", portal="aceh").utcoffset() == timedelta(hours=7)
    assert parse_date("16 November 2024 07:29", portal="bali").utcoffset() == timedelta(hours=8)


@freeze_time("2026-05-28 06:00:00")
def test_base_defaults_to_now_utc() -> None:
    assert to_iso(parse_date("15 menit lalu")) == "2026-05-28T05:45:00+00:00"  # no portal, no base: UTC now
    assert to_iso(parse_date("kemarin", portal="papua")) == "2026-05-27T15:00:00+09:00"


def test_to_iso() -> None:
    tz = ZONES["WITA"]
    assert to_iso(datetime(2023, 9, 1, 10, 15, tzinfo=tz)) == "2023-09-01T10:15:00+08:00"
    assert to_iso(datetime(2023, 9, 1, 10, 15, 7, 999999, tzinfo=tz)) == "2023-09-01T10:15:07+08:00"
    assert to_iso(datetime(2023, 9, 1, 10, 15, tzinfo=timezone(timedelta(hours=-5)))) == "2023-09-01T10:15:00-05:00"
    assert to_iso(datetime(2023, 9, 1, 10, 15)) == "2023-09-01T10:15:00+00:00"


def test_importing_dates_does_not_import_dateparser() -> None:
    import subprocess
    import sys

    code = "import sys, antara_crawler.dates; sys.exit('dateparser' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- fill_article_dates --------------------------------------------------------------------------------------


def _article(**kw: object) -> Article:
    defaults: dict[str, object] = {
        "url": "https://bali.antaranews.com/berita/123/judul",
        "portal": "bali",
        "antara_id": 123,
        "fetched_at": "2026-05-28T06:00:00+00:00",
    }
    return Article(**{**defaults, **kw})  # type: ignore[arg-type]


def _link(url: str, raw: str | None, at: str | None = None) -> RelatedLink:
    return RelatedLink(url=url, title="t", published_at=at, kind="berita_terkait", published_raw=raw)


def test_fill_article_dates_fills_article_and_related() -> None:
    art = _article(
        published_raw="Jumat, 1 September 2023 10:15 WITA",
        related=[
            _link("https://papua.antaranews.com/berita/5/x", "16 November 2024 07:29"),  # the link's own portal
            _link("https://example.com/berita/6/y", "16 November 2024 07:29"),  # not ANTARA: the article's portal
            _link("https://aceh.antaranews.com/berita/7/z", "2 jam lalu"),  # relative to fetched_at, aceh zone
            _link("https://aceh.antaranews.com/berita/8/w", "16 November 2024 07:29", "2000-01-01T00:00:00+07:00"),
            _link("https://aceh.antaranews.com/berita/9/v", None),  # Baca juga: undated
            _link("https://aceh.antaranews.com/berita/10/u", "Jumat (21/10)"),
        ],
    )
    failed = fill_article_dates(art)
    assert art.published_at == "2023-09-01T10:15:00+08:00"
    assert [link.published_at for link in art.related] == [
        "2024-11-16T07:29:00+09:00",
        "2024-11-16T07:29:00+08:00",
        "2026-05-28T11:00:00+07:00",
        "2000-01-01T00:00:00+07:00",  # never overwritten
        None,
        None,
    ]
    assert failed == ["Jumat (21/10)"]


def test_fill_article_dates_never_overwrites_and_reports_failures() -> None:
    art = _article(published_raw="16 November 2024 07:29", published_at="2024-11-16T07:29:00+07:00")
    assert fill_article_dates(art) == []
    assert art.published_at == "2024-11-16T07:29:00+07:00"

    art = _article(published_raw="Senin")
    assert fill_article_dates(art) == ["Senin"]
    assert art.published_at is None

    art = _article(published_raw=None)
    assert fill_article_dates(art) == []


def test_fill_article_dates_base() -> None:
    art = _article(published_raw="15 menit lalu", fetched_at=None)
    fill_article_dates(art, base=BASE)
    assert art.published_at == "2026-05-28T13:45:00+08:00"

    art = _article(published_raw="15 menit lalu", fetched_at="2026-05-28T06:00:00")  # naive: UTC
    fill_article_dates(art)
    assert art.published_at == "2026-05-28T13:45:00+08:00"

    with freeze_time("2026-05-28 06:00:00"):
        art = _article(published_raw="15 menit lalu", fetched_at="not a date")
        fill_article_dates(art)
    assert art.published_at == "2026-05-28T13:45:00+08:00"


# --- property tests: every ANTARA style parses back to the same instant with the same offset ----------------

WEEKDAY_NAMES = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTH_NAMES = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
MONTH_ABBRS = [
    ["Jan"], ["Feb", "Peb"], ["Mar", "Mrt"], ["Apr"], ["Mei"], ["Jun"],
    ["Jul"], ["Agu", "Agt", "Agst", "Ags"], ["Sep", "Sept"], ["Okt"], ["Nov", "Nop"], ["Des"],
]  # fmt: skip
RFC_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
RFC_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

minutes = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2099, 12, 31, 23, 59)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
seconds = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2099, 12, 31, 23, 59, 59)).map(
    lambda d: d.replace(microsecond=0)
)
labels = st.sampled_from(sorted(ZONES))
portals = st.sampled_from(sorted(PORTALS))
offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def _weekday(d: datetime, jum_at: bool) -> str:
    return "Jum'at" if jum_at and d.weekday() == 4 else WEEKDAY_NAMES[d.weekday()]


def _same(got: datetime | None, expected: datetime) -> None:
    assert got is not None
    assert got == expected  # same instant
    assert got.utcoffset() == expected.utcoffset()  # same offset
    assert to_iso(got) == to_iso(expected)


@settings(max_examples=300, deadline=None)
@given(d=minutes, label=labels, portal=portals, jum_at=st.booleans(), pad=st.booleans())
def test_roundtrip_header_with_weekday_and_label(d: datetime, label: str, portal: str, jum_at: bool, pad: bool):
    hour = f"{d.hour:02d}" if pad else str(d.hour)
    text = f"{_weekday(d, jum_at)}, {d.day} {MONTH_NAMES[d.month - 1]} {d.year} {hour}:{d.minute:02d} {label}"
    _same(parse_date(text, portal=portal, base=BASE), d.replace(tzinfo=ZONES[label]))


@settings(max_examples=200, deadline=None)
@given(d=minutes, label=labels, portal=portals, sep=st.sampled_from([":", "."]))
def test_roundtrip_header_without_weekday(d: datetime, label: str, portal: str, sep: str) -> None:
    text = f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year} {d.hour:02d}{sep}{d.minute:02d} {label}"
    _same(parse_date(text, portal=portal, base=BASE), d.replace(tzinfo=ZONES[label]))


@settings(max_examples=200, deadline=None)
@given(d=minutes, portal=portals)
def test_roundtrip_related_item_in_portal_zone(d: datetime, portal: str) -> None:
    text = f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year} {d.hour:02d}:{d.minute:02d}"
    _same(parse_date(text, portal=portal, base=BASE), d.replace(tzinfo=tz_for(portal)))


@settings(max_examples=200, deadline=None)
@given(d=minutes, portal=portals)
def test_roundtrip_listing_item(d: datetime, portal: str) -> None:
    text = f"{WEEKDAY_NAMES[d.weekday()]}, {d.day} {MONTH_NAMES[d.month - 1]} {d.year} {d.hour}:{d.minute:02d}"
    _same(parse_date(text, portal=portal, base=BASE), d.replace(tzinfo=tz_for(portal)))


@settings(max_examples=200, deadline=None)
@given(d=seconds, tz=offsets, portal=portals)
def test_roundtrip_rfc822(d: datetime, tz: timezone, portal: str) -> None:
    off = d.replace(tzinfo=tz).strftime("%z")
    text = f"{RFC_DAYS[d.weekday()]}, {d.day:02d} {RFC_MONTHS[d.month - 1]} {d.year} {d:%H:%M:%S} {off}"
    _same(parse_date(text, portal=portal, base=BASE), d.replace(tzinfo=tz))


@settings(max_examples=200, deadline=None)
@given(d=seconds, tz=offsets, portal=portals)
def test_roundtrip_iso8601(d: datetime, tz: timezone, portal: str) -> None:
    aware = d.replace(tzinfo=tz)
    _same(parse_date(aware.isoformat(), portal=portal, base=BASE), aware)
    _same(parse_date(d.isoformat(), portal=portal, base=BASE), d.replace(tzinfo=tz_for(portal)))


@settings(max_examples=300, deadline=None)
@given(d=minutes, label=labels, data=st.data())
def test_roundtrip_abbreviated_month(d: datetime, label: str, data: st.DataObject) -> None:
    abbr = data.draw(st.sampled_from(MONTH_ABBRS[d.month - 1]))
    text = f"{WEEKDAY_NAMES[d.weekday()]}, {d.day} {abbr} {d.year} {d.hour}:{d.minute:02d} {label}"
    _same(parse_date(text, base=BASE), d.replace(tzinfo=ZONES[label]))


# --- issue 11 part 5: every relative form dateparser reads honours ``base`` ------------------------------------

#: Bases far from any wall clock this suite runs under, in three offsets.
FAR_BASES = [
    datetime(2001, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=8))),
    datetime(1987, 10, 11, 22, 33, 44, tzinfo=UTC),
    datetime(2049, 12, 31, 23, 59, 30, tzinfo=timezone(timedelta(hours=-5))),
]


@pytest.mark.parametrize("base", FAR_BASES, ids=["2001+08", "1987utc", "2049-05"])
@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("dalam 43 menit", timedelta(minutes=43)),
        ("dlm 23 dtk", timedelta(seconds=23)),
        ("dalam 2 hari", timedelta(days=2)),
        ("1 jam 30 menit yang lalu", -timedelta(minutes=90)),
    ],
)
def test_dateparser_relative_forms_resolve_against_base(base: datetime, text: str, delta: timedelta) -> None:
    clear_cache()
    assert parse_date(text, portal="papua", base=base) == base + delta
    assert parse_date(text, base=base) == base + delta  # cached reading must not pin the first base


@pytest.mark.parametrize("base", FAR_BASES, ids=["2001+08", "1987utc", "2049-05"])
@pytest.mark.parametrize("text", ["dalam 43 menit", "dlm 23 dtk", "kemarin", "15 menit lalu", "baru saja"])
def test_relative_result_without_portal_carries_base_offset(base: datetime, text: str) -> None:
    got = parse_date(text, base=base)
    assert got is not None
    assert got.utcoffset() == base.utcoffset()


def test_relative_result_with_portal_carries_portal_offset() -> None:
    base = FAR_BASES[0]
    got = parse_date("dalam 43 menit", portal="papua", base=base)
    assert got.utcoffset() == timedelta(hours=9)
    assert to_iso(got) == "2001-03-04T06:49:07+09:00"


def test_dateparser_relative_form_is_not_cached_as_absolute() -> None:
    clear_cache()
    a = parse_date("dlm 23 dtk", base=FAR_BASES[1])
    b = parse_date("dlm 23 dtk", base=FAR_BASES[1] + timedelta(days=400))
    assert b - a == timedelta(days=400)


def test_year_less_date_is_still_not_a_date() -> None:
    assert parse_date("12 Maret", base=FAR_BASES[0]) is None


def test_old_absolute_date_in_dateparser_form_reads_the_same_against_any_base() -> None:
    clear_cache()
    for base in FAR_BASES:
        assert to_iso(parse_date("13/12/1937", portal="jatim", base=base)) == "1937-12-13T00:00:00+07:00"


def test_long_relative_offsets_honour_base() -> None:
    base = FAR_BASES[0]
    got = parse_date("dalam 20 tahun", portal="bali", base=base)
    assert got is not None and got.year == base.year + 20
