"""How a placement's weekly cost is shared between the agencies paying it (domain.md §6): social care, health
and education, as shares of 1. One rule for every way a placement's funding arrives (the API's placements, a
council's placement costs file), so the two cannot drift apart."""

from decimal import Decimal

# placements.funding_* are numeric(4, 3), and the database checks they sum to 1.
SHARE_PLACES = 3


def sum_fault(social_care: Decimal, health: Decimal, education: Decimal) -> str | None:
    """Why the shares do not hold together, or None: they must sum to exactly 1, nothing rounded."""
    if social_care + health + education != 1:
        return "social_care + health + education must be exactly 1"
    return None
