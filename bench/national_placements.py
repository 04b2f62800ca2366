"""The national dataset's placement episodes: each child's time in care covered without gaps or overlaps,
with valid SSDA903 codes of each episode's collection year; complex needs and worsening children move
more, to children's homes, often after their carers asked."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bench.national_draws import (
    NEVER,
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

if TYPE_CHECKING:
    from bench.national import Children, Providers

# Placement kinds, and the provider kind serving each (-1: none, the child lives with parents).
IN_HOUSE, KINSHIP, IFA, HOME, SUPPORTED, PARENTS, ADOPTION = range(7)
PROVIDER_OF_KIND = np.array((0, 0, 1, 2, 3, -1, 4))
MAX_MOVES = 10
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
# PLACE codes by kind: (codes, weights); supported accommodation depends on the collection year (see place_codes).
PLACES = {
    IN_HOUSE: (("U4", "U6", "U5"), (45, 50, 5)),
    KINSHIP: (("U1", "U3"), (40, 60)),
    IFA: (("U4", "U6", "U5"), (40, 55, 5)),
    HOME: (("K2", "R1", "K1"), (90, 8, 2)),
    PARENTS: (("P1",), (1,)),
    ADOPTION: (("A6", "A5"), (80, 20)),
}
MOVES = {
    "CARPL": 30,
    "CREQO": 12,
    "CHILD": 8,
    "LAREQ": 10,
    "CREQB": 5,
    "CLOSE": 4,
    "STAND": 3,
    "ALLEG": 2,
    "APPRR": 2,
    "OTHER": 3,
}
TO_HOME = {"CREQB": 60, "CARPL": 25, "STAND": 5, "CHILD": 5, "ALLEG": 5}
TO_SUPPORTED = {"CARPL": 70, "CHILD": 20, "CREQO": 10}


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


def place_codes(kind: Ints, draw: Floats, start: Days) -> Strings:
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


def kind_weights(
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


def placements_of(
    rng: np.random.Generator,
    kids: "Children",
    *,
    span: Ints,
    change: Ints,
    statuses: tuple[Strings, Strings],
    tracks: tuple[Flags, Flags],
    cin: Strings,
    needs: tuple[Flags, Flags],
    leaving: Strings,
    providers: tuple["Providers", Ints, Ints],
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
        weights = kind_weights(
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
        place=place_codes(e_kind, draw[placement], start),
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
