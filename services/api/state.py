from dataclasses import dataclass, field

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.api.read_slots import ReadSlots
from services.api.scores.cohort_cache import CohortCache
from services.api.throttle import Throttle
from services.api.tokens import TokenVerifier
from services.api.write_gate import WriteGate
from shared.db import make_sessionmaker
from shared.outbox import Dispatcher
from shared.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis
    dispatcher: Dispatcher
    verifier: TokenVerifier | None
    auth_failures: Throttle
    bursts: Throttle
    expensive_reads: ReadSlots
    cohort_cache: CohortCache
    write_gate: WriteGate = field(init=False)
    # A read's statements each commit on their own: no BEGIN and COMMIT round trips. Its one write, the
    # audit row, is its last statement, run only once the route has succeeded (services/api/deps.py).
    read_sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.write_gate = WriteGate(self.engine)
        self.read_sessions = make_sessionmaker(self.engine.execution_options(isolation_level="AUTOCOMMIT"))
