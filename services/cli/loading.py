"""The operator's loading commands: a council's SSDA903 return, placement costs file or assessments file, read
and merged by the same import the worker runs for an upload, with a summary of what it did."""

import argparse
from contextlib import ExitStack

from services.api import audit
from services.cli.progress import IMPORT_UNITS, ProgressBar
from services.cli.sessions import dispatch, require_council
from shared.db import make_engine, make_sessionmaker, transaction
from shared.domain import return_import
from shared.domain.return_import import ImportAsked
from shared.models import ReturnImport
from shared.settings import get_settings
from shared.ssda903 import year_label


async def import_files(args: argparse.Namespace) -> None:
    """A council's SSDA903 return, placement costs file or assessments file loaded, as the worker loads an
    uploaded one."""
    settings = get_settings()
    engine = make_engine(settings)
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as db:
            la_id = await require_council(db, args.council)
            audit.begin_operator(db, la_id, args.action)
            names = [path.name for path in args.files]
            asked = ImportAsked(la_id, names, "cli", args.year, args.strict, args.kind)
            began = await return_import.begin(db, asked)
            audit.note(db, target=f"import:{began.id}")
            await audit.flush(db)
        with ExitStack() as opened:
            files = [(path.name, opened.enter_context(path.open("rb"))) for path in args.files]
            shown = ProgressBar(IMPORT_UNITS)
            opened.callback(shown.close)
            ended = await return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes, shown)
        await dispatch(settings, sessions, ended.queued)
    finally:
        await engine.dispose()
    print(import_summary(ended.row))
    if ended.row.state != "done":
        raise SystemExit(1)


def import_summary(row: ReturnImport) -> str:
    counts = row.counts or {}
    lines = [
        f"import {row.id} ({row.kind}): {row.state}" + (f", collection year {year_label(row.year)}" if row.year else "")
    ]
    if row.reason:
        lines.append(row.reason)
    for name, read in counts.get("rows_read", {}).items():
        lines.append(f"  {name}: {read:,} rows read")
    if "children_created" in counts:
        lines.append(
            f"children: {counts['children_created']:,} new, {counts['children_updated']:,} changed, "
            f"{counts['children_unchanged']:,} unchanged"
        )
        lines.append(
            f"episodes: {counts['episodes_created']:,} new, {counts['episodes_updated']:,} changed, "
            f"{counts['episodes_unchanged']:,} unchanged"
        )
        if "measures_created" in counts:
            lines.append(
                f"outcome measures: {counts['measures_created']:,} new, {counts['measures_updated']:,} changed, "
                f"{counts['measures_unchanged']:,} unchanged"
            )
        if not (counts["children_recomputed"] or counts.get("measures_created") or counts.get("measures_updated")):
            lines.append("nothing changed: the return was loaded already")
    if "placements_changed" in counts:
        lines.append(
            f"placements: {counts['placements_changed']:,} changed, {counts['placements_unchanged']:,} unchanged"
        )
        if not counts["placements_changed"]:
            lines.append("nothing changed: the file was loaded already")
    if "assessments_created" in counts:
        lines.append(f"assessments: {counts['assessments_created']:,} new, {counts['assessments_existing']:,} existing")
        if not counts["assessments_created"]:
            lines.append("nothing changed: the file was loaded already")
    if counts:
        lines.append(f"{counts['warnings']:,} rows accepted with warnings, {counts['rejected']:,} rejected")
    return "\n".join(lines)
