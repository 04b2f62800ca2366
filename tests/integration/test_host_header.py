"""The Host header is the caller's to write: nothing the API answers names the host it claimed. Paging links are
relative to the request, and a path with a trailing slash is not redirected."""

import re
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, run_worker, years_ago

HOSTILE = {"Host": "attacker.example"}
PAGED = (
    ("/v1/scores/needs-summary", {}),
    ("/v1/scores/needs-trends", {}),
    ("/v1/scores/needs-trends", {"format": "csv"}),
    ("/v1/scores/cohort", {}),
)


def next_target(response: httpx.Response) -> str:
    found = re.fullmatch(r'<([^>]*)>; rel="next"', response.headers["Link"])
    assert found, response.headers["Link"]
    return found.group(1)


async def test_paging_links_are_relative_whatever_host_the_request_claims(
    api: httpx.AsyncClient, council: Council, app: FastAPI, settings: Settings
) -> None:
    for n in range(3):
        await add_child(api, council.headers, f"H{n}")
        rated = await api.post(
            "/v1/assessments", json=assessment(f"H{n}", f"A{n}", years_ago(1)), headers=council.headers
        )
        assert rated.status_code == 201, rated.text
    await run_worker(settings, app)
    for path, params in PAGED:
        first = await api.get(path, params={"limit": 1, **params}, headers=council.bi | HOSTILE)
        assert first.status_code == 200, first.text
        assert "attacker.example" not in str(first.headers), path
        target = next_target(first)
        assert target.startswith(f"{path}?"), target
        # Followed from where the caller really is, the link gives the next page.
        second = await api.get(target, headers=council.bi)
        assert second.status_code == 200 and second.headers["content-type"] == first.headers["content-type"], target
        assert second.text != first.text, target
        assert parse_qs(urlsplit(target).query)["cursor"] == [first.headers["X-Next-Cursor"]]


async def test_a_trailing_slash_is_not_found_rather_than_redirected(api: httpx.AsyncClient, council: Council) -> None:
    for path in ("/v1/scores/needs-summary/", "/v1/children/C1/", "/v1/admin/audit/", "/healthz/"):
        response = await api.get(path, headers=council.admin | HOSTILE)
        assert response.status_code == 404, (path, response.status_code)
        assert "location" not in response.headers
        assert "attacker.example" not in str(response.headers) + response.text
