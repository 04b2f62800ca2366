"""How far a reading has got, told as it goes: a stage (reading the files, then checking their rows), and the
files or rows done of the total, so that the operator's progress bar and the import resource can show it."""

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Tick = Callable[[str, int, int], None]  # (stage, done, total)
T = TypeVar("T")

EVERY = 1_000  # rows between ticks: often enough for a bar, rare enough to cost nothing


def no_tick(stage: str, done: int, total: int) -> None:
    """Nobody is watching."""


def ticking(rows: Iterable[T], tick: Tick, done: int, total: int) -> Iterator[T]:
    """The rows, ticking "checking" every EVERY of them, counting on from `done` of `total`."""
    for n, row in enumerate(rows, start=done + 1):
        yield row
        if n % EVERY == 0 or n == total:
            tick("checking", n, total)
