"""The placement figures' refresh alongside a full recompute of councils (full_recompute.recompute_every_figure), in
a process of its own. Its Python work (the council's placements read and computed, every child decided, the rows
encoded for COPY) would otherwise share the recompute's one interpreter lock and lengthen the recompute by as much.

The recompute hands it the needs figures piece by piece, as it computes them (written_needs.py), then whether it
committed them. The refresh decides each piece as it comes and stages every row, then waits for the figures lock:
it moves its rows in once the recompute has committed, and writes nothing if it did not."""

import asyncio
import multiprocessing
import os
import pickle
import queue
import uuid
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import make_engine, make_sessionmaker
from shared.domain import kept_placement_figures
from shared.domain.written_needs import COMMITTED, NeedsPiece, WrittenNeeds
from shared.settings import Settings

# Not a fork: that would copy the recompute's event loop, threads and open connections into the child.
CONTEXT = multiprocessing.get_context("spawn")
ABORTED = "the recompute did not commit"


class RefreshProcess:
    """The refresh's process, started at once; the recompute's side of the queue between them (a NeedsSink)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], la_ids: list[uuid.UUID], day: date) -> None:
        url = sessions.kw["bind"].url.render_as_string(hide_password=False)
        self._messages = CONTEXT.Queue()
        self._outcome = CONTEXT.Queue()
        self._process = CONTEXT.Process(
            target=refresh, args=(url, la_ids, day, self._messages, self._outcome, os.getpid()), daemon=True
        )
        self._process.start()

    def put(self, piece: NeedsPiece) -> None:
        self._messages.put(piece)

    def close(self, covered: np.ndarray[Any, Any]) -> None:
        self._messages.put(covered)

    async def committed(self) -> int:
        """The recompute committed: the refresh's rows written."""
        self._messages.put(COMMITTED)
        outcome = await self._ended()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def aborted(self) -> None:
        """The recompute failed: the refresh ends having written nothing (its failure is the recompute's own)."""
        self._messages.put(ABORTED)
        await self._ended()

    async def _ended(self) -> int | BaseException:
        outcome = await asyncio.to_thread(self._wait)
        await asyncio.to_thread(self._process.join)
        return outcome if isinstance(outcome, BaseException) else int(outcome)

    def _wait(self) -> Any:
        while True:
            try:
                return self._outcome.get(timeout=1)
            except queue.Empty:
                if not self._process.is_alive():
                    return RuntimeError(f"the placement figures' refresh ended with code {self._process.exitcode}")


def refresh(url: str, la_ids: list[uuid.UUID], day: date, messages: Any, outcome: Any, parent: int) -> None:
    try:
        outcome.put(asyncio.run(refreshed(url, la_ids, day, WrittenNeeds(messages, parent))))
    except BaseException as error:  # noqa: BLE001 - every failure goes back to the recompute, which raises it
        outcome.put(error if picklable(error) else RuntimeError(type(error).__name__))


async def refreshed(url: str, la_ids: list[uuid.UUID], day: date, needs: WrittenNeeds) -> int:
    engine = make_engine(Settings(database_url=url))
    try:
        return await kept_placement_figures.refresh_councils(make_sessionmaker(engine), la_ids, day, needs)
    finally:
        await engine.dispose()


def picklable(error: BaseException) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - whatever stops it crossing, its type name crosses instead
        return False
    return True
