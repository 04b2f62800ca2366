"""Small numbers withheld from a published table (engines/suppression.py): the rows of one table partition one
population, so the sum of each count over the rows is the council's figure, published elsewhere; each row's own
counts add up as the layout says, with parts a reader can work out without their being published."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.suppression import Sum, withheld
from shared.models import LocalAuthority


@dataclass(frozen=True, slots=True)
class Layout:
    counts: tuple[str, ...]  # the published count columns
    derived: dict[str, tuple[str, tuple[str, ...]]]  # an unpublished count: a count less its other parts
    sums: tuple[tuple[str, tuple[str, ...]], ...]  # a total and its parts, within a row


def cells(row: dict[str, Any], layout: Layout) -> dict[str, int]:
    counts = {name: int(row[name]) for name in layout.counts}
    return counts | {
        name: counts[whole] - sum(counts[part] for part in parts) for name, (whole, parts) in layout.derived.items()
    }


def withhold(rows: list[dict[str, Any]], layout: Layout, threshold: int) -> list[list[str]]:
    """Sets to None, in place, every count from 1 to the threshold and whatever would give one back; returns each
    row's withheld columns."""
    counts: dict[str, int] = {}
    sums: list[Sum] = []
    for n, row in enumerate(rows):
        counts |= {f"{n}:{name}": value for name, value in cells(row, layout).items()}
        sums += [Sum(f"{n}:{total}", tuple(f"{n}:{part}" for part in parts)) for total, parts in layout.sums]
    if len(rows) > 1:
        for name in (*layout.counts, *layout.derived):
            counts[f"all:{name}"] = sum(counts[f"{n}:{name}"] for n in range(len(rows)))
            sums.append(Sum(f"all:{name}", tuple(f"{n}:{name}" for n in range(len(rows)))))
    unpublished = frozenset(cell for cell in counts if cell.split(":")[1] in layout.derived)
    hidden = withheld(counts, sums, threshold, unpublished)
    gone = [[name for name in layout.counts if f"{n}:{name}" in hidden] for n in range(len(rows))]
    for row, names in zip(rows, gone, strict=True):
        for name in names:
            row[name] = None
    return gone


async def council_threshold(db: AsyncSession, la_id: uuid.UUID) -> int:
    threshold = await db.scalar(select(LocalAuthority.suppression_threshold).where(LocalAuthority.id == la_id))
    return int(threshold or 0)
