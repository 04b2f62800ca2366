"""`make run`: the whole service on this machine. Embedded PostgreSQL and Redis unless DATABASE_URL
and REDIS_URL name servers; migrations; the demo council on first start; then the API and the
worker as separate processes until Ctrl-C."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from services.stack.embedded import EmbeddedPostgres, EmbeddedRedis, start_postgres, start_redis
from shared.settings import asyncpg_url

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("DATA_DIR", ROOT / ".data"))
API = "127.0.0.1:8000"


def python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, check=True, text=True, capture_output=True)


def demo_key(env: dict[str, str]) -> str:
    """The demo key is kept in the data folder: stored hashed in the database, it can't be shown again."""
    saved = DATA / "demo-api-key"
    output = python("-m", "services.api.cli", "load-demo", env=env).stdout.strip()
    if output.startswith("nlc_"):
        saved.write_text(output + "\n")
    return saved.read_text().strip() if saved.exists() else "(the demo council predates this data folder)"


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    servers: list[EmbeddedPostgres | EmbeddedRedis] = []
    if "DATABASE_URL" not in env:
        postgres = start_postgres(DATA / "postgres", "needs")
        servers.append(postgres)
        env["DATABASE_URL"] = asyncpg_url(postgres.url)
    if "REDIS_URL" not in env:
        redis_server = start_redis(DATA / "redis")
        servers.append(redis_server)
        env["REDIS_URL"] = redis_server.url
    processes: list[subprocess.Popen[bytes]] = []
    try:
        print("applying migrations ...", flush=True)
        python("-m", "alembic", "upgrade", "head", env=env)
        print("loading the synthetic demo council (first start only) ...", flush=True)
        key = demo_key(env)
        host, port = API.split(":")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "services.api.main:app",
                    "--host",
                    host,
                    "--port",
                    port,
                    "--no-access-log",
                ],
                env=env,
                cwd=ROOT,
            )
        )
        processes.append(subprocess.Popen([sys.executable, "-m", "services.scoring"], env=env, cwd=ROOT))
        print(
            f"""
  API docs:        http://{API}/docs
  Demo API key:    {key}
  First figures:   curl -H 'Authorization: Bearer {key}' 'http://{API}/v1/scores/needs-trends?limit=20'
  One child:       curl -H 'Authorization: Bearer {key}' http://{API}/v1/children/DEMO-000001/needs-trends
  Ctrl-C stops everything; data stays in {DATA}
""",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(process.poll() is None for process in processes):
            try:
                processes[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as error:
        print(error.stderr, file=sys.stderr)
        raise SystemExit(1) from error
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    main()
