"""Charts drawn on the server as SVG: no JavaScript, they print, and WeasyPrint renders them.

Every chart has a text title and description for screen readers, writes its numbers on the
bars, and tells categories apart by pattern as well as colour (WCAG 1.4.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Style:
    fill: str
    pattern: str  # solid | stripes | dots | cross | lines | plain
    ink: str = "#ffffff"


# Keys are ProgressUpdate.Status and Response.Decision values, plus "none" (no update yet).
STYLES: dict[str, Style] = {
    "implemented": Style("#1e6b3a", "solid"),
    "in_progress": Style("#8a4b00", "stripes"),
    "not_started": Style("#50575e", "dots"),
    "not_implemented": Style("#b3261e", "cross"),
    "superseded": Style("#3d4a8a", "lines"),
    "none": Style("#d5d9dd", "plain", ink="#1b1f24"),
    "agreed": Style("#1e6b3a", "solid"),
    "partly_agreed": Style("#8a4b00", "stripes"),
    "not_agreed": Style("#b3261e", "cross"),
    "noted": Style("#3d4a8a", "lines"),
    "awaiting": Style("#d5d9dd", "plain", ink="#1b1f24"),
    # A status or a decision the paper does not state: told apart from "not started".
    "not_stated": Style("#5c4a72", "grid"),
}


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    count: int
    href: str = ""


def _pattern(pattern_id: str, style: Style) -> str:
    """A fill that differs by shape, not only by hue."""
    tile = {
        "stripes": (
            '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="2"/>'
        ),
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
        "cross": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#ffffff" stroke-width="1.5"/>',
        "lines": '<path d="M0,4 H8" stroke="#ffffff" stroke-width="2"/>',
        "grid": '<path d="M0,4 H8 M4,0 V8" stroke="#ffffff" stroke-width="1"/>',
    }.get(style.pattern, "")
    return (
        f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{style.fill}"/>{tile}</pattern>'
    )


# A swatch's 16 x 16 square drawn as two by two of ``_pattern``'s 8 x 8 tiles. Drawn, not
# filled with a <pattern>: a pattern needs an id, and one page shows the same swatch many times
# (every legend, the meanings list), where ids must be unique.
SWATCH_TILES = {
    "stripes": (
        '<path d="M-1,1 L1,-1 M0,8 L8,0 M0,16 L16,0 M8,16 L16,8 M15,17 L17,15" '
        'stroke="#ffffff" stroke-width="2"/>'
    ),
    "dots": "".join(
        f'<circle cx="{x}" cy="{y}" r="1.6" fill="#ffffff"/>' for y in (4, 12) for x in (4, 12)
    ),
    "cross": (
        '<path d="M0,0 L16,16 M8,0 L16,8 M0,8 L8,16 M0,8 L8,0 M0,16 L16,0 M8,16 L16,8" '
        'stroke="#ffffff" stroke-width="1.5"/>'
    ),
    "lines": '<path d="M0,4 H16 M0,12 H16" stroke="#ffffff" stroke-width="2"/>',
    "grid": '<path d="M0,4 H16 M0,12 H16 M4,0 V16 M12,0 V16" stroke="#ffffff" stroke-width="1"/>',
}


def swatch(key: str) -> SafeString:
    """A small square in a category's colour and pattern, for legends and tables."""
    style = STYLES.get(key, STYLES["none"])
    return mark_safe(  # noqa: S308 -- built only from the constant STYLES table
        f'<svg class="swatch" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" '
        f'focusable="false"><rect width="16" height="16" fill="{style.fill}"/>'
        f"{SWATCH_TILES.get(style.pattern, '')}"
        f'<rect x="0.5" y="0.5" width="15" height="15" fill="none" stroke="#1b1f24"/></svg>'
    )


@dataclass(frozen=True)
class _Pill:
    """The white pill behind a segment's count: its size and where it sits in the bar."""

    pad: int  # the pill is 8 px a digit plus this
    room: int  # drawn only when the segment is 8 px a digit plus this wide
    top: int  # below the bar's top
    height: int
    baseline: int  # of the number, below the bar's top
    font_size: int


_BIG_PILL = _Pill(pad=10, room=14, top=8, height=20, baseline=23, font_size=14)
_SMALL_PILL = _Pill(pad=8, room=12, top=3, height=18, baseline=17, font_size=13)


def _segment(
    chart_id: str, segment: Segment, *, x: float, w: float, y: float, height: int, pill: _Pill
) -> list[str]:
    """One segment of a bar, in its style, with its count on a pill when there is room."""
    style = STYLES.get(segment.key, STYLES["none"])
    # Plain fills need no pattern tile (tiles can show seams when a PDF scales them).
    plain = style.pattern in {"solid", "plain"}
    fill = style.fill if plain else f"url(#{chart_id}-{segment.key})"
    parts = [
        f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{height}" '
        f'fill="{fill}" stroke="#ffffff" stroke-width="1"/>'
    ]
    label = str(segment.count)
    if w >= 8 * len(label) + pill.room:
        # A white pill behind the number keeps it legible over any pattern.
        pill_w = 8 * len(label) + pill.pad
        cx = x + w / 2
        parts.append(
            f'<rect x="{cx - pill_w / 2:.2f}" y="{y + pill.top}" width="{pill_w}" '
            f'height="{pill.height}" rx="4" fill="#ffffff"/><text x="{cx:.2f}" '
            f'y="{y + pill.baseline}" text-anchor="middle" font-size="{pill.font_size}" '
            f'font-weight="700" {_FONT} fill="#1b1f24">{label}</text>'
        )
    return parts


def stacked_bar(
    *, chart_id: str, title: str, description: str, segments: list[Segment], width: int = 640
) -> SafeString:
    """One horizontal bar split into segments, each labelled with its count.

    ``chart_id`` must be unique on the page (it prefixes the ids of the title and patterns).
    """
    height, bar_y, bar_h = 44, 4, 36
    total = sum(segment.count for segment in segments)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="none" width="100%" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        "<defs>",
        *(
            _pattern(f"{chart_id}-{s.key}", STYLES.get(s.key, STYLES["none"]))
            for s in segments
            if s.count
        ),
        "</defs>",
    ]
    if total == 0:
        parts.append(
            f'<rect x="0" y="{bar_y}" width="{width}" height="{bar_h}" fill="#f3f5f7" '
            f'stroke="#c9ced3"/><text x="{width / 2}" y="{bar_y + bar_h / 2 + 5}" '
            f'text-anchor="middle" font-size="14" fill="#1b1f24">None</text>'
        )
    x = 0.0
    for segment in segments:
        if not segment.count:
            continue
        w = width * segment.count / total
        parts += _segment(chart_id, segment, x=x, w=w, y=bar_y, height=bar_h, pill=_BIG_PILL)
        x += w
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- user text escaped above


def legend(segments: list[Segment]) -> SafeString:
    """The chart's categories with their counts, each linking to the matching table rows."""
    items = []
    for segment in segments:
        label = format_html("{}: <strong>{}</strong>", segment.label, segment.count)
        if segment.href:
            label = format_html('<a href="{}">{}</a>', segment.href, label)
        items.append(format_html("<li>{}{}</li>", swatch(segment.key), label))
    return format_html('<ul class="legend">{}</ul>', mark_safe("".join(items)))  # noqa: S308


class StatusAndDecisionCharts:
    """The pair of bars every summary shows, by latest status and by decision, with their
    legends. A subclass provides ``status_segments``, ``decision_segments`` and
    ``_chart(kind, segments)``, which names and describes its bars."""

    @property
    def status_chart(self) -> SafeString:
        return self._chart("status", self.status_segments)

    @property
    def decision_chart(self) -> SafeString:
        return self._chart("decision", self.decision_segments)

    @property
    def status_legend(self) -> SafeString:
        return legend(self.status_segments)

    @property
    def decision_legend(self) -> SafeString:
        return legend(self.decision_segments)


# --- The annual report's charts ----------------------------------------------------------------

# Lines told apart by colour, dash and marker, so they read in black and white too.
LINE_STYLES = [
    ("#1e6b3a", "", "circle"),
    ("#8a4b00", "8 4", "square"),
    ("#3d4a8a", "2 3", "triangle"),
    ("#b3261e", "10 3 2 3", "diamond"),
    ("#50575e", "4 2", "cross"),
    ("#5c4a72", "1 2", "circle-open"),
]
_FONT = 'font-family="Arial, sans-serif"'


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 4:.1f} L{x - 5:.1f},{y + 4:.1f} Z" '
            f'fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y:.1f} L{x:.1f},{y + 5:.1f} '
            f'L{x - 5:.1f},{y:.1f} Z" fill="{colour}"/>'
        )
    if shape == "cross":
        return (
            f'<path d="M{x - 4:.1f},{y - 4:.1f} L{x + 4:.1f},{y + 4:.1f} M{x + 4:.1f},{y - 4:.1f} '
            f'L{x - 4:.1f},{y + 4:.1f}" stroke="{colour}" stroke-width="2.5"/>'
        )
    if shape == "circle-open":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#ffffff" stroke="{colour}" '
            f'stroke-width="2"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'


def cohort_chart(
    *,
    chart_id: str,
    title: str,
    lines: list[tuple[str, list[tuple[int, float | None]]]],
    years: tuple[int, ...],
) -> SafeString:
    """Share implemented (0-100 %) by whole years since the decision, one line per cohort
    (the year the recommendations were agreed); a cohort's line stops where it has not yet
    had that many years. The page prints the same numbers as a table beside it."""
    width, height = 640, 300
    left, right, top, bottom = 56, 160, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    described = []
    for label, points in lines:
        known = [
            f"{p:.0%} within {y} year{'s' if y != 1 else ''}" for y, p in points if p is not None
        ]
        described.append(f"{label}: " + (", ".join(known) if known else "too recent to show"))
    parts = [
        f'<svg class="chart chart--lines" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape("; ".join(described) or "No cohort yet")}</desc>',
    ]

    def x_of(year: int) -> float:
        return left + plot_w * (year - years[0] + 0.5) / len(years)

    def y_of(share: float) -> float:
        return top + plot_h * (1 - share)

    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{"#1b1f24" if tick == 0 else "#d5d9dd"}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" {_FONT} '
            f'fill="#1b1f24">{tick:.0%}</text>'
        )
    for year in years:
        parts.append(
            f'<text x="{x_of(year):.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'font-size="12" {_FONT} fill="#1b1f24">{year} year{"s" if year != 1 else ""}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="12" '
        f'{_FONT} fill="#1b1f24">Years since the decision</text>'
    )
    for index, (label, points) in enumerate(lines):
        colour, dash, shape = LINE_STYLES[index % len(LINE_STYLES)]
        known = [(x_of(y), y_of(p)) for y, p in points if p is not None]
        if len(known) > 1:
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(known)
            )
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            )
        parts.extend(_marker(shape, x, y, colour) for x, y in known)
        # The legend, to the right: a sample of the line and the cohort's year.
        ly = top + 14 + index * 22
        lx = left + plot_w + 14
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2.5"{dash_attr}/>{_marker(shape, lx + 15, ly, colour)}'
            f'<text x="{lx + 36}" y="{ly + 4}" font-size="12" {_FONT} fill="#1b1f24">'
            f"{escape(label)}{'' if known else ' (too recent)'}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- user text escaped above


def committee_bars(
    *, chart_id: str, title: str, bars: list[tuple[str, list[Segment]]]
) -> SafeString:
    """One bar per committee, split by status, all to one scale so that lengths compare;
    each committee's name above its bar and its total at the end."""
    width, row_h, bar_h, label_h = 640, 50, 24, 18
    height = max(len(bars), 1) * row_h + 8
    biggest = max((sum(s.count for s in segments) for _, segments in bars), default=0)
    described = [
        f"{name}: " + (", ".join(f"{s.count} {s.label.lower()}" for s in segments) or "none")
        for name, segments in bars
    ]
    keys = list(dict.fromkeys(s.key for _, segments in bars for s in segments))
    parts = [
        f'<svg class="chart chart--bars" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape("; ".join(described) or "None")}</desc>',
        "<defs>",
        *(_pattern(f"{chart_id}-{key}", STYLES.get(key, STYLES["none"])) for key in keys),
        "</defs>",
    ]
    scale = (width - 60) / biggest if biggest else 0
    for index, (name, segments) in enumerate(bars):
        y = 4 + index * row_h
        parts.append(
            f'<text x="0" y="{y + 13}" font-size="13" {_FONT} fill="#1b1f24">{escape(name)}</text>'
        )
        x = 0.0
        for segment in segments:
            w = segment.count * scale
            parts += _segment(
                chart_id, segment, x=x, w=w, y=y + label_h, height=bar_h, pill=_SMALL_PILL
            )
            x += w
        total = sum(s.count for s in segments)
        parts.append(
            f'<text x="{x + 6:.2f}" y="{y + label_h + 17}" font-size="13" {_FONT} '
            f'fill="#1b1f24">{total}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- user text escaped above
