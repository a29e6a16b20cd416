"""The archive's newest schema revision, in a module of its own so that a reader can check it without importing
SQLAlchemy or Alembic (``scrapy gaps``).

Bump :data:`HEAD_REVISION` with every new migration in ``migrations/versions``;
``tests/store/test_store_migrations.py`` fails until it names Alembic's head. An archive already at this revision
is opened without importing Alembic at all; any other revision is migrated by Alembic (``store/engine.py``).
"""

HEAD_REVISION = "0009"
