"""The operator's loading commands: a council's SSDA903 return, placement costs file or assessments file, read
and merged by the same import the worker runs for an upload, with a summary of what it did."""

import argparse
from contextlib import ExitStack
from pathlib import Path

from services.api import audit
from services.cli.progress import IMPORT_UNITS, ProgressBar
from services.cli.sessions import dispatch, require_council
from shared.db import make_engine, make_sessionmaker, transaction
from shared.domain import return_import
from shared.domain.return_import import ImportAsked
from shared.models import ReturnImport
from shared.settings import get_settings
from shared.ssda903 import parse_collection_year, year_label


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
        if not counts["children_recomputed"]:
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


def collection_year(value: str) -> int:
    try:
        return parse_collection_year(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_import_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    imported = commands.add_parser(
        "import-903", help="load a council's SSDA903 return: its CSV tables or its XML file, row by row reported"
    )
    imported.add_argument("council", help="the council's code")
    imported.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imported.add_argument(
        "--year", type=collection_year, help="collection year, e.g. 2023 or 2023-24 (default: inferred)"
    )
    imported.add_argument("--strict", action="store_true", help="load nothing if any row is rejected")
    imported.set_defaults(run=import_files, kind="ssda903", action="import_return")

    # Files of their own, one file an import, with no collection year.
    for kind, what in (
        ("costs", "placement costs file (weekly cost, funding, provider)"),
        ("assessments", "needs assessments file (a first load of its history)"),
    ):
        single = commands.add_parser(f"import-{kind}", help=f"load a council's {what}, row by row reported")
        single.add_argument("council", help="the council's code")
        single.add_argument("files", nargs=1, type=Path, metavar="FILE")
        single.add_argument("--strict", action="store_true", help="load nothing if any row is rejected")
        single.set_defaults(run=import_files, kind=kind, action=f"import_{kind}", year=None)
