"""Bearer tokens: what is accepted, what is refused and why, and how often the identity provider is asked for keys."""

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.api.tokens import InvalidToken, JwksSource, TokenVerifier, looks_like_jwt
from tests.jwt_keys import SigningKey, jwks_document, make_token

ISSUER = "https://login.microsoftonline.com/5f1c0d5e-0000-4000-8000-000000000001/v2.0"
AUDIENCE = "api://needs-led-care"
JWKS_URL = "https://login.microsoftonline.com/common/discovery/v2.0/keys"

KEY = SigningKey.generate("key-1")
EC_KEY = SigningKey.generate("key-ec", kty="EC")
IMPOSTOR = SigningKey.generate("key-1")  # same kid as KEY, different private key
ROTATED = SigningKey.generate("key-2")


def token(key: SigningKey = KEY, **overrides: Any) -> str:
    arguments: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "subject": "client-7"} | overrides
    return make_token(key, **arguments)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    """A token PyJWT would refuse to make: unsigned, or signed with an HMAC keyed by the public key."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b"" if sign is None else sign(signing_input.encode())
    return f"{signing_input}.{b64(signature)}"


def valid_claims() -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token(), options={"verify_signature": False})
    return claims


async def refusal(verifier: TokenVerifier, credential: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        await verifier.verify(credential)
    return caught.value.reason


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, JwksSource.from_document(jwks_document(KEY, EC_KEY)))


async def test_a_valid_token_returns_its_claims(verifier: TokenVerifier) -> None:
    claims = await verifier.verify(token(extra_claims={"roles": ["Needs.Read"]}))
    assert claims["sub"] == "client-7"
    assert claims["roles"] == ["Needs.Read"]
    assert claims["iss"] == ISSUER


async def test_an_ec_key_verifies_es256_tokens(verifier: TokenVerifier) -> None:
    claims = await verifier.verify(token(EC_KEY, algorithm="ES256", subject="client-ec"))
    assert claims["sub"] == "client-ec"


async def test_a_token_without_kid_verifies_when_the_provider_publishes_one_key() -> None:
    single = TokenVerifier(ISSUER, AUDIENCE, JwksSource.from_document(jwks_document(KEY)))
    assert (await single.verify(token(kid=None)))["sub"] == "client-7"


async def test_a_token_without_kid_is_refused_when_the_key_is_ambiguous(verifier: TokenVerifier) -> None:
    assert await refusal(verifier, token(kid=None)) == "unknown signing key"


async def test_clock_skew_within_the_leeway_is_tolerated(verifier: TokenVerifier) -> None:
    assert (await verifier.verify(token(expires_in=-10)))["sub"] == "client-7"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"issuer": "https://sts.windows.net/another-tenant/"}, "wrong issuer"),
        ({"audience": "api://another-service"}, "wrong audience"),
        ({"expires_in": -120}, "expired"),
        ({"extra_claims": {"nbf": 2**40}}, "not yet valid"),
        ({"expires_in": None}, "missing exp"),
        ({"key": IMPOSTOR}, "bad signature"),
        ({"key": ROTATED}, "unknown signing key"),
        ({"key": KEY, "kid": "key-ec"}, "disallowed algorithm"),  # an RSA signature presented for the EC key
    ],
)
async def test_tokens_at_fault_are_refused_with_the_reason(
    verifier: TokenVerifier, overrides: dict[str, Any], reason: str
) -> None:
    credential = token(**overrides)
    refused = await refusal(verifier, credential)
    assert refused == reason
    assert credential.split(".")[1] not in refused


@pytest.mark.parametrize("claim", ["iss", "aud"])
async def test_tokens_without_issuer_or_audience_are_refused(verifier: TokenVerifier, claim: str) -> None:
    claims = {name: value for name, value in valid_claims().items() if name != claim}
    credential = jwt.encode(claims, KEY.private_key, algorithm="RS256", headers={"kid": KEY.kid})
    assert await refusal(verifier, credential) == f"missing {claim}"


async def test_an_unsigned_token_is_refused(verifier: TokenVerifier) -> None:
    credential = handmade({"alg": "none", "kid": KEY.kid}, valid_claims())
    assert looks_like_jwt(credential)
    assert await refusal(verifier, credential) == "disallowed algorithm"


async def test_hs256_signed_with_the_public_key_is_refused(verifier: TokenVerifier) -> None:
    # The classic confusion attack: the public key is public, so if it were accepted as an HMAC secret anyone
    # could mint tokens.
    public_pem = KEY.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    credential = handmade(
        {"alg": "HS256", "typ": "JWT", "kid": KEY.kid},
        valid_claims(),
        sign=lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )
    assert await refusal(verifier, credential) == "disallowed algorithm"


@pytest.mark.parametrize("algorithms", [("HS256",), ("RS256", "none"), ()])
def test_a_verifier_cannot_be_configured_with_symmetric_or_no_algorithms(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        TokenVerifier(ISSUER, AUDIENCE, JwksSource.from_document(jwks_document(KEY)), algorithms=algorithms)


@pytest.mark.parametrize(
    "credential",
    [
        "",
        "not a token",
        "nlc_0123456789ab_secret",
        "a.b",
        "a.b.c.d",
        "a.b.c",  # the right shape, but no JSON inside
        f"{b64(b'[1, 2]')}.{b64(b'{}')}.sig",  # a header that is not an object
        f"{b64(json.dumps({'alg': 'RS256', 'kid': 7}).encode())}.{b64(b'{}')}.sig",
        jwt.PyJWS().encode(b"not json", KEY.private_key, algorithm="RS256", headers={"kid": KEY.kid}),  # signed
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln=",  # padding is not base64url as JWTs use it
    ],
)
async def test_malformed_credentials_are_refused(verifier: TokenVerifier, credential: str) -> None:
    assert await refusal(verifier, credential) == "malformed"


def test_looks_like_jwt_tells_tokens_from_api_keys() -> None:
    assert looks_like_jwt(token())
    assert not looks_like_jwt("nlc_0123456789ab_Zm9vYmFyLWJhei1xdXV4LXNlY3JldC12YWx1ZQ")
    assert not looks_like_jwt("Bearer " + token())


@pytest.mark.parametrize(
    "document",
    ["not json", "[]", '{"keys": []}', json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}]})],
)
def test_a_document_without_asymmetric_signing_keys_is_a_configuration_error(document: str) -> None:
    with pytest.raises(ValueError, match="unusable JWKS document"):
        JwksSource.from_document(document)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class IdentityProvider:
    """The provider's JWKS endpoint, counting the requests it serves."""

    def __init__(self, *keys: SigningKey) -> None:
        self.document = jwks_document(*keys)
        self.requests = 0
        self.down = False

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        await asyncio.sleep(0.01)  # a network round trip, during which other requests arrive
        assert str(request.url) == JWKS_URL
        if self.down:
            return httpx.Response(503, text="Service Unavailable")
        return httpx.Response(200, text=self.document, headers={"content-type": "application/json"})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def idp() -> IdentityProvider:
    return IdentityProvider(KEY)


@pytest.fixture
async def remote(idp: IdentityProvider, clock: Clock) -> AsyncIterator[TokenVerifier]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(idp.handle)) as http:
        source = JwksSource.from_url(JWKS_URL, cache_seconds=3600, http=http, clock=clock)
        yield TokenVerifier(ISSUER, AUDIENCE, source)


async def test_keys_are_fetched_once_for_many_tokens(remote: TokenVerifier, idp: IdentityProvider) -> None:
    for subject in ("a", "b", "c", "d", "e"):
        assert (await remote.verify(token(subject=subject)))["sub"] == subject
    assert idp.requests == 1


async def test_concurrent_first_requests_share_one_fetch(remote: TokenVerifier, idp: IdentityProvider) -> None:
    claims = await asyncio.gather(*(remote.verify(token(subject=f"s{n}")) for n in range(20)))
    assert [c["sub"] for c in claims] == [f"s{n}" for n in range(20)]
    assert idp.requests == 1


async def test_keys_are_fetched_again_when_the_cache_expires(
    remote: TokenVerifier, idp: IdentityProvider, clock: Clock
) -> None:
    await remote.verify(token())
    clock.now += 3599
    await remote.verify(token())
    assert idp.requests == 1
    clock.now += 1
    await remote.verify(token())
    assert idp.requests == 2


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    remote: TokenVerifier, idp: IdentityProvider, clock: Clock
) -> None:
    await remote.verify(token())
    idp.document = jwks_document(KEY, ROTATED)
    clock.now += 61
    assert (await remote.verify(token(ROTATED, subject="after-rotation")))["sub"] == "after-rotation"
    assert idp.requests == 2
    assert (await remote.verify(token()))["sub"] == "client-7"  # the old key still works
    assert idp.requests == 2


async def test_unknown_kids_refetch_at_most_once_a_minute(
    remote: TokenVerifier, idp: IdentityProvider, clock: Clock
) -> None:
    await remote.verify(token())
    clock.now += 61
    for n in range(50):
        assert await refusal(remote, token(kid=f"random-{n}")) == "unknown signing key"
        clock.now += 2
    # Fifty unknown kids over a hundred seconds: one fetch at start, one at 61 s, one a minute later.
    assert idp.requests == 3
    assert (await remote.verify(token()))["sub"] == "client-7"


async def test_no_keys_when_the_provider_is_down_at_start(
    remote: TokenVerifier, idp: IdentityProvider, clock: Clock
) -> None:
    idp.down = True
    for _ in range(10):
        assert await refusal(remote, token()) == "signing keys unavailable"
    assert idp.requests == 1  # failures are throttled too
    idp.down = False
    clock.now += 60
    assert (await remote.verify(token()))["sub"] == "client-7"
    assert idp.requests == 2


async def test_an_unreachable_provider_is_unavailable(clock: Clock) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(unreachable)) as http:
        verifier = TokenVerifier(ISSUER, AUDIENCE, JwksSource.from_url(JWKS_URL, http=http, clock=clock))
        assert await refusal(verifier, token()) == "signing keys unavailable"


async def test_cached_keys_outlive_a_provider_outage(
    remote: TokenVerifier, idp: IdentityProvider, clock: Clock
) -> None:
    await remote.verify(token())
    idp.down = True
    clock.now += 3600
    assert (await remote.verify(token()))["sub"] == "client-7"
    assert idp.requests == 2


async def test_cached_keys_stop_once_the_outage_outlasts_a_day_of_cache_lifetimes(
    remote: TokenVerifier, idp: IdentityProvider, clock: Clock
) -> None:
    await remote.verify(token())
    idp.down = True
    clock.now += 23 * 3600
    assert (await remote.verify(token()))["sub"] == "client-7"
    clock.now += 2 * 3600
    assert await refusal(remote, token()) == "signing keys unavailable"
    idp.down = False
    clock.now += 60
    assert (await remote.verify(token()))["sub"] == "client-7"
