"""The archives the command tests run on: the fixtures of the module tests of the same commands' libraries."""

from tests.store.test_export import db_path  # noqa: F401  (the fixture archive as a file)
from tests.store.test_search import db_url  # noqa: F401  (the fixture archive on each backend)
