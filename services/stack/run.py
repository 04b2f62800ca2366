"""`make run`: the whole service on this machine. Embedded PostgreSQL and Redis unless DATABASE_URL
and REDIS_URL name servers; migrations; the demo council on first start; then the API and the
worker as separate processes until Ctrl-C, each started again if it exits once the stack is up."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import redis
from arq.constants import health_check_key_suffix

from services.stack.embedded import start_postgres, start_redis
from services.stack.supervisor import say, supervise
from shared import local_servers
from shared.demo_data import DEMO_COUNCIL_CODE, DEMO_PROVIDER_ID
from shared.settings import Settings, asyncpg_url

ROOT = Path(__file__).resolve().parents[2]
DATA = local_servers.data_dir()
HOST, PORT = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
URL = f"http://{HOST}:{PORT}"


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True, text=True, capture_output=True)


def demo_keys(env: dict[str, str]) -> dict[str, str]:
    """The demo keys are kept in the data folder: stored hashed in the database, they can't be shown again."""
    saved = DATA / "demo-api-keys"
    output = python("-m", "services.cli", "load-demo", env=env).stdout.strip()
    if "nlc_" in output:
        local_servers.write_private(saved, output + "\n")
    elif saved.exists():
        saved.chmod(0o600)  # written world-readable by an earlier release
    lines = saved.read_text().splitlines() if saved.exists() else []
    return dict(line.split(" ", 1) for line in lines if " " in line)


def demo_sign_in_links(env: dict[str, str]) -> dict[str, str]:
    """A one-time link to the web pages per demo role, made afresh at each start: a link signs in once."""
    roles = ["practitioner", "manager", "commissioner", "admin", f"provider_finance:{DEMO_PROVIDER_ID}"]
    made = subprocess.run(
        [sys.executable, "-m", "services.cli", "sign-in-links", DEMO_COUNCIL_CODE, *roles],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        # The API and the keys serve all the same: the banner says why there are no links.
        return {"(none)": made.stderr.strip().splitlines()[-1] if made.stderr.strip() else "no links were made"}
    return dict(line.split(" ", 1) for line in made.stdout.splitlines() if " " in line)


def refuse_a_taken_port() -> None:
    """Before anything starts: with the port taken, the banner would hand out keys for another instance's URL."""
    if not PORT.isdigit():
        raise SystemExit(f"[make run] PORT must be a port number, not {PORT!r}")
    try:
        socket.create_server((HOST, int(PORT))).close()
    except OSError as error:
        raise SystemExit(
            f"[make run] cannot serve on {HOST}:{PORT}: {error.strerror} (another process serves there? stop it, "
            "or choose another port: make run PORT=8001)"
        ) from None


@contextlib.contextmanager
def servers(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment the services run with, embedded servers filling what it does not name; announced in
    the data folder while they run, so the CLI and the other make targets find them."""
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
        local_servers.announce(env)
        stack.callback(local_servers.withdraw)
        yield env


def commands() -> dict[str, list[str]]:
    api = [sys.executable, "-m", "uvicorn", "services.api.main:app", "--host", HOST, "--port", PORT, "--no-access-log"]
    return {"api": api, "worker": [sys.executable, "-m", "services.scoring"]}


def up(env: dict[str, str]) -> Callable[[], bool]:
    """Whether the API answers /healthz and the worker has reported on its queue (a report of an earlier
    run is cleared first, so it cannot stand for this one)."""
    queue_name = env.get("QUEUE_NAME", Settings.model_fields["queue_name"].default)
    health_key = queue_name + health_check_key_suffix
    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=2)
    with contextlib.suppress(redis.RedisError):  # a Redis away: the worker waits for it, and so does the banner
        client.delete(health_key)

    def check() -> bool:
        try:
            with urllib.request.urlopen(f"{URL}/healthz", timeout=2) as answer:
                if answer.status != 200:
                    return False
            return bool(client.exists(health_key))
        except (OSError, redis.RedisError):
            return False

    return check


def banner(keys: dict[str, str], links: dict[str, str], metrics_token: str) -> str:
    missing = "(the demo council predates this data folder)"

    def auth(kind: str) -> str:
        return f"-H 'Authorization: Bearer {keys.get(kind, missing)}'"

    listed = "\n".join(f"    {kind:<16} {key}" for kind, key in keys.items()) or f"    {missing}"
    signed = "\n".join(f"    {role.split(':')[0]:<16} {link}" for role, link in links.items())
    return f"""
  API docs:        {URL}/docs
  Web pages:       {URL}/web/  (one-time sign-in links, one per demo role, each good once for a day:)
{signed}
  Demo API keys, one per client kind (kept in {DATA / "demo-api-keys"}):
{listed}
  Figures (BI):    curl {auth("bi")} '{URL}/v1/scores/needs-trends?limit=20'
  One child (CMS): curl {auth("case_management")} {URL}/v1/children/DEMO-000001/needs-trends
  Provider ({DEMO_PROVIDER_ID}): curl {auth("provider")} '{URL}/v1/provider/children?limit=5'
  Audit (admin):   curl {auth("admin")} '{URL}/v1/admin/audit?limit=20'
  Metrics:         curl -H 'Authorization: Bearer {metrics_token}' {URL}/metrics
  A process that exits is started again; Ctrl-C stops everything; data stays in {DATA}
"""


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Started in the background of a script, a process inherits Ctrl-C ignored, and Python keeps it so:
    # Ctrl-C must stop this command however it was started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    refuse_a_taken_port()
    # Ctrl-C is how this command is meant to end: the context managers stop what was started.
    # A scrape token for this run, unless the operator set one.
    # The links and the identity provider's redirect name the address the API serves on, unless set otherwise.
    launch_env = {"METRICS_TOKEN": secrets.token_urlsafe(24), "WEB_PUBLIC_URL": URL} | dict(os.environ)
    with contextlib.suppress(KeyboardInterrupt), servers(launch_env) as env:
        try:
            print("applying migrations ...", flush=True)
            python("-m", "alembic", "upgrade", "head", env=env)
            print("loading the synthetic demo council (first start only) ...", flush=True)
            keys = demo_keys(env)
            links = demo_sign_in_links(env)
        except subprocess.CalledProcessError as error:
            print(error.stderr, file=sys.stderr)
            raise SystemExit(1) from error
        say(f"starting the API on {URL} and the worker ...")
        supervise(commands(), env, ROOT, up(env), lambda: print(banner(keys, links, env["METRICS_TOKEN"]), flush=True))


if __name__ == "__main__":
    main()
