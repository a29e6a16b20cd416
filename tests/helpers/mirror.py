"""The default offline mirror, built once per test session (a pytest plugin, registered in ``tests/conftest.py``).

* ``site``: the manifest of the default mirror (``build_site`` with :data:`DEFAULT_MIRROR`: 12 articles on each
  default portal, seed 1), for tests that only read it. A module that needs another mirror (more articles, multi-page
  articles, other portals) defines its own ``site`` fixture, which overrides this one in that module.
* ``mirror``: that mirror served by one ``MirrorServer`` for the whole session, without faults or delay, for tests
  that neither change the server (``faults``, ``delay``) nor read what it served (``requests``, ``count``): those
  start their own ``MirrorServer(site.root, ...)``, whose request log holds only their own crawl.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.site.build import SiteManifest, build_site
from tests.site.server import MirrorServer

#: the arguments of ``build_site`` for the default mirror
DEFAULT_MIRROR = {"articles_per_portal": 12, "seed": 1}


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteManifest:
    """The default mirror, built once; read it, never write into it."""
    return build_site(tmp_path_factory.mktemp("mirror"), **DEFAULT_MIRROR)


@pytest.fixture(scope="session")
def mirror(site: SiteManifest) -> Iterator[MirrorServer]:
    """The default mirror served on 127.0.0.1 for the whole session (shared: leave its faults and delay alone)."""
    with MirrorServer(site.root) as server:
        yield server
