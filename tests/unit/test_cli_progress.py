"""The operator's progress bar for an import (services/cli/progress.py): drawn in place on a terminal, one line
per stage in a log; what an operator watching a national return load would see go wrong."""

import io

from services.cli.progress import IMPORT_UNITS, ProgressBar, bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_fills_with_the_work_done_and_names_what_it_counts() -> None:
    assert bar("checking", 2525, 5050, "rows", width=10) == "checking [#####.....]  50%  2,525/5,050 rows"
    assert bar("reading", 3, 3, "files", width=4) == "reading  [####] 100%  3/3 files"
    assert bar("merging", 0, 0) == "merging…"


def test_a_count_past_the_total_never_draws_past_the_end() -> None:
    assert bar("checking", 12, 10, "rows", width=5) == "checking [#####] 100%  10/10 rows"


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_each_stage_keeps_its_last_line() -> None:
    screen = Terminal()
    shown = ProgressBar(IMPORT_UNITS, screen)
    for done in (1000, 2000, 2500):
        shown("checking", done, 2500)
    shown("merging", 0, 0)
    shown.close()
    lines = screen.getvalue().split("\n")
    # Each redraw returns to the line's start and clears what a longer line left.
    assert lines[0].count("\r") == 3 and lines[0].endswith("2,500/2,500 rows\x1b[K")
    assert lines[1] == "\rmerging…\x1b[K" and lines[2] == ""


def test_in_a_log_each_stage_is_one_line_its_last_state() -> None:
    log = io.StringIO()
    shown = ProgressBar(IMPORT_UNITS, log)
    for done in range(5):
        shown("reading", done, 4)
    for done in range(1000, 300_001, 1000):
        shown("checking", done, 300_383)
    shown("checking", 300_383, 300_383)
    shown("merging", 0, 0)
    shown.close()
    assert log.getvalue().splitlines() == [
        bar("reading", 4, 4, "files"),
        bar("checking", 300_383, 300_383, "rows"),
        "merging…",
    ]
