"""The SSDA903 reader checks codes against the collection year: SEX and ETHNIC against the return's, an episode's
starting codes against the year of DECOM and its ending codes against the year of DEC."""

from tests.unit.ssda903_files_builders import read, rules

CHILD = "A1,{sex},01/01/2010,WBRI,,,"


def episode(place: str, start: str = "01/06/2024", end: str = "", rec: str = "") -> str:
    return f"A1,{start},S,C2,N1,{place},PR1,{end},{rec},,,,"


def test_sex_m_f_u_are_accepted_from_2024_25_and_stored_as_written() -> None:
    for sex in "MFU":
        parsed = read([CHILD.format(sex=sex)], [episode("U4")])
        assert parsed.year == 2024
        assert [child.sex for child in parsed.children] == [sex]
        assert parsed.findings == []


def test_sex_1_is_rejected_in_2024_25_but_stored_as_m_before() -> None:
    parsed = read([CHILD.format(sex="1")], [episode("U4")])
    assert rules(parsed)[0] == ("header.csv", 2, "rejected", "SEX", "code-list")
    assert "2024-25" in parsed.findings[0].reason
    assert parsed.children == []
    earlier = read([CHILD.format(sex="1")], [episode("U4", start="01/06/2023")])
    assert [child.sex for child in earlier.children] == ["M"]


def test_k3_is_a_placement_from_2024_25_by_the_year_the_episode_starts() -> None:
    assert read([CHILD.format(sex="M")], [episode("K3")]).episodes[0].place == "K3"
    before = read([CHILD.format(sex="1")], [episode("K3", start="01/06/2023")])
    assert rules(before) == [("episodes.csv", 2, "rejected", "PLACE", "code-list")]


def test_z11_to_z14_replace_z1_in_2025_26() -> None:
    for place in ("Z11", "Z12", "Z13", "Z14"):
        assert read([CHILD.format(sex="F")], [episode(place, start="01/05/2025")]).findings == []
    parsed = read([CHILD.format(sex="F")], [episode("Z1", start="01/05/2025")])
    assert rules(parsed) == [("episodes.csv", 2, "rejected", "PLACE", "code-list")]
    assert "up to 2024-25" in parsed.findings[0].reason


def test_ending_codes_are_checked_in_the_year_the_episode_ends() -> None:
    # E45 came in 2018-19: an episode started in 2017-18 may end with it in 2018-19, not in 2017-18.
    late = read(["A1,1,01/01/2010,WBRI,,,"], [episode("U4", "01/06/2017", "01/06/2018", "E45")])
    assert late.findings == []
    early = read(["A1,1,01/01/2010,WBRI,,,"], [episode("U4", "01/06/2017", "01/02/2018", "E45")])
    assert rules(early) == [("episodes.csv", 2, "rejected", "REC", "code-list")]


def test_a_given_year_is_used_for_sex_and_ethnicity() -> None:
    parsed = read([CHILD.format(sex="M")], [episode("U4", start="01/06/2023")], year=2024)
    assert parsed.year == 2024
    assert parsed.findings == []
    # Inferred from the episode, the year is 2023-24, where M is not yet a code; the child's episode goes with it.
    assert rules(read([CHILD.format(sex="M")], [episode("U4", start="01/06/2023")])) == [
        ("header.csv", 2, "rejected", "SEX", "code-list"),
        ("episodes.csv", 2, "rejected", "CHILD", "missing-child"),
    ]
