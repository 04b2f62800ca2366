"""Stable per-council pseudonyms for children: a keyed HMAC of the council and its child id.

Without the key a pseudonym cannot be linked back to the child; with it, the council can find the
pseudonym of a child it names (to query the audit log, or after erasure)."""

import hashlib
import hmac
import re
import uuid

PREFIX = "ps_"
SHAPE = re.compile(rf"{PREFIX}[0-9a-f]{{24}}")


def pseudonym(key: bytes, la_id: uuid.UUID, child_id: str) -> str:
    digest = hmac.new(key, f"{la_id}:{child_id}".encode(), hashlib.sha256).hexdigest()
    # 96 bits: collisions within one council's children are out of reach.
    return PREFIX + digest[:24]


def is_pseudonym(value: str) -> bool:
    return SHAPE.fullmatch(value) is not None
