"""POST /v1/assessments/batch end to end through the API: batches of 1,000 assessments of 12 ratings each,
all new, then the last one sent again (every item found stored). Prints assessments a second.

The first batch is timed apart: it also pays the process's first statements of their kinds."""

import statistics
from datetime import date, timedelta

from bench.ingest import assessment, council_with_children, post_batch
from bench.scratch import run_on_scratch
from shared.access import Kind
from shared.settings import Settings

PATH = "/v1/assessments/batch"
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


def figure(label: str, seconds: float) -> str:
    return f"{label}: {seconds:.3f} s, {BATCH / seconds:,.0f} assessments a second"


async def measure(settings: Settings) -> None:
    async with council_with_children(settings, "BATCH", CHILDREN) as (_, api, keys):
        headers = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        print(figure("assessment batch of 1,000, the first", await post_batch(api, PATH, headers, batch(0), "created")))
        times = [await post_batch(api, PATH, headers, batch(n), "created") for n in range(1, BATCHES + 1)]
        print(figure(f"assessment batch of 1,000, median of {BATCHES}", statistics.median(times)))
        again = [await post_batch(api, PATH, headers, batch(BATCHES), "existing") for _ in range(3)]
        print(figure("the same batch sent again, median of 3", statistics.median(again)))


def main() -> None:
    run_on_scratch(measure)


if __name__ == "__main__":
    main()
