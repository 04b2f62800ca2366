"""Cohort figures as at a past day: the demo council (200 children by default) loaded into a scratch database,
then the time to compute every child's figures as at a day (each child's final assessments dated by then,
by the recompute's engine into temporary tables) and aggregate them, for a few days back. The figures now
need no such work: they are aggregated from the stored per-child figures.

python -m bench.cohort_as_at [--children N]"""

import argparse
import asyncio
import time
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bench.scratch import scratch_servers
from services.api import demo
from services.api.scores.as_at import figures_as_at
from services.api.scores.cohort import read_cohort
from shared.db import transaction
from shared.demo_data import DEMO_AS_OF, generate_demo_council
from shared.instruments import shipped_instrument

PSEUDONYM_KEY = b"bench-pseudonym-key-of-32-bytes!"


async def measure(database_url: str, children: int) -> None:
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    generated = generate_demo_council(shipped_instrument().domains, children=children)
    async with transaction(sessions) as db:
        council = await demo.load(db, generated, DEMO_AS_OF, PSEUDONYM_KEY)
    print(f"{len(generated.children)} children, {len(generated.assessments):,} assessments", flush=True)
    for days_back in (0, 180, 365):
        day: date = DEMO_AS_OF - timedelta(days=days_back)
        began = time.perf_counter()
        async with transaction(sessions) as db:
            figures = await figures_as_at(db, council.id, day)
            cohort = await read_cohort(db, council.id, by=("age_band", "provider"), day=day, figures=figures)
        seconds = time.perf_counter() - began
        print(f"as at {day} ({days_back} days back): {len(cohort.rows)} rows in {seconds:.2f} s", flush=True)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=200)
    args = parser.parse_args()
    with scratch_servers() as (database_url, _):
        asyncio.run(measure(database_url, args.children))


if __name__ == "__main__":
    main()
