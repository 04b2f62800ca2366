"""Settings: production must name its servers; the plain postgresql:// form operators copy is accepted."""

import pytest
from pydantic import ValidationError

from shared.settings import Settings, env_name


def test_production_refuses_to_start_on_the_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL, REDIS_URL"):
        Settings(environment="production")
    assert Settings(environment="development").redis_url == "redis://127.0.0.1:6379/0"


def test_production_with_its_servers_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://needs@db.internal:5432/needs")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("PSEUDONYM_KEY", "a-real-secret-of-at-least-32-characters")
    settings = Settings(environment="production")
    assert settings.database_url == "postgresql+asyncpg://needs@db.internal:5432/needs"


def test_an_empty_or_short_metrics_token_is_refused() -> None:
    for token in ("", "short"):
        with pytest.raises(ValidationError, match="metrics_token"):
            Settings(metrics_token=token)


def test_outside_development_the_default_pseudonym_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://needs@db.internal:5432/needs")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    for environment in ("production", "test"):
        with pytest.raises(ValidationError, match="PSEUDONYM_KEY"):
            Settings(environment=environment)
    with pytest.raises(ValidationError, match="pseudonym_key"):
        Settings(pseudonym_key="too-short")
    assert Settings(environment="development").pseudonym_key_bytes  # development runs on the default


def test_oauth_needs_an_audience_and_one_source_of_keys() -> None:
    with pytest.raises(ValidationError, match="OAUTH_AUDIENCE"):
        Settings(oauth_issuer="https://login.example/tenant/v2.0", oauth_jwks='{"keys": []}')
    with pytest.raises(ValidationError, match="exactly one"):
        Settings(oauth_issuer="https://login.example/tenant/v2.0", oauth_audience="api://needs")


def test_a_message_names_a_setting_by_the_variable_that_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env_name("client_request_limit"), "7")
    assert Settings().client_request_limit == 7
    with pytest.raises(KeyError):
        env_name("client_request_limt")


def test_web_sign_in_needs_its_registration_and_in_production_the_address_people_come_back_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issuer = "https://login.example/tenant/v2.0"
    with pytest.raises(ValidationError, match="WEB_OIDC_CLIENT_ID"):
        Settings(web_oidc_issuer=issuer)
    monkeypatch.setenv("DATABASE_URL", "postgresql://needs@db.internal:5432/needs")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    monkeypatch.setenv("PSEUDONYM_KEY", "a-real-secret-of-at-least-32-characters")
    monkeypatch.delenv("WEB_PUBLIC_URL", raising=False)
    with pytest.raises(ValidationError, match="WEB_PUBLIC_URL"):
        Settings(environment="production", web_oidc_issuer=issuer, web_oidc_client_id="app")
    settings = Settings(
        environment="production",
        web_oidc_issuer=issuer,
        web_oidc_client_id="app",
        web_public_url="https://needs.example",
    )
    assert settings.web_public_url == "https://needs.example"
