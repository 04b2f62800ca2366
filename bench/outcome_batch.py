"""POST /v1/outcome-measures/batch end to end through the API: batches of 1,000 measures (ten SDQs for each of
100 children), all new, then the last one sent again (every item found stored). Prints measures a second."""

import statistics
from datetime import date, timedelta
from typing import Any

from bench.ingest import council_with_children, post_batch
from bench.scratch import run_on_scratch
from shared.access import Kind
from shared.settings import Settings

PATH = "/v1/outcome-measures/batch"
CHILDREN = 100
PER_CHILD = 10
BATCHES = 5


def batch(number: int) -> list[dict[str, Any]]:
    """Ten measures for each child, each of a day of its own, the days after the batches before."""
    first = date(2013, 1, 1) + timedelta(days=number * PER_CHILD)
    return [
        {
            "external_id": f"SDQ-{child}-{number}-{n}",
            "child_id": f"C{child}",
            "code": "sdq_total",
            "value": (child + n) % 41,
            "period_start": (first + timedelta(days=n)).isoformat(),
        }
        for n in range(PER_CHILD)
        for child in range(CHILDREN)
    ]


async def measure(settings: Settings) -> None:
    async with council_with_children(settings, "OUTCOMES", CHILDREN) as (_, api, keys):
        headers = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        times = [await post_batch(api, PATH, headers, batch(n), "created") for n in range(BATCHES)]
        print(f"outcome measure batch of 1,000, median of {BATCHES}: {1000 / statistics.median(times):,.0f} a second")
        again = statistics.median(
            [await post_batch(api, PATH, headers, batch(BATCHES - 1), "existing") for _ in range(3)]
        )
        print(f"the same batch sent again, median of 3: {1000 / again:,.0f} a second")


def main() -> None:
    run_on_scratch(measure)


if __name__ == "__main__":
    main()
