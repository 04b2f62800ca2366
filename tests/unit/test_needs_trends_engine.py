"""Many children at once give each child exactly what it gets alone: a full recompute and a child's
incremental one cannot disagree, however the children are batched or ordered."""

import random
from dataclasses import fields

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.engines.needs_trends import NOT_RATED, Assessments, Scale, Trends, compute

SCALE = Scale(("a", "b", "c"), actionable_from=2, intensive_level=4)
DOMAINS = len(SCALE.domains)

# One child: assessments as (day, recorded, levels per domain); days cluster so ties and the
# 28- and 730-day edges come up.
assessment = st.tuples(
    st.integers(0, 1500),
    st.integers(0, 10**6),
    st.lists(st.one_of(st.just(NOT_RATED), st.integers(0, 4)), min_size=DOMAINS, max_size=DOMAINS),
)
child = st.lists(assessment, min_size=0, max_size=8, unique_by=lambda a: a[1])


def assessments_of(children: list[list[tuple[int, int, list[int]]]], order: list[int] | None = None) -> Assessments:
    # Strengths mirror needs (3 - need) so both series are exercised.
    rows = [
        (c, c * 100 + n, day, recorded, levels, [NOT_RATED if v == NOT_RATED else min(3, 4 - v) for v in levels])
        for c, assessments in enumerate(children)
        for n, (day, recorded, levels) in enumerate(assessments)
    ]
    if order is not None:
        rows = [rows[i] for i in order]
    columns = list(zip(*rows, strict=True)) if rows else [()] * 6
    *numbers, needs, strengths = (np.array(column, dtype=np.int64) for column in columns)
    return Assessments(*numbers, needs.reshape(len(rows), DOMAINS), strengths.reshape(len(rows), DOMAINS))


def as_read(assessments: Assessments) -> Assessments:
    """In the narrow types the full recompute reads (dates int32, levels int16)."""
    a = assessments
    return Assessments(
        a.child,
        a.assessment,
        a.assessed_on.astype(np.int32),
        a.recorded,
        a.need.astype(np.int16),
        a.strength.astype(np.int16),
    )


def child_slice(trends: Trends, c: int, single: Trends) -> None:
    for series in ("domains", "strengths"):
        for field in fields(getattr(trends, series)):
            together = getattr(getattr(trends, series), field.name)[c * DOMAINS : (c + 1) * DOMAINS]
            np.testing.assert_array_equal(together, getattr(getattr(single, series), field.name), err_msg=field.name)
    for field in fields(trends.children):
        if field.name in ("series", "series_starts", "baseline_assessment", "latest_assessment"):
            continue
        together = getattr(trends.children, field.name)[c : c + 1]
        np.testing.assert_array_equal(together, getattr(single.children, field.name), err_msg=field.name)
    starts = trends.children.series_starts
    alone = single.children.series[single.children.series_starts[0] : single.children.series_starts[1]]
    # Assessment numbers differ alone (child 0) and together (child c): c * 100 apart.
    np.testing.assert_array_equal(trends.children.series[starts[c] : starts[c + 1]] - c * 100, alone)


@settings(max_examples=150, deadline=None)
@given(st.lists(child, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_each_child_gets_alone_what_it_gets_in_a_batch(
    children: list[list[tuple[int, int, list[int]]]], rng: random.Random
) -> None:
    total = sum(len(a) for a in children)
    order = list(range(total))
    rng.shuffle(order)
    together = compute(as_read(assessments_of(children, order)), len(children), SCALE)
    for c, assessments in enumerate(children):
        child_slice(together, c, compute(assessments_of([assessments]), 1, SCALE))


def test_a_child_without_final_assessments_reads_as_none() -> None:
    trends = compute(assessments_of([[], [(10, 1, [1, 2, 3])]]), 2, SCALE)
    assert trends.children.assessments_count.tolist() == [0, 1]
    assert trends.domains.ratings_count.tolist() == [0, 0, 0, 1, 1, 1]
    assert trends.domains.direction[:3].tolist() == ["insufficient_data"] * 3
