"""The link between needs and outcomes across a council (domain.md §5), per outcome area and measure: how many
children have both changes over overlapping periods, the Spearman rank correlation between the two changes
with its 95% confidence interval, and the share of children whose area need fell whose measure also improved,
beside the same share among children whose area need did not fall.

A figure there are too few children for is None with the reason, never a number. Pure engine, no I/O."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from shared.domain.engines.outcomes import Link

MIN_FOR_CORRELATION = 3  # two children always rank in perfect agreement or disagreement
MIN_FOR_INTERVAL = 4  # the interval's standard error divides by n - 3
Z_95 = 1.959963984540054
# Fieller, Hartley and Pearson (1957): the variance of Fisher's z of a Spearman coefficient, 1.06 / (n - 3).
SPEARMAN_Z_VARIANCE = 1.06


@dataclass(frozen=True, slots=True)
class Figure:
    value: float | None
    reason: str | None = None  # why value is None


@dataclass(frozen=True, slots=True)
class LinkFigures:
    outcome_area: str
    code: str
    children: int
    spearman: Figure
    interval_low: Figure
    interval_high: Figure
    need_fell: int
    need_fell_improved: int
    need_fell_share_improved: Figure
    need_not_fell: int
    need_not_fell_improved: int
    need_not_fell_share_improved: Figure


def ranks(values: Sequence[Fraction | float]) -> list[float]:
    """1 for the smallest; tied values share the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(first: Sequence[Fraction | float], second: Sequence[Fraction | float]) -> Figure:
    """Pearson's correlation of the two series' ranks, ties as mean ranks."""
    if len(first) < MIN_FOR_CORRELATION:
        return Figure(None, f"fewer than {MIN_FOR_CORRELATION} children")
    x, y = ranks(first), ranks(second)
    mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mean_x) ** 2 for a in x)
    syy = sum((b - mean_y) ** 2 for b in y)
    if sxx == 0:
        return Figure(None, "every child's area need changed by the same amount")
    if syy == 0:
        return Figure(None, "every child's measure changed by the same amount")
    return Figure(sxy / math.sqrt(sxx * syy))


def interval(rho: Figure, children: int) -> tuple[Figure, Figure]:
    """The 95% confidence interval of a Spearman coefficient by Fisher's z, with the variance of
    Fieller, Hartley and Pearson."""
    if rho.value is None:
        reason = f"no correlation: {rho.reason}"
        return Figure(None, reason), Figure(None, reason)
    if children < MIN_FOR_INTERVAL:
        reason = f"fewer than {MIN_FOR_INTERVAL} children"
        return Figure(None, reason), Figure(None, reason)
    if abs(rho.value) >= 1:
        return Figure(rho.value), Figure(rho.value)
    z, spread = math.atanh(rho.value), Z_95 * math.sqrt(SPEARMAN_Z_VARIANCE / (children - 3))
    return Figure(math.tanh(z - spread)), Figure(math.tanh(z + spread))


def share(part: int, whole: int, whom: str) -> Figure:
    return Figure(part / whole) if whole else Figure(None, f"no children whose {whom}")


def link_figures(outcome_area: str, code: str, found: Sequence[Link]) -> LinkFigures:
    """The council's figures of one outcome area and measure, from each child's link (at most one each)."""
    rho = spearman([link.area_need_change for link in found], [float(link.measure_change) for link in found])
    low, high = interval(rho, len(found))
    fell = [link for link in found if link.need_fell]
    not_fell = [link for link in found if not link.need_fell]
    fell_improved = sum(link.measure_improved for link in fell)
    not_fell_improved = sum(link.measure_improved for link in not_fell)
    return LinkFigures(
        outcome_area=outcome_area,
        code=code,
        children=len(found),
        spearman=rho,
        interval_low=low,
        interval_high=high,
        need_fell=len(fell),
        need_fell_improved=fell_improved,
        need_fell_share_improved=share(fell_improved, len(fell), "area need fell"),
        need_not_fell=len(not_fell),
        need_not_fell_improved=not_fell_improved,
        need_not_fell_share_improved=share(not_fell_improved, len(not_fell), "area need did not fall"),
    )


def council_links(found: Sequence[Link]) -> list[LinkFigures]:
    """Per outcome area and measure code with a link, in that order."""
    groups: dict[tuple[str, str], list[Link]] = {}
    for link in found:
        groups.setdefault((link.outcome_area, link.code), []).append(link)
    return [link_figures(area, code, group) for (area, code), group in sorted(groups.items())]
