"""The web pages in a real Chromium against the API as its image starts it, people signing in through an
OpenID Connect provider (tests/browser/identity_provider.py) to the demo council: every page for every role,
checked by axe-core and saved as a screenshot; what a role may not see is a 404; the figures in a chart's
table are the API's; a statement's CSV is the API's; keyboard use, sign-out, an expired session, a form from
elsewhere, one-time links, and the audit trail of what a person saw."""

import asyncio
import csv
import io
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page

from services.api import demo
from services.api.clients.schemas import ClientIn
from services.api.web.sessions import SESSION_COOKIE
from shared.access import Kind
from shared.db import transaction
from shared.demo_data import PROVIDERS, generate_demo_council
from shared.settings import Settings
from tests.browser.identity_provider import Identity, MiniIdentityProvider, serving
from tests.browser.pages import SCREENSHOTS, Watched, checked_page, chromium
from tests.conftest import new_client, new_council, state_of
from tests.integration.cli_runner import cli
from tests.integration.helpers import DOMAINS, run_worker
from tests.integration.shipped import free_port, shipped_api_process

pytestmark = pytest.mark.asyncio(loop_scope="session")
PROVIDER, OTHER_PROVIDER = PROVIDERS[0].external_id, PROVIDERS[1].external_id
CONTRACT = "DEMO-PBNR"
# A placement costs file whose rows the import rejects, each for its own reason: a report with rows to show.
COSTS_FILE = "\n".join(
    [
        "CHILD,DECOM,PLACEMENT_ID,WEEKLY_COST,FUNDING_SOCIAL_CARE,FUNDING_HEALTH,FUNDING_EDUCATION,PROVIDER",
        f"NOT-A-CHILD,01/05/2022,,650,1,0,0,{PROVIDER}",
        "DEMO-000001,01/05/2022,,650,1,0,0,NOT-A-PROVIDER",
    ]
)
# Each role's pages, its start page first.
ROLE_PAGES = {
    "practitioner": ["/web/children"],
    "manager": [
        "/web/overview",
        "/web/overview?by=placement_group",
        "/web/overview/over-time",
        "/web/decision-support",
        "/web/decision-support/savings",
        "/web/decision-support/sufficiency",
        "/web/children",
    ],
    "commissioner": ["/web/overview", "/web/contracts", f"/web/contracts/{CONTRACT}"],
    "admin": ["/web/overview", "/web/data"],
    "provider": ["/web/contracts", f"/web/contracts/{CONTRACT}", "/web/placed-children"],
}
# What each role may not see: the same 404 as a page that does not exist.
FORBIDDEN = {
    "practitioner": [
        "/web/overview",
        "/web/decision-support",
        "/web/decision-support/sufficiency",
        "/web/contracts",
        "/web/data",
    ],
    "manager": ["/web/data", "/web/placed-children"],
    "provider": [
        "/web/overview",
        "/web/children",
        "/web/data",
        "/web/decision-support",
        "/web/decision-support/savings",
    ],
    "other_provider": [f"/web/contracts/{CONTRACT}", f"/web/contracts/{CONTRACT}/statements/2025-01-01/csv"],
}


@dataclass
class Site:
    url: str
    council: str
    la_id: uuid.UUID
    idp: MiniIdentityProvider
    browser: Browser
    bi: dict[str, str]
    provider: dict[str, str]
    admin: dict[str, str]
    periods: list[str]
    foreign_pseudonym: str
    log: Path
    import_id: str

    async def signed_in(self, who: str) -> tuple[BrowserContext, Watched]:
        """A new browser, signed in as `who` through the identity provider; on the role's start page."""
        context = await self.browser.new_context(accept_downloads=True)
        watched = Watched(await context.new_page())
        page = watched.page
        await page.goto(f"{self.url}/web/")
        assert page.url == f"{self.url}/web/sign-in"
        await page.get_by_role("button", name="Sign in with your council account").click()
        await page.click(f"button[value='{who}']")
        await page.wait_for_load_state()
        return context, watched


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(app: FastAPI, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # this run's pages only
    code = f"WEB{uuid.uuid4().hex[:8].upper()}"
    async with transaction(state_of(app).sessions) as db:
        council = await demo.load(db, generate_demo_council(DOMAINS), date.today(), settings.pseudonym_key_bytes, code)
    await run_worker(settings, app)
    other = await new_council(app)
    child = await httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t").put(
        "/v1/children/FOREIGN-1",
        json={"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI", "uasc": False},
        headers=other.headers,
    )
    identities = {
        "practitioner": Identity("p-1", code, ["practitioner"]),
        "manager": Identity("m-1", code, ["manager"]),
        "commissioner": Identity("c-1", code, ["commissioner"]),
        "admin": Identity("a-1", code, ["admin"]),
        "provider": Identity("f-1", code, [f"provider_finance:{PROVIDER}"]),
        "other_provider": Identity("f-2", code, [f"provider_finance:{OTHER_PROVIDER}"]),
        "nobody": Identity("n-1", code, ["reader"]),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    bi = await new_client(app, council.id, ClientIn(name="bi", kind=Kind.BI))
    provider = await new_client(app, council.id, ClientIn(name="p", kind=Kind.PROVIDER, provider_id=PROVIDER))
    admin = await new_client(app, council.id, ClientIn(name="a", kind=Kind.ADMIN))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as api:
        files = [("files", ("costs.csv", COSTS_FILE.encode(), "text/csv"))]
        imported = await api.post("/v1/admin/imports", files=files, data={"kind": "costs"}, headers=admin)
        assert imported.status_code == 202, imported.text
    await run_worker(settings, app)
    async with serving(MiniIdentityProvider(identities)) as idp:
        env = idp.settings_env() | {"WEB_PUBLIC_URL": url}
        log = tmp_path_factory.mktemp("web") / "api.log"
        async with shipped_api_process(settings, log, port=port, extra_env=env) as shipped, chromium() as browser:
            listed = (await shipped.client.get(f"/v1/contracts/{CONTRACT}/statements", headers=provider)).json()
            periods = [row["period_start"] for row in listed]
            foreign = child.json()["pseudonym"]
            import_id = imported.json()["id"]
            yield Site(url, code, council.id, idp, browser, bi, provider, admin, periods, foreign, log, import_id)


async def find_child(page: Page, child_id: str) -> None:
    """As a practitioner finds a child: the council's id typed into the form, and posted."""
    await page.fill("#child_id", child_id)
    await page.get_by_role("button", name="Show the child's journey").click()
    await page.wait_for_load_state()


def roles_pages(site: Site) -> dict[str, list[str]]:
    statement = f"/web/contracts/{CONTRACT}/statements/{site.periods[-1]}"
    more = {"commissioner": [statement], "provider": [statement], "admin": [f"/web/data/imports/{site.import_id}"]}
    return {role: [*pages, *more.get(role, [])] for role, pages in ROLE_PAGES.items()}


async def test_every_page_for_every_role_renders_accessibly_from_the_service_alone(site: Site) -> None:
    starts = {
        "practitioner": "/web/children",
        "manager": "/web/overview",
        "commissioner": "/web/overview",
        "admin": "/web/overview",
        "provider": "/web/contracts",
    }
    for role, pages in roles_pages(site).items():
        context, watched = await site.signed_in(role)
        page = watched.page
        assert page.url == site.url + starts[role], role
        for path in pages:
            response = await page.goto(site.url + path)
            assert response is not None and response.status == 200, (role, path)
            assert await page.locator("h1").count() == 1
            await checked_page(watched, role)
        await context.close()


async def test_a_journey_shows_every_domain_as_a_chart_and_a_table(site: Site) -> None:
    context, watched = await site.signed_in("practitioner")
    page = watched.page
    await find_child(page, "DEMO-000001")
    assert "/web/children/ps_" in page.url
    assert await page.locator("svg#profile-chart title").text_content() == (
        "Needs at baseline and at the latest assessment, every domain"
    )
    rows = await page.locator("#profile-table tbody tr").count()
    assert rows == len(DOMAINS) == await page.locator("svg[id^='levels-']").count()
    await checked_page(watched, "practitioner-journey")
    await context.close()

    # A provider's finance officer reaches the journeys of the children placed with it, and only those.
    context, watched = await site.signed_in("provider")
    page = watched.page
    await page.goto(f"{site.url}/web/placed-children")
    await page.locator("#placed-table tbody a").first.click()
    await page.wait_for_load_state()
    assert await page.locator("#profile-table tbody tr").count() == len(DOMAINS)
    assert await page.locator("#placements-table").count() == 0, "the council's placement records are not a provider's"
    await checked_page(watched, "provider-journey")
    await context.close()


async def test_what_a_role_may_not_see_is_a_404(site: Site) -> None:
    for who, paths in FORBIDDEN.items():
        context, watched = await site.signed_in(who)
        for path in paths:
            response = await watched.page.goto(site.url + path)
            assert response is not None and response.status == 404, (who, path)
            assert await watched.page.locator("h1").inner_text() == "Page not found"
        await context.close()
    context, watched = await site.signed_in("manager")
    foreign = await watched.page.goto(f"{site.url}/web/children/{site.foreign_pseudonym}")
    assert foreign is not None and foreign.status == 404
    missing = await watched.page.goto(f"{site.url}/web/contracts/{CONTRACT}/statements/1999-01-01")
    assert missing is not None and missing.status == 404
    await context.close()


async def test_an_identity_without_a_role_is_not_signed_in(site: Site) -> None:
    context, watched = await site.signed_in("nobody")
    assert await watched.page.locator("h1").inner_text() == "You could not be signed in"
    response = await watched.page.goto(f"{site.url}/web/overview")
    assert response is not None and watched.page.url == f"{site.url}/web/sign-in"
    await context.close()


async def test_the_overview_tables_are_the_apis_figures(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url) as api:
        cohort = (await api.get("/v1/scores/cohort", params={"limit": 1000}, headers=site.bi)).json()["items"]
        reliable = (await api.get("/v1/scores/cohort-children", headers=site.bi)).json()["items"][0]
    context, watched = await site.signed_in("manager")
    page = watched.page
    shown = await page.eval_on_selector_all(
        "#cohort-table tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))"
    )
    expected = [
        [
            row["domain"].replace("_", " ").capitalize(),
            str(row["children_counted"]),
            str(row["actionable_count"]),
            f"{row['actionable_prevalence'] * 100:.1f}%",
        ]
        for row in cohort
    ]
    assert [cells[:4] for cells in shown] == expected
    # The chart's description carries the same prevalence, bar by bar.
    described = await page.locator("#prevalence-chart desc").text_content()
    assert described == "; ".join(
        f"{row['domain'].replace('_', ' ')}: {round(row['actionable_prevalence'] * 100, 1):g}%" for row in cohort
    )
    assert await page.locator("a.app-api-link").first.get_attribute("href") == "/v1/scores/cohort?limit=1000"
    headline = await page.locator("#headline").inner_text()
    improved, of = reliable["reliably_improved_count"], reliable["children_with_verdict"]
    assert f"{reliable['reliably_improved_share'] * 100:.1f}% ({improved} of {of} with a verdict)" in headline
    await context.close()


async def test_a_statements_csv_download_is_the_apis_csv(site: Site) -> None:
    period = site.periods[-1]
    async with httpx.AsyncClient(base_url=site.url) as api:
        expected = await api.get(
            f"/v1/contracts/{CONTRACT}/statements/{period}", params={"format": "csv"}, headers=site.provider
        )
        statement = (await api.get(f"/v1/contracts/{CONTRACT}/statements/{period}", headers=site.provider)).json()
    context, watched = await site.signed_in("provider")
    page = watched.page
    await page.goto(f"{site.url}/web/contracts/{CONTRACT}/statements/{period}")
    assert await page.locator("#lines-table tbody tr").count() == max(len(statement["lines"]), 1)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download the lines as CSV").click()
    download = await download_info.value
    saved = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert saved == expected.content
    assert len(list(csv.DictReader(io.StringIO(saved.decode("utf-8-sig"))))) == len(statement["lines"])
    assert download.suggested_filename.startswith(f"statement-{CONTRACT}-{period}")
    await context.close()


async def test_the_keyboard_reaches_the_content_and_every_section(site: Site) -> None:
    context, watched = await site.signed_in("manager")
    page = watched.page
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.innerText") == "Skip to main content"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main-content"
    await page.goto(f"{site.url}/web/overview")
    for _ in range(10):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.innerText") == "Decision support":
            break
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{site.url}/web/decision-support")
    await context.close()


async def test_signing_out_ends_the_session_on_the_server(site: Site) -> None:
    context, watched = await site.signed_in("commissioner")
    page = watched.page
    cookie = next(c for c in await context.cookies() if c["name"] == SESSION_COOKIE)
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Lax")
    await page.get_by_role("button", name="Sign out").click()
    assert page.url == f"{site.url}/web/sign-in?notice=signed-out"
    # The cookie put back by hand is worth nothing now.
    await context.add_cookies([cookie])
    await page.goto(f"{site.url}/web/contracts")
    assert page.url == f"{site.url}/web/sign-in?notice=ended"
    await context.close()


async def test_a_session_ends_after_its_idle_and_absolute_timeouts(app: FastAPI, site: Site) -> None:
    for column, age in (("last_seen_at", "31 minutes"), ("created_at", "10 hours 1 minute")):
        context, watched = await site.signed_in("manager")
        async with transaction(state_of(app).sessions) as db:
            connection = await db.connection()
            await connection.exec_driver_sql(
                f"UPDATE web_sessions SET {column} = now() - interval '{age}' "
                "WHERE actor = 'person:m-1' AND ended_at IS NULL"
            )
        await watched.page.goto(f"{site.url}/web/decision-support")
        assert watched.page.url == f"{site.url}/web/sign-in?notice=ended", column
        assert "Your session has ended" in await watched.page.inner_text("main")
        await context.close()


async def test_a_form_without_the_sessions_token_changes_nothing(site: Site) -> None:
    context, watched = await site.signed_in("admin")
    refused = await context.request.post(f"{site.url}/web/sign-out", form={"csrf": "forged"})
    assert refused.status == 403
    still = await watched.page.goto(f"{site.url}/web/data")
    assert still is not None and still.status == 200
    await context.close()


async def test_a_persons_page_views_are_audited_under_their_name(site: Site) -> None:
    context, watched = await site.signed_in("practitioner")
    await find_child(watched.page, "DEMO-000002")
    pseudonym = watched.page.url.rsplit("/", 1)[1]
    await watched.page.get_by_role("button", name="Sign out").click()
    await context.close()
    async with httpx.AsyncClient(base_url=site.url) as api:
        events = (await api.get("/v1/admin/audit", params={"limit": 200}, headers=site.admin)).json()["items"]
    seen = [event for event in events if event["actor"] == "person:p-1"]
    routes = {event["route"] for event in seen}
    assert {"GET /v1/children/{child_id}/series", "GET /v1/children/{child_id}/decision-support"} <= routes
    assert {"POST /web/sign-in", "POST /web/sign-out"} <= routes
    assert all(event["client_kind"] == "case_management" for event in seen)
    # The child the person looked at is named, by pseudonym, on the reads of its records.
    assert any(pseudonym in event["children"] for event in seen if event["route"].endswith("/series"))


async def test_a_one_time_link_signs_in_once(site: Site, settings: Settings) -> None:
    made = await cli(settings, "sign-in-links", site.council, "manager", env={"WEB_PUBLIC_URL": site.url})
    assert made.code == 0, made.err
    role, link = made.out.split()
    assert role == "manager" and link.startswith(f"{site.url}/web/sign-in/link/")
    for attempt in ("first", "again"):
        context = await site.browser.new_context()
        page = await context.new_page()
        await page.goto(link)
        await page.click("button:has-text('Sign in')")
        heading = await page.locator("h1").inner_text()
        assert heading == ("Council overview" if attempt == "first" else "You could not be signed in"), attempt
        await context.close()


async def test_the_api_log_names_no_child_of_the_pages_people_saw(site: Site) -> None:
    context, watched = await site.signed_in("practitioner")
    await watched.page.goto(f"{site.url}/web/children")
    await find_child(watched.page, "DEMO-000003")
    pseudonym = watched.page.url.rsplit("/", 1)[1]
    await context.close()
    logged = await asyncio.to_thread(site.log.read_text)
    assert '"route": "/web/children/{pseudonym}"' in logged
    assert pseudonym.startswith("ps_") and pseudonym not in logged and "DEMO-000003" not in logged


async def test_an_imports_report_shows_every_row_the_api_reports(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url) as api:
        report = await api.get(f"/v1/admin/imports/{site.import_id}/report", headers=site.admin)
    findings = report.json()["items"]
    assert {"missing-child", "unknown-provider"} <= {finding["rule"] for finding in findings}
    context, watched = await site.signed_in("admin")
    page = watched.page
    await page.goto(f"{site.url}/web/data")
    await page.locator("#imports-table tbody a").first.click()
    await page.wait_for_load_state()
    shown = await page.eval_on_selector_all(
        "#findings-table tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))"
    )
    assert shown == [
        [f"costs.csv, row {f['row']}", f["severity"].capitalize(), f["column"] or "", f["rule"], f["reason"]]
        for f in findings
    ]
    await context.close()


async def test_decision_support_and_over_time_show_the_apis_rows(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.url) as api:
        decided = await api.get("/v1/scores/decision-support", params={"limit": 1000}, headers=site.bi)
        valued = await api.get("/v1/scores/value", params={"limit": 1000, "high_cost": "true"}, headers=site.bi)
        moves = await api.get("/v1/scores/savings", params={"limit": 1000}, headers=site.bi)
        profiles = await api.get("/v1/scores/sufficiency", headers=site.bi)
        now = await api.get("/v1/scores/cohort", params={"limit": 1000}, headers=site.bi)
    rows = decided.json()["items"]
    candidates = sorted(row["child_pseudonym"] for row in rows if row["step_down"] == "candidate")
    at_risk = sorted(row["child_pseudonym"] for row in rows if row["stability_flags"])
    high_cost = sorted(row["child_pseudonym"] for row in valued.json()["items"])
    assert candidates and at_risk, "the demo council has children on both lists"
    context, watched = await site.signed_in("manager")
    page = watched.page

    async def first_cells(table: str) -> list[str]:
        cells: list[str] = await page.eval_on_selector_all(
            f"#{table} tbody tr th", "cells => cells.map(c => c.innerText.trim())"
        )
        return cells

    await page.goto(f"{site.url}/web/decision-support")
    assert sorted(await first_cells("candidates-table")) == candidates
    assert sorted(await first_cells("risk-table")) == at_risk
    assert sorted(await first_cells("high-cost-table")) == high_cost
    await page.goto(f"{site.url}/web/decision-support/savings")
    assert len(await first_cells("savings-table")) == len(moves.json()["items"])
    await page.goto(f"{site.url}/web/decision-support/sufficiency")
    assert len(await first_cells("sufficiency-table")) == len(profiles.json()["items"])
    await page.goto(f"{site.url}/web/overview/over-time")
    shown = await page.eval_on_selector_all(
        "#over-time-table tbody tr", "rows => rows.map(r => [...r.children].map(c => c.innerText.trim()))"
    )
    # The last column is now: the same prevalence as the cohort figures now.
    assert [(cells[0], cells[-1]) for cells in shown] == [
        (row["domain"].replace("_", " ").capitalize(), f"{row['actionable_prevalence'] * 100:.1f}%")
        for row in now.json()["items"]
    ]
    await context.close()
