"""Stays with a provider (domain.md §7.2): consecutive placement episodes with it, temporary episodes
between two of them keeping the stay going without counting as days with the provider. A stay ends
when its last episode with the provider ends, which is known only once the child does not come back."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

TEMPORARY = frozenset({"T0", "T1", "T2", "T3", "T4"})


@dataclass(frozen=True, slots=True)
class Episode:
    child: str  # the child's pseudonym
    id: str
    start: date
    end: date | None  # the day the next episode starts; None while open
    place: str  # SSDA903 PLACE
    provider: str | None
    legal_status: str
    weekly_cost: Decimal | None = None
    reason_ended: str | None = None  # SSDA903 REC

    def days_within(self, start: date, end: date) -> int:
        """Days of [start, end) this episode covers, counted up to, not including, its own end."""
        last = end if self.end is None else min(end, self.end)
        return max(0, (last - max(start, self.start)).days)


@dataclass(frozen=True, slots=True)
class Stay:
    child: str
    episodes: tuple[Episode, ...]  # the provider's, and any temporary ones between them
    provider: str

    @property
    def id(self) -> str:
        return self.episodes[0].id

    @property
    def start(self) -> date:
        return self.episodes[0].start

    @property
    def end(self) -> date | None:
        return self.episodes[-1].end

    @property
    def reason_ended(self) -> str | None:
        return self.episodes[-1].reason_ended

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def provider_days(self, start: date, end: date) -> int:
        return sum(e.days_within(start, end) for e in self.episodes if e.place not in TEMPORARY)

    def temporary_days(self, start: date, end: date) -> int:
        return sum(e.days_within(start, end) for e in self.episodes if e.place in TEMPORARY)


def with_provider(episode: Episode, provider: str) -> bool:
    return episode.provider == provider and episode.place not in TEMPORARY


def stays_of(episodes: Iterable[Episode], provider: str) -> list[Stay]:
    """One child's stays with the provider, in order. A stay's end is known only when the child does not
    come back: a temporary move still open keeps it going."""
    return [
        Stay(held[0].child, tuple(held + away if still_away(away) else held), provider)
        for held, away in runs(episodes, provider)
    ]


def left_for_good(episodes: Iterable[Episode], provider: str) -> set[str]:
    """The temporary episodes after a stay that the child did not come back from: ended, with no episode
    with the provider following on, so the stay ended when the first of them began."""
    by_child: dict[str, list[Episode]] = {}
    for episode in episodes:
        by_child.setdefault(episode.child, []).append(episode)
    return {e.id for own in by_child.values() for _, away in runs(own, provider) if not still_away(away) for e in away}


def still_away(away: list[Episode]) -> bool:
    return bool(away) and away[-1].end is None


def runs(episodes: Iterable[Episode], provider: str) -> list[tuple[list[Episode], list[Episode]]]:
    """One child's stays as their episodes (the provider's, and the temporary ones between them), each
    with the temporary episodes that followed on from its last episode with the provider."""
    result: list[tuple[list[Episode], list[Episode]]] = []
    current: list[Episode] = []
    temporary: list[Episode] = []  # since the last episode with the provider
    for episode in sorted(episodes, key=lambda e: (e.start, e.id)):
        follows = bool(current) and (temporary or current)[-1].end == episode.start
        if follows and with_provider(episode, provider):
            current += [*temporary, episode]
            temporary = []
        elif follows and episode.place in TEMPORARY:
            temporary.append(episode)
        else:
            if current:
                result.append((current, temporary))
            current = [episode] if with_provider(episode, provider) else []
            temporary = []
    if current:
        result.append((current, temporary))
    return result
