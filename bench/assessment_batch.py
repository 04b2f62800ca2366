"""POST /v1/assessments/batch end to end through the API: batches of 1,000 assessments of 12 ratings each,
all new, then the last one sent again (every item found stored). Prints assessments a second.

The first batch is timed apart: it also pays the process's first statements of their kinds."""

import statistics
import time
from datetime import date, timedelta

import httpx

from bench.ingest import assessment, council_with_children
from bench.scratch import run_on_scratch
from shared.access import Kind
from shared.settings import Settings

CHILDREN = 100
BATCH = 1000
BATCHES = 10


def batch(number: int) -> list[dict[str, object]]:
    """1,000 new assessments, ten for each child (born 2012), a month apart."""
    first = BATCH // CHILDREN * number
    day = date(2013, 1, 1)
    return [
        assessment(n % CHILDREN, first + n // CHILDREN, day + timedelta(days=30 * (first + n // CHILDREN)))
        for n in range(BATCH)
    ]


async def post(api: httpx.AsyncClient, headers: dict[str, str], items: list[dict[str, object]], outcome: str) -> float:
    began = time.perf_counter()
    response = await api.post("/v1/assessments/batch", json={"items": items}, headers=headers)
    took = time.perf_counter() - began
    assert response.status_code == 200 and response.json()[outcome] == len(items), response.text[:500]
    return took


def figure(label: str, seconds: float) -> str:
    return f"{label}: {seconds:.3f} s, {BATCH / seconds:,.0f} assessments a second"


async def measure(settings: Settings) -> None:
    async with council_with_children(settings, "BATCH", CHILDREN) as (_, api, keys):
        headers = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        print(figure("assessment batch of 1,000, the first", await post(api, headers, batch(0), "created")))
        times = [await post(api, headers, batch(n), "created") for n in range(1, BATCHES + 1)]
        print(figure(f"assessment batch of 1,000, median of {BATCHES}", statistics.median(times)))
        again = [await post(api, headers, batch(BATCHES), "existing") for _ in range(3)]
        print(figure("the same batch sent again, median of 3", statistics.median(again)))


def main() -> None:
    run_on_scratch(measure)


if __name__ == "__main__":
    main()
