"""Properties of pbnr-v1 statements over generated contracts, stays and assessments: what a provider
checking its statement line by line relies on, whatever the data."""

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.domain.engines.pbnr.contract import Contract, Period, Terms, contract_year, period_of
from shared.domain.engines.pbnr.events import Assessment
from shared.domain.engines.pbnr.money import pennies
from shared.domain.engines.pbnr.statement import Inputs, Statement, ledger, statements
from shared.domain.engines.pbnr.stays import TEMPORARY, Episode
from tests.unit.pbnr_builders import PROVIDER, START, assessment, contract, episode

TODAY = date(2027, 3, 31)
DOMAINS = ("safety", "learning", "family")
money = st.decimals(min_value=0, max_value=3000, places=2)
share = st.integers(min_value=0, max_value=20).map(lambda n: Decimal(n) / 20)


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    first = draw(share)
    return contract(
        end=START + timedelta(days=draw(st.integers(min_value=90, max_value=900))),
        period=draw(st.sampled_from(["month", "quarter"])),
        tariff={2: draw(money), 3: draw(money), 4: draw(money)},
        first_share=first,
        second_share=1 - first,
        sustainment_gap_days=draw(st.integers(min_value=1, max_value=200)),
        deadweight=draw(share) / 2,
        cap_per_child_year=draw(st.none() | money),
        cap_per_period=draw(st.none() | money),
        cap_outcome_share=draw(st.none() | share),
    )


@st.composite
def episodes_of(draw: st.DrawFn, child: str) -> list[Episode]:
    result, day = [], START - timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    for n in range(draw(st.integers(min_value=1, max_value=5))):
        day += timedelta(days=draw(st.sampled_from([0, 0, 0, 10, 40])))  # mostly one after another
        length = draw(st.none() | st.integers(min_value=1, max_value=300))
        end = None if length is None else day + timedelta(days=length)
        place = draw(st.sampled_from(["U4", "U4", "K2", "T1"]))
        provider = draw(st.sampled_from([PROVIDER, PROVIDER, "OTHER"]))
        cost = draw(st.none() | st.integers(min_value=300, max_value=4000).map(str))
        result.append(episode(day, end, child=child, place=place, provider=provider, cost=cost, id=f"{child}-E{n}"))
        if end is None:
            break
        day = end
    return result


@st.composite
def assessments_of(draw: st.DrawFn, child: str) -> list[Assessment]:
    result = []
    for n in range(draw(st.integers(min_value=0, max_value=8))):
        on = START + timedelta(days=draw(st.integers(min_value=-150, max_value=900)))
        levels = {d: draw(st.integers(min_value=0, max_value=4)) for d in DOMAINS if draw(st.integers(0, 5))}
        role = draw(st.sampled_from(["social_worker", "iro", "panel", "provider", "carer"]))
        result.append(
            assessment(on, levels, child=child, role=role, final=draw(st.integers(0, 4)) > 0, id=f"{child}-A{n}")
        )
    return result


@st.composite
def inputs(draw: st.DrawFn) -> Inputs:
    children = [f"C{n}" for n in range(draw(st.integers(min_value=1, max_value=4)))]
    episodes = [e for child in children for e in draw(episodes_of(child))]
    assessments = [a for child in children for a in draw(assessments_of(child))]
    return Inputs(draw(contracts()), tuple(episodes), tuple(assessments))


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def figures(result: list[Statement]) -> list[tuple[object, ...]]:
    return [
        (
            s.period,
            s.inputs_hash,
            s.earned,
            s.paid,
            s.withheld,
            s.stays_ended,
            s.rises,
            [
                (p.event.on, p.event.child, p.event.domain, p.event.rule, p.earned, p.paid, p.withheld, p.capped_by)
                for p in s.lines
            ],
        )
        for s in result
    ]


@PROPERTY
@given(inputs())
def test_totals_are_the_sums_of_the_lines_and_every_line_pays_plus_withholds_what_it_earned(given: Inputs) -> None:
    for statement in statements(given, TODAY):
        assert statement.earned == sum((p.earned for p in statement.lines), Decimal(0))
        assert statement.paid == sum((p.paid for p in statement.lines), Decimal(0))
        assert statement.withheld == sum((p.withheld for p in statement.lines), Decimal(0))
        for p in statement.lines:
            assert p.paid + p.withheld == p.earned and p.paid >= 0 and p.withheld >= 0
            assert all(amount.as_tuple().exponent == -2 for amount in (p.earned, p.paid, p.withheld))  # pence
            assert (p.withheld > 0) == bool(p.capped_by)


@PROPERTY
@given(inputs(), st.randoms(use_true_random=False))
def test_the_order_inputs_arrive_in_changes_nothing(given: Inputs, shuffle: random.Random) -> None:
    episodes, assessments = list(given.episodes), list(given.assessments)
    shuffle.shuffle(episodes)
    shuffle.shuffle(assessments)
    shuffled = Inputs(given.contract, tuple(episodes), tuple(assessments))
    assert figures(statements(shuffled, TODAY)) == figures(statements(given, TODAY))


@PROPERTY
@given(inputs())
def test_recomputing_gives_the_same_hash_and_figures(given: Inputs) -> None:
    """Recomputed from the same inputs as the database gives them back: money and shares to its own
    scale (700.00, 0.4000), not as they were first written (700, 0.4)."""
    stored = Inputs(
        replace(given.contract, versions=tuple(as_stored(t) for t in given.contract.versions)),
        tuple(
            replace(e, weekly_cost=None if e.weekly_cost is None else e.weekly_cost.quantize(Decimal("0.01")))
            for e in given.episodes
        ),
        given.assessments,
    )
    assert figures(statements(stored, TODAY)) == figures(statements(given, TODAY))


def as_stored(terms: Terms) -> Terms:
    pence, share = Decimal("0.01"), Decimal("0.0001")
    return replace(
        terms,
        tariff={level: pounds.quantize(pence) for level, pounds in terms.tariff.items()},
        first_share=terms.first_share.quantize(share),
        second_share=terms.second_share.quantize(share),
        deadweight=terms.deadweight.quantize(share),
        cap_per_child_year=None if terms.cap_per_child_year is None else terms.cap_per_child_year.quantize(pence),
        cap_per_period=None if terms.cap_per_period is None else terms.cap_per_period.quantize(pence),
        cap_outcome_share=None if terms.cap_outcome_share is None else terms.cap_outcome_share.quantize(share),
    )


@PROPERTY
@given(inputs())
def test_paid_never_exceeds_a_cap(given: Inputs) -> None:
    """Across every period, as the latest statement counts them."""
    book = ledger(given, TODAY)
    terms = given.contract.versions[0]
    per_child_year: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    per_period: dict[Period, Decimal] = defaultdict(Decimal)
    for p in book.priced:
        per_child_year[p.event.child, contract_year(given.contract, p.event.on)] += p.paid
        period = period_of(given.contract, p.event.on)
        assert period is not None
        per_period[period] += p.paid
    if terms.cap_per_child_year is not None:
        assert all(paid <= terms.cap_per_child_year for paid in per_child_year.values())
    for period, paid in per_period.items():
        if terms.cap_per_period is not None:
            assert paid <= terms.cap_per_period
        if terms.cap_outcome_share is not None:
            assert paid <= pennies(Fraction(terms.cap_outcome_share) * base_fees(given, period, min(period.end, TODAY)))


def base_fees(given: Inputs, period: Period, cutoff: date) -> Fraction:
    """Weekly cost / 7 for each day of the period (to its cut-off) a child spent with the provider,
    counted here day by day, apart from the engine's stays. A day with the provider outside any stay
    cannot happen: every episode with the provider begins or continues one."""
    total, day = Fraction(0), period.start
    while day <= cutoff:
        for e in given.known_on(TODAY).episodes:
            with_provider = e.provider == PROVIDER and e.place not in TEMPORARY
            if with_provider and e.weekly_cost is not None and e.start <= day and (e.end is None or day < e.end):
                total += Fraction(e.weekly_cost) / 7
        day += timedelta(days=1)
    return total


@PROPERTY
@given(inputs(), st.data())
def test_a_period_whose_inputs_hash_an_edit_leaves_alone_keeps_its_figures(given: Inputs, data: st.DataObject) -> None:
    """Only a period whose hash changed is recomputed, so the hash must cover all its figures rest on:
    after one episode is dropped, moved to another provider or ended on another day, each period
    either hashes differently or has the same statement."""
    if not given.episodes:
        return
    episodes = list(given.episodes)
    n = data.draw(st.integers(min_value=0, max_value=len(episodes) - 1))
    edit = data.draw(st.sampled_from(["drop", "provider", "end"]))
    if edit == "drop":
        del episodes[n]
    elif edit == "provider":
        episodes[n] = replace(episodes[n], provider="OTHER" if episodes[n].provider == PROVIDER else PROVIDER)
    else:
        days = data.draw(st.none() | st.integers(min_value=1, max_value=300))
        episodes[n] = replace(episodes[n], end=None if days is None else episodes[n].start + timedelta(days=days))
    before = {s.period: s for s in statements(given, TODAY)}
    for after in statements(replace(given, episodes=tuple(episodes)), TODAY):
        if after.inputs_hash == before[after.period].inputs_hash:
            assert figures([after]) == figures([before[after.period]])
