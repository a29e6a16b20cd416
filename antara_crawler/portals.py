"""The ANTARA portal registry: every regional portal plus ``www``.

Each portal is a subdomain of ``antaranews.com`` with its province and the zone label ANTARA prints on its
pages (WIB +07:00, WITA +08:00, WIT +09:00). The zone is used only for dates printed without a label
(listings, related items); a label printed on the page always wins (see ``dates.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

#: The three Indonesian zone labels and their fixed offsets (Indonesia has no daylight saving).
ZONES: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}

DOMAIN = "antaranews.com"


@dataclass(frozen=True, slots=True)
class Portal:
    name: str  # the subdomain, e.g. "babel"
    province: str
    zone: str  # "WIB", "WITA" or "WIT"

    @property
    def host(self) -> str:
        return f"{self.name}.{DOMAIN}"

    @property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @property
    def tz(self) -> timezone:
        return ZONES[self.zone]

    @property
    def utc_offset(self) -> timedelta:
        return self.tz.utcoffset(None)


_TABLE = [
    # name, province, zone  (SITE.md section 8)
    ("www", "Nasional", "WIB"),
    ("aceh", "Aceh", "WIB"),
    ("sumut", "Sumatera Utara", "WIB"),
    ("sumbar", "Sumatera Barat", "WIB"),
    ("riau", "Riau", "WIB"),
    ("kepri", "Kepulauan Riau", "WIB"),
    ("jambi", "Jambi", "WIB"),
    ("sumsel", "Sumatera Selatan", "WIB"),
    ("babel", "Kepulauan Bangka Belitung", "WIB"),
    ("bengkulu", "Bengkulu", "WIB"),
    ("lampung", "Lampung", "WIB"),
    ("banten", "Banten", "WIB"),
    ("megapolitan", "DKI Jakarta / Bodetabek", "WIB"),
    ("jabar", "Jawa Barat", "WIB"),
    ("jateng", "Jawa Tengah", "WIB"),
    ("jogja", "DI Yogyakarta", "WIB"),
    ("jatim", "Jawa Timur", "WIB"),
    ("kalbar", "Kalimantan Barat", "WIB"),
    ("kalteng", "Kalimantan Tengah", "WIB"),
    ("kalsel", "Kalimantan Selatan", "WITA"),
    ("kaltim", "Kalimantan Timur", "WITA"),
    ("kaltara", "Kalimantan Utara", "WITA"),
    ("bali", "Bali", "WITA"),
    ("mataram", "Nusa Tenggara Barat", "WITA"),
    ("kupang", "Nusa Tenggara Timur", "WITA"),
    ("makassar", "Sulawesi Selatan", "WITA"),
    ("sulteng", "Sulawesi Tengah", "WITA"),
    ("sultra", "Sulawesi Tenggara", "WITA"),
    ("manado", "Sulawesi Utara", "WITA"),
    ("gorontalo", "Gorontalo", "WITA"),
    ("ambon", "Maluku", "WIT"),
    ("papua", "Papua", "WIT"),
    ("papuatengah", "Papua Tengah", "WIT"),
    ("papuabarat", "Papua Barat", "WIT"),  # missing from the 2025 menu, still publishing
    # Kuala Lumpur bureau: the label ANTARA prints for it is unobserved; Malaysia is UTC+8, like WITA.
    ("kl", "Kuala Lumpur (biro)", "WITA"),
]

PORTALS: dict[str, Portal] = {name: Portal(name, province, zone) for name, province, zone in _TABLE}

#: Regional portals from the 2025-26 "Nusantara" menu (33), i.e. everything but www and papuabarat.
REGIONAL: tuple[str, ...] = tuple(n for n in PORTALS if n not in ("www", "papuabarat"))

#: Subdomains of antaranews.com that are not news portals.
NOT_PORTALS = frozenset({"m", "en", "img", "cdn", "video", "korporat", "ramadhan", "static"})

#: Default zone for an unknown portal.
DEFAULT_ZONE = "WIB"


def get(name: str) -> Portal | None:
    return PORTALS.get(name.lower()) if name else None


def tz_for(portal: str | None) -> timezone:
    """The zone of ``portal``'s own dates (WIB for www, unknown or missing portals)."""
    p = PORTALS.get(portal) if portal else None
    return p.tz if p else ZONES[DEFAULT_ZONE]


def parse_portal_list(spec: str) -> list[str]:
    """``"babel,sumbar"`` -> ``["babel", "sumbar"]``; ``"all"`` -> every portal (regional + www).

    Unknown names raise ``ValueError`` naming them, so a typo in a cron line fails loudly.
    """
    names = [s.strip().lower() for s in (spec or "").split(",") if s.strip()]
    if not names:
        raise ValueError("no portal given")
    if names == ["all"]:
        return list(PORTALS)
    if names == ["regional"]:
        return list(REGIONAL) + ["papuabarat"]
    unknown = [n for n in names if n not in PORTALS]
    if unknown:
        raise ValueError(f"unknown portal(s): {', '.join(unknown)}; known: {', '.join(PORTALS)}")
    return list(dict.fromkeys(names))
