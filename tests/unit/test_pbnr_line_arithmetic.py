"""Each earned line carries its arithmetic (domain.md §7.6-§7.7), so a provider can check it by hand:
its earned amount recomputes from the tariff, share, attribution days and deadweight, and its paid
amount from that and the room left under each cap, to the penny."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from shared.domain.engines.pbnr.money import Priced
from shared.domain.engines.pbnr.statement import Statement
from tests.unit.pbnr_builders import assessment, contract, episode, run
from tests.unit.pbnr_scenarios import BASELINE, GAP_LATER, MAY, SAFETY_DOWN, SCENARIOS, STAY, Scenario


def by_hand(line: Priced) -> tuple[Decimal, Decimal]:
    """Earned and paid worked from the line's own fields with decimal arithmetic, as on paper."""
    factors = line.arithmetic
    assert factors is not None
    with localcontext() as exact:
        exact.prec = 50
        attribution = Decimal(factors.days_with_provider) / factors.days if factors.days else Decimal(1)
        amount = factors.tariff * factors.share * attribution * (1 - factors.deadweight)
        earned = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    paid = min([earned, *(max(room, Decimal(0)) for _, room in line.rooms)])
    return earned, paid


def earned_lines(statements: list[Statement]) -> list[Priced]:
    return [line for s in statements for line in s.lines if line.event.kind == "earned"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_earned_line_recomputes_by_hand_from_its_fields(scenario: Scenario) -> None:
    terms = contract(*scenario.later_terms, **scenario.terms)
    for line in earned_lines(run(terms, scenario.episodes, scenario.assessments)):
        assert by_hand(line) == (line.earned, line.paid)
        assert line.withheld == line.earned - line.paid


def only_second(statements: list[Statement]) -> Priced:
    return next(line for line in earned_lines(statements) if line.event.instalment == 2)


def test_the_per_child_year_cap_shows_the_room_it_left() -> None:
    terms = contract(cap_per_child_year=Decimal(500))
    line = only_second(
        run(
            terms,
            [episode(STAY)],
            [assessment(STAY, BASELINE), assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)],
        )
    )
    assert line.arithmetic is not None
    assert (line.arithmetic.tariff, line.arithmetic.share) == (Decimal(1000), Decimal("0.6"))
    assert line.rooms == (("per_child_year", Decimal("100.00")),)
    assert by_hand(line) == (Decimal("600.00"), Decimal("100.00")) == (line.earned, line.paid)


def test_the_per_period_cap_shows_the_room_the_earlier_child_left() -> None:
    terms = contract(cap_per_period=Decimal(600))
    statements = run(
        terms,
        [episode(STAY), episode(STAY, child="C2")],
        [
            assessment(STAY, BASELINE),
            assessment(STAY, BASELINE, child="C2"),
            assessment(MAY, SAFETY_DOWN),
            assessment(MAY, SAFETY_DOWN, child="C2"),
        ],
    )
    first, second = earned_lines(statements)
    assert first.rooms == (("per_period", Decimal("600.00")),) and first.paid == Decimal("400.00")
    assert second.event.child == "C2" and second.rooms == (("per_period", Decimal("200.00")),)
    assert by_hand(second) == (Decimal("400.00"), Decimal("200.00")) == (second.earned, second.paid)


def test_the_outcome_share_cap_shows_its_limit_less_what_the_period_paid() -> None:
    terms = contract(cap_outcome_share=Decimal("0.02"))  # 2% of 91 days at £700 a week
    (line,) = earned_lines(run(terms, [episode(STAY)], [assessment(STAY, BASELINE), assessment(MAY, SAFETY_DOWN)]))
    assert line.rooms == (("outcome_share", Decimal("182.00")),)
    assert by_hand(line) == (Decimal("400.00"), Decimal("182.00")) == (line.earned, line.paid)


def test_attribution_days_leave_out_a_temporary_move_and_deadweight_is_deducted() -> None:
    respite, back = date(2025, 3, 1), date(2025, 3, 15)
    episodes = [episode(STAY, respite), episode(respite, back, place="T1", provider=None), episode(back)]
    terms = contract(deadweight=Decimal("0.1"))
    (line,) = earned_lines(run(terms, episodes, [assessment(STAY, BASELINE), assessment(MAY, SAFETY_DOWN)]))
    assert line.arithmetic is not None
    # 1 February to 1 May is 89 days, 14 of them on respite.
    assert (line.arithmetic.days_with_provider, line.arithmetic.days) == (75, 89)
    assert line.arithmetic.deadweight == Decimal("0.1") and line.rooms == ()
    # £1,000 x 0.4 x 75/89 x 0.9 = £303.370786... so £303.37
    assert by_hand(line) == (Decimal("303.37"), Decimal("303.37")) == (line.earned, line.paid)


def test_lines_that_earn_nothing_carry_no_arithmetic() -> None:
    statements = run(
        contract(cap_per_period=Decimal(600)),
        [episode(STAY, date(2025, 6, 1))],
        [assessment(STAY, BASELINE), assessment(MAY, SAFETY_DOWN)],
    )
    forfeits = [line for s in statements for line in s.lines if line.event.kind == "forfeited"]
    assert forfeits and all(line.arithmetic is None and line.rooms == () for line in forfeits)
