"""Which failures are worth retrying: the database or network was briefly unavailable, or a
transaction lost a race. Anything else is a bug and fails the job for good."""

from sqlalchemy.exc import DBAPIError

# SQLSTATE classes: 08 connection exception, 40 transaction rollback (serialization, deadlock),
# 53 insufficient resources, 57P operator intervention (e.g. a terminated backend or a restart).
TRANSIENT_SQLSTATE_PREFIXES = ("08", "40", "53", "57P")


def sqlstate(error: DBAPIError) -> str:
    original = error.orig
    return str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")


def is_transient(error: BaseException) -> bool:
    if isinstance(error, (OSError, TimeoutError, ConnectionError)):
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or sqlstate(error).startswith(TRANSIENT_SQLSTATE_PREFIXES)
    return False


def backoff_seconds(job_try: int) -> float:
    return float(min(2 ** (job_try - 1), 60))
