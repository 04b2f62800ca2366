"""Engine and session factory; one session per request or job, committed once at the edge."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import any_, bindparam, event, exc, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from shared.faults import name_a_missing_database
from shared.settings import Settings


def make_engine(settings: Settings, *, statement_timeout_ms: int | None = None) -> AsyncEngine:
    """statement_timeout_ms: every statement's limit unless a transaction lifts it (the API's reads are
    bounded so, its writes lift it); a connection setting, so a read costs no round trip to set it."""
    server_settings = {} if statement_timeout_ms is None else {"statement_timeout": str(statement_timeout_ms)}
    engine = create_async_engine(
        settings.database_url,
        # Up to twice DB_POOL_SIZE open at once, as before, but every one kept once opened: an overflow
        # connection was closed as soon as it was returned, so a steady load above the pool size opened and
        # closed a connection (TLS attempt, authentication, type introspection, no cached statements) for
        # most of its requests.
        pool_size=2 * settings.db_pool_size,
        max_overflow=0,
        connect_args={"server_settings": server_settings},
        # Error texts would otherwise carry bound values (children's ids, free text) into tracebacks and logs.
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "checkout", refuse_closed)
    return name_a_missing_database(engine)


def refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Instead of a ping (a round trip on every checkout): asyncpg reads its socket all the time, so a
    connection the server closed (a restart) is marked closed, and the pool replaces it."""
    if dbapi_connection._connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session whose work commits on success and rolls back on any exception."""
    async with sessions() as session, session.begin():
        yield session


async def named_lock(db: AsyncSession, name: str) -> None:
    """A lock on `name` until the transaction ends: another transaction taking it waits until then."""
    await db.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))


@asynccontextmanager
async def one_snapshot(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A read-only session whose every query sees the database as its first query found it (REPEATABLE
    READ): reads spread over several queries then agree with each other, whatever commits meanwhile."""
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
        yield session


DRIVER = "db.driver"


async def driver(db: AsyncSession) -> Any:
    """The session's asyncpg connection, in the session's transaction, for the few statements every request
    runs (the key lookup, the audit row) and the hottest reads (a child's trends, a page of scores): written as
    SQL and sent as they are, since SQLAlchemy's building, caching and result processing cost several times
    the database's own work on them."""
    # Kept for the session's transaction: a request runs several of these, and asking the session for its
    # connection each time cost more than the statements' own Python.
    transaction = db.sync_session.get_transaction()
    kept = db.info.get(DRIVER)
    if kept is not None and transaction is not None and kept[0] is transaction and transaction.is_active:
        return kept[1]
    connection = await (await db.connection()).get_raw_connection()
    adapted: Any = connection.dbapi_connection
    # SQLAlchemy's adapter sends BEGIN with the first statement it runs, unless autocommitting.
    if adapted._transaction is None and adapted.isolation_level != "autocommit":
        await adapted._start_transaction()
    db.info[DRIVER] = (db.sync_session.get_transaction(), connection.driver_connection)
    return connection.driver_connection


def unsynced(statement: Any) -> Any:
    """A bulk DELETE or UPDATE of rows no session holds as objects: without this the ORM asks for every row's key
    back (RETURNING) to expire it, seconds of work for a nation's figures."""
    return statement.execution_options(synchronize_session=False)


def among(column: Any, values: Iterable[Any], item_type: Any) -> Any:
    """column = ANY(:values), one array parameter however many values (IN would bind one each)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(item_type)))
