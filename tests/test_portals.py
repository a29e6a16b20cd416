from datetime import timedelta

import pytest

from antara_crawler import portals


def test_registry_has_every_regional_portal_of_the_menu_plus_www():
    assert len(portals.REGIONAL) == 33
    assert "www" in portals.PORTALS
    assert "papuabarat" in portals.PORTALS  # older menus, still valid


@pytest.mark.parametrize(
    ("name", "zone", "hours"),
    [
        ("babel", "WIB", 7),
        ("sumbar", "WIB", 7),
        ("makassar", "WITA", 8),
        ("bali", "WITA", 8),
        ("papua", "WIT", 9),
        ("ambon", "WIT", 9),
        ("www", "WIB", 7),
    ],
)
def test_portal_zone_and_offset(name, zone, hours):
    portal = portals.PORTALS[name]
    assert portal.zone == zone
    assert portal.utc_offset == timedelta(hours=hours)


def test_every_portal_has_a_province_and_a_known_zone():
    for portal in portals.PORTALS.values():
        assert portal.province
        assert portal.zone in portals.ZONES
        assert portal.host == f"{portal.name}.antaranews.com"


def test_tz_for_unknown_portal_is_wib():
    assert portals.tz_for("nowhere").utcoffset(None) == timedelta(hours=7)
    assert portals.tz_for(None).utcoffset(None) == timedelta(hours=7)


def test_parse_portal_list():
    assert portals.parse_portal_list("babel, sumbar,babel") == ["babel", "sumbar"]
    assert len(portals.parse_portal_list("all")) == len(portals.PORTALS)


def test_parse_portal_list_rejects_unknown_names():
    with pytest.raises(ValueError, match="babell"):
        portals.parse_portal_list("babel,babell")
