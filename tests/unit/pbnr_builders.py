"""Small builders for pbnr-v1 inputs: a contract with §7.1's defaults, episodes and assessments, so a
scenario reads as its dates and levels."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.engines.pbnr.contract import Contract, Terms
from shared.domain.engines.pbnr.events import Assessment
from shared.domain.engines.pbnr.statement import Inputs, Statement, statements
from shared.domain.engines.pbnr.stays import Episode

PROVIDER = "PROV-1"
START, END = date(2025, 1, 1), date(2026, 12, 31)
DEFAULT_TERMS = Terms(
    version=1,
    effective_from=START,
    end=END,
    period="quarter",
    tariff={2: Decimal(500), 3: Decimal(1000), 4: Decimal(2000)},
    first_share=Decimal("0.4"),
    second_share=Decimal("0.6"),
    sustainment_gap_days=175,
    deadweight=Decimal(0),
)


def contract(*later: Terms, **changes: Any) -> Contract:
    first = replace(DEFAULT_TERMS, **changes)
    return Contract("CONTRACT-1", PROVIDER, first.effective_from, (first, *later))


def episode(
    start: date,
    end: date | None = None,
    *,
    child: str = "C1",
    place: str = "U4",
    provider: str | None = PROVIDER,
    legal_status: str = "C2",
    cost: str | None = "700",
    reason_ended: str | None = None,
    id: str | None = None,
) -> Episode:
    return Episode(
        child,
        id or f"{child}-{start.isoformat()}",
        start,
        end,
        place,
        provider,
        legal_status,
        Decimal(cost) if cost is not None else None,
        reason_ended,
    )


_recorded = iter(range(1, 10**9))


def assessment(
    on: date,
    levels: Mapping[str, int],
    *,
    child: str = "C1",
    role: str = "social_worker",
    final: bool = True,
    id: str | None = None,
) -> Assessment:
    """Recorded in the order built, at noon on its date plus a second per assessment built."""
    recorded = datetime.combine(on, time(12)) + timedelta(seconds=next(_recorded))
    return Assessment(child, id or f"{child}-A-{on.isoformat()}-{role}", on, recorded, role, dict(levels), 2, final)


def run(
    terms: Contract, episodes: list[Episode], assessments: list[Assessment], today: date = date(2026, 6, 30)
) -> list[Statement]:
    return statements(Inputs(terms, tuple(episodes), tuple(assessments)), today)


def days(n: int) -> timedelta:
    return timedelta(days=n)
