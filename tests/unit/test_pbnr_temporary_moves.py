"""A temporary move across a period's end (domain.md §7.2, §7.5, §7.9): a stay's end is known only when
the child does not come back, so a period's statement, computed as known on its cut-off, neither ends
a stay the child returns to nor keeps one the child never came back to. Each case worked by hand; the
child is always with the provider, every assessment by a social worker."""

from datetime import date
from decimal import Decimal

from shared.domain.engines.pbnr.closing import Settled
from shared.domain.engines.pbnr.statement import Inputs, Statement, statements
from shared.domain.engines.pbnr.stays import Episode
from tests.unit.pbnr_builders import assessment, contract, episode

MONTHLY = contract(effective_from=date(2024, 1, 1), end=date(2024, 12, 31), period="month")
END_OF_YEAR = date(2024, 12, 31)


def by_period(result: list[Statement]) -> dict[str, list[tuple[str, str, str, str]]]:
    """Each period's lines as (date, rule, domain, paid), with the stays it says ended."""
    return {
        s.period.start.isoformat(): [
            (p.event.on.isoformat(), p.event.rule.split(":")[0], p.event.domain or "", str(p.paid)) for p in s.lines
        ]
        + [(e.ended_on.isoformat(), "stay ended", "", "") for e in s.stays_ended]
        for s in result
        if s.lines or s.stays_ended
    }


def away(start: date, end: date | None, place: str = "T1") -> Episode:
    return episode(start, end, place=place, provider="RESPITE")


def test_a_move_across_march_s_end_that_the_child_returns_from_neither_ends_the_stay_nor_forfeits() -> None:
    """March is cut off on the 31st, while the child is away: the first instalment is March's, nothing is
    forfeited, and the second (175 days after 1 March) is August's. With the provider 10 January to 29
    March 2024, away 29 March to 8 April, back from 8 April; emotional_health 3, then 1 twice."""
    episodes = (
        episode(date(2024, 1, 10), date(2024, 3, 29)),
        away(date(2024, 3, 29), date(2024, 4, 8)),
        episode(date(2024, 4, 8)),
    )
    rated = (
        assessment(date(2024, 1, 12), {"emotional_health": 3}),
        assessment(date(2024, 3, 1), {"emotional_health": 1}),
        assessment(date(2024, 8, 23), {"emotional_health": 1}),
    )
    assert by_period(statements(Inputs(MONTHLY, episodes, rated), END_OF_YEAR)) == {
        # 400 (£1,000 x 40%) x 49/49 days with the provider, 12 January to 1 March.
        "2024-03-01": [("2024-03-01", "7.5 first instalment", "emotional_health", "400.00")],
        # 600 x 214/224 days: 12 January to 23 August, less the 10 days away = 573.2142...
        "2024-08-01": [("2024-08-23", "7.5 second instalment", "emotional_health", "573.21")],
    }


def test_a_reduction_confirmed_while_away_over_the_period_s_end_is_paid_in_its_period() -> None:
    """With the provider 10 January to 20 March, away 20 March to 10 April, back from 10 April; safety 3
    on 12 January, 1 on 25 March (while away, the stay going on) and on 16 September (175 days on)."""
    episodes = (
        episode(date(2024, 1, 10), date(2024, 3, 20)),
        away(date(2024, 3, 20), date(2024, 4, 10)),
        episode(date(2024, 4, 10)),
    )
    rated = (
        assessment(date(2024, 1, 12), {"safety": 3}),
        assessment(date(2024, 3, 25), {"safety": 1}),
        assessment(date(2024, 9, 16), {"safety": 1}),
    )
    assert by_period(statements(Inputs(MONTHLY, episodes, rated), END_OF_YEAR)) == {
        # 400 x 68/73 days: 12 January to 25 March, less the 5 away = 372.6027...
        "2024-03-01": [("2024-03-25", "7.5 first instalment", "safety", "372.60")],
        # 600 x 227/248 days: 12 January to 16 September, less the 21 away = 549.1935...
        "2024-09-01": [("2024-09-16", "7.5 second instalment", "safety", "549.19")],
    }


def test_away_over_the_contract_s_end_the_contract_ending_first_forfeits() -> None:
    """A quarterly contract to 30 June 2024; with the provider 10 January to 20 June, away (T2) 20 June to
    10 July, back from 10 July; learning 3 on 12 January, 1 on 1 March. The stay outlasts the contract."""
    quarterly = contract(effective_from=date(2024, 1, 1), end=date(2024, 6, 30))
    episodes = (
        episode(date(2024, 1, 10), date(2024, 6, 20)),
        away(date(2024, 6, 20), date(2024, 7, 10), "T2"),
        episode(date(2024, 7, 10)),
    )
    rated = (assessment(date(2024, 1, 12), {"learning": 3}), assessment(date(2024, 3, 1), {"learning": 1}))
    result = statements(Inputs(quarterly, episodes, rated), END_OF_YEAR)
    assert by_period(result) == {
        "2024-01-01": [("2024-03-01", "7.5 first instalment", "learning", "400.00")],
        "2024-04-01": [("2024-06-30", "7.5 second instalment forfeited", "learning", "0.00")],
    }
    assert "contract ended" in result[1].lines[0].event.rule


def test_while_the_child_is_away_the_stay_goes_on_and_once_they_do_not_come_back_it_ended_when_they_left() -> None:
    """The second case on 5 April, the child still away: March pays the first instalment. The move then
    ends on 15 April with the child placed elsewhere: the stay ended on 20 March, before the review of
    25 March, so March's statement, as known on its cut-off, changes: no instalment, the stay ended."""
    with_provider = episode(date(2024, 1, 10), date(2024, 3, 20))
    rated = (assessment(date(2024, 1, 12), {"safety": 3}), assessment(date(2024, 3, 25), {"safety": 1}))
    still_away = Inputs(MONTHLY, (with_provider, away(date(2024, 3, 20), None)), rated)
    march = statements(still_away, date(2024, 4, 5))[2]
    assert by_period([march]) == {"2024-03-01": [("2024-03-25", "7.5 first instalment", "safety", "372.60")]}

    elsewhere = episode(date(2024, 4, 15), place="U4", provider="OTHER")
    gone = Inputs(MONTHLY, (with_provider, away(date(2024, 3, 20), date(2024, 4, 15)), elsewhere), rated)
    march_now = statements(gone, date(2024, 5, 1))[2]
    assert march_now.inputs_hash != march.inputs_hash  # so March is recomputed, a new version of it
    assert by_period([march_now]) == {"2024-03-01": [("2024-03-20", "stay ended", "", "")]}

    # Had the council closed March, paying the £372.60, April's statement takes it back.
    paid = Settled(
        date(2024, 3, 1),
        "C1",
        with_provider.id,
        "safety",
        1,
        march.lines[0].event.rule,
        Decimal("372.60"),
        Decimal("372.60"),
        Decimal("0.00"),
        rated[1].id,
    )
    closed = Inputs(
        MONTHLY, gone.episodes, rated, frozenset({date(2024, 3, 1), date(2024, 1, 1), date(2024, 2, 1)}), (paid,)
    )
    april = statements(closed, date(2024, 5, 1))[0]
    assert april.period.start == date(2024, 4, 1)
    assert [(a.domain, a.instalment, a.paid) for a in april.adjustments] == [("safety", 1, Decimal("-372.60"))]
