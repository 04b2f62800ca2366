"""The servers `make run` started, found by every other command of this machine.

`make run` writes the URLs of the embedded PostgreSQL and Redis it started to `.data/servers.env` (only its
user may read it) and removes the file when it stops; the CLI, `make council`, `make client`, `make migrate`
and alembic read it for whichever of DATABASE_URL and REDIS_URL the environment does not name, so a newcomer
needs no settings. Only in development: production names its servers (shared.settings refuses it otherwise)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = ("DATABASE_URL", "REDIS_URL")


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", ROOT / ".data"))


def servers_file() -> Path:
    return data_dir() / "servers.env"


def write_private(path: Path, text: str) -> None:
    """Written readable by its owner alone (keys and connection strings), a file made earlier included."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def announce(urls: dict[str, str]) -> None:
    write_private(servers_file(), "".join(f"{name}={urls[name]}\n" for name in VARIABLES if name in urls))


def withdraw() -> None:
    servers_file().unlink(missing_ok=True)


def unset_urls() -> dict[str, str]:
    """The settings (by field name) of make run's servers that the environment leaves unset, in development."""
    if os.environ.get("ENVIRONMENT", "development").lower() != "development":
        return {}
    try:
        lines = servers_file().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    announced = dict(line.split("=", 1) for line in lines if "=" in line)
    return {name.lower(): announced[name] for name in VARIABLES if name in announced and name not in os.environ}


def what_to_do(variable: str) -> str:
    """How an operator brings back a server that cannot be reached, by where its URL came from."""
    if variable in os.environ:
        return f"start it, or set {variable} to one that is up"
    return f"start `make run` (the other commands find its servers by themselves), or set {variable}"
