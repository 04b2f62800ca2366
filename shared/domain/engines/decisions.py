"""Decision support for one child looked after (domain.md §8): step-down, stability risk, joint funding and the
cost per need point, under a council's rules (DecisionRules, data a council may change), from its kept figures.

The child's profile is its latest assessment, as §4's per-child figures are: the domains that assessment rated at
their levels, its total need, and the total of the assessment before it. A domain's rise is its change since its
previous rating, counted only where the latest assessment rated it (an older rise is not news of this review).
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from shared.domain.engines.placements.savings import SavingsRules
from shared.domain.engines.sufficiency import SufficiencyRules

PENNY = Decimal("0.01")

STEP_DOWN_CANDIDATE, STEP_DOWN_RULED_OUT = "candidate", "ruled_out"
TOTAL_RISE, DOMAIN_RISE, MANY_PLACEMENTS, WARNING_ENDING = (
    "total_need_rise",
    "domain_rise",
    "placements_in_year",
    "warning_ending",
)


@dataclass(frozen=True, slots=True)
class StepDownRules:
    residential_groups: tuple[str, ...] = ("residential",)  # placement groups (shared.ssda903) that are residential
    intensive_from: int = 4  # a need at this level or above rules a child out
    high_from: int = 3  # needs from this level up to intensive are high
    max_high_needs: int = 2
    foster_weekly_cost: Decimal = Decimal("750.00")  # the council's foster cost the saving is counted against


@dataclass(frozen=True, slots=True)
class StabilityRules:
    total_rise: int = 3  # total need up this much or more since the previous assessment
    domain_rise: int = 2  # a domain up this much or more since its previous rating
    placements_in_year: int = 3
    warning_reasons: tuple[str, ...] = ("CREQB",)  # reasons a placement ended (REASON_PLACE_CHANGE) that warn


@dataclass(frozen=True, slots=True)
class JointFundingRules:
    from_level: int = 3  # high or intensive
    health_domains: tuple[str, ...] = ("physical_health", "emotional_health")
    education_domains: tuple[str, ...] = ("learning", "communication")


@dataclass(frozen=True, slots=True)
class ValueRules:
    ratio: Decimal = Decimal("1.5")  # costing more than this times the peers' median is flagged
    total_within: int = 3  # peers: the same max need, and a total need within this


@dataclass(frozen=True, slots=True)
class MatchingRules:
    needs_from: int = 2  # a provider must meet each need at this level or above (actionable)


@dataclass(frozen=True, slots=True)
class DecisionRules:
    step_down: StepDownRules = field(default_factory=StepDownRules)
    stability: StabilityRules = field(default_factory=StabilityRules)
    joint_funding: JointFundingRules = field(default_factory=JointFundingRules)
    value: ValueRules = field(default_factory=ValueRules)
    matching: MatchingRules = field(default_factory=MatchingRules)
    savings: SavingsRules = field(default_factory=lambda: SavingsRules(StepDownRules().residential_groups))
    sufficiency: SufficiencyRules = field(default_factory=SufficiencyRules)


@dataclass(frozen=True, slots=True)
class Profile:
    """A child looked after, as its kept figures give it."""

    current_group: str | None
    weekly_cost: Decimal | None
    funding_health: Decimal | None  # null where no weekly cost is recorded: no split either
    funding_education: Decimal | None
    placements_in_year: int | None  # null outside the national instability measure's population
    reasons_ended: tuple[str | None, ...]  # every earlier placement's, oldest first
    assessed: bool  # a final assessment stands
    # The domains the latest assessment rated: at the least those at a level, or with a rise, a rule asks about.
    latest_levels: Mapping[str, int] = field(default_factory=dict)
    rises: Mapping[str, int] = field(default_factory=dict)  # of those, each one's change since its previous rating
    total_need: int | None = None
    previous_total_need: int | None = None  # null with a single assessment


@dataclass(frozen=True, slots=True)
class Decisions:
    step_down: str | None  # candidate or ruled_out in residential care, null elsewhere
    step_down_reasons: tuple[str, ...]  # every reason a child is ruled out
    weekly_saving: Decimal | None  # a candidate's weekly cost less the council's foster cost
    stability_flags: tuple[str, ...]
    total_need_change: int | None  # since the previous assessment
    rising_domains: tuple[str, ...]  # "behaviour +2": the domains that rose by the rule's amount or more
    warning_endings: int  # earlier placements ended for a warning reason
    health_needs: tuple[str, ...]  # health domains at the joint-funding level or above
    education_needs: tuple[str, ...]
    health_unshared: bool  # health needs, and no health share recorded on the placement
    education_unshared: bool
    cost_per_need_point: Decimal | None  # weekly cost over total need, to the penny


def decide(child: Profile, rules: DecisionRules) -> Decisions:
    total_change = (
        None
        if child.total_need is None or child.previous_total_need is None
        else child.total_need - child.previous_total_need
    )
    step_down, reasons = _step_down(child, rules.step_down, total_change)
    saving = None
    if step_down == STEP_DOWN_CANDIDATE and child.weekly_cost is not None:
        saving = child.weekly_cost - rules.step_down.foster_weekly_cost
    flags, rising, warnings = _stability(child, rules.stability, total_change)
    funding = rules.joint_funding
    health = _at_or_above(child, funding.health_domains, funding.from_level)
    education = _at_or_above(child, funding.education_domains, funding.from_level)
    return Decisions(
        step_down=step_down,
        step_down_reasons=reasons,
        weekly_saving=saving,
        stability_flags=flags,
        total_need_change=total_change,
        rising_domains=rising,
        warning_endings=warnings,
        health_needs=health,
        education_needs=education,
        health_unshared=bool(health) and not child.funding_health,
        education_unshared=bool(education) and not child.funding_education,
        cost_per_need_point=_per_point(child),
    )


def _step_down(child: Profile, rules: StepDownRules, total_change: int | None) -> tuple[str | None, tuple[str, ...]]:
    if child.current_group not in rules.residential_groups:
        return None, ()
    if not child.assessed:
        return STEP_DOWN_RULED_OUT, ("no final needs assessment",)
    reasons = [
        f"`{domain}` still intensive" for domain, level in child.latest_levels.items() if level >= rules.intensive_from
    ]
    high = [d for d, level in child.latest_levels.items() if rules.high_from <= level < rules.intensive_from]
    if len(high) > rules.max_high_needs:
        named = ", ".join(f"`{domain}`" for domain in high)
        reasons.append(f"{len(high)} high needs ({named}), more than {rules.max_high_needs}")
    if total_change is not None and total_change > 0:
        reasons.append(f"total need rose at the last review (from {child.previous_total_need} to {child.total_need})")
    return (STEP_DOWN_RULED_OUT, tuple(reasons)) if reasons else (STEP_DOWN_CANDIDATE, ())


def _stability(
    child: Profile, rules: StabilityRules, total_change: int | None
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    flags = []
    if total_change is not None and total_change >= rules.total_rise:
        flags.append(TOTAL_RISE)
    # List comprehensions, not generators: the worker decides for every child looked after in the nation at once.
    threshold, warning = rules.domain_rise, rules.warning_reasons
    rising = tuple([f"{domain} +{rise}" for domain, rise in child.rises.items() if rise >= threshold])
    if rising:
        flags.append(DOMAIN_RISE)
    if child.placements_in_year is not None and child.placements_in_year >= rules.placements_in_year:
        flags.append(MANY_PLACEMENTS)
    warnings = len([reason for reason in child.reasons_ended if reason in warning])
    if warnings:
        flags.append(WARNING_ENDING)
    return tuple(flags), rising, warnings


def _at_or_above(child: Profile, domains: tuple[str, ...], level: int) -> tuple[str, ...]:
    levels = child.latest_levels
    return tuple([domain for domain in domains if levels.get(domain, -1) >= level])


def _per_point(child: Profile) -> Decimal | None:
    if child.weekly_cost is None or not child.total_need:
        return None
    return (child.weekly_cost / child.total_need).quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Costed:
    """A child looked after with a weekly cost and a final assessment: what its peers are drawn from."""

    max_need: int
    total_need: int
    weekly_cost: Decimal


@dataclass(frozen=True, slots=True)
class PeerValue:
    peers: int | None  # the other children of the same max need with a total need within the rule's; null: withheld
    peer_median: Decimal | None  # their median weekly cost, to the penny; null when withheld or without peers
    high_cost: bool | None  # costing more than the rule's ratio times that median; null when not compared


def peer_values(children: list[Costed], rules: ValueRules, threshold: int | None) -> list[PeerValue]:
    """Each child against its peers (the child itself not among them), in the order given. Below the council's
    suppression threshold of peers, their count and median are withheld and the child is not compared."""
    by_profile: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for child in children:
        by_profile[child.max_need, child.total_need].append(child.weekly_cost)
    result = []
    for child in children:
        near = range(child.total_need - rules.total_within, child.total_need + rules.total_within + 1)
        costs = sorted(cost for total in near for cost in by_profile.get((child.max_need, total), ()))
        costs.remove(child.weekly_cost)  # the child is not its own peer
        if not costs or (threshold is not None and len(costs) < threshold):
            result.append(PeerValue(None if costs else 0, None, None))
            continue
        middle = len(costs) // 2
        median = costs[middle] if len(costs) % 2 else (costs[middle - 1] + costs[middle]) / 2
        high = child.weekly_cost > rules.ratio * median
        result.append(PeerValue(len(costs), median.quantize(PENNY, rounding=ROUND_HALF_UP), high))
    return result
