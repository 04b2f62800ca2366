"""read_return: one council's SSDA903 return for one collection year, in either form, to the rows to store and a
finding for every row not accepted as written."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import BinaryIO

from shared.ssda903 import collection_year_of, date_problem
from shared.ssda903_files.cross_row_checks import dated_possibly, of_known_children, without_overlaps, without_repeats
from shared.ssda903_files.csv_form import read_csv
from shared.ssda903_files.outcome_rows import return_measures
from shared.ssda903_files.progress import Tick, no_tick, ticking
from shared.ssda903_files.records import (
    ChildRecord,
    EpisodeRecord,
    FileRejected,
    Finding,
    ParsedReturn,
    RawReturn,
    RawRow,
    RowRef,
)
from shared.ssda903_files.row_checks import check_episode, check_header
from shared.ssda903_files.tables import EPISODES, HEADER, OUTCOME_TABLES, UASC
from shared.ssda903_files.values import parse_date
from shared.ssda903_files.xml_form import read_xml


def _looks_like_xml(stream: BinaryIO) -> bool:
    start = stream.read(64)
    stream.seek(0)
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_files(files: Sequence[tuple[str, BinaryIO]], tick: Tick = no_tick) -> RawReturn:
    raw = RawReturn([], [], [], [], {})
    for done, (file, stream) in enumerate(files):
        tick("reading", done, len(files))
        if _looks_like_xml(stream):
            headers, episodes, outcomes = read_xml(file, stream)
            raw.headers += headers
            raw.episodes += episodes
            # A table the file holds no row of is not given: no AMISSING is not a return saying no one went missing.
            for table, rows in outcomes.items():
                if rows:
                    raw.outcomes.setdefault(table, []).extend(rows)
            # XML marks a UASC child in its header, where the CSV form has a table of its own.
            raw.uasc += [header for header in headers if header.get("UASC") not in (None, "0")]
            raw.rows_read[file] = len(headers) + len(episodes)
            continue
        table, rows, refused = read_csv(file, stream.read())
        if table in OUTCOME_TABLES:
            raw.outcomes.setdefault(table, []).extend(rows)
        {HEADER: raw.headers, EPISODES: raw.episodes, UASC: raw.uasc}.get(table, []).extend(rows)
        raw.findings += refused
        raw.rows_read[file] = len(rows) + len(refused)
    tick("reading", len(files), len(files))
    return raw


def infer_year(files: Sequence[tuple[str, BinaryIO]], episodes: list[RawRow]) -> int:
    """The collection year of the latest DECOM or DEC written as a date."""
    days = [day for row in episodes for column in ("DECOM", "DEC") if (day := parse_date(row.get(column) or ""))]
    if not days:
        reason = "no episode has a DECOM or DEC to tell the collection year by: give the year with the files"
        raise FileRejected(files[0][0] if files else "", reason)
    return collection_year_of(max(days))


def _children(
    raw: RawReturn, year: int, today: date | None, findings: list[Finding], tick: Tick
) -> tuple[list[ChildRecord], dict[str, list[RowRef]]]:
    """The children stored, and the header rows refused, by the child they name."""
    uasc = {row.get("CHILD") for row in raw.uasc}
    accepted, refused = [], defaultdict(list)
    for row in ticking(raw.headers, tick, 0, len(raw.headers) + len(raw.episodes)):
        child, found = check_header(row, year, row.get("CHILD") in uasc)
        if child is not None and (problem := date_problem(child.date_of_birth, today)) is not None:
            reason = f"DOB {problem}; the child is not stored"
            found.append(Finding(row.ref, "rejected", "DOB", row.get("DOB"), "date", reason))
            child = None
        findings += found
        if child is not None:
            accepted.append(child)
        elif row.get("CHILD"):
            refused[row.get("CHILD") or ""].append(row.ref)
    children, repeats = without_repeats(accepted, lambda child: child.child_id, "the child")
    findings += repeats
    return children, refused


def _episodes(
    raw: RawReturn,
    born: dict[str, date],
    refused: dict[str, list[RowRef]],
    today: date | None,
    findings: list[Finding],
    tick: Tick,
) -> list[EpisodeRecord]:
    accepted = []
    for row in ticking(raw.episodes, tick, len(raw.headers), len(raw.headers) + len(raw.episodes)):
        episode, found = check_episode(row)
        findings += found
        if episode is not None:
            accepted.append(episode)
    unique, repeats = without_repeats(accepted, lambda each: (each.child_id, each.start_date), "the child's episode")
    findings += repeats
    orphans = of_known_children(((each.child_id, each.ref) for each in unique), set(born), refused, "the episode")
    findings += orphans
    orphaned = {finding.ref for finding in orphans}
    possible, misdated = dated_possibly((each for each in unique if each.ref not in orphaned), born, today)
    findings += misdated
    episodes, overlapping = without_overlaps(possible)
    findings += overlapping
    return episodes


def read_return(
    files: Sequence[tuple[str, BinaryIO]], year: int | None = None, today: date | None = None, tick: Tick = no_tick
) -> ParsedReturn:
    """Read one council's return for one collection year: CSV tables recognised by their header rows (header,
    episodes and uasc stored, and the measures of the outcome tables, outcome_rows.py; the others' rows only
    counted), or the XML form. `year` (2023 for 2023-24) is inferred from the episodes when not given; with
    `today`, a date after it is refused, as the API refuses it.
    FileRejected refuses a whole file; everything else is a finding. `tick` is told how far it has got."""
    raw = read_files(files, tick)
    year = year if year is not None else infer_year(files, raw.episodes)
    findings = list(raw.findings)
    children, refused = _children(raw, year, today, findings, tick)
    born = {child.child_id: child.date_of_birth for child in children}
    findings += of_known_children(((row.get("CHILD"), row.ref) for row in raw.uasc), set(born), refused, "the UASC row")
    episodes = _episodes(raw, born, refused, today, findings, tick)
    findings += of_known_children(
        ((row.get("CHILD"), row.ref) for rows in raw.outcomes.values() for row in rows), set(born), refused, "the row"
    )
    measures, found = return_measures(raw.outcomes, children, set(born))
    findings += found
    order = {file: index for index, (file, _stream) in enumerate(files)}
    findings.sort(key=lambda finding: (order[finding.ref.file], finding.ref.row))
    rank = {ref: index for index, ref in enumerate(row.ref for row in raw.episodes)}
    episodes.sort(key=lambda episode: rank[episode.ref])
    return ParsedReturn(year, children, episodes, findings, raw.rows_read, measures)
