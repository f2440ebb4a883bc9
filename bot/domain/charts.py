"""PNG charts, drawn with Pillow: bars, lines and text, which need no plotting library.
FreeType and the two fonts are loaded with the first chart and cost a few MB for the life
of the process; a chart takes a few tens of milliseconds of CPU, so callers await
`render_in_thread`, which draws on a thread of its own, and the event loop keeps serving
other people meanwhile.

Text is DejaVu Sans, shipped in `bot/data/fonts` (it has Cyrillic), anti-aliased by FreeType
at the target size. Labels too long for their column are wrapped onto a second line, then
shortened with an ellipsis: they never run into the bars."""

from __future__ import annotations

import asyncio
import functools
import io
import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image, ImageDraw
    from PIL.ImageFont import FreeTypeFont

ACCENT = "#2e7d5b"
MUTED = "#b7c9bf"
INK = "#1d2320"  # titles and labels
SOFT_INK = "#4d5551"  # tick labels
AXIS = "#3b423e"  # the left and bottom spines, tick marks
GRID = "#e4e9e6"  # light grid lines behind the bars
BACKGROUND = "#ffffff"

FONTS = Path(__file__).resolve().parent.parent / "data" / "fonts"
# Sizes in pixels, as the matplotlib charts had them at 100 dpi (12 pt = 17 px).
TITLE_PX, LABEL_PX, VALUE_PX, TICK_PX = 19, 17, 15, 14

MARGIN = 16  # around the picture
GAP = 8  # between a label and its axis, a bar and its value
TICK = 5  # length of a tick mark
LABEL_SHARE = 0.4  # the widest a column of labels may get, as a share of the picture
RESULT_WIDTH = 800
STATS_SIZE = (900, 800)
DAY_LABELS = 10  # about this many dates under the days chart


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    labels: Sequence[str]
    values: Sequence[float]
    maximum: float
    highlighted: frozenset[int] = frozenset()  # indexes drawn in the accent colour


@dataclass(frozen=True, slots=True)
class StatsChart:
    days_title: str
    days: Sequence[str]  # one label per day, the oldest first
    new_per_day: Sequence[int]
    funnel_title: str
    funnel_labels: Sequence[str]
    funnel_values: Sequence[int]


def render_bar_chart(chart: BarChart) -> bytes:
    """A horizontal bar chart as PNG bytes (safe in threads)."""
    height = 60 * len(chart.labels) + 140
    with _DRAWING:
        canvas = _Canvas(RESULT_WIDTH, height)
        top = canvas.title(chart.title, MARGIN)
        bars = _HorizontalBars(
            canvas, chart.labels, chart.values, chart.maximum, _colours(chart), top, height
        )
        bars.draw(MARGIN + bars.label_width + GAP)
        image = canvas.image
    return _png(image)


async def render_in_thread(chart: BarChart) -> bytes:
    return await asyncio.get_running_loop().run_in_executor(_WORKER, render_bar_chart, chart)


def render_stats_chart(chart: StatsChart) -> bytes:
    """New people per day above, the funnel below, as PNG bytes (safe in threads)."""
    width, height = STATS_SIZE
    middle = height // 2
    values = list(chart.funnel_values)
    with _DRAWING:
        canvas = _Canvas(width, height)
        days_top = canvas.title(chart.days_title, MARGIN)
        days = _DayBars(canvas, chart.days, chart.new_per_day, days_top, middle)
        funnel_top = canvas.title(chart.funnel_title, middle + MARGIN // 2)
        funnel = _HorizontalBars(
            canvas,
            chart.funnel_labels,
            values,
            max([*values, 1]),
            [ACCENT] * len(values),
            funnel_top,
            height,
        )
        left = MARGIN + max(days.tick_width, funnel.label_width) + GAP  # one left edge for both
        days.draw(left)
        funnel.draw(left)
        image = canvas.image
    return _png(image)


async def render_stats_in_thread(chart: StatsChart) -> bytes:
    return await asyncio.get_running_loop().run_in_executor(_WORKER, render_stats_chart, chart)


# A FreeType face must not be used by two threads at once. The GIL ensures that today, but
# a free-threaded interpreter would not: one chart is drawn at a time, whichever thread
# calls, and the fonts are loaded once, under the same lock.
_DRAWING = threading.Lock()
# The charts the handlers await are drawn on one thread of their own, started on first use,
# not on the default pool's: the memory a picture takes is then reused by the next picture,
# where every pool thread that ever drew one would keep its own allocator arena holding a
# picture's worth of freed memory (measured: +11 MB instead of +7 MB).
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")


@dataclass(frozen=True, slots=True)
class _Fonts:
    title: FreeTypeFont
    label: FreeTypeFont
    value: FreeTypeFont
    tick: FreeTypeFont


@functools.cache
def _fonts() -> _Fonts:
    """The fonts, loaded once, on first use (called with `_DRAWING` held)."""
    # Imported here, not at start-up: a process that draws no chart never loads FreeType.
    # The basic layout (no HarfBuzz) is all Cyrillic and Latin text needs.
    from PIL import ImageFont  # noqa: PLC0415

    def font(name: str, size: int) -> FreeTypeFont:
        return ImageFont.truetype(str(FONTS / name), size, layout_engine=ImageFont.Layout.BASIC)

    return _Fonts(
        title=font("DejaVuSans-Bold.ttf", TITLE_PX),
        label=font("DejaVuSans.ttf", LABEL_PX),
        value=font("DejaVuSans.ttf", VALUE_PX),
        tick=font("DejaVuSans.ttf", TICK_PX),
    )


class _Canvas:
    """A white picture with the fonts and a few text helpers."""

    def __init__(self, width: int, height: int) -> None:
        from PIL import Image, ImageDraw  # noqa: PLC0415

        self.width = width
        self.height = height
        self.image: Image.Image = Image.new("RGB", (width, height), BACKGROUND)
        self.draw: ImageDraw.ImageDraw = ImageDraw.Draw(self.image)
        self.fonts = _fonts()

    def title(self, text: str, top: int) -> int:
        """The title at the top left, on up to two lines; returns the y below it."""
        font = self.fonts.title
        lines = _fit(text, font, self.width - 2 * MARGIN, 2)
        step = _line_height(font)
        for n, line in enumerate(lines):
            self.draw.text((MARGIN, top + n * step), line, fill=INK, font=font, anchor="la")
        return top + len(lines) * step + GAP

    def lines(self, right: float, middle: float, lines: Sequence[str], font: FreeTypeFont) -> None:
        """Lines of text right-aligned at `right`, the block centred on `middle`."""
        step = _line_height(font)
        for n, line in enumerate(lines):
            y = middle + (n - (len(lines) - 1) / 2) * step
            self.draw.text((right, y), line, fill=INK, font=font, anchor="rm")

    def tick_label(self, xy: tuple[float, float], text: str, anchor: str) -> None:
        self.draw.text(xy, text, fill=SOFT_INK, font=self.fonts.tick, anchor=anchor)

    def rectangle(self, box: tuple[float, float, float, float], colour: str) -> None:
        left, top, right, bottom = (round(v) for v in box)
        if right > left and bottom > top:
            self.draw.rectangle((left, top, right - 1, bottom - 1), fill=colour)

    def line(self, start: tuple[float, float], end: tuple[float, float], colour: str) -> None:
        self.draw.line((*map(round, start), *map(round, end)), fill=colour, width=1)


class _HorizontalBars:
    """Labels on the left, a bar for each with its value at the end, integer ticks below
    with light grid lines; between `top` and `bottom` (the picture's lower edge)."""

    def __init__(
        self,
        canvas: _Canvas,
        labels: Sequence[str],
        values: Sequence[float],
        maximum: float,
        colours: Sequence[str],
        top: int,
        bottom: int,
    ) -> None:
        self.canvas = canvas
        self.values = [max(0.0, float(v)) for v in values]
        self.maximum = max(float(maximum), *self.values, 1.0)
        self.colours = colours
        self.top = top
        fonts = canvas.fonts
        self.axis_y = bottom - MARGIN - _line_height(fonts.tick) - TICK - 2
        self.pitch = (self.axis_y - top) / max(1, len(labels))
        fitting = max(1, min(2, int((self.pitch - 4) // _line_height(fonts.label))))
        widest = canvas.width * LABEL_SHARE
        self.labels = [_fit(label, fonts.label, widest, fitting) for label in labels]
        lines = [line for label in self.labels for line in label]
        self.label_width = math.ceil(max((fonts.label.getlength(s) for s in lines), default=0))

    def draw(self, left: int) -> None:
        canvas, fonts = self.canvas, self.canvas.fonts
        right = canvas.width - MARGIN
        length = right - left
        texts = [_number(v) for v in self.values]
        # Room for the value after the longest bar, and some air after the maximum.
        scale = length / (self.maximum * 1.1)
        for value, text in zip(self.values, texts, strict=True):
            if value > 0:
                room = length - GAP - fonts.value.getlength(text)
                scale = min(scale, room / value)
        widest_tick = fonts.tick.getlength(_number(math.floor(length / scale)))
        step = _step(scale, max(widest_tick + 16, length / 10))
        ticks = range(0, math.floor(length / scale) + 1, step)
        for tick in ticks[1:]:
            x = left + tick * scale
            canvas.line((x, self.top), (x, self.axis_y), GRID)
        for n, value in enumerate(self.values):
            middle = self.top + (n + 0.5) * self.pitch
            half = 0.3 * self.pitch  # bars 0.6 of a row thick
            end = left + value * scale
            canvas.rectangle((left, middle - half, end, middle + half), self.colours[n])
            canvas.draw.text(
                (end + GAP, middle), texts[n], fill=INK, font=fonts.value, anchor="lm"
            )
            canvas.lines(left - GAP, middle, self.labels[n], fonts.label)
        canvas.line((left, self.top), (left, self.axis_y), AXIS)
        canvas.line((left, self.axis_y), (right, self.axis_y), AXIS)
        for tick in ticks:
            x = left + tick * scale
            if x + fonts.tick.getlength(str(tick)) / 2 > canvas.width:
                break  # the last label would be cut off at the edge
            canvas.line((x, self.axis_y), (x, self.axis_y + TICK), AXIS)
            canvas.tick_label((x, self.axis_y + TICK + 2), str(tick), "ma")


class _DayBars:
    """A vertical bar a day, dates under about ten of them (today's always), integer ticks
    on the left with light grid lines; between `top` and `bottom`."""

    def __init__(
        self,
        canvas: _Canvas,
        days: Sequence[str],
        counts: Sequence[int],
        top: int,
        bottom: int,
    ) -> None:
        self.canvas = canvas
        self.days = days
        self.counts = [max(0, c) for c in counts]
        self.top = top
        tick_font = canvas.fonts.tick
        self.axis_y = bottom - MARGIN // 2 - _line_height(tick_font) - TICK - 2
        length = self.axis_y - top
        highest = max([*self.counts, 1]) * 1.15  # an empty month still has an axis
        self.scale = length / highest
        self.step = _step(self.scale, max(1.6 * _line_height(tick_font), length / 10))
        self.ticks = range(0, math.floor(highest) + 1, self.step)
        self.tick_width = math.ceil(
            max(tick_font.getlength(str(t)) for t in self.ticks) + TICK + 2
        )

    def draw(self, left: int) -> None:
        canvas = self.canvas
        right = canvas.width - MARGIN
        for tick in self.ticks:
            y = self.axis_y - tick * self.scale
            if tick:
                canvas.line((left, y), (right, y), GRID)
            canvas.line((left - TICK, y), (left, y), AXIS)
            canvas.tick_label((left - TICK - 2, y), str(tick), "rm")
        count = len(self.days)
        slot = (right - left) / (count + 0.6)  # some air at both ends
        width = max(1, round(0.7 * slot))
        centres = [left + slot * (n + 0.8) for n in range(count)]
        for centre, value in zip(centres, self.counts, strict=True):
            x = round(centre - width / 2)
            canvas.rectangle((x, self.axis_y - value * self.scale, x + width, self.axis_y), ACCENT)
        canvas.line((left, self.top), (left, self.axis_y), AXIS)
        canvas.line((left, self.axis_y), (right, self.axis_y), AXIS)
        widest = max((canvas.fonts.tick.getlength(d) for d in self.days), default=0)
        every = max(1, count // DAY_LABELS, math.ceil((widest + GAP) / slot))
        for n in range(count - 1, -1, -every):  # from today back
            canvas.line((centres[n], self.axis_y), (centres[n], self.axis_y + TICK), AXIS)
            canvas.tick_label((centres[n], self.axis_y + TICK + 2), self.days[n], "ma")


def _colours(chart: BarChart) -> list[str]:
    return [ACCENT if i in chart.highlighted else MUTED for i in range(len(chart.labels))]


def _line_height(font: FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _step(scale: float, gap: float) -> int:
    """The smallest round integer step (1, 2, 5, 10, 20, 25, 50, …) at least `gap` pixels
    long at `scale` pixels per unit."""
    magnitude = 1
    while True:
        for tenths in (10, 20, 25, 50):  # 1, 2, 2.5 and 5 times the magnitude
            step, rest = divmod(tenths * magnitude, 10)
            if not rest and step * scale >= gap:
                return step
        magnitude *= 10


def _fit(text: str, font: FreeTypeFont, width: float, max_lines: int) -> list[str]:
    """`text` on at most `max_lines` lines of at most `width` pixels, broken between words;
    what does not fit ends in an ellipsis."""
    words = text.split()
    lines: list[str] = []
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and font.getlength(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:  # more than the lines take
        lines[-1] = f"{lines[-1]} {' '.join(words)}"
    return [_shorten(line, font, width) for line in lines]


def _shorten(line: str, font: FreeTypeFont, width: float) -> str:
    if font.getlength(line) <= width:
        return line
    while line and font.getlength(line.rstrip() + "…") > width:
        line = line[:-1]
    return line.rstrip(" —-,.:;") + "…"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
