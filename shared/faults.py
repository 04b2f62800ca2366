"""What keeps a process from its servers, said in one line an operator can act on: what is wrong and what to
do. The CLI and alembic end on it (no traceback), the worker waits saying it, the API answers with it."""

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.errors import Unavailable
from shared.local_servers import what_to_do
from shared.schema import SchemaNotAtHead
from shared.transient import sqlstate

INVALID_CATALOG_NAME = "3D000"
# SQLSTATE classes: 08 connection exception, 57P operator intervention (shutting down, starting up).
UNREACHABLE_SQLSTATE_PREFIXES = ("08", "57P")


def server(url: URL, default_port: int) -> str:
    """Host and port, or a unix socket's directory; never the credentials."""
    socket = url.query.get("host")
    if socket:
        return socket if isinstance(socket, str) else socket[0]
    return f"{url.host or 'localhost'}:{url.port or default_port}"


def name_a_missing_database(engine: AsyncEngine) -> AsyncEngine:
    """A database that does not exist is said to be missing, by name, wherever the engine is used: the driver's
    error would reach an API client as a 500 and an operator as a traceback."""
    url = engine.url

    def on_error(context: ExceptionContext) -> BaseException | None:
        error = context.sqlalchemy_exception
        if isinstance(error, DBAPIError) and sqlstate(error) == INVALID_CATALOG_NAME:
            return Unavailable(
                f'The database "{url.database}" does not exist on PostgreSQL at {server(url, 5432)}: create it and '
                "run the migrations, or set DATABASE_URL to the service's database."
            )
        return None

    event.listen(engine.sync_engine, "handle_error", on_error)
    return engine


def unreachable_database(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or sqlstate(error).startswith(UNREACHABLE_SQLSTATE_PREFIXES)
    # The driver raises the socket's own error (refused, no such host or socket, timed out) when it cannot connect.
    return isinstance(error, OSError)


def explain(error: BaseException, *, database_url: str, redis_url: str | None = None) -> str | None:
    """One line for an error that is a server's state rather than a bug; None for anything else."""
    if isinstance(error, SchemaNotAtHead | Unavailable):
        return str(error)
    if redis_url is not None and isinstance(error, RedisConnectionError | RedisTimeoutError):
        where = server(make_url(redis_url), 6379)
        return f"Redis at {where} cannot be reached ({type(error).__name__}): {what_to_do('REDIS_URL')}."
    if unreachable_database(error):
        where = server(make_url(database_url), 5432)
        return f"PostgreSQL at {where} cannot be reached ({type(error).__name__}): {what_to_do('DATABASE_URL')}."
    return None


@contextmanager
def ends_in_one_line(*, database_url: str, redis_url: str | None = None) -> Iterator[None]:
    """A command stopped by a server's state exits non-zero with its one line on standard error."""
    try:
        yield
    except Exception as error:
        reason = explain(error, database_url=database_url, redis_url=redis_url)
        if reason is None:
            raise
        raise SystemExit(reason) from None
