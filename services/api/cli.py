"""Operator commands: python -m services.api.cli --help"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import councils, demo
from services.api.instruments import find_instrument
from shared.db import make_engine, make_sessionmaker, transaction
from shared.demo_data import generate_demo_council
from shared.instruments import InstrumentScale
from shared.settings import get_settings

T = TypeVar("T")


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(get_settings())
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            return await work(db)
    finally:
        await engine.dispose()


async def create_council(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> None:
        await councils.create_council(db, args.code, args.name)

    await in_transaction(work)
    print(f"council {args.code} created")


async def create_key(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        return await councils.issue_key(db, args.council, args.name)

    key = await in_transaction(work)
    print(key)


async def load_demo(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str | None:
        if await councils.find_council(db, demo.DEMO_CODE) is not None:
            return None
        instrument = await find_instrument(db, "needs-v1", None)
        assert instrument is not None, "run the migrations first"
        domains = InstrumentScale.from_definition(instrument.definition).domains
        await demo.load(db, generate_demo_council(domains), date.today())
        return await councils.issue_key(db, demo.DEMO_CODE, "demo")

    key = await in_transaction(work)
    if key is None:
        print("demo council already loaded")
    else:
        print(key)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.api.cli")
    commands = parser.add_subparsers(required=True)
    council = commands.add_parser("create-council", help="create a council (local authority)")
    council.add_argument("code")
    council.add_argument("name")
    council.set_defaults(run=create_council)
    key = commands.add_parser("create-key", help="issue an API key for a council; printed once")
    key.add_argument("council", help="the council's code")
    key.add_argument("name", help="who the key is for, e.g. 'LCS nightly feed'")
    key.set_defaults(run=create_key)
    loader = commands.add_parser("load-demo", help="load the synthetic demo council if absent; prints its key")
    loader.set_defaults(run=load_demo)
    args = parser.parse_args()
    asyncio.run(args.run(args))


if __name__ == "__main__":
    main()
