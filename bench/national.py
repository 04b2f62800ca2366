"""A national-scale synthetic dataset for the benchmark (issue 4), generated with numpy and loaded through COPY.

About 84,000 children in 150 councils of uneven size (a few large, many small), each entering care within the last
five years. Each child has placement episodes with valid SSDA903 codes (of each episode's collection year: H5 and P2
give way to K3 in 2024-25) covering the time in care without gaps or overlaps, and final needs-v1 assessments: the
first within 20 days of entry, three months later, then every three to six months until today or leaving care; about
10 million ratings in all. Needs drift per domain (most children improve, some worsen, some both) and the placements
follow them: complex needs and worsening children move more, to children's homes, often after their carers asked.

Arrays, not objects: generation loops over placement positions (at most a dozen), never over children or ratings.
The placements are drawn in national_placements.py and the assessments in national_assessments.py, with the draws
every table shares in national_draws.py.
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
    NEVER,
    WINDOW,
    YEAR,
    Days,
    Flags,
    Ids,
    Ints,
    Strings,
    choose,
    pick,
    postcode_sectors,
    uuids,
)
from bench.national_placements import Placements, placements_of  # noqa: E402
from shared.demo_data import ETHNICITIES  # noqa: E402 - the same mix of England's children in care
from shared.instruments import shipped_instrument  # noqa: E402
from shared.pseudonyms import pseudonym  # noqa: E402

SEED = 20261123
TODAY = date(2026, 10, 31)
# Pseudonyms of synthetic children only: shared.pseudonyms.pseudonym with this key.
BENCH_PSEUDONYM_KEY = b"bench-national-synthetic-children-only"
EIGHTEEN = 6574  # days from birth to the 18th birthday or the day before it (18 years hold 4 or 5 leap days)
UASC_SHARE = 0.07
STAYING_SHARE = 0.85  # children still in care today
ENTRY_SKEW = 0.4  # days in care are WINDOW * u ** ENTRY_SKEW: long stays, so that ratings come to about 10 million

# Ages 0 to 17 at entry, as children start to be looked after in England: a fifth under one, most others ten or over.
AGE_WEIGHTS = (19, 4, 3.5, 3.5, 3, 3, 3, 3, 3, 3, 6, 6, 6.5, 6.5, 6.5, 6, 7.5, 7.5)
UASC_AGE_WEIGHTS = (0,) * 12 + (2, 5, 10, 25, 35, 23)
UASC_ETHNICITIES = {"OOTH": 2, "AOTH": 1, "BAFR": 1, "BOTH": 1, "WOTH": 1}
CATEGORIES = {"N1": 64, "N2": 3, "N3": 3, "N4": 8, "N5": 15, "N6": 2, "N8": 5}


# Placement kinds, and the provider kind serving each (-1: none, the child lives with parents).
PROVIDER_KINDS = (
    "Fostering Service",
    "Fostering Agency",
    "Children's Home",
    "Supported Accommodation",
    "Adoption Agency",
)
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


# Per provider kind, what it offers (matching, issue 17): the placement group, the weekly cost's range in pounds,
# the places it declares, and the highest need level it meets in a domain (one drawn per domain from these).
OFFER_GROUPS = ("foster", "foster", "residential", "supported", "adoption")
OFFER_COSTS = ((650, 800), (820, 1300), (2500, 4500), (900, 2000), (600, 900))
OFFER_PLACES = ((2, 6), (20, 60), (2, 6), (4, 12), (5, 20))
OFFER_TOPS = ((1, 2, 3), (2, 3, 3), (3, 4, 4), (1, 2, 3), (1, 2, 2))


@dataclass(frozen=True, slots=True)
class Offers:
    """One per provider: what it declares it can offer its council."""

    weekly_cost: Ints  # pence
    places: Ints
    top: Ints  # providers x domains: the highest need level met in each domain


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
class National:
    today: date
    domains: tuple[str, ...]
    councils: Councils
    providers: Providers
    children: Children
    placements: Placements
    assessments: Assessments
    versions: Versions
    offers: Offers

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
    placements, moves = placements_of(
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
    offers = _offers(np.random.default_rng(seed + 1), providers.kind, width)  # its own draws: the rest stays as it was
    return National(today, domains, council_rows, providers, kids, placements, assessments, versions, offers)


def _offers(rng: np.random.Generator, kind: Ints, domains: int) -> Offers:
    n = len(kind)
    low, high = (np.asarray([bounds[i] for bounds in OFFER_COSTS])[kind] for i in (0, 1))
    fewest, most = (np.asarray([bounds[i] for bounds in OFFER_PLACES])[kind] for i in (0, 1))
    tops = np.asarray(OFFER_TOPS)[kind]
    return Offers(
        weekly_cost=rng.integers(low, high + 1) * 100,
        places=rng.integers(fewest, most + 1),
        top=np.take_along_axis(tops, rng.integers(0, tops.shape[1], (n, domains)), axis=1),
    )


def _pseudonyms(council_ids: Ids, council: Ints, child_ids: Strings) -> Strings:
    la_ids = [uuid.UUID(bytes=bytes(row)) for row in council_ids]
    return np.asarray(
        [
            pseudonym(BENCH_PSEUDONYM_KEY, la_ids[la], child)
            for la, child in zip(council.tolist(), child_ids.tolist(), strict=True)
        ]
    )
