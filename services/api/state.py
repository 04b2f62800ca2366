from dataclasses import dataclass

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.api.read_slots import ReadSlots
from services.api.scores.cohort_cache import CohortCache
from services.api.throttle import Throttle
from services.api.tokens import TokenVerifier
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
