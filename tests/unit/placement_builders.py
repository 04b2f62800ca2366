"""Small builders for the placements engine: an episode from ISO dates and the few codes a scenario turns on,
a child's figures as at 31 March 2024 unless told, so a scenario reads as its dates and codes."""

from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.engines.placements.child import Child, PlacementFigures, placement_figures
from shared.domain.engines.placements.episodes import Episode

AS_AT = date(2024, 3, 31)  # the 12 months ending it are 1 April 2023 to 31 March 2024
BORN = date(2012, 6, 1)  # 11 at AS_AT


def episode(start: str, end: str | None, rne: str = "P", place: str = "U4", **fields: Any) -> Episode:
    """An episode under a full care order unless told; weekly_cost given as a string is a Decimal."""
    if isinstance(fields.get("weekly_cost"), str):
        fields["weekly_cost"] = Decimal(fields["weekly_cost"])
    return Episode(
        start=date.fromisoformat(start),
        end=None if end is None else date.fromisoformat(end),
        rne=rne,
        legal_status=fields.pop("legal_status", "C2"),
        place=place,
        **fields,
    )


def figures(*episodes: Episode, born: date = BORN, as_at: date = AS_AT) -> PlacementFigures:
    return placement_figures(Child(born=born, episodes=episodes), as_at)
