"""pbnr-v1 (domain.md §7), a scenario per rule and its edges, each worked by hand: the lines every
statement of the contract carries, in the order the caps took them."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from shared.domain.engines.pbnr.closing import Settled
from shared.domain.engines.pbnr.events import (
    FIRST,
    Assessment,
)
from shared.domain.engines.pbnr.statement import Inputs, Statement, statements
from tests.unit.pbnr_builders import assessment, contract, episode, run
from tests.unit.pbnr_scenarios import (
    BASELINE,
    GAP_LATER,
    MAY,
    RULE,
    SAFETY_DOWN,
    SCENARIOS,
    STAY,
    Scenario,
    baseline_and,
    line,
)


def every_line(statements: list[Statement]) -> list[tuple[str, ...]]:
    return [
        (
            p.event.on.isoformat(),
            RULE[p.event.rule],
            p.event.child,
            p.event.domain or "",
            str(p.earned),
            str(p.paid),
            str(p.withheld),
            ",".join(p.capped_by),
        )
        for s in statements
        for p in s.lines
    ]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    terms = contract(*scenario.later_terms, **scenario.terms)
    assert every_line(run(terms, scenario.episodes, scenario.assessments)) == scenario.lines


def test_each_line_sits_in_the_statement_of_its_period_with_its_totals() -> None:
    result = run(
        contract(), [episode(STAY)], baseline_and(assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN))
    )
    by_period = {s.period.label: (s.earned, s.paid, s.withheld, len(s.lines)) for s in result}
    assert by_period["2025-04-01/2025-06-30"] == (Decimal("400.00"), Decimal("400.00"), Decimal("0.00"), 1)
    assert by_period["2025-10-01/2025-12-31"] == (Decimal("600.00"), Decimal("600.00"), Decimal("0.00"), 1)
    assert by_period["2025-01-01/2025-03-31"][3] == 0
    assert len(result) == 6  # the quarters begun by the end of June 2026


def test_periods_are_calendar_months_or_quarters_cut_to_the_contract() -> None:
    monthly = run(contract(effective_from=date(2025, 1, 15), end=date(2025, 4, 10), period="month"), [], [])
    assert [s.period.label for s in monthly] == [
        "2025-01-15/2025-01-31",
        "2025-02-01/2025-02-28",
        "2025-03-01/2025-03-31",
        "2025-04-01/2025-04-10",
    ]
    quarterly = run(contract(effective_from=date(2025, 2, 10), end=date(2025, 11, 5)), [], [])
    assert [s.period.label for s in quarterly] == [
        "2025-02-10/2025-03-31",
        "2025-04-01/2025-06-30",
        "2025-07-01/2025-09-30",
        "2025-10-01/2025-11-05",
    ]


def test_guard_figures_name_stays_ended_with_their_reason_and_domains_that_rose() -> None:
    result = run(
        contract(),
        [episode(STAY, date(2025, 9, 1), reason_ended="E4A")],
        baseline_and(assessment(MAY, {"safety": 3, "learning": 4, "family": 0})),
    )
    q2 = next(s for s in result if s.period.label == "2025-04-01/2025-06-30")
    q3 = next(s for s in result if s.period.label == "2025-07-01/2025-09-30")
    assert [(r.domain, r.previous_level, r.level) for r in q2.rises] == [("learning", 2, 4)]
    assert [(e.child, e.ended_on, e.reason) for e in q3.stays_ended] == [("C1", date(2025, 9, 1), "E4A")]
    assert q2.stays_ended == () and q3.rises == ()


def test_a_period_still_running_shows_only_what_has_happened_by_today() -> None:
    """The baseline window closes on 1 March: before then the stay may still get its baseline."""
    before = run(contract(), [episode(STAY)], [], today=date(2025, 2, 20))
    after = run(contract(), [episode(STAY)], [], today=date(2025, 3, 1))
    assert [len(s.lines) for s in before] == [0]
    assert [(s.period.label, len(s.lines)) for s in after] == [("2025-01-01/2025-03-31", 1)]
    assert before[0].cutoff == date(2025, 2, 20) and before[0].inputs_hash != after[0].inputs_hash


def test_the_worked_example_in_the_readme() -> None:
    """README, 'Payment by needs reduction': a respite fortnight inside the stay, deadweight 10%."""
    episodes = [
        episode(STAY, date(2025, 3, 1), cost="800"),
        episode(date(2025, 3, 1), date(2025, 3, 15), place="T1", provider="RESPITE"),
        episode(date(2025, 3, 15), cost="800"),
    ]
    assessments = [
        assessment(date(2025, 2, 10), BASELINE),
        assessment(date(2025, 6, 10), SAFETY_DOWN),
        assessment(date(2025, 12, 5), SAFETY_DOWN),
    ]
    result = run(contract(deadweight=Decimal("0.1")), episodes, assessments)
    assert every_line(result) == [
        line("2025-06-10", "1st", "safety", "318.00"),  # 1,000 x 40% x 106/120 days x 90%
        line("2025-12-05", "2nd", "safety", "514.63"),  # 1,000 x 60% x 284/298 days x 90% = 514.6308...
    ]


def settled_by(statement: Statement) -> list[Settled]:
    """What closing this statement settles: its own lines, and its adjustments of earlier periods."""
    own = [
        Settled(
            statement.period.start,
            p.event.child,
            p.event.stay.id,
            p.event.domain or "",
            p.event.instalment or 0,
            p.event.rule,
            p.earned,
            p.paid,
            p.withheld,
            p.event.confirming.id if p.event.confirming else None,
        )
        for p in statement.lines
        if p.event.kind != "no_baseline"
    ]
    adjusted = [
        Settled(
            a.closed_period.start,
            a.child,
            a.stay,
            a.domain,
            a.instalment,
            a.rule,
            a.earned,
            a.paid,
            a.withheld,
            a.assessment,
        )
        for a in statement.adjustments
    ]
    return own + adjusted


def test_a_closed_period_stands_and_a_late_change_to_it_is_settled_in_the_first_open_period() -> None:
    terms, stay = contract(), [episode(STAY)]
    paid = run(terms, stay, baseline_and(assessment(MAY, SAFETY_DOWN, id="may")))
    q1, q2 = paid[0], paid[1]
    closed = frozenset({q1.period.start, q2.period.start})
    # The May review is amended: safety was not reduced then, but is at a review in August.
    amended = baseline_and(assessment(MAY, BASELINE, id="may"), assessment(date(2025, 8, 1), SAFETY_DOWN))
    inputs = Inputs(terms, tuple(stay), tuple(amended), closed, tuple(settled_by(q2)))
    after = statements(inputs, date(2026, 6, 30))
    assert [s.period.label for s in after][:2] == ["2025-07-01/2025-09-30", "2025-10-01/2025-12-31"]
    q3 = after[0]
    assert every_line([q3]) == [line("2025-08-01", "1st", "safety", "400.00")]
    assert [(a.closed_period.label, a.domain, a.instalment, a.paid, a.cause) for a in q3.adjustments] == [
        (
            "2025-04-01/2025-06-30",
            "safety",
            1,
            Decimal("-400.00"),
            f"was: {FIRST}, on assessment may, £400.00 paid; now: no event",
        )
    ]
    assert (q3.earned, q3.paid) == (Decimal("0.00"), Decimal("0.00")) and after[1].adjustments == ()
    # Q3 closed in turn: its adjustment is settled, so nothing is adjusted twice.
    closed_too = Inputs(
        terms, tuple(stay), tuple(amended), closed | {q3.period.start}, tuple(settled_by(q2) + settled_by(q3))
    )
    q4 = statements(closed_too, date(2026, 6, 30))[0]
    assert q4.period.label == "2025-10-01/2025-12-31" and q4.adjustments == ()


def test_of_two_assessments_recorded_at_one_instant_the_later_in_sequence_stands() -> None:
    """A batch records its assessments in one transaction, so at one time: the order recorded decides."""
    at = datetime(2025, 5, 1, 12)
    first = Assessment("C1", "batch-1", MAY, at, "social_worker", SAFETY_DOWN, 2, sequence=1)
    second = Assessment("C1", "batch-2", MAY, at, "social_worker", BASELINE, 2, sequence=2)
    for order in ([first, second], [second, first]):
        assert every_line(run(contract(), [episode(STAY)], baseline_and(*order))) == []


def test_a_rise_is_against_the_domain_s_own_previous_council_rating() -> None:
    """Safety, not rated in April, rose from the 2 of February to the 3 of May."""
    assessments = [
        assessment(STAY, {"safety": 2, "learning": 3}),
        assessment(date(2025, 4, 1), {"learning": 3}),
        assessment(MAY, {"safety": 3, "learning": 3}),
    ]
    q2 = run(contract(), [episode(STAY)], assessments)[1]
    assert [(r.domain, r.assessed_on, r.previous_level, r.level) for r in q2.rises] == [("safety", MAY, 2, 3)]
