"""python -m services.scoring: the worker, logging JSON from its first line (the arq command line
would install its own text format before our settings are read), and waiting out Redis outages."""

from services.scoring.redis_outages import PatientWorker
from services.scoring.worker import worker_options
from shared import logging
from shared.settings import get_settings


def main() -> None:
    logging.configure(get_settings().log_level)
    PatientWorker(**worker_options(get_settings())).run()


if __name__ == "__main__":
    main()
