"""Checks that weigh a row against the others: repeats, episodes of children not in the header, episodes dated
before their child's birth (or after today), and episodes of one child that overlap."""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import TypeVar

from shared.ssda903 import date_problem, overlaps
from shared.ssda903_files.records import (
    AssessmentRecord,
    ChildRecord,
    CostRecord,
    EpisodeRecord,
    Finding,
    MeasureRecord,
    RowRef,
)

Record = TypeVar("Record", ChildRecord, EpisodeRecord, CostRecord, AssessmentRecord, MeasureRecord)


def without_repeats(
    records: Iterable[Record], key: Callable[[Record], Hashable], what: str
) -> tuple[list[Record], list[Finding]]:
    """The first record of each key; a repeat saying the same is a warning, one saying otherwise a rejection."""
    first: dict[Hashable, Record] = {}
    findings = []
    for record in records:
        kept = first.setdefault(key(record), record)
        if kept is record:
            continue
        if replace(record, ref=kept.ref) == kept:
            reason = f"the row repeats {what} of row {kept.ref.row} of {kept.ref.file} word for word; it is kept once"
            findings.append(Finding(record.ref, "warning", None, None, "duplicate", reason))
        else:
            reason = (
                f"a second row for {what} of row {kept.ref.row} of {kept.ref.file}, saying something else; the "
                "first is kept and this one not stored"
            )
            findings.append(Finding(record.ref, "rejected", None, None, "duplicate", reason, (kept.ref,)))
    return list(first.values()), findings


def of_known_children(
    refs: Iterable[tuple[str | None, RowRef]], children: set[str], refused: Mapping[str, list[RowRef]], what: str
) -> list[Finding]:
    """A rejection for each row (child id, ref) whose child is not among the children stored, pointing at the
    child's own header rows where they were refused."""
    findings = []
    for child, ref in refs:
        if child is None or child in children:
            continue
        headers = tuple(refused.get(child, ()))
        why = "its header row was not stored" if headers else "the header has no row for the child"
        reason = f"{what} names a child (CHILD) that has no accepted header row: {why}; it is not stored"
        findings.append(Finding(ref, "rejected", "CHILD", child, "missing-child", reason, headers))
    return findings


def without_overlaps(episodes: Iterable[EpisodeRecord]) -> tuple[list[EpisodeRecord], list[Finding]]:
    """A child's episodes in DECOM order (exports do not always keep it); one that overlaps an episode already
    kept is rejected, the later-starting one, so the earlier stays whole."""
    by_child: dict[str, list[EpisodeRecord]] = defaultdict(list)
    for episode in episodes:
        by_child[episode.child_id].append(episode)
    kept: list[EpisodeRecord] = []
    findings = []
    for child_episodes in by_child.values():
        accepted: list[EpisodeRecord] = []
        for episode in sorted(child_episodes, key=lambda each: each.start_date):
            span = (episode.start_date, episode.end_date)
            other = next((each for each in accepted if overlaps(span, (each.start_date, each.end_date))), None)
            if other is None:
                accepted.append(episode)
                continue
            reason = (
                f"the episode overlaps the child's episode of row {other.ref.row} of {other.ref.file}, which starts "
                "earlier: a child has one episode at a time (the next may start on the day the previous ended)"
            )
            findings.append(Finding(episode.ref, "rejected", "DECOM", None, "overlap", reason, (other.ref,)))
        kept += accepted
    return kept, findings


def dated_possibly(
    episodes: Iterable[EpisodeRecord], born: Mapping[str, date], today: date | None
) -> tuple[list[EpisodeRecord], list[Finding]]:
    """Episodes whose dates could be: begun on or after the child's birth, neither date after today (when given),
    as the API refuses them (shared.ssda903.date_problem)."""
    kept, findings = [], []
    for episode in episodes:
        problems = [
            (column, day, problem)
            for column, day, birth in (
                ("DECOM", episode.start_date, born.get(episode.child_id)),
                ("DEC", episode.end_date, None),
            )
            if day is not None and (problem := date_problem(day, today, birth)) is not None
        ]
        for column, day, problem in problems:
            reason = f"{column} {problem}; the episode is not stored"
            findings.append(Finding(episode.ref, "rejected", column, day.strftime("%d/%m/%Y"), "date", reason))
        if not problems:
            kept.append(episode)
    return kept, findings
