"""OAuth2 bearer tokens (JWT) checked against one identity provider's signing keys (JWKS).

Councils sign their staff and systems in through Microsoft Entra ID or a similar provider; the API accepts the
provider's access tokens instead of an API key. Only asymmetric algorithms are accepted: the keys are public, so
a symmetric algorithm would let anyone holding them mint tokens. Reasons for refusal are short fixed phrases and
never repeat any part of the token, so they are safe to log.
"""

import asyncio
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import jwt
import structlog

log = structlog.get_logger(__name__)

# Each published key is bound to one algorithm (its "alg", else RS256 for RSA and the curve's for EC), and a
# token must use that one, so allowing them all lets a provider choose without opening a confusion attack.
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
# However many tokens arrive with keys we don't know, the provider hears from us at most this often.
MIN_REFETCH_SECONDS = 60.0
# How many cache lifetimes fetched keys stay usable while the provider cannot be reached.
MAX_STALE_FACTOR = 24
FETCH_TIMEOUT_SECONDS = 5.0

_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments: a JWT, as opposed to an API key (`nlc_<prefix>_<secret>`, which has no dots).

    The signature segment may be empty so that an unsigned ("alg": "none") token reaches the verifier and is
    refused as such, rather than being mistaken for an API key."""
    return _JWT_SHAPE.fullmatch(token) is not None


def _parse_keys(document: Any) -> list[jwt.PyJWK]:
    if not isinstance(document, dict):
        raise ValueError("a JWKS document is a JSON object")
    # Keys meant for encryption are not ours to verify signatures with.
    usable = [key for key in document.get("keys", []) if isinstance(key, dict) and key.get("use", "sig") == "sig"]
    keys = [key for key in jwt.PyJWKSet(usable) if key.algorithm_name in ASYMMETRIC_ALGORITHMS]
    if not keys:
        raise ValueError("no asymmetric signing keys")
    return keys


class JwksSource:
    """Signing keys: fixed (an inline document) or fetched from the provider's JWKS URL and cached."""

    def __init__(
        self,
        *,
        keys: list[jwt.PyJWK] | None = None,
        url: str | None = None,
        cache_seconds: int = 3600,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys = keys or []
        self._url = url
        self._cache_seconds = cache_seconds
        self._http = http
        self._clock = clock
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_document(cls, text: str) -> "JwksSource":
        """Raises ValueError for a document with no usable signing key: a configuration mistake to stop at startup."""
        try:
            return cls(keys=_parse_keys(json.loads(text)))
        except (ValueError, jwt.PyJWTError) as error:
            raise ValueError(f"unusable JWKS document: {error}") from None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cache_seconds: int = 3600,
        http: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> "JwksSource":
        return cls(url=url, cache_seconds=cache_seconds, http=http, clock=clock)

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        if self._url is not None and self._wants_fetch(kid):
            async with self._lock:
                # Requests that queued behind a fetch use its result rather than fetching again.
                if self._wants_fetch(kid):
                    await self._refresh(self._url)
        if self._expired():
            raise InvalidToken("signing keys unavailable")
        key = self._find(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    def _expired(self) -> bool:
        """Fetched keys outlive a provider outage, but not for ever: a key the provider withdrew (after a
        compromise, say) must stop working even while its JWKS cannot be read."""
        if self._url is None or self._fetched_at is None:
            return False
        return self._clock() - self._fetched_at > MAX_STALE_FACTOR * self._cache_seconds

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        # A token without a kid is only unambiguous when the provider publishes a single key.
        if kid is None:
            return self._keys[0] if len(self._keys) == 1 else None
        return next((key for key in self._keys if key.key_id == kid), None)

    def _wants_fetch(self, kid: str | None) -> bool:
        stale = self._fetched_at is None or self._clock() - self._fetched_at >= self._cache_seconds
        return stale or self._find(kid) is None

    async def _refresh(self, url: str) -> None:
        now = self._clock()
        if self._attempted_at is not None and now - self._attempted_at < MIN_REFETCH_SECONDS:
            if not self._keys:
                raise InvalidToken("signing keys unavailable")
            return
        # Failures count too: an unreachable provider is not retried on every request.
        self._attempted_at = now
        try:
            keys = _parse_keys(await self._fetch(url))
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            # Keys we already hold stay in use: a provider outage should not lock every caller out.
            log.warning("jwks_fetch_failed", url=url, error=type(error).__name__, cached_keys=len(self._keys))
            if not self._keys:
                raise InvalidToken("signing keys unavailable") from None
            return
        self._keys = keys
        self._fetched_at = now

    async def _fetch(self, url: str) -> Any:
        if self._http is not None:
            response = await self._http.get(url, timeout=FETCH_TIMEOUT_SECONDS)
        else:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
                response = await client.get(url)
        response.raise_for_status()
        return response.json()


# Most specific first: several of PyJWT's errors derive from others.
REFUSAL_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not yet valid"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidSignatureError, "bad signature"),
    # The header names an allowed algorithm, but not the one the provider publishes this key for.
    (jwt.InvalidAlgorithmError, "disallowed algorithm"),
)


def refusal_reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"missing {error.claim}"
    return next((reason for kind, reason in REFUSAL_REASONS if isinstance(error, kind)), "malformed")


class TokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        source: JwksSource,
        *,
        algorithms: Sequence[str] = ASYMMETRIC_ALGORITHMS,
        leeway_seconds: int = 30,
    ) -> None:
        refused = set(algorithms) - set(ASYMMETRIC_ALGORITHMS)
        if refused or not algorithms:
            raise ValueError(f"only asymmetric algorithms may verify tokens, not {sorted(refused)}")
        self.issuer = issuer
        self.audience = audience
        self.source = source
        self.algorithms = tuple(algorithms)
        self.leeway_seconds = leeway_seconds

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, if the provider signed it for this API and it is in date; else InvalidToken."""
        if not looks_like_jwt(token):
            raise InvalidToken("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed") from None
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("malformed")
        # Checked before looking up the key, so a forged algorithm costs no fetch from the provider.
        if header.get("alg") not in self.algorithms:
            raise InvalidToken("disallowed algorithm")
        key = await self.source.key_for(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(self.algorithms),
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(refusal_reason(error)) from None
        return claims
