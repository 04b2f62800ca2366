"""python -m services.scoring: the worker, logging JSON from its first line (the arq command line
would install its own text format before our settings are read)."""

from arq.worker import run_worker

from services.scoring.worker import WorkerSettings
from shared import logging
from shared.settings import get_settings


def main() -> None:
    logging.configure(get_settings().log_level)
    run_worker(WorkerSettings)


if __name__ == "__main__":
    main()
