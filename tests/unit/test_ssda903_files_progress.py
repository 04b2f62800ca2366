"""How far a reading has got, told as it goes (shared/ssda903_files/progress.py): the files read, then every row
checked of the rows the files hold, counting up to the end; what an operator's bar and the import resource show."""

from shared.ssda903_files import read_return
from shared.ssda903_files.costs import read_costs
from shared.ssda903_files.progress import EVERY
from tests.unit.ssda903_files_builders import EPISODE_COLUMNS, HEADER_COLUMNS, file

Ticks = list[tuple[str, int, int]]


def test_a_return_tells_each_file_read_then_every_thousand_rows_checked_and_the_last() -> None:
    children = 1_500
    headers = [f"C{n},1,01/01/2012,WBRI,,," for n in range(children)]
    episodes = [f"C{n},01/06/2023,S,C2,N1,U4,PR1,,,,,," for n in range(children)]
    ticks: Ticks = []
    read_return(
        [
            file("header.csv", "\n".join([HEADER_COLUMNS, *headers]) + "\n"),
            file("episodes.csv", "\n".join([EPISODE_COLUMNS, *episodes]) + "\n"),
        ],
        2023,
        tick=lambda stage, done, total: ticks.append((stage, done, total)),
    )
    total = 2 * children
    assert ticks[:3] == [("reading", 0, 2), ("reading", 1, 2), ("reading", 2, 2)]
    assert ticks[3:] == [("checking", n, total) for n in (EVERY, 2 * EVERY, total)]


def test_a_costs_file_tells_its_rows_checked_too() -> None:
    rows = [f"C{n},2023-06-01,,700.00,1,0,0,PR1" for n in range(EVERY + 1)]
    columns = "CHILD,DECOM,PLACEMENT_ID,WEEKLY_COST,FUNDING_SOCIAL_CARE,FUNDING_HEALTH,FUNDING_EDUCATION,PROVIDER"
    ticks: Ticks = []
    read_costs(
        [file("costs.csv", "\n".join([columns, *rows]) + "\n")],
        lambda stage, done, total: ticks.append((stage, done, total)),
    )
    assert ticks == [
        ("reading", 0, 1),
        ("reading", 1, 1),
        ("checking", EVERY, EVERY + 1),
        ("checking", EVERY + 1, EVERY + 1),
    ]
