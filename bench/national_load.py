"""Loading the national benchmark's generated dataset (national.py) into PostgreSQL by COPY, and the
command line that generates and loads it (usage in national.py)."""

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import numpy as np
from asyncpg.pgproto.pgproto import UUID as FastUUID  # a uuid.UUID, built from bytes ten times faster
from numpy.typing import NDArray

from bench.national import OFFER_GROUPS, ROOT, SEED, National, generate
from bench.national_assessments import NOT_ASSESSED
from bench.national_draws import Days, Ids, Ints, Strings
from bench.scratch import admin, with_database
from shared.models.placements import RETURN_EPISODE_COLUMNS
from shared.settings import libpq_url
from shared.ssda903 import sector_district

# Loading.

Row = tuple[Any, ...]


def _fast_uuids(ids: Ids) -> NDArray[np.object_]:
    raw = ids.tobytes()
    out = np.empty(len(ids), dtype=object)
    out[:] = [FastUUID(raw[i : i + 16]) for i in range(0, len(raw), 16)]
    return out


def _dates(days: Days) -> list[date | None]:
    values: list[date | None] = days.astype("datetime64[D]").tolist()
    return values


def _text(values: Strings) -> list[str | None]:
    return [value or None for value in values.tolist()]


def _pounds(pence: Ints) -> list[Decimal | None]:
    return [Decimal(value).scaleb(-2) if value >= 0 else None for value in pence.tolist()]


def _shares(hundredths: Ints) -> list[Decimal]:
    return [Decimal(value).scaleb(-2) for value in hundredths.tolist()]


def _hex(rows: NDArray[np.uint8]) -> list[str]:
    raw, width = rows.tobytes(), rows.shape[1]
    return [raw[i : i + width].hex() for i in range(0, len(raw), width)]


def external_id(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number:07d}" for number in range(1, count + 1)]


def _ratings(data: National, version_ids: NDArray[np.object_], chunk: int = 50_000) -> Iterator[Row]:
    """Rating rows in the order of their version's id, so the primary key index grows at its right edge."""
    v = data.versions
    width = len(data.domains)
    ids = v.id.view(">u8").reshape(-1, 2)
    ordered = np.lexsort((ids[:, 1], ids[:, 0]))
    levels = np.array([None, 0, 1, 2, 3, 4], dtype=object)
    reasons = np.array([None, *NOT_ASSESSED], dtype=object)
    domains, positions = list(data.domains), list(range(width))
    for begin in range(0, len(ordered), chunk):
        rows = ordered[begin : begin + chunk]
        yield from zip(
            np.repeat(version_ids[rows], width).tolist(),
            domains * len(rows),
            positions * len(rows),
            levels[v.need[rows].ravel() + 1].tolist(),
            levels[v.strength[rows].ravel() + 1].tolist(),
            reasons[v.not_assessed[rows].ravel() + 1].tolist(),
            strict=True,
        )


PLACEMENT_COLUMNS = (
    "id",
    "la_id",
    "child_pk",
    "external_id",
    "provider_id",
    "start_date",
    *RETURN_EPISODE_COLUMNS,
    "weekly_cost",
    "funding_social_care",
    "funding_health",
    "funding_education",
)


def _tables(data: National, instrument_id: uuid.UUID) -> Iterator[tuple[str, list[str], int, Iterable[Row]]]:
    """(table, columns, row count, rows), in the order foreign keys need. Omitted columns take their defaults:
    timestamps now(), and assessments.recorded_seq its identity, in the order rows are written."""
    la, prov, kids, pl, asm, ver = (
        data.councils,
        data.providers,
        data.children,
        data.placements,
        data.assessments,
        data.versions,
    )
    la_ids = _fast_uuids(la.id)
    yield (
        "local_authorities",
        ["id", "code", "name", "synthetic"],
        len(la_ids),
        zip(la_ids.tolist(), la.code.tolist(), la.name.tolist(), [True] * len(la_ids), strict=True),
    )
    provider_ids = _fast_uuids(prov.id)
    yield (
        "providers",
        ["id", "la_id", "external_id", "name", "ofsted_urn"],
        len(provider_ids),
        zip(
            provider_ids.tolist(),
            la_ids[prov.council].tolist(),
            prov.external_id.tolist(),
            prov.name.tolist(),
            _text(prov.urn),
            strict=True,
        ),
    )
    offer = data.offers
    areas = [[sector_district(sector)] if sector else [] for sector in prov.postcode_sector.tolist()]
    meets = [
        json.dumps({d: list(range(top + 1)) for d, top in zip(data.domains, row, strict=True)})
        for row in offer.top.tolist()
    ]
    yield (
        "provider_offers",
        ["provider_pk", "la_id", "placement_group", "weekly_cost", "places", "areas", "meets"],
        len(provider_ids),
        zip(
            provider_ids.tolist(),
            la_ids[prov.council].tolist(),
            np.asarray(OFFER_GROUPS)[prov.kind].tolist(),
            _pounds(offer.weekly_cost),
            offer.places.tolist(),
            areas,
            meets,
            strict=True,
        ),
    )
    child_ids = _fast_uuids(kids.id)
    yield (
        "children",
        ["id", "la_id", "child_id", "pseudonym", "date_of_birth", "sex", "ethnicity", "uasc", "synthetic"],
        len(child_ids),
        zip(
            child_ids.tolist(),
            la_ids[kids.council].tolist(),
            kids.child_id.tolist(),
            kids.pseudonym.tolist(),
            _dates(kids.date_of_birth),
            kids.sex.tolist(),
            kids.ethnicity.tolist(),
            kids.uasc.tolist(),
            [True] * len(child_ids),
            strict=True,
        ),
    )
    placement_ids = _fast_uuids(pl.id)
    provider_column = np.full(len(pl.id), None, dtype=object)
    provider_column[pl.provider >= 0] = provider_ids[pl.provider[pl.provider >= 0]]
    social_care = 100 - pl.funding_health - pl.funding_education
    yield (
        "placements",
        list(PLACEMENT_COLUMNS),
        len(placement_ids),
        zip(
            placement_ids.tolist(),
            la_ids[kids.council[pl.child]].tolist(),
            child_ids[pl.child].tolist(),
            external_id("NAT-E", len(placement_ids)),
            provider_column.tolist(),
            _dates(pl.start),
            _dates(pl.end),
            pl.rne.tolist(),
            pl.legal_status.tolist(),
            pl.cin.tolist(),
            pl.place.tolist(),
            pl.place_provider.tolist(),
            _text(pl.reason_ended),
            _text(pl.reason_place_change),
            pl.postcode_sector.tolist(),
            _text(pl.urn),
            _pounds(pl.weekly_cost),
            _shares(social_care),
            _shares(pl.funding_health),
            _shares(pl.funding_education),
            strict=True,
        ),
    )
    assessment_ids = _fast_uuids(asm.id)
    yield (
        "assessments",
        ["id", "la_id", "child_pk", "external_id", "instrument_id", "current_version"],
        len(assessment_ids),
        zip(
            assessment_ids.tolist(),
            la_ids[kids.council[asm.child]].tolist(),
            child_ids[asm.child].tolist(),
            external_id("NAT-A", len(assessment_ids)),
            [instrument_id] * len(assessment_ids),
            asm.current_version.tolist(),
            strict=True,
        ),
    )
    version_ids = _fast_uuids(ver.id)
    yield (
        "assessment_versions",
        ["id", "assessment_id", "version", "assessed_on", "context", "assessor_role", "status", "body_hash"],
        len(version_ids),
        zip(
            version_ids.tolist(),
            assessment_ids[ver.assessment].tolist(),
            ver.version.tolist(),
            _dates(ver.assessed_on),
            ver.context.tolist(),
            ver.assessor_role.tolist(),
            ["final"] * len(version_ids),
            _hex(ver.body_hash),
            strict=True,
        ),
    )
    yield (
        "ratings",
        ["assessment_version_id", "domain", "position", "need", "strength", "not_assessed_reason"],
        data.ratings,
        _ratings(data, version_ids),
    )
    measures = _measures(data)
    yield (
        "outcome_measures",
        ["id", "la_id", "child_pk", "external_id", "code", "value", "period_start", "period_end", "source", "version"],
        len(measures.child),
        zip(
            _fast_uuids(measures.id).tolist(),
            la_ids[kids.council[measures.child]].tolist(),
            child_ids[measures.child].tolist(),
            external_id("NAT-M", len(measures.child)),
            measures.code.tolist(),
            [Decimal(int(value)) for value in measures.value],
            measures.start,
            measures.end,
            ["bench"] * len(measures.child),
            [1] * len(measures.child),
            strict=True,
        ),
    )


@dataclass(frozen=True, slots=True)
class Measures:
    id: Ids
    child: Ints
    code: Strings
    value: Ints
    start: list[date]
    end: list[date]


MEASURE_YEARS = 3  # the collection years up to today's


def _measures(data: National) -> Measures:
    """Two outcome measures a year per child (issue 16): its SDQ total and school attendance, for each of the
    last MEASURE_YEARS collection years, each drifting from the year before."""
    rng = np.random.default_rng(SEED + 16)
    children = len(data.children.id)
    last = data.today.year if data.today.month >= 4 else data.today.year - 1
    years = [last - back for back in range(MEASURE_YEARS - 1, -1, -1)]
    sdq = np.clip(rng.integers(4, 30, children)[:, None] + rng.integers(-4, 5, (children, len(years))).cumsum(1), 0, 40)
    attendance = np.clip(
        rng.integers(60, 100, children)[:, None] + rng.integers(-8, 9, (children, len(years))).cumsum(1), 0, 100
    )
    per_child = 2 * len(years)
    child = np.repeat(np.arange(children), per_child)
    code = np.tile(np.repeat(np.array(["sdq_total", "school_attendance_pct"]), len(years)), children)
    value = np.concatenate([sdq, attendance], axis=1).ravel()
    spans = [(date(year, 4, 1), min(date(year + 1, 3, 31), data.today)) for year in years] * 2
    return Measures(
        id=rng.integers(0, 256, (len(child), 16), dtype=np.uint8),
        child=child,
        code=code,
        value=value,
        start=[start for start, _ in spans] * children,
        end=[end for _, end in spans] * children,
    )


async def load(database_url: str, data: National) -> dict[str, tuple[int, float]]:
    """COPY every table into a migrated database, in one transaction; (rows, seconds) per table, also printed."""
    connection = await asyncpg.connect(libpq_url(database_url))
    timings: dict[str, tuple[int, float]] = {}
    try:
        instrument = await connection.fetchrow(
            "SELECT id, definition FROM instruments WHERE code = 'needs-v1' AND version = 1"
        )
        if instrument is None:
            raise RuntimeError("needs-v1 is not in the database: run `alembic upgrade head` first")
        definition = instrument["definition"]  # jsonb comes back as text unless a codec is set
        definition = json.loads(definition) if isinstance(definition, str) else definition
        stored = tuple(domain["code"] for domain in definition["domains"])
        if stored != data.domains:
            raise RuntimeError(f"the database's needs-v1 domains {stored} are not the generated {data.domains}")
        async with connection.transaction():
            tables = _tables(data, instrument["id"])
            while True:
                began = time.perf_counter()  # includes making the rows
                item = next(tables, None)
                if item is None:
                    break
                table, columns, count, rows = item
                await connection.copy_records_to_table(table, records=rows, columns=columns)
                seconds = time.perf_counter() - began
                timings[table] = (count, seconds)
                print(
                    f"load {table:<20} {count:>11,} rows {seconds:8.2f} s {count / seconds:>12,.0f} rows/s", flush=True
                )
    finally:
        await connection.close()
    total = sum(seconds for _, seconds in timings.values())
    print(f"load total {total:.2f} s", flush=True)
    return timings


# The command line.


def migrate(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from shared.settings import asyncpg_url

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = asyncpg_url(database_url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


async def report(database_url: str) -> None:
    connection = await asyncpg.connect(libpq_url(database_url))
    try:
        for table in ("children", "placements", "assessments", "assessment_versions", "ratings", "providers"):
            print(f"rows {table:<20} {await connection.fetchval(f'SELECT count(*) FROM {table}'):>11,}")
        size = await connection.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"database size {size}")
    finally:
        await connection.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--database-url", required=True, help="a migrated database, or with --scratch any on the server"
    )
    parser.add_argument("--children", type=int, default=84_000)
    parser.add_argument("--councils", type=int, default=150)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--scratch", metavar="NAME", help="create, migrate, load, report and drop this database")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    data = generate(children=args.children, councils=args.councils, seed=args.seed)
    print(
        f"generation {time.perf_counter() - began:.2f} s: {len(data.children.id):,} children in "
        f"{len(data.councils.id)} councils, {len(data.placements.id):,} placements, "
        f"{len(data.assessments.id):,} assessments, {len(data.versions.id):,} versions, {data.ratings:,} ratings",
        flush=True,
    )
    url = args.database_url
    if args.scratch:
        asyncio.run(admin(url, f'CREATE DATABASE "{args.scratch}"'))
        url = with_database(url, args.scratch)
    try:
        if args.scratch:
            began = time.perf_counter()
            migrate(url)
            print(f"migration {time.perf_counter() - began:.2f} s", flush=True)
        asyncio.run(load(url, data))
        if args.scratch:
            asyncio.run(report(url))
    finally:
        if args.scratch:
            asyncio.run(admin(args.database_url, f'DROP DATABASE IF EXISTS "{args.scratch}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
