"""`make run`: the whole service on this machine. Embedded PostgreSQL and Redis unless DATABASE_URL
and REDIS_URL name servers; migrations; the demo council on first start; then the API and the
worker as separate processes until Ctrl-C, each started again if it exits."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from services.stack.embedded import start_postgres, start_redis
from services.stack.supervisor import supervise
from shared.settings import asyncpg_url

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("DATA_DIR", ROOT / ".data"))
HOST, PORT = "127.0.0.1", os.environ.get("API_PORT", "8000")


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True, text=True, capture_output=True)


def demo_keys(env: dict[str, str]) -> dict[str, str]:
    """The demo keys are kept in the data folder: stored hashed in the database, they can't be shown again."""
    saved = DATA / "demo-api-keys"
    output = python("-m", "services.api.cli", "load-demo", env=env).stdout.strip()
    if "nlc_" in output:
        saved.write_text(output + "\n")
    lines = saved.read_text().splitlines() if saved.exists() else []
    return dict(line.split(" ", 1) for line in lines if " " in line)


@contextlib.contextmanager
def servers(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment the services run with, embedded servers filling what it does not name."""
    with contextlib.ExitStack() as stack:
        env = dict(env)
        if "DATABASE_URL" not in env:
            postgres = start_postgres(DATA / "postgres", "needs")
            stack.callback(postgres.stop)
            env["DATABASE_URL"] = asyncpg_url(postgres.url)
        if "REDIS_URL" not in env:
            redis_server = start_redis(DATA / "redis")
            stack.callback(redis_server.stop)
            env["REDIS_URL"] = redis_server.url
        yield env


def commands() -> dict[str, list[str]]:
    api = [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", HOST, "--port", PORT, "--no-access-log"]
    return {"api": api, "worker": [sys.executable, "-m", "services.scoring"]}


def banner(keys: dict[str, str], metrics_token: str) -> str:
    url = f"http://{HOST}:{PORT}"
    missing = "(the demo council predates this data folder)"

    def auth(kind: str) -> str:
        return f"-H 'Authorization: Bearer {keys.get(kind, missing)}'"

    listed = "\n".join(f"    {kind:<16} {key}" for kind, key in keys.items()) or f"    {missing}"
    return f"""
  API docs:        {url}/docs
  Demo API keys, one per client kind:
{listed}
  Figures (BI):    curl {auth("bi")} '{url}/v1/scores/needs-trends?limit=20'
  One child (CMS): curl {auth("case_management")} {url}/v1/children/DEMO-000001/needs-trends
  Audit (admin):   curl {auth("admin")} '{url}/v1/admin/audit?limit=20'
  Metrics:         curl -H 'Authorization: Bearer {metrics_token}' {url}/metrics
  A process that exits is started again; Ctrl-C stops everything; data stays in {DATA}
"""


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Started in the background of a script, a process inherits Ctrl-C ignored, and Python keeps it so:
    # Ctrl-C must stop this command however it was started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Ctrl-C is how this command is meant to end: the context managers stop what was started.
    # A scrape token for this run, unless the operator set one.
    launch_env = {"METRICS_TOKEN": secrets.token_urlsafe(24)} | dict(os.environ)
    with contextlib.suppress(KeyboardInterrupt), servers(launch_env) as env:
        try:
            print("applying migrations ...", flush=True)
            python("-m", "alembic", "upgrade", "head", env=env)
            print("loading the synthetic demo council (first start only) ...", flush=True)
            keys = demo_keys(env)
        except subprocess.CalledProcessError as error:
            print(error.stderr, file=sys.stderr)
            raise SystemExit(1) from error
        print(banner(keys, env["METRICS_TOKEN"]), flush=True)
        supervise(commands(), env, ROOT)


if __name__ == "__main__":
    main()
