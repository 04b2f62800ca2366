"""Migration 0028: a database upgraded to 0027 holds needs figures and outcome measures but no outcome figures
until each child's next recompute; the upgrade asks for the recompute of exactly those children."""

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from alembic import command

from shared.settings import libpq_url
from tests.conftest import Servers, alembic_config, create_database, drop_database, with_database


@pytest.fixture
def at_0027(servers: Servers) -> Iterator[str]:
    """A database of its own, at revision 0027."""
    name = f"test_backfill_{uuid.uuid4().hex[:8]}"
    asyncio.run(create_database(servers.database_url, name))
    url = with_database(servers.database_url, name)
    command.upgrade(alembic_config(url), "0027")
    yield url
    asyncio.run(drop_database(servers.database_url, name))


CHILD = """
INSERT INTO children (id, la_id, child_id, pseudonym, date_of_birth, sex, ethnicity, uasc, synthetic)
VALUES ($1, $2, $3, $3, '2012-01-01', 'M', 'WBRI', false, true)
"""
NEEDS_FIGURES = """
INSERT INTO child_needs_trends (child_pk, la_id, assessments_count, assessment_ids, resolved_needs, new_needs,
                                computed_at)
VALUES ($1, $2, 1, '{}', '{}', '{}', now())
"""
DOMAIN = """
INSERT INTO domain_needs_trends (child_pk, la_id, domain, position, ratings_count, direction, computed_at)
VALUES ($1, $2, 'behaviour', 0, $3, 'insufficient_data', now())
"""
MEASURE = """
INSERT INTO outcome_measures (id, la_id, child_pk, external_id, code, value, period_start, period_end, version)
VALUES (gen_random_uuid(), $1, $2, $3, 'sdq_total', 12, '2024-04-01', '2025-03-31', 1)
"""
AREA = """
INSERT INTO child_outcome_areas (child_pk, outcome_area, la_id, domains_rated, baseline_need_sum, latest_need_sum,
    changed, baseline_area_need, latest_area_need, top_level, baseline_outcome_index, latest_outcome_index,
    period_start, period_end, computed_at)
VALUES ($1, 'be_safe', $2, 1, 2, 2, false, 2, 2, 4, 50, 50, '2024-01-01', '2024-01-01', now())
"""


async def seed(url: str) -> dict[str, uuid.UUID]:
    """Children as an upgraded deployment holds them: rated (R), with a measure (M), rated with its areas kept
    already (K), and with needs figures but no domain rated (U)."""
    connection = await asyncpg.connect(libpq_url(url))
    try:
        la_id = uuid.uuid4()
        await connection.execute(
            "INSERT INTO local_authorities (id, code, name, synthetic) VALUES ($1, 'B', 'B', true)", la_id
        )
        children = {name: uuid.uuid4() for name in ("R", "M", "K", "U")}
        for name, child in children.items():
            await connection.execute(CHILD, child, la_id, name)
        for name in ("R", "K", "U"):
            await connection.execute(NEEDS_FIGURES, children[name], la_id)
            await connection.execute(DOMAIN, children[name], la_id, 0 if name == "U" else 1)
        await connection.execute(AREA, children["K"], la_id)
        await connection.execute(MEASURE, la_id, children["M"], "m-1")
        return children
    finally:
        await connection.close()


async def requested(url: str) -> set[uuid.UUID]:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        return {row["child_pk"] for row in await connection.fetch("SELECT child_pk FROM recompute_requests")}
    finally:
        await connection.close()


def test_the_upgrade_asks_for_the_recompute_of_children_without_their_outcome_figures(at_0027: str) -> None:
    children = asyncio.run(seed(at_0027))
    assert asyncio.run(requested(at_0027)) == set()
    command.upgrade(alembic_config(at_0027), "0028")
    assert asyncio.run(requested(at_0027)) == {children["R"], children["M"]}
