"""The needs figures a full recompute hands to its decision figures as it writes them (written_needs.py): what
kept_decision_figures.NEEDS reads of the same children once they are committed. Worked by hand."""

import os
import queue
import uuid
from datetime import date

import numpy as np
import pytest

from shared.domain.refresh_process import ABORTED
from shared.domain.written_needs import COMMITTED, Aborted, NeedsPiece, WrittenNeeds, piece_rows

CHILDREN = [uuid.UUID(int=n + 1) for n in range(3)]
LATEST = [uuid.UUID(int=100 + n) for n in range(3)]
PREVIOUS = [uuid.UUID(int=200 + n) for n in range(3)]


def ids(values: list[uuid.UUID]) -> np.ndarray:
    return np.array([each.bytes for each in values], dtype="V16")


def piece() -> NeedsPiece:
    return NeedsPiece(
        domains=("behaviour", "family", "learning"),
        child_pk=ids(CHILDREN),
        latest_id=ids(LATEST),
        previous_id=ids(PREVIOUS),
        has_previous=np.array([True, False, True]),
        latest_day=np.array([366, 0, 31]),
        total=np.array([7, 3, 0]),
        previous_total=np.array([5, -1, 2]),
        max=np.array([3, 2, -1]),
        latest=np.array([[3, 1, 2], [1, -1, 2], [0, 0, 0]]),
        previous=np.array([[1, 0, -1], [-1, -1, 3], [0, 1, 1]]),
        rated_at_latest=np.array([[True, True, False], [True, False, True], [True, True, True]]),
    )


def test_each_child_has_the_domains_its_latest_assessment_rated_at_a_level_or_with_a_rise_the_rules_ask_about() -> None:
    rows = piece_rows(piece(), 2, 1)
    # behaviour at 3, up 2; family at 1 but up 1; learning at 2 but rated before the latest assessment
    assert rows[CHILDREN[0]] == {
        "latest_assessment_id": LATEST[0],
        "previous_assessment_id": PREVIOUS[0],
        "latest_assessed_on": date(2001, 1, 1),
        "total_need": 7,
        "previous_total_need": 5,
        "max_need": 3,
        "domains": ["behaviour", "family"],
        "levels": [3, 1],
        "rises": [2, 1],
    }
    # a single assessment: no previous one; learning down 1 from 3 is a fall, not a missing rise
    assert rows[CHILDREN[1]] == {
        "latest_assessment_id": LATEST[1],
        "previous_assessment_id": None,
        "latest_assessed_on": date(2000, 1, 1),
        "total_need": 3,
        "previous_total_need": None,
        "max_need": 2,
        "domains": ["learning"],
        "levels": [2],
        "rises": [-1],
    }
    # nothing at a level or rise asked about: no domains, as NEEDS's left join gives none
    assert rows[CHILDREN[2]]["domains"] is None
    assert rows[CHILDREN[2]]["levels"] is None
    assert rows[CHILDREN[2]]["max_need"] is None


def test_a_domain_without_an_earlier_rating_has_no_rise() -> None:
    rows = piece_rows(piece(), 1, 1)
    assert rows[CHILDREN[1]]["domains"] == ["behaviour", "learning"]
    assert rows[CHILDREN[1]]["rises"] == [None, -1]


async def taken(needs: WrittenNeeds) -> list[NeedsPiece]:
    return [each async for each in needs.pieces()]


async def test_the_refresh_takes_each_piece_then_the_children_covered_then_the_commit() -> None:
    messages: queue.Queue[object] = queue.Queue()
    for message in (piece(), piece(), ids(CHILDREN), COMMITTED):
        messages.put(message)
    needs = WrittenNeeds(messages, os.getppid())
    assert len(await taken(needs)) == 2
    assert needs.covered.tolist() == [each.bytes for each in CHILDREN]
    await needs.committed()


@pytest.mark.parametrize("after_pieces", [0, 1])
async def test_a_recompute_that_did_not_commit_stops_the_refresh_wherever_it_is(after_pieces: int) -> None:
    messages: queue.Queue[object] = queue.Queue()
    for message in [piece()] * after_pieces + [ABORTED]:
        messages.put(message)
    needs = WrittenNeeds(messages, os.getppid())
    with pytest.raises(Aborted):
        await taken(needs)
    messages.put(ids(CHILDREN))
    messages.put(ABORTED)
    needs = WrittenNeeds(messages, os.getppid())
    await taken(needs)
    with pytest.raises(Aborted):
        await needs.committed()


async def test_a_refresh_whose_recompute_process_is_gone_writes_nothing() -> None:
    messages: queue.Queue[object] = queue.Queue()
    messages.put(ids(CHILDREN))
    needs = WrittenNeeds(messages, parent=os.getppid() + 1)  # not this process's parent: gone
    await taken(needs)
    with pytest.raises(Aborted, match="ended"):
        await needs.committed()
