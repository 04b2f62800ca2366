"""A synthetic demo council from a fixed seed: what a newcomer sees in the first minute, so it tells a story.

Pure: no clock, no I/O, one random.Random(seed); the same arguments give the same council. Everything is plainly
synthetic: ids say DEMO, providers are "Synthetic ...", postcode sectors lie in the unused area ZZ, and no child has
a name or an address. Every SSDA903 code is valid in each collection year 2023-24 to 2026-27 (so no H5, P2, K3, Z).
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from shared.ssda903 import placement_group, sector_district

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
class DemoContract:
    """A payment-by-needs-reduction contract with the council's own fostering service (domain.md §7),
    its terms chosen so that its statements show every rule: attribution below 1 where a child spent
    time on respite, deadweight, each cap withholding, forfeits. Its second version adds the outcome
    share cap, which then binds before the per-period cap."""

    code: str
    provider_external_id: str
    start_date: date
    end_date: date
    deadweight: Decimal
    cap_per_child_year: Decimal
    cap_per_period: Decimal
    outcome_share_from: date
    cap_outcome_share: Decimal


@dataclass(frozen=True, slots=True)
class DemoCouncil:
    providers: tuple[DemoProvider, ...]
    children: tuple[DemoChild, ...]
    assessments: tuple[DemoAssessment, ...]
    placements: tuple[DemoPlacement, ...]
    contract: DemoContract
    offers: dict[str, dict[str, object]]  # by provider: its offer, as PUT /v1/providers/{id}/offer takes it


PROVIDERS = (
    DemoProvider("DEMO-PROV-01", "Synthetic Council Fostering Service", "in_house_foster"),
    *(DemoProvider(f"DEMO-PROV-0{n + 1}", f"Synthetic Fostering Agency {n}", "ifa") for n in (1, 2, 3)),
    *(DemoProvider(f"DEMO-PROV-0{n + 4}", f"Synthetic Children's Home {n}", "childrens_home") for n in (1, 2, 3, 4)),
)
# The demo council's code: make run loads it on first start and signs its demo roles in to it.
DEMO_COUNCIL_CODE = "DEMO"
# The organisation the demo provider client is bound to; make run's banner names it.
DEMO_PROVIDER_ID = PROVIDERS[0].external_id
# Per provider: PLACE codes it offers (kinship care U1/U3 is the council's own), PLACE_PROVIDER, and a home's
# fixed postcode sector; most homes are out of the council's area (ZZ1-ZZ6), as they are in England.
PLACES: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "DEMO-PROV-01": (("U4", "U4", "U6", "U6", "U1", "U3"), "PR1", None),
    "DEMO-PROV-02": (("U4", "U6", "U6"), "PR4", None),
    "DEMO-PROV-03": (("U4", "U6", "U5"), "PR4", None),
    "DEMO-PROV-04": (("U4", "U6"), "PR5", None),
    "DEMO-PROV-05": (("K2",), "PR4", "ZZ8 4"),
    "DEMO-PROV-06": (("K2",), "PR4", "ZZ9 1"),
    "DEMO-PROV-07": (("R1",), "PR5", "ZZ7 3"),
    "DEMO-PROV-08": (("K2",), "PR1", "ZZ2 6"),
}
# What each kind of provider offers the council (matching, issue 17): places, the highest need level it meets in
# every domain and the domains where it meets one more, and where it takes children from (its home's district, or
# the council's own districts). The council's area is ZZ1-ZZ6; the homes in ZZ7-ZZ9 are out of it.
HOME_DISTRICTS = ("ZZ1", "ZZ2", "ZZ3", "ZZ4", "ZZ5", "ZZ6")
OFFERS = {
    "in_house_foster": (40, 2, ("behaviour", "emotional_health", "family")),
    "ifa": (25, 3, ("emotional_health",)),
    "childrens_home": (4, 4, ()),
}


def demo_offer(provider: DemoProvider, domains: Sequence[str]) -> dict[str, object]:
    """The offer the provider declares, as PUT /v1/providers/{id}/offer takes it."""
    places, top, more = OFFERS[provider.kind]
    _, _, sector = PLACES[provider.external_id]
    return {
        "placement_group": "residential" if provider.kind == "childrens_home" else "foster",
        "weekly_cost": f"{COSTS[provider.kind][1]}.00",
        "places": places,
        "areas": [sector_district(sector)] if sector else list(HOME_DISTRICTS),
        "meets": {d: list(range(min(4, top + (d in more)) + 1)) for d in domains},
    }


# Weekly cost in pounds by provider kind: (lowest, typical, highest), from domain.md §6.
COSTS = {"in_house_foster": (650, 720, 800), "ifa": (820, 1000, 1300), "childrens_home": (2500, 3800, 4500)}
# Ages 2-17 at as_of (a child in care for two years is at least two), weighted towards teenagers as in England.
AGE_WEIGHTS = (4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 7, 7, 7, 12, 12)
ETHNICITIES = {
    "WBRI": 68,
    "WIRI": 1,
    "WOTH": 5,
    "MWBC": 4,
    "MWBA": 2,
    "MWAS": 2,
    "MOTH": 3,
    "AIND": 1,
    "APKN": 2,
    "ABAN": 1,
    "BAFR": 3,
    "BCRB": 3,
    "CHNE": 1,
    "OOTH": 2,
    "REFU": 1,
    "NOBT": 1,
}
UASC_ETHNICITIES = ("OOTH", "OOTH", "AOTH", "BAFR", "BOTH", "WOTH")
CATEGORIES = {"N1": 64, "N2": 3, "N3": 3, "N4": 8, "N5": 15, "N6": 2, "N8": 5}
# Needs at entry: (mean level, fewest and most domains at high or intensive) for low, moderate and complex needs
# (45:40:15); children who go on to a children's home need most.
PROFILES = ((0.7, 0, 0), (1.4, 0, 1), (1.6, 2, 4))
RESIDENTIAL_PROFILE = (2.1, 3, 5)
STEPPING_DOWN = (-1.5, 0.8)  # levels a year, and the share of domains improving so, of an improving home's child
ARCS = {"improving": 50, "steady": 17, "worsening": 13, "mixed": 20}
MOVES = {"CARPL": 30, "CREQO": 12, "CHILD": 8, "LAREQ": 10, "CREQB": 5, "CLOSE": 4, "STAND": 3, "OTHER": 3, "PLACE": 15}
ROLES = {"social_worker": 55, "iro": 35, "panel": 4, "carer": 3, "provider": 3}
NOT_ASSESSED = ("child declined", "not discussed at this review", "awaiting information from school")


@dataclass(frozen=True, slots=True)
class _Story:
    child: DemoChild
    entered: date
    until: date  # the day the child left care, or as_of
    left: bool
    residential: bool
    arc: str
    legal_status: str
    cin: str


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _clamp(value: float, top: float) -> float:
    return min(top, max(0.0, value))


def _age(born: date, on: date) -> float:
    return (on - born).days / 365.25


def _story(rng: random.Random, n: int, as_of: date) -> _Story:
    age = rng.choices(range(2, 18), weights=AGE_WEIGHTS)[0]
    # 2 to 363 days past int(age * 365.25) is always past the birthday, whatever the leap years.
    born = as_of - timedelta(days=int(age * 365.25) + rng.randint(2, 363))
    entered = as_of - timedelta(days=rng.randint(730, min(1095, (as_of - born).days)))
    uasc = _age(born, entered) >= 14 and rng.random() < 0.35
    sex = "M" if uasc and rng.random() < 0.9 else rng.choices("MFU", weights=(55, 44.5, 0.5))[0]
    adoption = _age(born, entered) < 4 and rng.random() < 0.25  # E1: most are adopted within the three years
    legal_status = "V2" if uasc else "E1" if adoption else rng.choices(("C2", "V2"), weights=(80, 20))[0]
    left = rng.random() < (0.5 if adoption else 0.05)
    ethnicity = rng.choice(UASC_ETHNICITIES) if uasc else _pick(rng, ETHNICITIES)
    return _Story(
        child=DemoChild(f"DEMO-{n:06d}", born, sex, ethnicity, uasc),
        entered=entered,
        until=as_of - timedelta(days=rng.randint(14, 180)) if left else as_of,
        left=left,
        residential=age >= 10 and not uasc and rng.random() < 0.25,
        arc=_pick(rng, ARCS),
        legal_status=legal_status,
        cin="N8" if uasc else _pick(rng, CATEGORIES),
    )


def _episode(rng: random.Random, s: _Story, kind: str, rne: str, status: str, leaving: str | None) -> DemoPlacement:
    # A move between homes goes to another home; a foster move is often to other carers of the same service.
    provider = rng.choice([p for p in PROVIDERS if p.kind == kind and p.external_id != leaving])
    places, place_provider, sector = PLACES[provider.external_id]
    low, typical, high = COSTS[kind]
    health = education = 0
    if kind == "childrens_home" and rng.random() < 0.4:  # jointly funded for health or special educational needs
        health, education = rng.choice((10, 20, 25, 33)), rng.choice((0, 10, 15, 25))
    elif rng.random() < 0.05:
        education = 10
    return DemoPlacement(
        external_id="",
        child_id=s.child.child_id,
        start_date=s.entered,
        end_date=None,
        rne=rne,
        legal_status=status,
        cin=s.cin,
        place="U5" if status == "E1" else rng.choice(places),
        place_provider=place_provider,
        reason_ended=None,
        reason_place_change=None,
        postcode_sector=sector or f"ZZ{rng.randint(1, 6 if kind == 'in_house_foster' else 9)} {rng.randint(0, 9)}",
        urn=f"SC9900{provider.external_id[-2:]}" if kind == "childrens_home" else None,
        provider_external_id=provider.external_id,
        weekly_cost=Decimal(round(min(high, max(low, rng.gauss(typical, (high - low) / 6))) * 100)).scaleb(-2),
        funding_social_care=Decimal(100 - health - education).scaleb(-2),
        funding_health=Decimal(health).scaleb(-2),
        funding_education=Decimal(education).scaleb(-2),
    )


def _placements(rng: random.Random, s: _Story, numbered: int) -> list[DemoPlacement]:
    count = min(4, rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0] + (s.arc == "worsening"))
    cuts = sorted(c + rng.randint(0, 14) for c in rng.sample(range(60, (s.until - s.entered).days - 45, 45), count - 1))
    # A few teenagers come from the police (PACE, J2) for a night or two before their own episode begins.
    police = _age(s.child.date_of_birth, s.entered) >= 12 and s.legal_status != "E1" and rng.random() < 0.1
    starts = [s.entered + timedelta(days=c) for c in [0, *([rng.randint(1, 3), *cuts[:2]] if police else cuts)]]
    if s.residential:  # most came to a home after foster care broke down
        kinds = ["ifa" if i == 0 and count > 1 and rng.random() < 0.6 else "childrens_home" for i in range(count)]
    else:
        kinds = ["in_house_foster" if rng.random() < 0.6 or s.legal_status == "E1" else "ifa" for _ in range(count)]
    kinds = ["in_house_foster", *kinds][: len(starts)] if police else kinds
    current = _episode(rng, s, kinds[0], "S", "J2" if police else s.legal_status, None)
    episodes: list[DemoPlacement] = []
    for i, start in enumerate(starts):
        current = replace(current, external_id=f"DEMO-P-{numbered + i + 1:06d}", start_date=start)
        if i + 1 == len(starts):
            break
        kind, after = kinds[i], kinds[i + 1]
        if current.legal_status == "J2":
            reason = "CARPL"
        elif kind != after and after == "childrens_home":
            reason = rng.choices(("CREQB", "CARPL"), weights=(70, 30))[0]
        else:
            weights = MOVES | {"CREQB": 20 if s.arc == "worsening" else 5}
            matchable = kind == after != "childrens_home" and s.legal_status != "E1"
            reason = _pick(rng, weights if matchable else weights | {"PLACE": 0})
        episodes.append(replace(current, end_date=starts[i + 1], reason_ended="X1", reason_place_change=reason))
        if reason == "PLACE":  # the same carers, now matched long term
            current = replace(current, rne="B", place="U4")
        else:
            home = current.provider_external_id if after == "childrens_home" else None
            rne = "T" if current.legal_status != s.legal_status else "P"
            current = _episode(rng, s, after, rne, s.legal_status, home)
    older = _age(s.child.date_of_birth, s.until) >= 16
    leaving = ("E5", "E4A", "E13", "E8") if older else ("E4A", "E4A", "E41", "E45", "E13")
    ending = rng.choice(("E11", "E11", "E12") if s.legal_status == "E1" else leaving) if s.left else None
    return [*episodes, replace(current, end_date=s.until if s.left else None, reason_ended=ending)]


def _review_dates(rng: random.Random, entered: date, until: date) -> list[date]:
    """Within 20 days of entering care, three months on, then about every six months (domain.md §3)."""
    day, gap, dates = entered + timedelta(days=rng.randint(2, 20)), 91, []
    while day <= until:
        dates.append(day)
        day += timedelta(days=gap + rng.randint(-21, 0))  # at most every six months
        gap = 182
    return dates


def _assessments(
    rng: random.Random, s: _Story, domains: Sequence[str], moves: list[date], numbered: int
) -> list[DemoAssessment]:
    mean, fewest, most = RESIDENTIAL_PROFILE if s.residential else rng.choices(PROFILES, weights=(45, 40, 15))[0]
    base = {d: _clamp(rng.gauss(mean, 0.8), 4) for d in domains}
    for d in rng.sample(list(domains), min(len(domains), rng.randint(fewest, most))):
        base[d] = _clamp(rng.uniform(3.0, 4.4), 4)
    # Levels a year: most children improve slowly in most domains; mixed ones regress in one or two that started low.
    fastest, share = {"improving": (-0.9, 0.7), "mixed": (-0.9, 0.7), "worsening": (0.9, 0.5), "steady": (0, 0)}[s.arc]
    if s.residential and s.arc == "improving":
        fastest, share = STEPPING_DOWN  # a home's work shows: the children a council could bring back to a family
    rate = {d: rng.gauss(0, 0.05) + (fastest * rng.uniform(0.25, 1) if rng.random() < share else 0) for d in domains}
    if s.arc == "mixed":
        low = [d for d in domains if base[d] < 2.5] or list(domains)
        rate |= {d: rng.uniform(0.5, 1.0) for d in rng.sample(low, min(len(low), rng.randint(1, 2)))}
    strength = {d: _clamp(2.6 - 0.6 * base[d] + rng.gauss(0, 0.5), 3) for d in domains}
    found: list[DemoAssessment] = []
    for i, day in enumerate(_review_dates(rng, s.entered, s.until)):
        needs: dict[str, int | None] = {}
        strengths: dict[str, int | None] = {}
        not_assessed: dict[str, str] = {}
        for d in domains:
            if rng.random() < 0.03:
                young = _age(s.child.date_of_birth, day) < 5
                needs[d] = strengths[d] = None
                not_assessed[d] = "not relevant at this age" if young else rng.choice(NOT_ASSESSED)
                continue
            level = _clamp(base[d] + rate[d] * (day - s.entered).days / 365.25, 4)
            needs[d] = round(_clamp(level + rng.gauss(0, 0.15), 4))
            # Strengths grow as needs fall.
            strengths[d] = round(_clamp(strength[d] - 0.5 * (level - base[d]) + rng.gauss(0, 0.3), 3))
        moved = bool(found) and any(found[-1].assessed_on < m <= day and (day - m).days <= 42 for m in moves)
        context = "initial" if i == 0 else "placement_change" if moved else "review"
        role = "social_worker" if i == 0 else _pick(rng, ROLES)
        external_id = f"DEMO-A-{numbered + len(found) + 1:06d}"
        found.append(DemoAssessment(external_id, s.child.child_id, day, context, role, needs, strengths, not_assessed))
    return _with_crisis(found) if s.arc == "worsening" else found


def _with_crisis(found: list[DemoAssessment]) -> list[DemoAssessment]:
    """A worsening child's last review finds a crisis: the first domain rated at both of its last two reviews, at
    most moderate at the one before and below actionable at baseline, jumps two levels (a stability risk the
    council should see). No randomness, so the rest of the council is unchanged."""
    if len(found) < 2:
        return found
    previous, last = found[-2].needs, found[-1].needs
    # Only a domain never actionable at baseline: no reduction it earned a provider is reversed by it.
    first = found[0].needs
    rated = [
        d for d, level in last.items() if level is not None and (baseline := first.get(d)) is not None and baseline < 2
    ]
    rises = {d: before + 2 for d in rated if (before := previous.get(d)) is not None and before <= 2}
    if not rises:
        return found
    domain = next(iter(rises))
    return [*found[:-1], replace(found[-1], needs=last | {domain: rises[domain]})]


STEPPED_DOWN_EVERY = 2  # every second improving child in a home has stepped down to an agency's foster carers
STEPPED_DOWN_AGO = timedelta(days=120)


def _stepped_down(episodes: list[DemoPlacement], as_of: date) -> list[DemoPlacement]:
    """The child's home placement, open and begun long enough ago, ended 120 days before as_of for a family: an
    agency's foster carers (the contract's in-house service untouched), at a typical agency cost. No randomness,
    so the rest of the council is unchanged."""
    last, moved = episodes[-1], as_of - STEPPED_DOWN_AGO
    if last.end_date is not None or placement_group(last.place) != "residential" or last.start_date >= moved:
        return episodes
    places, place_provider, _ = PLACES["DEMO-PROV-02"]
    foster = replace(
        last,
        start_date=moved,
        rne="P",
        place=places[0],
        place_provider=place_provider,
        postcode_sector="ZZ3 1",
        urn=None,
        provider_external_id="DEMO-PROV-02",
        weekly_cost=Decimal(COSTS["ifa"][1]).quantize(Decimal("0.01")),
        funding_social_care=Decimal("1.00"),
        funding_health=Decimal("0.00"),
        funding_education=Decimal("0.00"),
    )
    return [*episodes[:-1], replace(last, end_date=moved, reason_ended="X1", reason_place_change="CARPL"), foster]


RESPITE_EVERY = 4  # every fourth child fostered by the council's service has a fortnight's respite
RESPITE_AFTER, RESPITE_DAYS = timedelta(days=120), timedelta(days=14)


def _with_respite(placements: Sequence[DemoPlacement], provider: str, as_of: date) -> list[DemoPlacement]:
    """A fortnight's respite (T3: while the usual foster carers are on holiday) four months into the
    first long episode with the provider of every fourth child it fosters, the carers resuming after
    it; placements numbered again in order. No randomness, so the rest of the council is unchanged."""
    result: list[DemoPlacement] = []
    fostered: set[str] = set()
    for p in placements:
        long = (p.end_date or as_of) - p.start_date >= 2 * RESPITE_AFTER
        if p.provider_external_id != provider or p.child_id in fostered or not long:
            result.append(p)
            continue
        fostered.add(p.child_id)
        if len(fostered) % RESPITE_EVERY:
            result.append(p)
            continue
        away, back = p.start_date + RESPITE_AFTER, p.start_date + RESPITE_AFTER + RESPITE_DAYS
        ending = replace(p, reason_ended="X1", reason_place_change=None)
        result += [
            replace(ending, end_date=away),
            replace(ending, start_date=away, end_date=back, rne="P", place="T3"),
            replace(p, start_date=back, rne="P"),
        ]
    return [replace(p, external_id=f"DEMO-P-{n:06d}") for n, p in enumerate(result, 1)]


def demo_contract(as_of: date) -> DemoContract:
    """From the first of as_of's month two years before to the end of the year after, quarterly; the
    outcome share cap from as_of's January."""
    first = as_of.replace(day=1)
    return DemoContract(
        code="DEMO-PBNR",
        provider_external_id=PROVIDERS[0].external_id,
        start_date=first.replace(year=first.year - 2),
        end_date=date(as_of.year + 1, 12, 31),
        deadweight=Decimal("0.1"),
        cap_per_child_year=Decimal(720),
        cap_per_period=Decimal(3000),
        outcome_share_from=date(as_of.year, 1, 1),
        cap_outcome_share=Decimal("0.0025"),
    )


def generate_demo_council(
    domains: Sequence[str], *, seed: int = DEMO_SEED, children: int = 200, as_of: date = DEMO_AS_OF
) -> DemoCouncil:
    rng = random.Random(seed)
    kids: list[DemoChild] = []
    assessments: list[DemoAssessment] = []
    placements: list[DemoPlacement] = []
    improving_homes = 0
    for n in range(1, children + 1):
        story = _story(rng, n, as_of)
        episodes = _placements(rng, story, len(placements))
        if story.residential and story.arc == "improving":
            improving_homes += 1
            if improving_homes % STEPPED_DOWN_EVERY == 0:
                episodes = _stepped_down(episodes, as_of)
        kids.append(story.child)
        placements += episodes
        assessments += _assessments(rng, story, domains, [p.start_date for p in episodes[1:]], len(assessments))
    respite = _with_respite(placements, PROVIDERS[0].external_id, as_of)
    offers = {p.external_id: demo_offer(p, domains) for p in PROVIDERS}
    return DemoCouncil(PROVIDERS, tuple(kids), tuple(assessments), tuple(respite), demo_contract(as_of), offers)
