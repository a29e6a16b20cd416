"""Alembic environment for the archive. Configured programmatically by :func:`antara_crawler.store.engine.upgrade`.

The caller passes an open SQLAlchemy connection in ``config.attributes["connection"]``; migrations run inside the
caller's transaction. Offline (``--sql``) mode renders SQL for the URL in ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context

config = context.config


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("the archive migrations need config.attributes['connection'] (see store.archive.upgrade)")
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
