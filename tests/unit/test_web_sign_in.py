"""The sign-in's pieces that need no server: PKCE's S256, the signed attempt cookie, and roles from claims."""

import dataclasses
import time

from services.api.web.oidc import Attempt, pkce_challenge, sealed, unsealed
from services.api.web.roles import Role, role_claimed
from shared.settings import Settings

SETTINGS = Settings(pseudonym_key="a-test-pseudonym-key-of-at-least-32-characters")


def test_the_pkce_challenge_is_rfc_7636s_s256() -> None:
    # RFC 7636, appendix B.
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_an_attempt_comes_back_only_as_this_service_sealed_it_and_only_for_ten_minutes() -> None:
    attempt = Attempt.new()
    cookie = sealed(attempt, SETTINGS)
    assert unsealed(cookie, SETTINGS) == attempt
    body, signature = cookie.rsplit(".", 1)
    assert unsealed(f"{body}x.{signature}", SETTINGS) is None
    other = Settings(pseudonym_key="another-test-pseudonym-key-of-32-characters!")
    assert unsealed(cookie, other) is None
    stale = dataclasses.replace(attempt, started=time.time() - 601)
    assert unsealed(sealed(stale, SETTINGS), SETTINGS) is None
    assert unsealed(None, SETTINGS) is None and unsealed("no-dot", SETTINGS) is None


def test_of_several_roles_the_most_senior_is_taken_whatever_the_claims_order() -> None:
    assert role_claimed(["reader", "manager", "admin"]) == (Role.ADMIN, None)
    assert role_claimed(["practitioner", "commissioner"]) == role_claimed(["commissioner", "practitioner"])
    assert role_claimed("practitioner") == (Role.PRACTITIONER, None)
    assert role_claimed(["provider_finance:PROV-9"]) == (Role.PROVIDER_FINANCE, "PROV-9")
    assert role_claimed(["provider_finance:PROV-9", "manager"]) == (Role.MANAGER, None)


def test_no_role_is_taken_from_a_claim_that_grants_none_or_leaves_the_provider_a_guess() -> None:
    # A provider finance role must name its provider, and only one.
    assert role_claimed(["provider_finance", "provider_finance:"]) is None
    assert role_claimed(["provider_finance:PROV-9", "provider_finance:PROV-8"]) is None
    assert role_claimed([7, None, "Manager"]) is None
    assert role_claimed(None) is None
