"""Alembic environment: runs on the store's own connection (see models/migrate.py).

`scrapy db …` and `ReportStore.upgrade()` pass their connection in; given none (a Config
without one), it connects to `sqlalchemy.url`, else to the OGI_DATABASE_URL setting.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from models.engine import create_store_engine
from models.migrate import lock_migrations
from models.schema import VIEW_NAMES, metadata


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # The views are created by migrations as SQL; autogenerate must not take them for tables.
    return not (type_ == "table" and name in VIEW_NAMES)


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        lock_migrations(connection)
        context.run_migrations()


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    elif connection is not None:
        _configure(connection)
    else:
        url = context.config.get_main_option("sqlalchemy.url")
        if not url:
            # Only here: the project's settings import Scrapy (its default settings).
            import settings  # noqa: PLC0415

            url = settings.OGI_DATABASE_URL
        engine = create_store_engine(url)
        try:
            with engine.connect() as own_connection:
                _configure(own_connection)
        finally:
            engine.dispose()


_run()
