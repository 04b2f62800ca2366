"""The full recompute's planning, with no database (shared/domain/full_recompute.py): which instruments a
child's trends run across, which assessment names its instrument, how children are split into engine runs,
how the ratings of another version of the instrument are laid out, and which children changed since the
snapshot. A mistake here gives a child the wrong figures without any engine test noticing."""

import uuid
from collections import namedtuple
from typing import Any

import numpy as np

from shared.domain import full_recompute
from shared.domain.engines.needs_trends import NOT_RATED
from shared.domain.full_recompute import families, in_scale, latest_instruments, pieces
from shared.domain.snapshot import Snapshot, changed_since
from shared.instruments import InstrumentScale

InstrumentRow = namedtuple("InstrumentRow", "id la_id code version compatible_with definition")
COUNCIL, OTHER_COUNCIL = uuid.uuid4(), uuid.uuid4()


def instrument(code: str, version: int, domains: list[str], compatible_with: tuple[int, ...] = (), la_id: Any = None):
    definition = {
        "code": code,
        "version": version,
        "domains": [{"code": domain} for domain in domains],
        "levels": [{"level": level} for level in range(5)],
        "strengths": [{"level": level} for level in range(4)],
        "actionable_from": 2,
        "intensive_level": 4,
    }
    return InstrumentRow(uuid.uuid4(), la_id, code, version, list(compatible_with), definition)


def snapshot(
    instruments: list[InstrumentRow],
    versions: list[tuple[int, int, int, int, int]],  # child, assessment, day, recorded, instrument
    need: list[list[int]] | None = None,
    rated: list[bool] | None = None,
    children: int = 3,
) -> Snapshot:
    columns = list(zip(*versions, strict=True))
    width = max(len(i.definition["domains"]) for i in instruments)
    levels = np.array(need if need is not None else [[0] * width for _ in versions], dtype=np.int16)
    return Snapshot(
        versions={
            "id": np.zeros(len(versions), dtype="V16"),
            "child": np.array(columns[0], dtype=np.int64),
            "assessment": np.array(columns[1], dtype=np.int64),
            "day": np.array(columns[2], dtype=np.int32),
            "recorded": np.array(columns[3], dtype=np.int64),
            "instrument": np.array(columns[4], dtype=np.int16),
        },
        need=levels,
        strength=np.full_like(levels, NOT_RATED),
        rated=np.array(rated if rated is not None else [True] * len(versions)),
        child_seq=np.arange(children, dtype=np.int64),
        child_pk=np.array([uuid.uuid4().bytes for _ in range(children)], dtype="V16"),
        child_council=np.zeros(children, dtype=np.int64),
        councils=[COUNCIL],
        instruments=instruments,
        outbox={},
        had_figures=set(),
    )


def test_a_family_is_the_latest_version_and_the_versions_it_declares_compatible_of_one_council() -> None:
    shipped_v1 = instrument("needs", 1, ["a"])
    shipped_v2 = instrument("needs", 2, ["a"], compatible_with=(1,))
    shipped_v3 = instrument("needs", 3, ["a"])  # declares nothing: its trends restart
    own_v1 = instrument("needs", 1, ["a"], la_id=COUNCIL)  # a council's own instrument of the same code
    other_code = instrument("sdq", 1, ["a"])
    family = families([shipped_v1, shipped_v2, shipped_v3, own_v1, other_code])
    # Instruments are numbered from 1; row h is the family of a child whose latest assessment is of h.
    assert family[2].tolist() == [False, True, True, False, False, False]
    assert family[1].tolist() == [False, True, False, False, False, False]
    assert family[3].tolist() == [False, False, False, True, False, False]
    assert family[4].tolist() == [False, False, False, False, True, False]
    assert family[5].tolist() == [False, False, False, False, False, True]


def test_the_latest_assessment_by_date_then_first_recording_then_number_names_the_instrument() -> None:
    v1, v2, v3 = instrument("needs", 1, ["a"]), instrument("needs", 2, ["a"]), instrument("needs", 3, ["a"])
    plan = snapshot(
        [v1, v2, v3],
        [
            # child 0: the later date wins over the later recording
            (0, 1, 100, 5, 2),
            (0, 2, 90, 9, 1),
            # child 1: one date, recorded later stands; same recording time, the higher number
            (1, 3, 50, 1, 1),
            (1, 4, 50, 2, 3),
            (1, 5, 50, 2, 2),
            # child 2: its only version has no rating, so it is no assessment
            (2, 6, 10, 1, 3),
        ],
        rated=[True, True, True, True, True, False],
    )
    assert latest_instruments(plan).tolist() == [2, 2, 0]


def test_children_are_run_in_pieces_of_one_instrument_and_at_most_a_piece_s_size(monkeypatch: Any) -> None:
    monkeypatch.setattr(full_recompute, "PIECE", 2)
    latest = np.array([1, 2, 0, 1, 1, 2])
    planned = [(piece.instrument, piece.children.tolist()) for piece in pieces(latest)]
    assert planned == [(1, [0, 3]), (1, [4]), (2, [1, 5])]


def test_ratings_of_a_compatible_version_are_laid_out_in_the_order_of_the_scale_the_trends_follow() -> None:
    v1 = instrument("needs", 1, ["safety", "health", "learning"])
    v2 = instrument("needs", 2, ["health", "learning", "safety"], compatible_with=(1,))
    plan = snapshot([v1, v2], [(0, 1, 10, 1, 1), (0, 2, 20, 2, 2)], need=[[3, 1, 2], [0, 4, 1]])
    rows = np.array([True, True])
    need, _ = in_scale(plan, rows, InstrumentScale.from_definition(v2.definition))
    # In v2's order (health, learning, safety): v1's safety 3, health 1, learning 2 move to their columns.
    assert need.tolist() == [[1, 2, 3], [0, 4, 1]]


def test_a_child_is_changed_since_the_snapshot_when_a_request_is_new_or_was_done_meanwhile() -> None:
    quiet, written, recomputed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    read = {1: (quiet, False), 2: (recomputed, True)}
    now = {1: (quiet, False), 2: (recomputed, False), 3: (written, True)}
    assert changed_since(read, now) == {written, recomputed}
