"""`make run`'s processes kept running: one that exits is started again after a backoff, saying so on
the output, while the others run on; Ctrl-C (or SIGTERM) stops them all. One that exits before the stack is
up failed to start (a port taken, a bad setting): starting it again would not help, so everything stops
and make exits non-zero.

Before, the first process to exit stopped the whole stack, so a worker ended by a fault left the API
serving writes whose figures nothing would compute."""

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shared.transient import backoff_seconds

RESTART_CAP = 30.0  # seconds between starts of a process that keeps exiting
STEADY = 60.0  # a process that ran this long before it exited is started again after the shortest wait
LOOK_EVERY = 0.2
STOP_WITHIN = 15.0
START_WITHIN = 300.0  # from the first start to the stack being up, on a machine as busy as a CI runner


@dataclass
class Supervised:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_exits: int = 0
    restart_at: float | None = None


def say(line: str) -> None:
    print(f"[make run] {line}", flush=True)


def how_it_ended(status: int) -> str:
    if status < 0:
        return f"killed by {signal.Signals(-status).name}"
    return f"exit status {status}"


def start(child: Supervised, env: dict[str, str], cwd: Path) -> None:
    # A process group of its own: a terminal's Ctrl-C reaches make run alone, which stops each process with
    # one Ctrl-C; a second (the terminal's, then make run's) makes uvicorn abandon its shutdown with a traceback.
    child.process = subprocess.Popen(child.command, env=env, cwd=cwd, process_group=0)
    child.started_at = time.monotonic()
    child.restart_at = None
    say(f"{child.name} started (pid {child.process.pid})")


def tend(child: Supervised, env: dict[str, str], cwd: Path, now: float) -> None:
    """Start again a process whose wait is over; give one that has just exited its wait."""
    if child.restart_at is not None:
        if now >= child.restart_at:
            start(child, env, cwd)
        return
    assert child.process is not None
    status = child.process.poll()
    if status is None:
        return
    child.quick_exits = 1 if now - child.started_at >= STEADY else child.quick_exits + 1
    delay = min(backoff_seconds(child.quick_exits), RESTART_CAP)
    child.restart_at = now + delay
    say(f"{child.name} exited ({how_it_ended(status)}); starting it again in {delay:g} s")


def stop(children: list[Supervised]) -> None:
    """Ctrl-C to each, as a terminal would send it; killed if still running after STOP_WITHIN."""
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGINT)
    for process in running:
        try:
            process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_all(children: list[Supervised], env: dict[str, str], cwd: Path, up: Callable[[], bool]) -> None:
    """Each started, then watched until `up` says the stack serves: one that exits meanwhile ends the run."""
    for child in children:
        start(child, env, cwd)
    deadline = time.monotonic() + START_WITHIN
    while not up():
        for child in children:
            assert child.process is not None
            status = child.process.poll()
            if status is not None:
                raise SystemExit(f"[make run] {child.name} failed to start ({how_it_ended(status)}); see above")
        if time.monotonic() > deadline:
            raise SystemExit(f"[make run] the stack was not up within {START_WITHIN:g} s; see above")
        time.sleep(LOOK_EVERY)


def supervise(
    commands: dict[str, list[str]], env: dict[str, str], cwd: Path, up: Callable[[], bool], on_up: Callable[[], None]
) -> None:
    """Until Ctrl-C or SIGTERM: each command running once `up` says so (then `on_up`), started again whenever
    it exits."""
    children = [Supervised(name, command) for name, command in commands.items()]
    try:
        start_all(children, env, cwd, up)
        on_up()
        while True:
            time.sleep(LOOK_EVERY)
            now = time.monotonic()
            for child in children:
                tend(child, env, cwd, now)
    finally:
        say("stopping " + ", ".join(child.name for child in children))
        stop(children)
