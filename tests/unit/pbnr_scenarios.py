"""The payment rules' scenarios (domain.md §7), each a stay, its assessments and the statement lines the rules
must give, read by the rules' tests and the line arithmetic's."""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

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
from shared.domain.engines.pbnr.stays import Episode
from tests.unit.pbnr_builders import DEFAULT_TERMS, assessment, days, episode

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
