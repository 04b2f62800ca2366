"""An identity provider in miniature for tests: signing keys made in process, their JWKS, and tokens they sign."""

import json
import time
import uuid
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls, kid: str | None = None, *, kty: Literal["RSA", "EC"] = "RSA") -> "SigningKey":
        private_key = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kty == "RSA"
            else ec.generate_private_key(ec.SECP256R1())
        )
        return cls(kid or uuid.uuid4().hex, private_key)

    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        if isinstance(public, rsa.RSAPublicKey):
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        # Like Entra ID's: no "alg", so the verifier infers it from the key type.
        return {**jwk, "kid": self.kid, "use": "sig"}


def jwks_document(*keys: SigningKey) -> str:
    return json.dumps({"keys": [key.public_jwk() for key in keys]})


def make_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    subject: str,
    expires_in: int | None = 300,
    kid: str | EllipsisType | None = ...,
    extra_claims: dict[str, Any] | None = None,
    algorithm: str = "RS256",
) -> str:
    """A signed token. kid defaults to the key's own; None leaves it out of the header. expires_in=None omits exp."""
    now = int(time.time())
    claims: dict[str, Any] = {"iss": issuer, "aud": audience, "sub": subject, "iat": now, "nbf": now}
    if expires_in is not None:
        claims["exp"] = now + expires_in
    claims.update(extra_claims or {})
    headers = {} if kid is None else {"kid": key.kid if kid is ... else kid}
    return jwt.encode(claims, key.private_key, algorithm=algorithm, headers=headers)
