"""Speed under load, through real uvicorn processes: `make bench` (or python -m bench.load).

A scratch database on real PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or embedded ones), a council of
LOAD_CHILDREN children (300) with LOAD_ASSESSMENTS (4) assessments each and their figures computed by a burst
worker. Then, with one API process, authenticated reads per second of one child's figures and of a page of
scores against the same process's /healthz; then, with two API processes, a mixed load (80% figure and
score reads, 20% assessment writes) at concurrency LOAD_CONCURRENCY (32): its throughput and latencies.
Each phase runs LOAD_SECONDS (10) after a short warm-up. The worker is not running during the load: the
figures measured are the API's.

The load generator is a lean HTTP/1.1 keep-alive client on raw asyncio (no HTTP library), in this
process: it shares the machine's cores with the API and PostgreSQL, so it is kept to a few tens of
microseconds a request."""

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from bench.ingest import assessment, burst, council_with_children
from bench.scratch import scratch_servers
from shared.access import Kind
from shared.settings import Settings

SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
CHILDREN = int(os.environ.get("LOAD_CHILDREN", "300"))
ASSESSMENTS = int(os.environ.get("LOAD_ASSESSMENTS", "4"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "32"))
# The single-route phases: enough connections to keep one process busy, not so many that they queue.
READ_CONCURRENCY = 16
WARM_UP_SECONDS = 2.0
SCORE_PAGE = "/v1/scores/needs-summary?limit=50"
FIRST_DAY = date(2020, 1, 1)


@dataclass
class Council:
    case_management_key: str
    bi_key: str


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)
    api_cpu_seconds: float = 0.0


# ---- seeding, in process --------------------------------------------------------------------------------


async def seed(settings: Settings) -> Council:
    kinds = (Kind.CASE_MANAGEMENT, Kind.BI)
    async with council_with_children(settings, "LOAD", CHILDREN, kinds) as (_, api, keys):
        headers = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        items = [
            assessment(n % CHILDREN, n // CHILDREN, FIRST_DAY + timedelta(days=91 * (n // CHILDREN)))
            for n in range(CHILDREN * ASSESSMENTS)
        ]
        for start in range(0, len(items), 1000):
            batch = {"items": items[start : start + 1000]}
            response = await api.post("/v1/assessments/batch", json=batch, headers=headers)
            assert response.status_code == 200, response.text
    await burst(settings)
    return Council(keys[Kind.CASE_MANAGEMENT], keys[Kind.BI])


# ---- the API as real processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """CPU time of the API's processes so far: uvicorn's and its workers'."""
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(sum(process.cpu_times()[:2]) for process in processes)


@contextmanager
def api_processes(settings: Settings, workers: int, app: str = "services.api.main:app") -> Iterator[tuple[int, int]]:
    """uvicorn as the README starts it (services/stack/run.py), with `workers` processes on one port."""
    port = free_port()
    environment = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "QUEUE_NAME": settings.queue_name,
        "LOG_LEVEL": "WARNING",
        # Counted as always, but high enough that the benchmark's one client is not refused.
        "CLIENT_REQUEST_LIMIT": "100000000",
    }
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning", "--workers", str(workers)]
    process = subprocess.Popen(command, env=environment, start_new_session=True)
    try:
        wait_until_serving(port, process)
        yield port, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("uvicorn did not start serving within 60 s")


# ---- the load generator ---------------------------------------------------------------------------------


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time: the response is read by its
    Content-Length (every route measured sends one)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        length = 0
        for line in bytes(self.buffer[:end]).lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line[15:])
        if len(self.buffer) >= end + 4 + length:
            status = int(self.buffer[9:12])
            del self.buffer[: end + 4 + length]
            waiter, self.waiter = self.waiter, None
            waiter.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the API closed the connection"))

    async def send(self, request: bytes) -> int:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


def get(path: str, key: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    return f"GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode()


def post(path: str, key: str, body: bytes) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n"
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def drive(port: int, concurrency: int, seconds: float, next_request: Callable[[], bytes]) -> Tally:
    """Keeps `concurrency` requests in flight for `seconds`; counts those that end inside the window."""
    loop = asyncio.get_running_loop()
    connections = [(await loop.create_connection(Connection, "127.0.0.1", port))[1] for _ in range(concurrency)]
    tally = Tally()
    stop = time.perf_counter() + seconds

    async def one(connection: Connection) -> None:
        while (began := time.perf_counter()) < stop:
            status = await connection.send(next_request())
            tally.latencies.append(time.perf_counter() - began)
            if status >= 400:
                tally.failures[status] = tally.failures.get(status, 0) + 1

    await asyncio.gather(*(one(connection) for connection in connections))
    for connection in connections:
        assert connection.transport is not None
        connection.transport.close()
    return tally


async def measured(api: tuple[int, int], concurrency: int, next_request: Callable[[], bytes]) -> Tally:
    port, pid = api
    await drive(port, concurrency, WARM_UP_SECONDS, next_request)
    cpu = cpu_seconds(pid)
    tally = await drive(port, concurrency, SECONDS, next_request)
    tally.api_cpu_seconds = cpu_seconds(pid) - cpu
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(label: str, tally: Tally) -> float:
    rate = len(tally.latencies) / SECONDS
    p50, p99 = percentile(tally.latencies, 0.5) * 1000, percentile(tally.latencies, 0.99) * 1000
    failures = f", FAILURES {tally.failures}" if tally.failures else ""
    # What the API spent a request: on a shared machine, the figure the rate would follow with cores to spare.
    cpu = tally.api_cpu_seconds / max(1, len(tally.latencies)) * 1000
    print(
        f"{label}: {rate:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, API CPU {cpu:.2f} ms/req{failures}",
        flush=True,
    )
    return rate


# ---- the phases -----------------------------------------------------------------------------------------


def child_figures(council: Council) -> Callable[[], bytes]:
    requests = [get(f"/v1/children/C{n}/needs-trends", council.case_management_key) for n in range(CHILDREN)]
    return lambda: random.choice(requests)


def mixed(council: Council) -> Callable[[], bytes]:
    figures, scores = child_figures(council), get(SCORE_PAGE, council.bi_key)
    written = iter(range(10**9))

    def next_request() -> bytes:
        roll = random.random()
        if roll < 0.4:
            return figures()
        if roll < 0.8:
            return scores
        n = next(written)
        day = FIRST_DAY + timedelta(days=random.randrange(2000))
        body: dict[str, Any] = assessment(random.randrange(CHILDREN), n, day) | {"external_id": f"L-{n}"}
        return post("/v1/assessments", council.case_management_key, httpx.Request("POST", "/", json=body).content)

    return next_request


async def single_process(api: tuple[int, int], council: Council) -> None:
    healthz = report("/healthz", await measured(api, READ_CONCURRENCY, lambda: get("/healthz")))
    figures = report("one child's figures", await measured(api, READ_CONCURRENCY, child_figures(council)))
    scores_page = get(SCORE_PAGE, council.bi_key)
    scores = report("a page of 50 scores", await measured(api, READ_CONCURRENCY, lambda: scores_page))
    print(f"ratio to /healthz: figures {figures / healthz:.2f}, scores page {scores / healthz:.2f}", flush=True)


def main() -> None:
    with scratch_servers() as (database_url, redis_url):
        settings = Settings(database_url=database_url, redis_url=redis_url, queue_name="loadbench", log_level="WARNING")
        began = time.perf_counter()
        council = asyncio.run(seed(settings))
        print(
            f"council: {CHILDREN} children, {CHILDREN * ASSESSMENTS:,} assessments, figures computed "
            f"({time.perf_counter() - began:.0f} s); {SECONDS:g} s a phase",
            flush=True,
        )
        print(f"one API process, concurrency {READ_CONCURRENCY}:", flush=True)
        with api_processes(settings, 1) as api:
            asyncio.run(single_process(api, council))
        print(f"two API processes, concurrency {CONCURRENCY}:", flush=True)
        with api_processes(settings, 2) as api:
            report(
                "mixed (40% figures, 40% scores pages, 20% assessment writes)",
                asyncio.run(measured(api, CONCURRENCY, mixed(council))),
            )


if __name__ == "__main__":
    main()
