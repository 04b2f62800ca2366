"""Settings read from the environment; one object shared by the API, the worker and the CLI."""

from functools import lru_cache
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared import local_servers


def asyncpg_url(url: str) -> str:
    """Accept the plain postgresql:// form operators copy from their provider."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """The plain postgresql:// form, for asyncpg's own connect (the benchmarks and test fixtures)."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


DEVELOPMENT_PSEUDONYM_KEY = "development-only-pseudonym-key-never-for-real-children"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/needs"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Part of every recompute job's id, which the outbox keeps in 64 characters.
    queue_name: str = Field(default="needs:queue", min_length=1, max_length=32)
    log_level: str = "INFO"
    db_pool_size: int = Field(default=10, ge=1)
    worker_max_jobs: int = Field(default=10, ge=1)
    worker_job_timeout_seconds: int = Field(default=60, ge=1)
    worker_max_tries: int = Field(default=8, ge=1)
    # A dispatched request not done after this long is sent again by the sweep.
    outbox_stall_seconds: int = Field(default=30, ge=1)
    outbox_sweep_seconds: int = Field(default=10, ge=1)
    outbox_max_sends: int = Field(default=5, ge=1)
    outbox_retain_days: int = Field(default=7, ge=1)
    idempotency_retain_hours: int = Field(default=48, ge=1)
    # The Prometheus scraper's bearer token; metrics are off without one.
    metrics_token: SecretStr | None = Field(default=None, min_length=16)
    page_max_size: int = Field(default=1000, ge=1)
    # The HMAC key of child pseudonyms: changing it changes every pseudonym consumers hold.
    pseudonym_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_PSEUDONYM_KEY), min_length=32)
    # OAuth2 bearer tokens (JWT), e.g. from Microsoft Entra ID: off unless an issuer is set.
    oauth_issuer: str | None = None
    oauth_audience: str | None = None
    oauth_jwks_url: str | None = None
    oauth_jwks: str | None = Field(default=None, description="An inline JWKS document, instead of the URL")
    oauth_subject_claim: str = "sub"
    max_body_bytes: int = Field(default=5_000_000, ge=1024)
    # An SSDA903 return uploaded whole (POST /v1/admin/imports): a large council's is tens of megabytes.
    max_upload_bytes: int = Field(default=200_000_000, ge=1024)
    # Failed authentications per source address, and requests per client, per window; over either is a 429.
    auth_failure_limit: int = Field(default=20, ge=1)
    auth_failure_window_seconds: int = Field(default=300, ge=1)
    client_request_limit: int = Field(default=1200, ge=1)
    client_request_window_seconds: int = Field(default=60, ge=1)
    # A read's every statement is cut off after this long (a 503), so no read holds the database for long.
    read_statement_timeout_ms: int = Field(default=10_000, ge=1)
    # How long the API waits on each Redis call; after one goes unanswered, Redis is skipped for a second.
    redis_timeout_ms: int = Field(default=50, ge=1)
    # Reads of one client that aggregate a whole council (the cohort) at once; beyond, a 429.
    expensive_reads_per_client: int = Field(default=2, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    # People sign in to the web pages with the council's OpenID Connect provider (authorization code flow with
    # PKCE, e.g. Microsoft Entra ID): off unless an issuer is set. The roles claim names the person's role
    # (practitioner, manager, commissioner, admin, or provider_finance:<the council's provider id>); the council
    # is WEB_OIDC_COUNCIL, or the council claim's value where one provider serves several councils.
    web_oidc_issuer: str | None = None
    web_oidc_client_id: str | None = None
    web_oidc_client_secret: SecretStr | None = None
    web_oidc_council: str | None = None
    web_oidc_council_claim: str = "council"
    web_oidc_roles_claim: str = "roles"
    web_oidc_subject_claim: str = "sub"
    # The address people reach this service at, as the identity provider redirects back to it; not taken from
    # a request's Host header, which the caller chooses.
    web_public_url: str = "http://127.0.0.1:8000"
    web_session_idle_minutes: int = Field(default=30, ge=1)
    web_session_hours: int = Field(default=10, ge=1)
    # How long a one-time sign-in link (make run's demo links, the CLI's) can be used.
    web_sign_in_link_minutes: int = Field(default=60 * 24, ge=1)

    @field_validator("database_url")
    @classmethod
    def _asyncpg(cls, value: str) -> str:
        return asyncpg_url(value)

    @model_validator(mode="after")
    def _production_names_its_servers(self) -> Self:
        # The defaults point at this machine: right for development, a silent misconfiguration in production.
        missing = {"database_url", "redis_url"} - self.model_fields_set
        if self.environment == "production" and missing:
            names = ", ".join(sorted(env_name(name) for name in missing))
            raise ValueError(f"ENVIRONMENT=production needs {names} set explicitly")
        return self

    @model_validator(mode="after")
    def _real_pseudonym_key(self) -> Self:
        if self.environment != "development" and self.pseudonym_key.get_secret_value() == DEVELOPMENT_PSEUDONYM_KEY:
            raise ValueError(f"ENVIRONMENT={self.environment} needs PSEUDONYM_KEY set to a secret of 32+ characters")
        return self

    @model_validator(mode="after")
    def _oauth_complete(self) -> Self:
        if self.oauth_issuer is None:
            return self
        if self.oauth_audience is None or (self.oauth_jwks_url is None) == (self.oauth_jwks is None):
            raise ValueError("OAUTH_ISSUER needs OAUTH_AUDIENCE and exactly one of OAUTH_JWKS_URL or OAUTH_JWKS")
        return self

    @model_validator(mode="after")
    def _web_oidc_complete(self) -> Self:
        if self.web_oidc_issuer is not None and self.web_oidc_client_id is None:
            raise ValueError("WEB_OIDC_ISSUER needs WEB_OIDC_CLIENT_ID")
        # The identity provider sends people back to this address: left at the default, it would send them to
        # the machine they sit at.
        if self.environment == "production" and self.web_oidc_issuer and "web_public_url" not in self.model_fields_set:
            raise ValueError("WEB_OIDC_ISSUER needs WEB_PUBLIC_URL, the address people reach the service at")
        return self

    @property
    def pseudonym_key_bytes(self) -> bytes:
        return self.pseudonym_key.get_secret_value().encode()


def env_name(field: str) -> str:
    """The environment variable that sets a field, for messages that tell an operator what to change: the
    field's name in capitals, as pydantic-settings reads it with no prefix. An unknown field is a KeyError,
    so a message cannot name a variable nothing reads."""
    if field not in Settings.model_fields:
        raise KeyError(field)
    return field.upper()


@lru_cache
def get_settings() -> Settings:
    # Settings(...) alone, as the tests build theirs, never reads make run's servers.
    urls: dict[str, Any] = local_servers.unset_urls()
    return Settings(**urls)
