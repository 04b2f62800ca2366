"""pbnr-v1 after an erasure (domain.md §9 with §7.7 and §7.9), worked by hand: what a closed period paid
for an erased child stands. It is never adjusted, and it still counts toward that period's caps."""

from datetime import date
from decimal import Decimal

from services.scoring.engines.pbnr.closing import ERASED, Settled
from services.scoring.engines.pbnr.events import FIRST
from services.scoring.engines.pbnr.statement import Inputs, statements
from tests.unit.pbnr_builders import assessment, contract, episode

STAY, MAY = date(2025, 2, 1), date(2025, 5, 1)
Q1, Q2 = date(2025, 1, 1), date(2025, 4, 1)
BASELINE, SAFETY_DOWN = {"safety": 3}, {"safety": 1}
TERMS = contract(cap_per_period=Decimal(500))
# Q2 as closed and paid, with C1 since erased: each child's safety, level 3 at baseline, reduced in May
# (£1,000 x 40% = £400); C1 first, so the £500 cap per period left C2 £100 and withheld £300.
SETTLED = (
    Settled(Q2, ERASED, ERASED, "safety", 1, FIRST, Decimal("400.00"), Decimal("400.00"), Decimal("0.00"), ERASED),
    Settled(Q2, "C2", "C2-2025-02-01", "safety", 1, FIRST, Decimal("400.00"), Decimal("100.00"), Decimal("300.00"),
            "C2-A-2025-05-02-social_worker"),
)  # fmt: skip


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
