"""The operator's progress bar (an import: files read, rows checked, then merging; a recompute: children read,
computed, written): on a terminal one line redrawn as the work goes; written to a pipe or a log, each stage's
last state once, as the next begins, so that a log is not flooded."""

import sys
from collections.abc import Mapping
from typing import TextIO

WIDTH = 40
IMPORT_UNITS = {"reading": "files", "checking": "rows"}  # merging counts nothing
RECOMPUTE_UNITS = {"read": "children", "computed": "children", "written": "children"}


def bar(stage: str, done: int, total: int, unit: str = "", width: int = WIDTH) -> str:
    """`checking [#######.......]  52%  2,626/5,050 rows`, or the stage alone while nothing is counted."""
    if total <= 0:
        return f"{stage}…"
    done = min(done, total)
    filled = width * done // total
    drawn = "#" * filled + "." * (width - filled)
    return f"{stage:<9}[{drawn}] {100 * done // total:3d}%  {done:,}/{total:,} {unit}".rstrip()


class ProgressBar:
    def __init__(self, units: Mapping[str, str], stream: TextIO | None = None) -> None:
        self.units = units
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.last: tuple[str, int, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        ended = self.last is not None and self.last[0] != stage
        if self.live:
            # The last state of a stage stays on its line; the next stage's bar starts a line of its own.
            self.stream.write(("\n" if ended else "") + f"\r{self.drawn(stage, done, total)}\x1b[K")
        elif ended:
            self.write_last()
        self.stream.flush()
        self.last = (stage, done, total)

    def close(self) -> None:
        if self.last is not None:
            self.stream.write("\n") if self.live else self.write_last()
            self.stream.flush()
            self.last = None

    def drawn(self, stage: str, done: int, total: int) -> str:
        return bar(stage, done, total, self.units.get(stage, ""))

    def write_last(self) -> None:
        assert self.last is not None
        self.stream.write(self.drawn(*self.last) + "\n")
