"""Every test under ``tests/e2e/`` runs real ``scrapy crawl`` subprocesses against the offline mirror: the folder sets
the ``e2e`` marker (``make test-fast`` deselects it), so its modules need no ``pytestmark`` of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)
