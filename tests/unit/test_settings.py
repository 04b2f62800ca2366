"""Settings: production must name its servers; the plain postgresql:// form operators copy is accepted."""

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_production_refuses_to_start_on_the_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL, REDIS_URL"):
        Settings(environment="production")
    assert Settings(environment="development").redis_url == "redis://127.0.0.1:6379/0"


def test_production_with_its_servers_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://needs@db.internal:5432/needs")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    settings = Settings(environment="production")
    assert settings.database_url == "postgresql+asyncpg://needs@db.internal:5432/needs"


def test_an_empty_or_short_metrics_token_is_refused() -> None:
    for token in ("", "short"):
        with pytest.raises(ValidationError, match="metrics_token"):
            Settings(metrics_token=token)
