"""pbnr-v1 after an erasure (domain.md §9 with §7.7 and §7.9), worked by hand: what a closed period paid
for an erased child stands. It is never adjusted, and it still counts toward that period's caps, as do its
base fees toward the outcome share cap's limit; an open period is priced without the child."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from shared.domain.engines.pbnr.closing import ERASED, Settled
from shared.domain.engines.pbnr.events import FIRST, Assessment
from shared.domain.engines.pbnr.statement import Inputs, closed_cost_days, due, statements
from tests.unit.pbnr_builders import assessment, contract, episode

STAY, MAY = date(2025, 2, 1), date(2025, 5, 1)
Q1, Q2 = date(2025, 1, 1), date(2025, 4, 1)
BASELINE, SAFETY_DOWN = {"safety": 3}, {"safety": 1}
TERMS = contract(cap_per_period=Decimal(500))
# Q2 as closed and paid, with C1 since erased: each child's safety, level 3 at baseline, reduced in May
# (£1,000 x 40% = £400); C1 first, so the £500 cap per period left C2 £100 and withheld £300.
SETTLED = (
    Settled(Q2, ERASED, ERASED, "safety", 1, FIRST, Decimal("400.00"), Decimal("400.00"), Decimal("0.00"), ERASED),
    Settled(
        Q2,
        "C2",
        "C2-2025-02-01",
        "safety",
        1,
        FIRST,
        Decimal("400.00"),
        Decimal("100.00"),
        Decimal("300.00"),
        "C2-A-2025-05-02-social_worker",
    ),
)


def after_erasure(*c2_assessments: dict[str, int]) -> Inputs:
    """C1's episodes and assessments gone; C2's as given, on the baseline's date and the day after May's."""
    days = (STAY, date(2025, 5, 2))
    own = tuple(assessment(on, levels, child="C2") for on, levels in zip(days, c2_assessments, strict=True))
    return Inputs(TERMS, (episode(STAY, child="C2"),), own, frozenset({Q1, Q2}), SETTLED)


def test_a_closed_period_s_money_for_an_erased_child_is_neither_clawed_back_nor_freed_for_others() -> None:
    q3 = statements(after_erasure(BASELINE, SAFETY_DOWN), date(2025, 9, 30))[0]
    assert q3.period.start == date(2025, 7, 1)
    # Not -£400 for C1, and not +£300 for C2 from the cap's room C1's £400 would free.
    assert q3.adjustments == () and q3.paid == Decimal("0.00")


def test_a_later_change_in_that_period_is_priced_against_the_cap_the_erased_child_s_money_still_fills() -> None:
    # C2's baseline amended to level 4: its May instalment earns £2,000 x 40% = £800, and the cap's room
    # after C1's £400 is still £100, already paid: £400 more earned, all of it withheld.
    q3 = statements(after_erasure({"safety": 4}, SAFETY_DOWN), date(2025, 9, 30))[0]
    assert [(a.child, a.closed_period.start, a.earned, a.paid, a.withheld) for a in q3.adjustments] == [
        ("C2", Q2, Decimal("400.00"), Decimal("0.00"), Decimal("400.00"))
    ]


# Under a 20% outcome share cap, C1 and C2 stayed from February at £700 a week, every domain level 4 at
# baseline. In Q2 (91 days) their base fees were 2 x £700 x 91 / 7 = £18,200, a limit of £3,640. C1 reduced
# three domains on 2 May (3 x £2,000 x 40% = £2,400, paid), C2 two on 3 May (£800 each): £800 paid and
# £440 of the second, the limit reached. Q1 and Q2 are closed and paid; C1 has since been erased.
SHARE_TERMS = contract(cap_outcome_share=Decimal("0.2"))
C1_DOMAINS, C2_MAY, C2_AUGUST = ("x", "y", "z"), ("a", "b"), ("c", "d", "e")
SHARE_SETTLED = tuple(
    Settled(Q2, ERASED, ERASED, domain, 1, FIRST, Decimal("800.00"), Decimal("800.00"), Decimal("0.00"), ERASED)
    for domain in C1_DOMAINS
) + tuple(
    Settled(
        Q2,
        "C2",
        "C2-2025-02-01",
        domain,
        1,
        FIRST,
        Decimal("800.00"),
        paid,
        Decimal("800.00") - paid,
        "C2-A-2025-05-03-social_worker",
    )
    for domain, paid in zip(C2_MAY, (Decimal("800.00"), Decimal("440.00")), strict=True)
)
SEPTEMBER = date(2025, 9, 30)


def c2_reviews() -> tuple[Assessment, ...]:
    """Its baseline; a and b reduced on 3 May; c, d and e on 4 August, in Q3, still open."""
    every = C2_MAY + C2_AUGUST
    return (
        assessment(STAY, dict.fromkeys(every, 4), child="C2"),
        assessment(date(2025, 5, 3), dict.fromkeys(every, 4) | dict.fromkeys(C2_MAY, 1), child="C2"),
        assessment(date(2025, 8, 4), dict.fromkeys(every, 1), child="C2"),
    )


def before_erasure() -> Inputs:
    c1 = (assessment(STAY, dict.fromkeys(C1_DOMAINS, 4)), assessment(date(2025, 5, 2), dict.fromkeys(C1_DOMAINS, 1)))
    both = (episode(STAY), episode(STAY, child="C2"))
    return Inputs(SHARE_TERMS, both, (*c1, *c2_reviews()), frozenset({Q1, Q2}), SHARE_SETTLED)


def test_an_erasure_keeps_the_child_s_cost_days_in_each_closed_period_only() -> None:
    # Q1 from 1 February: 59 days; Q2: 91 days; Q3, open, none.
    assert closed_cost_days(before_erasure(), "C1", SEPTEMBER) == {Q1: Decimal(700 * 59), Q2: Decimal(700 * 91)}


def test_the_erased_child_s_base_fees_still_set_a_paid_period_s_outcome_share_limit() -> None:
    kept = closed_cost_days(before_erasure(), "C1", SEPTEMBER)
    after = Inputs(SHARE_TERMS, (episode(STAY, child="C2"),), c2_reviews(), frozenset({Q1, Q2}), SHARE_SETTLED, kept)
    q3 = statements(after, SEPTEMBER)[0]
    # Q2's limit is still £3,640, so C2 is still owed the £1,240 it was paid: no clawback of it.
    assert q3.period.start == date(2025, 7, 1) and q3.adjustments == ()
    # Q3, open, is priced without C1: C2's base fees alone, £700 x 92 / 7 = £9,200, a limit of £1,840 for
    # its three £800 instalments.
    assert [(line.event.domain, line.paid, line.withheld) for line in q3.lines] == [
        ("c", Decimal("800.00"), Decimal("0.00")),
        ("d", Decimal("800.00"), Decimal("0.00")),
        ("e", Decimal("240.00"), Decimal("560.00")),
    ]


def test_the_kept_cost_days_are_among_the_inputs_the_open_periods_hash() -> None:
    after = Inputs(SHARE_TERMS, (episode(STAY, child="C2"),), c2_reviews(), frozenset({Q1, Q2}), SHARE_SETTLED)
    kept = replace(after, erased_cost_days={Q2: Decimal(700 * 91)})
    # Q3's statement, computed before the erasure kept them, is computed again with them.
    assert open_hashes(after) != open_hashes(kept)


def open_hashes(inputs: Inputs) -> list[str]:
    return [d.inputs_hash for d in due(inputs, SEPTEMBER) if not d.closed]
