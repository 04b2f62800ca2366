"""Instruments are data: this reads a stored definition into the shape validation and engines use."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class InstrumentScale:
    code: str
    version: int
    domains: tuple[str, ...]
    levels: tuple[int, ...]
    strength_levels: tuple[int, ...]
    actionable_from: int
    intensive_level: int

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> "InstrumentScale":
        return cls(
            code=definition["code"],
            version=definition["version"],
            domains=tuple(d["code"] for d in definition["domains"]),
            levels=tuple(sorted(level["level"] for level in definition["levels"])),
            strength_levels=tuple(sorted(level["level"] for level in definition["strengths"])),
            actionable_from=definition["actionable_from"],
            intensive_level=definition["intensive_level"],
        )


def shipped_instrument() -> InstrumentScale:
    """needs-v1 as this package ships it (the database holds what was loaded from it)."""
    return InstrumentScale.from_definition(json.loads((Path(__file__).parent / "needs-v1.json").read_text()))
