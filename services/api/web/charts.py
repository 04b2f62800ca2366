"""Charts drawn as SVG on the server, so they show without JavaScript. Each carries a title and a text
description for screen readers, tells its series apart by line style and marker as well as colour, and is
always printed beside a table of the same figures."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

# GOV.UK Frontend's colours with 4.5:1 contrast or better on white.
INK, GRID, BAR = "#0b0c0c", "#b1b4b6", "#1d70b8"
SERIES_STYLES = (("#1d70b8", ""), ("#d4351c", "6 3"), ("#00703c", "2 3"), ("#4c2c92", "8 3 2 3"))
MARKERS = ("circle", "square", "diamond", "triangle")
SHAPES = {"diamond": ((0, -5), (5, 0), (0, 5), (-5, 0)), "triangle": ((0, -5), (5, 4), (-5, 4))}
FONT_SIZE = 14


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: Sequence[tuple[date, float | None]]


@dataclass(frozen=True, slots=True)
class Span:
    label: str
    start: date
    end: date | None  # open: to today


def _svg(chart_id: str, title: str, description: str, width: int, height: int, body: str) -> Markup:
    named = escape(chart_id)
    return Markup(
        f'<svg class="app-chart" id="{named}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{named}-title {named}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{named}-title">{escape(title)}</title><desc id="{named}-desc">{escape(description)}</desc>'
        f"{body}</svg>"
    )


def _text(x: float, y: float, words: object, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT_SIZE}" text-anchor="{anchor}" fill="{INK}">'
        f"{escape(str(words))}</text>"
    )


def _empty(chart_id: str, title: str, saying: str) -> Markup:
    return _svg(chart_id, title, saying, 640, 40, _text(10, 26, saying))


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind in SHAPES:
        path = "L".join(f"{x + dx:.1f} {y + dy:.1f}" for dx, dy in SHAPES[kind])
        return f'<path d="M{path}Z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _style(index: int) -> tuple[str, str, str]:
    colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
    return colour, dash, MARKERS[index % len(MARKERS)]


def _legend(names: Sequence[str], x: float, y: float) -> str:
    parts = []
    for index, name in enumerate(names):
        colour, dash, marker = _style(index)
        top = y + index * 20
        parts.append(
            f'<line x1="{x}" y1="{top}" x2="{x + 24}" y2="{top}" stroke="{colour}" stroke-width="3" '
            f'stroke-dasharray="{dash}"/>{_marker(marker, x + 12, top, colour)}{_text(x + 30, top + 5, name)}'
        )
    return "".join(parts)


def _described(series: Sequence[Series], labels: Sequence[str]) -> str:
    return "; ".join(
        f"{line.name}: "
        + ", ".join(
            f"{label} {'not rated' if v is None else f'{v:g}'}"
            for label, (_, v) in zip(labels, line.points, strict=True)
        )
        for line in series
    )


def line_chart(chart_id: str, title: str, series: Sequence[Series], y_max: int, y_label: str) -> Markup:
    """Levels over time, one line per series; a gap where a series has no value on a date."""
    width, height, left, right, top, bottom = 640, 260, 44, 150, 24, 40
    days = [day for line in series for day, _ in line.points]
    if not days:
        return _empty(chart_id, title, "No figures yet.")
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / max(y_max, 1))

    body = [_text(4, 14, y_label)]
    for level in range(y_max + 1):
        y = y_of(level)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 8, y + 5, level, "end"))
    body.append(_text(x_of(first), height - 12, first.isoformat()))
    body.append(_text(x_of(last), height - 12, last.isoformat(), "end"))
    for index, line in enumerate(series):
        colour, dash, marker = _style(index)
        runs: list[list[tuple[float, float]]] = [[]]
        for day, value in line.points:
            if value is None:
                runs.append([])
            else:
                runs[-1].append((x_of(day), y_of(value)))
        for run in runs:
            if len(run) > 1:
                path = "L".join(f"{x:.1f} {y:.1f}" for x, y in run)
                body.append(
                    f'<path d="M{path}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>'
                )
            body.extend(_marker(marker, x, y, colour) for x, y in run)
    body.append(_legend([line.name for line in series], width - right + 16, top + 10))
    labels = [day.isoformat() for day, _ in series[0].points] if series else []
    return _svg(chart_id, title, _described(series, labels), width, height, "".join(body))


def radar_chart(chart_id: str, title: str, axes: Sequence[str], series: Sequence[Series], r_max: int) -> Markup:
    """One spoke per domain, a polygon per series (baseline and latest): the child's whole profile at a glance.
    Series carry one value per axis, in the axes' order; a domain not rated sits at the centre."""
    size, centre, radius = 560, 280, 170
    count = max(len(axes), 3)
    body = []

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        reach = radius * value / max(r_max, 1)
        return centre + reach * math.cos(angle), centre + reach * math.sin(angle)

    for level in range(1, r_max + 1):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, level) for i in range(count)))
        body.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}"/>')
    for index, axis in enumerate(axes):
        x, y = point(index, r_max)
        label_x, label_y = point(index, r_max + 0.6)
        anchor = "middle" if abs(label_x - centre) < 20 else ("start" if label_x > centre else "end")
        body.append(f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(label_x, label_y + 5, axis, anchor))
    for index, line in enumerate(series):
        colour, dash, marker = _style(index)
        corners = [point(i, value or 0) for i, (_, value) in enumerate(line.points)]
        shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)
        body.append(
            f'<polygon points="{shape}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>'
        )
        body.extend(_marker(marker, x, y, colour) for x, y in corners)
    body.append(_legend([line.name for line in series], 8, 16))
    return _svg(chart_id, title, _described(series, axes), size, size, "".join(body))


def timeline(chart_id: str, title: str, spans: Sequence[Span], today: date) -> Markup:
    """Placements as bars along one time axis, each labelled on its row, so no colour carries meaning."""
    if not spans:
        return _empty(chart_id, title, "No placements.")
    width, left, row = 640, 200, 28
    first = min(span.start for span in spans)
    last = max(span.end or today for span in spans)
    days = max((last - first).days, 1)
    height = row * len(spans) + 30
    body = []
    for index, span in enumerate(spans):
        x0 = left + (width - left - 10) * (span.start - first).days / days
        x1 = left + (width - left - 10) * ((span.end or today) - first).days / days
        y = index * row + 6
        body.append(_text(4, y + 15, span.label))
        body.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 2):.1f}" height="20" fill="{BAR}"/>')
    body.append(_text(left, height - 6, first.isoformat()))
    body.append(_text(width - 10, height - 6, last.isoformat(), "end"))
    description = "; ".join(
        f"{s.label}: {s.start.isoformat()} to {s.end.isoformat() if s.end else 'now'}" for s in spans
    )
    return _svg(chart_id, title, description, width, height, "".join(body))


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, float | None]], unit: str = "%") -> Markup:
    """Horizontal bars with their value printed at the end; a withheld value is said, not drawn."""
    width, left, row = 640, 170, 26
    height = row * len(bars) + 10
    top_value = max([value for _, value in bars if value is not None] or [1]) or 1
    body = []
    for index, (label, value) in enumerate(bars):
        y = index * row + 4
        body.append(_text(4, y + 15, label))
        if value is None:
            body.append(_text(left, y + 15, "withheld"))
            continue
        length = (width - left - 80) * value / top_value
        body.append(f'<rect x="{left}" y="{y}" width="{max(length, 1):.1f}" height="18" fill="{BAR}"/>')
        body.append(_text(left + length + 6, y + 15, f"{value:g}{unit}"))
    description = "; ".join(f"{label}: {'withheld' if v is None else f'{v:g}{unit}'}" for label, v in bars)
    return _svg(chart_id, title, description, width, height, "".join(body))
