"""The web pages' speed (issue 18): a council of WEB_CHILDREN (2,000) demo children, its figures computed by
the full recompute (the CLI, as an operator runs it) and the database settled as autovacuum leaves it (its
statistics taken), then every page of every role fetched through a real API process, signed in by one-time
link: each page's p50 and p95 over WEB_REPEATS (20) views after a first view, and that first view's time
apart (what a person waits when the council's figures changed since the page's figures were last aggregated:
the cohort figures are kept in Redis until then). The national
benchmark (bench.national_recompute) times the council overview of the national set's largest council with
`overview_of_largest_council` below.

`make bench` runs it; DATABASE_URL / REDIS_URL name servers, or embedded ones are started."""

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import httpx
from sqlalchemy import func, select

from bench.load import api_processes
from bench.scratch import full_recompute, scratch_servers, settle
from services.api import demo
from services.api.web import sessions as web_sessions
from services.api.web.roles import Role
from shared.db import make_engine, make_sessionmaker, transaction
from shared.demo_data import DEMO_PROVIDER_ID, generate_demo_council
from shared.instruments import shipped_instrument
from shared.models import Child, ChildNeedsTrend, PaymentStatement, Placement, Provider
from shared.settings import Settings

CHILDREN = int(os.environ.get("WEB_CHILDREN", "2000"))
REPEATS = int(os.environ.get("WEB_REPEATS", "20"))
PSEUDONYM_KEY = "bench-web-pages-synthetic-children-only"


async def signed_in_cookie(
    settings: Settings, url: str, la_id: uuid.UUID, role: Role, provider_pk: uuid.UUID | None
) -> str:
    """A session of the role, begun as a person would: a one-time link, posted."""
    engine = make_engine(settings)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            token = await web_sessions.new_link(db, la_id, role, provider_pk, 60)
    finally:
        await engine.dispose()
    async with httpx.AsyncClient(base_url=url) as browser:
        answer = await browser.post(f"/web/sign-in/link/{token}")
        assert answer.status_code == 303, answer.text
        return str(answer.cookies[web_sessions.SESSION_COOKIE])


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def page_times(url: str, cookie: str, path: str, repeats: int) -> tuple[float, list[float]]:
    """The first view's seconds, then each of `repeats` more."""
    headers = {"Cookie": f"{web_sessions.SESSION_COOKIE}={cookie}"}
    times = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as browser:
        for _ in range(repeats + 1):
            began = time.perf_counter()
            answer = await browser.get(path)
            times.append(time.perf_counter() - began)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return times[0], times[1:]


@contextmanager
def api(settings: Settings) -> Iterator[str]:
    with api_processes(settings, 1) as (port, _):
        yield f"http://127.0.0.1:{port}"


async def pages_of(settings: Settings, la_id: uuid.UUID, provider_pk: uuid.UUID) -> dict[Role, list[str]]:
    engine = make_engine(settings)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            # A child placed with the provider now: its journey is one both the council and the provider see.
            pseudonym = await db.scalar(
                select(Child.pseudonym)
                .join(Placement, Placement.child_pk == Child.id)
                .where(Placement.provider_id == provider_pk, Placement.end_date.is_(None))
                .limit(1)
            )
            period = await db.scalar(
                select(func.max(PaymentStatement.period_start)).where(PaymentStatement.la_id == la_id)
            )
    finally:
        await engine.dispose()
    statement = f"/web/contracts/DEMO-PBNR/statements/{period}"
    return {
        Role.PRACTITIONER: ["/web/children", f"/web/children/{pseudonym}"],
        Role.MANAGER: [
            "/web/overview",
            "/web/overview?by=placement_group",
            "/web/overview/over-time",
            "/web/decision-support",
            "/web/decision-support/savings",
            "/web/decision-support/sufficiency",
        ],
        Role.COMMISSIONER: ["/web/contracts", "/web/contracts/DEMO-PBNR", statement],
        Role.ADMIN: ["/web/data"],
        Role.PROVIDER_FINANCE: ["/web/contracts", statement, f"/web/children/{pseudonym}"],
    }


async def measure(settings: Settings, url: str, la_id: uuid.UUID, provider_pk: uuid.UUID) -> None:
    worst = 0.0
    for role, paths in (await pages_of(settings, la_id, provider_pk)).items():
        cookie = await signed_in_cookie(
            settings, url, la_id, role, provider_pk if role is Role.PROVIDER_FINANCE else None
        )
        for path in paths:
            first, times = await page_times(url, cookie, path, REPEATS)
            p95 = percentile(times, 0.95)
            worst = max(worst, p95)
            print(
                f"  {role.value:<16} {path[:60]:<60} first {first * 1000:6.0f} ms, "
                f"p50 {percentile(times, 0.5) * 1000:5.0f} ms, p95 {p95 * 1000:5.0f} ms",
                flush=True,
            )
    print(f"slowest page p95: {worst * 1000:.0f} ms (target 300 ms)")


async def load_council(settings: Settings) -> tuple[uuid.UUID, uuid.UUID]:
    engine = make_engine(settings)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            generated = generate_demo_council(shipped_instrument().domains, children=CHILDREN)
            council = await demo.load(db, generated, date.today(), PSEUDONYM_KEY.encode())
            provider = await db.scalar(
                select(Provider.id).where(Provider.la_id == council.id, Provider.external_id == DEMO_PROVIDER_ID)
            )
            assert provider is not None
            return council.id, provider
    finally:
        await engine.dispose()


async def overview_of_largest_council(settings: Settings) -> str:
    """The council overview of the council with the most children, as its manager sees it: first view and
    p50 and p95 of WEB_REPEATS more, through a real API process."""
    engine = make_engine(settings)
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            counted = func.count()
            la_id, children = (
                await db.execute(
                    select(ChildNeedsTrend.la_id, counted)
                    .group_by(ChildNeedsTrend.la_id)
                    .order_by(counted.desc())
                    .limit(1)
                )
            ).one()
    finally:
        await engine.dispose()
    with api(settings) as url:
        cookie = await signed_in_cookie(settings, url, la_id, Role.MANAGER, None)
        first, times = await page_times(url, cookie, "/web/overview", REPEATS)
    return (
        f"council overview of the largest council ({children:,} children with figures): first view "
        f"{first * 1000:.0f} ms, then p50 {percentile(times, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(times, 0.95) * 1000:.0f} ms (target 1 s)"
    )


def main() -> None:
    with scratch_servers() as (database_url, redis_url):
        settings = Settings(
            database_url=database_url, redis_url=redis_url, queue_name="bench-web", pseudonym_key=PSEUDONYM_KEY
        )
        env = os.environ | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "QUEUE_NAME": "bench-web",
            "LOG_LEVEL": "WARNING",
            "PSEUDONYM_KEY": PSEUDONYM_KEY,
        }
        began = time.perf_counter()
        la_id, provider_pk = asyncio.run(load_council(settings))
        loaded = time.perf_counter() - began
        wall, _ = full_recompute(env)
        # As autovacuum leaves the tables in time: the planner then knows how many rows they hold.
        asyncio.run(settle(database_url))
        print(f"{CHILDREN:,} demo children loaded in {loaded:.0f} s, their figures computed in {wall:.0f} s")
        with api(settings) as url:
            asyncio.run(measure(settings, url, la_id, provider_pk))


if __name__ == "__main__":
    main()
