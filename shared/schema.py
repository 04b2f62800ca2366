"""Whether the database's schema is the one this release was written for: the migrations' head."""

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
MIGRATE = "run the migrations (alembic upgrade head)"


class SchemaNotAtHead(Exception):
    """Its text says what the schema is at and what to do."""


@lru_cache(maxsize=1)
def migrations() -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(ALEMBIC_INI)))


def migration_head() -> str | None:
    return migrations().get_current_head()


def schema_problem(current: str | None) -> str | None:
    """None at head; otherwise what is wrong and what to do, in one sentence."""
    head = migration_head()
    if current == head:
        return None
    if current is None:
        return f"The database has no schema yet: {MIGRATE}."
    if current not in {revision.revision for revision in migrations().walk_revisions()}:
        # Migrating would not help: a later release's migrations ran, and this release's code predates them.
        return (
            f"The database schema is at {current}, which this release does not know: run the release that migrated it."
        )
    return f"The database schema is at {current} and this release needs {head}: {MIGRATE}."


async def current_revision(connection: AsyncConnection) -> str | None:
    if not await connection.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL")):
        return None
    revision: str | None = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    return revision


async def require_head(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        problem = schema_problem(await current_revision(connection))
    if problem is not None:
        raise SchemaNotAtHead(problem)
