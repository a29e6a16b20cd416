"""Session-wide test setup: the throwaway PostgreSQL and Redis servers, the default offline mirror
(``tests/helpers/mirror.py``: fixtures ``site`` and ``mirror``), and the archive backends switch.

A test that asks for ``archive_url`` runs once per archive backend: a fresh SQLite file and, unless switched off, a
fresh PostgreSQL database on the session's throwaway server (skipped when PostgreSQL is not installed). Choose the
backends with ``--archive-backends=sqlite,postgresql`` or ``ANTARA_TEST_BACKENDS`` (default: both).
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.helpers.servers", "tests.helpers.commands", "tests.helpers.mirror"]

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--archive-backends",
        default=os.environ.get("ANTARA_TEST_BACKENDS", ",".join(BACKENDS)),
        help="comma-separated archive backends for tests using the archive_url fixture (sqlite, postgresql)",
    )


def _backends(config: pytest.Config) -> list[str]:
    chosen = [b.strip() for b in str(config.getoption("--archive-backends")).split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BACKENDS]
    if unknown:
        raise pytest.UsageError(f"unknown archive backend(s) {unknown}; choose among {', '.join(BACKENDS)}")
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "archive_backend" in metafunc.fixturenames:
        params = [
            pytest.param(b, id=b, marks=[pytest.mark.postgres] if b == "postgresql" else [])
            for b in _backends(metafunc.config)
        ]
        metafunc.parametrize("archive_backend", params)


@pytest.fixture
def archive_url(archive_backend: str, request: pytest.FixtureRequest, tmp_path) -> str:
    """A SQLAlchemy URL of an empty archive on the backend under test."""
    if archive_backend == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'archive' / 'antara.db'}"
