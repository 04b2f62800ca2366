"""pbnr-v1 statements at a large provider's scale, engine only (no I/O): one provider with 200 children
placed over three years, eight council assessments each, a monthly contract. Prints the time to hash
every period's inputs (what the worker does on each change), to compute one period's statement (what
it does for each period whose hash changed) and to compute all of them (a first run).

python -m bench.statements [--children N]"""

import argparse
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from shared.domain.engines.pbnr.contract import Contract, Terms
from shared.domain.engines.pbnr.events import Assessment
from shared.domain.engines.pbnr.statement import Inputs, due, statement, statements
from shared.domain.engines.pbnr.stays import Episode

TODAY = date(2026, 11, 23)
DOMAINS = [f"domain_{n}" for n in range(12)]
T = TypeVar("T")


def provider_inputs(children: int, seed: int = 1) -> Inputs:
    rng = random.Random(seed)
    terms = Terms(
        1,
        date(2024, 1, 1),
        date(2026, 12, 31),
        "month",
        {2: Decimal(500), 3: Decimal(1000), 4: Decimal(2000)},
        Decimal("0.4"),
        Decimal("0.6"),
        175,
        Decimal("0.1"),
        Decimal(3000),
        None,
        Decimal("0.2"),
    )
    episodes, assessments = [], []
    for n in range(children):
        child, start = f"child-{n}", date(2024, 1, 1) + timedelta(days=rng.randint(0, 600))
        episodes.append(Episode(child, f"episode-{n}", start, None, "U4", "PROVIDER", "C2", Decimal(900)))
        day = start - timedelta(days=10)
        for k in range(8):
            levels = {d: rng.randint(0, 4) for d in DOMAINS}
            recorded = datetime.combine(day, datetime.min.time())
            assessments.append(Assessment(child, f"{child}-{k}", day, recorded, "social_worker", levels, 2))
            day += timedelta(days=rng.randint(60, 200))
    return Inputs(Contract("contract", "PROVIDER", terms.effective_from, (terms,)), tuple(episodes), tuple(assessments))


def timed(label: str, work: Callable[[], T]) -> T:
    began = time.perf_counter()
    result = work()
    print(f"{label}: {time.perf_counter() - began:.3f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=200)
    args = parser.parse_args()
    inputs = provider_inputs(args.children)
    periods = due(inputs, TODAY)
    print(f"{args.children} children, {len(inputs.assessments):,} assessments, {len(periods)} monthly periods")
    timed("hash every period's inputs", lambda: due(inputs, TODAY))
    timed("the current period's statement", lambda: statement(inputs, periods[-1]))
    result = timed("every period's statement", lambda: statements(inputs, TODAY))
    print(f"{sum(len(s.lines) for s in result):,} lines, {sum(s.paid for s in result)} paid in all")


if __name__ == "__main__":
    main()
