"""The server-drawn charts: what a screen reader hears is the figures drawn, a gap is drawn as a gap, and the
quarters the overview looks back over."""

import re
from datetime import date

from services.api.web.charts import Series, Span, bar_chart, line_chart, radar_chart, timeline
from services.api.web.council_pages import quarter_ends


def test_a_line_chart_breaks_where_a_domain_was_not_rated_and_says_so() -> None:
    days = [date(2024, 1, 1), date(2024, 7, 1), date(2025, 1, 1), date(2025, 7, 1)]
    need = Series("Need", list(zip(days, [3, None, 2, 1], strict=True)))
    svg = line_chart("c", "Safety", [need], 4, "Level")
    # Two runs: the first point alone (a marker, no line), then a line through the last two; a marker for each
    # of the three ratings, and one in the legend.
    assert len(re.findall(r"<path d=\"M[^\"]*\" fill=\"none\"", svg)) == 1
    assert svg.count("<circle") == 3 + 1
    assert '<desc id="c-desc">Need: 2024-01-01 3, 2024-07-01 not rated, 2025-01-01 2, 2025-07-01 1</desc>' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg and 'role="img"' in svg


def test_the_series_differ_by_dash_and_marker_not_colour_alone() -> None:
    day = date(2025, 1, 1)
    svg = radar_chart(
        "r", "Profile", ["a", "b", "c"], [Series("Baseline", [(day, 1)] * 3), Series("Latest", [(day, 2)] * 3)], 4
    )
    dashes = re.findall(
        r'<polygon points="[^"]*" fill="none" stroke="[^"]*" stroke-width="2.5" stroke-dasharray="([^"]*)"', svg
    )
    assert len(dashes) == 2 and dashes[0] != dashes[1]
    assert svg.count("<circle") >= 3 and svg.count("<rect") >= 3
    assert "Baseline: a 1, b 1, c 1; Latest: a 2, b 2, c 2" in svg


def test_text_is_escaped_and_withheld_bars_are_said() -> None:
    svg = bar_chart("b", "Prevalence <by domain>", [("self <care>", 40.5), ("identity", None)])
    assert "&lt;by domain&gt;" in svg and "self &lt;care&gt;" in svg
    assert svg.count("<rect") == 1 and "identity: withheld" in svg


def test_a_timeline_runs_an_open_placement_to_today() -> None:
    svg = timeline("t", "Placements", [Span("U4", date(2024, 1, 1), None)], date(2024, 12, 31))
    assert "U4: 2024-01-01 to now" in svg and "2024-12-31" in svg


def test_the_overview_looks_back_over_the_four_quarters_before_this_one() -> None:
    assert quarter_ends(date(2026, 12, 5), 4) == [
        date(2025, 12, 31),
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
    ]
    assert quarter_ends(date(2026, 1, 1), 1) == [date(2025, 12, 31)]
