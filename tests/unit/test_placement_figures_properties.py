"""Properties of a child's placement figures over generated episode histories: what the counting rules
promise whatever the data."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.engines.placements.child import Child, PlacementFigures, placement_figures, year_before
from shared.domain.engines.placements.episodes import Episode

FIRST_DAY = date(2021, 1, 1)
AS_AT = date(2024, 3, 31)
PLACES = ("U4", "U6", "K2", "A5", "T0", "T1", "S1")
LEGAL_STATUSES = ("C1", "C2", "E1", "V3")


@st.composite
def histories(draw: st.DrawFn) -> tuple[Episode, ...]:
    """Up to 8 episodes from 2021, each after the last or after a gap, the last possibly open."""
    episodes: list[Episode] = []
    start = FIRST_DAY + timedelta(days=draw(st.integers(0, 200)))
    for _ in range(draw(st.integers(1, 8))):
        end = start + timedelta(days=draw(st.integers(1, 300)))
        episode = Episode(
            start=start,
            end=end,
            rne="S" if not episodes or episodes[-1].end != start else draw(st.sampled_from("LPTBU")),
            legal_status=draw(st.sampled_from(LEGAL_STATUSES)),
            place=draw(st.sampled_from(PLACES)),
            reason_place_change=draw(st.sampled_from((None, "CREQB", "CARPL"))),
        )
        episodes.append(episode)
        start = end + timedelta(days=draw(st.sampled_from((0, 0, 0, 1, 40))))
    if draw(st.booleans()):
        episodes[-1] = replace(episodes[-1], end=None)
    return tuple(episodes)


def counts(child: Child, as_at: date) -> tuple[object, ...]:
    f: PlacementFigures = placement_figures(child, as_at)
    return (
        f.placements_in_year,
        f.long_term_stable,
        f.current,
        f.days_in_care,
        [(p.start, p.end, p.place, p.reason_changed) for p in f.ended],
    )


@given(histories(), st.data())
def test_splitting_an_episode_by_a_change_of_legal_status_alone_changes_no_figure(episodes, data):
    # An episode cut in two, the second half beginning with RNE L (same place, same legal status): the same
    # placements, the same days, whatever day the figures are as at. The reason for a placement change moves
    # to the second half, the one that now ends where the whole did.
    index = data.draw(st.integers(0, len(episodes) - 1))
    whole = episodes[index]
    length = ((whole.end or AS_AT + timedelta(days=2)) - whole.start).days
    cut = whole.start + timedelta(days=data.draw(st.integers(1, max(1, length - 1))))
    halves = (
        replace(whole, end=cut, reason_place_change=None),
        replace(whole, start=cut, rne="L"),
    )
    split = episodes[:index] + halves + episodes[index + 1 :]
    as_at = data.draw(st.dates(min_value=FIRST_DAY, max_value=AS_AT))
    born = date(2012, 6, 1)
    assert counts(Child(born, split), as_at) == counts(Child(born, episodes), as_at)


@given(histories(), st.dates(min_value=FIRST_DAY, max_value=AS_AT))
def test_days_in_care_are_the_days_looked_after_at_their_end(episodes, as_at):
    child = Child(date(2012, 6, 1), episodes)
    days = (as_at - FIRST_DAY).days + 1
    looked_after = sum(placement_figures(child, FIRST_DAY + timedelta(days=n)).looked_after for n in range(days))
    assert placement_figures(child, as_at).days_in_care == looked_after


@given(histories(), st.dates(min_value=FIRST_DAY, max_value=AS_AT))
def test_the_placements_in_the_year_are_those_begun_in_it_and_the_one_at_its_start(episodes, as_at):
    # Counted a second way: placements begun in the window, plus one if the child was in a placement at the
    # end of the day before the window (which then is the one the year ended counts as held at its start).
    child = Child(date(2012, 6, 1), episodes)
    figures = placement_figures(child, as_at)
    if figures.placements_in_year is None:
        return
    eve = year_before(as_at)
    held = figures.current.start if figures.current is not None else None
    began = [p.start for p in figures.ended] + ([held] if held is not None else [])
    held_on_eve = placement_figures(child, eve).current
    in_at_start = held_on_eve is not None and held_on_eve.start is not None and held_on_eve.start <= eve
    assert figures.placements_in_year == sum(eve < day <= as_at for day in began) + in_at_start
