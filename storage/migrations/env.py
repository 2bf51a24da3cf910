"""Alembic environment: runs against the engine handed over by storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine, text

from storage.migrate import include_object
from storage.models import Base

config = context.config
target_metadata = Base.metadata
# Several instances starting together on PostgreSQL migrate one after the other: the others
# wait for this transaction-scoped lock, then find the schema up to date.
MIGRATION_LOCK = 7_401_202_611


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("run migrations with `python -m bot migrate`")
    return create_engine(url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            context.run_migrations()
        connection.commit()


run_migrations_online()
