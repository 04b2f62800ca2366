"""The SSDA903 reader's row rules: what it rejects, what it accepts with a warning, and the rows it points at."""

from datetime import date

from shared.ssda903_files import RowRef
from tests.unit.ssda903_files_builders import read, rules

A1 = "A1,1,01/01/2010,WBRI,,,"
OPEN = "A1,01/06/2023,S,C2,N1,U4,PR1,,,,,,"


def test_a_missing_required_value_rejects_the_row_naming_the_column() -> None:
    parsed = read(["A1,1,01/01/2010,,,,"], ["A1,01/06/2023,S,C2,N1,,PR1,,,,,,"])
    assert rules(parsed)[:2] == [
        ("header.csv", 2, "rejected", "ETHNIC", "missing"),
        ("episodes.csv", 2, "rejected", "PLACE", "missing"),
    ]
    assert parsed.children == parsed.episodes == []


def test_an_impossible_date_rejects_the_row_and_iso_dates_are_read() -> None:
    parsed = read(["A1,1,31/02/2010,WBRI,,,", "B2,2,2010-02-28,WBRI,,,"], ["B2,2023-06-01,S,C2,N1,U4,PR1,,,,,,"])
    assert rules(parsed) == [("header.csv", 2, "rejected", "DOB", "date")]
    assert parsed.findings[0].value == "31/02/2010"
    assert [child.date_of_birth for child in parsed.children] == [date(2010, 2, 28)]


def test_dec_not_after_decom_rejects_the_episode() -> None:
    parsed = read([A1], ["A1,01/06/2023,S,C2,N1,U4,PR1,01/06/2023,E8,,,,"])
    assert rules(parsed) == [("episodes.csv", 2, "rejected", "DEC", "dates")]


def test_an_episode_before_its_childs_birth_or_dated_after_today_is_rejected_as_the_api_refuses_it() -> None:
    before_birth = "A1,01/06/2009,S,C2,N1,U4,PR1,01/07/2009,E8,,,,"
    parsed = read([A1], [before_birth, OPEN], today=date(2024, 1, 1))
    assert rules(parsed) == [("episodes.csv", 2, "rejected", "DECOM", "date")]
    assert "before the child's date of birth" in parsed.findings[0].reason
    assert [episode.start_date for episode in parsed.episodes] == [date(2023, 6, 1)]

    ended_tomorrow = "A1,01/06/2023,S,C2,N1,U4,PR1,02/01/2024,E8,,,,"
    future = read([A1, "B2,2,02/01/2024,WBRI,,,"], [ended_tomorrow], today=date(2024, 1, 1))
    assert rules(future) == [
        ("header.csv", 3, "rejected", "DOB", "date"),
        ("episodes.csv", 2, "rejected", "DEC", "date"),
    ]
    assert "2024-01-02 is in the future" in future.findings[1].reason
    # Read without a day to judge by (a test of the file alone), the future is not refused.
    assert read([A1], [ended_tomorrow]).findings == []


def test_an_episode_of_a_child_not_in_the_header_is_rejected() -> None:
    parsed = read([A1], [OPEN, "Z9,01/06/2023,S,C2,N1,U4,PR1,,,,,,"])
    assert rules(parsed) == [("episodes.csv", 3, "rejected", "CHILD", "missing-child")]
    assert parsed.findings[0].conflicts_with == ()
    refused = read(["A1,1,01/01/2010,XXXX,,,"], [OPEN])
    assert refused.findings[-1].conflicts_with == (RowRef("header.csv", 2),)


def test_overlapping_episodes_reject_the_later_starting_one_whatever_the_file_order() -> None:
    later = "A1,01/09/2023,P,C2,N1,U6,PR1,,,,,,"
    earlier = "A1,01/06/2023,S,C2,N1,U4,PR1,01/10/2023,X1,CARPL,,,"
    parsed = read([A1], [later, earlier])
    assert rules(parsed) == [("episodes.csv", 2, "rejected", "DECOM", "overlap")]
    assert parsed.findings[0].conflicts_with == (RowRef("episodes.csv", 3),)
    # Half-open: the next episode may start on the day the previous ended.
    assert read([A1], [earlier, "A1,01/10/2023,P,C2,N1,U6,PR1,,,,,,"]).findings == []


def test_a_repeated_episode_is_kept_once_warned_if_the_same_and_rejected_if_not() -> None:
    same = read([A1], [OPEN, OPEN])
    assert rules(same) == [("episodes.csv", 3, "warning", None, "duplicate")]
    assert len(same.episodes) == 1
    other = read([A1], [OPEN, "A1,01/06/2023,S,C2,N2,U4,PR1,,,,,,"])
    assert rules(other) == [("episodes.csv", 3, "rejected", None, "duplicate")]
    assert other.findings[0].conflicts_with == (RowRef("episodes.csv", 2),)
    assert [episode.cin for episode in other.episodes] == ["N1"]


def test_a_repeated_header_row_is_treated_as_a_repeated_episode() -> None:
    assert rules(read([A1, A1], [OPEN])) == [("header.csv", 3, "warning", None, "duplicate")]
    differing = read([A1, "A1,2,01/01/2010,WBRI,,,"], [OPEN])
    assert rules(differing) == [("header.csv", 3, "rejected", None, "duplicate")]
    assert [child.sex for child in differing.children] == ["M"]


def test_an_open_episode_keeps_open_and_loses_its_ending_reasons() -> None:
    parsed = read([A1], ["A1,01/06/2023,S,C2,N1,U4,PR1,,E11,CARPL,,,"])
    assert rules(parsed) == [
        ("episodes.csv", 2, "warning", "REC", "dfe-148"),
        ("episodes.csv", 2, "warning", "REASON_PLACE_CHANGE", "dfe-148"),
    ]
    episode = parsed.episodes[0]
    assert (episode.end_date, episode.reason_ended, episode.reason_place_change) == (None, None, None)


def test_whole_numbers_written_as_decimals_and_postcodes_that_are_not() -> None:
    parsed = read(["A1,1,01/01/2010,WBRI,,1.0,"], ["A1,01/06/2023,S,C2,N1,U4,PR1,,,,,12 High St,1234567.0"])
    assert rules(parsed) == [
        ("header.csv", 2, "warning", "MOTHER", "whole-number"),
        ("episodes.csv", 2, "warning", "URN", "whole-number"),
        ("episodes.csv", 2, "warning", "PL_POST", "postcode"),
    ]
    assert "read as 1" in parsed.findings[0].reason
    # The address is dropped from the finding too.
    assert parsed.findings[2].value is None
    assert (parsed.episodes[0].postcode_sector, parsed.episodes[0].urn) == (None, "1234567")
