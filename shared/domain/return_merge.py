"""Loading a council's SSDA903 return (domain.md §6, §9): what the reader (shared/ssda903_files) accepted is
staged by COPY and merged in SQL, in the caller's transaction, so that a return is applied whole or not at
all and a large one is not written row by row.

A child is one child however many returns name it (the council's CHILD id); an episode is one episode
however many returns repeat it (the child and its DECOM), the return of the later collection year winning
where they differ, so an episode open in one year's return is closed by the next year's. A return loaded
again writes nothing. Every child whose data changed is recomputed through the outbox, and the contracts
it was ever placed under are marked stale."""

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared import outbox
from shared.db import driver
from shared.domain import statements
from shared.domain.import_steps import Files, Merged, Read
from shared.domain.locks import figures_lock
from shared.domain.measure_codes import codes_of
from shared.domain.return_measures_merge import merge_measures, outside_codes
from shared.models.placements import RETURN_EPISODE_COLUMNS
from shared.pseudonyms import pseudonym
from shared.ssda903 import episode_id
from shared.ssda903_files import EpisodeRecord, Finding, ParsedReturn, RowRef, read_return
from shared.ssda903_files.progress import Tick

STAGING = """
CREATE TEMPORARY TABLE stage_return_children (
    child_id text, pseudonym text, date_of_birth date, sex text, ethnicity text, uasc bool, file text, row int
) ON COMMIT DROP;
CREATE TEMPORARY TABLE stage_return_episodes (
    child_id text, external_id text, start_date date, end_date date, rne text, legal_status text, cin text,
    place text, place_provider text, reason_ended text, reason_place_change text, postcode_sector text, urn text,
    file text, row int
) ON COMMIT DROP
"""

# Episodes of this return that overlap an episode already stored for the child under another identity (sent
# through the API, or loaded with another DECOM) are taken out of the staging: the stored one stands.
REJECT_OVERLAPPING_STORED = """
DELETE FROM stage_return_episodes s
USING children c, placements p
WHERE c.la_id = $1 AND c.child_id = s.child_id AND p.child_pk = c.id AND p.external_id <> s.external_id
  AND daterange(s.start_date, s.end_date, '[)') && daterange(p.start_date, p.end_date, '[)')
RETURNING s.file, s.row, s.start_date, p.external_id, p.start_date AS stored_start, p.end_date AS stored_end
"""

# A stored child whose new DOB would come after a record of it the return does not replace (an assessment, or
# an episode under another identity) keeps its details, as the API refuses such a DOB (children/service.py
# earliest_record), and the return's episodes of it go with its header row.
REJECT_BORN_AFTER_RECORDS = """
WITH earliest AS (
    SELECT s.child_id, s.file, s.row, s.date_of_birth, least(
        (SELECT min(v.assessed_on) FROM assessments a
         JOIN assessment_versions v ON v.assessment_id = a.id AND v.version = a.current_version
         WHERE a.child_pk = c.id),
        (SELECT min(p.start_date) FROM placements p
         WHERE p.child_pk = c.id
           AND NOT EXISTS (SELECT FROM stage_return_episodes e WHERE e.external_id = p.external_id))
    ) AS recorded
    FROM stage_return_children s JOIN children c ON c.la_id = $1 AND c.child_id = s.child_id
),
refused AS (
    DELETE FROM stage_return_children s USING earliest e
    WHERE s.child_id = e.child_id AND s.date_of_birth > e.recorded
    RETURNING s.child_id, s.file, s.row, s.date_of_birth, e.recorded
),
orphaned AS (
    DELETE FROM stage_return_episodes p USING refused r WHERE p.child_id = r.child_id
    RETURNING p.child_id, p.file, p.row
)
SELECT 'child' AS kind, child_id, file, row, date_of_birth, recorded FROM refused
UNION ALL
SELECT 'episode', child_id, file, row, NULL, NULL FROM orphaned
"""

MERGE_CHILDREN = """
INSERT INTO children (id, la_id, child_id, pseudonym, date_of_birth, sex, ethnicity, uasc, synthetic, return_year)
SELECT gen_random_uuid(), $1, s.child_id, s.pseudonym, s.date_of_birth, s.sex, s.ethnicity, s.uasc, false, $2
FROM stage_return_children s
ORDER BY s.child_id
ON CONFLICT (la_id, child_id) DO UPDATE
SET date_of_birth = EXCLUDED.date_of_birth, sex = EXCLUDED.sex, ethnicity = EXCLUDED.ethnicity,
    uasc = EXCLUDED.uasc, return_year = EXCLUDED.return_year, updated_at = now()
WHERE coalesce(children.return_year, -1) <= EXCLUDED.return_year
  AND (children.date_of_birth, children.sex, children.ethnicity, children.uasc)
    IS DISTINCT FROM (EXCLUDED.date_of_birth, EXCLUDED.sex, EXCLUDED.ethnicity, EXCLUDED.uasc)
RETURNING id, xmax = 0 AS created
"""


def listed(prefix: str) -> str:
    return ", ".join(f"{prefix}{column}" for column in RETURN_EPISODE_COLUMNS)


MERGE_EPISODES = f"""
INSERT INTO placements (
    id, la_id, child_pk, external_id, start_date, {listed("")},
    funding_social_care, funding_health, funding_education, return_year
)
SELECT gen_random_uuid(), $1, c.id, s.external_id, s.start_date, {listed("s.")}, 1, 0, 0, $2
FROM stage_return_episodes s
JOIN children c ON c.la_id = $1 AND c.child_id = s.child_id
ORDER BY s.external_id
ON CONFLICT (la_id, external_id) DO UPDATE
SET {", ".join(f"{column} = EXCLUDED.{column}" for column in RETURN_EPISODE_COLUMNS)},
    return_year = EXCLUDED.return_year, updated_at = now()
WHERE coalesce(placements.return_year, -1) <= EXCLUDED.return_year
  AND ({listed("placements.")}) IS DISTINCT FROM ({listed("EXCLUDED.")})
RETURNING child_pk, xmax = 0 AS created
"""


@dataclass(frozen=True, slots=True)
class Applied:
    children_created: int
    children_updated: int
    episodes_created: int
    episodes_updated: int
    children_recomputed: int
    measures_created: int
    measures_updated: int
    findings: list[Finding]  # rejections only the stored data or the council's codes could show, measures held


def episode_row(episode: EpisodeRecord) -> tuple[Any, ...]:
    return (
        episode.child_id,
        episode_id(episode.child_id, episode.start_date),
        episode.start_date,
        episode.end_date,
        episode.rne,
        episode.legal_status,
        episode.cin,
        episode.place,
        episode.place_provider,
        episode.reason_ended,
        episode.reason_place_change,
        episode.postcode_sector,
        episode.urn,
        episode.ref.file,
        episode.ref.row,
    )


async def apply_return(
    db: AsyncSession, la_id: uuid.UUID, parsed: ParsedReturn, pseudonym_key: bytes, strict: bool = False
) -> Applied:
    """The return's accepted rows merged into the council's children and episodes, in the caller's transaction;
    strict, nothing when the stored episodes reject one."""
    apg = await driver(db)
    await apg.execute(STAGING)
    await apg.copy_records_to_table(
        "stage_return_children",
        records=[
            (
                c.child_id,
                pseudonym(pseudonym_key, la_id, c.child_id),
                c.date_of_birth,
                c.sex,
                c.ethnicity,
                c.uasc,
                c.ref.file,
                c.ref.row,
            )
            for c in parsed.children
        ],
    )
    await apg.copy_records_to_table("stage_return_episodes", records=[episode_row(e) for e in parsed.episodes])
    # Temporary tables are never analysed by autovacuum: without statistics the checks against the stored data
    # were planned as if the staging were empty, and a national return's took minutes.
    await apg.execute(
        "CREATE INDEX ON stage_return_episodes (external_id); ANALYZE stage_return_children, stage_return_episodes"
    )
    refused = outside_codes(parsed, await codes_of(db, la_id))
    findings = await reject_born_after_records(apg, la_id) + await reject_overlapping_stored(apg, la_id) + refused
    if strict and findings:
        return Applied(0, 0, 0, 0, 0, 0, 0, findings)
    children = await apg.fetch(MERGE_CHILDREN, la_id, parsed.year)
    episodes = await apg.fetch(MERGE_EPISODES, la_id, parsed.year)
    measures = await merge_measures(apg, la_id, parsed, refused)
    changed = {row["id"] for row in children} | {row["child_pk"] for row in episodes}
    if changed | measures.children:
        await outbox.request_recomputes(db, la_id, sorted(changed | measures.children))
        # Lock 2 of shared/domain/locks.py, under which every change marks its contracts stale.
        await figures_lock(db)
        await statements.mark_stale(db, await statements.contracts_of_children(db, changed))
    return Applied(
        children_created=sum(row["created"] for row in children),
        children_updated=sum(not row["created"] for row in children),
        episodes_created=sum(row["created"] for row in episodes),
        episodes_updated=sum(not row["created"] for row in episodes),
        children_recomputed=len(changed | measures.children),
        measures_created=measures.created,
        measures_updated=measures.updated,
        findings=findings + measures.findings,
    )


def read(files: Files, year: int | None, today: date, tick: Tick) -> Read:
    """The return read, for the import job (return_import.py)."""
    parsed = read_return(files, year, today, tick)
    counts = {
        "rows_read": parsed.rows_read,
        "children_accepted": len(parsed.children),
        "episodes_accepted": len(parsed.episodes),
        "measures_accepted": len(parsed.measures),
    }
    return Read(parsed.year, parsed.findings, counts, partial(merged, parsed))


async def merged(
    parsed: ParsedReturn, db: AsyncSession, la_id: uuid.UUID, pseudonym_key: bytes, strict: bool
) -> Merged:
    applied = await apply_return(db, la_id, parsed, pseudonym_key, strict)
    counts = asdict(applied)
    del counts["findings"]
    # A rejected header row is the one finding about a child, a measure held already one about a measure; the rest
    # are about episodes.
    children_rejected = sum(finding.column == "DOB" for finding in applied.findings)
    measures_held = sum(finding.rule == "measure-held" for finding in applied.findings)
    children_accepted = len(parsed.children) - children_rejected
    episodes_accepted = len(parsed.episodes) - (len(applied.findings) - children_rejected - measures_held)
    measures_accepted = len(parsed.measures) - measures_held
    return Merged(
        applied.findings,
        {
            **counts,
            "children_accepted": children_accepted,
            "episodes_accepted": episodes_accepted,
            "children_unchanged": children_accepted - applied.children_created - applied.children_updated,
            "episodes_unchanged": episodes_accepted - applied.episodes_created - applied.episodes_updated,
            "measures_accepted": measures_accepted,
            "measures_unchanged": measures_accepted - applied.measures_created - applied.measures_updated,
        },
    )


async def reject_born_after_records(apg: Any, la_id: uuid.UUID) -> list[Finding]:
    rows = await apg.fetch(REJECT_BORN_AFTER_RECORDS, la_id)
    headers = {row["child_id"]: RowRef(row["file"], row["row"]) for row in rows if row["kind"] == "child"}
    findings = []
    for row in rows:
        ref = RowRef(row["file"], row["row"])
        if row["kind"] == "child":
            born, recorded = row["date_of_birth"], row["recorded"]
            reason = (
                f"DOB {born.isoformat()} is after a stored record of this child dated {recorded.isoformat()}; the "
                "child keeps the details stored, and its episodes in this return are not stored"
            )
            findings.append(Finding(ref, "rejected", "DOB", born.strftime("%d/%m/%Y"), "date", reason))
        else:
            reason = "the episode's child (CHILD) had its header row rejected; it is not stored"
            conflict = (headers[row["child_id"]],)
            findings.append(Finding(ref, "rejected", "CHILD", row["child_id"], "missing-child", reason, conflict))
    return sorted(findings, key=lambda finding: (finding.ref.file, finding.ref.row))


async def reject_overlapping_stored(apg: Any, la_id: uuid.UUID) -> list[Finding]:
    findings = []
    for row in sorted(await apg.fetch(REJECT_OVERLAPPING_STORED, la_id), key=lambda row: (row["file"], row["row"])):
        stored_end = row["stored_end"].isoformat() if row["stored_end"] else "still open"
        reason = (
            f"overlaps the child's stored placement '{row['external_id']}' ({row['stored_start'].isoformat()} to "
            f"{stored_end}), recorded through the API or by an earlier return with another DECOM; the stored one "
            "stands: correct one of them"
        )
        value = row["start_date"].strftime("%d/%m/%Y")
        findings.append(Finding(RowRef(row["file"], row["row"]), "rejected", "DECOM", value, "overlap", reason))
    return findings
