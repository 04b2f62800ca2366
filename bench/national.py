"""A national-scale synthetic dataset for the benchmark (issue 4), generated with numpy and loaded through COPY.

About 84,000 children in 150 councils of uneven size (a few large, many small), each entering care within the last
five years. Each child has placement episodes with valid SSDA903 codes (of each episode's collection year: H5 and P2
give way to K3 in 2024-25) covering the time in care without gaps or overlaps, and final needs-v1 assessments: the
first within 20 days of entry, three months later, then every three to six months until today or leaving care; about
10 million ratings in all. Needs drift per domain (most children improve, some worsen, some both) and the placements
follow them: complex needs and worsening children move more, to children's homes, often after their carers asked.

Arrays, not objects: generation loops over placement positions (at most a dozen), never over children or ratings.
The assessments are drawn in national_assessments.py, with the draws every table shares in national_draws.py.
national_load.py writes every table with COPY into a migrated database, figures and recompute requests excepted
(the benchmark computes those), and is the command line:

    python -m bench.national_load --database-url postgresql://postgres@127.0.0.1:5432/needs [--children N] ...
    python -m bench.national_load --database-url postgresql://postgres@127.0.0.1:5432/postgres --scratch check

`--scratch NAME` creates the database NAME on that server, migrates it, loads, prints the row counts and the
database size, and drops it.
"""

import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.national_assessments import (  # noqa: E402
    ARC_WEIGHTS,
    COMPLEX,
    PROFILE_WEIGHTS,
    WORSENING,
    Assessments,
    Versions,
    assessments_of,
)
from bench.national_draws import (  # noqa: E402
    WINDOW,
    YEAR,
    Days,
    Flags,
    Floats,
    Ids,
    Ints,
    Strings,
    choose,
    collection_years,
    group_starts,
    pick,
    postcode_sectors,
    uuids,
)
from shared.instruments import shipped_instrument  # noqa: E402
from shared.pseudonyms import pseudonym  # noqa: E402

SEED = 20261123
TODAY = date(2026, 10, 31)
# Pseudonyms of synthetic children only: shared.pseudonyms.pseudonym with this key.
BENCH_PSEUDONYM_KEY = b"bench-national-synthetic-children-only"
EIGHTEEN = 6574  # days from birth to the 18th birthday or the day before it (18 years hold 4 or 5 leap days)
NEVER = 1 << 30  # a relative day beyond any care period
MAX_MOVES = 10
UASC_SHARE = 0.07
STAYING_SHARE = 0.85  # children still in care today
ENTRY_SKEW = 0.4  # days in care are WINDOW * u ** ENTRY_SKEW: long stays, so that ratings come to about 10 million

# Ages 0 to 17 at entry, as children start to be looked after in England: a fifth under one, most others ten or over.
AGE_WEIGHTS = (19, 4, 3.5, 3.5, 3, 3, 3, 3, 3, 3, 6, 6, 6.5, 6.5, 6.5, 6, 7.5, 7.5)
UASC_AGE_WEIGHTS = (0,) * 12 + (2, 5, 10, 25, 35, 23)
ETHNICITIES = {"WBRI": 68, "WIRI": 1, "WOTH": 5, "MWBC": 4, "MWBA": 2, "MWAS": 2, "MOTH": 3, "AIND": 1, "APKN": 2,
               "ABAN": 1, "BAFR": 3, "BCRB": 3, "CHNE": 1, "OOTH": 2, "REFU": 1, "NOBT": 1}  # fmt: skip
UASC_ETHNICITIES = {"OOTH": 2, "AOTH": 1, "BAFR": 1, "BOTH": 1, "WOTH": 1}
CATEGORIES = {"N1": 64, "N2": 3, "N3": 3, "N4": 8, "N5": 15, "N6": 2, "N8": 5}


# Placement kinds, and the provider kind serving each (-1: none, the child lives with parents).
IN_HOUSE, KINSHIP, IFA, HOME, SUPPORTED, PARENTS, ADOPTION = range(7)
PROVIDER_OF_KIND = np.array((0, 0, 1, 2, 3, -1, 4))
PROVIDER_KINDS = ("Fostering Service", "Fostering Agency", "Children's Home", "Supported Accommodation",
                  "Adoption Agency")  # fmt: skip
# Per provider kind: (PLACE_PROVIDER codes, weights), and whether Ofsted's URN and a fixed postcode sector apply.
PROVIDER_CODES = (
    (("PR1",), (1,)),
    (("PR4", "PR5"), (7, 3)),
    (("PR1", "PR2", "PR4", "PR5"), (15, 5, 65, 15)),
    (("PR4", "PR5"), (6, 4)),
    (("PR1", "PR5"), (7, 3)),
)
REGISTERED = (False, True, True, True, False)
SITED = (False, False, True, True, False)
# Weekly cost in pounds by placement kind (domain.md §6): lowest, typical, highest; None where the council pays none.
COSTS: tuple[tuple[int, int, int] | None, ...] = (
    (650, 720, 800),
    (650, 700, 800),
    (820, 1000, 1300),
    (2500, 3800, 4500),
    (900, 1500, 2500),
    None,
    None,
)
# PLACE codes by kind: (codes, weights); supported accommodation depends on the collection year (see _place_codes).
PLACES = {
    IN_HOUSE: (("U4", "U6", "U5"), (45, 50, 5)),
    KINSHIP: (("U1", "U3"), (40, 60)),
    IFA: (("U4", "U6", "U5"), (40, 55, 5)),
    HOME: (("K2", "R1", "K1"), (90, 8, 2)),
    PARENTS: (("P1",), (1,)),
    ADOPTION: (("A6", "A5"), (80, 20)),
}
MOVES = {"CARPL": 30, "CREQO": 12, "CHILD": 8, "LAREQ": 10, "CREQB": 5, "CLOSE": 4, "STAND": 3, "ALLEG": 2,
         "APPRR": 2, "OTHER": 3}  # fmt: skip
TO_HOME = {"CREQB": 60, "CARPL": 25, "STAND": 5, "CHILD": 5, "ALLEG": 5}
TO_SUPPORTED = {"CARPL": 70, "CHILD": 20, "CREQO": 10}
# Reasons care ended: at 18, back home early (section 20), under a care order, adopted.
AT_EIGHTEEN = {"E17": 20, "E5": 45, "E6": 5, "E13": 10, "E8": 20}
EARLY_S20 = {"E4A": 60, "E4B": 15, "E13": 15, "E8": 10}
EARLY_ORDER = {"E4A": 30, "E41": 20, "E45": 15, "E47": 25, "E13": 10}
ADOPTED = {"E11": 80, "E12": 20}


@dataclass(frozen=True, slots=True)
class Councils:
    id: Ids
    code: Strings
    name: Strings


@dataclass(frozen=True, slots=True)
class Providers:
    id: Ids
    council: Ints
    kind: Ints  # index into PROVIDER_KINDS
    external_id: Strings
    name: Strings
    urn: Strings  # "" for none
    postcode_sector: Strings  # "" for none: the placement has its own
    place_provider: Strings


@dataclass(frozen=True, slots=True)
class Children:
    id: Ids
    council: Ints
    child_id: Strings
    pseudonym: Strings
    date_of_birth: Days
    sex: Strings
    ethnicity: Strings
    uasc: Flags
    entered: Days
    left: Days  # NaT while in care


@dataclass(frozen=True, slots=True)
class Placements:
    """Episodes in order of child and start; the columns of the placements table."""

    id: Ids
    child: Ints
    provider: Ints  # -1 for none
    start: Days
    end: Days  # NaT if open
    rne: Strings
    legal_status: Strings
    cin: Strings
    place: Strings
    place_provider: Strings
    reason_ended: Strings  # "" for none
    reason_place_change: Strings  # "" for none
    postcode_sector: Strings
    urn: Strings  # "" for none
    weekly_cost: Ints  # pence, -1 for none
    funding_health: Ints  # hundredths; social care has the rest
    funding_education: Ints


@dataclass(frozen=True, slots=True)
class National:
    today: date
    domains: tuple[str, ...]
    councils: Councils
    providers: Providers
    children: Children
    placements: Placements
    assessments: Assessments
    versions: Versions

    @property
    def ratings(self) -> int:
        return int(self.versions.need.size)


def _councils(rng: np.random.Generator, councils: int, children: int) -> tuple[Councils, Ints]:
    # Lognormal sizes: a few councils with one to two thousand children, many with a few hundred or fewer (in
    # England from a few dozen to about 2,300); the cap keeps one council from holding a tenth of the country.
    weights = np.minimum(rng.lognormal(0.0, 0.7, councils), 4.5)
    floor = max(1, min(25, children // (4 * councils)))
    sizes = rng.multinomial(children - floor * councils, weights / weights.sum()) + floor
    numbers = np.arange(1, councils + 1).astype(str)
    codes = np.char.add("NAT", np.char.zfill(numbers, 3))
    return Councils(uuids(rng, councils), codes, np.char.add("Synthetic National Council ", numbers)), sizes


def _providers(rng: np.random.Generator, sizes: Ints) -> tuple[Providers, Ints, Ints]:
    """Each council's providers, grouped by council then kind; with the first index and count per (council, kind)."""
    counts = np.stack(
        [np.ones_like(sizes), 3 + sizes // 150, 3 + sizes // 50, 2 + sizes // 200, np.ones_like(sizes)], axis=1
    )
    n = int(counts.sum())
    council = np.repeat(np.repeat(np.arange(len(sizes)), counts.shape[1]), counts.ravel())
    kind = np.repeat(np.tile(np.arange(counts.shape[1]), len(sizes)), counts.ravel())
    first = (np.cumsum(counts.ravel()) - counts.ravel()).reshape(counts.shape)
    number = (np.arange(n) - first.ravel().repeat(counts.ravel()) + 1).astype(str)
    codes = np.empty(n, dtype="<U3")
    for k, (values, weights) in enumerate(PROVIDER_CODES):
        mine = kind == k
        codes[mine] = pick(rng, (values, weights), int(mine.sum()))
    urns = np.char.add("SC", rng.integers(100_000, 1_000_000, n).astype(str))
    sectors = postcode_sectors(rng, n)
    council_number = np.char.zfill((council + 1).astype(str), 3)
    providers = Providers(
        id=uuids(rng, n),
        council=council,
        kind=kind,
        external_id=np.char.add(np.char.add(np.char.add("NAT-PROV-", council_number), "-"), np.arange(n).astype(str)),
        name=np.char.add(np.char.add(np.char.add("Synthetic ", np.asarray(PROVIDER_KINDS)[kind]), " "), number),
        urn=np.where(np.asarray(REGISTERED)[kind], urns, ""),
        postcode_sector=np.where(np.asarray(SITED)[kind], sectors, ""),
        place_provider=codes,
    )
    return providers, first, counts


def _place_codes(kind: Ints, draw: Floats, start: Days) -> Strings:
    """PLACE per episode from its placement's kind and draw, valid in the collection year the episode starts."""
    places = np.empty(len(kind), dtype="<U3")
    for k, (codes, weights) in PLACES.items():
        mine = kind == k
        cumulative = np.cumsum(weights) / sum(weights)
        index = np.minimum(np.searchsorted(cumulative, draw[mine], side="right"), len(codes) - 1)
        places[mine] = np.asarray(codes)[index]
    supported = kind == SUPPORTED
    # Supported accommodation was H5 (or P2, independent living) to 2023-24 and is K3 from 2024-25.
    earlier = np.where(draw[supported] < 0.7, "H5", "P2")
    places[supported] = np.where(collection_years(start[supported]) <= 2023, earlier, "K3")
    return places


def _kind_weights(
    age: Floats, prev: Ints, complexity: Flags, worsening: Flags, uasc: Flags, order: Flags, later: Flags
) -> NDArray[np.float64]:
    """Weights of the seven placement kinds for placements starting at `age`, after a placement of kind `prev`."""
    n = len(age)
    weights = np.zeros((n, 7))
    weights[:, IN_HOUSE] = np.where(uasc, 25, 40)
    weights[:, KINSHIP] = np.where(uasc, 0, 12)
    weights[:, IFA] = np.where(uasc, 40, 30)
    home = np.where(age >= 8, 3 + 12 * complexity + 6 * worsening + 8 * (age >= 13), 0.5)
    weights[:, HOME] = np.where(prev == HOME, 150, home) * np.where(uasc, 0.3, 1)
    weights[:, SUPPORTED] = np.where(age >= 16, np.where(uasc, 120, 60), 0)
    weights[:, PARENTS] = np.where(order & later & (age < 16), 4, 0)
    return weights


def generate(
    children: int = 84_000,
    councils: int = 150,
    seed: int = SEED,
    today: date = TODAY,
    domains: Sequence[str] | None = None,
) -> National:
    """The national dataset: the same arguments give the same arrays."""
    rng = np.random.default_rng(seed)
    domains = tuple(domains) if domains is not None else shipped_instrument().domains
    n, width = children, len(domains)
    now = np.datetime64(today, "D")
    council_rows, sizes = _councils(rng, councils, children)
    council = np.repeat(np.arange(councils), sizes)
    providers, provider_first, provider_count = _providers(rng, sizes)

    # The children. Most are in care today (as the national count of about 84,000 is of one day); the others
    # left within the five years: adopted, home, or at 18.
    uasc = rng.random(n) < UASC_SHARE
    staying = rng.random(n) < STAYING_SHARE
    # Days before today the child came into care: more long stays than short ones, as in the care population.
    back = 7 + np.floor((WINDOW - 7) * rng.random(n) ** ENTRY_SKEW).astype(np.int64)
    entered = now - back
    # Age at entry in days; a child still in care is under 18 today. 2 to 363 days past int(age * 365.25) is past
    # the birthday and before the next, whatever the leap years.
    ages = np.arange(18)
    starting = np.floor(ages * YEAR).astype(np.int64) + 2
    limit = np.where(staying, EIGHTEEN - back - 1, NEVER)
    weights = np.where(uasc[:, None], np.asarray(UASC_AGE_WEIGHTS), np.asarray(AGE_WEIGHTS))
    age = choose(rng, np.where(starting <= limit[:, None], weights, 0.0))
    born = entered - np.minimum(starting[age] + rng.integers(0, 362, n), limit)
    sex = np.where(rng.random(n) < np.where(uasc, 0.9, 0.55), "M", "F")
    ethnicity = np.where(uasc, pick(rng, UASC_ETHNICITIES, n), pick(rng, ETHNICITIES, n))
    cin = np.where(uasc, "N8", pick(rng, CATEGORIES, n))
    profile = rng.choice(3, n, p=np.asarray(PROFILE_WEIGHTS) / sum(PROFILE_WEIGHTS))
    arc = rng.choice(4, n, p=np.asarray(ARC_WEIGHTS) / sum(ARC_WEIGHTS))
    # Legal tracks: adoption (interim care order, then a placement order and a placement for adoption),
    # section 20 (all unaccompanied children), or an interim care order followed by a full care order.
    adoption = (age < 4) & ~uasc & (rng.random(n) < np.where(staying, 0.15, 0.5))
    s20 = uasc | (~adoption & (rng.random(n) < np.where(age >= 13, 0.4, 0.15)))
    order = ~adoption & ~s20
    first_status = np.where(s20, "V2", "C1")
    then_status = np.where(adoption, "E1", np.where(order, "C2", "V2"))
    change = np.where(adoption, rng.integers(270, 541, n), rng.integers(120, 421, n))
    # A child in care today and on the adoption track was placed for adoption lately, if at all.
    change = np.where(adoption & staying, np.maximum(change, back - rng.integers(60, 421, n)), change)
    change = np.where(s20, NEVER, change)
    # Leaving care, in days after entry: adopted, home, or at 18, whatever comes first; sooner if that is after today.
    adult = (born + EIGHTEEN - entered).astype(np.int64)
    planned = np.where(
        adoption,
        change + rng.integers(120, 421, n),
        np.where(s20, 14 + rng.exponential(200, n).astype(np.int64), rng.integers(180, 1461, n)),
    )
    ends = np.minimum(planned, adult)
    soonest = np.minimum(14, back - 1)
    sooner = ends >= back
    ends = np.where(sooner, soonest + np.floor(rng.random(n) * (back - soonest)).astype(np.int64), ends)
    span = np.where(staying, back, ends)  # days in care: the care period is [entered, entered + span]
    left = np.where(staying, np.datetime64("NaT"), entered + span)
    early = np.where(s20, pick(rng, EARLY_S20, n), pick(rng, EARLY_ORDER, n))
    adopted = adoption & ~sooner & (planned <= adult)
    leaving = np.where(ends == adult, pick(rng, AT_EIGHTEEN, n), np.where(adopted, pick(rng, ADOPTED, n), early))
    leaving = np.where(staying, "", leaving)

    child_ids = np.char.add("NAT-C", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    kids = Children(
        id=uuids(rng, n),
        council=council,
        child_id=child_ids,
        pseudonym=_pseudonyms(council_rows.id, council, child_ids),
        date_of_birth=born,
        sex=sex,
        ethnicity=ethnicity,
        uasc=uasc,
        entered=entered,
        left=left,
    )
    placements, moves = _placements(
        rng,
        kids,
        span=span,
        change=change,
        statuses=(first_status, then_status),
        tracks=(adoption, order),
        cin=cin,
        needs=(profile == COMPLEX, arc == WORSENING),
        leaving=leaving,
        providers=(providers, provider_first, provider_count),
    )
    assessments, versions = assessments_of(rng, kids, span, moves, profile, arc, width)
    return National(today, domains, council_rows, providers, kids, placements, assessments, versions)


def _pseudonyms(council_ids: Ids, council: Ints, child_ids: Strings) -> Strings:
    la_ids = [uuid.UUID(bytes=bytes(row)) for row in council_ids]
    return np.asarray(
        [
            pseudonym(BENCH_PSEUDONYM_KEY, la_ids[la], child)
            for la, child in zip(council.tolist(), child_ids.tolist(), strict=True)
        ]
    )


def _placements(
    rng: np.random.Generator,
    kids: Children,
    *,
    span: Ints,
    change: Ints,
    statuses: tuple[Strings, Strings],
    tracks: tuple[Flags, Flags],
    cin: Strings,
    needs: tuple[Flags, Flags],
    leaving: Strings,
    providers: tuple[Providers, Ints, Ints],
) -> tuple[Placements, tuple[Ints, Ints]]:
    """Episodes covering each care period; with the (child, day after entry) of each placement move."""
    n = len(span)
    adoption, order = tracks
    complexity, worsening = needs
    rate = 0.3 * (1 + worsening + 0.6 * complexity)
    # Adoption: the moves come before the placement for adoption, which starts when the placement order is made.
    reach = np.where(adoption, np.minimum(change, span), span)
    count = np.minimum(rng.poisson(rate * reach / YEAR), MAX_MOVES)
    count = np.minimum(count, np.maximum(0, (reach - 1) // 30))
    column = np.arange(MAX_MOVES)
    draws = np.where(column < count[:, None], rng.random((n, MAX_MOVES)), 2.0)
    draws.sort(axis=1)
    # Distinct sorted days in [1, reach - 1]: floor(u * (reach - count)) is non-decreasing, + column makes it strict.
    days = np.floor(np.minimum(draws, 1.0) * (reach - count)[:, None]).astype(np.int64) + column + 1
    used = column < count[:, None]
    # The change of legal status: its own episode (RNE L) unless it falls on a move; for adoption, a move itself.
    extra = change < span
    extra &= ~(used & (days == change[:, None])).any(axis=1)
    starts = np.concatenate(
        [np.zeros((n, 1), np.int64), np.where(used, days, NEVER), np.where(extra, change, NEVER)[:, None]], axis=1
    )
    moving = np.concatenate([np.zeros((n, 1), bool), used, (extra & adoption)[:, None]], axis=1)
    order_in_row = np.argsort(starts, axis=1, kind="stable")
    starts = np.take_along_axis(starts, order_in_row, axis=1)
    moving = np.take_along_axis(moving, order_in_row, axis=1)
    rows, _ = np.nonzero(starts < NEVER)
    rel = starts[starts < NEVER]
    move = moving[starts < NEVER]
    e = len(rows)
    first = group_starts(rows) == np.arange(e)
    last = np.ones(e, dtype=bool)
    last[:-1] = rows[1:] != rows[:-1]

    status = np.where(rel >= change[rows], statuses[1][rows], statuses[0][rows])
    previous_status = np.roll(status, 1)
    rne = np.where(first, "S", np.where(move, np.where(status != previous_status, "T", "P"), "L"))

    # Placements (a move starts one; a change of legal status keeps it): kinds drawn position by position.
    starting = first | move
    placement = np.cumsum(starting) - 1
    p_rows, p_rel = rows[starting], rel[starting]
    p = len(p_rows)
    position = np.arange(p) - group_starts(p_rows)
    born, entered = kids.date_of_birth, kids.entered
    p_start = entered[p_rows] + p_rel
    age = ((p_start - born[p_rows]).astype(np.int64) / YEAR).astype(np.float32)
    kind = np.zeros(p, dtype=np.int64)
    for at in range(int(position.max()) + 1):
        here = np.nonzero(position == at)[0]
        c = p_rows[here]
        prev = kind[here - 1] if at else np.full(len(here), -1)
        weights = _kind_weights(
            age[here], prev, complexity[c], worsening[c], kids.uasc[c], order[c], np.full(len(here), at > 0)
        )
        chosen = choose(rng, weights)
        # Adoption: fostered (often by approved adopters) until the placement order, then placed for adoption.
        foster = np.where(rng.random(len(here)) < 0.65, IN_HOUSE, IFA)
        chosen = np.where(adoption[c], np.where(p_rel[here] >= change[c], ADOPTION, foster), chosen)
        kind[here] = chosen
    previous_kind = np.where(position > 0, np.roll(kind, 1), -1)

    # Why each placement after the first began (the ending episode carries it).
    reason = pick(rng, MOVES, p)
    worse = pick(rng, MOVES | {"CREQB": 20}, p)
    reason = np.where(worsening[p_rows], worse, reason)
    fostered = np.isin(previous_kind, (IN_HOUSE, KINSHIP, IFA))
    reason = np.where((kind == HOME) & fostered, pick(rng, TO_HOME, p), reason)
    reason = np.where(kind == SUPPORTED, pick(rng, TO_SUPPORTED, p), reason)
    reason = np.where(np.isin(kind, (ADOPTION, PARENTS)), "CARPL", reason)

    # Provider, costs and funding per placement.
    table, provider_first, provider_count = providers
    provider_kind = PROVIDER_OF_KIND[kind]
    has_provider = provider_kind >= 0
    council = kids.council[p_rows]
    safe_kind = np.maximum(provider_kind, 0)
    offered = provider_count[council, safe_kind]
    provider = provider_first[council, safe_kind] + np.floor(rng.random(p) * offered).astype(np.int64)
    provider = np.where(has_provider, provider, -1)
    safe_provider = np.maximum(provider, 0)
    place_provider = np.where(has_provider, table.place_provider[safe_provider], "PR0")
    sector = np.where(
        has_provider & (table.postcode_sector[safe_provider] != ""),
        table.postcode_sector[safe_provider],
        postcode_sectors(rng, p),
    )
    urn = np.where(has_provider, table.urn[safe_provider], "")
    cost = np.full(p, -1, dtype=np.int64)
    for k, costs in enumerate(COSTS):
        mine = kind == k
        if costs is None:
            continue
        low, typical, high = costs
        pounds = np.clip(rng.normal(typical, (high - low) / 6, int(mine.sum())), low, high)
        cost[mine] = np.round(pounds * 100).astype(np.int64)
    joint = (kind == HOME) & (rng.random(p) < 0.4)  # jointly funded for health or special educational needs
    health = np.where(joint, rng.choice((10, 20, 25, 33), p), 0)
    education = np.where(joint, rng.choice((0, 10, 15, 25), p), np.where(rng.random(p) < 0.05, 10, 0))
    draw = rng.random(p).astype(np.float32)

    # Episodes: the placement's fields, the episode's own dates and codes.
    start = entered[rows] + rel
    next_start = np.roll(start, -1)
    end = np.where(last, kids.left[rows], next_start)
    next_move = np.roll(move, -1) & ~last
    next_placement = np.minimum(placement + 1, p - 1)
    e_kind = kind[placement]
    episodes = Placements(
        id=uuids(rng, e),
        child=rows,
        provider=provider[placement],
        start=start,
        end=end,
        rne=rne,
        legal_status=status,
        cin=cin[rows],
        place=_place_codes(e_kind, draw[placement], start),
        place_provider=place_provider[placement],
        reason_ended=np.where(last, leaving[rows], "X1"),
        reason_place_change=np.where(next_move, reason[next_placement], ""),
        postcode_sector=sector[placement],
        urn=urn[placement],
        weekly_cost=cost[placement],
        funding_health=health[placement],
        funding_education=education[placement],
    )
    return episodes, (p_rows[position > 0], p_rel[position > 0])
