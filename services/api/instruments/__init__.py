"""Instruments as data: the ones shipped for every council plus a council's own, looked up, loaded and read."""
