"""Alembic runs migrations over the same async engine the services use."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.faults import ends_in_one_line, name_a_missing_database
from shared.models import Base
from shared.settings import asyncpg_url, get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return asyncpg_url(config.attributes.get("database_url") or get_settings().database_url)


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = name_a_missing_database(create_async_engine(database_url()))
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    with ends_in_one_line(database_url=database_url()):
        asyncio.run(run_online())
