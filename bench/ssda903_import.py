"""Loading SSDA903 returns through the operator's CLI (issue 15), each a real process on a fresh database:

- the synthetic csc-validator-be-903 return (2,675 children, 5,050 episodes; header, episodes, UASC, OC2);
- a generated return of national size (about 150,000 children and 300,000 episodes), written to a scratch
  folder first (never committed), with the CLI process's wall time and peak memory;
- then the placement figures of that council (domain.md §6): the worker's refresh of its kept rows, the check
  the sweep makes for councils whose rows are not of today, and a BI page of the children's rows and the
  council's figures, from the kept rows and computed on reading.

python -m bench.ssda903_import [--children N]"""

import argparse
import asyncio
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.scratch import ROOT, scratch_servers
from services.api import councils
from services.api.scores.placement_figures import read_child_rows, read_council_rows
from shared.db import make_engine, make_sessionmaker
from shared.domain.kept_placement_figures import refresh_council, stale_councils
from shared.settings import DEVELOPMENT_PSEUDONYM_KEY, Settings

SAMPLE = ROOT.parent / "shared" / "data" / "ssda903"
SAMPLE_FILES = [SAMPLE / f"csc-validator-be-903__{table}.csv" for table in ("header", "episodes", "uasc", "oc2")]
HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE"]
EPISODES += ["HOME_POST", "PL_POST", "URN"]
YEAR_START = date(2023, 4, 1)


def generate(folder: Path, children: int, seed: int = 903) -> list[Path]:
    """A 2023-24 return: each child two episodes on average, the last open at the year's end for most."""
    draw = random.Random(seed)
    header, episodes = folder / "header.csv", folder / "episodes.csv"
    with header.open("w", newline="") as h, episodes.open("w", newline="") as e:
        heads, rows = csv.writer(h), csv.writer(e)
        heads.writerow(HEADER)
        rows.writerow(EPISODES)
        for n in range(children):
            child = f"N{n:07d}"
            born = date(2006, 1, 1) + timedelta(days=draw.randrange(17 * 365))
            heads.writerow([child, draw.choice("12"), born.strftime("%d/%m/%Y"), "WBRI", "", "", ""])
            start = max(born + timedelta(days=30), YEAR_START - timedelta(days=draw.randrange(900)))
            for number in range(draw.choice((1, 2, 2, 3))):
                end = start + timedelta(days=draw.randrange(20, 200))
                last = number == 2 or end > date(2024, 3, 31)
                place = draw.choice(("U4", "U6", "K2", "U1", "P1"))
                rne = "S" if number == 0 else "P"
                if last:
                    rows.writerow([child, start.strftime("%d/%m/%Y"), rne, "C2", "N1", place, "PR1", *[""] * 6])
                    break
                ended = [end.strftime("%d/%m/%Y"), "X1", "CARPL"]
                rows.writerow([child, start.strftime("%d/%m/%Y"), rne, "C2", "N1", place, "PR1", *ended, "", "", ""])
                start = end
    return [header, episodes]


def cli(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """The command's wall time, its own peak memory (MB) and its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *args], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{args[0]} failed: {err.read().decode().strip()}")
        return seconds, usage.ru_maxrss / 1024, out.read().decode()


def compiled() -> None:
    """The service's modules compiled, as the image compiles them (deploy/Dockerfile) and as Python caches them
    by itself where it may: with PYTHONDONTWRITEBYTECODE set and no cache, each start compiles every module."""
    folders = [str(ROOT / folder) for folder in ("services", "shared", "migrations")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=150_000)
    args = parser.parse_args()
    compiled()
    with scratch_servers() as (database_url, redis_url), tempfile.TemporaryDirectory() as scratch:
        env = os.environ | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PSEUDONYM_KEY": DEVELOPMENT_PSEUDONYM_KEY,
        }
        for code in ("SAMPLE", "NATIONAL"):
            cli(env, "create-council", code, f"Bench {code.lower()}")
        seconds, peak, out = cli(env, "import-903", "SAMPLE", *map(str, SAMPLE_FILES))
        print(f"synthetic return (5,050 episodes) through the CLI: {seconds:.2f} s, peak memory {peak:,.0f} MB")
        print("  " + out.strip().replace("\n", "\n  "), flush=True)
        files = generate(Path(scratch), args.children)
        seconds, peak, out = cli(env, "import-903", "NATIONAL", *map(str, files))
        print(
            f"generated return ({args.children:,} children) through the CLI: {seconds:.1f} s, "
            f"peak memory {peak:,.0f} MB"
        )
        print("  " + out.strip().replace("\n", "\n  "), flush=True)
        seconds, peak, _ = cli(env, "import-903", "NATIONAL", *map(str, files))
        print(f"the same return again (nothing to write): {seconds:.1f} s, peak memory {peak:,.0f} MB", flush=True)
        asyncio.run(placement_figures(Settings(database_url=database_url, redis_url=redis_url)))


async def timed(what: str, work: Awaitable[Any]) -> Any:
    began = time.perf_counter()
    result = await work
    print(f"  {what}: {time.perf_counter() - began:.2f} s", flush=True)
    return result


async def placement_figures(settings: Settings) -> None:
    """The national council's kept placement figures written, checked and read, as the worker and BI do."""
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    today = date.today()
    try:
        async with sessions() as db:
            la_id = (await councils.find_council(db, "NATIONAL")).id  # type: ignore[union-attr]
        print("placement figures of the generated council:")
        written = await timed("worker's refresh of its kept rows", refresh_council(sessions, la_id, today))
        print(f"  rows kept: {written:,}")
        await timed("sweep's check for councils not of today", stale_councils(sessions, today))
        async with sessions() as db:
            await timed("a page of 500 children's rows, kept", read_child_rows(db, la_id, today, 0, 500))
            before = today - timedelta(days=1)
            await timed(
                "a page of 500 children's rows as at yesterday, computed", read_child_rows(db, la_id, before, 0, 500)
            )
            await timed(
                "the council's figures by age band, from the kept rows",
                read_council_rows(db, la_id, today, ["age_band"]),
            )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
