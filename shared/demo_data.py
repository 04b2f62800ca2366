"""A synthetic demo council from a fixed seed: what a newcomer reads in the first minute. Pure: no
clock, no I/O. Every id says DEMO; there are no names or addresses."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

DEMO_SEED = 20261123
DEMO_AS_OF = date(2026, 10, 31)


@dataclass(frozen=True, slots=True)
class DemoProvider:
    external_id: str
    name: str
    kind: str


@dataclass(frozen=True, slots=True)
class DemoChild:
    child_id: str
    date_of_birth: date
    sex: str
    ethnicity: str
    uasc: bool


@dataclass(frozen=True, slots=True)
class DemoAssessment:
    external_id: str
    child_id: str
    assessed_on: date
    context: str
    assessor_role: str
    needs: dict[str, int | None]
    strengths: dict[str, int | None]
    not_assessed: dict[str, str]


@dataclass(frozen=True, slots=True)
class DemoPlacement:
    external_id: str
    child_id: str
    start_date: date
    end_date: date | None
    rne: str
    legal_status: str
    cin: str
    place: str
    place_provider: str
    reason_ended: str | None
    reason_place_change: str | None
    postcode_sector: str
    urn: str | None
    provider_external_id: str
    weekly_cost: Decimal
    funding_social_care: Decimal
    funding_health: Decimal
    funding_education: Decimal


@dataclass(frozen=True, slots=True)
class DemoCouncil:
    providers: tuple[DemoProvider, ...]
    children: tuple[DemoChild, ...]
    assessments: tuple[DemoAssessment, ...]
    placements: tuple[DemoPlacement, ...]


PROVIDERS = (
    DemoProvider("DEMO-PROV-01", "Synthetic Council Fostering Service", "in_house_foster"),
    *(DemoProvider(f"DEMO-PROV-0{n}", f"Synthetic Fostering Agency {n - 1}", "ifa") for n in (2, 3, 4)),
    *(DemoProvider(f"DEMO-PROV-0{n}", f"Synthetic Children's Home {n - 4}", "childrens_home") for n in (5, 6, 7)),
)
# kind -> (PLACE codes, PLACE_PROVIDER, weekly cost range in pounds)
PLACEMENT_KINDS = {
    "in_house_foster": (("U4", "U5", "U6"), "PR1", (650, 800)),
    "ifa": (("U4", "U5", "U6"), "PR4", (820, 1300)),
    "childrens_home": (("K2", "K1", "R1"), "PR4", (2500, 4500)),
}
ETHNICITIES = ("WBRI", "WBRI", "WBRI", "WBRI", "WIRI", "WOTH", "MWBC", "MWBA", "AIND", "APKN", "BAFR", "BCRB", "OOTH")
NOT_ASSESSED_REASONS = ("child declined", "not relevant at this age", "no information at review")


def cost(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randrange(low * 100, high * 100)) / 100


def review_dates(rng: random.Random, entered: date, as_of: date) -> list[date]:
    """Within 20 days of entry, three months on, then about every six months (domain.md §3)."""
    day = entered + timedelta(days=rng.randint(3, 20))
    dates, gap = [], 91
    while day <= as_of:
        dates.append(day)
        day += timedelta(days=gap + rng.randint(-14, 14))
        gap = 182
    return dates


def generate_demo_council(
    domains: Sequence[str], *, seed: int = DEMO_SEED, children: int = 200, as_of: date = DEMO_AS_OF
) -> DemoCouncil:
    rng = random.Random(seed)
    kids: list[DemoChild] = []
    assessments: list[DemoAssessment] = []
    placements: list[DemoPlacement] = []
    for n in range(1, children + 1):
        child_id = f"DEMO-{n:06d}"
        residential = rng.random() < 0.15
        entered = as_of - timedelta(days=rng.randint(730, 1095))
        born = entered - timedelta(days=rng.randint(0 if not residential else 3650, 5400))
        uasc = rng.random() < 0.06 and born < entered - timedelta(days=5000)
        kids.append(
            DemoChild(
                child_id, born, rng.choice("MMMFFF") if rng.random() > 0.01 else "U", rng.choice(ETHNICITIES), uasc
            )
        )
        # A profile, then a drift per domain: most improve slowly, some worsen, which makes mixed progress.
        level = {d: float(min(4, max(0, round(rng.gauss(2.6 if residential else 1.4, 1.0))))) for d in domains}
        drift = {d: rng.choice((-0.6, -0.4, -0.3, -0.2, 0.0, 0.0, 0.3)) for d in domains}
        for review, day in enumerate(review_dates(rng, entered, as_of)):
            needs: dict[str, int | None] = {}
            not_assessed: dict[str, str] = {}
            for d in domains:
                if rng.random() < 0.03:
                    needs[d] = None
                    not_assessed[d] = rng.choice(NOT_ASSESSED_REASONS)
                else:
                    needs[d] = min(4, max(0, round(level[d] + rng.gauss(0, 0.4))))
                level[d] = min(4.0, max(0.0, level[d] + drift[d] * 0.5))
            strengths = {d: None if v is None else min(3, max(0, 3 - v + rng.randint(-1, 1))) for d, v in needs.items()}
            context = "review" if review else "initial"
            role = rng.choice(("social_worker", "social_worker", "iro"))
            external_id = f"DEMO-A-{len(assessments) + 1:06d}"
            assessments.append(
                DemoAssessment(external_id, child_id, day, context, role, needs, strengths, not_assessed)
            )
        placements.extend(child_placements(rng, child_id, entered, as_of, residential, len(placements)))
    return DemoCouncil(PROVIDERS, tuple(kids), tuple(assessments), tuple(placements))


def child_placements(
    rng: random.Random, child_id: str, entered: date, as_of: date, residential: bool, numbered: int
) -> list[DemoPlacement]:
    count = rng.choice((1, 1, 2, 2, 3, 4))
    span = (as_of - entered).days
    cuts = sorted(rng.sample(range(60, span - 30), count - 1)) if count > 1 else []
    starts = [entered + timedelta(days=c) for c in [0, *cuts]]
    leaves_care = rng.random() < 0.05
    episodes = []
    for index, start in enumerate(starts):
        last = index == count - 1
        end = starts[index + 1] if not last else (as_of - timedelta(days=rng.randint(5, 25)) if leaves_care else None)
        kind = "childrens_home" if residential else rng.choice(("in_house_foster", "in_house_foster", "ifa"))
        provider = rng.choice([p for p in PROVIDERS if p.kind == kind])
        places, place_provider, (low, high) = PLACEMENT_KINDS[kind]
        reason_ended = None if end is None else ("X1" if not last else rng.choice(("E8", "E11", "E13")))
        change = rng.choice(("CARPL", "CHILD", "LAREQ", "CREQB", "PLACE")) if reason_ended == "X1" else None
        health = Decimal("0.20") if kind == "childrens_home" and rng.random() < 0.3 else Decimal(0)
        episodes.append(
            DemoPlacement(
                external_id=f"DEMO-P-{numbered + index + 1:06d}",
                child_id=child_id,
                start_date=start,
                end_date=end,
                rne="S" if index == 0 else "P",
                legal_status=rng.choice(("C2", "C2", "C2", "V2", "J2")),
                cin=rng.choice(("N1", "N1", "N2", "N4", "N5", "N8")),
                place=rng.choice(places),
                place_provider=place_provider,
                reason_ended=reason_ended,
                reason_place_change=change,
                postcode_sector=f"ZZ{rng.randint(1, 9)} {rng.randint(0, 9)}",
                urn=f"SC{rng.randint(100000, 999999)}" if kind == "childrens_home" else None,
                provider_external_id=provider.external_id,
                weekly_cost=cost(rng, low, high),
                funding_social_care=1 - health,
                funding_health=health,
                funding_education=Decimal(0),
            )
        )
    return episodes
