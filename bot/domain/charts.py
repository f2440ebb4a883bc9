"""PNG charts. Rendering takes tens of milliseconds of CPU, so callers run it in a thread
(`render_in_thread`) and the event loop keeps serving other people meanwhile."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ACCENT = "#2e7d5b"
MUTED = "#b7c9bf"


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    labels: Sequence[str]
    values: Sequence[float]
    maximum: float
    highlighted: frozenset[int] = frozenset()  # indexes drawn in the accent colour


def _draw_bars(axes: Any, chart: BarChart) -> None:
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    positions = list(range(len(chart.labels)))[::-1]
    colours = [ACCENT if i in chart.highlighted else MUTED for i in range(len(chart.labels))]
    axes.barh(positions, chart.values, color=colours, height=0.6)
    axes.set_yticks(positions, labels=list(chart.labels), fontsize=12)
    axes.set_xlim(0, chart.maximum * 1.1)  # room for the value next to a full bar
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(chart.title, fontsize=14, loc="left")
    for position, value in zip(positions, chart.values, strict=True):
        axes.text(value + chart.maximum * 0.01, position, f"{value:g}", va="center", fontsize=11)


def _png(figure: Any) -> bytes:
    for axes in figure.axes:
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _figure(width: float, height: float) -> Any:
    # Imported on first use: matplotlib takes a noticeable part of a second to load, and
    # start-up should not wait for it. No global pyplot state: safe in threads.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def render_bar_chart(chart: BarChart) -> bytes:
    """A horizontal bar chart as PNG bytes."""
    figure = _figure(8, 0.6 * len(chart.labels) + 1.4)
    _draw_bars(figure.add_subplot(), chart)
    return _png(figure)


async def render_in_thread(chart: BarChart) -> bytes:
    return await asyncio.to_thread(render_bar_chart, chart)


@dataclass(frozen=True, slots=True)
class StatsChart:
    days_title: str
    days: Sequence[str]  # one label per day, the oldest first
    new_per_day: Sequence[int]
    funnel_title: str
    funnel_labels: Sequence[str]
    funnel_values: Sequence[int]


def render_stats_chart(chart: StatsChart) -> bytes:
    """New people per day above, the funnel below, as PNG bytes (safe in threads)."""
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    figure = _figure(9, 8)
    days, funnel = figure.subplots(2, 1)
    positions = list(range(len(chart.days)))
    days.bar(positions, chart.new_per_day, color=ACCENT, width=0.7)
    step = max(1, len(positions) // 10)  # about ten date labels, today's always among them
    ticks = positions[::-step][::-1]
    days.set_xticks(ticks, labels=[chart.days[i] for i in ticks], fontsize=10)
    days.set_ylim(0, max([*chart.new_per_day, 1]) * 1.15)  # an empty month still has an axis
    days.yaxis.set_major_locator(MaxNLocator(integer=True))
    days.set_title(chart.days_title, fontsize=14, loc="left")
    _draw_bars(
        funnel,
        BarChart(
            title=chart.funnel_title,
            labels=chart.funnel_labels,
            values=chart.funnel_values,
            maximum=max([*chart.funnel_values, 1]),
            highlighted=frozenset(range(len(chart.funnel_labels))),
        ),
    )
    return _png(figure)


async def render_stats_in_thread(chart: StatsChart) -> bytes:
    return await asyncio.to_thread(render_stats_chart, chart)
