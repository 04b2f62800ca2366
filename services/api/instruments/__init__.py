"""Instruments as data: the ones shipped for every council plus a council's own, looked up, loaded and read."""

from services.api.instruments.service import find_instrument, scale_of

__all__ = ["find_instrument", "scale_of"]
