"""Placement figures (domain.md §6) as the national SSDA903 statistics count them, as pure functions of a
child's episodes and a day standing for 31 March: no I/O, money exact to the penny."""
