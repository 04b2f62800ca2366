"""A child's placement figures as the worker keeps them (shared/domain/kept_placement_figures.py): the values
stored per child count, for the council, exactly what the engine's own figures count, so that the council's
figures from the kept rows (as at today) and those computed on reading (as at another day) never differ."""

from shared.domain.engines.placements.council import council_figures
from shared.domain.kept_placement_figures import VALUE_COLUMNS, as_counted, child_values
from shared.models import ChildPlacementFigures
from tests.unit.test_placement_figures_council import CHILDREN


def test_the_council_figures_of_the_kept_values_are_those_of_the_engines_figures() -> None:
    kept = [as_counted(child_values(each)) for each in CHILDREN]
    assert council_figures(kept) == council_figures(CHILDREN)


def test_the_values_kept_are_a_childs_row_of_the_table() -> None:
    values = child_values(CHILDREN[1])
    assert tuple(values) == VALUE_COLUMNS
    assert set(VALUE_COLUMNS) <= set(ChildPlacementFigures.__table__.columns.keys())
    # B: its two placements ended in the year, the first for its behaviour; now in a children's home.
    assert (values["placements_ended_in_year"], values["ended_for_behaviour"]) == (2, 1)
    assert values["reasons_ended_in_year"] == ["CREQB", "CARPL"] and values["current_group"] == "residential"
    assert values["funding_social_care"] == 1 and values["funding_health"] == 0
