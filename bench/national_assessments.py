"""The national dataset's needs assessments: reviews within 20 days of entry, three months later, then every
three to six months, their levels drifting per domain along each child's arc (most improve, some worsen,
some both), with the odd review recorded twice or amended."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bench.national_draws import WINDOW, YEAR, Days, Ids, Ints, Strings, group_starts, pick, uuids

if TYPE_CHECKING:
    from bench.national import Children

AMENDED_SHARE = 0.01  # assessments amended once (current_version 2)
DOUBLE_SHARE = 0.005  # reviews recorded twice for the same date
# Needs at entry (mean level, fewest and most domains at high or intensive) for low, moderate and complex needs.
PROFILES = ((0.7, 0, 0), (1.4, 0, 1), (1.9, 2, 5))
PROFILE_WEIGHTS = (45, 40, 15)
LOW, MODERATE, COMPLEX = range(3)
IMPROVING, STEADY, WORSENING, MIXED = range(4)
ARC_WEIGHTS = (50, 17, 13, 20)
# Per arc: the fastest change in levels a year and the share of domains that change.
ARC_RATES = ((-0.9, 0.7), (0.0, 0.0), (0.9, 0.5), (-0.9, 0.7))
NOT_ASSESSED_SHARE = 0.03
NOT_ASSESSED = (
    "not relevant at this age",
    "child declined",
    "not discussed at this review",
    "awaiting information from school",
)
ROLES = {"social_worker": 55, "iro": 35, "panel": 4, "carer": 3, "provider": 3}


@dataclass(frozen=True, slots=True)
class Assessments:
    """In order of child and date; a same-date double follows the assessment it doubles (recorded later)."""

    id: Ids
    child: Ints
    current_version: Ints


@dataclass(frozen=True, slots=True)
class Versions:
    """One row per assessment version (amended assessments have versions 1 and 2), with its ratings: column j of
    need, strength and not_assessed is the instrument's domain j."""

    id: Ids
    assessment: Ints
    version: Ints
    assessed_on: Days
    context: Strings
    assessor_role: Strings
    body_hash: NDArray[np.uint8]  # (n, 32)
    need: NDArray[np.int8]  # 0-4, -1 when not assessed
    strength: NDArray[np.int8]  # 0-3, -1 when not assessed
    not_assessed: NDArray[np.int8]  # index into NOT_ASSESSED, -1 when assessed


def assessments_of(
    rng: np.random.Generator,
    kids: "Children",
    span: Ints,
    moves: tuple[Ints, Ints],
    profile: Ints,
    arc: Ints,
    width: int,
) -> tuple[Assessments, Versions]:
    n = len(span)
    # Reviews: within 20 days of entry, about three months later, then every three to six months.
    columns = int(WINDOW / 70) + 3
    gaps = np.empty((n, columns), dtype=np.int64)
    gaps[:, 0] = np.floor(rng.random(n) * (np.minimum(20, span) + 1)).astype(np.int64)
    gaps[:, 1] = rng.integers(70, 92, n)
    gaps[:, 2:] = rng.integers(91, 183, (n, columns - 2))
    offsets = gaps.cumsum(axis=1)
    held = offsets <= span[:, None]
    child, column = np.nonzero(held)
    day = offsets[held]
    # A few reviews are recorded twice for the same date (the later stands); a few are amended once.
    twice = (column > 0) & (rng.random(len(child)) < DOUBLE_SHARE)
    repeat = 1 + twice.astype(np.int64)
    child, column, day = np.repeat(child, repeat), np.repeat(column, repeat), np.repeat(day, repeat)
    double = np.zeros(len(child), dtype=bool)
    double[np.cumsum(repeat)[twice] - 1] = True
    a = len(child)
    amended = rng.random(a) < AMENDED_SHARE
    current = 1 + amended.astype(np.int64)

    # Context: the first is the initial assessment; a review within six weeks after a move is a placement change.
    move_child, move_day = moves
    key = child * (1 << 20) + day
    move_key = move_child * (1 << 20) + move_day
    found = np.searchsorted(move_key, key, side="right") - 1
    prior = np.where(found >= 0, move_key[np.maximum(found, 0)], -1)
    previous_day = np.where(column > 0, np.roll(day, 1), -1)
    recent = (prior // (1 << 20) == child) & (day - prior % (1 << 20) <= 42) & (prior % (1 << 20) > previous_day)
    context = np.where(column == 0, "initial", np.where(recent & (found >= 0), "placement_change", "review"))
    context = np.where(double, "ad_hoc", context)
    role = np.where(column == 0, "social_worker", pick(rng, ROLES, a))
    role = np.where(double, "iro", role)

    # Needs per child and domain: a level at entry and a drift a year (domain.md §4's trends have something to find).
    mean, fewest, most = (np.asarray(values) for values in zip(*PROFILES, strict=True))
    base = np.clip(rng.normal(mean[profile][:, None], 0.8, (n, width)), 0, 4)
    high = rng.integers(fewest[profile], most[profile] + 1)
    ranks = np.argsort(np.argsort(rng.random((n, width)), axis=1), axis=1)
    base = np.where(ranks < high[:, None], np.clip(rng.uniform(3.0, 4.4, (n, width)), 0, 4), base)
    fastest, share = (np.asarray(values) for values in zip(*ARC_RATES, strict=True))
    changing = rng.random((n, width)) < share[arc][:, None]
    rate = rng.normal(0, 0.05, (n, width)) + np.where(
        changing, fastest[arc][:, None] * rng.uniform(0.25, 1, (n, width)), 0
    )
    # Mixed progress: one or two domains that started low get worse while the others improve.
    low = np.asarray(base < 2.5)
    none_low = np.asarray(~low.any(axis=1))
    keys = np.where(low | none_low[:, None], rng.random((n, width)), 2.0)
    regress = (np.argsort(np.argsort(keys, axis=1), axis=1) < rng.integers(1, 3, n)[:, None]) & (keys < 2)
    rate = np.where((arc == MIXED)[:, None] & regress, rng.uniform(0.5, 1.0, (n, width)), rate)
    strength0 = np.clip(2.6 - 0.6 * base + rng.normal(0, 0.5, (n, width)), 0, 3)
    base, rate, strength0 = base.astype(np.float32), rate.astype(np.float32), strength0.astype(np.float32)

    # Ratings per assessment: the level drifts from entry, with noise; strengths grow as needs fall.
    years = (day / YEAR).astype(np.float32)[:, None]
    level = np.clip(base[child] + rate[child] * years, 0, 4)
    noise = rng.standard_normal((a, width), dtype=np.float32)
    need = np.rint(np.clip(level + 0.15 * noise, 0, 4)).astype(np.int8)
    noise = rng.standard_normal((a, width), dtype=np.float32)
    strength = np.rint(np.clip(strength0[child] - 0.5 * (level - base[child]) + 0.3 * noise, 0, 3)).astype(np.int8)
    del level, noise
    assessed_on = kids.entered[child] + day
    young = ((assessed_on - kids.date_of_birth[child]).astype(np.int64) < 5 * YEAR)[:, None]
    skipped = rng.random((a, width)) < NOT_ASSESSED_SHARE
    reason = np.where(young, 0, rng.integers(1, len(NOT_ASSESSED), (a, width))).astype(np.int8)
    need = np.where(skipped, -1, need).astype(np.int8)
    strength = np.where(skipped, -1, strength).astype(np.int8)
    reason = np.where(skipped, reason, -1).astype(np.int8)

    # Versions: an amended assessment has version 1, superseded, one level off in one domain, then version 2.
    v_assessment = np.repeat(np.arange(a), current)
    v_number = np.arange(len(v_assessment)) - group_starts(v_assessment) + 1
    v = len(v_assessment)
    v_need = need[v_assessment]
    rows = np.nonzero(v_number < current[v_assessment])[0]
    which = np.argmax(np.where(v_need[rows] >= 0, rng.random((len(rows), width)), -1.0), axis=1)  # an assessed one
    wrong = v_need[rows, which]
    shifted = wrong + rng.choice(np.array((-1, 1), dtype=np.int8), len(rows))
    shifted = np.where(shifted < 0, 1, np.where(shifted > 4, 3, shifted))
    v_need[rows, which] = np.where(wrong < 0, wrong, shifted)
    assessments = Assessments(id=uuids(rng, a), child=child, current_version=current)
    versions = Versions(
        id=uuids(rng, v),
        assessment=v_assessment,
        version=v_number,
        assessed_on=assessed_on[v_assessment],
        context=context[v_assessment],
        assessor_role=role[v_assessment],
        body_hash=rng.integers(0, 256, (v, 32), dtype=np.uint8),
        need=v_need,
        strength=strength[v_assessment],
        not_assessed=reason[v_assessment],
    )
    return assessments, versions
