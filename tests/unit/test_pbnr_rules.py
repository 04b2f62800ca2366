"""pbnr-v1 (domain.md §7), a scenario per rule and its edges, each worked by hand: the lines every
statement of the contract carries, in the order the caps took them."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from shared.domain.engines.pbnr.closing import Settled
from shared.domain.engines.pbnr.contract import Terms
from shared.domain.engines.pbnr.events import (
    CONTRACT_ENDED,
    FIRST,
    NO_BASELINE,
    REVERSED,
    SECOND,
    STAY_ENDED,
    Assessment,
)
from shared.domain.engines.pbnr.statement import Inputs, Statement, statements
from shared.domain.engines.pbnr.stays import Episode
from tests.unit.pbnr_builders import DEFAULT_TERMS, assessment, contract, days, episode, run

STAY = date(2025, 2, 1)
BASELINE = {"safety": 3, "learning": 2, "family": 1}  # safety and learning actionable, family not
SAFETY_DOWN = {"safety": 1, "learning": 2, "family": 1}
MAY, GAP_LATER = date(2025, 5, 1), date(2025, 10, 23)  # 175 days apart
GAP_90_FROM_JULY = replace(DEFAULT_TERMS, version=2, effective_from=date(2025, 7, 1), sustainment_gap_days=90)
RULE = {
    NO_BASELINE: "none",
    FIRST: "1st",
    SECOND: "2nd",
    REVERSED: "lost:reversed",
    STAY_ENDED: "lost:stay",
    CONTRACT_ENDED: "lost:contract",
}


@dataclass
class Scenario:
    name: str
    episodes: list[Episode]
    assessments: list[Assessment]
    lines: list["Line"]  # (date, rule, child, domain, earned, paid, withheld, caps)
    terms: dict[str, object] = field(default_factory=dict)
    later_terms: tuple[Terms, ...] = ()


Line = tuple[str, str, str, str, str, str, str, str]


def line(
    on: str,
    rule: str,
    domain: str = "",
    earned: str = "0.00",
    paid: str | None = None,
    withheld: str = "0.00",
    caps: str = "",
    child: str = "C1",
) -> Line:
    return on, rule, child, domain, earned, paid if paid is not None else earned, withheld, caps


def baseline_and(*later: Assessment, on: date = STAY, levels: dict[str, int] = BASELINE) -> list[Assessment]:
    return [assessment(on, levels), *later]


SCENARIOS = [
    Scenario(
        "no assessment at all: one line, when the baseline window closes",
        [episode(STAY)],
        [],
        [line("2025-03-01", "none")],
    ),
    Scenario(
        "only a provider-rated baseline",
        [episode(STAY)],
        [assessment(STAY, BASELINE, role="provider"), assessment(MAY, SAFETY_DOWN)],
        [line("2025-03-01", "none")],
    ),
    Scenario(
        "the window opens 28 days before the stay",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), on=STAY - days(28)),
        [line("2025-05-01", "1st", "safety", "400.00")],
    ),
    Scenario(
        "29 days before the stay is outside the window",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), on=STAY - days(29)),
        [line("2025-03-01", "none")],
    ),
    Scenario(
        "the window closes 28 days after the stay begins",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), on=STAY + days(28)),
        [line("2025-05-01", "1st", "safety", "400.00")],
    ),
    Scenario(
        "29 days after is outside the window",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), on=STAY + days(29)),
        [line("2025-03-01", "none")],
    ),
    Scenario(
        "the latest baseline in the window stands",
        [episode(STAY)],
        [
            assessment(STAY - days(10), {"safety": 3, "learning": 3}),
            assessment(STAY + days(10), {"safety": 3, "learning": 1}),
            assessment(MAY, {"safety": 1, "learning": 0}),
        ],
        [line("2025-05-01", "1st", "safety", "400.00")],
    ),
    Scenario(
        "drafts and provider ratings confirm nothing",
        [episode(STAY)],
        baseline_and(
            assessment(date(2025, 4, 1), SAFETY_DOWN, final=False),
            assessment(date(2025, 4, 15), SAFETY_DOWN, role="provider"),
            assessment(MAY, SAFETY_DOWN),
        ),
        [line("2025-05-01", "1st", "safety", "400.00")],
    ),
    Scenario(
        "of two assessments on one date the later recorded stands",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), assessment(MAY, BASELINE, id="same-day-later")),
        [],
    ),
    Scenario(
        "reduction, then sustainment one gap later, in a later period",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-10-23", "2nd", "safety", "600.00")],
    ),
    Scenario(
        "an assessment a day short of the gap does not sustain",
        [episode(STAY)],
        baseline_and(
            assessment(MAY, SAFETY_DOWN),
            assessment(GAP_LATER - days(1), SAFETY_DOWN),
            assessment(date(2025, 11, 5), SAFETY_DOWN),
        ),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-11-05", "2nd", "safety", "600.00")],
    ),
    Scenario(
        "a reversal forfeits the second instalment, and the domain never earns again in the stay",
        [episode(STAY)],
        baseline_and(
            assessment(MAY, SAFETY_DOWN),
            assessment(date(2025, 8, 1), BASELINE),
            assessment(date(2026, 3, 1), {"safety": 0, "learning": 2}),
        ),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-08-01", "lost:reversed", "safety")],
    ),
    Scenario(
        "the stay ending first forfeits on its end",
        [episode(STAY, date(2025, 9, 1), reason_ended="E4A")],
        baseline_and(assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-09-01", "lost:stay", "safety")],
    ),
    Scenario(
        "the contract ending first forfeits on its end",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-09-30", "lost:contract", "safety")],
        terms={"end": date(2025, 9, 30)},
    ),
    Scenario(
        "a change of legal status opens an episode, not a stay",
        [episode(STAY, date(2025, 4, 1), legal_status="V2"), episode(date(2025, 4, 1), legal_status="C2")],
        baseline_and(assessment(MAY, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "400.00")],
    ),
    Scenario(
        "a temporary move inside a stay keeps it, its days not the provider's: 80 of 100 days",
        [
            episode(STAY, date(2025, 3, 1)),
            episode(date(2025, 3, 1), date(2025, 3, 21), place="T1", provider="OTHER"),
            episode(date(2025, 3, 21)),
        ],
        baseline_and(assessment(date(2025, 5, 12), SAFETY_DOWN)),
        [line("2025-05-12", "1st", "safety", "320.00")],
    ),
    Scenario(
        "a temporary move the child never returns from ends the stay when it began",
        [
            episode(STAY, date(2025, 3, 1)),
            episode(date(2025, 3, 1), date(2025, 6, 1), place="T1", provider=None),
            episode(date(2025, 6, 1), provider="OTHER"),
        ],
        baseline_and(assessment(MAY, SAFETY_DOWN)),
        [],
    ),
    Scenario(
        "a temporary move still open keeps the stay going, as the child may come back: 28 of 89 days",
        [episode(STAY, date(2025, 3, 1)), episode(date(2025, 3, 1), place="T1", provider=None)],
        baseline_and(assessment(MAY, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "125.84")],
    ),
    Scenario(
        "a stay that began before the contract is judged from the contract's start",
        [episode(date(2024, 6, 1))],
        [
            assessment(date(2024, 6, 1), {"safety": 4}),
            assessment(date(2024, 12, 10), {"safety": 3}),
            assessment(MAY, {"safety": 1}),
        ],
        [line("2025-05-01", "1st", "safety", "400.00")],
    ),
    Scenario(
        "deadweight takes its share",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "300.00")],
        terms={"deadweight": Decimal("0.25")},
    ),
    Scenario(
        "the per-child contract-year cap withholds the excess",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)),
        [
            line("2025-05-01", "1st", "safety", "400.00"),
            line("2025-10-23", "2nd", "safety", "600.00", "100.00", "500.00", "per_child_year"),
        ],
        terms={"cap_per_child_year": Decimal(500)},
    ),
    Scenario(
        "the per-child cap starts again with the next contract year",
        [episode(date(2025, 7, 1))],
        baseline_and(
            assessment(date(2025, 8, 15), SAFETY_DOWN), assessment(date(2026, 2, 10), SAFETY_DOWN), on=date(2025, 7, 1)
        ),
        [
            line("2025-08-15", "1st", "safety", "400.00"),
            line("2026-02-10", "2nd", "safety", "600.00", "500.00", "100.00", "per_child_year"),
        ],
        terms={"cap_per_child_year": Decimal(500)},
    ),
    Scenario(
        "the per-period cap, taken by child pseudonym on one date",
        [episode(STAY), episode(STAY, child="C2")],
        [
            assessment(STAY, BASELINE),
            assessment(STAY, BASELINE, child="C2"),
            assessment(MAY, SAFETY_DOWN, child="C2"),
            assessment(MAY, SAFETY_DOWN),
        ],
        [
            line("2025-05-01", "1st", "safety", "400.00"),
            line("2025-05-01", "1st", "safety", "400.00", "200.00", "200.00", "per_period", child="C2"),
        ],
        terms={"cap_per_period": Decimal(600)},
    ),
    Scenario(
        "the outcome share cap: 2% of 91 days at £700 a week is £182.00",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "400.00", "182.00", "218.00", "outcome_share")],
        terms={"cap_outcome_share": Decimal("0.02")},
    ),
    Scenario(
        "caps together, counting what was paid in earlier periods",
        [episode(STAY)],
        baseline_and(
            assessment(MAY, {"safety": 1, "learning": 1}), assessment(GAP_LATER, {"safety": 1, "learning": 1})
        ),
        [
            line("2025-05-01", "1st", "learning", "200.00"),
            line("2025-05-01", "1st", "safety", "400.00", "300.00", "100.00", "per_period"),
            line("2025-10-23", "2nd", "learning", "300.00"),
            line("2025-10-23", "2nd", "safety", "600.00", "100.00", "500.00", "per_child_year"),
        ],
        terms={"cap_per_child_year": Decimal(900), "cap_per_period": Decimal(500)},
    ),
    Scenario(
        "a domain earns once per stay; a new stay earns again",
        [episode(STAY, date(2026, 1, 1)), episode(date(2026, 2, 1))],
        [
            assessment(STAY, BASELINE),
            assessment(MAY, SAFETY_DOWN),
            assessment(GAP_LATER, SAFETY_DOWN),
            assessment(date(2025, 11, 1), BASELINE),
            assessment(date(2025, 12, 1), SAFETY_DOWN),
            assessment(date(2026, 2, 1), BASELINE),
            assessment(date(2026, 5, 1), SAFETY_DOWN),
        ],
        [
            line("2025-05-01", "1st", "safety", "400.00"),
            line("2025-10-23", "2nd", "safety", "600.00"),
            line("2026-05-01", "1st", "safety", "400.00"),
        ],
    ),
    Scenario(
        "unrated domains neither confirm, sustain nor reverse; unrated at baseline never earns",
        [episode(STAY)],
        [
            assessment(STAY, {"safety": 3}),
            assessment(MAY, {"safety": 1, "learning": 0}),
            assessment(date(2025, 8, 1), {"learning": 4}),
            assessment(GAP_LATER, {"learning": 0}),
            assessment(date(2025, 11, 1), {"safety": 1}),
        ],
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-11-01", "2nd", "safety", "600.00")],
    ),
    Scenario(
        "a new contract version applies from its date, never to earlier events",
        [episode(STAY)],
        baseline_and(assessment(MAY, SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-10-23", "2nd", "safety", "300.00")],
        later_terms=(
            Terms(
                2,
                date(2025, 7, 1),
                DEFAULT_TERMS.end,
                "quarter",
                {2: Decimal(250), 3: Decimal(500), 4: Decimal(1000)},
                Decimal("0.4"),
                Decimal("0.6"),
                175,
                Decimal(0),
            ),
        ),
    ),
    Scenario(
        "the sustainment gap is the one in force on the first instalment's date, not a later version's",
        [episode(STAY)],
        baseline_and(
            assessment(MAY, SAFETY_DOWN), assessment(date(2025, 8, 1), SAFETY_DOWN), assessment(GAP_LATER, SAFETY_DOWN)
        ),
        [line("2025-05-01", "1st", "safety", "400.00"), line("2025-10-23", "2nd", "safety", "600.00")],
        later_terms=(GAP_90_FROM_JULY,),
    ),
    Scenario(
        "a first instalment under a version with a shorter gap is sustained by it: 92 days on, gap 90",
        [episode(STAY)],
        baseline_and(assessment(date(2025, 8, 1), SAFETY_DOWN), assessment(date(2025, 11, 1), SAFETY_DOWN)),
        [line("2025-08-01", "1st", "safety", "400.00"), line("2025-11-01", "2nd", "safety", "600.00")],
        later_terms=(GAP_90_FROM_JULY,),
    ),
    Scenario(
        "each line rounds half-up to the penny: half of 5p is 3p",
        [episode(STAY)],
        baseline_and(assessment(MAY, {"learning": 1}), levels={"learning": 2}),
        [line("2025-05-01", "1st", "learning", "0.03")],
        terms={"tariff": {2: Decimal("0.05")}, "first_share": Decimal("0.5"), "second_share": Decimal("0.5")},
    ),
]


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
