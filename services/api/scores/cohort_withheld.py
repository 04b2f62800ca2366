"""The cohort figures as published (issue 16): every count from 1 to the council's threshold withheld, with what
would give one back through the slices of one instrument and domain (they add up to the council's figure) or the
row's own totals, and every share or mean built on a withheld count; flagged on each row. The admin reads them
whole."""

from typing import Any

from services.api.scores.cohort import INSTRUMENT_COLUMNS, Cohort, CohortTable
from services.api.scores.withheld_rows import Layout, withhold

LAYOUTS: dict[str, Layout] = {
    "domains": Layout(
        counts=(
            "children_counted",
            "actionable_count",
            "improving_count",
            "worsening_count",
            "resolved_count",
            "new_need_count",
        ),
        derived={"not_actionable": ("children_counted", ("actionable_count",))},
        sums=(("children_counted", ("actionable_count", "not_actionable")),),
    ),
    "children": Layout(
        counts=("children_in_slice", "children_with_verdict", "reliably_improved_count", "reliably_worse_count"),
        derived={
            "without_verdict": ("children_in_slice", ("children_with_verdict",)),
            "no_reliable_change": ("children_with_verdict", ("reliably_improved_count", "reliably_worse_count")),
        },
        sums=(
            ("children_in_slice", ("children_with_verdict", "without_verdict")),
            ("children_with_verdict", ("reliably_improved_count", "reliably_worse_count", "no_reliable_change")),
        ),
    ),
}
# Each figure built on counts: withheld with any of them.
BUILT_ON: dict[str, dict[str, tuple[str, ...]]] = {
    "domains": {
        "actionable_prevalence": ("actionable_count", "children_counted"),
        "mean_change_since_baseline": ("children_counted",),
    },
    "children": {
        "reliably_improved_share": ("reliably_improved_count", "children_with_verdict"),
        "reliably_worse_share": ("reliably_worse_count", "children_with_verdict"),
    },
}
# The rows of one of these are the slices of one population.
POPULATION: dict[str, tuple[str, ...]] = {"domains": (*INSTRUMENT_COLUMNS, "domain"), "children": INSTRUMENT_COLUMNS}
FLAGS = ("suppressed", "suppressed_columns")


def as_published(cohort: Cohort, table: CohortTable, threshold: int | None) -> Cohort:
    """A copy of the cohort with its counts withheld by the threshold (None: whole), each row flagged."""
    rows = [dict(row) for row in cohort.rows]
    populations: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        populations.setdefault(tuple(row[column] for column in POPULATION[table]), []).append(row)
    for population in populations.values():
        gone = withhold(population, LAYOUTS[table], threshold) if threshold else [[] for _ in population]
        for row, names in zip(population, gone, strict=True):
            for figure, counts in BUILT_ON[table].items():
                if any(count in names for count in counts):
                    row[figure] = None
            row["suppressed"], row["suppressed_columns"] = bool(names), " ".join(names)
    return Cohort((*cohort.columns, *FLAGS), rows, cohort.computed_at)
