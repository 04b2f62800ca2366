"""The operator's other commands: a council's instrument, the demo council, a recompute or calibration of
figures, and contracts."""

import argparse
import asyncio
import json
from datetime import date
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit, councils, demo
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.contracts import service as contracts
from services.api.contracts.schemas import ContractIn, VersionIn
from services.api.instruments.service import load_instrument as load_council_instrument
from services.api.outcomes.codes_service import define
from services.api.outcomes.schemas import MeasureCodeIn
from services.cli.progress import RECOMPUTE_UNITS, ProgressBar
from services.cli.sessions import in_transaction, require_council
from shared.access import Kind
from shared.db import make_engine, make_sessionmaker, transaction
from shared.demo_data import DEMO_COUNCIL_CODE, DEMO_PROVIDER_ID, generate_demo_council
from shared.domain import decision_rules
from shared.domain.calibration import calibrate
from shared.domain.decision_rules import RulesDocument
from shared.domain.full_recompute import recompute_every_figure
from shared.domain.locks import figures_lock
from shared.domain.lookups import find_instrument
from shared.instruments import InstrumentScale
from shared.models import LocalAuthority, MeasureCode
from shared.settings import get_settings

INSTRUMENT_MEDIA_TYPES = {".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml"}


async def load_instrument(args: argparse.Namespace) -> None:
    path: Path = args.file
    media_type = INSTRUMENT_MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise SystemExit(f"{path}: name a .json, .yaml or .yml file; the extension says how to read it.")
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"{path}: cannot be read ({error})") from None

    async def work(db: AsyncSession) -> tuple[str, int]:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_instrument")
        instrument = await load_council_instrument(db, la_id, text, media_type)
        return instrument.code, instrument.version

    code, version = await in_transaction(work)
    print(f"instrument {code} version {version} loaded for {args.council}")


Document = TypeVar("Document", bound=BaseModel)


async def read_document(path: Path, model: type[Document]) -> Document:
    """A JSON file as the API's body would be checked; one that cannot be read ends the command saying so."""
    try:
        return model.model_validate_json(await asyncio.to_thread(path.read_bytes))
    except OSError as error:
        raise SystemExit(f"{path}: cannot be read ({error})") from None


async def define_measure_code(args: argparse.Namespace) -> None:
    body = await read_document(args.file, MeasureCodeIn)

    async def work(db: AsyncSession) -> MeasureCode:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "put_measure_code")
        return await define(db, la_id, args.code, body)

    code = await in_transaction(work)
    bands = ", ".join(f"{band['label']} from {band['from']:g}" for band in code.bands) or "no bands"
    print(f"measure code {code.code} defined for {args.council}: {code.outcome_area}, {code.better} is better, {bands}")


async def define_decision_rules(args: argparse.Namespace) -> None:
    document = await read_document(args.file, RulesDocument)

    async def work(db: AsyncSession) -> int:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "put_decision_rules")
        return await decision_rules.define(db, la_id, document)

    version = await in_transaction(work)
    print(f"decision rules version {version} set for {args.council}: the worker recomputes its decision figures")


async def load_demo(args: argparse.Namespace) -> None:
    """Prints one line per demo client, '<kind> <key>': the only time the keys are shown."""

    async def work(db: AsyncSession) -> dict[str, str]:
        if await councils.find_council(db, DEMO_COUNCIL_CODE) is not None:
            return {}
        instrument = await find_instrument(db, None, "needs-v1", None)
        assert instrument is not None, "run the migrations first"
        domains = InstrumentScale.from_definition(instrument.definition).domains
        generated = generate_demo_council(domains)
        council = await demo.load(db, generated, date.today(), get_settings().pseudonym_key_bytes)
        keys = {}
        for kind in Kind:
            provider = DEMO_PROVIDER_ID if kind is Kind.PROVIDER else None
            body = ClientIn(name=f"demo {kind.value}", kind=kind, provider_id=provider)
            client = await clients.create_client(db, council.id, body)
            keys[kind.value] = (await clients.issue_key(db, client, KeyIn())).api_key
        return keys

    keys = await in_transaction(work)
    print("\n".join(f"{kind} {key}" for kind, key in keys.items()) or "demo council already loaded")


async def recompute(args: argparse.Namespace) -> None:
    """Every figure of the councils named (or of all), the same figures the worker's drain gives."""
    engine = make_engine(get_settings())
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as db:
            query = select(LocalAuthority.id, LocalAuthority.code)
            if not args.all:
                query = query.where(LocalAuthority.code.in_(args.council))
            councils = (await db.execute(query.order_by(LocalAuthority.code))).all()
            unknown = set(args.council or ()) - {code for _, code in councils}
            if unknown:
                raise SystemExit(f"No council with code {', '.join(sorted(unknown))}.")
            for la_id, _ in councils:
                audit.begin_operator(db, la_id, "recompute_council")
                await audit.flush(db)
        shown = ProgressBar(RECOMPUTE_UNITS)
        try:
            outcome = await recompute_every_figure(sessions, [la_id for la_id, _ in councils], shown)
        finally:
            shown.close()
    finally:
        await engine.dispose()
    print(
        f"{outcome.children:,} children: {outcome.written:,} recomputed, {outcome.cleared:,} cleared, "
        f"{outcome.left_to_incremental:,} written to meanwhile and left to their own recompute"
    )


async def calibrate_council(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_calibration")
        instrument = await find_instrument(db, la_id, args.instrument, None)
        if instrument is None:
            raise SystemExit(f"No instrument '{args.instrument}' for this council.")
        await figures_lock(db)
        calibration = await calibrate(db, la_id, instrument.definition, "admin")
        if calibration is None:
            raise SystemExit("Fewer than two children have a baseline on this instrument: nothing to calibrate on.")
        audit.note(db, target=f"calibration:{args.instrument}", sd=calibration.sd, n=calibration.n)
        return f"SD {calibration.sd:.4f} from {calibration.n} baselines; every child's RCI recomputed"

    print(await in_transaction(work))


async def read_json(path: Path) -> object:
    try:
        return json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SystemExit(f"{path}: cannot be read as JSON ({error})") from None


async def change_contract(args: argparse.Namespace) -> None:
    """create-contract, version-contract and end-contract: the admin endpoints' work, audited as cli."""

    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        # A refusal (ValidationError, ProblemError) reaches main, which lists every field at fault.
        if args.change == "create":
            audit.begin_operator(db, la_id, "create_contract")
            out = await contracts.create_contract(db, la_id, ContractIn.model_validate(await read_json(args.file)))
        elif args.change == "version":
            audit.begin_operator(db, la_id, "create_version")
            body = VersionIn.model_validate(await read_json(args.file))
            out = await contracts.new_version(db, la_id, args.code, body)
        else:
            audit.begin_operator(db, la_id, "end_contract")
            out = await contracts.end_contract(db, la_id, args.code, args.end_date)
        audit.note(db, target=f"contract:{out.code}", version=out.versions[-1].version)
        return f"contract {out.code} version {out.versions[-1].version}: {out.start_date} to {out.end_date}"

    print(await in_transaction(work))


async def close_period(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "close_period")
        closed_at = await contracts.close_period(db, la_id, args.code, args.period_start)
        audit.note(db, target=f"contract:{args.code}", period=args.period_start.isoformat())
        return f"contract {args.code}: the period from {args.period_start} closed at {closed_at.isoformat()}"

    print(await in_transaction(work))
