"""The domain's refusals by name: each a Conflict (409) to the API, raised and caught by what it means."""

import uuid
from datetime import date

from shared.errors import Conflict


class PeriodAlreadyClosed(Conflict):
    def __init__(self) -> None:
        super().__init__("The period is closed already.")


class PeriodNotEnded(Conflict):
    def __init__(self, period_end: date) -> None:
        super().__init__(f"The period runs to {period_end.isoformat()}: close it once it has ended.")


class EarlierPeriodsOpen(Conflict):
    def __init__(self, still_open: list[str]) -> None:
        super().__init__(f"Close the earlier periods first: {', '.join(still_open)}.")
        self.still_open = still_open


class ContractExists(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(f"A contract '{code}' exists: change it with a new version.")


class PlacementAlreadyEnded(Conflict):
    def __init__(self, ended_on: date) -> None:
        super().__init__(f"The placement already ended on {ended_on.isoformat()}.")


class RecomputeUnderWay(Conflict):
    """A council has one recompute at a time; the one under way is named when known."""

    def __init__(self, recompute_id: uuid.UUID | None = None, state: str = "queued or running") -> None:
        where = f": /v1/admin/recomputes/{recompute_id}" if recompute_id else ""
        super().__init__(f"A recompute of the council is already {state}{where}.")
