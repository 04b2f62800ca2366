"""Signing in to the web pages, driven as a browser would drive it but without one: the identity provider's
answers that must not start a session (another sign-in's nonce, another issuer, a state this browser did not
start), the provider down and then back, a one-time link posted from another site, and a session cookie,
which is no credential for the API itself."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.api.web import oidc, sessions
from services.api.web.oidc import ATTEMPT_COOKIE
from services.api.web.roles import Role
from services.api.web.sessions import SESSION_COOKIE
from shared.db import transaction
from shared.settings import Settings
from tests.browser.identity_provider import CLIENT_ID, Identity, MiniIdentityProvider, serving
from tests.conftest import Council, state_of
from tests.integration.access_helpers import client_of, dedicated_app, fresh_window

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Web:
    app: FastAPI
    client: httpx.AsyncClient
    idp: MiniIdentityProvider


@pytest_asyncio.fixture(loop_scope="session")
async def web(settings: Settings, council: Council) -> AsyncIterator[Web]:
    identities = {"manager": Identity("m-9", council.code, ["manager"])}
    async with serving(MiniIdentityProvider(identities)) as idp:
        oidc_settings = {
            "web_oidc_issuer": idp.issuer,
            "web_oidc_client_id": CLIENT_ID,
            "web_public_url": "http://test",
        }
        async with dedicated_app(settings, **oidc_settings) as application, client_of(application) as client:
            yield Web(application, client, idp)


def cookie(name: str, value: str) -> dict[str, str]:
    # httpx keeps a Secure cookie for https only; a browser sends these to the service's own address.
    return {"Cookie": f"{name}={value}"}


async def through_the_provider(web: Web, who: str = "manager", state: str | None = None) -> httpx.Response:
    """The callback's answer after `who` signs in at the provider: a browser's round trip, step by step."""
    started = await web.client.get("/web/sign-in/start")
    assert started.status_code == 303, started.text
    asked = dict(parse_qsl(urlsplit(started.headers["location"]).query))
    async with httpx.AsyncClient() as browser:
        granted = await browser.post(f"{web.idp.issuer}/authorize", data=asked | {"who": who})
    back = urlsplit(granted.headers["location"])
    query = back.query if state is None else back.query.replace(f"state={asked['state']}", f"state={state}")
    return await web.client.get(f"{back.path}?{query}", headers=cookie(ATTEMPT_COOKIE, started.cookies[ATTEMPT_COOKIE]))


async def test_a_sign_in_at_the_provider_starts_a_session_of_the_persons_role(web: Web) -> None:
    answer = await through_the_provider(web)
    assert answer.status_code == 303 and answer.headers["location"] == "/web/"
    token = answer.cookies[SESSION_COOKIE]
    page = await web.client.get("/web/overview", headers=cookie(SESSION_COOKIE, token))
    assert page.status_code == 200 and "Signed in to" in page.text and "as Manager" in page.text


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("wrong_nonce", "for another sign-in"),
        ("token_issuer", "could not be verified"),
    ],
)
async def test_an_id_token_for_another_sign_in_or_from_another_issuer_signs_no_one_in(
    web: Web, fault: str, said: str
) -> None:
    setattr(web.idp, fault, "https://elsewhere.example" if fault == "token_issuer" else True)
    answer = await through_the_provider(web)
    assert answer.status_code == 403 and said in answer.text
    assert SESSION_COOKIE not in answer.cookies


async def test_an_answer_to_a_sign_in_this_browser_did_not_start_is_refused(web: Web) -> None:
    answer = await through_the_provider(web, state="forged-state")
    assert answer.status_code == 400 and SESSION_COOKIE not in answer.cookies


async def test_a_provider_down_is_said_at_once_and_its_return_is_noticed(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oidc, "RETRY_SECONDS", 0.3)
    web.idp.discovery_down = True
    down = await web.client.get("/web/sign-in/start")
    assert down.status_code == 503 and "could not be reached" in down.text
    web.idp.discovery_down = False
    # Within the retry wait the provider is not asked again: each sign-in is told at once.
    assert (await web.client.get("/web/sign-in/start")).status_code == 503
    await asyncio.sleep(0.35)
    assert (await web.client.get("/web/sign-in/start")).status_code == 303


async def test_a_one_time_link_posted_from_another_site_signs_no_one_in_and_stays_usable(
    web: Web, council: Council
) -> None:
    async with transaction(state_of(web.app).sessions) as db:
        token = await sessions.new_link(db, council.la_id, Role.MANAGER, None, 5)
    forged = await web.client.post(f"/web/sign-in/link/{token}", headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403 and SESSION_COOKIE not in forged.cookies
    own = await web.client.post(f"/web/sign-in/link/{token}", headers={"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 303 and SESSION_COOKIE in own.cookies


async def test_a_session_cookie_is_no_credential_for_the_api(web: Web) -> None:
    token = (await through_the_provider(web)).cookies[SESSION_COOKIE]
    answer = await web.client.get("/v1/scores/cohort", headers=cookie(SESSION_COOKIE, token))
    assert answer.status_code == 401


async def test_pages_answer_bad_addresses_and_values_in_html(web: Web) -> None:
    token = (await through_the_provider(web)).cookies[SESSION_COOKIE]
    signed = cookie(SESSION_COOKIE, token)
    for path, status in (
        ("/web/no-such-page", 404),
        ("/web/contracts/X/statements/not-a-day", 404),
        ("/web/overview?as_at=31/12/2025", 400),
        ("/web/overview?as_at=2999-01-01", 422),
    ):
        answer = await web.client.get(path, headers=signed)
        assert (answer.status_code, answer.headers["content-type"]) == (status, "text/html; charset=utf-8"), path
    future = await web.client.get("/web/overview?as_at=2999-01-01", headers=signed)
    assert "cannot be as at a day to come" in future.text


async def test_a_child_with_a_space_and_an_accent_in_its_id_and_no_placement_has_a_journey(
    web: Web, council: Council
) -> None:
    child_id = f"AB 12é-{uuid.uuid4().hex[:4]}"
    body = {"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI", "uasc": False}
    created = await web.client.put(f"/v1/children/{quote(child_id)}", json=body, headers=council.headers)
    assert created.status_code == 201, created.text
    async with transaction(state_of(web.app).sessions) as db:
        link = await sessions.new_link(db, council.la_id, Role.PRACTITIONER, None, 5)
    signed = cookie(SESSION_COOKIE, (await web.client.post(f"/web/sign-in/link/{link}")).cookies[SESSION_COOKIE])
    form = await web.client.get("/web/children", headers=signed)
    csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    found = await web.client.post("/web/children", data={"csrf": csrf, "child_id": child_id}, headers=signed)
    assert found.status_code == 303 and found.headers["location"] == f"/web/children/{created.json()['pseudonym']}"
    journey = await web.client.get(found.headers["location"], headers=signed)
    assert journey.status_code == 200, journey.text[-2000:]
    assert "No decision figures yet" in journey.text


async def test_links_that_sign_no_one_in_are_throttled_by_address(settings: Settings) -> None:
    limit, window = 2, 300
    async with dedicated_app(settings, auth_failure_limit=limit, auth_failure_window_seconds=window) as application:
        async with client_of(application, address="192.0.2.7") as client:
            await fresh_window(window, needed=5)
            statuses = [(await client.post(f"/web/sign-in/link/{'x' * 40}{n}")).status_code for n in range(limit + 1)]
            assert statuses == [403] * limit + [429]
        async with client_of(application, address="192.0.2.8") as other:
            assert (await other.post(f"/web/sign-in/link/{'x' * 41}")).status_code == 403
