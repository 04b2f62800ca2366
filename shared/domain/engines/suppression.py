"""Small-number suppression of published counts: every count from 1 to the council's threshold is withheld
(primary suppression), and so are enough others that none can be worked back from the totals it adds up to
(secondary suppression). Pure engine, no I/O.

The counts come with the sums they take part in (a total and its parts) and with the counts the reader can
work out without their being published (a part that is a total less the published parts), so that a small
count is protected however it could be reached."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sum:
    total: str
    parts: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return (self.total, *self.parts)


def small(value: int, threshold: int) -> bool:
    return 1 <= value <= threshold


def worked_out(known: set[str], sums: Sequence[Sum]) -> set[str]:
    """Every count the reader knows: the published ones left, and each that is the one unknown of a sum."""
    known = set(known)
    grown = True
    while grown:
        grown = False
        for each in sums:
            unknown = [cell for cell in each.cells if cell not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                grown = True
    return known


def withheld(
    counts: Mapping[str, int], sums: Sequence[Sum], threshold: int, unpublished: frozenset[str] = frozenset()
) -> set[str]:
    """The published counts to withhold. `counts` holds every count of the sums, `unpublished` those that are
    not published themselves (but may be worked out)."""
    published = [name for name in counts if name not in unpublished]
    hidden = {name for name in published if small(counts[name], threshold)}
    while True:
        known = worked_out({name for name in published if name not in hidden}, sums)
        exposed = [name for name in counts if name in known and small(counts[name], threshold)]
        if not exposed:
            return hidden
        candidate = next_to_withhold(exposed[0], counts, sums, hidden, unpublished)
        if candidate is None:  # nothing published is left to withhold that could protect it
            return hidden
        hidden.add(candidate)


def next_to_withhold(
    exposed: str, counts: Mapping[str, int], sums: Sequence[Sum], hidden: set[str], unpublished: frozenset[str]
) -> str | None:
    """A published count to withhold beside an exposed one: from a sum it takes part in, the smallest non-zero
    part, then a zero part, then the total (a total is what readers most need); from any sum where those it
    takes part in have none left, as it is then worked out through another."""
    for involved in ([each for each in sums if exposed in each.cells], sums):
        candidates = [
            (position == 0, counts[cell] == 0, counts[cell], cell)
            for each in involved
            for position, cell in enumerate(each.cells)
            if cell != exposed and cell not in hidden and cell not in unpublished
        ]
        if candidates:
            return min(candidates)[3]
    return None
