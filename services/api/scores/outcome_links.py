"""The council's outcome link figures (domain.md §5): per slice combination, outcome area and measure code, the
children with both an area-need change and a measure change over overlapping periods, Spearman's coefficient
between the changes with its interval, and the shares improved; small numbers withheld (with secondary
suppression across the rows of one area and measure) unless an admin asks for them as they are."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.scores.cohort import AGE_BANDS, sliced_children, slices_asked
from services.api.scores.withheld_rows import Layout, council_threshold, withhold
from shared.domain import figures_as_at, kept_outcome_figures
from shared.domain.engines.outcome_links import Figure, LinkFigures, council_links
from shared.domain.engines.outcomes import Link, Window
from shared.domain.engines.suppression import small
from shared.domain.outcome_inputs import council_outcomes

LAYOUT = Layout(
    counts=("children", "need_fell", "need_fell_improved", "need_not_fell", "need_not_fell_improved"),
    derived={
        "need_fell_not_improved": ("need_fell", ("need_fell_improved",)),
        "need_not_fell_not_improved": ("need_not_fell", ("need_not_fell_improved",)),
    },
    sums=(
        ("children", ("need_fell", "need_not_fell")),
        ("need_fell", ("need_fell_improved", "need_fell_not_improved")),
        ("need_not_fell", ("need_not_fell_improved", "need_not_fell_not_improved")),
    ),
)
SHARES: dict[str, tuple[str, str]] = {
    "need_fell_share_improved": ("need_fell_improved", "need_fell"),
    "need_not_fell_share_improved": ("need_not_fell_improved", "need_not_fell"),
}
FIGURE_COLUMNS = (
    "outcome_area",
    "measure_code",
    "children",
    "spearman",
    "spearman_note",
    "interval_low",
    "interval_high",
    "interval_note",
    "need_fell",
    "need_fell_improved",
    "need_fell_share_improved",
    "need_fell_share_note",
    "need_not_fell",
    "need_not_fell_improved",
    "need_not_fell_share_improved",
    "need_not_fell_share_note",
    "suppressed",
    "suppressed_columns",
)


@dataclass(frozen=True, slots=True)
class LinkTable:
    columns: list[str]
    rows: list[dict[str, Any]]
    threshold: int | None  # None: nothing withheld


def places(figure: Figure) -> float | None:
    return None if figure.value is None else round(figure.value, 4)


def row_of(slices: dict[str, Any], figures: LinkFigures) -> dict[str, Any]:
    return {
        **slices,
        "outcome_area": figures.outcome_area,
        "measure_code": figures.code,
        "children": figures.children,
        "spearman": places(figures.spearman),
        "spearman_note": figures.spearman.reason,
        "interval_low": places(figures.interval_low),
        "interval_high": places(figures.interval_high),
        "interval_note": figures.interval_low.reason,
        "need_fell": figures.need_fell,
        "need_fell_improved": figures.need_fell_improved,
        "need_fell_share_improved": places(figures.need_fell_share_improved),
        "need_fell_share_note": figures.need_fell_share_improved.reason,
        "need_not_fell": figures.need_not_fell,
        "need_not_fell_improved": figures.need_not_fell_improved,
        "need_not_fell_share_improved": places(figures.need_not_fell_share_improved),
        "need_not_fell_share_note": figures.need_not_fell_share_improved.reason,
        "suppressed": False,
        "suppressed_columns": "",
    }


def suppress(rows: list[dict[str, Any]], threshold: int) -> None:
    """Withholds, in place, the small counts of the rows of one area and measure (withheld_rows.py), the shares
    built on them, and the coefficients of a row of few children."""
    sizes = [row["children"] for row in rows]
    for row, size, gone in zip(rows, sizes, withhold(rows, LAYOUT, threshold), strict=True):
        for share, parts in SHARES.items():
            if any(part in gone for part in parts):
                row[share], row[share.replace("_improved", "_note")] = None, "suppressed: built on a small number"
        if small(size, threshold):
            for figure in ("spearman", "interval_low", "interval_high"):
                row[figure] = None
            row["spearman_note"] = row["interval_note"] = f"suppressed: {threshold} or fewer children"
        row["suppressed"], row["suppressed_columns"] = bool(gone), " ".join(gone)


async def read_links(
    db: AsyncSession,
    la_id: uuid.UUID,
    *,
    by: Sequence[str],
    today: date,
    window: Window,
    suppressed: bool,
) -> LinkTable:
    """The figures of children's changes within the window (assessments dated in it, measures whose periods end
    in it) or, without one, of every figure kept; in a fixed order: slice values, outcome area, measure code."""
    slices = slices_asked(by)
    # One snapshot for every read: it must be the transaction's first work. Without a window, the figures the
    # worker keeps; with one, each child's computed anew from what is dated in it.
    if window.start is not None or window.end is not None:
        sink = await figures_as_at.figures_as_at(db, la_id, window.end or today, window.start)
        outcomes = await council_outcomes(db, la_id, sink, window)
    else:
        await db.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        outcomes = await kept_outcome_figures.read(db, la_id)
    values = await slice_values(db, la_id, slices, window.end or today)
    grouped: dict[tuple[Any, ...], list[Link]] = {}
    for child, figures in outcomes.items():
        key = values.get(child, (None,) * len(slices))
        for link in figures.links:
            grouped.setdefault(key, []).append(link)
    rows = [
        row_of(dict(zip(slices, key, strict=True)), figures)
        for key in sorted(grouped, key=lambda key: slice_order(slices, key))
        for figures in council_links(grouped[key])
    ]
    threshold = await council_threshold(db, la_id) if suppressed else None
    if threshold is not None:
        by_measure: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            by_measure.setdefault((row["outcome_area"], row["measure_code"]), []).append(row)
        for group in by_measure.values():
            suppress(group, threshold)
    return LinkTable([*slices, *FIGURE_COLUMNS], rows, threshold)


def slice_order(slices: Sequence[str], key: tuple[Any, ...]) -> tuple[Any, ...]:
    """As the cohort figures order theirs: age bands youngest first, nulls last, the rest as text."""
    bands = {name: rank for rank, (name, _) in enumerate(AGE_BANDS)}
    return tuple(
        (value is None, bands.get(value, 0) if name == "age_band" else 0, "" if value is None else str(value))
        for name, value in zip(slices, key, strict=True)
    )


async def slice_values(
    db: AsyncSession, la_id: uuid.UUID, slices: Sequence[str], day: date
) -> dict[uuid.UUID, tuple[Any, ...]]:
    if not slices:
        return {}
    children = sliced_children(la_id, day)
    rows = await db.execute(select(children.c.child_pk, *(children.c[name] for name in slices)))
    return {row[0]: tuple(row[1:]) for row in rows}
