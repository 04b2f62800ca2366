"""The needs figures a full recompute writes, as the engine's arrays it writes them from, handed piece by piece to
the placement figures' refresh that runs alongside it in a process of its own (refresh_process.py). Its decision
figures are decided from these while the recompute computes and writes the next pieces, instead of being read back
once they commit: a nation's freshly written domain rows took seconds to read, then seconds to decide, all of them
on the recompute's wall time.

`piece_rows` gives exactly what kept_decision_figures.NEEDS reads of the same children once the figures are committed
(figures_check compares the decision figures of both paths)."""

import asyncio
import os
import queue
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import numpy as np
from asyncpg.pgproto.pgproto import UUID as DriverUUID

EPOCH = date(2000, 1, 1)  # the engine's days are counted from it, as the figures' INSERTs turn them into dates


@dataclass(frozen=True, slots=True)
class NeedsPiece:
    """One engine run's children written, and what NEEDS reads of each: -1 where the figure is null."""

    domains: tuple[str, ...]  # the codes of the level columns, in the instrument's order (the rows' positions)
    child_pk: np.ndarray[Any, Any]  # uuid bytes
    latest_id: np.ndarray[Any, Any]  # uuid bytes
    previous_id: np.ndarray[Any, Any]  # uuid bytes, of the assessment before the latest where there is one
    has_previous: np.ndarray[Any, Any]
    latest_day: np.ndarray[Any, Any]
    total: np.ndarray[Any, Any]
    previous_total: np.ndarray[Any, Any]
    max: np.ndarray[Any, Any]
    latest: np.ndarray[Any, Any]  # [child, domain] latest level
    previous: np.ndarray[Any, Any]  # [child, domain] the level rated before it
    rated_at_latest: np.ndarray[Any, Any]  # [child, domain]: child_profile.rated_at_latest


class NeedsSink(Protocol):
    """Where a recompute hands its needs figures, in the order it computes them."""

    def put(self, piece: NeedsPiece) -> None: ...

    def close(self, covered: np.ndarray[Any, Any]) -> None:
        """Every piece put: `covered` holds the uuid bytes of every child the recompute writes or clears, whose
        needs figures are therefore those put (or none)."""


class Aborted(Exception):
    """The recompute the needs figures came from did not commit them."""


class WrittenNeeds:
    """What a recompute hands over (refresh_process.py), as the refresh takes it from the queue between them: each
    piece, then every child covered, then whether the recompute committed."""

    def __init__(self, messages: Any, parent: int) -> None:
        self._messages = messages  # a multiprocessing queue
        self._parent = parent
        self._covered: np.ndarray[Any, Any] | None = None

    async def pieces(self) -> AsyncIterator[NeedsPiece]:
        while isinstance(message := await self._next(), NeedsPiece):
            yield message
        if isinstance(message, str):
            raise Aborted(message)
        self._covered = message

    @property
    def covered(self) -> np.ndarray[Any, Any]:
        assert self._covered is not None, "read once every piece is taken"
        return self._covered

    async def committed(self) -> None:
        """Returns once the recompute has committed; raises Aborted if it did not."""
        if (message := await self._next()) != COMMITTED:
            raise Aborted(message)

    async def _next(self) -> Any:
        return await asyncio.to_thread(self._wait)

    def _wait(self) -> Any:
        while True:
            try:
                return self._messages.get(timeout=1)
            except queue.Empty:
                # The recompute's process is gone (killed): its transaction went with it.
                if os.getppid() != self._parent:
                    return "the recompute's process ended"


COMMITTED = "committed"


def piece_rows(piece: NeedsPiece, level_from: int, rise_from: int) -> dict[uuid.UUID, Mapping[str, Any]]:
    """NEEDS's rows by child: of the domains a latest assessment rated, those at level_from or above, or with a
    rise of rise_from or more."""
    rises = piece.previous != -1
    rise = np.where(rises, piece.latest - piece.previous, 0)
    chosen = piece.rated_at_latest & ((piece.latest >= level_from) | (rises & (rise >= rise_from)))
    # Whole columns to Python objects at once, each child's domains a slice of them: no numpy scalar per value.
    child, column = np.nonzero(chosen)
    ends = np.searchsorted(child, np.arange(len(piece.child_pk)), side="right").tolist()
    codes = np.array(piece.domains, dtype=object)[column].tolist()
    levels = piece.latest[child, column].tolist()
    known = rises[child, column].tolist()
    changes = [each if has else None for each, has in zip(rise[child, column].tolist(), known, strict=True)]
    rows: dict[uuid.UUID, Mapping[str, Any]] = {}
    begin = 0
    for n, (pk, latest_id, previous_id, has_previous, day, total, previous_total, top) in enumerate(
        zip(
            uuids(piece.child_pk),
            uuids(piece.latest_id),
            uuids(piece.previous_id),
            piece.has_previous.tolist(),
            piece.latest_day.tolist(),
            piece.total.tolist(),
            piece.previous_total.tolist(),
            piece.max.tolist(),
            strict=True,
        )
    ):
        end = ends[n]
        rows[pk] = {
            "latest_assessment_id": latest_id,
            "previous_assessment_id": previous_id if has_previous else None,
            "latest_assessed_on": EPOCH + timedelta(days=day),
            "total_need": total,
            "previous_total_need": None if previous_total == -1 else previous_total,
            "max_need": None if top == -1 else top,
            # NEEDS's left join: null, not empty, for a child none of whose domains is read
            "domains": codes[begin:end] or None,
            "levels": levels[begin:end] or None,
            "rises": changes[begin:end] or None,
        }
        begin = end
    return rows


def uuids(values: np.ndarray[Any, Any]) -> list[uuid.UUID]:
    # asyncpg's own, as it returns every uuid read: a uuid.UUID, built in C eight times as fast.
    return [DriverUUID(each) for each in values.tolist()]
