"""The servers `make run` announces are found by every other command when the environment names none; the
environment, and production, always win; the file is its owner's alone."""

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import local_servers
from shared.faults import explain
from shared.settings import get_settings

ANNOUNCED = {
    "DATABASE_URL": "postgresql+asyncpg://postgres:@/needs?host=/run/embedded",
    "REDIS_URL": "redis://127.0.0.1:40123/0",
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_cli_reaches_the_servers_make_run_announced(data_dir: Path) -> None:
    local_servers.announce(ANNOUNCED)
    assert stat.S_IMODE((data_dir / "servers.env").stat().st_mode) == 0o600
    settings = get_settings()
    assert (settings.database_url, settings.redis_url) == (ANNOUNCED["DATABASE_URL"], ANNOUNCED["REDIS_URL"])


def test_a_url_the_environment_names_wins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local_servers.announce(ANNOUNCED)
    monkeypatch.setenv("DATABASE_URL", "postgresql://needs@db.internal:5432/needs")
    settings = get_settings()
    assert settings.database_url == "postgresql+asyncpg://needs@db.internal:5432/needs"
    assert settings.redis_url == ANNOUNCED["REDIS_URL"]


def test_production_never_takes_a_development_server(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local_servers.announce(ANNOUNCED)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("PSEUDONYM_KEY", "a-real-secret-of-at-least-32-characters")
    with pytest.raises(ValueError, match="DATABASE_URL, REDIS_URL"):
        get_settings()


def test_once_make_run_stops_the_defaults_stand_and_an_unreachable_server_says_to_start_it(data_dir: Path) -> None:
    local_servers.announce(ANNOUNCED)
    local_servers.withdraw()
    settings = get_settings()
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/needs"
    said = explain(ConnectionRefusedError(111, "refused"), database_url=settings.database_url)
    assert said is not None and "\n" not in said
    assert said.startswith("PostgreSQL at 127.0.0.1:5432 cannot be reached") and "start `make run`" in said


def test_a_server_the_environment_named_is_to_be_started_or_named_again(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://needs@db.internal:5432/needs")
    said = explain(ConnectionRefusedError(111, "refused"), database_url="postgresql://needs@db.internal:5432/needs")
    assert said is not None and "make run" not in said and "set DATABASE_URL to one that is up" in said


def test_a_file_written_readable_by_all_is_made_private_when_written_again(data_dir: Path) -> None:
    keys = data_dir / "demo-api-keys"
    keys.write_text("old\n")
    keys.chmod(0o644)
    local_servers.write_private(keys, "admin nlc_x\n")
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600 and keys.read_text() == "admin nlc_x\n"
